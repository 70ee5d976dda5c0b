#!/usr/bin/env bash
# Runs the whole test suite (tests/, browser tests included) after installing what it needs.
#
#   scripts/test.sh                         everything
#   scripts/test.sh tests/gradebook -x      any pytest arguments instead
#
# The database is SQLite in memory unless DATABASE_URL names one (CI: .ci/run, PostgreSQL).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" --test

# The settings refuse to load without SECRET_KEY unless DEBUG is on; pytest-django still runs
# the tests themselves with DEBUG off.
export DEBUG=1
(($# > 0)) || set -- tests
exec .venv/bin/python -m pytest "$@"
