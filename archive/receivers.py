"""What the archive does when the gradebook announces a change (gradebook.signals, connected in ArchiveConfig.ready)."""

from django.dispatch import receiver

from gradebook import signals

from . import jobs


@receiver(signals.window_closed, dispatch_uid="archive.seal_window_snapshot")
def seal_window_snapshot(sender, *, term_id: int, key: str, actor_id: int | None = None, **kwargs) -> None:
    """An entry window closed: seal a snapshot of its term's scores (seed 002), once per closing (``key``)."""
    jobs.snapshot_for_window_closed(term_id=term_id, window_key=key, actor_id=actor_id)


@receiver(signals.correction_applied, dispatch_uid="archive.seal_correction_minutes")
def seal_correction_minutes(sender, *, request_id: int, actor_id: int | None = None, **kwargs) -> None:
    """A correction request was approved and applied: seal its minutes into the archive, once per request."""
    jobs.minutes_for_correction_applied(request_id=request_id, actor_id=actor_id)
