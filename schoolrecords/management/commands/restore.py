"""Restore a backup made by ``backup`` into a given database and folder, then check it.

    python manage.py restore BACKUP --database-url URL --var-dir DIR [--runtime-role NAME] [--storage-url S3_URL]
                             [--force]

First every file of BACKUP is checked against its MANIFEST (a damaged or unfinished backup is
refused before anything changes). Then the database goes into URL (PostgreSQL: pg_restore
--no-owner in one transaction; SQLite: sqlite:////absolute/path) and the files into DIR/media and
DIR/archive. The database must be empty and the folders without files unless --force. Afterwards
every table's row count is compared with the backup's and every archived document's file is
checked against its recorded SHA-256; the exit status is non-zero if anything differs.

On PostgreSQL, URL is the owner role's (the restored tables belong to the role that restores them)
and ``--runtime-role NAME`` then gives the site's role its row rights, as ``db_roles`` does
(docs/operations.md, "Database roles").

With --storage-url, the restored media and archive files then go into those buckets as well (the
archive's under Object Lock, schoolrecords/objectbackup.py); a key already there is left alone.

The site's own database and folders are never used unless URL and DIR name them. A password in
URL is passed to pg_restore through the environment; leave it out of URL and set PGPASSWORD (or
~/.pgpass) to keep it out of the process list.
"""

import logging
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from schoolrecords import backup, objectbackup, objectstorage

log = logging.getLogger("schoolrecords.operations")


class Command(BaseCommand):
    help = "Restore a backup into the given database and folder after checking its manifest, then verify it."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup folder (…/schoolrecords-YYYYMMDDTHHMMSSZ)")
        parser.add_argument("--database-url", required=True,
                            help="where the database goes: postgres://user@host:port/name or sqlite:////path")
        parser.add_argument("--var-dir", required=True, type=Path,
                            help="where the files go: DIR/media and DIR/archive")
        parser.add_argument("--runtime-role", default="", metavar="NAME",
                            help="PostgreSQL: afterwards give this role (the site's) its row rights, as db_roles does")
        parser.add_argument("--storage-url", default="",
                            help="afterwards, put the restored files into these buckets too (STORAGE_URL's form: "
                                 "s3://MEDIA_BUCKET?archive=ARCHIVE_BUCKET&endpoint=URL), never over an existing key")
        parser.add_argument("--force", action="store_true",
                            help="restore into a database that is not empty, and over files of the same name")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        try:
            database = dj_database_url.parse(options["database_url"])
        except ValueError as error:
            raise CommandError(f"Not a database URL: {error}") from error
        var_dir = Path(options["var_dir"]).resolve()
        made_by = backup.operator()
        if _same_database(database, connections["default"].settings_dict):
            self.stderr.write(self.style.WARNING("The target is the database this site is configured to use."))
        try:
            target = backup.describe(database)
            log.info("restore started by %s: %s into %s and %s%s", made_by, options["backup"], target, var_dir,
                     " (--force)" if options["force"] else "")
            result = backup.restore(folder=Path(options["backup"]), database=database, var_dir=var_dir,
                                    force=options["force"], runtime_role=options["runtime_role"],
                                    progress=self._progress)
        except backup.BackupError as error:
            log.error("restore by %s of %s FAILED: %s", made_by, options["backup"], error)
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(
            f"restored {manifest['name']} (made {manifest['created_at']} by {manifest['made_by']}) into {target} "
            f"and {var_dir}: {len(result.counts)} tables, {sum(result.counts.values())} rows, "
            f"{result.archive_checked} archived documents checked, in {result.seconds:.1f} s"
        )
        problems = result.count_problems + result.archive_problems
        if problems:
            log.error("restore by %s of %s: %d problem(s): %s", made_by, manifest["name"], len(problems),
                      "; ".join(problems))
            raise CommandError("The restored copy differs from the backup:\n  " + "\n  ".join(problems))
        log.info("restore by %s of %s into %s and %s: row counts equal, %d archived files verified, %.1f s",
                 made_by, manifest["name"], target, var_dir, result.archive_checked, result.seconds)
        self.stdout.write("row counts equal the backup's; every archived file matches its SHA-256")
        if options["storage_url"]:
            self._into_buckets(options["storage_url"], var_dir, made_by)
        self.stdout.write(f"To run the site on it: VAR_DIR={var_dir} MEDIA_ROOT={var_dir / 'media'} "
                          f"ARCHIVE_ROOT={var_dir / 'archive'} DATABASE_URL=<the URL above>, then "
                          f"`python manage.py migrate` if this code is newer than the backup.")

    def _into_buckets(self, url: str, var_dir: Path, made_by: str) -> None:
        try:
            copied = objectbackup.restore_objects(objectstorage.parse_url(url), media_root=var_dir / "media",
                                                  archive_root=var_dir / "archive", progress=self._progress,
                                                  retention_years=settings.ARCHIVE_RETENTION_YEARS)
        except (ImproperlyConfigured, backup.BackupError) as error:
            log.error("restore by %s into the buckets of %s FAILED: %s", made_by, url, error)
            raise CommandError(str(error)) from error
        log.info("restore by %s into the buckets of %s: %d media and %d archive objects put, %d already there",
                 made_by, url, copied.media, copied.archive, copied.skipped)
        self.stdout.write(f"into the buckets: {copied.media} media and {copied.archive} archive objects put "
                          f"(the archive's under Object Lock for {settings.ARCHIVE_RETENTION_YEARS} years), "
                          f"{copied.skipped} already there")

    def _progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stderr.write(f"restore: {message}")


def _same_database(target: dict, live: dict) -> bool:
    try:
        if backup.engine_of(target) != backup.engine_of(live):
            return False
    except backup.BackupError:
        return False
    if backup.engine_of(target) == "sqlite":
        return str(target.get("NAME")) == str(live.get("NAME"))
    ours, theirs = backup.libpq_parameters(target), backup.libpq_parameters(live)
    defaults = {"dbname": "", "host": "localhost", "port": "5432"}
    return all(ours.get(key, default) == theirs.get(key, default) for key, default in defaults.items())
