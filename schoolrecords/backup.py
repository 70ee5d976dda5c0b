"""Backups of the database, the media files and the sealed archive, with a manifest of hashes; and their restore.

A backup is one folder ``schoolrecords-<UTC time>`` holding:

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite, the
  online backup API);
- ``media.tar`` and ``archive.tar``: MEDIA_ROOT and ARCHIVE_ROOT, paths relative to each root;
- ``row_counts.json``: the number of rows of every table, counted in the same snapshot as the dump;
- ``MANIFEST`` (JSON), written last and atomically: every other file with its SHA-256 and size, who
  made the backup and when, and every archived document's recorded path, SHA-256 and size.
  A folder without ``MANIFEST`` is a backup that did not finish; restore refuses it.

The order makes a backup consistent while the site runs. The database comes first, from one
snapshot (pg_dump's exported snapshot; SQLite's backup API copies under one read lock); the row
counts and the archived documents' hashes are read in that same snapshot. The files are copied
afterwards: a file is always written before the row that names it is committed, and neither the
archive nor the media store deletes a file a committed row names, so every file the dump refers to
is on disk when it is copied. Files newer than the dump may come along too; they are harmless.
Copying the files first would be wrong: a document sealed between the copy and the dump would be
in the database but not in the backup.
"""

import getpass
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import dbroles
from .files import sha256_file

FORMAT = "schoolrecords-backup/1"
NAME_PREFIX = "schoolrecords-"
NAME_PATTERN = re.compile(r"^schoolrecords-\d{8}T\d{6}Z$")
MANIFEST = "MANIFEST"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
MEDIA_TAR = "media.tar"
ARCHIVE_TAR = "archive.tar"
ROW_COUNTS = "row_counts.json"
ARCHIVE_TABLE = "archive_archiveddocument"
READ_ONLY = 0o440  # how the archive keeps its files and folders (archive/storage.py)
READ_ONLY_FOLDER = 0o750

# Connection settings handed to libpq programs through the environment, never on the command line.
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT", "target_session_attrs": "PGTARGETSESSIONATTRS",
}

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that could not be done, with a message for the operator."""


def _quiet(message: str) -> None:
    pass


# --- who, when, hashes -------------------------------------------------------------------------------


def operator() -> str:
    """Who runs the command, as the machine knows them: ``user@host``, with the sudo caller if any."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        user = f"uid {os.getuid()}"
    if os.environ.get("SUDO_USER"):
        user = f"{user} (sudo by {os.environ['SUDO_USER']})"
    return f"{user}@{socket.gethostname()}"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")



class _HashingReader:
    """A file object that hashes what tarfile reads from it, so each file is read once."""

    def __init__(self, handle):
        self._handle = handle
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._digest.update(data)
        return data

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "x", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


# --- the databases -----------------------------------------------------------------------------------


def engine_of(database: dict) -> str:
    engine = database.get("ENGINE", "")
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine or 'an unnamed engine'}.")


def libpq_parameters(database: dict) -> dict[str, str]:
    """libpq keywords from a Django DATABASES entry (or dj_database_url.parse of a URL)."""
    parameters = {"dbname": database.get("NAME"), "user": database.get("USER"), "password": database.get("PASSWORD"),
                  "host": database.get("HOST"), "port": database.get("PORT")}
    for key, value in (database.get("OPTIONS") or {}).items():
        if key in LIBPQ_ENVIRONMENT:
            parameters[key] = value
    return {key: str(value) for key, value in parameters.items() if value not in (None, "")}


def _libpq_environment(parameters: dict[str, str]) -> dict[str, str]:
    environment = dict(os.environ)
    for key, value in parameters.items():
        environment[LIBPQ_ENVIRONMENT[key]] = value
    return environment


def describe(database: dict) -> str:
    """The database for messages and the manifest: never the password."""
    if engine_of(database) == "sqlite":
        return f"sqlite {database.get('NAME')}"
    parameters = libpq_parameters(database)
    where = parameters.get("host", "local socket") + (f":{parameters['port']}" if "port" in parameters else "")
    return f"postgresql {parameters.get('dbname', '?')} on {where} as {parameters.get('user', 'the default user')}"


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found on PATH: install the PostgreSQL client programs of the server's "
                          f"major version (Debian: apt-get install postgresql-client).")
    return path


def _pg_connect(parameters: dict[str, str], **options):
    import psycopg

    try:
        return psycopg.connect(**parameters, **options)
    except psycopg.OperationalError as error:
        hint = " (create it first: createdb, or CREATE DATABASE)" if "does not exist" in str(error) else ""
        raise BackupError(f"Cannot connect to the database {parameters.get('dbname', '?')}{hint}: "
                          f"{str(error).strip()}") from error


def _pg_tables(cursor) -> list[tuple[str, str]]:
    cursor.execute("SELECT schemaname, tablename FROM pg_tables "
                   "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")
    return cursor.fetchall()


def _pg_counts(cursor) -> dict[str, int]:
    from psycopg import sql

    counts = {}
    for schema, table in _pg_tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def _archived_rows(cursor, counts: dict[str, int]) -> list[dict]:
    if ARCHIVE_TABLE not in counts:
        return []
    cursor.execute(f"SELECT id, path, sha256, size FROM {ARCHIVE_TABLE} ORDER BY id")
    return [{"id": row[0], "path": row[1], "sha256": row[2], "size": row[3]} for row in cursor.fetchall()]


def _migrations(cursor, counts: dict[str, int]) -> dict[str, str]:
    if "django_migrations" not in counts:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return {app: name for app, name in cursor.fetchall()}


@dataclass
class DatabaseCopy:
    file: str
    counts: dict[str, int]
    archived: list[dict]
    migrations: dict[str, str]
    server: str


def _dump_postgresql(database: dict, target: Path, progress: Progress) -> DatabaseCopy:
    import psycopg

    pg_dump = _program("pg_dump")
    parameters = libpq_parameters(database)
    # One REPEATABLE READ transaction exports its snapshot; pg_dump dumps exactly that snapshot, and
    # the row counts and archived documents are read in it too: all three describe the same moment.
    with _pg_connect(parameters, autocommit=False) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server = cursor.fetchone()
            progress(f"pg_dump of {describe(database)} (snapshot {snapshot})")
            result = subprocess.run(
                [pg_dump, "--format=custom", f"--file={target}", f"--snapshot={snapshot}", "--no-password"],
                env=_libpq_environment(parameters), capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed (exit {result.returncode}): {result.stderr.strip()}")
            counts = _pg_counts(cursor)
            archived = _archived_rows(cursor, counts)
            migrations = _migrations(cursor, counts)
        connection.rollback()
    return DatabaseCopy(PG_DUMP_FILE, counts, archived, migrations, f"PostgreSQL {server}")


def _sqlite_path(database: dict) -> str:
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError("The database is an in-memory SQLite database: there is nothing on disk to back up.")
    return name


def _sqlite_source(database: dict) -> str:
    name = _sqlite_path(database)
    if not Path(name).is_file():
        raise BackupError(f"The SQLite database {name} does not exist.")
    return name


def _dump_sqlite(database: dict, target: Path, progress: Progress) -> DatabaseCopy:
    name = _sqlite_source(database)
    progress(f"SQLite online backup of {name}")
    source = sqlite3.connect(name)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # every page under one read lock: a consistent copy while the site writes
        # Counted in the copy itself, so the counts are exactly those of the backup.
        counts = _sqlite_counts(copy)
        cursor = copy.cursor()
        archived = _archived_rows(cursor, counts)
        migrations = _migrations(cursor, counts)
        server = f"SQLite {sqlite3.sqlite_version}"
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from error
    finally:
        copy.close()
        source.close()
    _fsync_file(target)
    return DatabaseCopy(SQLITE_FILE, counts, archived, migrations, server)


# --- the files ---------------------------------------------------------------------------------------


def _walk(root: Path) -> Iterator[Path]:
    for directory, directories, files in os.walk(root):
        directories.sort()
        for name in sorted(files):
            yield Path(directory) / name


def _tar_tree(root: Path, target: Path, *, skip: Callable[[str], bool] = lambda relative: False
              ) -> dict[str, tuple[str, int]]:
    """Write ``root``'s regular files into the tar ``target``; return each member's SHA-256 and size."""
    members = {}
    with open(target, "xb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in _walk(root) if root.is_dir() else ():
                relative = path.relative_to(root).as_posix()
                if skip(relative):
                    continue
                try:
                    info = tar.gettarinfo(str(path), arcname=relative)
                    handle = open(path, "rb")
                except FileNotFoundError:  # removed since listed: an unconfirmed import preview, say
                    continue
                with handle:
                    if not info.isreg():
                        continue
                    reader = _HashingReader(handle)
                    tar.addfile(info, reader)
                members[relative] = (reader.hexdigest(), info.size)
        raw.flush()
        os.fsync(raw.fileno())
    return members


def _half_written(relative: str) -> bool:
    # archive.storage writes ".tmp-<uuid>" first and links the final name only when the file is whole.
    return Path(relative).name.startswith(".tmp-")


def _check_archive(archived: list[dict], members: dict[str, tuple[str, int]]) -> list[str]:
    problems = []
    for document in archived:
        member = members.get(document["path"])
        if member is None:
            problems.append(f"missing: archived document {document['id']} {document['path']}")
        elif member != (document["sha256"], document["size"]):
            problems.append(f"changed: archived document {document['id']} {document['path']} "
                            f"(sealed {document['sha256']} {document['size']} bytes, "
                            f"found {member[0]} {member[1]} bytes)")
    return problems


# --- making a backup ---------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    seconds: float
    archive_problems: list[str] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(entry["size"] for entry in self.manifest["files"].values())


def default_name(moment: datetime) -> str:
    return f"{NAME_PREFIX}{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _tree_size(root: Path) -> int:
    total = 0
    for path in _walk(root) if root.is_dir() else ():
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            pass
    return total


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def backup_create(*, output: Path, database: dict, media_root: Path, archive_root: Path, name: str | None = None,
                  made_by: str | None = None, progress: Progress = _quiet,
                  fetch_files: Callable[[], object] | None = None) -> BackupResult:
    """Write a new backup folder under ``output``; refuse an existing one. See the module's docstring."""
    started = time.monotonic()
    created = utc_now()
    engine = engine_of(database)
    output, media_root, archive_root = Path(output), Path(media_root), Path(archive_root)
    for root in (media_root, archive_root):
        if _inside(output, root):
            raise BackupError(f"The output {output} is inside {root}, which the backup copies: choose another place.")
    if engine == "postgresql":
        _program("pg_dump")
    else:
        _sqlite_source(database)
    name = name or default_name(created)
    if "/" in name or name.startswith("."):
        raise BackupError(f"Not a backup name: {name}")
    output.mkdir(parents=True, exist_ok=True)
    files_size = _tree_size(media_root) + _tree_size(archive_root)
    free = shutil.disk_usage(output).free
    if free < files_size:
        raise BackupError(f"Not enough space in {output}: the media and archive files alone take "
                          f"{files_size:,} bytes and {free:,} are free.")
    folder = output / name
    try:
        folder.mkdir(mode=0o700)  # claims the name (a second backup of it stops here); pupils' data: owner only
    except FileExistsError:
        raise BackupError(f"{folder} already exists: a backup is never overwritten.") from None
    try:
        result = _fill(folder, engine=engine, database=database, media_root=media_root, archive_root=archive_root,
                       created=created, made_by=made_by or operator(), progress=progress, fetch_files=fetch_files)
    except BaseException as error:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, OSError):
            raise BackupError(f"Writing the backup in {folder} failed: {error}") from error
        raise
    result.seconds = time.monotonic() - started
    return result


def _fill(folder: Path, *, engine: str, database: dict, media_root: Path, archive_root: Path, created: datetime,
          made_by: str, progress: Progress, fetch_files: Callable[[], object] | None = None) -> BackupResult:
    # 1. The database, with its row counts and the archived documents' hashes from the same snapshot.
    dump = _dump_postgresql if engine == "postgresql" else _dump_sqlite
    copy = dump(database, folder / (PG_DUMP_FILE if engine == "postgresql" else SQLITE_FILE), progress)
    _write_atomically(folder / ROW_COUNTS, json.dumps(copy.counts, indent=1, sort_keys=True) + "\n")
    # 2. The files, after the dump (see the module's docstring for why this order); from the buckets
    # first when they live in object storage (schoolrecords/objectbackup.py).
    if fetch_files is not None:
        fetch_files()
    progress(f"media files from {media_root}")
    media = _tar_tree(media_root, folder / MEDIA_TAR)
    progress(f"archive files from {archive_root}")
    archive = _tar_tree(archive_root, folder / ARCHIVE_TAR, skip=_half_written)
    problems = _check_archive(copy.archived, archive)
    # 3. The manifest, last and atomically: its presence says the backup is whole.
    progress("hashing the parts and writing MANIFEST")
    files = {}
    for part in (copy.file, ROW_COUNTS, MEDIA_TAR, ARCHIVE_TAR):
        path = folder / part
        files[part] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    manifest = {
        "format": FORMAT,
        "name": folder.name,
        "created_at": _iso(created),
        "finished_at": _iso(utc_now()),
        "made_by": made_by,
        "engine": engine,
        "database": describe(database),
        "server": copy.server,
        "migrations": copy.migrations,
        "tables": len(copy.counts),
        "rows": sum(copy.counts.values()),
        "media": {"files": len(media), "bytes": sum(size for _, size in media.values())},
        "archive": {"files": len(archive), "bytes": sum(size for _, size in archive.values())},
        "files": files,
        "archived_documents": copy.archived,
        "archive_problems": problems,
    }
    _write_atomically(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return BackupResult(folder, manifest, 0.0, problems)


def backups_in(output: Path) -> tuple[list[tuple[dict, Path]], list[Path]]:
    """The finished backups this command made under ``output`` (oldest first), and the unfinished ones."""
    finished, unfinished = [], []
    for folder in sorted(Path(output).iterdir()) if Path(output).is_dir() else ():
        if not folder.is_dir() or not NAME_PATTERN.match(folder.name):
            continue
        try:
            manifest = manifest_read(folder)
        except BackupError:
            unfinished.append(folder)
            continue
        finished.append((manifest, folder))
    finished.sort(key=lambda item: (item[0]["created_at"], item[1].name))
    return finished, unfinished


def backups_prune(output: Path, *, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest finished backups made by this command; nothing else is touched."""
    if keep < 1:
        raise BackupError("--keep must be 1 or more.")
    finished, _unfinished = backups_in(output)
    doomed = [folder for _, folder in finished[:-keep]]
    for folder in doomed:
        shutil.rmtree(folder)
    return doomed


# --- reading and verifying a backup ------------------------------------------------------------------


def manifest_read(folder: Path) -> dict:
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a backup folder.")
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} has no MANIFEST: the backup did not finish (or this is not a backup).")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{path} is not a readable manifest: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a manifest of this system's backups ({FORMAT}).")
    if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("archived_documents"), list):
        raise BackupError(f"{path} lacks its list of files or of archived documents.")
    return manifest


def backup_verify(folder: Path) -> dict:
    """The manifest, once every file it lists is present with its SHA-256 and size; BackupError otherwise."""
    folder = Path(folder)
    manifest = manifest_read(folder)
    database_file = PG_DUMP_FILE if manifest.get("engine") == "postgresql" else SQLITE_FILE
    problems = []
    for part in (database_file, ROW_COUNTS, MEDIA_TAR, ARCHIVE_TAR):
        if part not in manifest["files"]:
            problems.append(f"{part}: not in the manifest")
    for part, expected in sorted(manifest["files"].items()):
        path = folder / part
        if not path.is_file():
            problems.append(f"{part}: missing")
            continue
        size = path.stat().st_size
        digest = sha256_file(path)
        if (digest, size) != (expected["sha256"], expected["size"]):
            problems.append(f"{part}: sha256 {digest} and {size} bytes, the manifest says "
                            f"{expected['sha256']} and {expected['size']} bytes")
    if problems:
        raise BackupError(f"The backup {folder} does not match its manifest; nothing was restored:\n  "
                          + "\n  ".join(problems))
    return manifest


# --- restoring ---------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict
    seconds: float
    counts: dict[str, int]
    count_problems: list[str]
    archive_checked: int
    archive_problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.count_problems and not self.archive_problems


def _pg_relations(parameters: dict[str, str]) -> int:
    with _pg_connect(parameters, autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        ).fetchone()[0]


def _sqlite_tables(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} exists and is not an SQLite database: {error}") from error
    finally:
        connection.close()


def _restore_postgresql(folder: Path, database: dict, *, replace: bool) -> None:
    pg_restore = _program("pg_restore")
    parameters = libpq_parameters(database)
    command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               "--no-password", f"--dbname={parameters.get('dbname', '')}"]
    if replace:
        command += ["--clean", "--if-exists"]
    environment = _libpq_environment({key: value for key, value in parameters.items() if key != "dbname"})
    result = subprocess.run([*command, str(folder / PG_DUMP_FILE)], env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (exit {result.returncode}); being one transaction, it left the "
                          f"database as it was: {result.stderr.strip()}")


def _restore_sqlite(folder: Path, database: dict) -> None:
    target = Path(_sqlite_path(database))
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{folder / SQLITE_FILE}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    except sqlite3.Error as error:
        raise BackupError(f"Restoring into {target} failed: {error}") from error
    finally:
        copy.close()
        source.close()


def _target_counts(database: dict) -> tuple[dict[str, int], list[dict]]:
    if engine_of(database) == "postgresql":
        with _pg_connect(libpq_parameters(database), autocommit=True) as connection, connection.cursor() as cursor:
            counts = _pg_counts(cursor)
            return counts, _archived_rows(cursor, counts)
    connection = sqlite3.connect(_sqlite_path(database))
    try:
        counts = _sqlite_counts(connection)
        return counts, _archived_rows(connection.cursor(), counts)
    finally:
        connection.close()


def _has_files(directory: Path) -> bool:
    return directory.is_dir() and any(path.is_file() or path.is_symlink() for path in directory.rglob("*"))


def _extract(tar_path: Path, destination: Path, *, replace: bool, read_only: bool) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar_path) as tar:
        members = tar.getmembers()
        for member in members:
            # The "data" filter refuses absolute paths, "..", links out of the folder and device files.
            checked = tarfile.data_filter(member, str(destination))
            target = destination / checked.name
            if replace and (target.is_file() or target.is_symlink()):
                target.unlink()
        tar.extractall(destination, members=members, filter="data")
    if read_only:
        for member in members:
            if member.isreg():
                os.chmod(destination / member.name, READ_ONLY)
            elif member.isdir():
                os.chmod(destination / member.name, READ_ONLY_FOLDER)


def _grant_runtime(database: dict, runtime_role: str) -> None:
    """Give the runtime role its row rights on the restored tables (schoolrecords/dbroles.py), as their owner."""
    with _pg_connect(libpq_parameters(database), autocommit=False) as connection:
        with connection.cursor() as cursor:
            try:
                dbroles.apply(cursor, runtime_role)
            except dbroles.RoleError as error:
                raise BackupError(f"The database was restored but the runtime role's rights were not set: "
                                  f"{error}") from error
        connection.commit()


def restore(*, folder: Path, database: dict, var_dir: Path, force: bool = False, runtime_role: str = "",
            progress: Progress = _quiet) -> RestoreResult:
    """Restore a verified backup into ``database`` (empty unless ``force``) and ``var_dir``/media, /archive.

    On PostgreSQL connect as the owner role: the restored tables, sequences and triggers are owned by
    the connecting role (pg_restore --no-owner --no-privileges), and ``runtime_role``, if given, then
    gets its row rights on them (schoolrecords/dbroles.py), as ``manage.py db_roles`` would.
    """
    started = time.monotonic()
    folder, var_dir = Path(folder), Path(var_dir)
    progress(f"verifying {folder} against its manifest")
    manifest = backup_verify(folder)
    engine = engine_of(database)
    if engine != manifest["engine"]:
        raise BackupError(f"The backup is of a {manifest['engine']} database; the target is {engine}.")
    # Everything is checked before anything is changed.
    if engine == "postgresql":
        _program("pg_restore")
        existing = _pg_relations(libpq_parameters(database))
    else:
        existing = _sqlite_tables(Path(_sqlite_path(database)))
    if existing and not force:
        raise BackupError(f"The target database ({describe(database)}) is not empty ({existing} tables and other "
                          f"relations): restore into an empty database, or give --force to replace what it holds.")
    media_dir, archive_dir = var_dir / "media", var_dir / "archive"
    for directory in (media_dir, archive_dir):
        if _has_files(directory) and not force:
            raise BackupError(f"{directory} already holds files: restore into an empty folder, or give --force "
                              f"to overwrite the files of the same name.")
    if runtime_role and engine != "postgresql":
        raise BackupError("A runtime role is a PostgreSQL matter: SQLite has no roles.")
    if runtime_role:
        try:
            dbroles.check_name(runtime_role)
        except dbroles.RoleError as error:
            raise BackupError(str(error)) from error
    progress(f"restoring the database into {describe(database)}")
    if engine == "postgresql":
        _restore_postgresql(folder, database, replace=bool(existing))
        if runtime_role:
            progress(f"giving {runtime_role} its row rights")
            _grant_runtime(database, runtime_role)
    else:
        _restore_sqlite(folder, database)
    progress(f"restoring the files into {media_dir} and {archive_dir}")
    try:
        _extract(folder / MEDIA_TAR, media_dir, replace=force, read_only=False)
        _extract(folder / ARCHIVE_TAR, archive_dir, replace=force, read_only=True)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"The database was restored but extracting the files failed: {error}") from error

    progress("comparing row counts and checking every archived file's SHA-256")
    expected = json.loads((folder / ROW_COUNTS).read_text(encoding="utf-8"))
    counts, archived = _target_counts(database)
    count_problems = [f"{table}: {expected[table]} rows in the backup, {counts.get(table, 'no table')} restored"
                      for table in sorted(expected) if counts.get(table) != expected[table]]
    recorded = {document["id"]: document for document in manifest["archived_documents"]}
    archive_problems = []
    if {row["id"]: row for row in archived} != recorded:
        archive_problems.append("the restored archived documents differ from those the manifest lists")
    for document in archived:
        path = archive_dir / document["path"]
        if not path.resolve().is_relative_to(archive_dir.resolve()):
            archive_problems.append(f"outside the archive: document {document['id']} {document['path']}")
        elif not path.is_file():
            archive_problems.append(f"MISSING {document['path']} (document {document['id']})")
        elif (sha256_file(path), path.stat().st_size) != (document["sha256"], document["size"]):
            archive_problems.append(f"CHANGED {document['path']} (document {document['id']})")
    return RestoreResult(manifest, time.monotonic() - started, counts, count_problems, len(archived),
                         archive_problems)
