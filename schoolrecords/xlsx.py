"""Opening an uploaded .xlsx safely: the one reader behind the grid's import and the board's student import.

An .xlsx is a zip of XML parts, so a small upload can ask for a great deal: members that unpack to
gigabytes, an internal entity repeated until the parser holds a gigabyte (expat allows 100× growth),
or a sheet that declares a millionth row and streams a million blank ones. Before openpyxl sees
the file, the zip's unpacked size is capped and every XML part is scanned for a document type
declaration (``<!DOCTYPE``, which a workbook written by Excel, LibreOffice, Google Sheets or openpyxl
never has); defusedxml (installed, so openpyxl parses with it) refuses any entity that is left.
While the rows stream, every row counts toward a limit, blank ones too, and reading stops after a
time limit.
"""

import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

# One window of the scan: a declaration split across two chunks is still found.
_CHUNK = 64 * 1024
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class WorkbookError(ValueError):
    """The workbook cannot be read safely; ``str()`` is the message to show, translated."""


@dataclass(frozen=True)
class Formula:
    """A formula cell: refused by the imports, since its value is whatever Excel last computed, if anything."""

    text: str

    def __str__(self) -> str:
        return self.text


def open_sheets(data: bytes, *, max_unpacked: int, max_rows: int, seconds: float,
                error: type[Exception] = WorkbookError) -> list:
    """The workbook's sheets, each an iterator of (row number, cell values); ``error`` (the caller's own
    kind, with the message) when the file is refused, on opening or while its rows stream.

    ``max_rows``: the rows a sheet may have, blank ones included (a longer sheet is refused when
    its row ``max_rows + 1`` is reached). ``seconds``: how long reading may take in all.
    """
    try:
        sheets = _open(data, max_unpacked=max_unpacked, max_rows=max_rows, seconds=seconds)
    except WorkbookError as refused:
        raise (refused if error is WorkbookError else error(str(refused))) from refused.__cause__
    return [_as(sheet, error) for sheet in sheets]


def _as(sheet, error: type[Exception]) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from sheet
    except WorkbookError as refused:
        if error is WorkbookError:
            raise
        raise error(str(refused)) from refused


def _open(data: bytes, *, max_unpacked: int, max_rows: int, seconds: float) -> list:
    from openpyxl import load_workbook

    unreadable = _("This file is not a readable Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(info.file_size for info in members) > max_unpacked:
                raise WorkbookError(_("The file is too large once unpacked."))
            for info in members:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")) and _declares(archive, info):
                    raise WorkbookError(_("This file declares XML entities, which no spreadsheet program writes "
                                          "into a workbook: it was refused. Save it again from Excel and retry."))
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as error:  # RuntimeError: encrypted
        raise WorkbookError(unreadable) from error
    try:
        # read_only streams the rows. Formulas are read as formulas (data_only=False): a file written
        # by another program may hold no computed value, which would read as a silently blank cell.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign zip (e.g. a .docx)
        raise WorkbookError(unreadable) from error
    deadline = time.monotonic() + seconds
    return [_rows(sheet, unreadable, max_rows=max_rows, deadline=deadline) for sheet in workbook.worksheets]


def _declares(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            if _DOCTYPE.search(tail + chunk):
                return True
            tail = chunk[-32:]
    return False


def _rows(sheet, unreadable: str, *, max_rows: int, deadline: float) -> Iterator[tuple[int, list[Any]]]:
    try:
        for line, cells in enumerate(sheet.iter_rows(), start=1):
            if line > max_rows:
                raise WorkbookError(_("The sheet has more than %(max)s rows (blank rows count too): remove the "
                                      "empty rows under the table, or split the file.") % {"max": max_rows})
            if time.monotonic() > deadline:
                raise WorkbookError(_("The file took too long to read: remove what is not part of the table "
                                      "and retry."))
            yield line, [Formula(str(getattr(cell.value, "text", cell.value))) if cell.data_type == "f"
                         else cell.value for cell in cells]
    except WorkbookError:
        raise
    except Exception as error:  # damaged sheet XML (and defusedxml's refusals) surface only while streaming
        raise WorkbookError(unreadable) from error
