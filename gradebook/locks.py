"""Entry windows and locks: when scores may be written, and the services that open, close and lock.

The rules (DESIGN.md "Entry windows, locks and corrections"; seed 000 art. 8, seed 003 §5, seed 004):

* A window *covers* a cell when it is of the cell's term and each of its scope fields is empty or
  equal to the cell's: ``kind`` (column kind), ``grade``, ``school_class``, ``subject``.
* A window is *open now* when its state is open and ``opens_at <= now < closes_at`` (no
  ``closes_at``: no end).
* A cell's column is open when **no window covers it, or at least one covering window is open
  now**. So a term with no window at all is open: entry is continuous by default, as the
  province asks (seed 004: no single monthly window). Several windows never narrow each
  other: any open one opens what it covers. Closing a window sets its state to closed and its
  ``closes_at`` to now (when it was later or empty); reopening sets it open again with a new
  (or no) ``closes_at``.
* The principal's *book lock* of a term locks every score of the term, in every class.
* A teacher's *column lock* locks one column (kind, index) of their class's subject and term;
  the admin board lifts it, with a reason.

What a save meets (gradebook.permissions.check_writable, gradebook.services.scores_save):
a book lock, or windows that close every column kind of the grid, refuse the whole save with
PermissionDenied (403, nothing written); windows closing only some column kinds and column locks
refuse the cells of those columns one by one, as the grid's per-cell outcomes.

Concurrency: every score save passes its term's *gate* shared, until its transaction ends
(``pass_term_gate``), before it reads the approvals, windows and locks. Whatever changes what a
save may write passes the same gate alone: creating, closing or reopening a window, a column
lock, the principal's book lock, the approval of a class's results
(gradebook.results_services.results_approve). Saves (a whole school's, in the deadline rush)
therefore do not wait for each other, while a save racing any of those changes either commits
before it does, or waits for it and then reads the new state and is refused: never a save after
a close or a lock. The state is read in two queries whatever the grid's size: windows, locks.

When a window closes, ``on_window_closed`` hands the event to the archive's registered callback
(a snapshot of the scores at the deadline, seed 002), see ``register_window_closed``.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import OtherSchool, has_role, require, same_school
from schoolrecords.services import record

from .models import EntryWindow, Score, ScoreLock, TermSchedule, column_label

SETUP = "schoolrecords.manage_school_setup"
TEACH = "schoolrecords.teach_assignment"

BOOK_LOCKED_MESSAGE = gettext_lazy("The principal has locked the score book of this term: scores can no longer "
                                   "be changed. File a correction request instead.")
WINDOW_CLOSED_MESSAGE = gettext_lazy("Score entry is closed for this class and subject in this term. "
                                     "File a correction request instead.")
COLUMN_WINDOW_CLOSED_MESSAGE = gettext_lazy("Score entry is closed for this column. File a correction request "
                                            "instead.")
COLUMN_LOCKED_MESSAGE = gettext_lazy("This column is locked. File a correction request instead.")

ALL_KINDS = frozenset(Score.Kind.values)


# --- the state a write meets ---------------------------------------------------------------------


@dataclass(frozen=True)
class WriteState:
    """What windows and locks allow in one class's subject and term, at one moment."""

    book_locked: bool = False
    closed_kinds: frozenset[str] = frozenset()  # column kinds no open window covers (while one covers them)
    locked_columns: frozenset[tuple[str, int]] = frozenset()  # (kind, index) locked by the teacher
    column_locks: dict = field(default_factory=dict)  # (kind, index) -> ScoreLock, for the unlock buttons

    @property
    def all_closed(self) -> bool:
        return self.closed_kinds >= ALL_KINDS

    @property
    def whole_refusal(self) -> str:
        """The message refusing a whole save, or "" when some cells may still be written."""
        if self.book_locked:
            return str(BOOK_LOCKED_MESSAGE)
        if self.all_closed:
            return str(WINDOW_CLOSED_MESSAGE)
        return ""

    def cell_refusal(self, kind: str, index: int) -> str:
        """Why a cell of this column may not be written, or "" when it may."""
        if self.whole_refusal:
            return self.whole_refusal
        if kind in self.closed_kinds:
            return str(COLUMN_WINDOW_CLOSED_MESSAGE)
        if (kind, index) in self.locked_columns:
            return str(COLUMN_LOCKED_MESSAGE)
        return ""

    def is_locked(self, kind: str, index: int) -> bool:
        return bool(self.cell_refusal(kind, index))


class EntryClosed(PermissionDenied):
    """The whole save is refused by a book lock or closed windows; ``state`` says which columns are locked."""

    def __init__(self, state: WriteState):
        super().__init__(state.whole_refusal)
        self.state = state


def write_state(assignment: sm.TeachingAssignment, term: sm.Term, *,
                now: datetime.datetime | None = None) -> WriteState:
    """The windows and locks of the assignment's class and subject in ``term`` (two queries).

    A save reads it after passing the term's gate (``pass_term_gate``), so no change of the
    windows or locks can commit between this read and the save's commit.
    """
    now = now or timezone.now()
    windows = EntryWindow.objects.filter(
        Q(grade__isnull=True) | Q(grade=assignment.school_class.grade),
        Q(school_class__isnull=True) | Q(school_class_id=assignment.school_class_id),
        Q(subject__isnull=True) | Q(subject_id=assignment.subject_id),
        term_id=term.pk,
    ).order_by("pk")
    windows = list(windows)
    closed = set()
    for kind in ALL_KINDS:
        covering = [window for window in windows if not window.kind or window.kind == kind]
        if covering and not any(window.is_open_at(now) for window in covering):
            closed.add(kind)
    locks = list(ScoreLock.objects.filter(
        Q(school_class__isnull=True) | Q(school_class_id=assignment.school_class_id, subject_id=assignment.subject_id),
        term_id=term.pk, unlocked_at__isnull=True,
    ).order_by())
    column_locks = {(lock.kind, lock.index): lock for lock in locks if not lock.is_book_lock}
    return WriteState(book_locked=any(lock.is_book_lock for lock in locks), closed_kinds=frozenset(closed),
                      locked_columns=frozenset(column_locks), column_locks=column_locks)


# The first key of gradebook's advisory locks on PostgreSQL; the term's id is the second.
_GATE_NAMESPACE = 7201


def pass_term_gate(term_id: int, *, exclusive: bool = False) -> None:
    """Hold the term's gate until the transaction ends: shared for a score save, alone for a change of the rules.

    On PostgreSQL a transaction-level advisory lock: shared holders write nothing, where a
    ``FOR SHARE`` row lock taken by many saves at once rewrites the row's list of lockers each
    time. It is a statement of its own, so the save's next reads see what a change it waited for
    committed. Elsewhere, the term's row locked for update (SQLite serialises writers anyway).
    """
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [_GATE_NAMESPACE, term_id])
    else:
        sm.Term.objects.select_for_update().filter(pk=term_id).exists()


# --- the archive's hook ----------------------------------------------------------------------------

WindowClosedCallback = Callable[..., None]
_window_closed_callbacks: list[WindowClosedCallback] = []


def register_window_closed(callback: WindowClosedCallback) -> WindowClosedCallback:
    """Register ``callback(window=..., actor=...)``, called when a window closes (inside its transaction).

    The archive registers its snapshot here (once, in its AppConfig.ready); registering the same
    callback twice has no effect. Returns the callback, so it can be used as a decorator.
    """
    if callback not in _window_closed_callbacks:
        _window_closed_callbacks.append(callback)
    return callback


def unregister_window_closed(callback: WindowClosedCallback) -> None:
    if callback in _window_closed_callbacks:
        _window_closed_callbacks.remove(callback)


def window_key(window: EntryWindow) -> str:
    """Names one closing of a window: the same close reported twice yields one snapshot."""
    closed = window.closes_at or timezone.now()
    return f"{window.pk}:{closed:%Y%m%dT%H%M%S}"


def on_window_closed(window: EntryWindow, actor) -> None:
    """Hand the closing of ``window`` to the archive (a snapshot of the scores it covers).

    Until the archive registers its callback, nothing happens. The callback runs inside the
    close's transaction; the archive defers its own work to after the commit.
    """
    for callback in _window_closed_callbacks:
        callback(window=window, actor=actor)


# --- windows (the admin board) -----------------------------------------------------------------------


def _lock_term(term: sm.Term) -> sm.Term:
    """The term, its row locked, and its gate held alone: the saves in progress finish first."""
    locked = sm.Term.objects.select_for_update().select_related("year").get(pk=term.pk)
    pass_term_gate(locked.pk, exclusive=True)
    return locked


def _check_scope(term: sm.Term, school_class: sm.SchoolClass | None, subject: sm.Subject | None) -> None:
    if school_class is not None and school_class.year_id != term.year_id:
        raise ValidationError({"school_class": _("This class is not of the term's school year.")})
    if subject is not None and subject.school_id != term.year.school_id:
        raise ValidationError({"subject": _("Unknown subject.")})


@transaction.atomic
def window_create(*, actor, term: sm.Term, opens_at: datetime.datetime, closes_at: datetime.datetime | None = None,
                  kind: str = "", grade: int | None = None, school_class: sm.SchoolClass | None = None,
                  subject: sm.Subject | None = None, note: str = "", reason: str = "") -> EntryWindow:
    """The admin board creates a window (open; it covers from ``opens_at`` to ``closes_at``)."""
    term = _lock_term(term)
    require(actor, SETUP, term)
    _check_scope(term, school_class, subject)
    window = EntryWindow(term=term, kind=kind, grade=grade, school_class=school_class, subject=subject,
                         opens_at=opens_at, closes_at=closes_at, note=note, created_by=actor)
    return record(window, actor=actor, reason=reason or _("Entry window created"))


def _window_for_update(window: EntryWindow) -> EntryWindow:
    """The window, its row locked, and its term's gate held alone: the saves in progress finish first."""
    locked = EntryWindow.objects.select_for_update(of=("self",)).select_related("term__year").get(pk=window.pk)
    pass_term_gate(locked.term_id, exclusive=True)
    return locked


@transaction.atomic
def window_close(*, actor, window: EntryWindow, reason: str = "") -> EntryWindow:
    """Close a window now; its scores go to the archive's snapshot. Closing a closed window changes nothing."""
    window = _window_for_update(window)
    require(actor, SETUP, window.term)
    now = timezone.now()
    if window.state == EntryWindow.State.CLOSED:
        return window
    window.state = EntryWindow.State.CLOSED
    fields = ["state"]
    if window.closes_at is None or window.closes_at > now:
        # A window that has not opened yet closes at its opening (the constraint wants closes > opens).
        window.closes_at = max(now, window.opens_at + datetime.timedelta(seconds=1))
        fields.append("closes_at")
    record(window, actor=actor, reason=reason or _("Entry window closed"), update_fields=fields)
    on_window_closed(window, actor)
    return window


@transaction.atomic
def window_reopen(*, actor, window: EntryWindow, closes_at: datetime.datetime | None = None,
                  reason: str = "") -> EntryWindow:
    """Open a window again from now, until ``closes_at`` (or with no end)."""
    window = _window_for_update(window)
    require(actor, SETUP, window.term)
    now = timezone.now()
    if closes_at is not None and closes_at <= now:
        raise ValidationError({"closes_at": _("The new closing time must be in the future.")})
    window.state = EntryWindow.State.OPEN
    window.opens_at = min(window.opens_at, now)
    window.closes_at = closes_at
    return record(window, actor=actor, reason=reason or _("Entry window reopened"),
                  update_fields=["state", "opens_at", "closes_at"])


# --- locks ------------------------------------------------------------------------------------------


def _check_column(assignment: sm.TeachingAssignment, kind: str, index: int) -> None:
    from .selectors import regular_required  # the selectors import this module's policy

    if kind not in Score.Kind.values or (kind != Score.Kind.REGULAR and index != 1):
        raise ValidationError(_("Unknown column."))
    if kind == Score.Kind.REGULAR and not 1 <= index <= regular_required(assignment):
        raise ValidationError(_("Unknown column."))


@transaction.atomic
def column_lock(*, actor, assignment: sm.TeachingAssignment, term: sm.Term, kind: str, index: int = 1,
                reason: str = "") -> ScoreLock:
    """The assigned teacher locks one of their columns when it is complete ("khóa điểm")."""
    from .selectors import assignment_for_scores, check_term

    assignment = assignment_for_scores(assignment)
    check_term(assignment, term)
    require(actor, TEACH, assignment)
    _check_column(assignment, kind, index)
    term = _lock_term(term)
    existing = ScoreLock.objects.filter(term=term, school_class_id=assignment.school_class_id,
                                        subject_id=assignment.subject_id, kind=kind, index=index,
                                        unlocked_at__isnull=True).first()
    if existing is not None:
        return existing
    lock = ScoreLock(term=term, school_class_id=assignment.school_class_id, subject_id=assignment.subject_id,
                     kind=kind, index=index, locked_by=actor, reason=reason)
    return record(lock, actor=actor, reason=reason or _("Column %(column)s locked") % {
        "column": column_label(kind, index)})


@transaction.atomic
def lock_lift(*, actor, lock: ScoreLock, reason: str) -> ScoreLock:
    """Lift a lock, with a reason: the admin board a column lock, the principal a book lock."""
    lock = ScoreLock.objects.select_for_update().select_related("term__year").get(pk=lock.pk)
    if lock.is_book_lock:
        _require_principal(actor, lock.term)
    else:
        require(actor, SETUP, lock.term)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for unlocking.")})
    if not lock.is_active:
        return lock
    lock.unlocked_by, lock.unlocked_at, lock.unlock_reason = actor, timezone.now(), reason.strip()
    return record(lock, actor=actor, reason=reason.strip(), update_fields=["unlocked_by", "unlocked_at",
                                                                           "unlock_reason"])


def _require_principal(actor, obj) -> None:
    if actor.is_authenticated and not same_school(actor, obj):
        raise OtherSchool(actor, "principal", obj)
    if not (actor.is_active and (actor.is_superuser or has_role(actor, roles.PRINCIPAL))):
        raise PermissionDenied(_("Only the principal may do this."))


@transaction.atomic
def book_lock(*, actor, term: sm.Term, reason: str = "") -> ScoreLock:
    """The principal locks the whole score book of a term at its end (seed 000 art. 8.4)."""
    term = _lock_term(term)
    _require_principal(actor, term)
    existing = ScoreLock.objects.filter(term=term, school_class__isnull=True, unlocked_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return record(ScoreLock(term=term, locked_by=actor, reason=reason), actor=actor,
                          reason=reason or _("Score book locked"))
    except IntegrityError:  # locked meanwhile by another request
        return ScoreLock.objects.get(term=term, school_class__isnull=True, unlocked_at__isnull=True)


def book_lock_of(term: sm.Term) -> ScoreLock | None:
    return ScoreLock.objects.filter(term=term, school_class__isnull=True, unlocked_at__isnull=True).first()


def book_locked(year: sm.SchoolYear, term_number: int) -> bool:
    """For the archive's periodic prints: has the principal locked the book of that term?"""
    return ScoreLock.objects.filter(term__year=year, term__number=term_number, school_class__isnull=True,
                                    unlocked_at__isnull=True).exists()


# --- deadlines (per school, per term) ----------------------------------------------------------------


@transaction.atomic
def schedule_save(*, actor, term: sm.Term, midterm_test_on: datetime.date | None,
                  final_test_on: datetime.date | None, midterm_entry_days: int = 14,
                  regular_correction_days: int = 7, reason: str = "") -> TermSchedule:
    """The admin board sets a term's test dates and the school's deadlines around them."""
    term = _lock_term(term)
    require(actor, SETUP, term)
    schedule = TermSchedule.objects.filter(term=term).first() or TermSchedule(term=term)
    schedule.midterm_test_on, schedule.final_test_on = midterm_test_on, final_test_on
    schedule.midterm_entry_days, schedule.regular_correction_days = midterm_entry_days, regular_correction_days
    schedule.updated_by, schedule.updated_at = actor, timezone.now()
    if midterm_test_on and final_test_on and final_test_on <= midterm_test_on:
        raise ValidationError({"final_test_on": _("The end-of-term test comes after the mid-term test.")})
    return record(schedule, actor=actor, reason=reason or _("Test dates and deadlines set"))


def midterm_entry_deadline(schedule: TermSchedule | None) -> datetime.date | None:
    if schedule is None or schedule.midterm_test_on is None:
        return None
    return schedule.midterm_test_on + datetime.timedelta(days=schedule.midterm_entry_days)


def regular_correction_deadline(schedule: TermSchedule | None) -> datetime.date | None:
    """The last day a regular score may be corrected (seed 000 art. 8.6: 1 week before the end-of-term test)."""
    if schedule is None or schedule.final_test_on is None:
        return None
    return schedule.final_test_on - datetime.timedelta(days=schedule.regular_correction_days)
