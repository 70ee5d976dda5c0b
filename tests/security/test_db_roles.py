"""The least-privilege database roles (schoolrecords/dbroles.py, ``manage.py db_roles``): PostgreSQL only.

Once per module the test database's tables and the archive's trigger function are handed to an owner
role made for this run, and ``dbroles.apply`` runs as that owner for a runtime role made for this
run; both are dropped at the end (other runs share the server: the names carry the database's
name). Then a psycopg connection as the runtime role shows every statement that could undo the
seal refused by the database itself, and the site's normal writes still going through.
"""

import io
import re
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import ProgrammingError, connection, transaction

from schoolrecords import backup, dbroles

ON_POSTGRESQL = connection.vendor == "postgresql"
PG_ONLY = "Needs PostgreSQL (CI runs it): database roles, grants and triggers; SQLite has none of them."


def quote(name: str) -> str:
    return dbroles.quote(name)


def admin_connect(database: str | None = None):
    import psycopg

    parameters = backup.libpq_parameters(connection.settings_dict)
    if database:
        parameters["dbname"] = database
    return psycopg.connect(**parameters, autocommit=True)


def connect_as(roles, role: str, *, database: str | None = None, autocommit: bool = False):
    """A new server connection as ``role`` (the test server trusts local connections)."""
    import psycopg

    parameters = {key: value for key, value in roles.parameters.items() if key != "password"}
    return psycopg.connect(**{**parameters, "user": role, "dbname": database or roles.database},
                           autocommit=autocommit)


def drop_roles(admin, *names: str) -> None:
    for name in names:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            admin.execute(f"REASSIGN OWNED BY {quote(name)} TO current_user")
            admin.execute(f"DROP OWNED BY {quote(name)}")
            admin.execute(f"DROP ROLE {quote(name)}")


def acls(cursor) -> list:
    """Every privilege of the schema's tables and sequences, and the default privileges: to compare."""
    cursor.execute("SELECT c.relname, c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v') ORDER BY 1")
    tables = cursor.fetchall()
    cursor.execute("SELECT defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2")
    return [tables, cursor.fetchall()]


@pytest.fixture(scope="module")
def roles(django_db_setup, django_db_blocker):
    if not ON_POSTGRESQL:
        pytest.skip(PG_ONLY)
    database = connection.settings_dict["NAME"]
    suffix = re.sub(r"[^a-z0-9_]", "_", database.lower())
    owner, runtime = f"sr_owner_{suffix}"[:63], f"sr_runtime_{suffix}"[:63]
    scratch = f"{database}_roles_restore"
    with admin_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        drop_roles(admin, owner, runtime)  # left by a run that was killed
        admin.execute(f"CREATE ROLE {quote(owner)} LOGIN")
        admin.execute(f"CREATE ROLE {quote(runtime)} LOGIN")
        admin.execute(f"GRANT CREATE ON SCHEMA public TO {quote(owner)}")
        # As migrations run by the owner would have made them: tables (with their identity sequences) and
        # the archive's trigger function belong to the owner.
        for (table,) in admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall():
            admin.execute(f"ALTER TABLE public.{quote(table)} OWNER TO {quote(owner)}")
        admin.execute(f"ALTER FUNCTION archive_refuse_change() OWNER TO {quote(owner)}")
    parameters = backup.libpq_parameters(connection.settings_dict)
    state = SimpleNamespace(owner=owner, runtime=runtime, database=database, scratch=scratch, parameters=parameters)
    with connect_as(state, owner) as as_owner:
        with as_owner.cursor() as cursor:
            state.report = dbroles.apply(cursor, runtime)
        as_owner.commit()
    yield state
    connection.close()  # the Django connection may hold a lock the teardown waits for
    with admin_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        drop_roles(admin, runtime, owner)


def archive_row(cursor) -> int:
    """Seal one document row as the connected role (the runtime role may INSERT into the archive)."""
    cursor.execute("SELECT y.school_id, y.id, t.id FROM schoolrecords_schoolyear y "
                   "JOIN schoolrecords_term t ON t.year_id = y.id ORDER BY y.id, t.number LIMIT 1")
    school, year, term = cursor.fetchone()
    cursor.execute("SELECT id FROM auth_user ORDER BY id LIMIT 1")
    user = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO archive_archiveddocument (school_id, kind, variant, mode, year_id, term_id, scope_key, version, "
        "path, file_name, content_type, sha256, size, data_hash, print_date, note, created_by_id, created_at, "
        "idempotency_key, code) VALUES (%s, 'ledger', '', 'ad_hoc', %s, %s, 'ledger:roles:1', 1, %s, 'document_1', "
        "'application/pdf', %s, 3, %s, '2026-01-10', '', %s, now(), 'test-db-roles-1', 'ROLES00001') RETURNING id",
        (school, year, term, f"objects/ab/{'ab' * 32}.pdf", "ab" * 32, "0" * 64, user))
    return cursor.fetchone()[0]


def history_row(cursor) -> int:
    cursor.execute("SELECT history_id FROM schoolrecords_historicalstudent ORDER BY history_id LIMIT 1")
    row = cursor.fetchone()
    assert row is not None, "the demo school's students have history rows"
    return row[0]


REFUSED = {
    "TRUNCATE of the archive": "TRUNCATE archive_archiveddocument",
    "TRUNCATE of a history table": "TRUNCATE schoolrecords_historicalstudent",
    "TRUNCATE of a plain table": "TRUNCATE gradebook_score CASCADE",
    "UPDATE of an archived document's hash": "UPDATE archive_archiveddocument SET sha256 = repeat('0', 64), "
                                             "size = 1 WHERE id = {document}",
    "DELETE of an archived document": "DELETE FROM archive_archiveddocument WHERE id = {document}",
    "UPDATE of a history row": "UPDATE schoolrecords_historicalstudent SET full_name = 'X' WHERE history_id = {history}",
    "DELETE of a history row": "DELETE FROM schoolrecords_historicalstudent WHERE history_id = {history}",
    "DISABLE TRIGGER": "ALTER TABLE archive_archiveddocument DISABLE TRIGGER archive_document_sealed",
    "DISABLE TRIGGER ALL": "ALTER TABLE archive_archiveddocument DISABLE TRIGGER ALL",
    "DROP TRIGGER": "DROP TRIGGER archive_document_sealed ON archive_archiveddocument",
    "a new trigger": "CREATE TRIGGER undo BEFORE INSERT ON archive_archiveddocument FOR EACH ROW "
                     "EXECUTE FUNCTION archive_refuse_change()",
    "replacing the trigger's function": "CREATE OR REPLACE FUNCTION archive_refuse_change() RETURNS trigger "
                                        "AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
    "switching triggers off for the session": "SET session_replication_role = replica",
    "DROP TABLE": "DROP TABLE archive_archiveddocument",
    "faking a migration": "INSERT INTO django_migrations (app, name, applied) VALUES ('archive', 'x', now())",
    "granting itself more": "GRANT UPDATE ON archive_archiveddocument TO CURRENT_USER",
}


@pytest.mark.django_db  # with the tests that read the committed demo school, before any flush
@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_the_runtime_role_is_refused_what_could_undo_the_seal(roles, statement):
    import psycopg

    with connect_as(roles, roles.runtime) as runtime, runtime.cursor() as cursor:
        cursor.execute("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")
        assert cursor.fetchone() == (roles.runtime, False)
        values = {"document": archive_row(cursor), "history": history_row(cursor)}
        if "GRANT" in statement:  # a grant without the right is a warning, not an error: look at the result
            cursor.execute(statement)
            cursor.execute("SELECT has_table_privilege('archive_archiveddocument', 'UPDATE')")
            assert cursor.fetchone() == (False,)
        else:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute(statement.format(**values))
        runtime.rollback()
    with admin_connect() as admin:  # and nothing changed: the trigger is there and enabled
        assert admin.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'archive_document_sealed'"
                             ).fetchall() == [("O",)]


@pytest.mark.django_db  # with the tests that read the committed demo school, before any flush
def test_the_runtime_role_does_the_sites_row_writes(roles):
    with connect_as(roles, roles.runtime) as runtime, runtime.cursor() as cursor:
        document = archive_row(cursor)  # sealing a new document
        cursor.execute("SELECT count(*) FROM archive_archiveddocument WHERE id = %s", (document,))
        assert cursor.fetchone() == (1,)
        cursor.execute("INSERT INTO schoolrecords_historicalstudent SELECT * FROM schoolrecords_historicalstudent "
                       "WHERE history_id = %s LIMIT 0", (history_row(cursor),))  # history may be inserted
        cursor.execute("SELECT id FROM schoolrecords_student ORDER BY id LIMIT 1 FOR UPDATE")
        student = cursor.fetchone()[0]
        cursor.execute("UPDATE schoolrecords_student SET address = 'Tổ 4' WHERE id = %s", (student,))
        assert cursor.rowcount == 1
        cursor.execute("DELETE FROM django_session WHERE expire_date < now() - interval '100 years'")
        runtime.rollback()


def test_a_teacher_saves_a_score_through_the_service_as_the_runtime_role(roles, demo):
    from gradebook.models import Score
    from gradebook.scores.services import CellInput, scores_save
    from schoolrecords import models as sm

    math = demo.assignment("6A1", "toan")
    term = demo.year.terms.get(number=1)
    student = sm.Enrolment.objects.filter(school_class=math.school_class,
                                          status=sm.Enrolment.Status.STUDYING).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {quote(roles.runtime)}")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (roles.runtime,)
        result = scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=math, term=term,
                             cells=[CellInput(student.pk, Score.Kind.REGULAR, 1, "8,5")])
        assert result.ok, result.problems
        score = Score.objects.get(enrolment=student, term=term, subject=math.subject, kind=Score.Kind.REGULAR,
                                  index=1)
        assert str(score.value) == "8.5" and score.history.count() >= 1
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            score.history.filter(pk=score.history.latest().pk).delete()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_db_roles_takes_back_a_right_given_by_hand_and_is_idempotent(roles, db):
    runtime = quote(roles.runtime)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {quote(roles.owner)}")
        try:
            before = acls(cursor)
            call_command("db_roles", runtime_role=roles.runtime, check=True, stdout=io.StringIO())
            cursor.execute(f"GRANT TRUNCATE, UPDATE ON archive_archiveddocument TO {runtime}")
            cursor.execute(f"GRANT DELETE ON schoolrecords_historicalstudent TO {runtime}")
            cursor.execute(f"REVOKE UPDATE ON gradebook_score FROM {runtime}")
            with pytest.raises(CommandError) as refused:
                call_command("db_roles", runtime_role=roles.runtime, check=True, stdout=io.StringIO())
            message = str(refused.value)
            for problem in ("has UPDATE on archive_archiveddocument", "has TRUNCATE on archive_archiveddocument",
                            "has DELETE on schoolrecords_historicalstudent", "lacks UPDATE on gradebook_score"):
                assert f"{roles.runtime} {problem}" in message
            out = io.StringIO()
            call_command("db_roles", runtime_role=roles.runtime, stdout=out)
            assert f"owner {roles.owner}" in out.getvalue()
            assert "append-only (SELECT, INSERT)" in out.getvalue()
            call_command("db_roles", runtime_role=roles.runtime, stdout=io.StringIO())  # again: the same rights
            assert acls(cursor) == before
            call_command("db_roles", runtime_role=roles.runtime, check=True, stdout=io.StringIO())
        finally:
            cursor.execute("RESET ROLE")


def test_a_table_a_later_migration_makes_is_only_readable_and_insertable_until_db_roles_runs(roles, db):
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {quote(roles.owner)}")
        try:
            cursor.execute("CREATE TABLE gradebook_historicallater (history_id bigint GENERATED BY DEFAULT AS "
                           "IDENTITY PRIMARY KEY, note text)")
            cursor.execute("CREATE TABLE gradebook_later (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
            rights = {}
            for table in ("gradebook_historicallater", "gradebook_later"):
                cursor.execute("SELECT p, has_table_privilege(%s, %s, p) FROM unnest(ARRAY['SELECT', 'INSERT', "
                               "'UPDATE', 'DELETE', 'TRUNCATE']) AS p", (roles.runtime, table))
                rights[table] = {privilege for privilege, has in cursor.fetchall() if has}
            assert rights == {"gradebook_historicallater": {"SELECT", "INSERT"}, "gradebook_later": {"SELECT", "INSERT"}}
            call_command("db_roles", runtime_role=roles.runtime, stdout=io.StringIO())
            cursor.execute("SELECT has_table_privilege(%s, 'gradebook_later', 'UPDATE'), "
                           "has_table_privilege(%s, 'gradebook_historicallater', 'UPDATE')",
                           (roles.runtime, roles.runtime))
            assert cursor.fetchone() == (True, False)
        finally:
            cursor.execute("RESET ROLE")


def test_db_roles_refuses_a_runtime_role_that_no_grant_could_limit(roles, db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        superuser = cursor.fetchone()[0]
        cursor.execute(f"SET ROLE {quote(roles.owner)}")
        try:
            with pytest.raises(dbroles.RoleError, match="is a superuser: no grant can limit it"):
                dbroles.apply(cursor, superuser)
            with pytest.raises(CommandError, match="must not be the role that owns the tables"):
                call_command("db_roles", runtime_role=roles.owner, stdout=io.StringIO())
            with pytest.raises(CommandError, match="does not exist: create it first"):
                call_command("db_roles", runtime_role=f"{roles.runtime}_none", stdout=io.StringIO())
            with pytest.raises(CommandError, match="Not a role name"):
                call_command("db_roles", runtime_role="x; DROP TABLE y", stdout=io.StringIO())
        finally:
            cursor.execute("RESET ROLE")
    # The runtime role, once a member of the owner, would have its rights: check says so.
    with admin_connect() as admin:
        admin.execute(f"GRANT {quote(roles.owner)} TO {quote(roles.runtime)}")
        try:
            problems = dbroles.check(admin.cursor(), roles.runtime)
        finally:
            admin.execute(f"REVOKE {quote(roles.owner)} FROM {quote(roles.runtime)}")
    assert f"{roles.runtime} is a member of {roles.owner}, which owns tables in public" in "\n".join(problems)


@pytest.mark.django_db  # with the tests that read the committed demo school, before any flush
def test_backup_as_the_runtime_role_and_restore_as_the_owner_with_the_runtime_rights(roles, tmp_path):
    import psycopg

    host = roles.parameters.get("host", "localhost") + ":" + roles.parameters.get("port", "5432")
    source = {"ENGINE": "django.db.backends.postgresql", "NAME": roles.database, "USER": roles.runtime,
              **{key.upper(): value for key, value in roles.parameters.items() if key in ("host", "port")}}
    made = backup.backup_create(output=tmp_path / "backups", database=source, media_root=tmp_path / "media",
                                archive_root=tmp_path / "archive")
    assert made.manifest["database"].endswith(f"as {roles.runtime}")
    with admin_connect() as admin:
        admin.execute(f'CREATE DATABASE "{roles.scratch}" OWNER {quote(roles.owner)}')
    out = io.StringIO()
    call_command("restore", str(made.path), database_url=f"postgres://{roles.owner}@{host}/{roles.scratch}",
                 var_dir=str(tmp_path / "restored"), runtime_role=roles.runtime, stdout=out, stderr=io.StringIO())
    assert "row counts equal the backup's" in out.getvalue()
    with connect_as(roles, roles.runtime, database=roles.scratch) as runtime, runtime.cursor() as cursor:
        assert dbroles.check(cursor, roles.runtime) == []
        cursor.execute("SELECT count(*) FROM schoolrecords_student")
        assert cursor.fetchone()[0] > 0
        for statement in ("TRUNCATE archive_archiveddocument", "ALTER TABLE archive_archiveddocument DISABLE "
                          "TRIGGER archive_document_sealed"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute(statement)
            runtime.rollback()
        cursor.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'archive_archiveddocument'")
        assert cursor.fetchone() == (roles.owner,)


# --- docker-compose: the migrate step as the owner, web and worker as the runtime role ------------------------


def compose_services(text: str) -> dict[str, str]:
    """Each service's block of `docker-compose config`'s YAML, as text (PyYAML is not a dependency)."""
    blocks, name, inside = {}, None, False
    for line in text.splitlines():
        if not line.startswith(" "):
            inside, name = line.strip() == "services:", None
        elif inside and re.match(r"^  [a-z]+:$", line):
            name = line.strip()[:-1]
            blocks[name] = ""
        elif inside and name:
            blocks[name] += line + "\n"
    return blocks


def test_compose_runs_migrations_as_the_owner_and_the_site_as_the_runtime_role(tmp_path):
    from tests.schoolrecords.test_deploy import COMPOSE_SECRETS, compose_config

    result = compose_config(tmp_path, **COMPOSE_SECRETS)
    assert result.returncode == 0, result.stderr
    services = compose_services(result.stdout)
    owner_url = "MIGRATE_DATABASE_URL: postgres://schoolrecords_owner:owner4compose@db:5432/schoolrecords"
    runtime_url = "DATABASE_URL: postgres://schoolrecords_app:runtime4compose@db:5432/schoolrecords"
    assert "DATABASE_ROLE: owner" in services["migrate"] and owner_url in services["migrate"]
    assert "manage.py migrate --no-input && python manage.py db_roles" in services["migrate"]
    for name in ("web", "worker"):
        assert f" {runtime_url}" in services[name]
        assert "MIGRATE_DATABASE_URL" not in services[name] and "DATABASE_ROLE" not in services[name]
        assert "owner4compose" not in services[name] and "pw4compose" not in services[name]
    assert "POSTGRES_USER: postgres" in services["db"]
    assert "/docker-entrypoint-initdb.d/10-roles.sh" in services["db"]
    assert "DB_OWNER_PASSWORD: owner4compose" in services["db"]
