"""The principal delegates deciding correction requests to a vice principal, for a school year (seed 001 art. 5).

A delegation runs from ``starts_on`` to ``ends_on`` (empty: until revoked), inside its school
year; one vice principal has at most one delegation in force for any day of a year; revoking
keeps the row, with who, when and why, so the minutes of every decision can say under which
delegation it was taken. Who decides is gradebook.policy.may_decide's answer.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from gradebook import policy
from gradebook.models import DecisionDelegation
from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import has_role, same_school
from schoolrecords.services import record

MAX_NOTE = DecisionDelegation._meta.get_field("note").max_length


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "d/m/Y")


def _overlapping(year: sm.SchoolYear, delegate, starts_on: datetime.date, ends_on: datetime.date | None):
    """The delegate's delegations of ``year`` in force on some day of [starts_on, ends_on] (not revoked)."""
    overlap = Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    if ends_on is not None:
        overlap &= Q(starts_on__lte=ends_on)
    return DecisionDelegation.objects.filter(overlap, year=year, delegate=delegate, revoked_at__isnull=True)


@transaction.atomic
def delegation_grant(*, actor, year: sm.SchoolYear, delegate, starts_on: datetime.date | None,
                     ends_on: datetime.date | None = None, note: str = "") -> DecisionDelegation:
    """The principal lets a vice principal of the school decide correction requests of ``year``.

    ValidationError at its field (``delegate``, ``starts_on``, ``ends_on``, ``note``), nothing saved:
    not a vice principal of the school, dates outside the year or in the wrong order, a
    delegation of the same vice principal already in force on one of those days.
    """
    # The year's row locked: two grants at once cannot both pass the overlap check.
    year = sm.SchoolYear.objects.select_for_update().select_related("school").get(pk=year.pk)
    policy.require_principal(actor, year)
    note = (note or "").strip()
    errors = {}
    if (delegate is None or not delegate.is_active or not same_school(delegate, year)
            or not has_role(delegate, roles.VICE_PRINCIPAL)):
        errors["delegate"] = _("Choose a vice principal of the school.")
    elif delegate.pk == actor.pk:
        errors["delegate"] = _("You cannot delegate to yourself.")
    inside = _("Choose a date inside the school year %(year)s (%(start)s to %(end)s).") % {
        "year": year.name, "start": _day(year.start_date), "end": _day(year.end_date)}
    if starts_on is None:
        errors["starts_on"] = _("Give the first day of the delegation.")
    elif not year.start_date <= starts_on <= year.end_date:
        errors["starts_on"] = inside
    if ends_on is not None:
        if not year.start_date <= ends_on <= year.end_date:
            errors["ends_on"] = inside
        elif starts_on is not None and ends_on < starts_on:
            errors["ends_on"] = _("The delegation ends on or after the day it starts.")
    if len(note) > MAX_NOTE:
        errors["note"] = _("At most %(max)s characters (you typed %(length)s).") % {"max": MAX_NOTE,
                                                                                  "length": len(note)}
    if not errors:
        clash = _overlapping(year, delegate, starts_on, ends_on).order_by("starts_on").first()
        if clash is not None:
            message = (_("%(name)s already has a delegation from %(start)s until %(end)s: revoke it first.")
                       if clash.ends_on else
                       _("%(name)s already has a delegation from %(start)s with no end: revoke it first."))
            errors["starts_on"] = message % {"name": delegate.profile.full_name, "start": _day(clash.starts_on),
                                             "end": _day(clash.ends_on) if clash.ends_on else ""}
    if errors:
        raise ValidationError(errors)
    delegation = DecisionDelegation(year=year, delegate=delegate, starts_on=starts_on, ends_on=ends_on,
                                    granted_by=actor, granted_at=timezone.now(), note=note)
    return record(delegation, actor=actor, reason=note or _("Delegation to decide correction requests granted"))


@transaction.atomic
def delegation_revoke(*, actor, delegation: DecisionDelegation, reason: str) -> DecisionDelegation:
    """The principal ends a delegation now, with a reason; the row stays (who could decide when is kept)."""
    delegation = (DecisionDelegation.objects.select_for_update(of=("self",)).select_related("year")
                  .get(pk=delegation.pk))
    policy.require_principal(actor, delegation.year)
    reason = (reason or "").strip()
    if delegation.revoked_at is not None:
        raise ValidationError({"reason": _("This delegation was already revoked on %(date)s.") % {
            "date": _day(timezone.localdate(delegation.revoked_at))}})
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking the delegation.")})
    if len(reason) > MAX_NOTE:
        raise ValidationError({"reason": _("At most %(max)s characters (you typed %(length)s).") % {
            "max": MAX_NOTE, "length": len(reason)}})
    delegation.revoked_by, delegation.revoked_at = actor, timezone.now()
    return record(delegation, actor=actor, reason=reason, update_fields=["revoked_by", "revoked_at"])
