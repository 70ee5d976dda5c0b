"""Input of the score grid: the JSON body the grid's script sends on a save, and the .xlsx upload of an import."""

import json
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gradebook.models import MAX_REGULAR, Score
from gradebook.scores import spreadsheet
from gradebook.scores.services import MAX_CELLS, CellInput

# Far longer than any score or "Chưa đạt": a longer text is not a cell's, and the request is refused whole.
MAX_TEXT = 100
# The largest id (a bigint) and version (an integer) the database holds: larger numbers are not the grid's.
MAX_ID, MAX_VERSION = 2**63 - 1, 2**31 - 1
# Where the cells came from decides the history reason; the browser picks one of these, never the text.
REASONS = {
    "typed": gettext_lazy("Entered in the score grid"),
    "paste": gettext_lazy("Pasted into the score grid"),
}


class PayloadError(ValueError):
    """The body of a save request is not what the grid's script sends; the message is ready to show."""


@dataclass(frozen=True)
class SaveRequest:
    cells: list[CellInput]
    reason: str


def parse_save(body: bytes) -> SaveRequest:
    """The cells of a save request, checked for shape only (the service judges each value).

    Expected: {"source": "typed" | "paste", "cells": [{"enrolment": 12, "kind": "tx", "index": 1,
    "text": "7,5", "version": 3 | null, "status": "recorded"}, …]}.
    """
    unreadable = PayloadError(_("The save request could not be read. Reload the page and try again."))
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise unreadable from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or not data["cells"]:
        raise unreadable
    if len(data["cells"]) > MAX_CELLS:
        raise PayloadError(_("Save at most %(count)s cells at a time.") % {"count": MAX_CELLS})
    cells = [_cell(item) for item in data["cells"]]
    if any(cell is None for cell in cells):
        raise unreadable
    return SaveRequest(cells=cells, reason=str(REASONS.get(data.get("source"), REASONS["typed"])))


def _cell(item) -> CellInput | None:
    if not isinstance(item, dict):
        return None
    enrolment, kind, index = item.get("enrolment"), item.get("kind"), item.get("index", 1)
    text, version, status = item.get("text", ""), item.get("version"), item.get("status") or Score.Status.RECORDED
    if not _whole(enrolment) or not 1 <= enrolment <= MAX_ID or kind not in Score.Kind.values:
        return None
    if not _whole(index) or not 1 <= index <= MAX_REGULAR:
        return None
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    if version is not None and (not _whole(version) or not 1 <= version <= MAX_VERSION):
        return None
    if status not in Score.Status.values:
        return None
    return CellInput(enrolment_id=enrolment, kind=kind, index=index, text=text, expected_version=version,
                     status=status)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class GridImportForm(forms.Form):
    """The .xlsx file of an import; read here (by content, not by name), checked against the grid by the view."""

    file = forms.FileField(
        label=gettext_lazy("Score file (.xlsx)"),
        allow_empty_file=True,  # the reader's own message for an empty file is clearer
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > spreadsheet.MAX_BYTES:
            raise ValidationError(spreadsheet.too_large_message())
        self.content = upload.read()
        try:
            self.sheet = spreadsheet.read_file(self.content)
        except spreadsheet.SpreadsheetError as error:
            raise ValidationError(str(error)) from error
        self.file_name = spreadsheet.display_name(upload.name)
        return upload
