"""Secrets sealed for the broker: a code, link or PIN that a Celery task carries is encrypted, never in clear.

Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from SECRET_KEY by HKDF for one purpose (its salt and
info), so that a message read from Redis opens nothing without the key, and a key of one purpose opens nothing
of another. ``unseal`` with ``ttl`` also refuses a token made more than ``ttl`` seconds ago.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["InvalidToken", "fernet", "seal", "unseal"]


def fernet(*, salt: bytes, info: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, *, salt: bytes, info: bytes) -> str:
    """``text`` encrypted for a task's arguments."""
    return fernet(salt=salt, info=info).encrypt(text.encode()).decode()


def unseal(sealed: str, *, salt: bytes, info: bytes, ttl: int | None = None) -> str:
    """The text back; InvalidToken when it was tampered with, sealed under another key, or older than ``ttl``."""
    return fernet(salt=salt, info=info).decrypt(sealed.encode(), ttl=ttl).decode()
