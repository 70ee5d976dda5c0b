"""Every change of an individual education plan (TT22 art. 11): drafting and editing, the principal's approval.

The homeroom teacher of the student's class (or the admin board) drafts a plan: per subject of
the class, the subject is assessed by scores, by comments (Đ / CĐ) or not at all (exempt); a
subject left out is assessed as the class has it. The principal approves it; only an approved
plan counts in the results. Editing an approved plan sends it back to draft - a reason is then
required, and the results assess the student as the class again until the principal approves
the new version. Approving a plan, or taking an approved one back to draft, changes the
student's results: both are refused once the principal has approved any period of the class's
results (they are frozen). Every write keeps its history (who, when, why).
"""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import policy
from gradebook.models import IndividualPlan, IndividualPlanSubject
from gradebook.results.compute import YEAR, period_in_sentence
from gradebook.results.services import approved_periods, delete_with_history, history_reason, lock_class
from gradebook.rules.tt22 import PlanMode
from schoolrecords import models as sm
from schoolrecords import selectors
from schoolrecords.permissions import user_school
from schoolrecords.services import record

MAX_NOTE = 2000


def mode_field(subject_id: int) -> str:
    """The form field (and error key) of one subject's mode: "mode-12"."""
    return f"mode-{subject_id}"


def class_subjects(school_class: sm.SchoolClass) -> list[sm.Subject]:
    """The subjects the class studies this year (its own set, else its grade's), in the ledger's order."""
    return [studied.subject for studied in selectors.class_subjects(school_class)]


def enrolment_of(student: sm.Student, year: sm.SchoolYear) -> sm.Enrolment | None:
    """The student's enrolment of the year whose class drafts the plan: the latest one (after a class change)."""
    return (sm.Enrolment.objects.filter(student_id=student.pk, school_class__year_id=year.pk)
            .select_related("school_class__year", "student").order_by("-start_date", "-pk").first())


def refuse_if_results_frozen(school_class: sm.SchoolClass) -> None:
    """A plan that starts or stops counting changes the year's results: refused once any period is approved."""
    approved = approved_periods(school_class)
    if approved:
        period = period_in_sentence(YEAR if YEAR in approved else min(approved))
        raise ValidationError(_("The principal has approved the results of class %(class)s for %(period)s: the "
                                "plan can no longer change them. Ask the principal to reopen the results first.")
                              % {"class": school_class.name, "period": period}, code="frozen")


def _check_student(actor, student: sm.Student, year: sm.SchoolYear) -> sm.Enrolment:
    school = user_school(actor)
    if not actor.is_superuser and (school is None or student.school_id != school.pk):
        raise ValidationError({"student": _("This student is not at your school.")})
    if year.school_id != student.school_id:
        raise ValidationError({"year": _("This school year belongs to another school.")})
    enrolment = enrolment_of(student, year)
    if enrolment is None:
        raise ValidationError({"year": _("%(name)s does not study at the school in the school year %(year)s.") % {
            "name": student.full_name, "year": year.name}})
    return enrolment


def _clean_modes(school_class: sm.SchoolClass, modes: Mapping[int, str]) -> dict[int, PlanMode]:
    studied = {subject.pk: subject for subject in class_subjects(school_class)}
    errors: dict[str, str] = {}
    cleaned: dict[int, PlanMode] = {}
    for subject_id, text in modes.items():
        text = (text or "").strip()
        if subject_id not in studied:
            errors[mode_field(subject_id)] = _("Class %(class)s does not study this subject this year.") % {
                "class": school_class.name}
            continue
        if not text:
            continue
        try:
            cleaned[subject_id] = PlanMode(text)
        except ValueError:
            errors[mode_field(subject_id)] = _("Choose by scores, by comments or exempt.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def plan_save(*, actor, student: sm.Student, year: sm.SchoolYear, modes: Mapping[int, str], note: str = "",
              reason: str = "") -> IndividualPlan:
    """Draft a student's plan for ``year``, or change it: ``modes`` maps subject ids to a PlanMode value
    ("" or absent: assessed as the class). Changing an approved plan takes it back to draft (``reason`` required).
    """
    enrolment = _check_student(actor, student, year)
    school_class = lock_class(enrolment.school_class)
    if not policy.may_draft_plan(actor, school_class):
        policy.require_same_school(actor, school_class)
        raise PermissionDenied(_("Only the homeroom teacher of the class or the admin board drafts a student's "
                                 "individual education plan."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": MAX_NOTE}})
    cleaned = _clean_modes(school_class, modes)
    plan = IndividualPlan.objects.select_for_update().filter(student_id=student.pk, year_id=year.pk).first()
    now = timezone.now()
    if plan is None:
        plan = record(IndividualPlan(student=student, year=year, note=note, created_by=actor, created_at=now,
                                     updated_by=actor, updated_at=now),
                      actor=actor, reason=history_reason(reason, _("Individual education plan drafted")))
        current: dict[int, IndividualPlanSubject] = {}
    else:
        current = {row.subject_id: row for row in IndividualPlanSubject.objects.select_for_update().filter(plan=plan)}
        unchanged = note == plan.note and {key: PlanMode(row.mode) for key, row in current.items()} == cleaned
        if unchanged:
            return plan
        if plan.is_approved:
            if not reason.strip():
                raise ValidationError({"reason": _("The plan is approved: say why it changes. It goes back to the "
                                                   "principal for approval.")})
            refuse_if_results_frozen(school_class)
            plan.state = IndividualPlan.State.DRAFT
            plan.approved_by, plan.approved_at, plan.approval_note = None, None, ""
        plan.note, plan.updated_by, plan.updated_at = note, actor, now
        record(plan, actor=actor, reason=history_reason(reason, _("Individual education plan changed")),
               update_fields=["state", "approved_by", "approved_at", "approval_note", "note", "updated_by",
                              "updated_at"])
    why = history_reason(reason, _("Individual education plan changed"))
    for subject_id, mode in cleaned.items():
        row = current.get(subject_id)
        if row is None:
            record(IndividualPlanSubject(plan=plan, subject_id=subject_id, mode=mode.value), actor=actor, reason=why)
        elif row.mode != mode.value:
            row.mode = mode.value
            record(row, actor=actor, reason=why, update_fields=["mode"])
    delete_with_history([row for key, row in current.items() if key not in cleaned], actor=actor, reason=why)
    return plan


@transaction.atomic
def plan_approve(*, actor, plan: IndividualPlan, note: str = "") -> IndividualPlan:
    """The principal approves a draft plan: from now on the student's results are computed under it."""
    plan = IndividualPlan.objects.select_for_update(of=("self",)).select_related("year", "student").get(pk=plan.pk)
    policy.require_principal(actor, plan.year)
    if plan.is_approved:
        raise ValidationError(_("This plan is already approved."), code="state")
    note = (note or "").strip()
    if len(note) > 255:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": 255}})
    enrolment = enrolment_of(plan.student, plan.year)
    if enrolment is not None:
        refuse_if_results_frozen(lock_class(enrolment.school_class))
    plan.state = IndividualPlan.State.APPROVED
    plan.approved_by, plan.approved_at, plan.approval_note = actor, timezone.now(), note
    return record(plan, actor=actor, reason=history_reason(note, _("Individual education plan approved")),
                  update_fields=["state", "approved_by", "approved_at", "approval_note"])
