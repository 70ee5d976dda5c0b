"""May this cell be written now, and if not, why and what instead: the one entry rule (pure, no Django).

Every path that writes or shows a score cell asks ``judge``: the grid's save and its read-only
marks, the spreadsheet import (which saves through the grid's service), and the correction form
(a correction is asked for exactly the cells the rule refuses with ``Remedy.CORRECTION``).
The facts come from gradebook.entry, which reads them in a fixed number of queries; the rules of
the entry regime are in docs/assessment.md ("Entry, recording and corrections").

What the rule decides, in this order:

* the whole sheet: only the assigned teacher writes; the principal's approval of the class's
  results (term or year) freezes it; the principal's book lock of the term, or entry windows
  that close every column kind, refuse it, and a correction request is the way instead;
* a column: it must be one of the subject's columns; a column kind no open window covers, or a
  column the teacher locked, is refused (a correction request instead);
* a student: they must be in the class for part of the term; a mid- or end-of-term result
  needs them still in the class on that test's date, when the term's schedule names it; an
  exempt student has no cells in the subject;
* a cell: a result is *entered* while the login session in which its teacher typed it lasts,
  and *recorded* from then on (seed 000 art. 8.2). A recorded result is not typed over: a
  regular one is re-entered with a reason and evidence until the regular-correction deadline
  (``Remedy.REENTRY``, seed 003 §5), a mid- or end-of-term one, or a regular one after its
  deadline, changes only through a correction request the leadership decides
  (``Remedy.CORRECTION``; ``late`` when filed after the deadline).

The deadlines (``ChangeRules``): regular scores either until the term schedule's days before
the end-of-term test (seed 000 art. 8.6: a week), or two weeks before the mid-term test for
scores dated before that test and two weeks before the end-of-term test for the rest (seed 003
§5); mid- and end-of-term scores within the school's days after their test (seed 003: five).

Messages are English catalogue ids (``gettext_noop``), with ``params``; Django code translates
them with ``Verdict.text`` through its own gettext.
"""

import datetime
from dataclasses import dataclass, field, replace
from enum import StrEnum

from schoolrecords.purei18n import gettext_noop

from . import slots

MSG_NOT_TEACHER = gettext_noop("Only the teacher assigned to this class and subject may enter its scores.")
MSG_FROZEN = gettext_noop(
    "The principal has approved this class's results for this period: a change is a correction request, "
    "and approving it reopens the approval."
)
MSG_BOOK_LOCKED = gettext_noop("The principal has locked the score book of this term: scores can no longer "
                               "be changed. File a correction request instead.")
MSG_WINDOW_CLOSED = gettext_noop("Score entry is closed for this class and subject in this term. "
                                 "File a correction request instead.")
MSG_COLUMN_WINDOW_CLOSED = gettext_noop("Score entry is closed for this column. File a correction request instead.")
MSG_COLUMN_LOCKED = gettext_noop("This column is locked. File a correction request instead.")
MSG_UNKNOWN_COLUMN = gettext_noop("Unknown column.")
MSG_REGULAR_COUNT = gettext_noop("This subject has %(count)s regular assessments per term.")
MSG_NOT_IN_CLASS = gettext_noop("This student is not in the class during this term.")
MSG_LEFT_BEFORE_TEST = gettext_noop("This student left the class on %(date)s, before this test.")
MSG_EXEMPT = gettext_noop("This student is exempt from this subject for this term.")
MSG_RECORDED_REENTRY = gettext_noop("Score recorded on %(date)s: to change it, re-enter it with a reason and "
                                    "evidence before %(deadline)s.")
MSG_RECORDED_REENTRY_OPEN = gettext_noop("Score recorded on %(date)s: to change it, re-enter it with a reason and "
                                         "evidence.")
MSG_RECORDED_LATE = gettext_noop("Score recorded on %(date)s; the deadline for re-entering it was %(deadline)s: "
                                 "file a correction request, which the leadership decides.")
MSG_RECORDED_TEST = gettext_noop("Score recorded on %(date)s: a mid- or end-of-term score changes only through a "
                                 "correction request with the examiner's confirmation, filed before %(deadline)s.")
MSG_RECORDED_TEST_OPEN = gettext_noop("Score recorded on %(date)s: a mid- or end-of-term score changes only through "
                                      "a correction request with the examiner's confirmation.")
MSG_RECORDED_TEST_LATE = gettext_noop("Score recorded on %(date)s; corrections of this test were due by "
                                      "%(deadline)s: file a late correction request, which the leadership decides.")

# Seed 003 §5: regular scores may be re-entered until two weeks before each periodic test.
DAYS_BEFORE_EACH_TEST = 14
DEADLINE_BEFORE_FINAL_TEST = "final"  # gradebook.models.EntrySettings.RegularDeadline
DEADLINE_BEFORE_EACH_TEST = "each"


class Remedy(StrEnum):
    """What the person may do instead of typing into a refused cell."""

    NONE = ""  # nothing: the cell does not exist for them
    REENTRY = "reentry"  # re-enter the recorded regular score with a reason and evidence (seed 003 §5)
    CORRECTION = "correction"  # file a correction request, which the leadership decides


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    message: str = ""  # English catalogue id, "" when allowed
    params: dict = field(default_factory=dict)
    remedy: Remedy = Remedy.NONE
    # For a refusal with a remedy: the last day of that path (change_deadline; None: the schedule
    # names none), and whether it has passed. Computed once, by ``judge``.
    deadline: datetime.date | None = None
    late: bool = False

    def text(self, gettext) -> str:
        """The message in the active language: ``gettext`` is Django's (or any) translation function."""
        if not self.message:
            return ""
        return gettext(self.message) % self.params if self.params else gettext(self.message)


ALLOWED = Verdict(allowed=True)


@dataclass(frozen=True)
class Columns:
    """What windows and locks allow in one class's subject and term, at one moment."""

    book_locked: bool = False
    closed_kinds: frozenset[str] = frozenset()  # column kinds no open window covers (while one covers them)
    locked_columns: frozenset[tuple[str, int]] = frozenset()  # (kind, index) locked by the teacher


@dataclass(frozen=True)
class ChangeRules:
    """The school's rules for changing recorded scores (gradebook.models.EntrySettings, TermSchedule)."""

    regular_deadline: str = DEADLINE_BEFORE_FINAL_TEST
    regular_correction_days: int = 7  # seed 000: days before the end-of-term test (the term schedule's)
    test_correction_days: int = 5  # seed 003: days after a mid- or end-of-term test
    reentry_needs_approval: bool = True


@dataclass(frozen=True)
class Recorded:
    """A cell holding a recorded result: entered in a login session that has ended, or by someone else."""

    entered_on: datetime.date  # the day the slot first got its result: what a regular score is "dated"


@dataclass(frozen=True)
class Student:
    """The dates of one enrolment, as the rule needs them."""

    enrolment_id: int
    start_date: datetime.date
    end_date: datetime.date | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the rule is told about one class's subject and term, for one actor."""

    term_start: datetime.date
    term_end: datetime.date
    regular_required: int  # ĐĐGtx columns the subject has in the class's grade
    is_teacher: bool = False  # holds the teaching permission of the assignment
    results_approved: bool = False  # the class's results of the term (or the year) are approved
    columns: Columns = Columns()
    exempt: frozenset[int] = frozenset()  # enrolment ids exempt from the subject this term
    midterm_test_on: datetime.date | None = None  # from the term's schedule, when set
    final_test_on: datetime.date | None = None
    today: datetime.date | None = None  # the school's date now: the deadlines are days
    rules: ChangeRules = ChangeRules()

    @property
    def start_date(self) -> datetime.date:  # so that a Facts is a term for slots.studies_during
        return self.term_start

    @property
    def end_date(self) -> datetime.date:
        return self.term_end


def sheet(facts: Facts) -> Verdict:
    """May the actor write anything in this class's subject and term?"""
    teacher = _teacher_sheet(facts)
    return teacher if not teacher.allowed else closed(facts.columns)


def closed(columns: Columns) -> Verdict:
    """The refusal of a whole sheet by the book lock or windows closing every column kind, if any."""
    if columns.book_locked:
        return Verdict(False, MSG_BOOK_LOCKED, remedy=Remedy.CORRECTION)
    if columns.closed_kinds >= slots.KINDS:
        return Verdict(False, MSG_WINDOW_CLOSED, remedy=Remedy.CORRECTION)
    return ALLOWED


def column_exists(facts: Facts, kind: str, index: int) -> Verdict:
    if not slots.is_column(kind, index):
        return Verdict(False, MSG_UNKNOWN_COLUMN)
    if kind == slots.REGULAR and index > facts.regular_required:
        return Verdict(False, MSG_REGULAR_COUNT, {"count": facts.regular_required})
    return ALLOWED


def column_open(columns: Columns, kind: str, index: int) -> Verdict:
    """Is the column open, as windows and locks say (whatever the actor)?"""
    whole = closed(columns)
    if not whole.allowed:
        return whole
    if kind in columns.closed_kinds:
        return Verdict(False, MSG_COLUMN_WINDOW_CLOSED, remedy=Remedy.CORRECTION)
    if (kind, index) in columns.locked_columns:
        return Verdict(False, MSG_COLUMN_LOCKED, remedy=Remedy.CORRECTION)
    return ALLOWED


def student_has_cell(facts: Facts, student: Student | None, kind: str) -> Verdict:
    """Does the student have this cell in the term at all (whoever asks)?"""
    if student is None or not slots.studies_during(student, facts):
        return Verdict(False, MSG_NOT_IN_CLASS)
    test_day = {slots.MIDTERM: facts.midterm_test_on, slots.FINAL: facts.final_test_on}.get(kind)
    if slots.left_before(student, test_day):
        return Verdict(False, MSG_LEFT_BEFORE_TEST, {"date": _day(student.end_date)})
    if student.enrolment_id in facts.exempt:
        return Verdict(False, MSG_EXEMPT)
    return ALLOWED


def judge(facts: Facts, student: Student | None, kind: str, index: int, recorded: Recorded | None = None) -> Verdict:
    """May the actor write this student's cell (kind, index) now? If not, why, and what instead.

    ``recorded``: the cell holds a recorded result (None: it is empty, or entered in the actor's
    own login session, which may still change it freely).
    """
    for verdict in (column_exists(facts, kind, index), _teacher_sheet(facts), column_open(facts.columns, kind, index),
                    student_has_cell(facts, student, kind)):
        if not verdict.allowed:
            if verdict.remedy == Remedy.NONE:
                return verdict
            deadline = change_deadline(facts, kind, recorded.entered_on if recorded else None)
            return replace(verdict, deadline=deadline, late=is_late(facts, deadline))
    if recorded is not None:
        return recorded_verdict(facts, kind, recorded)
    return ALLOWED


def recorded_verdict(facts: Facts, kind: str, recorded: Recorded) -> Verdict:
    """Why a recorded result in an open column is not typed over, and which path changes it."""
    params = {"date": _day(recorded.entered_on)}
    deadline = change_deadline(facts, kind, recorded.entered_on)
    if deadline is not None:
        params["deadline"] = _day(deadline)
    late = is_late(facts, deadline)
    if kind == slots.REGULAR:
        if late:
            return Verdict(False, MSG_RECORDED_LATE, params, Remedy.CORRECTION, deadline, late)
        return Verdict(False, MSG_RECORDED_REENTRY if deadline else MSG_RECORDED_REENTRY_OPEN, params,
                       Remedy.REENTRY, deadline, late)
    message = MSG_RECORDED_TEST_LATE if late else MSG_RECORDED_TEST if deadline else MSG_RECORDED_TEST_OPEN
    return Verdict(False, message, params, Remedy.CORRECTION, deadline, late)


def change_deadline(facts: Facts, kind: str, entered_on: datetime.date | None) -> datetime.date | None:
    """The last day a recorded result of ``kind`` may be changed by its path (None: the schedule names none).

    Regular: re-entry until the school's regular deadline; mid- and end-of-term: a correction
    request until the school's days after the test.
    """
    rules = facts.rules
    if kind == slots.REGULAR:
        if rules.regular_deadline == DEADLINE_BEFORE_EACH_TEST:
            days = datetime.timedelta(days=DAYS_BEFORE_EACH_TEST)
            if facts.midterm_test_on is not None and (entered_on is None or entered_on < facts.midterm_test_on):
                return facts.midterm_test_on - days
            return facts.final_test_on - days if facts.final_test_on is not None else None
        if facts.final_test_on is None:
            return None
        return facts.final_test_on - datetime.timedelta(days=rules.regular_correction_days)
    test_day = {slots.MIDTERM: facts.midterm_test_on, slots.FINAL: facts.final_test_on}.get(kind)
    return test_day + datetime.timedelta(days=rules.test_correction_days) if test_day is not None else None


def is_late(facts: Facts, deadline: datetime.date | None) -> bool:
    return deadline is not None and facts.today is not None and facts.today > deadline


def remedy(facts: Facts, student: Student | None, kind: str, index: int, recorded: Recorded | None = None) -> Remedy:
    """The path that changes this cell for its teacher: NONE when they type it (or it does not exist)."""
    return judge(facts, student, kind, index, recorded).remedy


def correctable(facts: Facts, student: Student | None, kind: str, index: int, recorded: Recorded | None = None) -> bool:
    """May a request (a re-entry or a correction) ask for this cell? One the student has that is not typed now.

    A closed or locked column, approved results or a recorded result; the teacher who may still
    type into the cell is sent back to the grid instead.
    """
    return (facts.is_teacher and column_exists(facts, kind, index).allowed
            and student_has_cell(facts, student, kind).allowed
            and remedy(facts, student, kind, index, recorded) != Remedy.NONE)


def day_text(day: datetime.date) -> str:
    """A date as the rule's messages name it (dd/mm/yyyy): the grid's column notes use it too."""
    return day.strftime("%d/%m/%Y")


_day = day_text


def _teacher_sheet(facts: Facts) -> Verdict:
    if not facts.is_teacher:
        return Verdict(False, MSG_NOT_TEACHER)
    if facts.results_approved:
        return Verdict(False, MSG_FROZEN, remedy=Remedy.CORRECTION)
    return ALLOWED
