"""Print documents into the sealed archive from the command line.

    python manage.py archive_render --year 2025-2026 --term 2 --kind ledger [--class 6A1] [--ad-hoc] [--wait]

Without --wait the batch is queued for the Celery workers (or, with no broker configured, run in
this process) and the command prints where to follow it; with --wait every job runs here, one
line per document, then a summary, and the exit status is non-zero if a document failed.
A periodic print (the default) needs the book locked for the period; --ad-hoc prints now, with
the print date on every page.
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from archive import jobs, services
from archive.models import PRINTED_KINDS, Mode, RenderJob
from schoolrecords import models as sm
from schoolrecords.services import system_user


class Command(BaseCommand):
    help = ("Print class ledgers, report cards, summary tables or parent slips (a primary year: primary report "
            "cards and class summary tables) into the sealed archive.")

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="the school year, e.g. 2025-2026")
        parser.add_argument("--term", required=True, type=int, choices=[1, 2])
        parser.add_argument("--kind", required=True, choices=[str(kind) for kind in PRINTED_KINDS])
        parser.add_argument("--class", dest="class_names", action="append", default=[],
                            help="a class, e.g. 6A1 (repeat for several; default: every class)")
        parser.add_argument("--school", help="the school's code (needed when several schools have the year)")
        parser.add_argument("--ad-hoc", action="store_true", help="an ad-hoc print, dated on every page")
        parser.add_argument("--reason", default="", help="why (kept with each document)")
        parser.add_argument("--wait", action="store_true", help="render here and report, instead of queueing")

    def handle(self, *args, **options):
        years = sm.SchoolYear.objects.filter(name=options["year"]).select_related("school")
        if options["school"]:
            years = years.filter(school__code=options["school"])
        years = list(years)
        if not years:
            raise CommandError(f"No school year {options['year']}.")
        if len(years) > 1:
            raise CommandError("Several schools have this year: name one with --school.")
        year = years[0]
        classes = None
        if options["class_names"]:
            found = {c.name: c for c in sm.SchoolClass.objects.filter(year=year, name__in=options["class_names"])}
            missing = sorted(set(options["class_names"]) - set(found))
            if missing:
                raise CommandError(f"No class {', '.join(missing)} in {year.name}.")
            classes = [found[name] for name in options["class_names"]]
        actor = system_user()
        mode = Mode.AD_HOC if options["ad_hoc"] else Mode.PERIODIC
        start = {"actor": actor, "year": year, "term_number": options["term"], "kind": options["kind"],
                 "mode": mode, "classes": classes, "reason": options["reason"]}
        try:
            batch = jobs.batch_start(**start, dispatch=not options["wait"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not options["wait"]:
            batch.refresh_from_db()
            self.stdout.write(f"batch {batch.pk}: {batch.total} document(s) queued "
                              f"({batch.done} done, {batch.failed} failed so far); "
                              f"follow it at /archive/batches/{batch.pk}/")
            return
        self._run_here(batch)

    def _run_here(self, batch):
        started = time.perf_counter()
        failed = 0
        for job in batch.jobs.select_related("school_class", "student").order_by("pk"):
            label = job.school_class.name + (f" {job.student.code}" if job.student else "")
            try:
                documents = services.job_run(job_id=job.pk)
            except Exception as error:  # noqa: BLE001 - report it and go on with the others, as a worker would
                services.job_fail(job_id=job.pk, error=f"{type(error).__name__}: {error}")
                failed += job.expected
                self.stdout.write(f"FAILED {label}: {type(error).__name__}: {error}")
                continue
            for document in documents:
                self.stdout.write(f"ok     {document.file_name}  {document.pages} pages  {document.size} bytes  "
                                  f"sha256 {document.sha256}")
        batch.refresh_from_db()
        done = RenderJob.objects.filter(batch=batch, status=RenderJob.Status.DONE).count()
        self.stdout.write(f"batch {batch.pk}: {batch.done} of {batch.total} document(s) sealed ({done} job(s)), "
                          f"{batch.failed} failed, in {time.perf_counter() - started:.1f} s")
        if failed or batch.failed:
            raise CommandError(f"{batch.failed} document(s) failed")
