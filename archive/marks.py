"""What every printed page of an archived document carries: its verification code and a QR code of the public URL.

The QR code is drawn as an inline SVG (segno), so a form still reads no file but its own; the URL is
the public verification page of the code, under ``VERIFY_BASE_URL`` (the address the school's site is
reached at from outside: a phone scanning a printed report card opens it).
"""

from dataclasses import dataclass

import segno
from django.conf import settings
from django.urls import reverse

from . import codes


@dataclass(frozen=True)
class Mark:
    code: str
    display: str  # "ABCDE-FGHJK"
    url: str  # the public page of this code (what the QR code encodes)
    page: str  # the public page where the code is typed
    qr: str  # a data: URI of the QR code's SVG


def verify_url(code: str) -> str:
    return settings.VERIFY_BASE_URL.rstrip("/") + reverse("verify:code", args=[code])


def mark(code: str) -> Mark:
    url = verify_url(code)
    # Level M survives a smudged or folded corner; no border: the page margin is the quiet zone.
    qr = segno.make(url, error="m", micro=False).svg_data_uri(border=0, scale=4, dark="#000", light=None)
    page = settings.VERIFY_BASE_URL.rstrip("/") + reverse("verify:index")
    return Mark(code=code, display=codes.display(code), url=url, page=page, qr=qr)
