"""Record a month's entry progress of every school (the same service as Celery beat's, on the first of the month).

    python manage.py progress_snapshot [--month 2025-11]

Without ``--month`` the month just ended is recorded. Idempotent: a month recorded before is
left as it was (and named as such). Acts as the system account.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gradebook.progress import services
from schoolrecords import models as sm
from schoolrecords.services import system_user


def parse_month(value: str) -> datetime.date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return datetime.date(year, month, 1)
    except ValueError as error:
        raise CommandError(f"--month is a month as YYYY-MM, not {value!r}") from error


class Command(BaseCommand):
    help = "Record a month's entry progress (default: the month just ended) of every school; once per month."

    def add_arguments(self, parser):
        parser.add_argument("--month", default=None, help="the month recorded, as YYYY-MM (default: last month)")

    def handle(self, *args, **options):
        month = (parse_month(options["month"]) if options["month"]
                 else services.previous_month(timezone.localdate()))
        actor = system_user()
        for school in sm.School.objects.order_by("pk"):
            before = timezone.now()
            taken = services.progress_record_take(actor=actor, school=school, month=month)
            if taken is None:
                self.stdout.write(f"{school.name}: {month:%m/%Y} is outside its current school year")
            elif taken.taken_at < before:
                self.stdout.write(f"{school.name}: {month:%m/%Y} was recorded on {taken.taken_at:%d/%m/%Y %H:%M}")
            else:
                self.stdout.write(f"{school.name}: {month:%m/%Y} recorded ({taken.rows.count()} rows)")
