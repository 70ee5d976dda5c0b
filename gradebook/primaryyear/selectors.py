"""Reads of a primary class's year: whether a period is approved, the traits sheet, the class results, the gaps.

Who may read what is gradebook.policy's answer (another school's class is a 404; a secondary class has no
primary pages: a 404 too). Every read runs a constant number of queries, whatever the size of the class.
"""

from dataclasses import dataclass, field

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gradebook.models import PrimaryPoint, PrimaryTrait, PrimaryTraitAssessment, PrimaryYearResult, ResultApproval
from gradebook.policy import can_assess_traits, require_primary_results_reader
from gradebook.primary.compute import PrimaryClassData, PrimaryRow, load_primary_class
from gradebook.primaryyear.sheet import completion_text, result_label, title_label
from gradebook.results.compute import YEAR, period_in_sentence, period_label
from gradebook.rules import tt27
from schoolrecords import models as sm
from schoolrecords.permissions import Hidden, found_or_hidden, user_school
from schoolrecords.selectors import class_roster, sort_vietnamese

END = tt27.AssessmentPoint.END_OF_YEAR
# The principal approves term I (its two points) and the year (the points of term II; approving the
# year freezes the whole year).
PERIODS = (1, YEAR)
POINTS_OF_PERIOD: dict[int, tuple[tt27.AssessmentPoint, ...]] = {
    1: (tt27.AssessmentPoint.MID_TERM_1, tt27.AssessmentPoint.END_TERM_1),
    YEAR: (tt27.AssessmentPoint.MID_TERM_2, tt27.AssessmentPoint.END_OF_YEAR),
}
TRAITS = tuple(PrimaryTrait)
QUALITIES = tuple(t for t in TRAITS if t.value in tt27.Quality._value2member_map_)
COMPETENCIES = tuple(t for t in TRAITS if t.value in tt27.Competency._value2member_map_)
MAX_GAPS = 12  # what an approval refusal lists before "and N more"


# --- a primary class ----------------------------------------------------------------------------------


def is_primary(school_class: sm.SchoolClass) -> bool:
    """Grades 1-5 follow TT27 everywhere (schoolrecords.levels)."""
    return school_class.grade in tt27.GRADES


def require_primary(user, school_class: sm.SchoolClass) -> None:
    """A secondary class has no primary pages: a 404, logged as a refusal."""
    if not is_primary(school_class):
        raise Hidden(user, "primary", school_class)


def point_of(value: str) -> tt27.AssessmentPoint:
    """The assessment point a URL names ("gk1", "ck1", "gk2", "cn"); anything else is a 404."""
    try:
        return tt27.AssessmentPoint(value)
    except ValueError:
        raise Http404 from None


def point_label(point: str) -> str:
    return str(PrimaryPoint(point).label)


# --- approval ----------------------------------------------------------------------------------------


def approvals_of(school_class: sm.SchoolClass) -> dict[int, ResultApproval]:
    """The class's standing approvals keyed by term number, YEAR for the year's (one query)."""
    return {
        (approval.term.number if approval.term_id else YEAR): approval
        for approval in ResultApproval.objects.filter(school_class_id=school_class.pk)
        .select_related("term", "approved_by__profile")
    }


def freezing(approvals: dict[int, ResultApproval], point: tt27.AssessmentPoint | str) -> ResultApproval | None:
    """Of ``approvals`` (approvals_of), the one that freezes what was entered at ``point``, or None."""
    point = tt27.AssessmentPoint(point)
    return approvals.get(YEAR) or approvals.get(point.term)


def period_approved(school_class: sm.SchoolClass, point: tt27.AssessmentPoint | str) -> ResultApproval | None:
    """Has the principal approved the period of ``point``? The approval that freezes it, or None (one query).

    Term I's approval freezes mid-term I and the end of term I; the year's freezes all four points. The
    primary writes (the subject grid, the traits sheet, the year record) are refused while it stands;
    a writer asks this inside its transaction, after locking the class row (gradebook.results.services.
    lock_class), so that an approval and a save of the same class never interleave.
    """
    return freezing(approvals_of(school_class), point)


def frozen_message(school_class: sm.SchoolClass, approval: ResultApproval) -> str:
    period = YEAR if approval.term_id is None else approval.term.number
    return _("The principal has approved the results of class %(class)s for %(period)s; they can no longer be "
             "changed.") % {"class": school_class.name, "period": period_in_sentence(period)}


def _names(names: list[str]) -> str:
    return ", ".join(names)


def student_gaps(data: PrimaryClassData, row: PrimaryRow, points) -> list[str]:
    """What is still missing for one student at ``points``: one sentence per point, naming what."""
    sentences = []
    for point in points:
        parts = []
        levels = [s.subject.name for s in data.subjects if not row.levels.get(s.subject.pk, {}).get(point)]
        if levels:
            parts.append(_("the level of %(subjects)s") % {"subjects": _names(levels)})
        tested = data.tested(point)
        tests = [s.subject.name for s in data.subjects
                 if s.subject.code in tested and row.tests.get(s.subject.pk, {}).get(point) is None]
        if tests:
            parts.append(_("the test score of %(subjects)s") % {"subjects": _names(tests)})
        entered = row.traits.get(point, {})
        traits = [str(t.label) for t in TRAITS if t.value not in entered]
        if len(traits) == len(TRAITS):
            parts.append(_("the qualities and competencies"))
        elif traits:
            parts.append(ngettext("%(count)s quality or competency (%(names)s)",
                                  "%(count)s qualities and competencies (%(names)s)", len(traits))
                         % {"count": len(traits), "names": _names(traits)})
        if parts:
            sentences.append(_("%(student)s (%(point)s): %(missing)s.") % {
                "student": row.student.full_name, "point": point_label(point), "missing": "; ".join(parts)})
    return sentences


def approval_gaps(data: PrimaryClassData, number: int) -> list[str]:
    """Why the period cannot be approved yet: per student still studying, what each of its points lacks."""
    if number not in POINTS_OF_PERIOD:
        return [_("A primary class is approved for term I and for the whole year.")]
    studying = [row for row in data.rows if row.enrolment.status == sm.Enrolment.Status.STUDYING]
    if not data.subjects:
        return [_("The class has no subjects: the admin board sets the subjects of grade %(grade)s.")
                % {"grade": data.grade}]
    if not studying:
        return [_("The class has no students studying in it.")]
    gaps = []
    for row in studying:
        gaps.extend(student_gaps(data, row, POINTS_OF_PERIOD[number]))
    return gaps


def shortened(gaps: list[str]) -> list[str]:
    """The first MAX_GAPS sentences, and how many more there are."""
    if len(gaps) <= MAX_GAPS:
        return gaps
    rest = len(gaps) - MAX_GAPS
    return [*gaps[:MAX_GAPS], ngettext("… and %(count)s more.", "… and %(count)s more.", rest) % {"count": rest}]


# --- the qualities and competencies sheet ---------------------------------------------------------------


def cell_key(enrolment_id: int, trait: str) -> str:
    """The form field (and error key) of one cell: "t-12-yeu_nuoc"."""
    return f"t-{enrolment_id}-{trait}"


@dataclass
class TraitCell:
    trait: str
    key: str
    value: str  # as shown: T, Đ, C or ""
    label: str  # the cell's name for a screen reader: "Nguyễn An — Yêu nước"


@dataclass
class TraitRow:
    number: int
    enrolment: sm.Enrolment
    writable: bool
    cells: list[TraitCell]


@dataclass
class TraitsSheet:
    school_class: sm.SchoolClass
    point: tt27.AssessmentPoint
    rows: list[TraitRow]
    approval: ResultApproval | None
    may_write: bool  # the actor is the class's homeroom teacher

    @property
    def frozen(self) -> bool:
        return self.approval is not None

    @property
    def editable(self) -> bool:
        return self.may_write and not self.frozen

    @property
    def qualities(self) -> list[tuple[str, str]]:
        return [(t.value, tt27.QUALITY_NAMES[tt27.Quality(t.value)]) for t in QUALITIES]

    @property
    def competencies(self) -> list[tuple[str, str]]:
        return [(t.value, tt27.COMPETENCY_NAMES[tt27.Competency(t.value)]) for t in COMPETENCIES]

    @property
    def point_label(self) -> str:
        return point_label(self.point)


def trait_names() -> dict[str, str]:
    return {**{q.value: n for q, n in tt27.QUALITY_NAMES.items()}, **{c.value: n for c, n in tt27.COMPETENCY_NAMES.items()}}


def traits_sheet(*, actor, school_class: sm.SchoolClass, point: tt27.AssessmentPoint) -> TraitsSheet:
    """The homeroom teacher's sheet of one point: the students × the five qualities and ten competencies."""
    require_primary_results_reader(actor, school_class)
    require_primary(actor, school_class)
    enrolments = sort_vietnamese(class_roster(school_class))
    entered: dict[int, dict[str, str]] = {}
    for enrolment_id, trait, level in PrimaryTraitAssessment.objects.filter(
            enrolment__school_class=school_class, point=point).values_list("enrolment_id", "trait", "level"):
        entered.setdefault(enrolment_id, {})[trait] = level
    names = trait_names()
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        levels = entered.get(enrolment.pk, {})
        cells = [TraitCell(trait=t.value, key=cell_key(enrolment.pk, t.value),
                           value=tt27.Level3(levels[t.value]).letter if t.value in levels else "",
                           label=f"{enrolment.student.full_name} — {names[t.value]}") for t in TRAITS]
        rows.append(TraitRow(number=number, enrolment=enrolment,
                             writable=enrolment.status == sm.Enrolment.Status.STUDYING, cells=cells))
    return TraitsSheet(school_class=school_class, point=point, rows=rows,
                       approval=freezing(approvals_of(school_class), point),
                       may_write=can_assess_traits(actor, school_class))


# --- the class results -------------------------------------------------------------------------------------


def _trait_summary(levels: dict[str, str], members) -> str:
    """"5 T", "4 T, 1 Đ", "3/5 entered" …: the end-of-year levels of a group of traits, counted."""
    given = [levels[t.value] for t in members if t.value in levels]
    if not given:
        return ""
    if len(given) < len(members):
        return _("%(given)s/%(total)s entered") % {"given": len(given), "total": len(members)}
    counts = [(level, given.count(level.value)) for level in tt27.Level3]
    return ", ".join(f"{count} {level.letter}" for level, count in counts if count)


@dataclass
class SubjectCell:
    level: str  # T / H / C / ""
    test: int | None
    tested: bool  # the subject has an end-of-year test in this grade


@dataclass
class ResultLine:
    number: int
    row: PrimaryRow
    cells: list[SubjectCell]
    qualities: str
    competencies: str
    result: str  # the result that stands, labelled ("" while incomplete)
    completion: str
    title: str
    missing: str  # why there is no result yet (translated)

    @property
    def enrolment(self) -> sm.Enrolment:
        return self.row.enrolment

    @property
    def studying(self) -> bool:
        return self.row.enrolment.status == sm.Enrolment.Status.STUDYING

    @property
    def record(self):
        return self.row.record


@dataclass
class PeriodState:
    number: int
    label: str
    approval: ResultApproval | None
    gaps: list[str] = field(default_factory=list)

    @property
    def period(self) -> str | int:
        return "year" if self.number == YEAR else self.number


@dataclass
class PrimaryResults:
    school_class: sm.SchoolClass
    data: PrimaryClassData
    lines: list[ResultLine]
    counts: list[tuple[str, str, int]]  # (result value, label, students) HTXS … CHT
    without_result: int  # students still studying with no result yet
    periods: list[PeriodState]

    @property
    def subjects(self):
        return self.data.subjects

    @property
    def year_approval(self) -> ResultApproval | None:
        return next(p.approval for p in self.periods if p.number == YEAR)


def results_of(data: PrimaryClassData, approvals: dict[int, ResultApproval]) -> PrimaryResults:
    tested = data.tested(END)
    lines = []
    for number, row in enumerate(data.rows, start=1):
        cells = [SubjectCell(level=row.levels.get(s.subject.pk, {}).get(END, ""),
                             test=row.tests.get(s.subject.pk, {}).get(END), tested=s.subject.code in tested)
                 for s in data.subjects]
        traits = row.traits.get(END, {})
        lines.append(ResultLine(
            number=number, row=row, cells=cells, qualities=_trait_summary(traits, QUALITIES),
            competencies=_trait_summary(traits, COMPETENCIES), result=result_label(row.result or ""),
            completion=completion_text(data.grade, row.completes_grade), title=title_label(row.title),
            missing=_(row.missing) if row.missing else ""))
    studying = [line for line in lines if line.studying]
    counts = [(value, str(label), sum(1 for line in studying if line.row.result == value))
              for value, label in PrimaryYearResult.choices]
    periods = []
    for number in PERIODS:
        approval = approvals.get(number)
        periods.append(PeriodState(number=number, label=period_label(number), approval=approval,
                                   gaps=[] if approval else approval_gaps(data, number)))
    return PrimaryResults(school_class=data.school_class, data=data, lines=lines, counts=counts,
                          without_result=sum(1 for line in studying if line.row.result is None), periods=periods)


def class_results(*, actor, school_class: sm.SchoolClass) -> PrimaryResults:
    """The class's year (every student of its list), the counts per result and each period's approval state."""
    require_primary_results_reader(actor, school_class)
    require_primary(actor, school_class)
    return results_of(load_primary_class(school_class), approvals_of(school_class))


# --- one student's year record ---------------------------------------------------------------------------


def enrolment_for(user, pk: int) -> sm.Enrolment:
    """An enrolment of a class in the user's school (else a 404), with its class and student."""
    enrolments = sm.Enrolment.objects.select_related("student", "school_class__year",
                                                     "school_class__homeroom_teacher__profile")
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        enrolments = enrolments.filter(school_class__year__school=user_school(user))
    return found_or_hidden(enrolments, user, "results", pk=pk)


@dataclass
class StudentYear:
    results: PrimaryResults
    line: ResultLine

    @property
    def row(self) -> PrimaryRow:
        return self.line.row

    @property
    def school_class(self) -> sm.SchoolClass:
        return self.results.school_class

    @property
    def frozen(self) -> bool:
        return self.results.year_approval is not None


def student_year(*, actor, enrolment: sm.Enrolment) -> StudentYear:
    """One student's year, read with the whole class (a fixed number of queries): the record page."""
    results = class_results(actor=actor, school_class=enrolment.school_class)
    line = next(line for line in results.lines if line.row.enrolment.pk == enrolment.pk)
    return StudentYear(results=results, line=line)
