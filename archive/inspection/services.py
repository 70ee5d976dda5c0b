"""Every change of an inspector's access: shared (with a link shown once), revoked with a reason; and the log
of each use. Each share change takes the acting principal, runs in a transaction and writes history."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords.services import record

from ..models import InspectionShare, ShareAccess
from . import policy, signals

MAX_DAYS = 92  # a share is for one inspection: at most about a term; a longer one is shared again


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "d/m/Y")


@transaction.atomic
def share_create(*, actor, year: sm.SchoolYear, scope: str, inspector_name: str, organisation: str,
                 starts_on: datetime.date, ends_on: datetime.date, purpose: str, email: str = "",
                 school_class: sm.SchoolClass | None = None, period_from: datetime.date | None = None,
                 period_until: datetime.date | None = None, link_base: str = "") -> tuple[InspectionShare, str]:
    """Share ``scope`` of ``year`` with an inspector from ``starts_on`` to ``ends_on`` (both included).

    Returns the share and its token (the link's last part), shown once: only its hash is kept. With ``email``
    the link (``link_base`` + token) is also e-mailed to the inspector, after the commit.
    """
    policy.require_share(actor, year)
    errors = {}
    if scope not in InspectionShare.Scope.values:
        errors["scope"] = _("Choose what to share.")
    if scope == InspectionShare.Scope.LEDGER and (school_class is None or school_class.year_id != year.pk):
        errors["school_class"] = _("Choose the class of the school year %(year)s.") % {"year": year.name}
    if scope == InspectionShare.Scope.CORRECTIONS:
        if period_from is None or period_until is None:
            errors["period_from"] = _("Give the first and the last day of the period.")
        elif period_until < period_from:
            errors["period_until"] = _("The period ends before it starts.")
    today = timezone.localdate()
    if ends_on < starts_on:
        errors["ends_on"] = _("The access ends before it starts.")
    elif ends_on < today:
        errors["ends_on"] = _("The access would already be over: the last day is before today (%(today)s).") % {
            "today": _date(today)}
    elif (ends_on - starts_on).days + 1 > MAX_DAYS:
        errors["ends_on"] = _("Share for at most %(days)s days; share again for a later inspection.") % {
            "days": MAX_DAYS}
    if starts_on < today:
        errors["starts_on"] = _("The access cannot start before today.")
    for field, value in (("inspector_name", inspector_name), ("organisation", organisation), ("purpose", purpose)):
        if not " ".join(value.split()):
            errors[field] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    share = record(InspectionShare(
        school_id=year.school_id, year=year, scope=scope,
        school_class=school_class if scope == InspectionShare.Scope.LEDGER else None,
        period_from=period_from if scope == InspectionShare.Scope.CORRECTIONS else None,
        period_until=period_until if scope == InspectionShare.Scope.CORRECTIONS else None,
        inspector_name=" ".join(inspector_name.split()), organisation=" ".join(organisation.split()),
        email=email.strip().lower(), starts_on=starts_on, ends_on=ends_on, token_hash=token_hash(token),
        purpose=" ".join(purpose.split()), created_by=actor), actor=actor, reason=_("Shared with an inspector"))
    if share.email and link_base:
        link, share_id = link_base + token + "/", share.pk
        transaction.on_commit(lambda: signals.share_created.send(sender=InspectionShare, share_id=share_id,
                                                                 link=link))
    return share, token


@transaction.atomic
def share_revoke(*, actor, share: InspectionShare, reason: str) -> InspectionShare:
    """End a share before its last day, with a reason: the link answers that it was withdrawn."""
    share = InspectionShare.objects.select_for_update().get(pk=share.pk)
    policy.require_share(actor, share)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason for ending the access early.")})
    if share.revoked_at is not None:
        raise ValidationError(_("This access was already revoked."))
    share.revoked_at, share.revoked_by, share.revoke_reason = timezone.now(), actor, reason
    return record(share, actor=actor, reason=reason, update_fields=["revoked_at", "revoked_by", "revoke_reason"])


def share_email(*, share_id: int, link: str) -> bool:
    """E-mail the link of a live (or coming) share to its inspector; True when sent."""
    share = InspectionShare.objects.select_related("school").filter(pk=share_id).first()
    if share is None or not share.email or share.state_on(timezone.localdate()) not in ("live", "waiting"):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(school)s: access to its records for your inspection") % {"school": share.school.name}
        body = "\n".join([
            _("The principal of %(school)s gives you read access to: %(what)s.") % {
                "school": share.school.name, "what": share.get_scope_display()},
            _("Open from %(start)s to %(end)s: %(link)s") % {"start": _date(share.starts_on),
                                                            "end": _date(share.ends_on), "link": link},
            _("Every view and download is recorded. Do not pass the link on."),
        ])
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [share.email])
    return True


def access_record(*, share: InspectionShare, action: str, document=None, address: str | None = None,
                  user_agent: str = "") -> ShareAccess:
    """Log one use of a share (append-only: a log, not a state change)."""
    return ShareAccess.objects.create(share=share, action=action, document=document, address=address,
                                      user_agent=user_agent[:200])
