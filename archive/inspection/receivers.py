"""Receivers of inspectors' access (connected in ArchiveConfig.ready)."""

from django.dispatch import receiver

from schoolrecords import sealing

from . import signals, tasks


@receiver(signals.share_created, dispatch_uid="archive-email-share")
def email_share(sender, *, share_id: int, link: str, **kwargs) -> None:
    tasks.email_share.delay(share_id, sealing.seal(link, **tasks.LINK_KEY))  # not in clear in the broker
