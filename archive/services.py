"""Every change the archive makes: start a print batch, run and fail its jobs, seal documents, take snapshots,
re-issue the documents a correction made stale.

Each function takes the acting user, checks archive.permissions, and runs in a transaction.
A document is sealed in the same transaction as its row is created: the row is inserted first
(so a lost race for a version number stores nothing), then the file is finalised write-once
(archive.storage); a failure after that leaves at most an unreferenced content-addressed file,
which the next identical file reuses. Jobs are idempotent: a task that runs again (a worker
killed after sealing, a redelivered message) finds its documents by their idempotency key.
"""

import csv
import datetime
import io
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import api
from schoolrecords import models as sm
from schoolrecords.levels import rule_set_for_grade
from schoolrecords.services import system_user
from schoolrecords.text import ascii_part, safe_cell

from . import codes, rendering, storage
from .models import (
    PER_STUDENT_KINDS,
    PRIMARY_KINDS,
    PRINTED_KINDS,
    REPORT_CARD_KINDS,
    ArchivedDocument,
    Kind,
    Mode,
    Reissue,
    RenderBatch,
    RenderJob,
    Revocation,
    Variant,
    kinds_of_rule_set,
    scope_key,
)
from .permissions import require_revoke, require_run

logger = logging.getLogger(__name__)

PDF = "application/pdf"
CSV = "text/csv"


class StaleRender(RuntimeError):
    """A file names the version it would be sealed as, and another version was sealed while it rendered."""


# --- starting a batch ------------------------------------------------------------------------------


def _term(year: sm.SchoolYear, number: int) -> sm.Term:
    term = sm.Term.objects.filter(year=year, number=number).first()
    if term is None:
        raise ValidationError({"term": _("The school year %(year)s has no term %(number)s.") % {
            "year": year.name, "number": number}})
    return term


def _names(classes: Iterable[sm.SchoolClass], limit: int = 8) -> str:
    names = [school_class.name for school_class in classes]
    return ", ".join(names[:limit]) + (" …" if len(names) > limit else "")


def check_periodic_allowed(year: sm.SchoolYear, term_number: int) -> None:
    """A periodic print waits for the principal's lock of the book (gradebook.api.book_locked)."""
    waiting = api.unlocked_classes(year, term_number)  # none once the book is locked or every class approved
    if not waiting:
        return
    message = (
        _("The principal has not locked the book for term I yet (classes still open: %(classes)s). "
          "Print ad hoc, with the print date on every page, or wait for the lock.")
        if term_number == 1 else
        _("The principal has not locked the book for the year yet (classes still open: %(classes)s). "
          "Print ad hoc, with the print date on every page, or wait for the lock.")
    )
    raise ValidationError({"mode": message % {"classes": _names(waiting)}})


def check_kind_fits(year: sm.SchoolYear, kind: str, classes: Iterable[sm.SchoolClass]) -> None:
    """A primary (TT27) year prints the primary forms, a secondary (TT22) year the secondary ones, never the other's.

    The year's rule set decides, and each class's grade must follow it too (grades 1-5: TT27).
    """
    primary = kind in PRIMARY_KINDS
    if kind not in kinds_of_rule_set(year.rule_set):
        message = (
            _("The school year %(year)s follows %(rule_set)s: the %(document)s is a form of primary schools "
              "(TT27). Print its class ledger, report cards, summary table or parent slips.")
            if primary else
            _("The school year %(year)s follows TT27 (primary): the %(document)s is a form of lower and upper "
              "secondary schools (TT22). Print the primary report card or the class summary table.")
        )
        raise ValidationError({"kind": message % {"document": str(Kind(kind).label).lower(), "year": year.name,
                                                  "rule_set": year.rule_set}})
    wrong = [school_class for school_class in classes
             if (rule_set_for_grade(school_class.grade) == sm.RuleSet.TT27) != primary]
    if wrong:
        message = (_("Classes %(classes)s are not primary classes (grades 1 to 5): the primary forms are not "
                     "printed for them.") if primary else
                   _("Classes %(classes)s are primary classes (grades 1 to 5): print the primary forms for them."))
        raise ValidationError({"classes": message % {"classes": _names(wrong)}})


def _batch_of_token(token: str, year: sm.SchoolYear) -> RenderBatch | None:
    """The batch a resent form started; a token another school's form used is refused, not a 500."""
    existing = RenderBatch.objects.filter(token=token).first()
    if existing is not None and existing.school_id != year.school_id:
        raise ValidationError(_("This form has expired: reload the page and start again."))
    return existing


@transaction.atomic
def batch_start(*, actor, year: sm.SchoolYear, term_number: int, kind: str, mode: str,
                classes: list[sm.SchoolClass] | None = None, token: str = "", reason: str = "") -> RenderBatch:
    """Queue the documents of ``kind`` for ``classes`` (None: every class of the year) at the end of a term.

    Periodic prints need the book locked for the period; ad-hoc prints carry their print date. One
    job per class (ledger, summary table) or per student in the class at the term's end (report
    cards, parent slips). A primary (TT27) year prints the primary forms only, a secondary year the
    secondary ones (``check_kind_fits``). A resent form (same ``token``) returns the batch it started.
    The jobs are sent to the workers by archive.jobs, after the commit.
    """
    require_run(actor, year)
    if token:
        existing = _batch_of_token(token, year)
        if existing is not None:
            return existing
    if kind not in PRINTED_KINDS:
        raise ValidationError({"kind": _("Choose what to print.")})
    if mode not in Mode.values:
        raise ValidationError({"mode": _("Choose a periodic or an ad-hoc print.")})
    term = _term(year, term_number)
    every_class = classes is None
    classes = list(sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")) if every_class else classes
    if not classes:
        raise ValidationError({"classes": _("Choose at least one class.")})
    if any(school_class.year_id != year.pk for school_class in classes):
        raise ValidationError({"classes": _("Choose classes of the school year %(year)s.") % {"year": year.name}})
    check_kind_fits(year, kind, classes)
    if mode == Mode.PERIODIC:
        check_periodic_allowed(year, term_number)

    batch = RenderBatch(
        school_id=year.school_id, year=year, term=term, kind=kind, mode=mode,
        scope_label=_("every class") if every_class else _names(classes, limit=20),
        print_date=timezone.localdate(), requested_by=actor, reason=reason.strip()[:255], token=token,
    )
    batch.full_clean(exclude=["token"])
    batch.save()
    jobs = []
    if kind in PER_STUDENT_KINDS:
        due = _due_enrolments(classes, term)
        for school_class in classes:
            students = due.get(school_class.pk, [])
            if rendering.SPLIT and students:
                jobs.append(_job(batch, school_class, None, expected=len(students)))
            else:
                jobs.extend(_job(batch, school_class, enrolment.student_id) for enrolment in students)
    else:
        jobs = [_job(batch, school_class, None) for school_class in classes]
    RenderJob.objects.bulk_create(jobs)
    batch.total = sum(job.expected for job in jobs)
    if batch.total == 0:
        batch.finished_at = timezone.now()
    batch.save(update_fields=["total", "finished_at"])
    return batch


def _due_enrolments(classes: list[sm.SchoolClass], term: sm.Term) -> dict[int, list[sm.Enrolment]]:
    from schoolrecords.selectors import sort_vietnamese

    due: dict[int, list[sm.Enrolment]] = {}
    enrolments = sm.Enrolment.objects.filter(school_class__in=classes).select_related("student").order_by()
    for enrolment in sort_vietnamese(enrolments):
        if api.in_class_at_end(enrolment, term):
            due.setdefault(enrolment.school_class_id, []).append(enrolment)
    return due


def _job(batch: RenderBatch, school_class: sm.SchoolClass, student_id: int | None, *, expected: int = 1) -> RenderJob:
    key = scope_key(kind=batch.kind, variant=batch.variant, year_id=batch.year_id, term_number=batch.term.number,
                    class_id=school_class.pk, student_id=student_id)
    return RenderJob(batch=batch, school_class=school_class, student_id=student_id, scope_key=key, expected=expected)


@transaction.atomic
def transfer_print(*, actor, enrolment: sm.Enrolment, term_number: int | None = None, token: str = "",
                   reason: str = "") -> RenderBatch:
    """The transfer print of a student's report card (seed 000 art. 12.3), ad hoc, as a batch of one."""
    school_class = enrolment.school_class
    year = school_class.year
    require_run(actor, year)
    if token:
        existing = _batch_of_token(token, year)
        if existing is not None:
            return existing
    terms = {term.number: term for term in sm.Term.objects.filter(year=year)}
    if term_number is None:
        day = enrolment.end_date or timezone.localdate()
        term_number = 2 if 2 in terms and day >= terms[2].start_date else 1
    term = terms.get(term_number) or _term(year, term_number)
    batch = RenderBatch(
        school_id=year.school_id, year=year, term=term, kind=REPORT_CARD_KINDS.get(year.rule_set, Kind.REPORT_CARD),
        variant=Variant.TRANSFER,
        mode=Mode.AD_HOC, scope_label=f"{school_class.name} — {enrolment.student.full_name}"[:255],
        print_date=timezone.localdate(), requested_by=actor, reason=reason.strip()[:255], token=token, total=1,
    )
    batch.full_clean(exclude=["token"])
    batch.save()
    _job(batch, school_class, enrolment.student_id).save()
    return batch


# --- running a job ---------------------------------------------------------------------------------


def job_run(*, job_id: int) -> list[ArchivedDocument]:
    """Render and seal the documents of one job; run again, it finds what it sealed and adds nothing.

    Called by archive.tasks.render_job. The rendering runs outside any transaction (it takes
    seconds); the sealing and the job's and batch's counters are one transaction, under a lock
    of the job row, so two deliveries of the same task cannot both count or both seal.
    """
    job = RenderJob.objects.select_related("batch__term", "batch__year__school", "school_class__year",
                                           "school_class__homeroom_teacher__profile", "student").get(pk=job_id)
    if job.status in (RenderJob.Status.DONE, RenderJob.Status.FAILED):
        return list(job.documents.order_by("pk"))
    RenderJob.objects.filter(pk=job.pk).update(status=RenderJob.Status.RUNNING, attempts=F("attempts") + 1,
                                               started_at=timezone.now())
    batch = job.batch
    standing = _standing(job)  # read once: what the render skips is what the job lists
    rendered = _render(job, standing)
    unchanged = []
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().select_related("batch").get(pk=job.pk)
        # Another delivery may have finished (or given up on) this job while this one rendered.
        if job.status not in (RenderJob.Status.DONE, RenderJob.Status.FAILED):
            sealed = set(job.documents.values_list("idempotency_key", flat=True))
            for item in rendered:
                key = scope_key(kind=item.kind, variant=item.variant, year_id=batch.year_id,
                                term_number=batch.term.number, class_id=item.school_class.pk,
                                student_id=item.student.pk if item.student else None)
                idempotency_key = f"job{job.pk}:{key}"
                if item.pdf is None:  # the same data as the version that stands: not printed again
                    unchanged.append(standing[key])
                    continue
                if idempotency_key in sealed:
                    continue
                _seal(content=item.pdf.content, suffix=".pdf", content_type=PDF, pages=item.pdf.pages,
                      data_hash=item.data_hash, school_id=batch.school_id, kind=item.kind, variant=item.variant,
                      mode=batch.mode, year=batch.year, term=batch.term, school_class=item.school_class,
                      student=item.student, key=key, print_date=batch.print_date, actor=batch.requested_by,
                      job=job, idempotency_key=idempotency_key, note=batch.reason, code=item.code,
                      expected_version=item.version)
            job.status, job.finished_at, job.error = RenderJob.Status.DONE, timezone.now(), ""
            job.save(update_fields=["status", "finished_at", "error"])
            _count(job.batch_id, done=job.expected)
    if unchanged:
        logger.info("render job %s: %s document(s) with unchanged data not printed again", job.pk, len(unchanged))
    return unchanged + list(job.documents.order_by("pk"))


def _next_versions(job: RenderJob) -> dict[str, int]:
    """The version each document of the job will be sealed as, by scope (the report card's XML names it)."""
    batch = job.batch
    prefix = scope_key(kind=batch.kind, variant=batch.variant, year_id=batch.year_id,
                       term_number=batch.term.number, class_id=job.school_class_id, student_id=job.student_id)
    if job.student_id is None:
        prefix = prefix[:prefix.rindex(":s") + 2]
    latest: dict[str, int] = {}
    for key, version in ArchivedDocument.objects.filter(scope_key__startswith=prefix).values_list(
            "scope_key", "version"):
        latest[key] = max(version, latest.get(key, 0))
    return {key: version + 1 for key, version in latest.items()}


def _standing(job: RenderJob) -> dict[str, ArchivedDocument]:
    """The version of each scope of the job that a print of the same data would only repeat, by scope key.

    Periodic prints only (the year's set, its re-issues): the latest version of the scope, periodic too and
    not revoked; a signed version counts (it carries the same data). Printing the same data again is
    skipped: the job counts it done and lists that version. An ad-hoc print is always printed: it is a
    copy dated the day it was asked for.
    """
    batch = job.batch
    if batch.mode != Mode.PERIODIC or not settings.ARCHIVE_SKIP_UNCHANGED:
        return {}
    prefix = scope_key(kind=batch.kind, variant=batch.variant, year_id=batch.year_id,
                       term_number=batch.term.number, class_id=job.school_class_id, student_id=job.student_id)
    if job.student_id is None and batch.kind in PER_STUDENT_KINDS:
        prefix = prefix[:prefix.rindex(":s") + 2]
    latest: dict[str, ArchivedDocument] = {}
    documents = ArchivedDocument.objects.filter(scope_key__startswith=prefix) if prefix.endswith(":s") else \
        ArchivedDocument.objects.filter(scope_key=prefix)
    for document in documents.select_related("revocation").order_by("scope_key", "version"):
        latest[document.scope_key] = document
    standing = {}
    for key, document in latest.items():
        if document.mode == Mode.PERIODIC and getattr(document, "revocation", None) is None:
            standing[key] = document
    return standing


def _student_of(key: str) -> int | None:
    student = key.rsplit(":s", 1)[1]
    return int(student) if student.isdecimal() else None


def _render(job: RenderJob, standing: dict[str, ArchivedDocument]) -> list[rendering.Rendered]:
    batch = job.batch
    versions = _next_versions(job)
    term_number = batch.term.number
    print_date = batch.print_date if batch.mode == Mode.AD_HOC else None
    if batch.kind in PER_STUDENT_KINDS:
        enrolments = None
        if job.student_id is not None:
            enrolments = [sm.Enrolment.objects.select_related("student", "school_class__year").get(
                school_class=job.school_class, student_id=job.student_id)]
        by_student = {_student_of(key): version for key, version in versions.items() if _student_of(key)}
        sealed = {_student_of(key): document.data_hash for key, document in standing.items() if _student_of(key)}
        return rendering.student_documents(batch.kind, job.school_class, term_number, enrolments=enrolments,
                                           transfer=batch.variant == Variant.TRANSFER, print_date=print_date,
                                           versions=by_student, sealed=sealed)
    sealed = next((document.data_hash for document in standing.values()), "")
    return [rendering.class_document(batch.kind, job.school_class, term_number, print_date=print_date,
                                     sealed=sealed)]


def _count(batch_id: int, *, done: int = 0, failed: int = 0) -> None:
    # The batch is not history-tracked: its counters are working state, changed in one statement
    # each so that two workers finishing at once both count.
    RenderBatch.objects.filter(pk=batch_id).update(done=F("done") + done, failed=F("failed") + failed)
    RenderBatch.objects.filter(pk=batch_id, finished_at__isnull=True).filter(
        total__lte=F("done") + F("failed")).update(finished_at=timezone.now())


@transaction.atomic
def job_fail(*, job_id: int, error: str) -> None:
    """The job gave up after its retries: count its documents as failed, keep the error for the clerk."""
    job = RenderJob.objects.select_for_update().get(pk=job_id)
    if job.status in (RenderJob.Status.DONE, RenderJob.Status.FAILED):
        return
    job.status, job.error, job.finished_at = RenderJob.Status.FAILED, error[:2000], timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    _count(job.batch_id, failed=job.expected)


def job_record_error(*, job_id: int, error: str) -> None:
    """Keep the last error of a job that will be retried (shown while the batch runs)."""
    RenderJob.objects.filter(pk=job_id).exclude(status=RenderJob.Status.DONE).update(error=error[:2000])


# --- sealing ---------------------------------------------------------------------------------------


# The documents' names as a school calls them, without diacritics (ASCII file names travel everywhere).
FILE_KINDS = {
    Kind.LEDGER: "So-theo-doi", Kind.REPORT_CARD: "Hoc-ba", Kind.SUMMARY: "Bang-tong-hop",
    Kind.PARENT_SLIP: "Phieu-lien-lac", Kind.SNAPSHOT: "Ban-sao-diem", Kind.CORRECTION_MINUTES: "Bien-ban-sua-diem",
    Kind.PRIMARY_REPORT_CARD: "Hoc-ba-tieu-hoc", Kind.PRIMARY_SUMMARY: "Bang-tong-hop-tieu-hoc",
}
FILE_VARIANTS = {Variant.TRANSFER: "chuyen-truong"}


def file_name(*, kind: str, variant: str, year: sm.SchoolYear, term: sm.Term, school_class: sm.SchoolClass | None,
              student: sm.Student | None, version: int, suffix: str, label: str = "") -> str:
    """A Vietnamese-readable ASCII file name for downloads and offline media: So-theo-doi-6A1-HK2-2025-2026-v1.pdf.

    ``label`` tells apart documents of one class and term (correction minutes: "no3")."""
    parts = [FILE_KINDS.get(kind, kind)]
    if school_class is not None:
        parts.append(school_class.name)
    if student is not None:
        parts.append(student.code)
    parts += [f"HK{term.number}", year.name]
    if variant:
        parts.append(FILE_VARIANTS.get(variant, variant))
    if label:
        parts.append(label)
    safe = "-".join(ascii_part(part) for part in parts)
    return f"{safe}-v{version}{suffix}"


def _seal(*, content: bytes, suffix: str, content_type: str, pages: int | None, data_hash: str, school_id: int,
          kind: str, variant: str, mode: str, year: sm.SchoolYear, term: sm.Term, school_class, student, key: str,
          print_date, actor, job: RenderJob | None, idempotency_key: str, note: str = "",
          label: str = "", code: str = "", expected_version: int | None = None) -> ArchivedDocument:
    """Create the row and finalise the file, in the caller's transaction: the next version of ``key``.

    ``code``: the verification code the file's pages carry (a new one for a file that carries none,
    a snapshot). ``expected_version``: the version the file names inside it (a report card's XML);
    another version sealed meanwhile makes the seal fail, and the task renders again.
    """
    previous = ArchivedDocument.objects.filter(scope_key=key).order_by("-version").first()
    version = previous.version + 1 if previous else 1
    if expected_version is not None and expected_version != version:
        raise StaleRender(f"{key}: rendered as version {expected_version}, the next is {version}")
    sha256 = storage.sha256_bytes(content)
    document = ArchivedDocument(
        school_id=school_id, kind=kind, variant=variant, mode=mode, year=year, term=term, school_class=school_class,
        student=student, scope_key=key, version=version, supersedes=previous,
        path=storage.relative_path(sha256, suffix),
        file_name=file_name(kind=kind, variant=variant, year=year, term=term, school_class=school_class,
                            student=student, version=version, suffix=suffix, label=label),
        content_type=content_type, sha256=sha256, size=len(content), pages=pages, data_hash=data_hash,
        print_date=print_date, note=note[:255], created_by=actor, created_at=timezone.now(), job=job,
        idempotency_key=idempotency_key, code=code or codes.new_code(),
    )
    # The unique constraints (scope and version, idempotency key) have the last word: a concurrent
    # seal of the same scope fails here, before any file is written, and its task retries.
    document.full_clean(exclude=["school", "year", "term", "school_class", "student", "created_by", "job",
                                 "supersedes"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        document.save()
        stored = storage.put(content, suffix=suffix)
    if stored.sha256 != sha256 or stored.path != document.path:
        raise storage.StorageError("the stored file is not the one sealed")
    logger.info("sealed %s v%s (%s, %s bytes)", key, version, sha256[:12], len(content))
    return document


def seal_signed(*, document: ArchivedDocument, content: bytes, actor, note: str = "") -> ArchivedDocument:
    """Seal ``content`` (``document``'s file with a signature appended) as the next version of its scope.

    Called by archive.signing.services in its transaction, the signed version's row locked; the data
    are those of ``document`` (same data hash, pages, print date), the file is new, ``document`` stays.
    """
    if not content.startswith(storage.read(document.path)):
        raise storage.StorageError("a signed version must append to the file it signs")
    return _seal(content=content, suffix=".pdf", content_type=document.content_type, pages=document.pages,
                 data_hash=document.data_hash, school_id=document.school_id, kind=document.kind,
                 variant=document.variant, mode=document.mode, year=document.year, term=document.term,
                 school_class=document.school_class, student=document.student, key=document.scope_key,
                 print_date=document.print_date, actor=actor, job=None, idempotency_key=f"signed:{document.pk}",
                 note=note)


# --- re-issues after a correction -----------------------------------------------------------------


def _reissued_terms(school_class: sm.SchoolClass, changed_term_id: int | None) -> list[sm.Term]:
    """The terms whose prints show data of ``changed_term_id``: term I's data is in term I's prints and in term
    II's (the year's book); term II's, and the year's own (None), only in term II's."""
    terms = list(sm.Term.objects.filter(year_id=school_class.year_id).order_by("number"))
    changed = next((term.number for term in terms if term.pk == changed_term_id), None)
    return [term for term in terms if term.number == 2 or changed == 1]


@transaction.atomic
def reissue_request(*, school_class_id: int, term_id: int | None, reason: str, actor_id: int) -> list[Reissue]:
    """A correction withdrew an approval of the class: its documents printed from the old data wait for re-issue.

    Called when gradebook.signals.results_reopened is heard (archive.receivers); ``term_id`` is the
    term whose data changed (None: a year-only change). One pending Reissue per term whose prints
    show that data and of which the class has printed documents; one already pending is kept, its
    ``requested_at`` moved to now (every document printed until this correction shows old data) and
    this reason added. Nothing archived changes.
    """
    school_class = sm.SchoolClass.objects.select_for_update().select_related("year").get(pk=school_class_id)
    terms = _reissued_terms(school_class, term_id)
    printed = set(ArchivedDocument.objects.filter(school_class=school_class, kind__in=PRINTED_KINDS,
                                                  term__in=terms).values_list("term_id", flat=True).distinct())
    pending = {reissue.term_id: reissue for reissue in Reissue.objects.select_for_update().filter(
        school_class=school_class, term__in=terms, done_at__isnull=True)}
    now, reason = timezone.now(), reason.strip() or _("Data corrected after the approval")
    marked = []
    for term in terms:
        if term.pk not in printed:
            continue
        reissue = pending.get(term.pk)
        if reissue is None:
            reissue = Reissue(school_id=school_class.year.school_id, school_class=school_class, term=term,
                              reason=reason[:255], requested_by_id=actor_id, requested_at=now)
            reissue.full_clean(exclude=["school", "school_class", "term", "requested_by"], validate_constraints=False)
            reissue.save()
        else:
            if reason not in reissue.reason:
                reissue.reason = f"{reissue.reason}; {reason}"[:255]
            reissue.requested_at = now
            reissue.save(update_fields=["reason", "requested_at"])
        marked.append(reissue)
    return marked


def _covered_terms(school_class: sm.SchoolClass, approved_term_id: int | None) -> list[int]:
    """The terms whose prints an approval lets out (gradebook.api.unlocked_classes): term I's approval term I's,
    the year's both; term II's alone none (term II's prints carry the year)."""
    if approved_term_id is None:
        return list(sm.Term.objects.filter(year_id=school_class.year_id).values_list("pk", flat=True))
    return list(sm.Term.objects.filter(pk=approved_term_id, number=1).values_list("pk", flat=True))


@transaction.atomic
def reissue_start(*, school_class_id: int, term_id: int | None, actor) -> list[RenderBatch]:
    """The principal approved the class again: re-print the documents its pending re-issues wait for.

    Called when gradebook.signals.results_approved is heard (archive.receivers), with the approval's
    term (None: the year). Each document of the class and term printed before the correction gets
    one new version, through a batch of its kind, variant and print mode (one job per document, so
    exactly those documents and no others): sealed as the next version of its scope, it supersedes
    the latest one; nothing archived changes. The approval, not the clerk's right, allows it, so the
    approving principal is recorded as who made them. The jobs are sent by archive.jobs, after the commit.
    """
    school_class = sm.SchoolClass.objects.select_for_update().select_related("year").get(pk=school_class_id)
    reissues = list(Reissue.objects.select_for_update().select_related("term").filter(
        school_class=school_class, term_id__in=_covered_terms(school_class, term_id), done_at__isnull=True)
        .order_by("term__number"))
    now = timezone.now()
    batches = []
    for reissue in reissues:
        batches.extend(_reissue_batches(reissue, school_class, actor))
        reissue.done_at = now
        reissue.save(update_fields=["done_at"])
    return batches


def _reissue_batches(reissue: Reissue, school_class: sm.SchoolClass, actor) -> list[RenderBatch]:
    printed = ArchivedDocument.objects.filter(school_class=school_class, term=reissue.term, kind__in=PRINTED_KINDS)
    stale = set(printed.filter(created_at__lte=reissue.requested_at).values_list("scope_key", flat=True))
    latest: dict[str, ArchivedDocument] = {}
    for document in printed.filter(scope_key__in=stale).order_by("version"):
        latest[document.scope_key] = document  # the last version of each scope: the one the new version supersedes
    groups: dict[tuple[str, str, str], list[ArchivedDocument]] = {}
    for document in sorted(latest.values(), key=lambda each: each.scope_key):
        groups.setdefault((document.kind, document.variant, document.mode), []).append(document)
    batches = []
    for (kind, variant, mode), documents in groups.items():
        batch = RenderBatch(
            school_id=reissue.school_id, year=school_class.year, term=reissue.term, kind=kind, variant=variant,
            mode=mode, scope_label=school_class.name, print_date=timezone.localdate(), requested_by=actor,
            reason=(_("Re-issued: %(reason)s") % {"reason": reissue.reason})[:255], total=len(documents),
            reissue=reissue,
        )
        batch.full_clean(exclude=["token"])
        batch.save()
        RenderJob.objects.bulk_create([
            RenderJob(batch=batch, school_class=school_class, student_id=document.student_id,
                      scope_key=document.scope_key) for document in documents])
        batches.append(batch)
    return batches


# --- snapshots -------------------------------------------------------------------------------------

SNAPSHOT_COLUMNS = ["class", "student_code", "full_name", "subject_code", "subject", "term", "column", "score",
                    "comment_result", "status", "version", "changed_at", "changed_by"]


def snapshot_csv(term: sm.Term, *, school_class_id: int | None = None) -> tuple[bytes, str]:
    """Every score of the school (or of one class) in ``term``, one row per slot, as CSV (UTF-8 with BOM, for
    Excel), and its data hash.

    The data hash covers the rows only, so two snapshots of unchanged scores share it.
    """
    buffer = io.StringIO()
    # RFC 4180 line ends: then a field holding a bare \r is quoted on every Python (3.12.1 quotes
    # only the characters of the line end, 3.13 always quotes \r).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SNAPSHOT_COLUMNS)
    header_length = buffer.tell()
    for row in api.snapshot_rows(term, school_class_id=school_class_id):
        writer.writerow([safe_cell(row.class_name), safe_cell(row.student_code), safe_cell(row.full_name),
                         safe_cell(row.subject_code), safe_cell(row.subject), term.number, row.column, row.value,
                         row.comment, row.status, row.version, row.changed_at, safe_cell(row.changed_by)])
    text = buffer.getvalue()
    data_hash = storage.sha256_bytes(text[header_length:].encode("utf-8"))
    return ("\ufeff" + text).encode("utf-8"), data_hash


@transaction.atomic
def snapshot_take(*, actor, term: sm.Term, key: str, mode: str = Mode.AD_HOC, note: str = "",
                  automatic: bool = False, school_class_id: int | None = None) -> ArchivedDocument:
    """Seal a CSV snapshot of the term's scores; ``key`` names the occasion, and a second call with it adds nothing.

    ``key``: "window:<id>" when an entry window closes (periodic), "request:<token>" on demand (ad
    hoc), a deadline's key (snapshots_due). ``automatic``: taken because a deadline came (a window
    closed, the book was locked, ...); whoever brought it (the admin board closing a window, the
    system user for the beat check) is recorded as its maker, and the deadline, not the clerk's
    right, is what allows it. ``school_class_id``: the scores of that class only (a results approval),
    a chain of versions of its own.
    """
    term = sm.Term.objects.select_related("year__school").get(pk=term.pk)
    if not automatic:
        require_run(actor, term)
    idempotency_key = f"snapshot:{key}"
    existing = ArchivedDocument.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    school_class = None
    if school_class_id is not None:
        school_class = sm.SchoolClass.objects.get(pk=school_class_id, year_id=term.year_id)
    content, data_hash = snapshot_csv(term, school_class_id=school_class_id)
    return _seal(content=content, suffix=".csv", content_type=CSV, pages=None, data_hash=data_hash,
                 school_id=term.year.school_id, kind=Kind.SNAPSHOT, variant="", mode=mode, year=term.year, term=term,
                 school_class=school_class, student=None,
                 key=scope_key(kind=Kind.SNAPSHOT, year_id=term.year_id, term_number=term.number,
                               class_id=school_class_id),
                 print_date=timezone.localdate(), actor=actor, job=None, idempotency_key=idempotency_key, note=note)


# --- snapshots at the deadlines (seed 002), by themselves ------------------------------------------

SEAL_ATTEMPTS = 3  # a lost race for a version number (another deadline of the same term sealed first) is retried


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def deadline_note(deadline: api.SnapshotDeadline) -> str:
    """What the archive list says a deadline's snapshot is of (in the school's language)."""
    if deadline.occasion == "window":
        return _("Entry window closed at %(time)s") % {"time": _moment(deadline.due_at)}
    if deadline.occasion == "midterm":
        # The deadline is the day before the moment it passed.
        day = timezone.localtime(deadline.due_at).date() - datetime.timedelta(days=1)
        return _("Mid-term entry deadline %(date)s passed") % {"date": day.strftime("%d/%m/%Y")}
    if deadline.occasion == "book_lock":
        return _("Score book locked at %(time)s") % {"time": _moment(deadline.due_at)}
    return _("Results of class %(class)s approved at %(time)s") % {"class": deadline.class_name,
                                                                   "time": _moment(deadline.due_at)}


def deadline_seal(*, deadline: api.SnapshotDeadline, actor) -> ArchivedDocument:
    """Seal the snapshot of one deadline, once: run twice, or by two workers at once, it seals one document.

    On PostgreSQL the loser of a race for the deadline's key waits for the winner's commit at the
    unique index, fails, and finds the winner's document; the loser of a race for the next version
    of the same term's chain (another deadline) seals again as the version after it.
    """
    term = sm.Term.objects.get(pk=deadline.term_id)
    for attempt in range(1, SEAL_ATTEMPTS + 1):
        try:
            return snapshot_take(actor=actor, term=term, key=deadline.key, mode=Mode.PERIODIC,
                                 note=deadline_note(deadline), automatic=True,
                                 school_class_id=deadline.school_class_id)
        except IntegrityError:
            existing = ArchivedDocument.objects.filter(idempotency_key=f"snapshot:{deadline.key}").first()
            if existing is not None:
                logger.info("deadline snapshot %s: sealed meanwhile by another run", deadline.key)
                return existing
            if attempt == SEAL_ATTEMPTS:
                raise
            logger.info("deadline snapshot %s: lost the race for the next version, attempt %s", deadline.key,
                        attempt + 1)
    raise AssertionError("unreachable")


def snapshots_due(*, now: datetime.datetime | None = None, actor=None) -> list[ArchivedDocument]:
    """Seal a snapshot of every deadline that has come by ``now`` and had none; returns their documents.

    Run every few minutes by Celery beat (archive.tasks.snapshots_due) and, in the embedded demo,
    by ``manage.py snapshots_due --every``. Nobody needs to be logged in: the deadlines (gradebook.api.
    snapshot_deadlines) allow it, and the system user is recorded as the maker. A deadline already
    sealed (by an earlier run, by the window's close button, by the approval's receiver) is skipped
    with one query per 500 deadlines; a snapshot is never replaced: each deadline is a new version.
    """
    now = now or timezone.now()
    deadlines = api.snapshot_deadlines(now=now)
    sealed_keys: set[str] = set()
    keys = [f"snapshot:{deadline.key}" for deadline in deadlines]
    for start in range(0, len(keys), 500):
        sealed_keys.update(ArchivedDocument.objects.filter(idempotency_key__in=keys[start:start + 500])
                           .values_list("idempotency_key", flat=True))
    sealed = []
    for deadline in deadlines:
        if f"snapshot:{deadline.key}" in sealed_keys:
            continue
        actor = actor or system_user()
        document = deadline_seal(deadline=deadline, actor=actor)
        sealed_keys.add(document.idempotency_key)
        sealed.append(document)
        logger.info("deadline snapshot %s: %s", deadline.key, document.file_name)
    return sealed


def approval_snapshots(*, approval_id: int, actor) -> list[ArchivedDocument]:
    """The snapshots of an approval of results, sealed as it is heard (gradebook.signals.results_approved)."""
    return [deadline_seal(deadline=deadline, actor=actor) for deadline in api.snapshot_deadlines_of_approval(
        approval_id)]


def snapshot_key(*, actor, term: sm.Term, token: str = "") -> str:
    """The key of an ad-hoc snapshot asked for now (the clerk's right is checked): "request:<token>"."""
    require_run(actor, term)
    return f"request:{token or uuid.uuid4().hex}"


# --- correction minutes --------------------------------------------------------------------------


def minutes_key(request_id: int, *, homeroom: bool = False) -> str:
    """The idempotency key of a correction request's sealed minutes: one document per request, ever
    ("minutes:<id>" for a score correction, "minutes:h<id>" for a homeroom correction)."""
    return f"minutes:h{request_id}" if homeroom else f"minutes:{request_id}"


def sealed_minutes(request_id: int, *, homeroom: bool = False) -> ArchivedDocument | None:
    return ArchivedDocument.objects.filter(idempotency_key=minutes_key(request_id, homeroom=homeroom)).first()


def minutes_seal(*, actor, request_id: int, homeroom: bool = False) -> ArchivedDocument | None:
    """Seal the minutes of an approved correction request (seed 000 art. 8.3); a second call adds nothing.

    Run when the decision is taken (gradebook.signals.correction_applied, or homeroom_correction_applied
    with ``homeroom``, through archive.jobs): the decision is what allows it, so no archive right is asked
    of ``actor`` (the deciding leader, recorded as the document's maker). None when the request is not
    approved (nothing to seal). The rendering runs outside any transaction; the row and the file are
    sealed in one.
    """
    existing = sealed_minutes(request_id, homeroom=homeroom)
    if existing is not None:
        return existing
    data = api.homeroom_correction_minutes(request_id) if homeroom else api.correction_minutes(request_id)
    if data is None:
        return None
    code = codes.new_code()
    rendered = rendering.correction_minutes(data, code=code)
    year = sm.SchoolYear.objects.get(pk=data.year_id)
    term = sm.Term.objects.get(pk=data.term_id)
    school_class = sm.SchoolClass.objects.get(pk=data.class_id)
    # One chain per request (not per class and term, as the printed forms): each minutes is its own document.
    key = scope_key(kind=Kind.CORRECTION_MINUTES, year_id=year.pk, term_number=term.number, class_id=school_class.pk)
    number = data.number or request_id
    if homeroom:
        note = _("Minutes no. %(number)s of homeroom correction request no. %(request)s") % {
            "number": number, "request": request_id}
    else:
        note = _("Minutes no. %(number)s of correction request no. %(request)s") % {"number": number,
                                                                                  "request": request_id}
    idempotency_key = minutes_key(request_id, homeroom=homeroom)
    try:
        with transaction.atomic():
            return _seal(content=rendered.content, suffix=".pdf", content_type=PDF, pages=rendered.pages,
                         data_hash=rendering.data_hash(data), school_id=data.school_id,
                         kind=Kind.CORRECTION_MINUTES, variant="", mode=Mode.AD_HOC, year=year, term=term,
                         school_class=school_class, student=None,
                         key=f"{key}:{'h' if homeroom else 'r'}{request_id}",
                         print_date=data.date or timezone.localdate(), actor=actor, job=None,
                         idempotency_key=idempotency_key, label=f"no{number}", note=note, code=code)
    except IntegrityError:  # another delivery of the task sealed them meanwhile
        existing = sealed_minutes(request_id, homeroom=homeroom)
        if existing is None:
            raise
        return existing


# --- revocation ------------------------------------------------------------------------------------


@transaction.atomic
def document_revoke(*, actor, document: ArchivedDocument, reason: str) -> Revocation:
    """The principal withdraws one version of a document, with a reason: a status, never a deletion.

    The archived file and row stay as they were sealed; the public verification page and the
    archive list say "revoked" from now on. A version is revoked once: a second time is refused.
    """
    require_revoke(actor, document)
    document = ArchivedDocument.objects.select_for_update().get(pk=document.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the document is revoked.")})
    if Revocation.objects.filter(document=document).exists():
        raise ValidationError({"reason": _("This version has been revoked already.")})
    revocation = Revocation(document=document, school_id=document.school_id, reason=reason[:255], revoked_by=actor,
                            revoked_at=timezone.now())
    revocation.full_clean(exclude=["document", "school", "revoked_by"], validate_constraints=False)
    revocation.save()
    logger.info("revoked %s v%s by %s: %s", document.scope_key, document.version, actor.get_username(), reason)
    return revocation
