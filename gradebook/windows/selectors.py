"""Reads of entry windows, locks and the term's deadlines: what they allow now, and when things fall due."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from gradebook.models import EntryWindow, Exemption, Score, ScoreLock, TermSchedule
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
    return columns_from(*columns_rows(assignment, term), now=now)


def columns_rows(assignment: sm.TeachingAssignment, term: sm.Term) -> tuple[list[EntryWindow], list[ScoreLock]]:
    """The windows covering the assignment's class and subject in ``term`` and its active locks (two queries):
    what ``columns_from`` decides on, and what a save keeps in the cache under the term's rules version."""
    windows = list(EntryWindow.objects.filter(
        Q(grade__isnull=True) | Q(grade=assignment.school_class.grade),
        Q(school_class__isnull=True) | Q(school_class_id=assignment.school_class_id),
        Q(subject__isnull=True) | Q(subject_id=assignment.subject_id),
        term_id=term.pk,
    ).order_by("pk"))
    locks = list(ScoreLock.objects.filter(
        Q(school_class__isnull=True) | Q(school_class_id=assignment.school_class_id, subject_id=assignment.subject_id),
        term_id=term.pk, unlocked_at__isnull=True,
    ).order_by())
    return windows, locks


def columns_from(windows: list[EntryWindow], locks: list[ScoreLock], *,
                 now: datetime.datetime | None = None) -> tuple[Columns, dict]:
    """``columns_state`` over rows already read (no query): whether a window is open depends on ``now``."""
    now = now or timezone.now()
    closed = set()
    for kind in slots.KINDS:
        covering = [window for window in windows if not window.kind or window.kind == kind]
        if covering and not any(window.is_open_at(now) for window in covering):
            closed.add(kind)
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


@dataclass(frozen=True)
class ColumnFill:
    """How many cells one column of a class's subject has in a term, and how many of them are still empty."""

    cells: int
    empty: int


def column_fill(assignment: sm.TeachingAssignment, term: sm.Term, *, kind: str, index: int) -> ColumnFill:
    """The cells of column (kind, index) and the empty ones, for the lock's confirmation (one query).

    A cell is a student's who was in the class during part of the term and is not exempt from the
    subject; a mid- or end-of-term cell also needs them still in the class on that test's date
    (gradebook.rules.entry.student_has_cell, as the grid shows it).
    """
    filled = Score.objects.filter(enrolment=OuterRef("pk"), subject_id=assignment.subject_id, term_id=term.pk,
                                  kind=kind, index=index).filter(Q(value__isnull=False) | Q(comment_passed__isnull=False))
    exempt = Exemption.objects.filter(Q(term_id=term.pk) | Q(term__isnull=True), enrolment=OuterRef("pk"),
                                      subject_id=assignment.subject_id)
    rows = (sm.Enrolment.objects.filter(school_class_id=assignment.school_class_id, start_date__lte=term.end_date)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=term.start_date)).exclude(Exists(exempt)))
    test_day = {slots.MIDTERM: "midterm_test_on", slots.FINAL: "final_test_on"}.get(kind)
    if test_day:
        rows = rows.exclude(Exists(TermSchedule.objects.filter(term_id=term.pk, **{f"{test_day}__gt": OuterRef(
            "end_date")})))
    counts = rows.order_by().aggregate(cells=Count("pk"), empty=Count("pk", filter=~Exists(filled)))
    return ColumnFill(cells=counts["cells"], empty=counts["empty"])
