"""The families' own receivers (connected in FamiliesConfig.ready)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from gradebook import signals as gradebook_signals
from schoolrecords import sealing

from . import signals, tasks
from .middleware import SESSION_KEY
from .models import Parent


@receiver(signals.invitation_issued, dispatch_uid="families-email-invitation")
def email_invitation(sender, *, invitation_id: int, code: str, **kwargs) -> None:
    tasks.send_invitation.delay(invitation_id, sealing.seal(code, **tasks.CODE_KEY))  # not in clear in the broker


@receiver(user_logged_in, dispatch_uid="families-mark-parent-session")
def mark_parent_session(sender, request, user, **kwargs) -> None:
    """A parent's session is marked, so that families.middleware keeps it to the families' pages."""
    if request is not None and hasattr(request, "session") and Parent.objects.filter(user=user).exists():
        request.session[SESSION_KEY] = True


@receiver(signals.notice_sent, dispatch_uid="families-deliver-notice")
def deliver_notice(sender, *, notice_id: int, **kwargs) -> None:
    tasks.deliver_notice.delay(notice_id)


@receiver(gradebook_signals.correction_applied, dispatch_uid="families-tell-correction")
def tell_correction(sender, *, request_id: int, actor_id: int | None = None, **kwargs) -> None:
    """An approved correction (heard after its commit): the parents who see the score are told, in Celery."""
    tasks.tell_correction.delay(request_id, actor_id)


@receiver(gradebook_signals.homeroom_correction_applied, dispatch_uid="families-tell-homeroom-correction")
def tell_homeroom_correction(sender, *, request_id: int, actor_id: int | None = None, **kwargs) -> None:
    """An approved homeroom correction (conduct, learning result, remark …; heard after its commit): the parents
    who see the value (the term published) are told, once, in Celery."""
    tasks.tell_correction.delay(request_id, actor_id, "homeroom")


@receiver(signals.correction_told, dispatch_uid="families-deliver-correction")
def deliver_correction(sender, *, request_id: int, kind: str = "score", **kwargs) -> None:
    tasks.deliver_correction.delay(request_id, kind)
