"""Every change of a primary class's year: the traits sheet, the year record, the principal's decision, approval.

Each service locks the class row (gradebook.results.services.lock_class: an approval and a save of the same
class never interleave), checks the actor's right (gradebook.policy), refuses what the principal's
approval froze (selectors.period_approved), and writes with history (who, why). Bad input is a
ValidationError keyed by the field it is about; the traits sheet saves every good cell and names
each bad one, which keeps its old value.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import signals
from gradebook.models import PrimaryTrait, PrimaryTraitAssessment, PrimaryYearRecord, PrimaryYearResult, ResultApproval
from gradebook.policy import require_homeroom, require_principal, require_traits_assessor
from gradebook.primary.compute import PrimaryRow, load_primary_class
from gradebook.primaryyear import selectors as s
from gradebook.results.compute import YEAR, period_in_sentence
from gradebook.results.services import bulk_with_history, delete_with_history, history_reason, lock_class
from gradebook.rules import tt27
from schoolrecords import models as sm
from schoolrecords.services import record

MAX_REMARK = 1000
MAX_PLAN = 2000
MAX_ACHIEVEMENTS = 500


def _primary_only(school_class: sm.SchoolClass) -> None:
    if not s.is_primary(school_class):
        raise ValidationError(_("Class %(class)s is not a primary class.") % {"class": school_class.name},
                              code="not_primary")


def _refuse_if_approved(school_class: sm.SchoolClass, point: tt27.AssessmentPoint) -> None:
    approval = s.period_approved(school_class, point)
    if approval is not None:
        raise ValidationError(s.frozen_message(school_class, approval), code="frozen")


# --- the qualities and competencies sheet ----------------------------------------------------------------


@dataclass(frozen=True)
class TraitInput:
    """One cell as typed: "T", "t", "Đ", "d", "C", "" (clears it) …"""

    enrolment_id: int
    trait: str
    text: str


@dataclass(frozen=True)
class TraitsSaved:
    changed: int  # rows written or cleared
    values: dict[str, str]  # cell key → what the cell holds now (T / Đ / C / ""), for every accepted cell
    errors: dict[str, str]  # cell key → why that cell was not saved (it keeps its old value)


@transaction.atomic
def traits_save(*, actor, school_class: sm.SchoolClass, point: tt27.AssessmentPoint | str,
                entries: Iterable[TraitInput], reason: str = "") -> TraitsSaved:
    """The homeroom teacher enters qualities and competencies of one point (TT27 art. 6, 8).

    Refused as a whole for anyone but the class's homeroom teacher, a class that is not primary, or a
    point whose period the principal has approved. Each cell is judged alone (tt27.parse_level3): a
    bad one is named in ``errors`` and keeps its old value, the good ones are saved.
    """
    school_class = lock_class(school_class)
    require_traits_assessor(actor, school_class)
    _primary_only(school_class)
    point = tt27.AssessmentPoint(point)
    _refuse_if_approved(school_class, point)
    enrolments = {e.pk: e for e in sm.Enrolment.objects.filter(school_class=school_class).select_related("student")}
    existing = {(row.enrolment_id, row.trait): row for row in PrimaryTraitAssessment.objects.select_for_update(of=("self",))
                .filter(enrolment__school_class=school_class, point=point)}
    known = set(PrimaryTrait.values)
    now = timezone.now()
    create, update, delete = [], [], []
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for entry in entries:
        key = s.cell_key(entry.enrolment_id, entry.trait)
        enrolment = enrolments.get(entry.enrolment_id)
        if enrolment is None or entry.trait not in known:
            errors[key] = _("This cell is not on the sheet of class %(class)s.") % {"class": school_class.name}
            continue
        if enrolment.status != sm.Enrolment.Status.STUDYING:
            errors[key] = _("%(student)s no longer studies in this class.") % {"student": enrolment.student.full_name}
            continue
        try:
            level = tt27.parse_level3(entry.text)
        except tt27.ScoreInputError as error:
            errors[key] = _(error.message)
            continue
        row = existing.get((enrolment.pk, entry.trait))
        values[key] = level.letter if level else ""
        if level is None:
            if row is not None:
                if row.pk is None:
                    create.remove(row)  # typed earlier in the same batch: simply not created
                else:
                    if row in update:
                        update.remove(row)
                    delete.append(row)
                del existing[(enrolment.pk, entry.trait)]
        elif row is None:
            row = PrimaryTraitAssessment(enrolment=enrolment, point=point, trait=entry.trait, level=level.value,
                                         updated_by=actor, updated_at=now)
            existing[(enrolment.pk, entry.trait)] = row
            create.append(row)
        elif row.level != level.value:
            row.level, row.updated_by, row.updated_at = level.value, actor, now
            if row.pk is not None and row not in update:
                update.append(row)
    text = history_reason(reason, _("Qualities and competencies assessed"))
    delete_with_history(delete, actor=actor, reason=text)
    bulk_with_history(PrimaryTraitAssessment, create, update, ["level", "updated_by", "updated_at"], actor=actor,
                      reason=text, now=now)
    return TraitsSaved(changed=len(create) + len(update) + len(delete), values=values, errors=errors)


# --- one student's year record ---------------------------------------------------------------------------


def _row_of(enrolment: sm.Enrolment) -> PrimaryRow:
    data = load_primary_class(enrolment.school_class)
    return next(row for row in data.rows if row.enrolment.pk == enrolment.pk)


def _locked_record(enrolment: sm.Enrolment) -> PrimaryYearRecord | None:
    return PrimaryYearRecord.objects.select_for_update().filter(enrolment=enrolment).first()


def _result_phrase(row: PrimaryRow) -> str:
    if row.computed is None:
        return _("has no year result yet")
    return _("completed the year: %(result)s") % {"result": PrimaryYearResult(row.computed.value).label}


@transaction.atomic
def year_record_save(*, actor, enrolment: sm.Enrolment, proposed_outstanding: bool = False, achievements: str = "",
                     homeroom_remark: str = "", support_plan: str = "", reassessed_result: str = "",
                     reason: str = "") -> PrimaryYearRecord:
    """The homeroom teacher's part of a student's year record (TT27 art. 14-15).

    The class's proposal as Học sinh Tiêu biểu only for a student who completed well (HTT); the support
    plan and the re-assessment only for one who has not completed (CHT). The proposal, achievements and
    remark freeze with the year's approval; the support and re-assessment come after it (the summer).
    """
    school_class = lock_class(enrolment.school_class)
    require_homeroom(actor, school_class)
    _primary_only(school_class)
    row = _row_of(enrolment)
    current = _locked_record(enrolment)
    stored = current or PrimaryYearRecord(enrolment=enrolment, updated_by=actor)
    achievements, homeroom_remark, support_plan = achievements.strip(), homeroom_remark.strip(), support_plan.strip()
    reassessed_result = reassessed_result.strip()
    errors: dict[str, list[str]] = {}
    wanted = {"proposed_outstanding": bool(proposed_outstanding), "achievements": achievements,
              "homeroom_remark": homeroom_remark, "support_plan": support_plan, "reassessed_result": reassessed_result}
    changed = [name for name, value in wanted.items() if getattr(stored, name) != value]
    if not changed:
        return stored
    approval = s.period_approved(school_class, tt27.AssessmentPoint.END_OF_YEAR)
    if approval is not None:
        for name in ("proposed_outstanding", "achievements", "homeroom_remark"):
            if name in changed:
                errors[name] = [s.frozen_message(school_class, approval)]
    if wanted["proposed_outstanding"] and "proposed_outstanding" in changed and row.computed is not tt27.YearResult.HTT:
        errors.setdefault("proposed_outstanding", []).append(
            _("Only a student who completed well (HTT) can be proposed as Học sinh Tiêu biểu: %(student)s "
              "%(result)s.") % {"student": row.student.full_name, "result": _result_phrase(row)})
    if not row.needs_support:
        for name in ("support_plan", "reassessed_result"):
            if wanted[name] and name in changed:
                errors.setdefault(name, []).append(
                    _("Support and re-assessment are for a student who has not completed the grade (CHT): "
                      "%(student)s %(result)s.") % {"student": row.student.full_name, "result": _result_phrase(row)})
    if reassessed_result and reassessed_result not in PrimaryYearResult.values:
        errors.setdefault("reassessed_result", []).append(_("Choose HTXS, HTT, HT or CHT."))
    if "reassessed_result" in changed and stored.decision:
        errors.setdefault("reassessed_result", []).append(
            _("The principal has already decided on this student; the re-assessment can no longer change."))
    for name, limit in (("achievements", MAX_ACHIEVEMENTS), ("homeroom_remark", MAX_REMARK),
                        ("support_plan", MAX_PLAN)):
        if len(wanted[name]) > limit:
            errors.setdefault(name, []).append(_("At most %(limit)s characters.") % {"limit": limit})
    if errors:
        raise ValidationError(errors)
    for name in changed:
        setattr(stored, name, wanted[name])
    stored.updated_by, stored.updated_at = actor, timezone.now()
    return record(stored, actor=actor, reason=history_reason(reason, _("Year record saved")))


@transaction.atomic
def year_decision_save(*, actor, enrolment: sm.Enrolment, decision: str, reason: str = "") -> PrimaryYearRecord:
    """The principal decides promotion or repetition of a student still not completed after support (art. 14.3).

    Only for a student whose year was CHT and whose re-assessment the homeroom teacher has entered;
    a student who completed at the re-assessment is promoted. "" withdraws the decision.
    """
    school_class = lock_class(enrolment.school_class)
    require_principal(actor, school_class)
    _primary_only(school_class)
    if decision not in ("", *PrimaryYearRecord.Decision.values):
        raise ValidationError({"decision": _("Choose promoted or repeats the grade.")})
    row = _row_of(enrolment)
    current = _locked_record(enrolment)
    if current is not None and current.decision == decision:
        return current
    if decision:
        if not row.needs_support:
            raise ValidationError({"decision": _(
                "The principal decides only for a student who has not completed the grade (CHT): %(student)s "
                "%(result)s.") % {"student": row.student.full_name, "result": _result_phrase(row)}})
        if current is None or not current.reassessed_result:
            raise ValidationError({"decision": _(
                "The homeroom teacher enters the re-assessment after the support first.")})
        if decision == PrimaryYearRecord.Decision.REPEATS and tt27.completes_grade(current.reassessed_result):
            raise ValidationError({"decision": _(
                "%(student)s completed the grade at the re-assessment: they are promoted.")
                % {"student": row.student.full_name}})
    current = current or PrimaryYearRecord(enrolment=enrolment, updated_by=actor)
    now = timezone.now()
    current.decision = decision
    current.decided_by, current.decided_at = (actor, now) if decision else (None, None)
    current.updated_by, current.updated_at = actor, now
    return record(current, actor=actor, reason=history_reason(reason, _("Principal's decision")))


# --- approval ------------------------------------------------------------------------------------------


@transaction.atomic
def primary_approve(*, actor, school_class: sm.SchoolClass, number: int, note: str = "",
                    reason: str = "") -> ResultApproval:
    """The principal approves a primary class's term I (number 1) or its year (YEAR): from then on it is frozen.

    Refused while anything required is missing (selectors.approval_gaps names which students and what),
    when already approved, and for term II (a primary class is approved for term I and the year).
    Announces gradebook.signals.results_approved once committed.
    """
    school_class = lock_class(school_class)
    require_principal(actor, school_class)
    _primary_only(school_class)
    if number not in s.PERIODS:
        raise ValidationError(_("A primary class is approved for term I and for the whole year."), code="period")
    approvals = s.approvals_of(school_class)
    if number in approvals or YEAR in approvals:
        done = number if number in approvals else YEAR
        raise ValidationError(_("The results of class %(class)s for %(period)s are already approved.") % {
            "class": school_class.name, "period": period_in_sentence(done)}, code="approved")
    term = None
    if number != YEAR:
        term = sm.Term.objects.filter(year_id=school_class.year_id, number=number).first()
        if term is None:
            raise ValidationError(_("The school year has no term I."), code="period")
    gaps = s.approval_gaps(load_primary_class(school_class), number)
    if gaps:
        raise ValidationError(s.shortened(gaps), code="incomplete")
    approval = ResultApproval(school_class=school_class, term=term, approved_by=actor, approved_at=timezone.now(),
                              note=note.strip()[:255])
    record(approval, actor=actor, reason=history_reason(reason, _("Results approved")))
    signals.send_on_commit(signals.results_approved, school_class_id=school_class.pk,
                           term_id=term.pk if term is not None else None, approval_id=approval.pk, actor_id=actor.pk)
    return approval
