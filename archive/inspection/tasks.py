"""Celery task of inspectors' access: a thin wrapper that takes ids and calls the service."""

from celery import shared_task

from schoolrecords import sealing

from . import services

LINK_KEY = {"salt": b"archive.inspection", "info": b"an inspector's link in a task"}


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=30,
             max_retries=6)
def email_share(share_id: int, sealed_link: str) -> bool:
    """E-mail a share's link (sealed: see schoolrecords.sealing) to its inspector; an unreachable SMTP server is
    retried with a growing delay."""
    return services.share_email(share_id=share_id, link=sealing.unseal(sealed_link, **LINK_KEY))
