"""Reads of the primary subject grid (class × subject × assessment point), the teacher's list of grids,
and when each assessment point falls; constant query counts whatever the size of the class."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from gradebook import policy
from gradebook.models import PrimaryAssessment, PrimaryPoint, ResultApproval, ScoreLock
from gradebook.rules import tt27
from schoolrecords import models as sm
from schoolrecords import selectors as records

LEVEL, TEST, COMMENT = "level", "test", "comment"
KINDS = (LEVEL, TEST, COMMENT)
# A grid's comment is short: the ledger has one line for it (the model allows longer, for other paths).
MAX_COMMENT = 100

NOT_TT27_MESSAGE = gettext_lazy(
    "This class's school year does not follow TT27: its subjects are entered in the score grid, by term."
)
NOT_LEVELED_MESSAGE = gettext_lazy(
    "This subject is not assessed by primary levels (T / H / C): it has no primary grid."
)
NOT_STUDIED_MESSAGE = gettext_lazy(
    "The class does not study this subject this year: nothing can be entered for it."
)
APPROVED_TERM_MESSAGE = gettext_lazy(
    "The principal has approved this class's results for term I: its levels and test scores no longer change here."
)
BOOK_LOCKED_MESSAGE = gettext_lazy(
    "The principal has locked the book of %(term)s: its levels and test scores no longer change here."
)
APPROVED_YEAR_MESSAGE = gettext_lazy(
    "The principal has approved this class's results for the year: its levels and test scores no longer change here."
)


class NotPrimary(Http404):
    """A primary grid asked for a class or subject that is not assessed under TT27 (or the reverse).

    A 404, with a message the page shows: the address is not a broken page but the wrong grid.
    """

    def __init__(self, message: str, assignment: sm.TeachingAssignment | None = None):
        super().__init__(message)
        self.message = message
        self.assignment = assignment


def point_of(value: str) -> tt27.AssessmentPoint:
    """The assessment point named in a URL (gk1, ck1, gk2, cn); anything else is a 404."""
    try:
        return tt27.AssessmentPoint(value)
    except ValueError:
        raise Http404 from None


def point_label(point: str) -> str:
    return str(PrimaryPoint(point).label)


def is_primary(assignment: sm.TeachingAssignment) -> bool:
    """Is this assignment assessed by the primary grid (a TT27 year, or a subject assessed by levels)?"""
    return assignment.year.rule_set == sm.RuleSet.TT27 or assignment.subject.is_leveled


def primary_assignment(assignment: sm.TeachingAssignment | int, *, actor=None) -> sm.TeachingAssignment:
    """The assignment with what the policy and the grid read (one query); NotPrimary unless TT27 and levels.

    With ``actor``, another school's assignment is a 404 first (logged as a refusal), before saying
    anything about it.
    """
    pk = assignment.pk if isinstance(assignment, sm.TeachingAssignment) else assignment
    found = (sm.TeachingAssignment.objects.select_related("year", "school_class", "subject__department")
             .filter(pk=pk).order_by().first())
    if found is None:
        raise Http404
    if actor is not None:
        policy.require_same_school(actor, found)
    if found.year.rule_set != sm.RuleSet.TT27:
        raise NotPrimary(str(NOT_TT27_MESSAGE), found)
    if not found.subject.is_leveled:
        raise NotPrimary(str(NOT_LEVELED_MESSAGE), found)
    return found


def approval_refusal(school_class: sm.SchoolClass, point: tt27.AssessmentPoint) -> str:
    """Why the class's results at ``point`` are frozen (one query), or "".

    Term I's approval freezes mid-term I and end of term I; the year's approval (term null)
    freezes every point of the year.
    """
    approvals = ResultApproval.objects.filter(school_class_id=school_class.pk)
    found = set(
        approvals.filter(Q(term__isnull=True) | Q(term__number=1) if point.term == 1 else Q(term__isnull=True))
        .values_list("term__number", flat=True)
    )
    if None in found:
        return str(APPROVED_YEAR_MESSAGE)
    if found:
        return str(APPROVED_TERM_MESSAGE)
    return ""


def studies(assignment: sm.TeachingAssignment) -> bool:
    """Is the assignment's subject among the class's subjects (its own set, else its grade's)?"""
    return any(studied.subject.pk == assignment.subject_id for studied in records.class_subjects(assignment.school_class))


def book_lock_refusal(assignment: sm.TeachingAssignment, point: tt27.AssessmentPoint) -> str:
    """The principal's lock of the whole book of the point's term (gradebook.windows), or "" (one query)."""
    locked = ScoreLock.objects.filter(term__year_id=assignment.year_id, term__number=point.term,
                                      school_class__isnull=True, unlocked_at__isnull=True).exists()
    if not locked:
        return ""
    term = pgettext("period in a sentence", "term I") if point.term == 1 else pgettext("period in a sentence",
                                                                                      "term II")
    return str(BOOK_LOCKED_MESSAGE) % {"term": term}


def sheet_refusal(assignment: sm.TeachingAssignment, point: tt27.AssessmentPoint) -> str:
    """Why nothing of this sheet may be written now, for anyone (three or four queries), or "".

    The class does not study the subject; the class's results for the period are approved; the
    principal has locked the book of the point's term.
    """
    if not studies(assignment):
        return str(NOT_STUDIED_MESSAGE)
    return approval_refusal(assignment.school_class, point) or book_lock_refusal(assignment, point)


def has_test(assignment: sm.TeachingAssignment, point: tt27.AssessmentPoint) -> bool:
    return tt27.has_periodic_test(assignment.school_class.grade, point, assignment.subject.code)


# --- the grid ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    kind: str
    label: str
    title: str


@dataclass
class Cell:
    column: Column
    text: str
    editable: bool
    has_history: bool = False


@dataclass
class Row:
    number: int
    enrolment: sm.Enrolment
    writable: bool
    cells: list[Cell] = field(default_factory=list)

    @property
    def student(self) -> sm.Student:
        return self.enrolment.student

    @property
    def has_left(self) -> bool:
        return self.enrolment.status != sm.Enrolment.Status.STUDYING

    @property
    def left_on(self) -> datetime.date | None:
        return self.enrolment.end_date


@dataclass
class Grid:
    assignment: sm.TeachingAssignment
    point: tt27.AssessmentPoint
    columns: list[Column]
    rows: list[Row]
    can_write: bool  # the actor is the assigned teacher and the sheet is open
    is_teacher: bool
    refusal: str  # why the sheet is closed, or ""

    @property
    def subject(self) -> sm.Subject:
        return self.assignment.subject

    @property
    def school_class(self) -> sm.SchoolClass:
        return self.assignment.school_class

    @property
    def has_test(self) -> bool:
        return any(column.kind == TEST for column in self.columns)

    @property
    def studying(self) -> int:
        return sum(1 for row in self.rows if not row.has_left)

    @property
    def filled(self) -> int:
        """Students studying whose level at this point is entered."""
        return sum(1 for row in self.rows if not row.has_left and row.cells[0].text)

    @property
    def point_label(self) -> str:
        return point_label(self.point)


def columns_for(assignment: sm.TeachingAssignment, point: tt27.AssessmentPoint) -> list[Column]:
    columns = [Column(LEVEL, _("Level"), _("Level: T completed well, H completed, C not yet completed"))]
    if has_test(assignment, point):
        columns.append(Column(TEST, _("Test score"), _("Periodic test score: a whole number from 0 to 10")))
    columns.append(Column(COMMENT, _("Comment"), _("A short comment on the student's progress")))
    return columns


def display(assessment: PrimaryAssessment | None, kind: str) -> str:
    if assessment is None:
        return ""
    if kind == LEVEL:
        return assessment.level
    if kind == TEST:
        return "" if assessment.test_score is None else str(assessment.test_score)
    return assessment.comment


def grid(*, actor, assignment: sm.TeachingAssignment | int, point: tt27.AssessmentPoint | str) -> Grid:
    """The primary grid of an assignment's class and subject at one point.

    Rows: every enrolment of the class in Vietnamese order, numbered; a student who left is shown,
    read only. The assigned teacher writes while the sheet is open; whoever may read the
    secondary grid (gradebook.policy.can_read) reads this one. Constant queries: the assignment,
    the permission checks, the class's subjects, the approvals, the class list, the assessments.
    """
    assignment = primary_assignment(assignment, actor=actor)
    point = tt27.AssessmentPoint(point)
    is_teacher = policy.may_write_primary(actor, assignment)
    if not is_teacher:
        policy.require_read(actor, assignment)
    refusal = sheet_refusal(assignment, point)
    can_write = is_teacher and not refusal
    columns = columns_for(assignment, point)
    enrolments = records.sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=assignment.school_class_id).select_related("student").order_by()
    )
    held = {a.enrolment_id: a for a in PrimaryAssessment.objects.filter(
        enrolment__school_class_id=assignment.school_class_id, subject_id=assignment.subject_id, point=point)}
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        writable = can_write and enrolment.status == sm.Enrolment.Status.STUDYING
        found = held.get(enrolment.pk)
        rows.append(Row(number=number, enrolment=enrolment, writable=writable,
                        cells=[Cell(column, display(found, column.kind), writable, has_history=found is not None)
                               for column in columns]))
    return Grid(assignment=assignment, point=point, columns=columns, rows=rows, can_write=can_write,
                is_teacher=is_teacher, refusal=refusal)


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    reason: str
    text: str


def cell_history(*, actor, assignment: sm.TeachingAssignment | int, point: str, enrolment_id: int,
                 kind: str) -> tuple[sm.TeachingAssignment, sm.Enrolment, list[HistoryEntry]]:
    """What one cell held over time, newest first (who, when, why); readers of the grid only."""
    assignment = primary_assignment(assignment, actor=actor)
    if not policy.may_write_primary(actor, assignment):
        policy.require_read(actor, assignment)
    if kind not in KINDS:
        raise Http404
    enrolment = (sm.Enrolment.objects.select_related("student")
                 .filter(pk=enrolment_id, school_class_id=assignment.school_class_id).first())
    if enrolment is None:
        raise Http404
    rows = (PrimaryAssessment.history.filter(enrolment_id=enrolment.pk, subject_id=assignment.subject_id,
                                             point=tt27.AssessmentPoint(point))
            .select_related("history_user__profile").order_by("-history_date", "-history_id"))
    entries, previous = [], None
    for row in reversed(list(rows)):  # oldest first, to keep only the changes of this cell
        text = display(row, kind)
        if text != previous:
            user = row.history_user
            who = (getattr(getattr(user, "profile", None), "full_name", "") or user.get_username()) if user else ""
            entries.append(HistoryEntry(when=row.history_date, who=who, reason=row.history_change_reason or "",
                                        text=text))
            previous = text
    return assignment, enrolment, list(reversed(entries))


# --- when the points fall, and the teacher's grids ----------------------------------------------


def point_dates(year: sm.SchoolYear, terms: list[sm.Term] | None = None) -> dict[tt27.AssessmentPoint, datetime.date]:
    """The day each point is assessed: the middle and the end of each term (one query unless ``terms``)."""
    by_number = {term.number: term for term in (terms if terms is not None else year.terms.all())}
    dates = {}
    for number, (mid, end) in ((1, (tt27.AssessmentPoint.MID_TERM_1, tt27.AssessmentPoint.END_TERM_1)),
                               (2, (tt27.AssessmentPoint.MID_TERM_2, tt27.AssessmentPoint.END_OF_YEAR))):
        term = by_number.get(number)
        if term is None:
            continue
        dates[mid] = term.start_date + (term.end_date - term.start_date) / 2
        dates[end] = term.end_date
    return dates


def current_point(dates: dict[tt27.AssessmentPoint, datetime.date], today: datetime.date | None = None
                  ) -> tt27.AssessmentPoint:
    """The point being assessed now: the first whose day has not passed (the end of the year after it)."""
    today = today or timezone.localdate()
    for point in tt27.ASSESSMENT_POINTS:
        if point in dates and today <= dates[point]:
            return point
    return tt27.AssessmentPoint.END_OF_YEAR


@dataclass(frozen=True)
class PointProgress:
    point: tt27.AssessmentPoint
    label: str
    filled: int
    is_current: bool


@dataclass(frozen=True)
class HomeGrid:
    assignment: sm.TeachingAssignment
    students: int
    points: tuple[PointProgress, ...]


def teacher_grids(user, year: sm.SchoolYear | None) -> list[HomeGrid]:
    """The teacher's primary grids of the year with how full each point is (three queries)."""
    if year is None or year.rule_set != sm.RuleSet.TT27:
        return []
    assignments = [a for a in records.assignments_of_teacher(user, year) if a.subject.is_leveled]
    if not assignments:
        return []
    counts = {
        (row["enrolment__school_class_id"], row["subject_id"], row["point"]): row["n"]
        for row in PrimaryAssessment.objects.filter(
            enrolment__school_class_id__in={a.school_class_id for a in assignments},
            subject_id__in={a.subject_id for a in assignments},
            enrolment__status=sm.Enrolment.Status.STUDYING,
        ).exclude(level="").values("enrolment__school_class_id", "subject_id", "point").annotate(n=Count("pk"))
        .order_by()
    }
    now = current_point(point_dates(year))
    return [
        HomeGrid(assignment=a, students=a.student_count, points=tuple(
            PointProgress(point=point, label=point_label(point),
                          filled=counts.get((a.school_class_id, a.subject_id, point.value), 0),
                          is_current=point is now)
            for point in tt27.ASSESSMENT_POINTS))
        for a in assignments
    ]


def points() -> list[tuple[str, str]]:
    """The four points with their labels, for links."""
    return [(point.value, point_label(point)) for point in tt27.ASSESSMENT_POINTS]
