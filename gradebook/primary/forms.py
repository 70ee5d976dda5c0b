"""Input of the primary grid: the JSON body its script (static/gradebook/grid.js) sends on a save."""

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services import MAX_CELLS, CellInput

MAX_TEXT = 200  # longer than any level, score or grid comment: not a cell's, and the request is refused whole
MAX_ID = 2**63 - 1
MAX_KIND = 10
REASONS = {
    "typed": gettext_lazy("Entered in the primary grid"),
    "paste": gettext_lazy("Pasted into the primary grid"),
}


class PayloadError(ValueError):
    """The body is not what the grid's script sends; the message is ready to show."""


@dataclass(frozen=True)
class SaveRequest:
    cells: list[CellInput]
    reason: str


def parse_save(body: bytes) -> SaveRequest:
    """{"source": "typed" | "paste", "cells": [{"enrolment": 12, "kind": "level", "index": 1, "text": "t"}, …]}.

    Checked for shape only: the service judges each kind and value (a "tx" column is its refusal to give).
    """
    unreadable = PayloadError(_("The save request could not be read. Reload the page and try again."))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise unreadable from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or not data["cells"]:
        raise unreadable
    if len(data["cells"]) > MAX_CELLS:
        raise PayloadError(_("Save at most %(count)s cells at a time.") % {"count": MAX_CELLS})
    cells = [_cell(item) for item in data["cells"]]
    if any(cell is None for cell in cells):
        raise unreadable
    return SaveRequest(cells=cells, reason=str(REASONS.get(data.get("source"), REASONS["typed"])))


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _cell(item) -> CellInput | None:
    if not isinstance(item, dict):
        return None
    enrolment, kind, index, text = item.get("enrolment"), item.get("kind"), item.get("index", 1), item.get("text", "")
    if not _whole(enrolment) or not 1 <= enrolment <= MAX_ID:
        return None
    if not isinstance(kind, str) or not 0 < len(kind) <= MAX_KIND or not _whole(index):
        return None
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    return CellInput(enrolment_id=enrolment, kind=kind, index=index, text=text)
