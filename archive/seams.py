"""What the archive needs from issue 4 (entry windows, book locks, correction requests), in one place.

The archive asks three things through this module only, so that issue 4 plugs in here and
nowhere else:

1. ``book_locked(year, term_number)`` - may a periodic print run? (seed 000 art. 11, seed 003
   section 6.1: the principal locks the book after the term or the year, then the school prints.)
   Answered yes when EITHER the principal's book lock of that term exists (issue 4's
   ``gradebook.locks.book_locked(year, term_number)``, used when that module provides it) OR the
   principal has approved the results of every class for the period (gradebook.models.ResultApproval,
   which already freezes them): term I needs an approval of term I or of the year for every class,
   term II (the year-end print, which carries the year's results) an approval of the year.
   ``unlocked_classes`` names the classes still open, for the clerk's message.

2. ``approved_corrections(school_class, term_numbers)`` - the approved correction requests of a
   class, numbered in approval order: the ledger marks each corrected cell (old value struck
   through, the number of the correction) and lists them ("Danh sách các lần sửa điểm được duyệt").
   Only approved correction requests count: a score's history also holds the teacher's own
   re-entries before any lock, which are not corrections. One ``Correction`` per changed cell of
   each APPROVED CorrectionRequest of the class in those terms, ordered by ``decided_at`` (number =
   position, 1-based), with ``old_value``/``new_value`` as printed (gradebook.models.format_result),
   the request's reason, the requester's and the principal's names and the decision date.

3. When an entry window closes, the archive seals a snapshot of the term's scores (seed 002: a
   copy at every entry deadline, never overwriting an earlier file): ``window_closed(window=...,
   actor=...)`` is registered with issue 4's ``gradebook.locks.register_window_closed`` when that
   exists (archive.apps), and defers the snapshot to after the close's commit. Any other caller can
   use ``archive.services.snapshot_for_window_closed(term=..., window_key=..., actor=...)``.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from gradebook.models import ResultApproval
from schoolrecords import models as sm


def unlocked_classes(year: sm.SchoolYear, term_number: int) -> list[sm.SchoolClass]:
    """The classes of the year whose results are not yet approved for the period (two queries).

    Empty as soon as the principal has locked the whole book (issue 4).
    """
    if principal_book_lock(year, term_number):
        return []
    if term_number == 1:
        wanted = Q(term__number=1) | Q(term__isnull=True)
    else:
        wanted = Q(term__isnull=True)
    locked = set(
        ResultApproval.objects.filter(wanted, school_class__year=year).values_list("school_class_id", flat=True)
    )
    return [school_class for school_class in sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
            if school_class.pk not in locked]


def _issue4_locks():
    """gradebook.locks (issue 4) when it is there, else None."""
    try:
        from gradebook.windows import selectors as locks
    except ImportError:
        return None
    return locks


def principal_book_lock(year: sm.SchoolYear, term_number: int) -> bool:
    locks = _issue4_locks()
    check = getattr(locks, "book_locked", None)
    return bool(check and check(year, term_number))


def book_locked(year: sm.SchoolYear, term_number: int) -> bool:
    return principal_book_lock(year, term_number) or not unlocked_classes(year, term_number)


@dataclass(frozen=True)
class Correction:
    """One approved change of one score cell, as the printed ledger lists it."""

    number: int  # its number in the ledger's list, shown beside the corrected cell
    enrolment_id: int
    student_name: str
    subject_id: int
    subject_name: str
    term_number: int
    kind: str  # gradebook.models.Score.Kind
    index: int
    column_label: str  # ĐĐGtx2, ĐĐGgk …
    old_value: str  # as printed: "7", "6,5", "Đ"
    new_value: str
    reason: str
    requested_by: str
    approved_by: str
    approved_on: datetime.date

    @property
    def cell(self) -> tuple[int, int, int, str, int]:
        return (self.term_number, self.enrolment_id, self.subject_id, self.kind, self.index)


def approved_corrections(school_class: sm.SchoolClass, term_numbers: tuple[int, ...]) -> list[Correction]:
    """The approved corrections of the class's scores in those terms, in approval order (one query).

    Each changed cell of each APPROVED correction request (gradebook.models.CorrectionRequest) is one
    entry, numbered 1, 2, … as the ledger lists them beside the corrected cells.
    """
    from gradebook.models import CorrectionChange, CorrectionRequest, format_result

    changes = (
        CorrectionChange.objects.filter(
            request__school_class=school_class, request__term__number__in=term_numbers,
            request__status=CorrectionRequest.Status.APPROVED,
        )
        .select_related("request__subject", "request__term", "request__requested_by__profile",
                        "request__decided_by__profile", "enrolment__student")
        .order_by("request__decided_at", "request_id", "kind", "index", "enrolment__student__full_name")
    )
    return [
        Correction(
            number=number, enrolment_id=change.enrolment_id, student_name=change.enrolment.student.full_name,
            subject_id=change.request.subject_id, subject_name=change.request.subject.name,
            term_number=change.request.term.number, kind=change.kind, index=change.index,
            column_label=_column_label(change.kind, change.index),
            old_value=format_result(change.old_value, change.old_comment_passed),
            new_value=format_result(change.new_value, change.new_comment_passed),
            reason=change.request.reason, requested_by=_person(change.request.requested_by),
            approved_by=_person(change.request.decided_by),
            approved_on=timezone.localdate(change.request.decided_at),
        )
        for number, change in enumerate(changes, start=1)
    ]


def _column_label(kind: str, index: int) -> str:
    # The Ministry's abbreviations, printed the same in every language.
    return {"tx": f"ĐĐGtx{index}", "gk": "ĐĐGgk", "ck": "ĐĐGck"}.get(kind, kind)


def _person(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return profile.full_name if profile else (user.get_username() if user is not None else "")


def window_closed(*, window, actor=None) -> None:
    """Issue 4 calls this when an entry window closes (inside the close's transaction): snapshot the term."""
    from . import services

    locks = _issue4_locks()
    naming = getattr(locks, "window_key", None)
    key = naming(window) if naming else f"{window.pk}:{window.closes_at:%Y%m%dT%H%M%S}"
    services.snapshot_for_window_closed(term=window.term, window_key=key, actor=actor)
