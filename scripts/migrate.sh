#!/bin/sh
# Migrate the database as its owner role, then give the runtime role its rights again.
#
#     MIGRATE_DATABASE_URL=postgres://schoolrecords_owner@db/schoolrecords scripts/migrate.sh
#
# DATABASE_URL (the site's, the runtime role's) names the role that gets the row rights; the owner's
# URL is needed only here (docs/operations.md, "Database roles"). On SQLite (the embedded demo) there
# are no roles: it migrates as usual.
set -eu
cd "$(dirname "$0")/.."
python="${PYTHON:-python}"
[ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ] && python=.venv/bin/python
case "${DATABASE_URL:-}" in
    postgres://*|postgresql://*|pgsql://*) ;;
    *) exec "$python" manage.py migrate --no-input ;;
esac
: "${MIGRATE_DATABASE_URL:?set MIGRATE_DATABASE_URL to the owner role's database URL}"
DATABASE_ROLE=owner "$python" manage.py migrate --no-input
DATABASE_ROLE=owner "$python" manage.py db_roles
