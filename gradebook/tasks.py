"""Celery tasks of the gradebook: thin wrappers that take ids and call the services.

Delivered at least once (acks_late): each service is idempotent (a reminder is e-mailed once, a
month is recorded once).
"""

from celery import shared_task

from schoolrecords.services import system_user

from .progress import services as progress


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=60,
             max_retries=5)
def progress_reminder_email(reminder_id: int) -> bool:
    """E-mail one entry reminder to its teacher; an unreachable SMTP server is retried with a growing delay."""
    return progress.reminder_email(reminder_id=reminder_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def progress_records_monthly() -> int:
    """Record last month's entry progress of every school (Celery beat, on the first of the month)."""
    return len(progress.progress_records_due(actor=system_user()))
