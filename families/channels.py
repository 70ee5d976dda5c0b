"""The ways a notice reaches a parent besides their page: one interface, e-mail built in.

A channel is a class with ``name`` and ``deliver(receipt, subject, body) -> bool`` (True: handed over);
settings.FAMILIES_CHANNELS lists the dotted paths of those in use. A Zalo Official Account or an SMS
gateway plugs in as another class (docs/operations.md, "Families"); nothing else changes.
"""

from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class Channel(Protocol):
    name: str

    def deliver(self, receipt, subject: str, body: str) -> bool: ...


class EmailChannel:
    """Django's e-mail backend (SMTP in production): to the parent's e-mail address, if they gave one."""

    name = "email"

    def deliver(self, receipt, subject: str, body: str) -> bool:
        if not receipt.parent.email:
            return False
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [receipt.parent.email])
        return True


def channels() -> list[Channel]:
    return [import_string(path)() for path in settings.FAMILIES_CHANNELS]
