"""Reads of entry windows, locks and the term's deadlines: what they allow now, and when things fall due."""

import datetime

from django.db.models import Q
from django.utils import timezone

from gradebook.models import EntryWindow, ScoreLock, TermSchedule
from gradebook.rules import slots
from gradebook.rules.entry import Columns
from schoolrecords import models as sm


def columns_state(assignment: sm.TeachingAssignment, term: sm.Term, *,
                  now: datetime.datetime | None = None) -> tuple[Columns, dict]:
    """The windows and locks of the assignment's class and subject in ``term`` (two queries).

    A window *covers* a cell when it is of the cell's term and each of its scope fields is empty or
    equal to the cell's (column kind, grade, class, subject). A column kind is closed when windows
    cover it and none of them is open now; a term with no window at all is open (entry is
    continuous by default, seed 004). Returns the rule's ``Columns`` and the active column locks by
    (kind, index), for the unlock buttons. A save reads it after passing the term's gate.
    """
    now = now or timezone.now()
    windows = list(EntryWindow.objects.filter(
        Q(grade__isnull=True) | Q(grade=assignment.school_class.grade),
        Q(school_class__isnull=True) | Q(school_class_id=assignment.school_class_id),
        Q(subject__isnull=True) | Q(subject_id=assignment.subject_id),
        term_id=term.pk,
    ).order_by("pk"))
    closed = set()
    for kind in slots.KINDS:
        covering = [window for window in windows if not window.kind or window.kind == kind]
        if covering and not any(window.is_open_at(now) for window in covering):
            closed.add(kind)
    locks = list(ScoreLock.objects.filter(
        Q(school_class__isnull=True) | Q(school_class_id=assignment.school_class_id, subject_id=assignment.subject_id),
        term_id=term.pk, unlocked_at__isnull=True,
    ).order_by())
    column_locks = {(lock.kind, lock.index): lock for lock in locks if not lock.is_book_lock}
    columns = Columns(book_locked=any(lock.is_book_lock for lock in locks), closed_kinds=frozenset(closed),
                      locked_columns=frozenset(column_locks))
    return columns, column_locks


def book_lock_of(term: sm.Term) -> ScoreLock | None:
    return ScoreLock.objects.filter(term=term, school_class__isnull=True, unlocked_at__isnull=True).first()


def book_locked(year: sm.SchoolYear, term_number: int) -> bool:
    """For the archive's periodic prints: has the principal locked the book of that term?"""
    return ScoreLock.objects.filter(term__year=year, term__number=term_number, school_class__isnull=True,
                                    unlocked_at__isnull=True).exists()


def window_key(window: EntryWindow) -> str:
    """Names one closing of a window: the same close reported twice yields one snapshot."""
    closed = window.closes_at or timezone.now()
    return f"{window.pk}:{closed:%Y%m%dT%H%M%S}"


def schedule_of(term: sm.Term) -> TermSchedule | None:
    return TermSchedule.objects.filter(term=term).first()


def midterm_entry_deadline(schedule: TermSchedule | None) -> datetime.date | None:
    if schedule is None or schedule.midterm_test_on is None:
        return None
    return schedule.midterm_test_on + datetime.timedelta(days=schedule.midterm_entry_days)


def regular_correction_deadline(schedule: TermSchedule | None) -> datetime.date | None:
    """The last day a regular score may be corrected (seed 000 art. 8.6: 1 week before the end-of-term test)."""
    if schedule is None or schedule.final_test_on is None:
        return None
    return schedule.final_test_on - datetime.timedelta(days=schedule.regular_correction_days)
