"""Back up the database, the media files and the sealed archive into one new folder with a MANIFEST.

    python manage.py backup [--output DIR] [--keep N]

Writes ``DIR/schoolrecords-<UTC time>/`` (default DIR: BACKUP_DIR, which defaults to VAR_DIR/backups)
and prints what it wrote. Celery beat runs it every night (schoolrecords.tasks.backup_nightly).
Safe while the site runs: the database is dumped from one snapshot first, then the files are
copied (schoolrecords/backup.py explains why in that order); with STORAGE_URL they are downloaded
from the media and archive buckets (schoolrecords/objectbackup.py). ``--keep N`` then deletes all
but the N newest finished backups this command made in DIR. The exit status is non-zero if anything
failed (the half-written folder is removed) or if an archived file was missing or changed (the
backup is kept: it is the best copy there is; run archive_verify). Logged with who and when (UTC)
to the "schoolrecords.operations" logger. On PostgreSQL it runs as the site's runtime role (pg_dump
needs only SELECT, which that role has on every table and sequence): the owner's password is not
needed for backups (docs/operations.md, "Database roles").
"""

import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from schoolrecords import backup, objectbackup

log = logging.getLogger("schoolrecords.operations")


def source_database(alias: str) -> dict:
    """The DATABASES entry to back up (a seam for the tests, whose own database lives in memory)."""
    return connections[alias].settings_dict


class Command(BaseCommand):
    help = "Back up the database, media files and sealed archive into a new folder with a MANIFEST of hashes."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None,
                            help="the folder that receives the backup folders (default: BACKUP_DIR, VAR_DIR/backups)")
        parser.add_argument("--keep", type=int, default=None, metavar="N",
                            help="afterwards, delete all but the N newest backups this command made in the folder")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        output = Path(options["output"] or settings.BACKUP_DIR).resolve()
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep must be 1 or more.")
        made_by = backup.operator()
        log.info("backup started by %s into %s", made_by, output)
        try:
            with objectbackup.backup_sources(settings.OBJECT_STORAGE, media_root=Path(settings.MEDIA_ROOT),
                                             archive_root=Path(settings.ARCHIVE_ROOT), output=output,
                                             progress=self._progress) as files:  # the buckets, with STORAGE_URL
                result = backup.backup_create(
                    output=output, database=source_database(options["database"]), media_root=files.media_root,
                    archive_root=files.archive_root, made_by=made_by, progress=self._progress, fetch_files=files.fetch,
                )
        except backup.BackupError as error:
            log.error("backup by %s into %s FAILED: %s", made_by, output, error)
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(
            f"{result.path}: {manifest['server']} {manifest['tables']} tables, {manifest['rows']} rows; "
            f"{manifest['media']['files']} media files, {manifest['archive']['files']} archive files "
            f"({len(manifest['archived_documents'])} archived documents); {result.size:,} bytes "
            f"in {result.seconds:.1f} s"
        )
        log.info("backup by %s written: %s, %d bytes, %d tables, %d rows, %d archived documents, %.1f s",
                 made_by, result.path, result.size, manifest["tables"], manifest["rows"],
                 len(manifest["archived_documents"]), result.seconds)
        if options["keep"]:
            deleted = backup.backups_prune(output, keep=options["keep"])
            for folder in deleted:
                self.stdout.write(f"deleted the older backup {folder}")
                log.info("backup by %s: deleted the older backup %s (--keep %d)", made_by, folder, options["keep"])
            _finished, unfinished = backup.backups_in(output)
            for folder in unfinished:
                self.stderr.write(f"left alone: {folder} has no MANIFEST (an unfinished backup); delete it by hand")
        if result.archive_problems:
            log.error("backup by %s: %d archived file(s) missing or changed: %s", made_by,
                      len(result.archive_problems), "; ".join(result.archive_problems))
            raise CommandError(f"The backup {result.path} was written, but {len(result.archive_problems)} archived "
                               f"file(s) are missing or changed in the live archive (run archive_verify):\n  "
                               + "\n  ".join(result.archive_problems))

    def _progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stderr.write(f"backup: {message}")
