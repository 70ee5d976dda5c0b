"""Starting a signing batch: the checks and the batch's rows (archive.signing.batch), then its task sent after commit."""

from django.db import transaction

from ..models import SigningBatch
from . import batch, tasks


def batch_start(*, pin: str = "", **kwargs) -> SigningBatch:
    """archive.signing.batch.batch_start, then the worker's task with the PIN encrypted (batch.pin_seal)."""
    started = batch.batch_start(pin=pin, **kwargs)
    sealed = batch.pin_seal(pin)
    transaction.on_commit(lambda: _send(started.pk, sealed))
    return started


def _send(batch_id: int, sealed: str) -> None:
    """The task sent; when it cannot be (the broker down), the batch's items are refused rather than left waiting."""
    try:
        tasks.sign_batch.delay(batch_id, sealed)
    except Exception:  # kombu's OperationalError, a refused connection, a timeout: whatever the broker raised
        batch.batch_unsent(batch_id)
