"""The gradebook's own receivers (connected in GradebookConfig.ready): work that follows a committed change,
and the rules version that follows every write of a window or a lock."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from schoolrecords.models import Term

from . import gate, signals, tasks
from .models import EntryWindow, ScoreLock


@receiver(signals.reminder_sent, dispatch_uid="gradebook-email-reminder")
def email_reminder(sender, *, reminder_id: int, **kwargs) -> None:
    """An entry reminder is e-mailed too when the site has an SMTP server (settings.EMAIL_HOST)."""
    if settings.EMAIL_HOST:
        tasks.progress_reminder_email.delay(reminder_id)


@receiver(post_save, sender=EntryWindow, dispatch_uid="gradebook-window-saved-rules")
@receiver(post_delete, sender=EntryWindow, dispatch_uid="gradebook-window-deleted-rules")
@receiver(post_save, sender=ScoreLock, dispatch_uid="gradebook-lock-saved-rules")
@receiver(post_delete, sender=ScoreLock, dispatch_uid="gradebook-lock-deleted-rules")
def rules_changed(sender, instance, **kwargs) -> None:
    """Any write of a window or a lock (the services, the admin, a command) gives its term new rules: the
    saves' cached windows and locks of the older version are never read again (gradebook.gate)."""
    gate.bump_rules(instance.term_id)


@receiver(post_save, sender=Term, dispatch_uid="gradebook-term-created-rules")
def term_created(sender, instance, created: bool, **kwargs) -> None:
    """A new term starts with a random rules version: one the saves may cache under. A term without one (rows
    bulk-loaded with no signal) is never cached: its saves read the windows and locks each time."""
    if created:
        gate.bump_rules(instance.pk)
