#!/usr/bin/env bash
# Starts the demo school on the embedded default (SQLite in var/db.sqlite3, Celery tasks run
# in-process, files under var/) and prints where to open it. Idempotent: run it again any time.
#
#   scripts/demo.sh                                   the demo school (8 classes of 40)
#   scripts/demo.sh --classes-per-grade 6 --students-per-class 45    a bigger one
#   PORT=8080 scripts/demo.sh                         another port (default 8000)
#
# Never use this for real data: it runs Django's development server with DEBUG=1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh"

# The embedded default, whatever this shell has set for production; prints run in a background
# worker whose broker is a folder (var/celery/), so a batch never holds up a page.
unset DATABASE_URL
export CELERY_BROKER_URL="filesystem://"
export CELERY_TASK_ALWAYS_EAGER=0
export DEBUG=1
PORT="${PORT:-8000}"
# Open from other computers of the school network too: allow this machine's names and addresses.
addresses="$(hostname -I 2>/dev/null || true)"
addresses="${addresses%"${addresses##*[![:space:]]}"}"
host_list="localhost,127.0.0.1,[::1],$(hostname 2>/dev/null || echo localhost)"
for address in $addresses; do
    [[ "$address" == *:* ]] && address="[$address]"
    host_list+=",$address"
done
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-$host_list}"

echo "==> Database: migrate (var/db.sqlite3)"
.venv/bin/python manage.py migrate --no-input --verbosity 0
echo "==> Demo school: seed_demo $*"
.venv/bin/python manage.py seed_demo "$@"
echo "==> Primary demo school: seed_demo --school primary"
.venv/bin/python manage.py seed_demo --school primary
echo "==> Upper-secondary demo school: seed_demo --school upper"
.venv/bin/python manage.py seed_demo --school upper

first_address="${addresses%% *}"
echo
echo "The demo school is starting. Open it in a browser:"
echo "    on this machine:      http://127.0.0.1:$PORT/"
[[ -n "$first_address" && "$first_address" != *:* ]] && echo "    from the network:     http://$first_address:$PORT/"
echo "Log in with one of the logins above (password demo-2026). Stop the server with Ctrl+C."
echo
# The print worker (one process: a school laptop has little memory) and, with no Celery beat here,
# the archive's deadline check (snapshots at every entry deadline, seed 002) every 5 minutes run
# beside the server and end with it ($$ is the server once exec has replaced this shell).
# docs/operations.md "Snapshots at the deadlines".
.venv/bin/python manage.py demo_worker --while-pid $$ &
.venv/bin/python manage.py snapshots_due --every "${SNAPSHOT_CHECK_SECONDS:-300}" --while-pid $$ &
exec .venv/bin/python manage.py runserver "0.0.0.0:$PORT"
