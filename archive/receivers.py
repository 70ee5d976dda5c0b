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


@receiver(signals.homeroom_correction_applied, dispatch_uid="archive.seal_homeroom_correction_minutes")
def seal_homeroom_correction_minutes(sender, *, request_id: int, actor_id: int | None = None, **kwargs) -> None:
    """A homeroom correction of an approved class was approved and applied: seal its minutes, once per request."""
    jobs.minutes_for_homeroom_correction_applied(request_id=request_id, actor_id=actor_id)


@receiver(signals.results_reopened, dispatch_uid="archive.mark_reissue")
def mark_reissue(sender, *, school_class_id: int, term_id: int | None, reason: str, actor_id: int,
                 **kwargs) -> None:
    """A correction withdrew an approval: the class's documents printed from the old data wait for their re-issue."""
    jobs.reissue_mark(school_class_id=school_class_id, term_id=term_id, reason=reason, actor_id=actor_id)


@receiver(signals.results_approved, dispatch_uid="archive.seal_approval_snapshots")
def seal_approval_snapshots(sender, *, approval_id: int, actor_id: int | None = None, **kwargs) -> None:
    """The principal approved a class's results: seal a snapshot of its scores (seed 002), once per approval."""
    jobs.snapshots_for_results_approved(approval_id=approval_id, actor_id=actor_id)


@receiver(signals.results_approved, dispatch_uid="archive.start_reissue")
def start_reissue(sender, *, school_class_id: int, term_id: int | None, actor_id: int, **kwargs) -> None:
    """The principal approved again: the documents waiting for it are printed again, each a new version."""
    jobs.reissue_after_approval(school_class_id=school_class_id, term_id=term_id, actor_id=actor_id)
