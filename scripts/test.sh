#!/usr/bin/env bash
# Runs the whole test suite (tests/, browser tests included) after installing what it needs.
#
#   scripts/test.sh                         everything, on one pytest worker per CPU (pytest-xdist)
#   scripts/test.sh tests/gradebook -x      any pytest arguments instead (one process unless they say -n)
#
# TEST_WORKERS=1 runs the whole suite in one process; TEST_WORKERS=N on N workers. The workers take whole
# files (--dist loadfile): a module's fixtures are built once, and a file's tests never race each other. With
# workers the suite runs in two pytest runs (below); the exit status is non-zero if either failed.
#
# The database is SQLite in memory unless DATABASE_URL names one (CI: .ci/run, PostgreSQL).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh" --test

# The settings refuse to load without SECRET_KEY unless DEBUG is on; pytest-django still runs
# the tests themselves with DEBUG off.
export DEBUG=1
workers="${TEST_WORKERS:-auto}"
if (($# > 0)) || [[ "$workers" == 1 ]]; then
    exec .venv/bin/python -m pytest "${@:-tests}"
fi
# On workers, in two runs: each worker has its own test database with the demo school built once, which the tests
# that commit (marked "transactional" by tests/conftest.py) empty after each; in one run a worker could take such
# a file before one that needs the demo. So first everything else, then those (each builds what it needs).
status=0
.venv/bin/python -m pytest tests -n "$workers" --dist loadfile -m "not transactional" || status=$?
.venv/bin/python -m pytest tests -n "$workers" --dist loadfile -m transactional || status=$((status ? status : $?))
exit "$status"
