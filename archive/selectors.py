"""Reads of the archive for its pages and commands: documents, batches, the lock state, file checks.

Lookups by id go through the actor's school (another school's row is a 404) and check
archive.permissions; lists run a constant number of queries whatever their length.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404

from gradebook import api
from schoolrecords import models as sm
from schoolrecords.permissions import found_or_hidden, user_school

from . import storage
from .models import PRINTED_KINDS, ArchivedDocument, Reissue, RenderBatch, RenderJob
from .permissions import require_read, require_revoke, require_run


def _school(actor) -> sm.School | None:
    return user_school(actor)


def _scoped(queryset: QuerySet, actor) -> QuerySet:
    if actor.is_superuser:
        return queryset
    school = _school(actor)
    return queryset.filter(school=school) if school is not None else queryset.none()


def documents(*, actor, year: sm.SchoolYear, school_class: sm.SchoolClass | None = None,
              kind: str | None = None) -> QuerySet[ArchivedDocument]:
    """The year's archived documents (every version), newest first, with what the list shows.

    ``reissue_pending``: printed before a correction changed its data, and not yet printed again
    (archive.models.Reissue); ``superseded_by``: the version that replaced it, if any.
    """
    require_read(actor, year)
    stale = Reissue.objects.filter(school_class=OuterRef("school_class"), term=OuterRef("term"),
                                   done_at__isnull=True, requested_at__gte=OuterRef("created_at"))
    queryset = (ArchivedDocument.objects.filter(year=year)
                .select_related("term", "school_class", "student", "created_by__profile", "supersedes",
                                "superseded_by", "revocation")
                # Only printed forms are re-issued: a snapshot or a correction's minutes stays what it was.
                .annotate(reissue_pending=ExpressionWrapper(Q(Exists(stale)) & Q(kind__in=PRINTED_KINDS),
                                                      output_field=BooleanField())))
    if school_class is not None:
        queryset = queryset.filter(school_class=school_class)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-created_at", "-pk")


def pending_reissues(*, actor, year: sm.SchoolYear) -> list[Reissue]:
    """The year's classes and terms whose documents wait for their re-issue (one query)."""
    require_read(actor, year)
    return list(Reissue.objects.filter(school_class__year=year, done_at__isnull=True)
                .select_related("school_class", "term", "requested_by__profile")
                .order_by("school_class__grade", "school_class__name", "term__number"))


def document_for(*, actor, pk: int) -> ArchivedDocument:
    document = found_or_hidden(_scoped(ArchivedDocument.objects.select_related("year", "school_class"), actor),
                               actor, "archive", pk=pk)
    require_read(actor, document)
    return document


def document_to_revoke(*, actor, pk: int) -> ArchivedDocument:
    """A document of the principal's school, for the revocation page (another school's: 404; not the principal: 403)."""
    document = found_or_hidden(_scoped(ArchivedDocument.objects.select_related(
        "year", "term", "school_class", "student", "revocation"), actor), actor, "archive", pk=pk)
    require_revoke(actor, document)
    return document


def recent_batches(*, actor, limit: int = 10) -> list[RenderBatch]:
    require_read(actor)
    return list(_scoped(RenderBatch.objects.select_related("term", "year", "requested_by__profile"), actor)
                .order_by("-created_at", "-pk")[:limit])


def batch_for(*, actor, pk: int) -> RenderBatch:
    batch = found_or_hidden(_scoped(RenderBatch.objects.select_related("term", "year", "requested_by__profile"),
                                    actor), actor, "archive", pk=pk)
    require_read(actor, batch)
    return batch


def batch_failures(batch: RenderBatch) -> list[RenderJob]:
    """The batch's failed jobs, and those that are being retried after an error."""
    return list(batch.jobs.exclude(error="").select_related("school_class", "student").order_by("pk"))


def batch_documents(batch: RenderBatch) -> QuerySet[ArchivedDocument]:
    return ArchivedDocument.objects.filter(job__batch=batch).select_related("school_class", "student") \
        .order_by("school_class__grade", "school_class__name", "student__full_name", "pk")


def class_for(*, actor, pk: int, run: bool = False) -> sm.SchoolClass:
    school_class = sm.SchoolClass.objects.select_related("year").filter(pk=pk).first()
    if school_class is None:
        raise Http404
    (require_run if run else require_read)(actor, school_class)
    return school_class


def year_for(*, actor, pk: int | None, run: bool = False) -> sm.SchoolYear:
    """The year asked for in the actor's school, else the current one (404 when there is none)."""
    from schoolrecords.selectors import current_year

    school = _school(actor)
    if pk is not None:
        year = sm.SchoolYear.objects.filter(pk=pk).select_related("school").first()
    else:
        year = current_year(school)
    if year is None:
        raise Http404
    (require_run if run else require_read)(actor, year)
    return year


@dataclass(frozen=True)
class LockState:
    term_number: int
    locked: bool
    waiting: list[sm.SchoolClass]


def lock_states(year: sm.SchoolYear) -> list[LockState]:
    """Whether a periodic print is allowed now, per term (gradebook.api.book_locked)."""
    states = []
    for number in (1, 2):
        waiting = api.unlocked_classes(year, number)
        states.append(LockState(term_number=number, locked=not waiting, waiting=waiting))
    return states


# --- checking the files against their hashes -------------------------------------------------------


@dataclass(frozen=True)
class Check:
    document: ArchivedDocument
    status: str  # "ok", "missing", "changed"
    actual_sha256: str = ""
    actual_size: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def check(document: ArchivedDocument) -> Check:
    found = storage.digest(document.path)
    if found is None:
        return Check(document, "missing")
    actual, size = found
    if actual != document.sha256 or size != document.size:
        return Check(document, "changed", actual, size)
    return Check(document, "ok", actual, size)


def verify_documents(queryset: QuerySet[ArchivedDocument] | None = None) -> Iterator[Check]:
    """Every archived document's file checked against its SHA-256 and size, in the order they were sealed."""
    queryset = queryset if queryset is not None else ArchivedDocument.objects.all()
    for document in queryset.order_by("pk").iterator(chunk_size=500):
        yield check(document)


def unlisted_files() -> list[str]:
    """Files under the archive root that no archived document names, as paths relative to the root.

    A worker killed between storing a file and sealing its row leaves one (the next delivery seals
    the same bytes, so nothing is lost); anything else there was put by hand and deserves a look.
    """
    listed = set(ArchivedDocument.objects.values_list("path", flat=True).iterator(chunk_size=2000))
    return sorted(path for path in storage.paths() if path not in listed)
