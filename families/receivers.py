"""The families' own receivers (connected in FamiliesConfig.ready)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import signals, tasks
from .middleware import SESSION_KEY
from .models import Parent


@receiver(signals.invitation_issued, dispatch_uid="families-email-invitation")
def email_invitation(sender, *, invitation_id: int, code: str, **kwargs) -> None:
    tasks.send_invitation.delay(invitation_id, code)


@receiver(user_logged_in, dispatch_uid="families-mark-parent-session")
def mark_parent_session(sender, request, user, **kwargs) -> None:
    """A parent's session is marked, so that families.middleware keeps it to the families' pages."""
    if request is not None and hasattr(request, "session") and Parent.objects.filter(user=user).exists():
        request.session[SESSION_KEY] = True
