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
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from gradebook import api as gradebook
from schoolrecords import models as sm
from schoolrecords.services import record
from schoolrecords.text import phone_digits

from . import channels, policy, selectors, signals
from .models import (
    CorrectionMessage,
    FamilySettings,
    Guardianship,
    Invitation,
    Notice,
    NoticeReceipt,
    Parent,
    Publication,
    Relation,
    SlipConfirmation,
    SlipIssue,
)

User = get_user_model()

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper and typed on a phone
CODE_LENGTH = 10
INVITATION_DAYS = 30


def code_hash(code: str) -> str:
    """The kept form of a code: upper case, without the spaces and hyphens people type."""
    return hashlib.sha256(re.sub(r"[\s\-]", "", code).upper().encode()).hexdigest()


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalized_phone(text: str) -> str:
    """A Vietnamese phone number as its ten or eleven digits starting with 0 ('+84 912 345 678' → '0912345678')."""
    digits = phone_digits(text)
    if digits is None:
        raise ValidationError({"phone": _("Write the phone number with its 10 digits, for example 0912345678.")})
    return digits


# --- invitations ----------------------------------------------------------------------------------

@transaction.atomic
def invitation_issue(*, actor, student: sm.Student, email: str = "", reason: str = "") -> tuple[Invitation, str]:
    """A new one-time code for the student's family (the pending one, if any, is withdrawn).

    Returns the invitation and the code, shown once: only its hash is kept. With ``email`` the code is
    also sent there (Celery, after the commit).
    """
    enrolment = selectors.current_enrolment(student)
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
def parent_deactivate(*, actor, parent: Parent, school_class: sm.SchoolClass, reason: str) -> Parent:
    """The homeroom teacher of a child's class, the admin board or the leadership closes a parent's account.

    When the parent is still linked to children of another school, only this school's links end (with the
    reason and history) and the login stays, for those other children. Otherwise the login is turned off (its
    sessions end); the account, its links and its history stay, and the school's board or leadership may reopen
    it (``parent_reopen``). Read ``parent.user.is_active`` afterwards to know which happened.
    """
    policy.require_deactivate(actor, school_class)
    parent = Parent.objects.select_for_update().select_related("user").get(pk=parent.pk)
    if not Guardianship.objects.filter(parent=parent, ended_at__isnull=True, student__enrolments__school_class=school_class,
                                       student__enrolments__status=sm.Enrolment.Status.STUDYING).exists():
        raise PermissionDenied(_("This parent is not linked to a student of the class."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason for closing the account.")})
    if not parent.user.is_active:
        raise ValidationError(_("This account is already closed."))
    school_id = school_class.year.school_id
    live = list(Guardianship.objects.select_for_update().filter(parent=parent, ended_at__isnull=True)
                .select_related("student").order_by("pk"))
    if any(link.student.school_id != school_id for link in live):
        now = timezone.now()
        for link in live:
            if link.student.school_id == school_id:
                link.ended_at = now
                record(link, actor=actor, reason=_("Link ended by the school: %(reason)s") % {"reason": reason},
                       update_fields=["ended_at"])
        return record(parent, actor=actor, reason=_("Links to this school's children ended (the account stays open "
                                                    "for children in another school): %(reason)s") % {
            "reason": reason})
    parent.user.is_active = False
    record(parent.user, actor=actor, reason=reason, update_fields=["is_active"])
    return record(parent, actor=actor, reason=_("Account closed: %(reason)s") % {"reason": reason})


@transaction.atomic
def parent_reopen(*, actor, parent: Parent, school_class: sm.SchoolClass, reason: str) -> Parent:
    """The admin board or the leadership of a school the parent is linked to opens a closed account again."""
    policy.require_reopen(actor, school_class)
    parent = Parent.objects.select_for_update().select_related("user").get(pk=parent.pk)
    if not Guardianship.objects.filter(parent=parent, ended_at__isnull=True,
                                       student__school_id=school_class.year.school_id).exists():
        raise PermissionDenied(_("This parent is not linked to a student of the school."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening the account.")})
    if parent.user.is_active:
        raise ValidationError(_("This account is open."))
    parent.user.is_active = True
    record(parent.user, actor=actor, reason=reason, update_fields=["is_active"])
    return record(parent, actor=actor, reason=_("Account reopened: %(reason)s") % {"reason": reason})


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
def settings_save(*, actor, school: sm.School, publish_regular_scores: bool,
                  class_notices_need_approval: bool = True, reason: str = "") -> FamilySettings:
    policy.require_publish(actor, school)
    current = FamilySettings.objects.select_for_update().filter(school=school).first() or FamilySettings(school=school)
    current.publish_regular_scores = publish_regular_scores
    current.class_notices_need_approval = class_notices_need_approval
    return record(current, actor=actor, reason=reason or _("Families' settings changed"))


# --- notices --------------------------------------------------------------------------------------

def _needs_approval(school: sm.School) -> bool:
    current = FamilySettings.objects.filter(school=school).first()
    return current.class_notices_need_approval if current else True


@transaction.atomic
def notice_write(*, actor, year: sm.SchoolYear, audience: str, title: str, body: str,
                 school_class: sm.SchoolClass | None = None, grade: int | None = None, reason: str = "") -> Notice:
    """A notice to a class's, a grade's or the school's families: sent at once, or (a homeroom teacher's,
    when the school says so) after a vice principal approves it."""
    if audience not in Notice.Audience.values:
        raise ValidationError({"audience": _("Choose a class, a grade or the whole school.")})
    if audience == Notice.Audience.CLASS and (school_class is None or school_class.year_id != year.pk):
        raise ValidationError({"school_class": _("Choose the class.")})
    if audience == Notice.Audience.GRADE and not sm.SchoolClass.objects.filter(year=year, grade=grade).exists():
        raise ValidationError({"grade": _("The school has no class in this grade this year.")})
    policy.require_write_notice(actor, audience=audience, school_class=school_class)
    if not title.strip():
        raise ValidationError({"title": _("Give the notice a title.")})
    if not body.strip():
        raise ValidationError({"body": _("Write the message.")})
    waits = (audience == Notice.Audience.CLASS and not policy.is_leader(actor, year.school)
             and _needs_approval(year.school))
    notice = record(Notice(school=year.school, year=year, audience=audience,
                           school_class=school_class if audience == Notice.Audience.CLASS else None,
                           grade=grade if audience == Notice.Audience.GRADE else None, title=title.strip(),
                           body=body.strip(), author=actor,
                           state=Notice.State.WAITING if waits else Notice.State.SENT,
                           sent_at=None if waits else timezone.now()),
                    actor=actor, reason=reason or _("Notice to families written"))
    if not waits:
        _fan_out(notice, actor=actor)
    return notice


@transaction.atomic
def notice_decide(*, actor, notice: Notice, approve: bool, note: str = "") -> Notice:
    """A vice principal (or the principal) sends a waiting class notice, or returns it with a note."""
    notice = Notice.objects.select_for_update().select_related("school").get(pk=notice.pk)
    policy.require_decide_notice(actor, notice)
    if notice.state != Notice.State.WAITING:
        raise ValidationError(_("This notice is not waiting for a decision."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say what the author should change.")})
    notice.decided_by, notice.decision_note = actor, note.strip()
    if approve:
        notice.state, notice.sent_at = Notice.State.SENT, timezone.now()
    else:
        notice.state = Notice.State.RETURNED
    record(notice, actor=actor, reason=_("Notice approved and sent") if approve else _("Notice returned"),
           update_fields=["decided_by", "decision_note", "state", "sent_at"])
    if approve:
        _fan_out(notice, actor=actor)
    return notice


@transaction.atomic
def notice_resubmit(*, actor, notice: Notice, title: str, body: str) -> Notice:
    """The author mends a returned notice; it waits for approval again."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.author_id != actor.pk or notice.state != Notice.State.RETURNED:
        raise PermissionDenied(_("Only the author changes a returned notice."))
    if not title.strip() or not body.strip():
        raise ValidationError({"body": _("Write the message.")})
    notice.title, notice.body, notice.state = title.strip(), body.strip(), Notice.State.WAITING
    return record(notice, actor=actor, reason=_("Notice changed and sent for approval again"),
                  update_fields=["title", "body", "state"])


def _audience_links(notice: Notice):
    studying = sm.Enrolment.objects.filter(status=sm.Enrolment.Status.STUDYING, school_class__year=notice.year)
    if notice.audience == Notice.Audience.CLASS:
        studying = studying.filter(school_class=notice.school_class)
    elif notice.audience == Notice.Audience.GRADE:
        studying = studying.filter(school_class__grade=notice.grade)
    return Guardianship.objects.filter(ended_at__isnull=True, parent__user__is_active=True,
                                       student_id__in=studying.values("student_id"))


def _fan_out(notice: Notice, *, actor) -> None:
    """A receipt for every parent linked to a student the notice reaches; delivery after the commit."""
    receipts = [NoticeReceipt(notice=notice, parent_id=link.parent_id, student_id=link.student_id)
                for link in _audience_links(notice)]
    bulk_create_with_history(receipts, NoticeReceipt, default_user=actor,
                             default_change_reason=_("Notice sent to the family"))
    notice_id = notice.pk
    transaction.on_commit(lambda: signals.notice_sent.send(sender=Notice, notice_id=notice_id))


def notice_deliver(*, notice_id: int) -> int:
    """Hand each receipt not yet delivered to the channels (e-mail); idempotent; the number delivered.

    A channel that cannot be reached (OSError) raises after what was delivered is recorded, so the
    task retries only the rest.
    """
    delivered = 0
    notice = Notice.objects.select_related("school", "author").filter(pk=notice_id, state=Notice.State.SENT).first()
    if notice is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(school)s: %(title)s") % {"school": notice.school.name, "title": notice.title}
        body = "\n\n".join([notice.body, _("Read it, acknowledge or reply on the school's page: %(url)s")
                             % {"url": settings.FAMILIES_JOIN_URL.replace("join/", "notices/")}])
    for receipt in (NoticeReceipt.objects.filter(notice=notice, emailed_at__isnull=True)
                    .select_related("parent").order_by("pk")):
        if any([channel.deliver(receipt, subject, body) for channel in channels.channels()]):
            receipt.emailed_at = timezone.now()
            record(receipt, actor=notice.author, reason=_("Notice e-mailed"), update_fields=["emailed_at"])
            delivered += 1
    return delivered


def _own_receipt(actor, receipt: NoticeReceipt) -> NoticeReceipt:
    parent = policy.parent_of(actor)
    receipt = NoticeReceipt.objects.select_for_update().get(pk=receipt.pk)
    if parent is None or receipt.parent_id != parent.pk:
        raise PermissionDenied
    return receipt


@transaction.atomic
def receipt_read(*, actor, receipt: NoticeReceipt) -> NoticeReceipt:
    receipt = _own_receipt(actor, receipt)
    if receipt.read_at is None:
        receipt.read_at = timezone.now()
        record(receipt, actor=actor, reason=_("Notice read"), update_fields=["read_at"])
    return receipt


@transaction.atomic
def receipt_acknowledge(*, actor, receipt: NoticeReceipt, reply: str = "") -> NoticeReceipt:
    """The parent confirms they have read the notice, with a reply to the school if they write one."""
    receipt = _own_receipt(actor, receipt)
    now = timezone.now()
    fields = []
    if receipt.read_at is None:
        receipt.read_at = now
        fields.append("read_at")
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at = now
        fields.append("acknowledged_at")
    if reply.strip():
        receipt.reply, receipt.replied_at = reply.strip(), now
        fields += ["reply", "replied_at"]
    if not fields:
        raise ValidationError({"reply": _("You already acknowledged this notice; write a reply to add one.")})
    return record(receipt, actor=actor, reason=_("Notice acknowledged") if "reply" not in fields
                  else _("Reply to a notice"), update_fields=fields)


# --- contact slips --------------------------------------------------------------------------------

@transaction.atomic
def slips_printed(*, actor, school_class: sm.SchoolClass, term: sm.Term, occasion: str) -> SlipIssue:
    """The homeroom teacher printed the class's slips for ``occasion``: families may now confirm receipt."""
    policy.require_invite(actor, school_class)
    if term.year_id != school_class.year_id:
        raise ValidationError(_("The term is not of the class's school year."))
    if occasion not in SlipIssue.Occasion.values:
        raise ValidationError(_("Choose after the mid-term or after the end-of-term tests."))
    issue = SlipIssue.objects.select_for_update().filter(school_class=school_class, term=term,
                                                          occasion=occasion).first()
    return issue or record(SlipIssue(school_class=school_class, term=term, occasion=occasion, printed_by=actor),
                           actor=actor, reason=_("Contact slips printed"))


@transaction.atomic
def slip_confirm(*, actor, issue: SlipIssue, student: sm.Student, comment: str = "") -> SlipConfirmation:
    """A parent confirms they received their child's slip (once; a second confirmation changes nothing)."""
    parent = policy.parent_of(actor)
    if parent is None or not policy.access_for(actor).can_see(student.pk):
        raise PermissionDenied
    if not sm.Enrolment.objects.filter(student=student, school_class_id=issue.school_class_id).exists():
        raise PermissionDenied
    done = SlipConfirmation.objects.filter(issue=issue, student=student, parent=parent).first()
    return done or record(SlipConfirmation(issue=issue, student=student, parent=parent, comment=comment.strip()),
                          actor=actor, reason=_("Contact slip received"))


# --- corrections of what parents see (item 3: "updates what parents see and tells them") -----------

def _parents_see(data, kind: str) -> bool:
    """Whether a changed cell of ``data`` (a class and term) is on its parents' page: the term is published,
    or the school shows regular scores as they are entered and the cell is a regular score."""
    if Publication.objects.filter(school_class_id=data.class_id, term_id=data.term_id,
                                  withdrawn_at__isnull=True).exists():
        return True
    return kind == "tx" and FamilySettings.objects.filter(school_id=data.school_id,
                                                          publish_regular_scores=True).exists()


@transaction.atomic
def correction_tell(*, request_id: int, actor_id: int | None = None,
                    kind: str = CorrectionMessage.Kind.SCORE) -> list[CorrectionMessage]:
    """A message to each linked parent of a child whose visible value an approved correction changed: a score
    (``kind`` "score", gradebook.api.correction_minutes) or a homeroom value after publication (conduct, learning
    result, remark …: "homeroom", gradebook.api.homeroom_correction_minutes).

    Once per correction, parent and child: heard twice (a retried task), nothing new is made. Returns the
    messages made now; their e-mails go out after the commit (signals.correction_told).
    """
    homeroom = kind == CorrectionMessage.Kind.HOMEROOM
    data = (gradebook.homeroom_correction_minutes if homeroom else gradebook.correction_minutes)(request_id)
    if data is None:
        return []
    lines: dict[int, list[str]] = {}
    kinds: dict[int, set[str]] = {}
    for cell in data.cells:
        if cell.student_id and _parents_see(data, cell.kind):
            lines.setdefault(cell.student_id, []).append(
                f"{cell.column}: {cell.old or '—'} → {cell.new or '—'}")
            kinds.setdefault(cell.student_id, set()).add(cell.kind)
    if not lines:
        return []
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    told = set(CorrectionMessage.objects.filter(kind=kind, correction_id=request_id)
               .values_list("parent_id", "student_id"))
    made = []
    for link in (Guardianship.objects.filter(student_id__in=lines, ended_at__isnull=True, parent__user__is_active=True)
                 .order_by("pk")):
        if (link.parent_id, link.student_id) in told:
            continue
        made.append(record(CorrectionMessage(kind=kind, correction_id=request_id, term_id=data.term_id,
                                             regular=kinds[link.student_id] == {"tx"}, parent_id=link.parent_id,
                                             student_id=link.student_id, subject=data.subject_name,
                                             changes="\n".join(lines[link.student_id])),
                           actor=actor, reason=_("Parent told of a correction #%(number)s") % {"number": request_id}))
    if made:
        transaction.on_commit(lambda: signals.correction_told.send(sender=CorrectionMessage, request_id=request_id,
                                                                   kind=kind))
    return made


def correction_deliver(*, request_id: int, kind: str = CorrectionMessage.Kind.SCORE) -> int:
    """E-mail (the channels) each message of a correction not yet delivered; idempotent; the number delivered."""
    delivered = 0
    for message in (CorrectionMessage.objects.filter(kind=kind, correction_id=request_id, emailed_at__isnull=True)
                    .select_related("parent", "student__school").order_by("pk")):
        with translation.override(settings.LANGUAGE_CODE):
            names = {"school": message.student.school.name, "student": message.student.full_name,
                     "subject": message.subject}
            if message.kind == CorrectionMessage.Kind.HOMEROOM:
                subject = _("%(school)s: a result of %(student)s was corrected") % names
                first = _("The school corrected %(student)s's %(subject)s after an approved correction request:") \
                    % names
            else:
                subject = _("%(school)s: a score of %(student)s was corrected") % names
                first = _("The school corrected %(student)s's %(subject)s score after an approved correction "
                          "request:") % names
            body = "\n".join([
                first,
                message.changes,
                _("The child's page shows the corrected results: %(url)s")
                % {"url": settings.FAMILIES_JOIN_URL.replace("join/", "")},
            ])
        if any([channel.deliver(message, subject, body) for channel in channels.channels()]):
            message.emailed_at = timezone.now()
            record(message, actor=None, reason=_("Correction e-mailed"), update_fields=["emailed_at"])
            delivered += 1
    return delivered
