"""Corrections of an approved class's homeroom work and results: conduct, absences, remarks, exemptions, re-tests.

Once the principal approves a class's period (gradebook.results.services.results_approve) the
sheets that write these refuse every change (refuse_if_frozen, "correctable"); from then on a
value changes only through a HomeroomCorrection, the way a recorded score changes through a
correction request (seed 000 art. 8.3, seed 001 art. 5): the homeroom teacher asks, for one
value, with the value they were shown, the new one, a reason and an evidence file (PDF, JPEG or
PNG, recognised by its content); the leadership decides (gradebook.policy.require_decider: the
principal, or a vice principal delegated for the year; nobody decides their own request), with
the admin board member present named on the minutes, which take the school year's next number
(shared with score corrections, gradebook.corrections.minutes). Approving writes the new value
through the one writer of its table (gradebook.results.homeroom_write.homeroom_write,
gradebook.results.services.retests_write / exemption_write), with the request as the history
reason, withdraws the approvals the change affects (approval_reopen, as a score correction does)
and announces gradebook.signals.homeroom_correction_applied once committed. A value that changed
since it was shown, or a request already decided, is refused and nothing changes.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import policy, signals
from gradebook.corrections.homeroom_values import display
from gradebook.corrections.minutes import next_minutes_number
from gradebook.corrections.services import (
    MAX_TEXT,
    check_decision,
    default_minutes_place,
    evidence_type,
)
from gradebook.models import (
    MAX_SESSIONS_PER_MONTH,
    ConductResult,
    Exemption,
    HomeroomCorrection,
    LevelChoice,
    MonthlyAbsence,
    RetestResult,
    StudentRemark,
)
from gradebook.results.compute import YEAR, load_class, period_in_sentence, year_results
from gradebook.results.homeroom_write import correction_slot, homeroom_write
from gradebook.results.services import (
    MAX_REMARK,
    approval_reopen,
    approved_periods,
    delete_with_history,
    exemption_write,
    history_reason,
    lock_class,
    retests_write,
)
from gradebook.rules import tt22
from gradebook.rules.slots import Month, studies_during, term_months
from schoolrecords import models as sm
from schoolrecords.selectors import studies
from schoolrecords.services import record

Field = HomeroomCorrection.Field
Status = HomeroomCorrection.Status
PER_TERM = {Field.CONDUCT, Field.ABSENCES}
WITH_SUBJECT = {Field.EXEMPTION, Field.RETEST}


class AlreadyDecided(ValidationError):
    def __init__(self, request: HomeroomCorrection):
        super().__init__({"__all__": _("This request is already %(status)s: it cannot be decided again.") % {
            "status": Status(request.status).label.lower()}})


@dataclass(frozen=True)
class Target:
    """Which value a request is about: the student, the field, the period and, where it applies, subject or month."""

    enrolment_id: int
    field: str
    term_id: int | None = None  # None: the year
    subject_id: int | None = None
    month: Month | None = None

    @property
    def slot(self) -> str:
        return correction_slot(field=self.field, enrolment_id=self.enrolment_id, term_id=self.term_id,
                               subject_id=self.subject_id, month=self.month)


def target_of(request: HomeroomCorrection) -> Target:
    return Target(enrolment_id=request.enrolment_id, field=request.field, term_id=request.term_id,
                  subject_id=request.subject_id,
                  month=(request.month_year, request.month) if request.month else None)


# --- values: what is stored now, in the request's canonical form, and how it reads ---------------------


def current_value(target: Target, *, for_update: bool = False):
    """The value the target holds now: conduct "tot"/"", absences [P, K], remark text, exempt bool, re-test
    "6.5"/True/False/None."""
    def rows(model):
        return model.objects.select_for_update() if for_update else model.objects

    if target.field == Field.CONDUCT:
        row = rows(ConductResult).filter(enrolment_id=target.enrolment_id, term_id=target.term_id).first()
        return row.level if row else ""
    if target.field == Field.ABSENCES:
        row = rows(MonthlyAbsence).filter(enrolment_id=target.enrolment_id, year=target.month[0],
                                          month=target.month[1]).first()
        return [row.excused, row.unexcused] if row else [0, 0]
    if target.field == Field.REMARK:
        row = rows(StudentRemark).filter(enrolment_id=target.enrolment_id, term_id=target.term_id).first()
        return row.text if row else ""
    if target.field == Field.EXEMPTION:
        return rows(Exemption).filter(enrolment_id=target.enrolment_id, subject_id=target.subject_id,
                                      term_id=target.term_id).exists()
    row = rows(RetestResult).filter(enrolment_id=target.enrolment_id, subject_id=target.subject_id).first()
    return _retest_canonical(row.value, row.comment_passed) if row else None


def _retest_canonical(value: Decimal | None, passed: bool | None):
    return str(value) if value is not None else passed


def _frozen(approved: set[int], field: str, number: int) -> bool:
    """Would the normal sheet refuse this value (its class's period approved)?"""
    if YEAR in approved:
        return True
    if field == Field.EXEMPTION and number == YEAR:
        return bool(approved)  # a year exemption changes both terms
    return number in approved


# --- the homeroom teacher ------------------------------------------------------------------------------


def needs_request(school_class: sm.SchoolClass, field: str, term: sm.Term | None) -> str:
    """Why a value of this class and period is changed on its sheet and not by a request, or "" when it needs one."""
    number = term.number if term is not None else YEAR
    if _frozen(approved_periods(school_class), field, number):
        return ""
    return _("The results of class %(class)s for %(period)s are not approved: change the value on the sheet.") % {
        "class": school_class.name, "period": period_in_sentence(number)}


@transaction.atomic
def homeroom_correction_submit(*, actor, school_class: sm.SchoolClass, enrolment_id: int, field: str,
                               term: sm.Term | None = None, subject: sm.Subject | None = None,
                               month: Month | None = None, shown=None, new=None, reason: str = "",
                               evidence=None) -> HomeroomCorrection:
    """The homeroom teacher asks to change one value of an approved period; ValidationError at its field, nothing saved.

    ``shown`` is the value (canonical form) the teacher's page showed; ``new`` the value asked for:
    a level for conduct, (excused, unexcused) for absences, the text of a remark, True/False for an
    exemption, the re-test result as typed ("6,5", "Đ"). ``evidence``: one uploaded file.
    """
    school_class = lock_class(school_class)
    policy.require_homeroom(actor, school_class)
    if field not in Field.values:
        raise ValidationError({"field": _("Unknown value to correct.")})
    enrolment = (sm.Enrolment.objects.select_related("student")
                 .filter(pk=enrolment_id, school_class_id=school_class.pk).first())
    if enrolment is None:
        raise ValidationError({"enrolment": _("This student is not in the class.")})
    terms = {each.number: each for each in sm.Term.objects.filter(year_id=school_class.year_id)}
    if term is not None and term.year_id != school_class.year_id:
        raise ValidationError({"term": _("This term belongs to another school year.")})
    if field in PER_TERM and term is None:
        raise ValidationError({"term": _("Conduct and absences are entered per term.")})
    if field == Field.RETEST and term is not None:
        raise ValidationError({"term": _("A re-test result belongs to the year.")})
    if field in WITH_SUBJECT and (subject is None or subject.school_id != school_class.year.school_id):
        raise ValidationError({"subject": _("Choose the subject.")})
    number = term.number if term is not None else YEAR
    in_period = [term] if term is not None else list(terms.values())
    if not any(studies_during(enrolment, each) for each in in_period):
        raise ValidationError({"enrolment": _("This student is not in the class during this period.")})
    if field == Field.ABSENCES:
        months = term_months(terms.values()).get(number, [])
        if month not in months:
            raise ValidationError({"month": _("Absences can only be entered for the months of this term.")})
    else:
        month = None
    not_frozen = needs_request(school_class, field, term)
    if not_frozen:
        raise ValidationError({"__all__": not_frozen})

    target = Target(enrolment_id=enrolment.pk, field=field, term_id=term.pk if term else None,
                    subject_id=subject.pk if field in WITH_SUBJECT else None, month=month)
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason for the correction.")
    elif len(reason) > MAX_TEXT:
        errors["reason"] = _("At most %(max)s characters (you typed %(length)s).") % {
            "max": MAX_TEXT, "length": len(reason)}
    content_type = ""
    if evidence is None:
        errors["evidence"] = _("Attach the evidence: a scanned document that proves the correct value.")
    else:
        try:
            content_type = evidence_type(evidence)
        except ValidationError as error:
            errors["evidence"] = " ".join(error.messages)
    old = current_value(target, for_update=True)
    try:
        new = _parse_new(field, new, school_class=school_class, enrolment=enrolment, subject=subject, term=term,
                         old=old)
    except ValidationError as error:
        errors["new"] = " ".join(error.messages)
    if shown is not None and _normal(field, shown) != old:
        errors["shown"] = _("This value has changed since you opened the form: it now reads “%(value)s”. Check it "
                            "and file the request again.") % {"value": display(field, old) or "—"}
    elif "new" not in errors and new == old:
        errors["new"] = _("The new value is the same as the old one.")
    if HomeroomCorrection.objects.filter(slot=target.slot, status=Status.PENDING).exists():
        errors["__all__"] = _("This value already has a request waiting for the leadership.")
    if errors:
        raise ValidationError(errors)

    request = HomeroomCorrection(
        school_class=school_class, enrolment=enrolment, field=field, term=term,
        subject=subject if field in WITH_SUBJECT else None,
        month_year=month[0] if month else None, month=month[1] if month else None, slot=target.slot,
        old_value=old, new_value=new, reason=reason, requested_by=actor,
        evidence_name=evidence.name.rsplit("/", 1)[-1][:200], evidence_type=content_type)
    request.evidence.save(f"{target.slot.replace(':', '-')}-{request.evidence_name}", evidence, save=False)
    return record(request, actor=actor, reason=_("Homeroom correction request filed"))


def _normal(field: str, value):
    """A value as a form sends it back (JSON), in the canonical form."""
    if field == Field.ABSENCES:
        try:
            return [int(value[0]), int(value[1])]
        except (TypeError, ValueError, IndexError):
            return value
    return value


def _parse_new(field: str, new, *, school_class, enrolment, subject, term, old):
    if field == Field.CONDUCT:
        if new not in LevelChoice.values:
            raise ValidationError(_("Choose Good, Fair, Pass or Not yet passed."))
        return new
    if field == Field.ABSENCES:
        try:
            excused, unexcused = (int(part) for part in new)
        except (TypeError, ValueError):
            raise ValidationError(_("Enter the number of excused and unexcused sessions.")) from None
        if excused < 0 or unexcused < 0:
            raise ValidationError(_("The number of sessions absent cannot be negative."))
        if excused + unexcused > MAX_SESSIONS_PER_MONTH:
            raise ValidationError(_("A month has at most %(max)s sessions.") % {"max": MAX_SESSIONS_PER_MONTH})
        return [excused, unexcused]
    if field == Field.REMARK:
        text = (new or "").strip()
        if len(text) > MAX_REMARK:
            raise ValidationError(_("A remark has at most %(max)s characters.") % {"max": MAX_REMARK})
        return text
    if field == Field.EXEMPTION:
        if not isinstance(new, bool):
            raise ValidationError(_("Say whether the student is exempt."))
        if new and not studies(school_class, subject):
            raise ValidationError(_("%(name)s does not study %(subject)s this year.") % {
                "name": school_class.name, "subject": subject.name})
        if new:
            others = Exemption.objects.filter(enrolment=enrolment, subject=subject)
            if others.filter(term__isnull=True).exists() or (term is None and others.exists()):
                raise ValidationError(_("%(name)s already has an exemption from %(subject)s that overlaps this "
                                        "period.") % {"name": enrolment.student.full_name, "subject": subject.name})
        return new
    # A re-test: of a student on the re-test list for the subject (or who already has its result).
    if old is None and (enrolment.pk, subject.pk) not in _retest_originals(school_class):
        raise ValidationError(_("This student is not on the re-test list for that subject."))
    try:
        if subject.is_commented:
            return tt22.parse_comment(str(new or ""))
        value = tt22.parse_score(str(new or ""))
    except tt22.ScoreInputError as error:
        raise ValidationError(_(error.message) % error.params) from None
    return str(value) if value is not None else None


def _retest_originals(school_class: sm.SchoolClass) -> dict[tuple[int, int], object]:
    results = year_results(load_class(school_class))
    return {(row.enrolment.pk, subject.info.subject.pk): subject.value
            for row in results.retest_list for subject in row.retest_subjects}


# --- the leadership ------------------------------------------------------------------------------------


def _for_update(request: HomeroomCorrection) -> HomeroomCorrection:
    return (HomeroomCorrection.objects.select_for_update(of=("self",))
            .select_related("school_class__year__school", "term", "subject", "enrolment__student")
            .get(pk=request.pk))


def correction_reason(request: HomeroomCorrection) -> str:
    return _("Homeroom correction no. %(number)s approved") % {"number": request.pk}


@transaction.atomic
def homeroom_correction_approve(*, actor, request: HomeroomCorrection, witness=None, place: str = "",
                                note: str = "") -> HomeroomCorrection:
    """Approve and apply: the new value is written, the approvals it changes are withdrawn, the minutes numbered.

    Refused, nothing changed: not a decider (or one's own request), already decided, no or a wrong
    witness, the value no longer the one the request was filed against.
    """
    request = _for_update(request)
    policy.require_decider(actor, request)
    if request.status != Status.PENDING:
        raise AlreadyDecided(request)
    note, place = check_decision(note=note, place=place, witness=witness, request=request, actor=actor)
    school_class = lock_class(request.school_class)
    target = target_of(request)
    now_holds = current_value(target, for_update=True)
    if now_holds != request.old_value:
        raise ValidationError({"__all__": _(
            "The value has changed since the request was filed: it now reads “%(value)s”, so nothing was changed. "
            "Reject the request and ask for a new one.") % {"value": display(request.field, now_holds) or "—"}})
    reason = correction_reason(request)
    _apply(request, actor=actor, school_class=school_class, reason=reason)
    terms = [request.term] if request.term_id else (
        list(sm.Term.objects.filter(year_id=school_class.year_id).order_by("number"))
        if request.field == Field.EXEMPTION else [None])
    for term in terms:
        approval_reopen(actor=actor, school_class=school_class, term=term, reason=reason, correction=request)
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        Status.APPROVED, actor, timezone.now(), note)
    request.witness = witness
    request.minutes_number = next_minutes_number(school_class.year_id)
    request.minutes_place = place or default_minutes_place(school_class.year.school)
    request.minutes_date = timezone.localdate(request.decided_at)
    record(request, actor=actor, reason=reason,
           update_fields=["status", "decided_by", "decided_at", "decision_note", "witness", "minutes_number",
                          "minutes_place", "minutes_date"])
    signals.send_on_commit(signals.homeroom_correction_applied, request_id=request.pk,
                           school_class_id=school_class.pk, term_id=request.term_id, actor_id=actor.pk)
    return request


def _apply(request: HomeroomCorrection, *, actor, school_class: sm.SchoolClass, reason: str) -> None:
    new, enrolment_id = request.new_value, request.enrolment_id
    text = history_reason(reason, reason)
    if request.field == Field.CONDUCT:
        homeroom_write(actor=actor, term=request.term, conduct={enrolment_id: new}, reason=text)
    elif request.field == Field.ABSENCES:
        month = (request.month_year, request.month)
        homeroom_write(actor=actor, term=request.term, absences={enrolment_id: {month: tuple(new)}}, months=[month],
                       reason=text)
    elif request.field == Field.REMARK:
        homeroom_write(actor=actor, term=request.term, remarks={enrolment_id: new}, reason=text)
    elif request.field == Field.EXEMPTION:
        if new:
            exemption_write(actor=actor, enrolment=request.enrolment, subject=request.subject, term=None
                            if request.term_id is None else request.term, reason=request.reason[:255],
                            evidence_note=request.evidence_name, history=text)
        else:
            delete_with_history(list(Exemption.objects.select_for_update().filter(
                enrolment_id=enrolment_id, subject_id=request.subject_id, term_id=request.term_id)),
                actor=actor, reason=text)
    else:
        pair = (enrolment_id, request.subject_id)
        parsed = (None, new) if isinstance(new, bool) else (Decimal(new) if new is not None else None, None)
        retests_write(actor=actor, school_class=school_class, parsed={pair: parsed},
                      originals=_retest_originals(school_class), reason=text)


@transaction.atomic
def homeroom_correction_reject(*, actor, request: HomeroomCorrection, note: str) -> HomeroomCorrection:
    request = _for_update(request)
    policy.require_decider(actor, request)
    if request.status != Status.PENDING:
        raise AlreadyDecided(request)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Give the reason for the rejection.")})
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": _("At most %(max)s characters (you typed %(length)s).") % {
            "max": MAX_TEXT, "length": len(note)}})
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        Status.REJECTED, actor, timezone.now(), note)
    return record(request, actor=actor, reason=note[:100],
                  update_fields=["status", "decided_by", "decided_at", "decision_note"])
