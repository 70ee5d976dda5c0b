"""What other apps may read of the gradebook (the archive, later the families' pages): this module only.

Each function returns plain values: the printed forms' dataclasses of strings and numbers
(gradebook.printed), the approved corrections, whether a period may be printed, the rows of a
score snapshot. Changes are announced in gradebook.signals; nothing here writes.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from schoolrecords import models as sm

from .corrections.selectors import (
    Correction,
    CorrectionLog,
    MinutesCell,
    MinutesData,
    approved_corrections,
    department_log,
    homeroom_minutes_data,
    minutes_data,
    request_for,
    teacher_log,
)
from .models import EntryWindow, ResultApproval, Score, ScoreLock, TermSchedule
from .primaryyear.sheet import (
    PrimaryApprovalLine,
    PrimaryStudentYear,
    PrimarySubjectLine,
    PrimaryTraitLine,
    PrimaryYearSheet,
    primary_year_sheet,
)
from .printed import (
    LedgerData,
    ParentSlipData,
    ReportCardData,
    SchoolHeader,
    StudentIdentity,
    SummaryData,
    due_enrolments,
    ledger,
    load_class,
    parent_slip,
    report_card,
    report_cards_of_class,
    summary,
)
from .progress import selectors as progress_selectors
from .results.outcomes import StudentOutcome
from .results.outcomes import year_outcomes as _year_outcomes
from .rules.rollover import YearOutcome
from .rules.slots import in_class_at_end, slot_key
from .windows import selectors as windows

__all__ = [
    "PrimaryApprovalLine", "PrimaryStudentYear", "PrimarySubjectLine", "PrimaryTraitLine", "PrimaryYearSheet",
    "primary_year_sheet",
    "Correction", "CorrectionLog", "LedgerData", "MinutesCell", "MinutesData", "ParentSlipData", "ReportCardData",
    "ProgressRecordData", "ProgressRecordLine", "SnapshotDeadline", "SnapshotRow", "StudentOutcome", "SummaryData", "YearOutcome", "year_outcomes", "approved_corrections", "book_locked", "correction_for_minutes", "correction_log",
    "correction_minutes", "department_correction_log", "homeroom_correction_minutes", "due_enrolments", "in_class_at_end", "ledger", "load_class",
    "parent_slip", "principal_book_lock", "progress_record", "report_card",
    "report_cards_of_class", "snapshot_deadlines", "snapshot_deadlines_of_approval", "snapshot_rows", "summary", "unlocked_classes",
    "SchoolHeader", "StudentIdentity",
]


# --- may a period be printed ----------------------------------------------------------------------


def principal_book_lock(year: sm.SchoolYear, term_number: int) -> bool:
    """Has the principal locked the score book of that term?"""
    return windows.book_locked(year, term_number)


def unlocked_classes(year: sm.SchoolYear, term_number: int) -> list[sm.SchoolClass]:
    """The classes of the year whose results are not yet approved for the period (two queries).

    Empty as soon as the principal has locked the whole book. Term I needs an approval of term I
    or of the year; term II (the year-end print, which carries the year's results) the year's.
    """
    if principal_book_lock(year, term_number):
        return []
    wanted = Q(term__number=1) | Q(term__isnull=True) if term_number == 1 else Q(term__isnull=True)
    approved = set(ResultApproval.objects.filter(wanted, school_class__year=year)
                   .values_list("school_class_id", flat=True))
    return [school_class for school_class in sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
            if school_class.pk not in approved]


def book_locked(year: sm.SchoolYear, term_number: int) -> bool:
    """May a periodic print of the period run (seed 000 art. 11, seed 003 §6.1)?

    Yes once the principal has locked the term's book, or approved the results of every class.
    """
    return not unlocked_classes(year, term_number)  # it is empty once the principal has locked the book


# --- how the students' year ended (the rollover, the sector database's export) -----------------------


def year_outcomes(year: sm.SchoolYear) -> list[StudentOutcome]:
    """Every enrolment of the year with how it ended: left, transferred, promoted, repeats, or pending
    (a re-test or summer training without its result, results incomplete). No permission check: the
    caller checks its reader."""
    return _year_outcomes(year)


# --- the score snapshot ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotRow:
    class_name: str
    student_code: str
    full_name: str
    subject_code: str
    subject: str
    column: str  # "tx1" … "tx5", "gk", "ck"
    value: str  # "7.5", "" for none
    comment: str  # "D", "CD" or ""
    status: str
    version: int
    changed_at: str  # ISO 8601
    changed_by: str


def snapshot_rows(term: sm.Term, *, school_class_id: int | None = None) -> Iterator[SnapshotRow]:
    """Every score of the school (or of one class) in ``term``, one row per slot, in class, student, subject,
    column order."""
    scores = Score.objects.filter(term=term)
    if school_class_id is not None:
        scores = scores.filter(enrolment__school_class_id=school_class_id)
    rows = (
        scores
        .order_by("enrolment__school_class__grade", "enrolment__school_class__name", "enrolment__student__code",
                  "subject__order", "subject__code", "kind", "index")
        .values_list("enrolment__school_class__name", "enrolment__student__code", "enrolment__student__full_name",
                     "subject__code", "subject__name", "kind", "index", "value", "comment_passed", "status",
                     "version", "updated_at", "updated_by__username")
    )
    for (class_name, code, name, subject_code, subject, kind, index, value, passed, status, version, changed_at,
         changed_by) in rows.iterator(chunk_size=2000):
        yield SnapshotRow(class_name=class_name, student_code=code, full_name=name, subject_code=subject_code,
                          subject=subject, column=slot_key(kind, index), value="" if value is None else str(value),
                          comment="" if passed is None else ("D" if passed else "CD"), status=status, version=version,
                          changed_at=changed_at.isoformat(), changed_by=changed_by or "")


# --- correction minutes and the correction log (rendered by the archive) ---------------------------


def correction_for_minutes(*, actor, pk: int):
    """An approved correction request with its changes, for its minutes; 404 unless approved, 403/404 by the policy."""
    return request_for(actor=actor, pk=pk)


def correction_minutes(request_id: int) -> MinutesData | None:
    """What the minutes of an approved request show (plain values), or None while it is not approved.

    No permission check: the archive seals them when the decision is taken (gradebook.signals.correction_applied);
    a page that shows them checks the reader through ``correction_for_minutes`` first.
    """
    return minutes_data(request_id)


def homeroom_correction_minutes(request_id: int) -> MinutesData | None:
    """The minutes of an approved homeroom correction (conduct, absences, remark, exemption, re-test), in the
    same form; None while it is not approved. No permission check, as ``correction_minutes``."""
    return homeroom_minutes_data(request_id)


def correction_log(*, actor, teacher_id: int, year: int, month: int) -> CorrectionLog:
    """A teacher's changes of recorded scores in one month (the correction log, seed 000 art. 8.6); 403/404."""
    return teacher_log(actor=actor, teacher_id=teacher_id, year=year, month=month)


def department_correction_log(*, actor, department_id: int, year: int, month: int) -> CorrectionLog:
    """The changes of a department's subjects in one month; 403/404 by the same rule."""
    return department_log(actor=actor, department_id=department_id, year=year, month=month)


# --- the monthly record of entry progress (rendered by the archive) ------------------------------


class _Completion:
    """What a line of ``filled`` out of ``required`` cells says: the missing ones and the whole percent."""

    filled: int
    required: int

    @property
    def missing(self) -> int:
        return self.required - self.filled

    @property
    def percent(self) -> int:
        return 100 if not self.required else self.filled * 100 // self.required


@dataclass(frozen=True)
class ProgressRecordLine(_Completion):
    teacher: str
    class_name: str
    subject: str  # "": the class's conduct
    filled: int
    required: int


@dataclass(frozen=True)
class ProgressTeacherLine(_Completion):
    teacher: str
    filled: int
    required: int


@dataclass(frozen=True)
class ProgressRecordData:
    record_id: int
    school_name: str
    year_name: str
    month: datetime.date
    term_label: str
    taken_at: datetime.datetime
    lines: tuple[ProgressRecordLine, ...]
    teachers: tuple[ProgressTeacherLine, ...]  # lowest completion first

    @property
    def filled(self) -> int:
        return sum(line.filled for line in self.lines)

    @property
    def required(self) -> int:
        return sum(line.required for line in self.lines)

    @property
    def percent(self) -> int:
        return 100 if not self.required else self.filled * 100 // self.required


def progress_record(*, actor, pk: int) -> ProgressRecordData:
    """A month's record of entry progress, for its school's leadership (403; another school's: 404)."""
    taken = progress_selectors.record_for(actor=actor, pk=pk)
    lines = tuple(ProgressRecordLine(teacher=row.teacher_name, class_name=row.class_name, subject=row.subject_name,
                                     filled=row.filled, required=row.required)
                  for row in progress_selectors.record_rows(taken))
    totals: dict[str, list[int]] = {}
    for line in lines:
        if line.teacher:
            total = totals.setdefault(line.teacher, [0, 0])
            total[0] += line.filled
            total[1] += line.required
    teachers = sorted((ProgressTeacherLine(teacher=name, filled=filled, required=required)
                       for name, (filled, required) in totals.items()),
                      key=lambda each: (each.percent, -each.missing, each.teacher))
    return ProgressRecordData(
        record_id=taken.pk, school_name=taken.year.school.name, year_name=taken.year.name, month=taken.month,
        term_label=str(taken.term.get_number_display()), taken_at=taken.taken_at, lines=lines,
        teachers=tuple(teachers))


# --- the deadlines at which the archive seals a snapshot (seed 002) -------------------------------


@dataclass(frozen=True)
class SnapshotDeadline:
    """One deadline that has come: the archive seals one snapshot of its scores, once (``key``).

    ``occasion``: "window" (an entry window's close time passed), "midterm" (the term's mid-term
    entry deadline passed), "book_lock" (the principal locked the term's book), "approval" (the
    principal approved a class's results: one deadline per term the approval covers, of that class).
    ``key`` names the deadline: the same deadline read again has the same key, a moved one a new key.
    """

    occasion: str
    key: str
    term_id: int
    due_at: datetime.datetime
    school_class_id: int | None = None
    class_name: str = ""


def _midterm_due_at(deadline: datetime.date) -> datetime.datetime:
    """A mid-term entry deadline is a day (gradebook.rules.entry: late once today > deadline): it passes at midnight."""
    return datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min,
                                     tzinfo=timezone.get_default_timezone())


def snapshot_deadlines(*, now: datetime.datetime) -> list[SnapshotDeadline]:
    """Every deadline that has come by ``now``, of every school (five queries), oldest first.

    A window's closing (its ``closes_at`` passed, whether someone pressed "close" or not: the key is
    the one gradebook.signals.window_closed sends), a term's mid-term entry deadline (when its
    schedule has a mid-term test date), each book lock, each standing approval of results.
    """
    deadlines = [
        SnapshotDeadline(occasion="window", key=f"window:{windows.window_key(window)}", term_id=window.term_id,
                         due_at=window.closes_at)
        for window in EntryWindow.objects.filter(closes_at__lte=now).only("pk", "term_id", "closes_at").order_by()
    ]
    for schedule in TermSchedule.objects.filter(midterm_test_on__isnull=False).only(
            "term_id", "midterm_test_on", "midterm_entry_days").order_by():
        deadline = windows.midterm_entry_deadline(schedule)
        due_at = _midterm_due_at(deadline)
        if due_at <= now:
            deadlines.append(SnapshotDeadline(occasion="midterm", key=f"midterm:{schedule.term_id}:{deadline:%Y%m%d}",
                                              term_id=schedule.term_id, due_at=due_at))
    deadlines.extend(
        SnapshotDeadline(occasion="book_lock", key=f"booklock:{lock.pk}", term_id=lock.term_id, due_at=lock.locked_at)
        for lock in ScoreLock.objects.filter(school_class__isnull=True, locked_at__lte=now)
        .only("pk", "term_id", "locked_at").order_by()
    )
    approvals = list(ResultApproval.objects.filter(approved_at__lte=now).select_related("school_class").order_by())
    deadlines.extend(_approval_deadlines(approvals))
    return sorted(deadlines, key=lambda deadline: (deadline.due_at, deadline.key))


def snapshot_deadlines_of_approval(approval_id: int) -> list[SnapshotDeadline]:
    """The deadlines one approval of results makes (empty once it has been withdrawn)."""
    approvals = list(ResultApproval.objects.filter(pk=approval_id).select_related("school_class"))
    return _approval_deadlines(approvals)


def _approval_deadlines(approvals: list[ResultApproval]) -> list[SnapshotDeadline]:
    """A term's approval covers that term's scores of the class; the year's, both terms' (one query for those)."""
    year_ids = {approval.school_class.year_id for approval in approvals if approval.term_id is None}
    terms: dict[int, list[tuple[int, int]]] = {}
    for term_id, number, year_id in (sm.Term.objects.filter(year_id__in=year_ids).order_by("number")
                                     .values_list("pk", "number", "year_id") if year_ids else ()):
        terms.setdefault(year_id, []).append((term_id, number))
    deadlines = []
    for approval in approvals:
        covered = ([(approval.term_id, None)] if approval.term_id is not None
                   else terms.get(approval.school_class.year_id, []))
        for term_id, number in covered:
            period = "year" if approval.term_id is None else "term"
            suffix = f":t{number}" if number is not None else ""
            deadlines.append(SnapshotDeadline(
                occasion="approval", key=f"approval:{approval.pk}:{period}{suffix}", term_id=term_id,
                due_at=approval.approved_at, school_class_id=approval.school_class_id,
                class_name=approval.school_class.name))
    return deadlines
