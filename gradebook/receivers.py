"""The gradebook's own receivers (connected in GradebookConfig.ready): work that follows a committed change."""

from django.conf import settings
from django.dispatch import receiver

from . import signals, tasks


@receiver(signals.reminder_sent, dispatch_uid="gradebook-email-reminder")
def email_reminder(sender, *, reminder_id: int, **kwargs) -> None:
    """An entry reminder is e-mailed too when the site has an SMTP server (settings.EMAIL_HOST)."""
    if settings.EMAIL_HOST:
        tasks.progress_reminder_email.delay(reminder_id)
