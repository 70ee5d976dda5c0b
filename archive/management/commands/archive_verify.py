"""Check every archived file against the SHA-256 and size it was sealed with, and its name against that SHA-256.

    python manage.py archive_verify [--quiet] [--backup [PATH]]

One line per file (ok, MISSING, CHANGED or MISNAMED), then a line per file in the archive's folder that no
archived document names (UNLISTED: left by a worker killed before it sealed its row, or put there by
hand; reported, not a failure, unless its name is not its content's SHA-256), then a summary; the
exit status is 1 if any file is missing, differs or is misnamed. Run it after copying the archive to
a new disk and every term (docs/operations.md).

Every version a signature made (archive.models.Signature) is also validated with pyHanko against the
trust roots (archive/signing/pades.py: each signature intact and valid, its timestamp valid, the
validation data embedded): "signed" with the count of signatures, or "SIGNATURE" with what is wrong
(then the exit status is 1 too).

A file is stored under its own SHA-256 (archive/storage.py: ``objects/<2 hex>/<sha256><suffix>``), so a
document whose recorded path does not name its recorded SHA-256 had its row rewritten (MISNAMED):
someone changed the file and then the hash in the database to match.

``--backup PATH`` also compares every archived document with the MANIFEST of a backup (PATH: a backup
folder, its MANIFEST, or a folder of backups, whose newest finished one is taken; without PATH,
VAR_DIR/backups): a document the backup lists must still exist with the same path, SHA-256 and size
(GONE or DIFFERS otherwise); documents sealed since are counted. This catches a file replaced under
a correct new name together with its row, which the other checks cannot see.
"""

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive import selectors, storage
from archive.models import ArchivedDocument, Signature
from archive.signing import config as signing_config
from archive.signing import pades
from schoolrecords import backup

LATEST = object()  # --backup without a PATH


def expected_path(sha256: str, path: str) -> str:
    """Where archive.storage would have put a file of this SHA-256 with this path's suffix."""
    return storage.relative_path(sha256, PurePosixPath(path).suffix)


def load_manifest(path: Path) -> tuple[Path, dict]:
    """The backup folder and its manifest, from a folder, a MANIFEST file or a folder of backups."""
    path = Path(path)
    if path.is_file() and path.name == backup.MANIFEST:
        path = path.parent
    if path.is_dir() and not (path / backup.MANIFEST).exists():
        finished, _unfinished = backup.backups_in(path)
        if not finished:
            raise CommandError(f"{path} holds no finished backup (a folder with a MANIFEST).")
        path = finished[-1][1]
    try:
        return path, backup.manifest_read(path)
    except backup.BackupError as error:
        raise CommandError(str(error)) from error


class Command(BaseCommand):
    help = ("Check every archived file against its SHA-256 and its name; optionally against a backup's MANIFEST; "
            "exit non-zero if one is missing, differs or is misnamed.")

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="print only the files with a problem")
        parser.add_argument("--backup", nargs="?", const=LATEST, default=None, metavar="PATH",
                            help="also compare with this backup's MANIFEST (a backup folder, its MANIFEST, or a "
                                 "folder of backups: the newest; default VAR_DIR/backups)")

    def handle(self, *args, **options):
        against = None
        if options["backup"] is not None:
            where = Path(settings.VAR_DIR) / "backups" if options["backup"] is LATEST else options["backup"]
            against = load_manifest(where)  # a bad PATH stops before anything is read
        counts = {"ok": 0, "missing": 0, "changed": 0}
        misnamed = 0
        signed_ids = set(Signature.objects.values_list("document_id", flat=True))
        trust = signing_config.trust() if signed_ids else None
        bad_signatures = 0
        for result in selectors.verify_documents():
            document = result.document
            counts[result.status] += 1
            right_name = document.path == expected_path(document.sha256, document.path)
            if not right_name:
                misnamed += 1
                self.stdout.write(f"MISNAMED {document.path}  {document.file_name}  sealed sha256 {document.sha256}: "
                                  f"its file would be {expected_path(document.sha256, document.path)} "
                                  f"(the row was changed after sealing)")
            if document.pk in signed_ids and result.status != "missing":
                bad_signatures += self._signatures(document, trust, quiet=options["quiet"])
            if result.ok:
                if not options["quiet"] and right_name:
                    self.stdout.write(f"ok       {document.path}  {document.file_name}")
            elif result.status == "missing":
                self.stdout.write(f"MISSING  {document.path}  {document.file_name}")
            else:
                self.stdout.write(f"CHANGED  {document.path}  {document.file_name}  sealed sha256 {document.sha256} "
                                  f"size {document.size}, now sha256 {result.actual_sha256} size {result.actual_size}")
        unlisted = selectors.unlisted_files()
        for path in unlisted:
            name = PurePosixPath(path).name
            if name.startswith(".tmp-"):  # half-written by storage.put: never a final name
                self.stdout.write(f"UNLISTED {path}")
                continue
            actual = storage.sha256_file(storage.absolute(path))
            if path != expected_path(actual, path):
                misnamed += 1
                self.stdout.write(f"UNLISTED {path}  MISNAMED: its content's sha256 is {actual}")
            else:
                self.stdout.write(f"UNLISTED {path}")
        total = sum(counts.values())
        summary = (f"{total} archived file(s): {counts['ok']} ok, {counts['missing']} missing, "
                   f"{counts['changed']} changed{f', {misnamed} misnamed' if misnamed else ''}; "
                   f"{len(unlisted)} unlisted file(s) in the folder"
                   f"{f'; {bad_signatures} signed file(s) with a bad signature' if bad_signatures else ''}")
        backup_problems = 0
        if against is not None:
            backup_problems, note = self._compare(*against)
            summary += note
        if counts["missing"] or counts["changed"] or misnamed or backup_problems or bad_signatures:
            raise CommandError(summary)
        self.stdout.write(summary)

    def _signatures(self, document, trust, *, quiet: bool) -> int:
        with storage.open(document.path) as handle:
            content = handle.read()
        try:
            checks = pades.validate(content, trust=trust)
        except Exception as error:  # noqa: BLE001 (a damaged file may not even parse)
            self.stdout.write(f"SIGNATURE {document.path}  {document.file_name}: cannot be read ({error})")
            return 1
        bad = [check for check in checks if not check.ok]
        if not checks or bad:
            for check in bad or checks:
                self.stdout.write(f"SIGNATURE {document.path}  {document.file_name}: {check.field_name} "
                                  f"({check.signer_name}): {'; '.join(check.problems)}")
            if not checks:
                self.stdout.write(f"SIGNATURE {document.path}  {document.file_name}: no signature found")
            return 1
        if not quiet:
            self.stdout.write(f"signed   {document.path}  {document.file_name}: {len(checks)} signature(s) valid, "
                              f"timestamped, validation data embedded")
        return 0

    def _compare(self, folder: Path, manifest: dict) -> tuple[int, str]:
        current = {row["id"]: row for row in ArchivedDocument.objects.order_by("pk").values(
            "id", "path", "sha256", "size").iterator(chunk_size=2000)}
        problems = equal = 0
        listed = set()
        for recorded in manifest["archived_documents"]:
            listed.add(recorded["id"])
            now = current.get(recorded["id"])
            if now is None:
                problems += 1
                self.stdout.write(f"GONE     document {recorded['id']} {recorded['path']}: in the backup "
                                  f"{manifest['name']}, no longer in the database")
            elif (now["path"], now["sha256"], now["size"]) != (recorded["path"], recorded["sha256"], recorded["size"]):
                problems += 1
                self.stdout.write(f"DIFFERS  document {recorded['id']}: the backup {manifest['name']} has "
                                  f"{recorded['path']} sha256 {recorded['sha256']} size {recorded['size']}, the "
                                  f"database {now['path']} sha256 {now['sha256']} size {now['size']}")
            else:
                equal += 1
        newer = len(set(current) - listed)
        note = (f"; against the backup {folder} (made {manifest.get('created_at', '?')}): {equal} equal, "
                f"{problems} gone or different, {newer} sealed since")
        return problems, note
