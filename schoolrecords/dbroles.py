"""The least-privilege PostgreSQL roles: what the runtime role may do to the tables the owner role owns.

Two roles (docs/operations.md, "Database roles"):

- the **owner** role runs the migrations, owns every table, sequence and trigger;
- the **runtime** role is the site's and the workers' (``DATABASE_URL``): it reads and writes rows and
  nothing else. It may SELECT and INSERT everywhere; UPDATE and DELETE too, except on the append-only
  tables: the archive's sealed tables and every django-simple-history table (``*_historical*``); only
  SELECT on ``django_migrations``. It never has TRUNCATE, REFERENCES or TRIGGER, owns nothing, and
  is not a member of the owner, so it cannot disable or drop a trigger or alter a table.
  Sequences: USAGE and SELECT (``nextval`` for new rows).

``apply`` (re)sets those rights in one transaction, as the owner, after every migration
(``manage.py db_roles``; restore does it too), and sets the owner's default privileges so that a
table a later migration creates is readable and insertable (never more) by the runtime role until
``apply`` runs again. ``check`` lists what deviates. Both take a DB-API cursor (Django's or psycopg's)
connected as the owner; this module imports nothing from Django.
"""

import re
from dataclasses import dataclass, field

# Tables sealed by the archive (archive/migrations/0002_sealed_trigger.py); any table with that trigger counts too.
SEALED_TABLES = ("archive_archiveddocument",)
SEALED_TRIGGER_FUNCTION = "archive_refuse_change"
HISTORY_PATTERN = re.compile(r"_historical")  # simple-history names its tables <app>_historical<model>
READ_ONLY_TABLES = ("django_migrations",)
ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$")


class RoleError(Exception):
    """The roles cannot be set up as asked, with a message for the operator."""


@dataclass
class Report:
    owner: str
    runtime: str
    schema: str
    full: list[str] = field(default_factory=list)  # SELECT, INSERT, UPDATE, DELETE
    append_only: list[str] = field(default_factory=list)  # SELECT, INSERT
    read_only: list[str] = field(default_factory=list)  # SELECT
    sequences: int = 0
    warnings: list[str] = field(default_factory=list)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_name(name: str) -> str:
    if not ROLE_NAME.match(name or ""):
        raise RoleError(f"Not a role name: {name!r} (letters, digits, _ $ -; at most 63).")
    return name


def _one(cursor, statement: str, params=()) -> tuple:
    cursor.execute(statement, params)
    return cursor.fetchone()


def _tables(cursor, schema: str) -> list[tuple[str, str]]:
    """(name, owner) of every table and view in ``schema``."""
    cursor.execute(
        "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname", (schema,))
    return list(cursor.fetchall())


def _sealed(cursor, schema: str) -> set[str]:
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE NOT t.tgisinternal AND n.nspname = %s AND p.proname = %s", (schema, SEALED_TRIGGER_FUNCTION))
    return {row[0] for row in cursor.fetchall()} | set(SEALED_TABLES)


def kind_of(table: str, sealed: set[str]) -> str:
    """'read_only', 'append_only' or 'full': the rights the runtime role gets on ``table``."""
    if table in READ_ONLY_TABLES:
        return "read_only"
    if table in sealed or HISTORY_PATTERN.search(table):
        return "append_only"
    return "full"


RIGHTS = {"read_only": ("SELECT",), "append_only": ("SELECT", "INSERT"),
          "full": ("SELECT", "INSERT", "UPDATE", "DELETE")}
NEVER = ("TRUNCATE", "REFERENCES", "TRIGGER")


def _runtime_role(cursor, runtime: str) -> tuple:
    row = _one(cursor, "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin "
                       "FROM pg_roles WHERE rolname = %s", (runtime,))
    if row is None:
        raise RoleError(f"The role {runtime} does not exist: create it first, as a superuser or a role with "
                        f"CREATEROLE, e.g. CREATE ROLE {quote(runtime)} LOGIN PASSWORD '…' "
                        f"(scripts/db-init-roles.sh does it for docker-compose).")
    return row


def check(cursor, runtime: str, *, schema: str = "public") -> list[str]:
    """Everything by which the runtime role's rights on ``schema`` differ from the rule above; [] if none."""
    check_name(runtime)
    superuser, bypass_rls, create_role, create_db, _login = _runtime_role(cursor, runtime)
    problems = []
    if superuser:
        problems.append(f"{runtime} is a superuser: it can do anything, disable the archive's trigger included")
    for flag, name in ((bypass_rls, "BYPASSRLS"), (create_role, "CREATEROLE"), (create_db, "CREATEDB")):
        if flag:
            problems.append(f"{runtime} has {name}")
    tables = _tables(cursor, schema)
    sealed = _sealed(cursor, schema)
    owners = sorted({owner for _name, owner in tables})
    for owner in owners:
        if owner == runtime:
            problems.append(f"{runtime} owns tables in {schema}: it can alter them and their triggers")
        elif _one(cursor, "SELECT pg_has_role(%s, %s, 'MEMBER')", (runtime, owner))[0]:
            problems.append(f"{runtime} is a member of {owner}, which owns tables in {schema}: it has the owner's "
                            f"rights (REVOKE {quote(owner)} FROM {quote(runtime)})")
    cursor.execute(
        "SELECT c.relname, p.privilege, CASE WHEN p.privilege IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') "
        "THEN has_any_column_privilege(%s, c.oid, p.privilege) ELSE has_table_privilege(%s, c.oid, p.privilege) END "
        "FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN unnest(%s::text[]) AS p(privilege) "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname",
        (runtime, runtime, ["SELECT", "INSERT", "UPDATE", "DELETE", *NEVER], schema))
    order = {"SELECT": 0, "INSERT": 1, "UPDATE": 2, "DELETE": 3, "TRUNCATE": 4, "REFERENCES": 5, "TRIGGER": 6}
    for table, privilege, has in sorted(cursor.fetchall(), key=lambda row: (row[0], order[row[1]])):
        allowed = RIGHTS[kind_of(table, sealed)]
        if has and privilege not in allowed:
            problems.append(f"{runtime} has {privilege} on {table}")
        elif not has and privilege in allowed:
            problems.append(f"{runtime} lacks {privilege} on {table}")
    return problems


def apply(cursor, runtime: str, *, schema: str = "public") -> Report:
    """Give ``runtime`` exactly its rights on every table and sequence of ``schema``; idempotent.

    Run as the owner of the tables (or a superuser) inside one transaction: the caller commits.
    """
    check_name(runtime)
    owner = _one(cursor, "SELECT current_user")[0]
    if runtime == owner:
        raise RoleError(f"The runtime role must not be the role that owns the tables ({owner}): connect as the "
                        f"owner (MIGRATE_DATABASE_URL) and name the site's role.")
    superuser = _runtime_role(cursor, runtime)[0]
    if superuser:
        raise RoleError(f"{runtime} is a superuser: no grant can limit it. Make the site connect as a role "
                        f"without SUPERUSER (ALTER ROLE {quote(runtime)} NOSUPERUSER).")
    report = Report(owner=owner, runtime=runtime, schema=schema)
    role, space = quote(runtime), quote(schema)
    tables = _tables(cursor, schema)
    for table, table_owner in tables:
        if table_owner == runtime:
            raise RoleError(f"{runtime} owns the table {table}: give it to the owner first "
                            f"(REASSIGN OWNED BY {role} TO {quote(owner)}, as a superuser).")
    if _one(cursor, "SELECT has_schema_privilege(%s, %s, 'CREATE')", (runtime, schema))[0]:
        report.warnings.append(f"{runtime} may create tables in {schema} (through PUBLIC?): "
                               f"REVOKE CREATE ON SCHEMA {space} FROM PUBLIC, as the schema's owner")
    if not _one(cursor, "SELECT has_schema_privilege(%s, %s, 'USAGE')", (runtime, schema))[0]:
        cursor.execute(f"GRANT USAGE ON SCHEMA {space} TO {role}")
    sealed = _sealed(cursor, schema)
    # From nothing, then up: a right given by hand or by an older rule does not survive.
    cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {space} FROM {role}")
    cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {space} TO {role}")
    for table, _table_owner in tables:
        kind = kind_of(table, sealed)
        extra = [right for right in RIGHTS[kind] if right != "SELECT"]
        if extra:
            cursor.execute(f"GRANT {', '.join(extra)} ON {space}.{quote(table)} TO {role}")
        getattr(report, kind).append(table)
    cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {space} FROM {role}")
    cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {space} TO {role}")
    report.sequences = _one(cursor, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                    "WHERE n.nspname = %s AND c.relkind = 'S'", (schema,))[0]
    # Tables a later migration creates: readable and insertable, never updatable, until apply runs again.
    for_owner = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {space}"
    cursor.execute(f"{for_owner} REVOKE ALL ON TABLES FROM {role}")
    cursor.execute(f"{for_owner} GRANT SELECT, INSERT ON TABLES TO {role}")
    cursor.execute(f"{for_owner} REVOKE ALL ON SEQUENCES FROM {role}")
    cursor.execute(f"{for_owner} GRANT USAGE, SELECT ON SEQUENCES TO {role}")
    problems = check(cursor, runtime, schema=schema)
    if problems:
        raise RoleError(f"After the grants, {runtime} still deviates from the rule:\n  " + "\n  ".join(problems))
    return report
