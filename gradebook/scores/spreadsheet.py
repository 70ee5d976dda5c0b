"""The score grid as an .xlsx workbook: export, and import of the same layout (read, check, preview, apply).

Three steps, each usable on its own:

* ``export_grid(grid, …)`` writes a header block (school, year, class, subject, term,
  teacher), the column heading row and one row per student (code, name, cells, averages).
* ``read_file(data)`` reads the bytes back (an .xlsx is told by its content, never by its
  name; 2 MB at most) into the header block and the rows, without judging a score yet.
* ``plan_import(grid, sheet)`` checks the file against the grid it is imported into (same
  class, subject, term and year), judges every cell with the grid's own rules and says what
  would change (old → new, with the version the screen showed) and which cells are wrong
  (row and column, in the teacher's language). ``apply_import`` then saves the changes
  through ``scores_save`` with those versions, so a cell someone changed since the preview
  comes back as a conflict instead of being overwritten.

Rules a teacher should know (also on the import page): a blank cell leaves the score as it
is (the import never empties a cell; use the grid for that); the averages columns are not
read; a cell with a formula is refused (paste values instead).
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from gradebook.models import MAX_REGULAR, Score, format_result
from gradebook.rules import tt22
from gradebook.scores.selectors import Grid, Row
from gradebook.scores.services import CellInput, SaveResult, scores_save
from schoolrecords import xlsx
from schoolrecords.importing import normalize_header
from schoolrecords.text import safe_cell as safe_text  # the site's one rule for spreadsheet text cells
from schoolrecords.xlsx import Formula

MAX_BYTES = 2 * 1024 * 1024
# An .xlsx is a zip: a small file can unpack to gigabytes, which openpyxl would then parse.
MAX_UNPACKED_BYTES = 4 * 1024 * 1024  # a class of 60 with every column is ~50 KB unpacked
MAX_ROWS = 300  # student rows; a class has about 45
MAX_LINES = 1000  # every row of the sheet, blank ones too: the header block, the students, notes under them
READ_SECONDS = 10  # an honest file reads in well under a second
HEADER_SEARCH_ROWS = 30
XLSX_MAGIC = b"PK\x03\x04"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The file's own words are part of its format, like the ledger's column names: Vietnamese whatever
# the screen's language, so that a file exported in one language imports in the other.
TITLE = "BẢNG ĐIỂM MÔN HỌC"
LABEL_SCHOOL, LABEL_YEAR, LABEL_CLASS = "Trường", "Năm học", "Lớp"
LABEL_SUBJECT, LABEL_TERM, LABEL_TEACHER = "Môn học", "Học kì", "Giáo viên"
HEAD_NUMBER, HEAD_CODE, HEAD_NAME, HEAD_NOTE = "STT", "Mã học sinh", "Họ và tên", "Ghi chú"
TERM_NAMES = {1: "I", 2: "II"}
COMMENT_TEXT = {True: "Đ", False: "CĐ"}
META_ROW = 2  # the header block starts here, under the title
HEADING_ROW = 10  # the column headings; students from the next row


def column_heading(key: str, *, is_commented: bool) -> str:
    """The file's heading of a grid column: the ledger's ĐĐGtx1 …, ĐĐGgk, ĐĐGck, ĐTBmhk, ĐTBmcn."""
    if key.startswith("tx"):
        return f"ĐĐGtx{key[2:]}"
    if is_commented:
        return {"gk": "ĐĐGgk", "ck": "ĐĐGck", "term": "KQ học kì", "year": "KQ cả năm"}[key]
    return {"gk": "ĐĐGgk", "ck": "ĐĐGck", "term": "ĐTBmhk", "year": "ĐTBmcn"}[key]


_ENTRY_KEYS = {normalize_header(column_heading(key, is_commented=False)): key
               for key in [f"tx{index}" for index in range(1, MAX_REGULAR + 1)] + ["gk", "ck"]}
_CODE, _NAME = normalize_header(HEAD_CODE), normalize_header(HEAD_NAME)
_META_KEYS = {normalize_header(label): label
              for label in (LABEL_SCHOOL, LABEL_YEAR, LABEL_CLASS, LABEL_SUBJECT, LABEL_TERM, LABEL_TEACHER)}


class SpreadsheetError(ValueError):
    """The file as a whole cannot be imported; the message is translated and ready to show."""


def too_large_message() -> str:
    return _("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)}


def display_name(name: str) -> str:
    """The uploaded file's name, for the history reason and messages only (never a path)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(char for char in name if char.isprintable())[:100] or "import.xlsx"


# --- export ------------------------------------------------------------------------------------


def export_grid(grid: Grid, *, school_name: str, teacher_name: str) -> bytes:
    """The grid as an .xlsx workbook (see the module docstring for the layout)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    school_class, subject = grid.school_class, grid.subject
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(f"{school_class.name} {subject.name} HK{TERM_NAMES[grid.term.number]}")

    _text_cell(sheet, 1, 1, TITLE).font = Font(bold=True, size=13)
    meta = [
        (LABEL_SCHOOL, school_name), (LABEL_YEAR, grid.assignment.year.name), (LABEL_CLASS, school_class.name),
        (LABEL_SUBJECT, subject.name), (LABEL_TERM, TERM_NAMES[grid.term.number]), (LABEL_TEACHER, teacher_name),
    ]
    for offset, (label, value) in enumerate(meta):
        _text_cell(sheet, META_ROW + offset, 1, label).font = Font(bold=True)
        _text_cell(sheet, META_ROW + offset, 3, value)

    headings = [HEAD_NUMBER, HEAD_CODE, HEAD_NAME]
    headings += [column_heading(column.key, is_commented=grid.is_commented) for column in grid.columns]
    headings.append(HEAD_NOTE)
    fill = PatternFill("solid", fgColor="EEF2F6")
    for index, heading in enumerate(headings, start=1):
        cell = _text_cell(sheet, HEADING_ROW, index, heading)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    first_value = 4
    for line, row in enumerate(grid.rows, start=HEADING_ROW + 1):
        sheet.cell(row=line, column=1, value=row.number)
        _text_cell(sheet, line, 2, row.student.code)
        _text_cell(sheet, line, 3, row.student.full_name)
        for offset, cell in enumerate(row.cells):
            if cell.value is not None:
                sheet.cell(row=line, column=first_value + offset, value=cell.value)
            elif cell.comment_passed is not None:
                _text_cell(sheet, line, first_value + offset, COMMENT_TEXT[cell.comment_passed])
        position = first_value + len(row.cells)
        results = [row.term_result] + ([row.year_result] if grid.term.number == 2 else [])
        for offset, result in enumerate(results):
            target = sheet.cell(row=line, column=position + offset)
            if isinstance(result, bool):
                target.value = COMMENT_TEXT[result]
            elif result is not None:
                target.value, target.number_format = result, "0.0"
        note = _left_note(row)
        if note:
            _text_cell(sheet, line, len(headings), note)
        for column in range(first_value, len(headings)):
            sheet.cell(row=line, column=column).alignment = Alignment(horizontal="center")
        if not row.writable:
            for column in range(1, len(headings) + 1):
                sheet.cell(row=line, column=column).font = Font(color="808080")

    widths = [5, 14, 28] + [9] * len(grid.columns) + [24]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.column_dimensions["B"].number_format = "@"
    sheet.freeze_panes = sheet.cell(row=HEADING_ROW + 1, column=first_value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, row: int, column: int, text: str):
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_text(str(text))
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31]


def _left_note(row: Row) -> str:
    if not row.has_left or row.left_on is None:
        return ""
    when = row.left_on.strftime("%d/%m/%Y")
    if row.enrolment.status == row.enrolment.Status.TRANSFERRED_OUT:
        return f"Chuyển trường {when}"
    if row.enrolment.status == row.enrolment.Status.CLASS_CHANGED:
        return f"Chuyển lớp {when}"
    return f"Nghỉ học {when}"


def export_file_name(grid: Grid) -> str:
    """An ASCII file name, e.g. diem-6A1-toan-hk1.xlsx."""
    name = f"diem-{grid.school_class.name}-{grid.subject.code}-hk{grid.term.number}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name) + ".xlsx"


# --- reading -----------------------------------------------------------------------------------


@dataclass
class SheetRow:
    line: int  # the row number in the sheet, as Excel shows it
    code: str
    name: str
    values: dict[str, Any]  # entry column key ("tx1" … "ck") -> the raw cell value


@dataclass
class GridSheet:
    meta: dict[str, str]  # LABEL_* -> the value beside it
    headings: dict[str, str]  # entry column key -> its heading in the file
    rows: list[SheetRow]


def read_file(data: bytes) -> GridSheet:
    """The header block and the rows of an exported grid file; SpreadsheetError if the file is unusable."""
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(too_large_message())
    if not data.startswith(XLSX_MAGIC):
        raise SpreadsheetError(_("This is not an Excel workbook (.xlsx). Export the grid and import that file."))
    sheets = _open(data)
    for rows in sheets:
        found = _read_sheet(rows)
        if found is not None:
            return found
    raise SpreadsheetError(
        _("The column headings were not found: the file must have a row with %(columns)s, as in the exported file.")
        % {"columns": f"{HEAD_CODE}, {HEAD_NAME}, ĐĐGtx1, ĐĐGgk, ĐĐGck"}
    )


def _open(data: bytes) -> list[Iterator[tuple[int, list[Any]]]]:
    return xlsx.open_sheets(data, max_unpacked=MAX_UNPACKED_BYTES, max_rows=MAX_LINES, seconds=READ_SECONDS,
                            error=SpreadsheetError)


def _read_sheet(rows: Iterator[tuple[int, list[Any]]]) -> GridSheet | None:
    meta: dict[str, str] = {}
    positions: dict[str, int] | None = None
    for line, cells in rows:
        keys = [normalize_header(cell) if isinstance(cell, str) else "" for cell in cells]
        if _CODE in keys and any(key in _ENTRY_KEYS for key in keys):
            positions = _map_headings(keys, cells)
            headings = {key: str(cells[index]).strip() for key, index in positions.items()}
            break
        label = next((key for key in keys if key), "")
        if label in _META_KEYS:
            start = keys.index(label)
            value = next((cell for cell in cells[start + 1:] if not _blank(cell)), "")
            meta[_META_KEYS[label]] = _plain(value)
        if line >= HEADER_SEARCH_ROWS:
            return None
    if positions is None:
        return None
    found = []
    for line, cells in rows:
        def at(key, cells=cells):
            index = positions.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        values = {key: at(key) for key in positions if key in _ENTRY_KEYS.values()}
        code, name = _plain(at("code")), _plain(at("name"))
        if not code and all(_blank(value) for value in values.values()):
            continue  # a blank row, or a row of notes under the table
        if len(found) == MAX_ROWS:
            raise SpreadsheetError(_("The file has more than %(max)s student rows.") % {"max": MAX_ROWS})
        found.append(SheetRow(line=line, code=code, name=name, values=values))
    return GridSheet(meta=meta, headings={key: value for key, value in headings.items() if key in _ENTRY_KEYS.values()},
                     rows=found)


def _map_headings(keys: list[str], cells: list[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, key in enumerate(keys):
        column = _ENTRY_KEYS.get(key) or {_CODE: "code", _NAME: "name"}.get(key)
        if column is None:
            continue  # STT, the averages, notes: not read
        if column in positions:
            raise SpreadsheetError(_("The column %(column)s appears twice.") % {"column": str(cells[index]).strip()})
        positions[column] = index
    return positions


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(value: Any) -> str:
    if value is None or isinstance(value, Formula):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


# --- checking against the grid -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A cell (or a row, or the file) that cannot be imported, with what to do about it."""

    line: int | None
    column: str | None  # the column's heading in the file
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column is None:
            return _("Row %(row)s: %(message)s") % {"row": self.line, "message": self.message}
        return _("Row %(row)s, column %(column)s: %(message)s") % {
            "row": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Change:
    """One cell the import would change: where, old → new as shown on screen, and what is sent to the service."""

    line: int
    number: int  # the student's list number in the grid
    name: str
    column: str  # the grid's column label (ĐĐGtx1 …)
    enrolment_id: int
    kind: str
    index: int
    old: str
    new: str
    text: str
    version: int | None
    status: str

    def cell_input(self) -> CellInput:
        return CellInput(enrolment_id=self.enrolment_id, kind=self.kind, index=self.index, text=self.text,
                         expected_version=self.version, status=self.status)


@dataclass
class ImportPlan:
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unchanged: int = 0  # cells already holding the value in the file
    blank: int = 0  # blank cells of the file, which keep what the grid holds

    def to_session(self) -> list[dict]:
        return [asdict(change) for change in self.changes]

    @staticmethod
    def changes_from_session(data: list[dict]) -> list[Change]:
        return [Change(**item) for item in data]


def grid_description(class_name: str, subject_name: str, term: str, year: str) -> str:
    return _("class %(class)s, %(subject)s, term %(term)s, %(year)s") % {
        "class": class_name, "subject": subject_name, "term": term, "year": year}


def check_belongs(grid: Grid, sheet: GridSheet) -> None:
    """SpreadsheetError unless the file's header block names this grid's class, subject, term and year."""
    wanted = {
        LABEL_CLASS: grid.school_class.name, LABEL_SUBJECT: grid.subject.name,
        LABEL_TERM: TERM_NAMES[grid.term.number], LABEL_YEAR: grid.assignment.year.name,
    }
    if any(label not in sheet.meta for label in wanted):
        raise SpreadsheetError(_(
            "The file's header (class, subject, term, school year) is missing: import a file exported from this grid."
        ))
    if any(_key(sheet.meta[label]) != _key(value) for label, value in wanted.items()):
        raise SpreadsheetError(_("This file holds the scores of %(file)s, not of %(grid)s.") % {
            "file": grid_description(*(sheet.meta[label] for label in wanted)),
            "grid": grid_description(*wanted.values()),
        })


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).split()).casefold()


def plan_import(grid: Grid, sheet: GridSheet) -> ImportPlan:
    """What importing ``sheet`` into ``grid`` would change, and every cell that cannot be imported."""
    check_belongs(grid, sheet)
    plan = ImportPlan()
    rows_by_code: dict[str, Row] = {_key(row.student.code): row for row in grid.rows}
    columns = {column.key: column for column in grid.entry_columns}
    seen: dict[str, int] = {}
    for sheet_row in sheet.rows:
        filled = {key: raw for key, raw in sheet_row.values.items() if not _blank(raw)}
        plan.blank += len(sheet_row.values) - len(filled)
        if not sheet_row.code:
            if filled:
                plan.problems.append(Problem(sheet_row.line, HEAD_CODE, _("The student code is missing.")))
            continue
        row = rows_by_code.get(_key(sheet_row.code))
        if row is None:
            plan.problems.append(Problem(sheet_row.line, HEAD_CODE, _(
                "No student with the code %(code)s in class %(class)s.") % {
                "code": sheet_row.code, "class": grid.school_class.name}))
            continue
        if row.enrolment.pk in seen:
            plan.problems.append(Problem(sheet_row.line, HEAD_CODE, _(
                "This student already appears in row %(row)s.") % {"row": seen[row.enrolment.pk]}))
            continue
        seen[row.enrolment.pk] = sheet_row.line
        for key, raw in filled.items():
            heading = sheet.headings[key]
            outcome = _judge(grid, row, columns.get(key), raw)
            if isinstance(outcome, str):
                plan.problems.append(Problem(sheet_row.line, heading, outcome))
            elif outcome is None:
                plan.unchanged += 1
            else:
                plan.changes.append(_change(row, columns[key], outcome, line=sheet_row.line))
    return plan


def _judge(grid: Grid, row: Row, column, raw: Any) -> str | tuple[Decimal | None, bool | None] | None:
    """A problem message, None when the grid already holds the value, or the new (value, comment result)."""
    text = _cell_text(raw)
    if text is None:
        return _("This cell holds a formula; copy the column and paste it back as values only.")
    try:
        if grid.is_commented:
            new = (None, tt22.parse_comment(text))
        else:
            new = (tt22.parse_score(text), None)
    except tt22.ScoreInputError as error:
        return _(error.message) % error.params
    current = row.cell(column.key) if column is not None else None
    if current is not None and (current.value, current.comment_passed) == new:
        return None
    if column is None or not column.writable:
        return _("This subject has %(count)s regular assessments per term.") % {"count": grid.regular_required}
    if not row.writable:
        return _("This student is not in the class during this term.")
    if column.key in row.recorded:  # a recorded result is not overwritten by a file: the message says the way
        return row.recorded[column.key]
    return new


def _cell_text(raw: Any) -> str | None:
    """What a cell holds, as a teacher would have typed it; None for a formula."""
    if isinstance(raw, Formula):
        return None
    if isinstance(raw, (bool, datetime.date, datetime.time)):
        return "?"  # neither a score nor a comment result: the parser says so in the teacher's words
    if isinstance(raw, float):
        # repr is the shortest text that reads back as the same float: 7.5 → "7.5", 7.25 → "7.25" (refused).
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw).strip()


def _change(row: Row, column, new: tuple[Decimal | None, bool | None], *, line: int) -> Change:
    value, passed = new
    current = row.cell(column.key)
    # A make-up keeps its status when its result is corrected; a skipped make-up given a result no longer is one.
    status = Score.Status.MADE_UP if current.status == Score.Status.MADE_UP else Score.Status.RECORDED
    return Change(
        line=line, number=row.number, name=row.student.full_name, column=column.label,
        enrolment_id=row.enrolment.pk, kind=column.kind, index=column.index,
        old=current.display, new=format_result(value, passed),
        text=str(value) if value is not None else COMMENT_TEXT[passed],
        version=current.version, status=status,
    )


def apply_import(*, actor, assignment, term, changes: list[Change], file_name: str, session: str = "") -> SaveResult:
    """Save the previewed changes, each against the version the preview showed (conflicts are reported).

    ``session``: the mark of the teacher's login session, as for the grid's save (a recorded result
    is refused, whatever the preview said).
    """
    return scores_save(actor=actor, assignment=assignment, term=term, cells=[c.cell_input() for c in changes],
                       reason=_("Imported from %(file)s") % {"file": file_name}, session=session)
