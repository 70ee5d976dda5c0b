#!/usr/bin/env bash
# Runs the whole test suite (tests/, browser tests included) after installing what it needs.
#
#   scripts/test.sh                         everything, on one pytest worker per CPU (pytest-xdist)
#   scripts/test.sh tests/gradebook -x      any pytest arguments instead (one process unless they say -n)
#
# TEST_WORKERS=1 runs the whole suite in one process; TEST_WORKERS=N on N workers. The workers take whole
# files (--dist loadfile): a module's fixtures are built once, and a file's tests never race each other.
#
# The database is SQLite in memory unless DATABASE_URL names one (CI: .ci/run, PostgreSQL).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" --test

# The settings refuse to load without SECRET_KEY unless DEBUG is on; pytest-django still runs
# the tests themselves with DEBUG off.
export DEBUG=1
if (($# == 0)); then
    workers="${TEST_WORKERS:-auto}"
    if [[ "$workers" == 1 ]]; then
        set -- tests
    else
        set -- tests -n "$workers" --dist loadfile
    fi
fi
exec .venv/bin/python -m pytest "$@"
