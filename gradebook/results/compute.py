"""A class's results for a term or the year: loaded in a constant number of queries, then the TT22 rules.

``load_class`` reads everything a class's results depend on (subjects and periods, the class
list, every score of the year, conduct, absences, remarks, exemptions, re-tests, summer
re-assessments, approvals) in a fixed number of queries, whatever the size of the class;
``term_results`` and ``year_results`` then apply the TT22 rules (gradebook.rules.tt22) to plain values, and
``approval_gaps`` lists what still keeps the principal from approving. No permission is checked
here: gradebook.results.selectors does that before calling in.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from gradebook.models import (
    ConductResult,
    EarlierResult,
    Exemption,
    IndividualPlan,
    LevelChoice,
    MonthlyAbsence,
    ResultApproval,
    RetestResult,
    Score,
    StudentRemark,
    SubjectRemark,
    SummerReassessment,
    format_average,
    format_comment,
    format_score,
)
from gradebook.rules import tt22
from gradebook.rules.slots import Month, in_class_at_end, studies_during, term_months
from gradebook.rules.tt22 import Level, Outcome, PlanMode, Title
from schoolrecords import models as sm
from schoolrecords.selectors import class_subjects, sort_vietnamese

YEAR = 0  # the key of the whole year wherever periods are keyed by term number



# --- labels ------------------------------------------------------------------------------------


def level_label(level: Level | str | None) -> str:
    return "" if level is None else str(LevelChoice(str(level)).label)


def outcome_label(outcome: Outcome | None) -> str:
    return {
        None: "",
        Outcome.PROMOTED: pgettext("outcome", "Promoted"),
        Outcome.RETEST: pgettext("outcome", "Re-test"),
        Outcome.SUMMER_TRAINING: pgettext("outcome", "Summer training"),
        Outcome.REPEAT: pgettext("outcome", "Repeats the grade"),
    }[outcome]


def title_label(value: Title | None) -> str:
    return {
        None: "",
        Title.XUAT_SAC: _("Excellent student"),
        Title.GIOI: _("Good student"),
    }[value]


def period_label(term_number: int) -> str:
    return {1: _("Term I"), 2: _("Term II"), YEAR: _("Whole year")}[term_number]


def period_in_sentence(term_number: int) -> str:
    """The period as it reads inside a sentence: "term I", "the whole year"."""
    return {
        1: pgettext("period in a sentence", "term I"),
        2: pgettext("period in a sentence", "term II"),
        YEAR: pgettext("period in a sentence", "the whole year"),
    }[term_number]


def format_value(value: Decimal | bool | None, *, average: bool = True) -> str:
    """An average (always one decimal) or a comment result (Đ / CĐ) as the ledger shows it."""
    if isinstance(value, bool):
        return format_comment(value)
    return format_average(value) if average else format_score(value)


# --- months of a term --------------------------------------------------------------------------


# --- what one class holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectInfo:
    subject: sm.Subject
    regular_required: int  # ĐĐGtx per term, from the periods per year
    by_comments: bool | None = None  # one student's individual plan overrides the subject's mode

    @property
    def is_commented(self) -> bool:
        return self.subject.is_commented if self.by_comments is None else self.by_comments

    @property
    def required_slots(self) -> list[tuple[str, int]]:
        return [(Score.Kind.REGULAR, index) for index in range(1, self.regular_required + 1)] + [
            (Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]


@dataclass(frozen=True)
class _Slot:
    value: Decimal | None
    comment_passed: bool | None

    @property
    def filled(self) -> bool:
        return self.value is not None or self.comment_passed is not None


@dataclass(frozen=True)
class PlanApproval:
    approved_by: str
    approved_at: datetime.datetime


def _load_plans(year: sm.SchoolYear, enrolments: list[sm.Enrolment]
                ) -> tuple[dict[int, dict[int, PlanMode]], dict[int, PlanApproval]]:
    """The approved individual plans of the class's students for the year, in one query.

    A plan belongs to the student and the year, so each of the student's enrolments in the class
    (normally one) carries it. The outer join keeps a plan that changes no subject.
    """
    by_student: dict[int, list[int]] = defaultdict(list)
    for enrolment in enrolments:
        by_student[enrolment.student_id].append(enrolment.pk)
    plans: dict[int, dict[int, PlanMode]] = {}
    approvals: dict[int, PlanApproval] = {}
    if not by_student:
        return plans, approvals
    rows = (IndividualPlan.objects.filter(year_id=year.pk, student_id__in=list(by_student),
                                          state=IndividualPlan.State.APPROVED)
            .order_by().values_list("student_id", "subjects__subject_id", "subjects__mode", "approved_at",
                                    "approved_by__profile__full_name", "approved_by__username"))
    for student_id, subject_id, mode, approved_at, full_name, username in rows:
        for enrolment_id in by_student[student_id]:
            modes = plans.setdefault(enrolment_id, {})
            if subject_id is not None:
                modes[subject_id] = PlanMode(mode)
            approvals[enrolment_id] = PlanApproval(approved_by=full_name or username, approved_at=approved_at)
    return plans, approvals


@dataclass
class ClassData:
    """Everything a class's results are computed from, read once."""

    school_class: sm.SchoolClass  # with .year
    terms: dict[int, sm.Term]
    months: dict[int, list[Month]]
    subjects: list[SubjectInfo]
    enrolments: list[sm.Enrolment]  # Vietnamese order, with .student
    slots: dict[tuple[int, int, int], dict[tuple[str, int], _Slot]]  # (term number, enrolment, subject)
    conduct: dict[tuple[int, int], Level]  # (enrolment, term number)
    absences: dict[int, dict[Month, tuple[int, int]]]  # enrolment → month → (excused, unexcused)
    remarks: dict[tuple[int, int], str]  # (enrolment, term number or YEAR)
    exemptions: dict[tuple[int, int], list[Exemption]]  # (enrolment, subject)
    retests: dict[tuple[int, int], RetestResult]  # (enrolment, subject)
    summer: dict[int, Level]  # enrolment → conduct after the summer training
    approvals: dict[int, ResultApproval]  # term number or YEAR
    teachers: dict[int, str]  # subject → the teacher's name (current assignment, else the last one)
    # The subject teachers' remarks: (enrolment, subject, term number or YEAR) → text.
    subject_remarks: dict[tuple[int, int, int], str] = field(default_factory=dict)
    # Students assessed under an individual education plan (TT22 art. 11): enrolment → subject →
    # the plan's mode for that subject (a subject the plan leaves as the class has it is absent; a
    # student with a plan is a key even when it changes no subject). load_class fills it from the
    # principal's APPROVED plans (gradebook.models.IndividualPlan); a draft counts nowhere.
    plans: dict[int, dict[int, PlanMode]] = field(default_factory=dict)
    # enrolment → who approved its plan and when, as the prints say it.
    plan_approvals: dict[int, PlanApproval] = field(default_factory=dict)
    # Term results got before joining the class (a transfer in, a class change): (term number,
    # enrolment, subject) → (value: Decimal, or True/False for Đ/CĐ; where from). Used where the
    # student has no score of that term in the class.
    earlier: dict[tuple[int, int, int], tuple[Decimal | bool, str]] = field(default_factory=dict)

    @property
    def year(self) -> sm.SchoolYear:
        return self.school_class.year

    def has_plan(self, enrolment_id: int) -> bool:
        return enrolment_id in self.plans

    def subject_for(self, enrolment_id: int, info: SubjectInfo) -> SubjectInfo:
        """The subject as one student is assessed in it: by comments where their plan says so."""
        mode = self.plans.get(enrolment_id, {}).get(info.subject.pk)
        by_comments = tt22.plan_assesses_by_comments(commented=info.subject.is_commented, mode=mode)
        return info if by_comments == info.is_commented else replace(info, by_comments=by_comments)

    def exempt_in(self, enrolment_id: int, subject_id: int, term_number: int) -> bool:
        """Exempt for that term (or, with YEAR, for the whole year)? A plan's exemption is for the year."""
        if self.plans.get(enrolment_id, {}).get(subject_id) is PlanMode.EXEMPT:
            return True
        for exemption in self.exemptions.get((enrolment_id, subject_id), ()):
            number = exemption.term.number if exemption.term_id else YEAR
            if number == YEAR or number == term_number:
                return True
        return False

    def exempt_for_year(self, enrolment_id: int, subject_id: int) -> bool:
        return self.exempt_in(enrolment_id, subject_id, YEAR) or (
            self.exempt_in(enrolment_id, subject_id, 1) and self.exempt_in(enrolment_id, subject_id, 2)
        )

    def frozen(self, term_number: int) -> bool:
        """Approved results are frozen: the term's (or, for YEAR, the year's); the year's freezes both terms."""
        return YEAR in self.approvals or term_number in self.approvals

    def absence_totals(self, enrolment_id: int, term_number: int) -> tuple[int, int]:
        months = self.absences.get(enrolment_id, {})
        if term_number != YEAR:
            wanted = set(self.months.get(term_number, ()))
            months = {month: counts for month, counts in months.items() if month in wanted}
        return sum(e for e, _u in months.values()), sum(u for _e, u in months.values())


def load_class(school_class: sm.SchoolClass) -> ClassData:
    """Read everything of one class's year in a constant number of queries (fifteen).

    ``school_class`` should come with ``year`` selected.
    """
    year = school_class.year
    terms = {term.number: term for term in sm.Term.objects.filter(year_id=year.pk).order_by("number")}
    subjects = [
        SubjectInfo(subject=row.subject, regular_required=tt22.regular_assessment_count(
            row.periods_per_year, learning_topics=row.learning_topics))
        for row in class_subjects(school_class)
    ]
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=school_class.pk).select_related("student").order_by()
    )
    in_class = {"enrolment__school_class_id": school_class.pk}

    slots: dict[tuple[int, int, int], dict[tuple[str, int], _Slot]] = defaultdict(dict)
    rows = (
        Score.objects.filter(term__year_id=year.pk, **in_class)
        .order_by()
        .values_list("term__number", "enrolment_id", "subject_id", "kind", "index", "value", "comment_passed")
    )
    for number, enrolment_id, subject_id, kind, index, value, passed in rows:
        slots[number, enrolment_id, subject_id][kind, index] = _Slot(value, passed)

    conduct = {
        (enrolment_id, number): Level(level)
        for enrolment_id, number, level in ConductResult.objects.filter(term__year_id=year.pk, **in_class)
        .order_by().values_list("enrolment_id", "term__number", "level")
    }
    absences: dict[int, dict[Month, tuple[int, int]]] = defaultdict(dict)
    for row in MonthlyAbsence.objects.filter(**in_class).order_by().values_list(
        "enrolment_id", "year", "month", "excused", "unexcused"
    ):
        absences[row[0]][row[1], row[2]] = (row[3], row[4])
    remarks = {
        (enrolment_id, number or YEAR): text
        for enrolment_id, number, text in StudentRemark.objects.filter(**in_class)
        .order_by().values_list("enrolment_id", "term__number", "text")
    }
    subject_remarks = {
        (enrolment_id, subject_id, number or YEAR): text
        for enrolment_id, subject_id, number, text in SubjectRemark.objects.filter(**in_class)
        .order_by().values_list("enrolment_id", "subject_id", "term__number", "text")
    }
    exemptions: dict[tuple[int, int], list[Exemption]] = defaultdict(list)
    for exemption in Exemption.objects.filter(**in_class).select_related("term", "subject", "decided_by__profile"):
        exemptions[exemption.enrolment_id, exemption.subject_id].append(exemption)
    retests = {
        (retest.enrolment_id, retest.subject_id): retest
        for retest in RetestResult.objects.filter(**in_class).order_by()
    }
    summer = {
        enrolment_id: Level(level)
        for enrolment_id, level in SummerReassessment.objects.filter(**in_class).order_by()
        .values_list("enrolment_id", "level")
    }
    approvals = {
        approval.term.number if approval.term_id else YEAR: approval
        for approval in ResultApproval.objects.filter(school_class_id=school_class.pk)
        .select_related("term", "approved_by__profile")
    }
    earlier = {
        (number, enrolment_id, subject_id): (value if value is not None else passed, source)
        for enrolment_id, subject_id, number, value, passed, source in EarlierResult.objects.filter(**in_class)
        .order_by().values_list("enrolment_id", "subject_id", "term__number", "value", "comment_passed", "source")
    }
    plans, plan_approvals = _load_plans(year, enrolments)
    teachers: dict[int, str] = {}
    # Open assignments last, so that they win over ended ones.
    for assignment in (
        sm.TeachingAssignment.objects.filter(school_class_id=school_class.pk, state=sm.TeachingAssignment.State.CONFIRMED)
        .select_related("teacher__profile")
        .order_by(F("end_date").desc(nulls_last=True), "start_date")
    ):
        teachers[assignment.subject_id] = staff_name(assignment.teacher)
    return ClassData(
        school_class=school_class, terms=terms, months=term_months(terms.values()), subjects=subjects,
        enrolments=enrolments, slots=dict(slots), conduct=conduct, absences=dict(absences), remarks=remarks,
        exemptions=dict(exemptions), retests=retests, summer=summer, approvals=approvals, teachers=teachers,
        subject_remarks=subject_remarks, earlier=earlier, plans=plans, plan_approvals=plan_approvals,
    )


def staff_name(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    return (profile.full_name if profile is not None else "") or user.get_full_name() or user.get_username()


# --- one student's results ---------------------------------------------------------------------


@dataclass
class SubjectResult:
    """One subject of one student: the term (or year) value, or why there is none."""

    info: SubjectInfo
    value: Decimal | bool | None = None  # ĐTBmhk/ĐTBmcn, or Đ (True) / CĐ (False); None while incomplete
    exempt: bool = False
    retest: Decimal | bool | None = None  # year only: the re-test result, which replaces ``value``
    on_retest_list: bool = False

    @property
    def final(self) -> Decimal | bool | None:
        return self.retest if self.retest is not None else self.value

    @property
    def display(self) -> str:
        if self.exempt:
            return pgettext("exempt, short", "Ex.")
        return format_value(self.value)

    @property
    def retest_display(self) -> str:
        return format_value(self.retest, average=False)


@dataclass
class StudentResult:
    number: int  # list number (STT)
    enrolment: sm.Enrolment
    required: bool  # in the class at the end of the period: results due, counted in lists and approval
    subjects: list[SubjectResult]
    learning_before_adjustment: Level | None = None
    learning: Level | None = None
    conduct: Level | None = None
    excused: int = 0
    unexcused: int = 0
    remark: str = ""
    # year only
    conduct_terms: tuple[Level | None, Level | None] = (None, None)
    title: Title | None = None
    outcome: Outcome | None = None  # before the summer remedies
    learning_after_retest: Level | None = None
    summer_conduct: Level | None = None
    outcome_after: Outcome | None = None  # after the re-test or the summer training, once entered
    individual_plan: bool = False  # assessed under an approved individual education plan
    graduation: tt22.Graduation | None = None  # grade 12, once the year (and any remedy) is decided

    @property
    def absent(self) -> int:
        return self.excused + self.unexcused

    @property
    def complete(self) -> bool:
        return self.learning is not None and self.conduct is not None

    @property
    def retest_subjects(self) -> list[SubjectResult]:
        return [result for result in self.subjects if result.on_retest_list]

    @property
    def final_outcome(self) -> Outcome | None:
        return self.outcome_after or self.outcome

    @property
    def remedy_pending(self) -> bool:
        return self.outcome in (Outcome.RETEST, Outcome.SUMMER_TRAINING) and self.outcome_after is None

    # labels for the templates, which only reflect
    @property
    def learning_label(self) -> str:
        return level_label(self.learning)

    @property
    def learning_before_label(self) -> str:
        return level_label(self.learning_before_adjustment)

    @property
    def adjusted(self) -> bool:
        return self.learning is not None and self.learning != self.learning_before_adjustment

    @property
    def conduct_label(self) -> str:
        return level_label(self.conduct)

    @property
    def conduct_terms_label(self) -> str:
        """The two terms' conduct, "Tốt / Khá", from which the year's is computed."""
        first, second = self.conduct_terms
        return "" if first is None and second is None else f"{level_label(first) or '—'} / {level_label(second) or '—'}"

    @property
    def title_label(self) -> str:
        return title_label(self.title)

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)

    @property
    def outcome_after_label(self) -> str:
        return outcome_label(self.outcome_after)

    @property
    def final_outcome_label(self) -> str:
        return outcome_label(self.final_outcome)

    @property
    def completes_programme_label(self) -> str:
        """Grade 12: "Hoàn thành chương trình THPT" or not; empty for the other grades or while undecided."""
        if self.graduation is None:
            return ""
        return (_("Completes the upper-secondary programme") if self.graduation.completes_programme
                else _("Does not complete the upper-secondary programme"))

    @property
    def exam_eligible_label(self) -> str:
        """Grade 12: eligible for the graduation exam or not; empty for the other grades or while undecided."""
        if self.graduation is None:
            return ""
        return (_("Eligible for the graduation exam") if self.graduation.exam_eligible
                else _("Not eligible for the graduation exam"))

    @property
    def learning_after_retest_label(self) -> str:
        return level_label(self.learning_after_retest)

    @property
    def summer_conduct_label(self) -> str:
        return level_label(self.summer_conduct)


def _levels(scored: list[Decimal], comments: list[bool], *, year: sm.SchoolYear,
            individual_plan: bool = False) -> tuple[Level, Level] | None:
    if not scored and not comments:  # every subject exempt: nothing to classify
        return None
    return (
        tt22.learning_level_before_adjustment(scored, comments, individual_plan=individual_plan),
        tt22.learning_level(scored, comments, comment_subject_can_adjust=year.comment_subject_can_adjust,
                            individual_plan=individual_plan),
    )


def _split(results: Iterable[SubjectResult], *, final: bool = False) -> tuple[list[Decimal], list[bool]] | None:
    """The non-exempt values as (scored, comments), or None while one is missing."""
    scored, comments = [], []
    for result in results:
        if result.exempt:
            continue
        value = result.final if final else result.value
        if value is None:
            return None
        (comments if result.info.is_commented else scored).append(value)
    return scored, comments


def _term_value(data: ClassData, number: int, enrolment_id: int, info: SubjectInfo) -> Decimal | bool | None:
    held = data.slots.get((number, enrolment_id, info.subject.pk), {})
    if not held and (number, enrolment_id, info.subject.pk) in data.earlier:
        return data.earlier[number, enrolment_id, info.subject.pk][0]
    return tt22.subject_term_result(held, required=info.regular_required, is_commented=info.is_commented)


def _student_term(data: ClassData, number: int, position: int, enrolment: sm.Enrolment) -> StudentResult:
    term = data.terms[number]
    subjects = []
    for info in (data.subject_for(enrolment.pk, info) for info in data.subjects):
        if data.exempt_in(enrolment.pk, info.subject.pk, number):
            subjects.append(SubjectResult(info=info, exempt=True))
        else:
            subjects.append(SubjectResult(info=info, value=_term_value(data, number, enrolment.pk, info)))
    row = StudentResult(number=position, enrolment=enrolment, required=in_class_at_end(enrolment, term),
                        subjects=subjects, conduct=data.conduct.get((enrolment.pk, number)),
                        remark=data.remarks.get((enrolment.pk, number), ""),
                        individual_plan=data.has_plan(enrolment.pk))
    row.excused, row.unexcused = data.absence_totals(enrolment.pk, number)
    values = _split(subjects)
    levels = _levels(*values, year=data.year, individual_plan=data.has_plan(enrolment.pk)) if values else None
    if levels:
        row.learning_before_adjustment, row.learning = levels
    return row


def _year_value(data: ClassData, enrolment_id: int, info: SubjectInfo) -> Decimal | bool | None:
    return tt22.subject_year_result(
        _term_value(data, 1, enrolment_id, info), _term_value(data, 2, enrolment_id, info),
        is_commented=info.is_commented, exempt_term1=data.exempt_in(enrolment_id, info.subject.pk, 1),
        exempt_term2=data.exempt_in(enrolment_id, info.subject.pk, 2))


def _below_pass(result: SubjectResult) -> bool:
    """Re-tested (TT22 art. 12): a scored subject with ĐTBmcn below 5.0, a comment subject at CĐ."""
    if result.exempt or result.value is None:
        return False
    if result.info.is_commented:
        return result.value is False
    return result.value < tt22.DAT_PASS


def _student_year(data: ClassData, position: int, enrolment: sm.Enrolment) -> StudentResult:
    subjects = []
    for info in (data.subject_for(enrolment.pk, info) for info in data.subjects):
        if data.exempt_for_year(enrolment.pk, info.subject.pk):
            subjects.append(SubjectResult(info=info, exempt=True))
        else:
            subjects.append(SubjectResult(info=info, value=_year_value(data, enrolment.pk, info)))
    last_term = data.terms.get(2) or data.terms.get(1)
    conduct_terms = (data.conduct.get((enrolment.pk, 1)), data.conduct.get((enrolment.pk, 2)))
    row = StudentResult(
        number=position, enrolment=enrolment,
        required=last_term is not None and in_class_at_end(enrolment, last_term),
        subjects=subjects, conduct_terms=conduct_terms, remark=data.remarks.get((enrolment.pk, YEAR), ""),
        conduct=tt22.conduct_year(*conduct_terms) if None not in conduct_terms else None,
        individual_plan=data.has_plan(enrolment.pk),
    )
    row.excused, row.unexcused = data.absence_totals(enrolment.pk, YEAR)
    plan = data.has_plan(enrolment.pk)
    values = _split(subjects)
    levels = _levels(*values, year=data.year, individual_plan=plan) if values else None
    if levels:
        row.learning_before_adjustment, row.learning = levels
    if row.learning is None or row.conduct is None:
        return row
    scored_year = [result.value for result in subjects if not result.exempt and not result.info.is_commented]
    row.title = tt22.title(row.learning, row.conduct, scored_year, individual_plan=plan)
    row.outcome = tt22.year_outcome(row.learning, row.conduct, row.absent)
    if row.outcome is Outcome.RETEST:
        for result in subjects:
            if _below_pass(result):
                result.on_retest_list = True
                retest = data.retests.get((enrolment.pk, result.info.subject.pk))
                result.retest = retest.result if retest is not None else None
        if all(result.retest is not None for result in row.retest_subjects):
            after = _levels(*_split(subjects, final=True), year=data.year, individual_plan=plan)
            row.learning_after_retest = after[1]
            row.outcome_after = tt22.year_outcome(row.learning_after_retest, row.conduct, row.absent,
                                                        after_remedies=True)
    elif row.outcome is Outcome.SUMMER_TRAINING:
        row.summer_conduct = data.summer.get(enrolment.pk)
        if row.summer_conduct is not None:
            row.outcome_after = tt22.year_outcome(row.learning, row.summer_conduct, row.absent,
                                                        after_remedies=True)
    if not row.remedy_pending:
        row.graduation = tt22.graduation(
            grade=data.school_class.grade, learning=row.learning_after_retest or row.learning,
            conduct=row.summer_conduct or row.conduct, absent_sessions=row.absent)
    return row


# --- the class -----------------------------------------------------------------------------------


@dataclass
class ClassResults:
    data: ClassData
    term_number: int  # 1, 2 or YEAR
    rows: list[StudentResult]
    gaps: list[str] = field(default_factory=list)

    @property
    def is_year(self) -> bool:
        return self.term_number == YEAR

    @property
    def subjects(self) -> list[SubjectInfo]:
        return self.data.subjects

    @property
    def approval(self) -> ResultApproval | None:
        return self.data.approvals.get(self.term_number)

    @property
    def frozen(self) -> bool:
        return self.data.frozen(self.term_number)

    @property
    def is_final_grade(self) -> bool:
        """Grade 12: the results say whether each student completes the programme and may sit the exam."""
        return self.data.school_class.grade == tt22.FINAL_GRADE

    @property
    def due(self) -> list[StudentResult]:
        return [row for row in self.rows if row.required]

    @property
    def retest_list(self) -> list[StudentResult]:
        return [row for row in self.due if row.outcome is Outcome.RETEST]

    @property
    def summer_list(self) -> list[StudentResult]:
        return [row for row in self.due if row.outcome is Outcome.SUMMER_TRAINING]

    @property
    def totals(self) -> dict[str, list[tuple[str, int]]]:
        """Class totals of the summary table: how many students per learning and conduct level, title, outcome."""
        due = self.due
        totals = {
            "learning": [(str(choice.label), sum(1 for row in due if row.learning == choice.value))
                         for choice in LevelChoice],
            "conduct": [(str(choice.label), sum(1 for row in due if row.conduct == choice.value))
                        for choice in LevelChoice],
        }
        if self.is_year:
            totals["title"] = [(title_label(value), sum(1 for row in due if row.title is value)) for value in Title]
            totals["outcome"] = [(outcome_label(value), sum(1 for row in due if row.final_outcome is value))
                                 for value in Outcome]
        if self.is_year and self.is_final_grade:
            totals["graduation"] = [
                (_("Eligible for the graduation exam"),
                 sum(1 for row in due if row.graduation is not None and row.graduation.exam_eligible)),
                (_("Not eligible for the graduation exam"),
                 sum(1 for row in due if row.graduation is not None and not row.graduation.exam_eligible)),
            ]
        return totals


def term_results(data: ClassData, number: int) -> ClassResults:
    term = data.terms[number]
    rows = [
        _student_term(data, number, position, enrolment)
        for position, enrolment in enumerate(data.enrolments, start=1)
        if studies_during(enrolment, term)
    ]
    return ClassResults(data=data, term_number=number, rows=rows)


def year_results(data: ClassData) -> ClassResults:
    rows = [
        _student_year(data, position, enrolment)
        for position, enrolment in enumerate(data.enrolments, start=1)
        if any(studies_during(enrolment, term) for term in data.terms.values())
    ]
    return ClassResults(data=data, term_number=YEAR, rows=rows)


def results_for(data: ClassData, number: int) -> ClassResults:
    """The class's results for a term (1, 2) or the year (YEAR), with what still blocks approval."""
    results = year_results(data) if number == YEAR else term_results(data, number)
    results.gaps = approval_gaps(data, number, results)
    return results


# --- what keeps the principal from approving -----------------------------------------------------


def _names(rows: list[sm.Enrolment], limit: int = 5) -> str:
    names = [enrolment.student.full_name for enrolment in rows[:limit]]
    if len(rows) > limit:
        names.append("…")
    return ", ".join(names)


def missing_cells(data: ClassData, number: int) -> list[tuple[SubjectInfo, int, list[sm.Enrolment]]]:
    """Per subject: how many required score cells of the term are empty, and whose."""
    term = data.terms[number]
    due = [enrolment for enrolment in data.enrolments if in_class_at_end(enrolment, term)]
    missing = []
    for info in data.subjects:
        count, students = 0, []
        for enrolment in due:
            if data.exempt_in(enrolment.pk, info.subject.pk, number):
                continue
            held = data.slots.get((number, enrolment.pk, info.subject.pk), {})
            empty = sum(1 for slot in info.required_slots if not (held.get(slot) and held[slot].filled))
            if empty:
                count += empty
                students.append(enrolment)
        if count:
            missing.append((info, count, students))
    return missing


def approval_gaps(data: ClassData, number: int, results: ClassResults | None = None) -> list[str]:
    """What still has to be entered before the class's term (or year) can be approved, as sentences.

    A term needs every required score cell (every student in the class at the term's end × every
    column of every subject they are not exempt from) and every conduct result. The year needs
    both terms, and - because approving it freezes the re-tests and summer re-assessments - the
    result of every re-test and summer re-assessment of the students on those lists.
    """
    gaps = []
    for term_number in ((1, 2) if number == YEAR else (number,)):
        if term_number not in data.terms:
            continue
        label = period_label(term_number)
        for info, count, students in missing_cells(data, term_number):
            gaps.append(ngettext(
                "%(subject)s, %(term)s: %(count)s score cell is empty (%(names)s) — teacher: %(teacher)s.",
                "%(subject)s, %(term)s: %(count)s score cells are empty (%(names)s) — teacher: %(teacher)s.",
                count,
            ) % {"subject": info.subject.name, "term": label, "count": count, "names": _names(students),
                 "teacher": data.teachers.get(info.subject.pk) or "—"})
        term = data.terms[term_number]
        no_conduct = [enrolment for enrolment in data.enrolments
                      if in_class_at_end(enrolment, term) and (enrolment.pk, term_number) not in data.conduct]
        if no_conduct:
            gaps.append(ngettext(
                "Conduct, %(term)s: %(count)s student has no result yet (%(names)s).",
                "Conduct, %(term)s: %(count)s students have no result yet (%(names)s).",
                len(no_conduct),
            ) % {"term": label, "count": len(no_conduct), "names": _names(no_conduct)})
    if number == YEAR and not gaps:
        results = results if results is not None else year_results(data)
        no_retest = [row.enrolment for row in results.retest_list if row.outcome_after is None]
        if no_retest:
            gaps.append(ngettext(
                "Re-test: the result of %(count)s student is not entered yet (%(names)s).",
                "Re-test: the results of %(count)s students are not entered yet (%(names)s).",
                len(no_retest),
            ) % {"count": len(no_retest), "names": _names(no_retest)})
        no_summer = [row.enrolment for row in results.summer_list if row.outcome_after is None]
        if no_summer:
            gaps.append(ngettext(
                "Summer training: %(count)s student has not been re-assessed yet (%(names)s).",
                "Summer training: %(count)s students have not been re-assessed yet (%(names)s).",
                len(no_summer),
            ) % {"count": len(no_summer), "names": _names(no_summer)})
    return gaps
