#!/bin/sh
# Create the two database roles of docs/operations.md ("Database roles") and give the database to the owner.
#
# docker-compose mounts this file into the postgres image's /docker-entrypoint-initdb.d/: it runs once,
# as the superuser (POSTGRES_USER), when the data volume is first created. On a plain server run it
# once as the superuser, e.g.
#     sudo -u postgres env POSTGRES_DB=schoolrecords DB_OWNER_PASSWORD=... DB_RUNTIME_PASSWORD=... sh db-init-roles.sh
# Running it again changes nothing (existing roles keep their passwords). The owner role runs the
# migrations and owns the tables; the runtime role (the site's and the workers') gets its row rights
# from `manage.py db_roles` after each migration. Neither is a superuser.
set -eu
: "${DB_OWNER_PASSWORD:?set DB_OWNER_PASSWORD (the owner role's password)}"
: "${DB_RUNTIME_PASSWORD:?set DB_RUNTIME_PASSWORD (the runtime role's password)}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-schoolrecords}" \
    -v owner="${DB_OWNER_ROLE:-schoolrecords_owner}" -v runtime="${DB_RUNTIME_ROLE:-schoolrecords_app}" \
    -v owner_password="$DB_OWNER_PASSWORD" -v runtime_password="$DB_RUNTIME_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'owner', :'owner_password')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'runtime', :'runtime_password')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime') \gexec
-- The owner owns the database, hence (PostgreSQL 15: pg_database_owner) the schema public.
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'runtime') \gexec
-- Only the owner creates tables (PostgreSQL 15 does this already; older servers do not).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
