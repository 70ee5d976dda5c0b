"""Every change the families' side makes: accounts from invitations, links to children, publication.

Each takes the acting user and a reason, runs in a transaction, writes history (django-simple-history
through schoolrecords.services.record) and checks families.policy.
"""

import datetime
import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords.permissions import has_role
from schoolrecords.services import record

from . import policy, signals
from .models import FamilySettings, Guardianship, Invitation, Parent, Publication, Relation

User = get_user_model()

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper and typed on a phone
CODE_LENGTH = 10
INVITATION_DAYS = 30
_PHONE = re.compile(r"0\d{9,10}")


def code_hash(code: str) -> str:
    """The kept form of a code: upper case, without the spaces and hyphens people type."""
    return hashlib.sha256(re.sub(r"[\s\-]", "", code).upper().encode()).hexdigest()


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalized_phone(text: str) -> str:
    """A Vietnamese phone number as its ten or eleven digits starting with 0 ('+84 912 345 678' → '0912345678')."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _PHONE.fullmatch(digits):
        raise ValidationError({"phone": _("Write the phone number with its 10 digits, for example 0912345678.")})
    return digits


def current_enrolment(student: sm.Student) -> sm.Enrolment | None:
    """The student's enrolment in their school's current year (studying), with its class and year."""
    return (sm.Enrolment.objects.filter(student=student, status=sm.Enrolment.Status.STUDYING,
                                        school_class__year__is_current=True)
            .select_related("school_class__year__school", "student").order_by("-start_date").first())


# --- invitations ----------------------------------------------------------------------------------

@transaction.atomic
def invitation_issue(*, actor, student: sm.Student, email: str = "", reason: str = "") -> tuple[Invitation, str]:
    """A new one-time code for the student's family (the pending one, if any, is withdrawn).

    Returns the invitation and the code, shown once: only its hash is kept. With ``email`` the code is
    also sent there (Celery, after the commit).
    """
    enrolment = current_enrolment(student)
    if enrolment is None:
        raise ValidationError(_("The student is not studying in a class this year."))
    policy.require_invite(actor, enrolment.school_class)
    reason = reason or _("Invitation for the family issued")
    now = timezone.now()
    for old in Invitation.objects.select_for_update().filter(student=student, used_at__isnull=True,
                                                              revoked_at__isnull=True):
        old.revoked_at = now
        record(old, actor=actor, reason=_("Replaced by a new invitation"), update_fields=["revoked_at"])
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    invitation = record(Invitation(school_id=student.school_id, student=student, code_hash=code_hash(code),
                                   email=email.strip(), created_by=actor, created_at=now,
                                   expires_at=now + datetime.timedelta(days=INVITATION_DAYS)),
                        actor=actor, reason=reason)
    if invitation.email:
        shown = format_code(code)
        transaction.on_commit(lambda: signals.invitation_issued.send(sender=Invitation, invitation_id=invitation.pk,
                                                                     code=shown))
    return invitation, format_code(code)


def invitation_email(*, invitation_id: int, code: str) -> bool:
    """E-mail a pending invitation's code to the address it was issued for; True when sent."""
    invitation = Invitation.objects.select_related("student__school").filter(pk=invitation_id).first()
    if invitation is None or not invitation.email or not invitation.is_pending:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(school)s: your account for %(student)s's records") % {
            "school": invitation.student.school.name, "student": invitation.student.full_name}
        body = "\n".join([
            _("The school invites you to follow %(student)s's results, absences and notices online.")
            % {"student": invitation.student.full_name},
            _("Your code: %(code)s (valid until %(date)s, once).") % {
                "code": code, "date": formats.date_format(timezone.localtime(invitation.expires_at), "d/m/Y")},
            _("Open %(url)s, choose \"I have a code\" and type it.") % {"url": settings.FAMILIES_JOIN_URL},
        ])
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return True


def _usable_invitation(code: str) -> Invitation:
    """The invitation of ``code``, locked, or a ValidationError at the field "code" saying why not."""
    invitation = (Invitation.objects.select_for_update().select_related("student")
                  .filter(code_hash=code_hash(code)).first())
    if invitation is None:
        raise ValidationError({"code": _("This code is not valid. Check it on the paper from the school, "
                                         "or ask the homeroom teacher for a new one.")})
    if invitation.used_at is not None:
        raise ValidationError({"code": _("This code has already been used. Log in with the account made with "
                                         "it, or ask the homeroom teacher for a new code.")})
    if invitation.revoked_at is not None:
        raise ValidationError({"code": _("This code was replaced by a newer one: use the latest code the "
                                         "school gave you.")})
    if invitation.expires_at <= timezone.now():
        raise ValidationError({"code": _("This code expired on %(date)s: ask the homeroom teacher for a new one.")
                               % {"date": formats.date_format(timezone.localtime(invitation.expires_at),
                                                              "d/m/Y")}})
    return invitation


def _link(parent: Parent, invitation: Invitation, relation: str, *, actor) -> Guardianship:
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Choose father, mother or guardian.")})
    if Guardianship.objects.filter(parent=parent, student=invitation.student, ended_at__isnull=True).exists():
        raise ValidationError({"code": _("Your account is already linked to this child.")})
    now = timezone.now()
    link = record(Guardianship(parent=parent, student=invitation.student, relation=relation, invitation=invitation,
                               created_at=now), actor=actor, reason=_("Linked to a child with an invitation"))
    invitation.used_at, invitation.used_by = now, parent
    record(invitation, actor=actor, reason=_("Invitation used"), update_fields=["used_at", "used_by"])
    return link


@transaction.atomic
def account_create(*, code: str, full_name: str, phone: str, email: str, password: str,
                   relation: str) -> Parent:
    """A parent's account from an invitation code, linked to that child; logs in with the phone or e-mail."""
    invitation = _usable_invitation(code)
    full_name, email = " ".join(full_name.split()), email.strip().lower()
    if not full_name:
        raise ValidationError({"full_name": _("Write your full name.")})
    if not phone.strip() and not email:
        raise ValidationError({"phone": _("Give a phone number or an e-mail address: you log in with it.")})
    phone = normalized_phone(phone) if phone.strip() else ""
    if phone and Parent.objects.filter(phone=phone).exists():
        raise ValidationError({"phone": _("An account with this phone number already exists: log in with it and "
                                          "add the child with the code.")})
    if email and Parent.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists: log in with it and "
                                          "add the child with the code.")})
    username = phone or email
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"phone" if phone else "email": _("This login is taken; give another phone number or "
                                                                "e-mail address.")})
    user = User(username=username, email=email, first_name=full_name[:150])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    user.set_password(password)
    user.save()
    parent = record(Parent(user=user, full_name=full_name, phone=phone, email=email), actor=user,
                    reason=_("Parent account created from an invitation"))
    _link(parent, invitation, relation, actor=user)
    return parent


@transaction.atomic
def child_add(*, actor, code: str, relation: str) -> Guardianship:
    """A logged-in parent adds another child (a sibling, in this school or another) with its code."""
    parent = policy.parent_of(actor)
    if parent is None:
        raise ValidationError({"code": _("Only a parent's account can be linked to a child.")})
    return _link(parent, _usable_invitation(code), relation, actor=actor)


@transaction.atomic
def parent_deactivate(*, actor, parent: Parent, reason: str) -> Parent:
    """The admin board closes a parent's account: it cannot log in; the account and its history stay."""
    school_ids = set(parent.links.values_list("student__school_id", flat=True))
    staff_school = getattr(getattr(actor, "profile", None), "school_id", None)
    if not (actor.is_superuser or (staff_school in school_ids and has_role(actor, *policy.INVITERS))):
        raise ValidationError(_("Only the admin board of the child's school may close a parent's account."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    parent.user.is_active = False
    parent.user.save(update_fields=["is_active"])
    return record(parent, actor=actor, reason=reason)


# --- publication ----------------------------------------------------------------------------------

@transaction.atomic
def publish(*, actor, school_class: sm.SchoolClass, term: sm.Term, reason: str = "") -> Publication:
    """Make the class's results of ``term`` visible to its parents."""
    school_class = sm.SchoolClass.objects.select_related("year__school").get(pk=school_class.pk)
    policy.require_publish(actor, school_class.year.school)
    if term.year_id != school_class.year_id:
        raise ValidationError(_("The term is not of the class's school year."))
    if Publication.objects.select_for_update().filter(school_class=school_class, term=term,
                                                      withdrawn_at__isnull=True).exists():
        raise ValidationError(_("%(class)s's results of %(term)s are already published.")
                              % {"class": school_class.name, "term": term.get_number_display()})
    return record(Publication(school_class=school_class, term=term, published_by=actor, reason=reason),
                  actor=actor, reason=reason or _("Results published to families"))


@transaction.atomic
def publish_grade(*, actor, year: sm.SchoolYear, grade: int, term: sm.Term, reason: str = "") -> list[Publication]:
    """Publish every class of a grade not yet published for the term."""
    published = set(Publication.objects.filter(school_class__year=year, school_class__grade=grade, term=term,
                                               withdrawn_at__isnull=True).values_list("school_class_id", flat=True))
    return [publish(actor=actor, school_class=c, term=term, reason=reason)
            for c in sm.SchoolClass.objects.filter(year=year, grade=grade).exclude(pk__in=published)]


@transaction.atomic
def withdraw(*, actor, publication: Publication, reason: str) -> Publication:
    publication = Publication.objects.select_for_update().select_related("school_class__year__school").get(
        pk=publication.pk)
    policy.require_publish(actor, publication.school_class.year.school)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for withdrawing the results.")})
    if publication.withdrawn_at is not None:
        raise ValidationError(_("These results were already withdrawn."))
    publication.withdrawn_at, publication.withdrawn_by, publication.reason = timezone.now(), actor, reason.strip()
    return record(publication, actor=actor, reason=reason.strip(),
                  update_fields=["withdrawn_at", "withdrawn_by", "reason"])


@transaction.atomic
def settings_save(*, actor, school: sm.School, publish_regular_scores: bool, reason: str = "") -> FamilySettings:
    policy.require_publish(actor, school)
    current = FamilySettings.objects.select_for_update().filter(school=school).first() or FamilySettings(school=school)
    current.publish_regular_scores = publish_regular_scores
    return record(current, actor=actor, reason=reason or _("Families' settings changed"))
