"""Reads of individual education plans: a class's students and their plans, one student's plan and its history,
the plans waiting for the principal.

Readers: the class's homeroom teacher, the admin board and the leadership (principal, vice
principal); another school's class is a 404. Each read runs a fixed number of queries whatever
the size of the class.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from gradebook import policy
from gradebook.models import IndividualPlan, IndividualPlanSubject, PlanModeChoice
from gradebook.plans.services import class_subjects
from gradebook.results.compute import staff_name
from schoolrecords import models as sm
from schoolrecords.permissions import user_school
from schoolrecords.selectors import sort_vietnamese


@dataclass
class PlanListRow:
    number: int
    enrolment: sm.Enrolment  # with .student
    plan: IndividualPlan | None
    changed_subjects: int  # subjects the plan assesses otherwise than the class


@dataclass
class PlanList:
    school_class: sm.SchoolClass
    rows: list[PlanListRow]
    can_draft: bool

    @property
    def with_plan(self) -> int:
        return sum(1 for row in self.rows if row.plan is not None)


def class_plans(*, actor, school_class: sm.SchoolClass) -> PlanList:
    """The class's students, each with their plan of the year or none (two queries after the reader's check)."""
    policy.require_plan_reader(actor, school_class)
    enrolments = sort_vietnamese(sm.Enrolment.objects.filter(school_class_id=school_class.pk)
                                 .select_related("student").order_by())
    plans = {plan.student_id: plan for plan in IndividualPlan.objects.filter(
        year_id=school_class.year_id, student__enrolments__school_class_id=school_class.pk)
        .annotate(changed=Count("subjects")).order_by()}
    rows = [PlanListRow(number=position, enrolment=enrolment, plan=plans.get(enrolment.student_id),
                        changed_subjects=getattr(plans.get(enrolment.student_id), "changed", 0))
            for position, enrolment in enumerate(enrolments, start=1)]
    return PlanList(school_class=school_class, rows=rows, can_draft=policy.may_draft_plan(actor, school_class))


@dataclass(frozen=True)
class HistoryLine:
    when: datetime.datetime
    who: str
    what: str
    reason: str


@dataclass
class PlanSubjectRow:
    subject: sm.Subject
    mode: str  # a PlanMode value, "" for "as the class"

    @property
    def mode_label(self) -> str:
        return str(PlanModeChoice(self.mode).label) if self.mode else _("As the class")


@dataclass
class PlanPage:
    school_class: sm.SchoolClass
    enrolment: sm.Enrolment  # with .student
    plan: IndividualPlan | None  # with approved_by__profile
    subjects: list[PlanSubjectRow]
    can_draft: bool
    can_approve: bool
    history: list[HistoryLine] = field(default_factory=list)


def _who(user) -> str:
    return staff_name(user) if user is not None else "—"


def _history(plan: IndividualPlan, subjects: dict[int, sm.Subject]) -> list[HistoryLine]:
    """The plan's changes and its subjects', oldest first (two queries)."""
    lines = []
    state_labels = dict(IndividualPlan.State.choices)
    for row in plan.history.select_related("history_user__profile").order_by("history_date", "history_id"):
        what = {"+": _("Drafted"), "~": _("Changed"), "-": _("Deleted")}[row.history_type]
        lines.append(HistoryLine(row.history_date, _who(row.history_user),
                                 f"{what}: {state_labels.get(row.state, row.state)}", row.history_change_reason or ""))
    for row in (IndividualPlanSubject.history.filter(plan_id=plan.pk).select_related("history_user__profile")
                .order_by("history_date", "history_id")):
        subject = subjects.get(row.subject_id)
        name = subject.name if subject is not None else "?"
        mode = str(PlanModeChoice(row.mode).label) if row.mode in PlanModeChoice.values else row.mode
        what = _("%(subject)s: as the class") % {"subject": name} if row.history_type == "-" else \
            _("%(subject)s: %(mode)s") % {"subject": name, "mode": mode}
        lines.append(HistoryLine(row.history_date, _who(row.history_user), what, row.history_change_reason or ""))
    return sorted(lines, key=lambda line: line.when)


def plan_page(*, actor, school_class: sm.SchoolClass, student_pk: int) -> PlanPage:
    """One student's plan of the class's year: the subject × mode table and its history."""
    policy.require_plan_reader(actor, school_class)
    enrolment = (sm.Enrolment.objects.filter(school_class_id=school_class.pk, student_id=student_pk)
                 .select_related("student").first())
    if enrolment is None:
        raise Http404
    subjects = class_subjects(school_class)
    plan = (IndividualPlan.objects.filter(student_id=student_pk, year_id=school_class.year_id)
            .select_related("approved_by__profile", "created_by__profile").first())
    modes = dict(IndividualPlanSubject.objects.filter(plan=plan).values_list("subject_id", "mode")) if plan else {}
    page = PlanPage(
        school_class=school_class, enrolment=enrolment, plan=plan,
        subjects=[PlanSubjectRow(subject=subject, mode=modes.get(subject.pk, "")) for subject in subjects],
        can_draft=policy.may_draft_plan(actor, school_class),
        can_approve=plan is not None and not plan.is_approved and policy.is_principal(actor),
    )
    if plan is not None:
        page.history = _history(plan, {subject.pk: subject for subject in subjects})
    return page


@dataclass
class PendingPlan:
    plan: IndividualPlan  # with student, year, updated_by__profile
    school_class: sm.SchoolClass | None  # the student's (latest) class of the plan's year


def pending_plans(*, actor) -> list[PendingPlan]:
    """The drafts of the principal's school, oldest change first (two queries)."""
    if not policy.is_principal(actor):
        raise PermissionDenied(str(policy.PRINCIPAL_ONLY_MESSAGE))
    school = user_school(actor)
    plans = list(IndividualPlan.objects.filter(state=IndividualPlan.State.DRAFT, year__school=school)
                 .select_related("student", "year", "updated_by__profile").order_by("updated_at", "pk"))
    classes: dict[tuple[int, int], sm.SchoolClass] = {}
    if plans:
        wanted = Q()
        for plan in plans:
            wanted |= Q(student_id=plan.student_id, school_class__year_id=plan.year_id)
        for enrolment in (sm.Enrolment.objects.filter(wanted).select_related("school_class")
                          .order_by("start_date", "pk")):
            classes[enrolment.student_id, enrolment.school_class.year_id] = enrolment.school_class
    return [PendingPlan(plan=plan, school_class=classes.get((plan.student_id, plan.year_id))) for plan in plans]
