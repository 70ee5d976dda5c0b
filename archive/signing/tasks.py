"""The signing worker's tasks: ``sign_batch``, a thin wrapper that takes the batch's id (and its encrypted PIN) and calls batch_run.

Registered with Celery through archive.tasks (autodiscovered). Delivered at least once: run again,
batch_run takes up the documents still waiting. Not retried on an error: a document that cannot be
signed is refused with its reason, and the signer starts a new batch for what is left. No ``expires``: a
task taken up late is refused inside (the PIN's Fernet TTL), so its batch is always finished. And
``agent_batches_clean``, the hourly clean-up of the signing agent's expired batches.
"""

from celery import shared_task

from . import agent_services, batch


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sign_batch(batch_id: int, sealed_pin: str = "") -> int:
    return batch.batch_run(batch_id=batch_id, sealed_pin=sealed_pin)


# Beat sends it every hour (settings.CELERY_BEAT_SCHEDULE); one that waited longer is dropped: the next does it.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def agent_batches_clean() -> int:
    """Delete the signing agent's expired, unused batches (archive.signing.agent_services.batches_clean)."""
    batches, _items = agent_services.batches_clean()
    return batches
