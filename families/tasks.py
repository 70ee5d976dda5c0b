"""Celery tasks of the families' side: thin wrappers that take ids and call the services."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=30,
             max_retries=6)
def send_invitation(invitation_id: int, code: str) -> bool:
    """E-mail an invitation's code; an unreachable SMTP server is retried with a growing delay."""
    return services.invitation_email(invitation_id=invitation_id, code=code)
