"""Receivers of inspectors' access (connected in ArchiveConfig.ready)."""

from django.dispatch import receiver

from . import signals, tasks


@receiver(signals.share_created, dispatch_uid="archive-email-share")
def email_share(sender, *, share_id: int, link: str, **kwargs) -> None:
    tasks.email_share.delay(share_id, link)
