"""Seal a CSV snapshot of a term's scores into the archive now (the clerk's button, from the command line).

    python manage.py archive_snapshot --year 2025-2026 --term 1 [--school CODE]
"""

import uuid

from django.core.management.base import BaseCommand, CommandError

from archive import services
from archive.models import Mode
from schoolrecords import models as sm
from schoolrecords.services import system_user


class Command(BaseCommand):
    help = "Seal a CSV snapshot of a term's scores into the archive."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True)
        parser.add_argument("--term", required=True, type=int, choices=[1, 2])
        parser.add_argument("--school", help="the school's code (needed when several schools have the year)")

    def handle(self, *args, **options):
        terms = sm.Term.objects.filter(year__name=options["year"], number=options["term"]).select_related("year")
        if options["school"]:
            terms = terms.filter(year__school__code=options["school"])
        terms = list(terms)
        if len(terms) != 1:
            raise CommandError("No such term." if not terms else "Several schools have this year: use --school.")
        document = services.snapshot_take(actor=system_user(), term=terms[0], key=f"command:{uuid.uuid4().hex}",
                                          mode=Mode.AD_HOC)
        self.stdout.write(f"sealed {document.file_name}: {document.size} bytes, sha256 {document.sha256}")
