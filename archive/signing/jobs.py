"""Starting a signing batch: the checks and the batch's rows (archive.signing.batch), then its task sent after commit."""

from django.db import transaction

from ..models import SigningBatch
from . import batch, tasks


def batch_start(*, pin: str = "", **kwargs) -> SigningBatch:
    """archive.signing.batch.batch_start, then the worker's task with the PIN encrypted (batch.pin_seal)."""
    started = batch.batch_start(pin=pin, **kwargs)
    sealed = batch.pin_seal(pin)
    transaction.on_commit(lambda: tasks.sign_batch.delay(started.pk, sealed), robust=True)
    return started
