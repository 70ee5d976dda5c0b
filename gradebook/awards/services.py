"""Certificates, competition results and awards of a student in a school year (the học bạ's year summary page).

Each change: the acting user's right (gradebook.policy: the class's homeroom teacher or the leadership),
a reason, the class row locked, the year's approval respected, a history row with who, when and why.
Once the principal has approved the year's results the entries are refused: they are printed in the
sealed học bạ, so a change then needs the principal to reopen the year's approval first.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import policy
from gradebook.models import MAX_AWARD_LEVEL, MAX_AWARD_TEXT, StudentAward
from gradebook.results.compute import YEAR
from gradebook.results.services import approved_periods, history_reason, lock_class
from gradebook.rules.slots import studies_during
from schoolrecords import models as sm

SUMMER = datetime.timedelta(days=92)  # a result of the summer (a competition in July) still belongs to the year


def _refuse_if_approved(school_class: sm.SchoolClass) -> None:
    if YEAR in approved_periods(school_class):
        raise ValidationError(
            _("The principal has approved the year's results of class %(class)s: its certificates and awards are "
              "printed in the sealed học bạ and can no longer be changed here. Ask the principal to reopen the "
              "year's approval, then enter the change.") % {"class": school_class.name}, code="frozen")


def clean_entry(*, kind: str, text: str, level: str = "", awarded_on: datetime.date | None,
                year: sm.SchoolYear) -> tuple[str, str, str]:
    """The entry tidied, or ValidationError keyed by field with the Vietnamese message at that field."""
    text, level = " ".join(str(text or "").split()), " ".join(str(level or "").split())
    errors = {}
    if kind not in StudentAward.Kind.values:
        errors["kind"] = _("Choose a certificate, a competition result or an award.")
    if not text:
        errors["text"] = _("Write the name of the certificate, competition or award.")
    elif len(text) > MAX_AWARD_TEXT:
        errors["text"] = _("At most %(max)s characters (this one has %(count)s).") % {
            "max": MAX_AWARD_TEXT, "count": len(text)}
    if len(level) > MAX_AWARD_LEVEL:
        errors["level"] = _("At most %(max)s characters (this one has %(count)s).") % {
            "max": MAX_AWARD_LEVEL, "count": len(level)}
    if awarded_on is not None and not (year.start_date <= awarded_on <= year.end_date + SUMMER):
        errors["awarded_on"] = _("The date is outside the school year %(year)s and its summer.") % {"year": year.name}
    if errors:
        raise ValidationError(errors)
    return kind, text, level


@transaction.atomic
def award_add(*, actor, school_class: sm.SchoolClass, enrolment_id: int, kind: str, text: str, level: str = "",
              awarded_on: datetime.date | None = None, reason: str = "") -> StudentAward:
    """Add a certificate, competition result or award to a student of the class for its school year."""
    school_class = lock_class(school_class)
    policy.require_awards_writer(actor, school_class)
    _refuse_if_approved(school_class)
    enrolment = (sm.Enrolment.objects.filter(school_class_id=school_class.pk, pk=enrolment_id)
                 .select_related("student").first())
    terms = list(sm.Term.objects.filter(year_id=school_class.year_id))
    if enrolment is None or not any(studies_during(enrolment, term) for term in terms):
        raise ValidationError({"enrolment": _("Choose a student of the class in this school year.")})
    kind, text, level = clean_entry(kind=kind, text=text, level=level, awarded_on=awarded_on,
                                    year=school_class.year)
    award = StudentAward(enrolment=enrolment, kind=kind, text=text, level=level, awarded_on=awarded_on,
                         updated_by=actor, updated_at=timezone.now())
    award._history_user = actor
    award._change_reason = history_reason(reason, _("Certificate or award added"))
    award.full_clean(exclude=["enrolment", "updated_by"])
    award.save()
    return award


@transaction.atomic
def award_remove(*, actor, school_class: sm.SchoolClass, award_id: int, reason: str = "") -> None:
    """Remove an entry of a student of the class; its history keeps who removed it, when and why."""
    school_class = lock_class(school_class)
    policy.require_awards_writer(actor, school_class)
    _refuse_if_approved(school_class)
    award = StudentAward.objects.filter(pk=award_id, enrolment__school_class_id=school_class.pk).first()
    if award is None:
        raise ValidationError(_("This entry no longer exists: the page was out of date."))
    award._history_user = actor
    award._change_reason = history_reason(reason, _("Certificate or award removed"))
    award.delete()
