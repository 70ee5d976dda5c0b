"""Backups and restores (schoolrecords/backup.py and the backup and restore commands) on the engine the tests run on.

The backup reads committed data from its own connection, and the test's data lives in a transaction
nobody else sees; so the source is a committed copy of the test database (the demo school) made once
per module, with three archived documents and two media files added. On SQLite the copy is a file
(the test database is in memory); on PostgreSQL a scratch database beside the test database.
"""

import errno
import hashlib
import io
import json
import logging
import shutil
import sqlite3
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from schoolrecords import backup
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

ON_POSTGRESQL = connection.vendor == "postgresql"
MEDIA = {f"eledger/{DEMO_YEAR.name}/ke-hoach.pdf": b"%PDF-1.4 a teacher's plan", "students/photos/ARC001.png": b"\x89PNG photo"}
DOCUMENTS = [(b"class,student,score\n6A1,ARC001,9.5\n", ".csv"), (b"%PDF-1.4 ledger 6A1", ".pdf"),
             (b"%PDF-1.4 report card ARC001", ".pdf")]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pg_admin(*statements: str, database: str = "postgres") -> list:
    import psycopg

    parameters = {**backup.libpq_parameters(connection.settings_dict), "dbname": database}
    with psycopg.connect(**parameters, autocommit=True) as admin:
        return [admin.execute(statement).fetchall() if statement.lstrip().upper().startswith("SELECT")
                else admin.execute(statement) for statement in statements]


def pg_settings(name: str) -> dict:
    return {**connection.settings_dict, "NAME": name}


def pg_url(name: str) -> str:
    parameters = backup.libpq_parameters(connection.settings_dict)
    netloc = parameters.get("user", "") + "@" + parameters.get("host", "localhost") + ":" + parameters.get("port",
                                                                                                          "5432")
    return f"postgres://{netloc}/{name}"


def _copy_test_database(target: Path | str) -> dict:
    """A committed copy of the test database, which the test's own connection cannot hand out in a transaction."""
    if ON_POSTGRESQL:
        name = str(target)
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        environment = backup._libpq_environment(backup.libpq_parameters(connection.settings_dict))
        import subprocess

        dump = subprocess.run(["pg_dump", "--format=custom"], env=environment, capture_output=True, check=True).stdout
        subprocess.run(["pg_restore", "--no-owner", "--single-transaction", f"--dbname={name}"], input=dump,
                       env=environment, capture_output=True, check=True)
        return pg_settings(name)
    connection.ensure_connection()
    memory = sqlite3.connect(":memory:")
    memory.deserialize(connection.connection.serialize())
    copy = sqlite3.connect(target)
    memory.backup(copy)
    copy.close()
    memory.close()
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(target)}


def _insert_documents(database: dict, archive_root: Path, ids: dict) -> list[dict]:
    """Seal three files into ``archive_root`` and their rows into the copy, as archive.services would."""
    from archive import storage

    with override_settings(ARCHIVE_ROOT=archive_root):
        stored = [storage.put(content, suffix=suffix) for content, suffix in DOCUMENTS]
    columns = ("school_id", "kind", "variant", "mode", "year_id", "term_id", "scope_key", "version", "path",
               "file_name", "content_type", "sha256", "size", "data_hash", "print_date", "note", "created_by_id",
               "created_at", "idempotency_key", "code")
    statement = "INSERT INTO archive_archiveddocument ({}) VALUES ({})"
    if ON_POSTGRESQL:
        import psycopg

        client = psycopg.connect(**backup.libpq_parameters(database), autocommit=True)
        placeholder = "%s"
    else:
        client = sqlite3.connect(database["NAME"], autocommit=True)
        placeholder = "?"
    try:
        for number, item in enumerate(stored, start=1):
            values = (ids["school"], "ledger", "", "ad_hoc", ids["year"], ids["term"], f"ledger:test:{number}", 1,
                      item.path, f"document_{number}", "application/pdf", item.sha256, item.size, "0" * 64,
                      f"{DEMO_YEAR.first + 1}-01-10", "", ids["user"], f"{DEMO_YEAR.first + 1}-01-10T08:00:00+00:00",
                      f"test-backup-{number}", f"BKUP{number:06d}")
            client.execute(statement.format(", ".join(columns), ", ".join([placeholder] * len(columns))), values)
        found = client.execute("SELECT id, path, sha256, size FROM archive_archiveddocument ORDER BY id").fetchall()
    finally:
        client.close()
    rows = [{"id": row[0], "path": row[1], "sha256": row[2], "size": row[3]} for row in found]
    assert len(rows) == len(DOCUMENTS)
    return rows


@pytest.fixture(scope="module")
def source(django_db_setup, django_db_blocker, tmp_path_factory):
    from schoolrecords import models as sm
    from schoolrecords.services import system_user
    from seed.demo import SCHOOL_CODE, current_year_name

    folder = tmp_path_factory.mktemp("backup_source")
    media_root, archive_root = folder / "media", folder / "archive"
    for name, content in MEDIA.items():
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(content)
    with django_db_blocker.unblock():
        year = sm.SchoolYear.objects.get(school__code=SCHOOL_CODE, name=current_year_name())
        ids = {"school": year.school_id, "year": year.pk, "term": sm.Term.objects.get(year=year, number=1).pk,
               "user": system_user().pk}
        database = _copy_test_database(f"{connection.settings_dict['NAME']}_bsrc" if ON_POSTGRESQL
                                       else folder / "source.sqlite3")
    documents = _insert_documents(database, archive_root, ids)
    yield SimpleNamespace(database=database, media_root=media_root, archive_root=archive_root, documents=documents)
    if ON_POSTGRESQL:
        pg_admin(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')


@pytest.fixture(scope="module")
def pg_target():
    """On PostgreSQL, one scratch database for the module's restores (creating and dropping is slow)."""
    if not ON_POSTGRESQL:
        yield None
        return
    name = f"{connection.settings_dict['NAME']}_bdst"
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    yield name
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path, pg_target):
    """An empty database to restore into: its settings and its URL."""
    if ON_POSTGRESQL:
        pg_admin("DROP SCHEMA public CASCADE", "CREATE SCHEMA public", database=pg_target)
        return SimpleNamespace(database=pg_settings(pg_target), url=pg_url(pg_target))
    path = tmp_path / "restored.sqlite3"
    return SimpleNamespace(database={"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)},
                           url=f"sqlite:///{path}")


def make_backup(source, output: Path, **options) -> backup.BackupResult:
    arguments = {"output": output, "database": source.database, "media_root": source.media_root,
                 "archive_root": source.archive_root, **options}
    return backup.backup_create(**arguments)


def target_tables(database: dict) -> list[str]:
    if ON_POSTGRESQL:
        rows = pg_admin("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", database=database["NAME"])[0]
        return sorted(row[0] for row in rows)
    path = Path(database["NAME"])
    if not path.exists():
        return []
    with sqlite3.connect(path) as client:
        return sorted(row[0] for row in client.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


def set_leftover(database: dict, *, present: bool) -> None:
    statement = "CREATE TABLE leftover (x integer)" if present else "DROP TABLE leftover"
    if ON_POSTGRESQL:
        pg_admin(statement, database=database["NAME"])
    else:
        with sqlite3.connect(database["NAME"]) as client:
            client.execute(statement)


def files_under(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


# --- making a backup ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_backup_writes_the_database_files_and_row_counts_with_a_manifest_of_their_hashes(source, tmp_path):
    from schoolrecords.models import Student

    result = make_backup(source, tmp_path, made_by="clerk@school")

    folder = result.path
    manifest = json.loads((folder / "MANIFEST").read_text())
    database_file = "database.dump" if ON_POSTGRESQL else "database.sqlite3"
    assert sorted(p.name for p in folder.iterdir()) == sorted([database_file, "row_counts.json", "media.tar",
                                                                "archive.tar", "MANIFEST"])
    for part in (database_file, "row_counts.json", "media.tar", "archive.tar"):
        content = (folder / part).read_bytes()
        assert manifest["files"][part] == {"sha256": sha256(content), "size": len(content)}
    assert folder.name == manifest["name"] and backup.NAME_PATTERN.match(folder.name)
    assert manifest["made_by"] == "clerk@school" and manifest["engine"] == ("postgresql" if ON_POSTGRESQL
                                                                             else "sqlite")
    assert manifest["archived_documents"] == source.documents
    assert [d["sha256"] for d in manifest["archived_documents"]] == [sha256(content) for content, _ in DOCUMENTS]
    assert manifest["archive_problems"] == []
    counts = json.loads((folder / "row_counts.json").read_text())
    assert counts["archive_archiveddocument"] == 3
    assert counts["schoolrecords_student"] == Student.objects.count() > 0
    assert manifest["tables"] == len(counts) and manifest["rows"] == sum(counts.values())
    with tarfile.open(folder / "archive.tar") as tar:
        assert sorted(tar.getnames()) == sorted(d["path"] for d in source.documents)
    with tarfile.open(folder / "media.tar") as tar:
        assert {m.name: tar.extractfile(m).read() for m in tar.getmembers()} == MEDIA
    assert "password" not in (folder / "MANIFEST").read_text().lower()


@pytest.mark.django_db
def test_backup_refuses_to_overwrite_an_existing_backup(source, tmp_path):
    first = make_backup(source, tmp_path, name="schoolrecords-20260101T000000Z")
    written = (first.path / "MANIFEST").read_bytes()

    with pytest.raises(backup.BackupError, match="already exists: a backup is never overwritten"):
        make_backup(source, tmp_path, name="schoolrecords-20260101T000000Z")

    assert (first.path / "MANIFEST").read_bytes() == written
    assert backup.backup_verify(first.path)["name"] == "schoolrecords-20260101T000000Z"


@pytest.mark.django_db
def test_a_backup_that_fails_half_way_leaves_nothing_behind(source, tmp_path, monkeypatch):
    real_tar = backup._tar_tree

    def disk_full(root, target, **options):
        if target.name == "archive.tar":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_tar(root, target, **options)

    monkeypatch.setattr(backup, "_tar_tree", disk_full)

    with pytest.raises(backup.BackupError, match="No space left on device"):
        make_backup(source, tmp_path / "out")

    assert list((tmp_path / "out").iterdir()) == []


def test_a_missing_pg_dump_is_a_clear_error_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "schoolrecords", "HOST": "127.0.0.1"}

    with pytest.raises(backup.BackupError, match="pg_dump was not found on PATH"):
        backup.backup_create(output=tmp_path / "out", database=database, media_root=tmp_path / "media",
                             archive_root=tmp_path / "archive")

    assert not (tmp_path / "out").exists()


@pytest.mark.django_db
def test_backup_reports_an_archived_file_that_changed_in_the_live_archive(source, tmp_path):
    archive_root = tmp_path / "archive"
    shutil.copytree(source.archive_root, archive_root)
    damaged = archive_root / source.documents[1]["path"]
    damaged.chmod(0o644)
    damaged.write_bytes(b"%PDF-1.4 something else")

    result = make_backup(source, tmp_path / "out", archive_root=archive_root)

    assert len(result.archive_problems) == 1
    assert result.archive_problems[0].startswith(f"changed: archived document {source.documents[1]['id']}")
    assert backup.backup_verify(result.path)["archive_problems"] == result.archive_problems


@pytest.mark.django_db
def test_backup_command_logs_who_and_when_and_keeps_only_its_newest_backups(source, tmp_path, settings, monkeypatch):
    from schoolrecords.logging import UTCFormatter
    from schoolrecords.management.commands import backup as command

    monkeypatch.setattr(command, "source_database", lambda alias: source.database)
    settings.MEDIA_ROOT, settings.ARCHIVE_ROOT = source.media_root, source.archive_root
    older = make_backup(source, tmp_path, name="schoolrecords-20200101T000000Z").path
    unfinished = tmp_path / "schoolrecords-20200102T000000Z"
    unfinished.mkdir()
    someone_elses = tmp_path / "schoolrecords-by-hand"
    someone_elses.mkdir()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("schoolrecords.operations")
    logger.addHandler(handler)
    try:
        call_command("backup", output=tmp_path, keep=1, stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        logger.removeHandler(handler)

    assert not older.exists()
    assert unfinished.exists() and someone_elses.exists()
    finished, left = backup.backups_in(tmp_path)
    assert len(finished) == 1 and left == [unfinished]
    messages = [record.getMessage() for record in records]
    who = backup.operator()
    assert messages[0] == f"backup started by {who} into {tmp_path.resolve()}"
    assert any(m.startswith(f"backup by {who} written: {finished[0][1]}") for m in messages)
    assert any(f"deleted the older backup {older}" in m for m in messages)
    assert any(type(h.formatter) is UTCFormatter for h in logger.handlers)  # the settings' console, in UTC


# --- restoring ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_restore_refuses_a_tampered_backup_before_changing_anything(source, tmp_path, target):
    folder = make_backup(source, tmp_path / "backups").path
    tar = folder / "archive.tar"
    content = bytearray(tar.read_bytes())
    content[len(content) // 3] ^= 0xFF
    tar.write_bytes(bytes(content))

    with pytest.raises(CommandError, match=r"does not match its manifest(.|\n)*archive\.tar: sha256"):
        call_command("restore", str(folder), database_url=target.url, var_dir=str(tmp_path / "restored"),
                     stdout=io.StringIO(), stderr=io.StringIO())

    assert target_tables(target.database) == []
    assert not (tmp_path / "restored").exists()


@pytest.mark.django_db
def test_restore_refuses_a_backup_that_did_not_finish(source, tmp_path, target):
    folder = make_backup(source, tmp_path / "backups").path
    (folder / "MANIFEST").unlink()

    with pytest.raises(backup.BackupError, match="has no MANIFEST: the backup did not finish"):
        backup.restore(folder=folder, database=target.database, var_dir=tmp_path / "restored")

    assert target_tables(target.database) == []


@pytest.mark.django_db
def test_restore_into_a_scratch_database_and_folder_gives_equal_row_counts_and_verified_archive(
        source, tmp_path, target):
    folder = make_backup(source, tmp_path / "backups").path
    var_dir = tmp_path / "restored"
    out = io.StringIO()

    call_command("restore", str(folder), database_url=target.url, var_dir=str(var_dir), stdout=out,
                 stderr=io.StringIO())

    assert "row counts equal the backup's; every archived file matches its SHA-256" in out.getvalue()
    expected = json.loads((folder / "row_counts.json").read_text())
    restored_counts, restored_documents = backup._target_counts(target.database)
    assert restored_counts == expected
    assert restored_documents == source.documents
    for document in source.documents:
        path = var_dir / "archive" / document["path"]
        assert sha256(path.read_bytes()) == document["sha256"]
        assert path.stat().st_mode & 0o777 == 0o440  # sealed files stay read-only
    assert files_under(var_dir / "media") == MEDIA
    assert files_under(var_dir / "archive") == files_under(source.archive_root)


@pytest.mark.django_db
def test_restore_refuses_a_database_or_folder_that_is_not_empty_unless_forced(source, tmp_path, target):
    folder = make_backup(source, tmp_path / "backups").path
    set_leftover(target.database, present=True)
    var_dir = tmp_path / "restored"
    stale = var_dir / "archive" / source.documents[0]["path"]
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"not what was sealed")
    stale.chmod(0o444)

    with pytest.raises(backup.BackupError, match="is not empty"):
        backup.restore(folder=folder, database=target.database, var_dir=var_dir)
    set_leftover(target.database, present=False)
    with pytest.raises(backup.BackupError, match="already holds files"):
        backup.restore(folder=folder, database=target.database, var_dir=var_dir)
    assert target_tables(target.database) == []
    set_leftover(target.database, present=True)

    result = backup.restore(folder=folder, database=target.database, var_dir=var_dir, force=True)

    assert result.ok, result.count_problems + result.archive_problems
    assert result.archive_checked == 3
    assert sha256(stale.read_bytes()) == source.documents[0]["sha256"]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump and pg_restore: PostgreSQL only (CI runs it)")
@pytest.mark.django_db
def test_postgresql_password_goes_through_the_environment_never_the_command_line(source, tmp_path, monkeypatch,
                                                                                 target):
    calls = []
    real_run = backup.subprocess.run

    def spy(command, **options):
        calls.append((command, options.get("env", {})))
        return real_run(command, **options)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    secret = "not-on-the-command-line-42"  # the server trusts local connections and ignores it

    folder = backup.backup_create(output=tmp_path, database={**source.database, "PASSWORD": secret},
                                  media_root=source.media_root, archive_root=source.archive_root).path
    backup.restore(folder=folder, database={**target.database, "PASSWORD": secret}, var_dir=tmp_path / "restored")

    assert [Path(command[0]).name for command, _ in calls] == ["pg_dump", "pg_restore"]
    for command, environment in calls:
        assert not any(secret in argument for argument in command)
        assert environment["PGPASSWORD"] == secret
    assert any(argument.startswith("--snapshot=") for argument in calls[0][0])


# --- the nightly schedule ----------------------------------------------------------------------------


@pytest.mark.django_db  # with the tests that read the committed demo school, before any flush
def test_pruning_keeps_the_newest_finished_backups_and_touches_nothing_else(source, tmp_path):
    names = [f"schoolrecords-2020010{day}T000000Z" for day in (1, 2, 3)]
    for name in names:
        make_backup(source, tmp_path, name=name)
    unfinished = tmp_path / "schoolrecords-20300101T000000Z"  # newer, but without a MANIFEST
    unfinished.mkdir()
    (unfinished / "database.sqlite3").write_bytes(b"half")
    foreign_manifest = tmp_path / "schoolrecords-20000101T000000Z"
    foreign_manifest.mkdir()
    (foreign_manifest / "MANIFEST").write_text('{"format": "somebody-else/1", "files": {}}')
    by_hand = tmp_path / "schoolrecords-by-hand"
    shutil.copytree(tmp_path / names[0], by_hand)
    (tmp_path / "notes.txt").write_text("the operator's")

    with pytest.raises(backup.BackupError, match="1 or more"):
        backup.backups_prune(tmp_path, keep=0)
    assert backup.backups_prune(tmp_path, keep=5) == []
    assert backup.backups_prune(tmp_path, keep=2) == [tmp_path / names[0]]
    assert backup.backups_prune(tmp_path, keep=1) == [tmp_path / names[1]]

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [names[2], unfinished.name, foreign_manifest.name, by_hand.name, "notes.txt"])
    backup.backup_verify(tmp_path / names[2])  # the newest is whole
    assert backup.backups_in(tmp_path) == ([(backup.manifest_read(tmp_path / names[2]), tmp_path / names[2])],
                                           [foreign_manifest, unfinished])


def test_the_beat_schedule_sends_the_backup_every_night_at_the_backup_hour(settings):
    from celery.schedules import crontab

    from schoolrecords import tasks
    from schoolrecords.celery import app

    assert (settings.BACKUP_HOUR, settings.BACKUP_KEEP) == (2, 14)
    assert settings.BACKUP_DIR == settings.VAR_DIR / "backups"
    entry = app.conf.beat_schedule["schoolrecords-backup-nightly"]
    assert entry["task"] == "schoolrecords.tasks.backup_nightly" == tasks.backup_nightly.name
    assert entry["schedule"] == crontab(minute=0, hour=2)
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {0}
    assert app.conf.timezone == "Asia/Ho_Chi_Minh"  # 02:00 school time
    assert entry["options"]["expires"] <= 6 * 3600  # a night's backup is never run in school hours
    assert "archive-snapshots-due" in app.conf.beat_schedule  # beside the archive's deadline check
    app.loader.import_default_modules()
    assert "schoolrecords.tasks.backup_nightly" in app.tasks


def test_the_hour_and_the_number_kept_come_from_the_environment_and_bad_values_are_refused(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    def run(**environment):
        return subprocess.run(
            [sys.executable, "-c", "from django.conf import settings; from schoolrecords.celery import app; "
             "e = app.conf.beat_schedule['schoolrecords-backup-nightly']; "
             "print(sorted(e['schedule'].hour), settings.BACKUP_KEEP, settings.BACKUP_DIR)"],
            cwd=django_settings.BASE_DIR, capture_output=True, text=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "schoolrecords.settings", "VAR_DIR": str(tmp_path),
                 **environment})

    result = run(BACKUP_HOUR="23", BACKUP_KEEP="3", BACKUP_DIR=str(tmp_path / "nightly"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[23]", "3", str(tmp_path / "nightly")]
    assert "BACKUP_HOUR must be an hour from 0 to 23" in run(BACKUP_HOUR="24").stderr
    assert "BACKUP_KEEP must be 1 or more" in run(BACKUP_KEEP="0").stderr


@pytest.mark.django_db  # with the tests that read the committed demo school, before any flush
def test_the_nightly_task_run_twice_with_backup_keep_1_leaves_only_the_newest_backup_verified(
        source, tmp_path, settings, monkeypatch):
    from datetime import timedelta

    from schoolrecords import tasks
    from schoolrecords.management.commands import backup as command

    monkeypatch.setattr(command, "source_database", lambda alias: source.database)
    settings.MEDIA_ROOT, settings.ARCHIVE_ROOT = source.media_root, source.archive_root
    settings.BACKUP_DIR, settings.BACKUP_KEEP = tmp_path / "backups", 1
    start, ticks = backup.utc_now(), iter(range(1000))
    monkeypatch.setattr(backup, "utc_now", lambda: start + timedelta(minutes=next(ticks)))  # a new name per run
    unfinished = tmp_path / "backups" / "schoolrecords-20200102T000000Z"
    unfinished.mkdir(parents=True)

    first = Path(tasks.backup_nightly.apply().get())
    assert backup.backup_verify(first)["name"] == first.name
    second = Path(tasks.backup_nightly.apply().get())

    assert second != first and second.parent == first.parent == (tmp_path / "backups").resolve()
    assert not first.exists()
    finished, left = backup.backups_in(tmp_path / "backups")
    assert [folder.resolve() for _, folder in finished] == [second] and left == [unfinished]
    manifest = backup.backup_verify(second)  # every file present with its SHA-256 and size
    assert manifest["rows"] > 0 and manifest["archived_documents"] == source.documents
