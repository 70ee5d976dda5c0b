"""What the archive does when the gradebook announces a change (gradebook.signals, connected in ArchiveConfig.ready)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from gradebook import signals
from schoolrecords.services import system_user

from . import tasks
from .models import Mode


@receiver(signals.window_closed, dispatch_uid="archive.seal_window_snapshot")
def seal_window_snapshot(sender, *, term_id: int, key: str, actor_id: int | None = None, **kwargs) -> None:
    """An entry window closed: seal a snapshot of its term's scores (seed 002), once per closing (``key``)."""
    tasks.take_snapshot.delay(term_id, f"window:{key}", actor_id or system_user().pk, Mode.PERIODIC,
                              _("Entry window closed"), automatic=True)
