"""Celery tasks of the families' side: thin wrappers that take ids and call the services."""

from celery import shared_task

from schoolrecords import sealing

from . import services

CODE_KEY = {"salt": b"families.invitation", "info": b"an invitation's code in a task"}


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=30,
             max_retries=6)
def send_invitation(invitation_id: int, sealed_code: str) -> bool:
    """E-mail an invitation's code (sealed: see schoolrecords.sealing); an unreachable SMTP server is retried with
    a growing delay."""
    return services.invitation_email(invitation_id=invitation_id, code=sealing.unseal(sealed_code, **CODE_KEY))


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=30,
             max_retries=6)
def deliver_notice(notice_id: int) -> int:
    """Deliver a sent notice through the channels (e-mail); what was delivered is not sent again on a retry."""
    return services.notice_deliver(notice_id=notice_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=30,
             max_retries=6)
def tell_correction(request_id: int, actor_id: int | None = None, kind: str = "score") -> int:
    """Make the messages of an approved correction (a score's or a homeroom value's: ``kind``) for the parents
    who see the changed values."""
    return len(services.correction_tell(request_id=request_id, actor_id=actor_id, kind=kind))


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=30,
             max_retries=6)
def deliver_correction(request_id: int, kind: str = "score") -> int:
    """E-mail a correction's messages; what was delivered is not sent again on a retry."""
    return services.correction_deliver(request_id=request_id, kind=kind)
