"""Entry windows, locks and the term's schedule: the services of the admin board, the teacher and the principal.

The rules (docs/assessment.md "Entry windows and locks"; seed 000 art. 8, seed 003 §5, seed 004):

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

What a save meets is the entry rule's answer (gradebook.rules.entry, with the facts of
gradebook.entry). Every change here passes the term's gate alone (gradebook.gate), so the saves
in progress finish first and the saves after it read the change.

When a window closes, gradebook.signals.window_closed is sent after the commit: the archive
seals a snapshot of the scores at the deadline (seed 002).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import gate, lookups, policy, signals
from gradebook.models import EntrySettings, EntryWindow, ScoreLock, TermSchedule, column_label
from gradebook.rules import slots
from gradebook.windows.selectors import window_key
from schoolrecords import models as sm
from schoolrecords.services import record

MAX_TEST_CORRECTION_DAYS = 60  # the model's check constraint (entry_settings_days_plausible)
MAX_REASON = 255  # what a history row's change reason holds
# --- windows (the admin board) -----------------------------------------------------------------------


def _lock_term(term: sm.Term) -> sm.Term:
    """The term, its row locked, and its gate held alone: the saves in progress finish first."""
    locked = sm.Term.objects.select_for_update().select_related("year").get(pk=term.pk)
    gate.pass_term_gate(locked.pk, exclusive=True)
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
    policy.require_setup(actor, term)
    _check_scope(term, school_class, subject)
    window = EntryWindow(term=term, kind=kind, grade=grade, school_class=school_class, subject=subject,
                         opens_at=opens_at, closes_at=closes_at, note=note, created_by=actor)
    return record(window, actor=actor, reason=reason or _("Entry window created"))


def _window_for_update(window: EntryWindow) -> EntryWindow:
    """The window, its row locked, and its term's gate held alone: the saves in progress finish first."""
    locked = EntryWindow.objects.select_for_update(of=("self",)).select_related("term__year").get(pk=window.pk)
    gate.pass_term_gate(locked.term_id, exclusive=True)
    return locked


@transaction.atomic
def window_close(*, actor, window: EntryWindow, reason: str = "") -> EntryWindow:
    """Close a window now; its scores go to the archive's snapshot. Closing a closed window changes nothing."""
    window = _window_for_update(window)
    policy.require_setup(actor, window.term)
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
    signals.send_on_commit(signals.window_closed, window_id=window.pk, term_id=window.term_id, key=window_key(window),
                           actor_id=actor.pk)
    return window


@transaction.atomic
def window_reopen(*, actor, window: EntryWindow, closes_at: datetime.datetime | None = None,
                  reason: str = "") -> EntryWindow:
    """Open a window again from now, until ``closes_at`` (or with no end)."""
    window = _window_for_update(window)
    policy.require_setup(actor, window.term)
    now = timezone.now()
    if closes_at is not None and closes_at <= now:
        raise ValidationError({"closes_at": _("The new closing time must be in the future.")})
    window.state = EntryWindow.State.OPEN
    window.opens_at = min(window.opens_at, now)
    window.closes_at = closes_at
    return record(window, actor=actor, reason=reason or _("Entry window reopened"),
                  update_fields=["state", "opens_at", "closes_at"])


# --- locks ------------------------------------------------------------------------------------------


def check_column(assignment: sm.TeachingAssignment, kind: str, index: int) -> None:
    """ValidationError unless (kind, index) is one of the assignment's columns."""
    if not slots.is_column(kind, index) or (kind == slots.REGULAR and index > lookups.regular_required(assignment)):
        raise ValidationError(_("Unknown column."))


@transaction.atomic
def column_lock(*, actor, assignment: sm.TeachingAssignment, term: sm.Term, kind: str, index: int = 1,
                reason: str = "") -> ScoreLock:
    """The assigned teacher locks one of their columns when it is complete ("khóa điểm")."""
    assignment = lookups.assignment_for_scores(assignment)
    lookups.check_term(assignment, term)
    policy.require_teacher(actor, assignment)
    check_column(assignment, kind, index)
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
        policy.require_principal(actor, lock.term)
    else:
        policy.require_setup(actor, lock.term)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for unlocking.")})
    if not lock.is_active:
        return lock
    lock.unlocked_by, lock.unlocked_at, lock.unlock_reason = actor, timezone.now(), reason.strip()
    return record(lock, actor=actor, reason=reason.strip(), update_fields=["unlocked_by", "unlocked_at",
                                                                           "unlock_reason"])


@transaction.atomic
def book_lock(*, actor, term: sm.Term, reason: str = "") -> ScoreLock:
    """The principal locks the whole score book of a term at its end (seed 000 art. 8.4)."""
    term = _lock_term(term)
    policy.require_principal(actor, term)
    existing = ScoreLock.objects.filter(term=term, school_class__isnull=True, unlocked_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return record(ScoreLock(term=term, locked_by=actor, reason=reason), actor=actor,
                          reason=reason or _("Score book locked"))
    except IntegrityError:  # locked meanwhile by another request
        return ScoreLock.objects.get(term=term, school_class__isnull=True, unlocked_at__isnull=True)


# --- deadlines (per school, per term) ----------------------------------------------------------------


@transaction.atomic
def schedule_save(*, actor, term: sm.Term, midterm_test_on: datetime.date | None,
                  final_test_on: datetime.date | None, midterm_entry_days: int = 14,
                  regular_correction_days: int = 7, reason: str = "") -> TermSchedule:
    """The admin board sets a term's test dates and the school's deadlines around them."""
    term = _lock_term(term)
    policy.require_setup(actor, term)
    schedule = TermSchedule.objects.filter(term=term).first() or TermSchedule(term=term)
    schedule.midterm_test_on, schedule.final_test_on = midterm_test_on, final_test_on
    schedule.midterm_entry_days, schedule.regular_correction_days = midterm_entry_days, regular_correction_days
    schedule.updated_by, schedule.updated_at = actor, timezone.now()
    if midterm_test_on and final_test_on and final_test_on <= midterm_test_on:
        raise ValidationError({"final_test_on": _("The end-of-term test comes after the mid-term test.")})
    return record(schedule, actor=actor, reason=reason or _("Test dates and deadlines set"))


# --- the school's score change rules (the principal) -------------------------------------------------


@transaction.atomic
def entry_settings_save(*, actor, school: sm.School, regular_deadline: str, reentry_needs_approval: bool,
                        test_correction_days: int, reason: str) -> EntrySettings:
    """The principal sets how recorded scores may change (seed 000 art. 8.3 and 8.6, seed 003 §5), with a reason.

    ValidationError at its field, nothing saved: an unknown deadline rule, a number of days
    outside 1–60, no reason. Saving the values the school already has changes nothing.
    """
    school = sm.School.objects.select_for_update().get(pk=school.pk)
    policy.require_principal(actor, school)
    reason = (reason or "").strip()
    errors = {}
    if regular_deadline not in EntrySettings.RegularDeadline.values:
        errors["regular_deadline"] = _("Choose one of the deadline rules.")
    if (not isinstance(test_correction_days, int) or isinstance(test_correction_days, bool)
            or not 1 <= test_correction_days <= MAX_TEST_CORRECTION_DAYS):
        errors["test_correction_days"] = _("Give a number of days from 1 to %(max)s.") % {
            "max": MAX_TEST_CORRECTION_DAYS}
    if not reason:
        errors["reason"] = _("Give the reason for the change.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("At most %(max)s characters (you typed %(length)s).") % {"max": MAX_REASON,
                                                                                    "length": len(reason)}
    if errors:
        raise ValidationError(errors)
    settings = EntrySettings.objects.filter(school=school).first()
    wanted = (regular_deadline, bool(reentry_needs_approval), test_correction_days)
    if settings is not None and (settings.regular_deadline, settings.reentry_needs_approval,
                                 settings.test_correction_days) == wanted:
        return settings
    settings = settings or EntrySettings(school=school)
    settings.regular_deadline, settings.reentry_needs_approval, settings.test_correction_days = wanted
    settings.updated_by, settings.updated_at = actor, timezone.now()
    return record(settings, actor=actor, reason=reason)
