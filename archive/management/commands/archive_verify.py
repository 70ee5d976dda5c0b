"""Check every archived file against the SHA-256 and size it was sealed with.

    python manage.py archive_verify [--quiet]

One line per file (ok, MISSING or CHANGED), then a line per file in the archive's folder that no
archived document names (UNLISTED: left by a worker killed before it sealed its row, or put there by
hand; reported, not a failure), then a summary; the exit status is 1 if any file is missing or differs. Run it after copying the archive to a new disk and every term (docs/operations.md).
"""

from django.core.management.base import BaseCommand, CommandError

from archive import selectors


class Command(BaseCommand):
    help = "Check every archived file against its SHA-256; exit non-zero if one is missing or differs."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="print only the files with a problem")

    def handle(self, *args, **options):
        counts = {"ok": 0, "missing": 0, "changed": 0}
        for result in selectors.verify_documents():
            document = result.document
            counts[result.status] += 1
            if result.ok:
                if not options["quiet"]:
                    self.stdout.write(f"ok       {document.path}  {document.file_name}")
            elif result.status == "missing":
                self.stdout.write(f"MISSING  {document.path}  {document.file_name}")
            else:
                self.stdout.write(f"CHANGED  {document.path}  {document.file_name}  sealed sha256 {document.sha256} "
                                  f"size {document.size}, now sha256 {result.actual_sha256} size {result.actual_size}")
        unlisted = selectors.unlisted_files()
        for path in unlisted:
            self.stdout.write(f"UNLISTED {path}")
        total = sum(counts.values())
        summary = (f"{total} archived file(s): {counts['ok']} ok, {counts['missing']} missing, "
                   f"{counts['changed']} changed; {len(unlisted)} unlisted file(s) in the folder")
        if counts["missing"] or counts["changed"]:
            raise CommandError(summary)
        self.stdout.write(summary)
