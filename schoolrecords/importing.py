"""Import of classes and students from an Excel (.xlsx) or CSV file: reading, checking and saving.

Three steps, each usable on its own:

* ``read_file(data)`` reads the bytes (the type is told by content, never by the file's
  name) and checks every cell on its own: required, length, dates, grade, gender, phone,
  formula injection. A problem with the whole file raises ``ImportFileError``; a problem
  with a cell stays on its row, so the preview can show every row at once.
* ``plan_import(year, rows)`` checks the rows against the school's data, loaded in bulk
  (one query for the classes, two per 900 student codes): duplicate codes, class/grade
  conflicts, students already studying in another class. It says what would happen to
  every row.
* ``import_classes_and_students(...)`` plans again inside one transaction and saves
  through the master-data services, or raises ``ImportInvalid`` and saves nothing.

Rules a school should know (also shown on the import page):

* A blank cell in an optional column keeps what the school already has; the import never
  erases a student's data. Unchanged students are not saved again, so importing the same
  file twice changes nothing the second time.
* A text cell starting with = + - or @ is refused (spreadsheets would read it as a
  formula when the data is exported again), except a leading + in the phone columns,
  where "+84..." is an ordinary phone number; a phone number must then be digits only.
  Leading spaces, tabs and line breaks are trimmed, so stored text never starts with them.
  A formula cell of an .xlsx is refused as well (paste values instead): its value is only
  what Excel last computed, and a file written by another program may hold none.
* Phone numbers are stored without spaces, dots or dashes; a phone typed as a number in
  Excel lost its leading 0, which is put back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import filetype
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import levels, services, xlsx
from . import models as m
from .formats import csdl
from .permissions import require
from .text import is_class_name
from .xlsx import Formula

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 3000
# An .xlsx is a zip: a few MB can unpack to gigabytes, which openpyxl would then parse.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # 3,000 students take ~2 MB unpacked
MAX_LINES = MAX_ROWS + 200  # every row of a sheet, blank ones too: the students, the header, a few notes
READ_SECONDS = 20  # an honest file of 3,000 students reads in about a second
MIN_GRADE, MAX_GRADE = 1, 12  # and then the grades the school teaches (schoolrecords.levels)
HEADER_SEARCH_ROWS = 10
FORMULA_PREFIXES = ("=", "+", "-", "@")
EXAMPLE_CODE = "VIDU-0001"
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other old Office files




class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is translated and ready to show."""


class ImportInvalid(ValidationError):
    """The import was refused because some rows have errors; nothing was saved."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(_("The file has rows with errors; nothing was saved."))


# --- the columns ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as in the template and SMAS exports: part of the file format, not translated
    kind: str  # text, class, grade, code, date, gender, phone, ignore
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: Any = ""

    @property
    def max_length(self) -> int | None:
        if self.key == "class":
            return m.SchoolClass._meta.get_field("name").max_length
        if self.kind in {"text", "code", "phone"}:
            return m.Student._meta.get_field(self.key).max_length
        return None


COLUMNS: tuple[Column, ...] = (
    Column("stt", "STT", "ignore", aliases=("so thu tu",), help=gettext_lazy("Row number; not imported.")),
    Column("class", "Lớp", "class", True, ("ten lop",),
           gettext_lazy("Class name starting with its grade, e.g. 6A1. A missing class is created.")),
    Column("grade", "Khối", "grade", True, ("khoi lop",), gettext_lazy("A whole number: a grade the school teaches (1 to 5, 6 to 9 or 10 to 12).")),
    Column("code", "Mã học sinh", "code", True, ("ma hs",),
           gettext_lazy("Unique in the school; an existing student with this code is updated.")),
    Column("registration_number", "Số đăng bộ", "text"),
    Column("full_name", "Họ và tên", "text", True, ("ho ten", "ho va ten hoc sinh", "ho ten hoc sinh")),
    Column("date_of_birth", "Ngày sinh", "date", True, ("ngay thang nam sinh",),
           gettext_lazy("dd/mm/yyyy, e.g. 15/03/2014, or an Excel date.")),
    Column("gender", "Giới tính", "gender", True, (), gettext_lazy("Nam or Nữ.")),
    Column("ethnicity", "Dân tộc", "text", help=gettext_lazy("Kinh when left blank for a new student.")),
    Column("place_of_birth", "Nơi sinh", "text"),
    Column("address", "Địa chỉ", "text"),
    Column("father_name", "Họ tên cha", "text", aliases=("ho va ten cha",)),
    Column("father_phone", "SĐT cha", "phone", aliases=("so dien thoai cha", "dien thoai cha", "dt cha"),
           help=gettext_lazy("Digits, e.g. 0912345678 or +84912345678.")),
    Column("mother_name", "Họ tên mẹ", "text", aliases=("ho va ten me",)),
    Column("mother_phone", "SĐT mẹ", "phone", aliases=("so dien thoai me", "dien thoai me", "dt me"),
           help=gettext_lazy("Digits, e.g. 0912345678 or +84912345678.")),
    Column("guardian_name", "Người giám hộ", "text", aliases=("ho ten nguoi giam ho", "ho va ten nguoi giam ho")),
    Column("guardian_phone", "SĐT người giám hộ", "phone",
           aliases=("so dien thoai nguoi giam ho", "dien thoai nguoi giam ho", "dt nguoi giam ho"),
           help=gettext_lazy("Digits, e.g. 0912345678 or +84912345678.")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
STUDENT_FIELDS = tuple(c.key for c in COLUMNS if c.key not in {"stt", "class", "grade"})
# The template's example student, refused on import so a forgotten example never becomes a student.
EXAMPLE_ROW = {
    "stt": 1, "class": "6A1", "grade": 6, "code": EXAMPLE_CODE, "registration_number": "001/2025",
    "full_name": "Nguyễn Văn An", "date_of_birth": datetime.date(2014, 3, 15), "gender": "Nam",
    "ethnicity": "Kinh", "place_of_birth": "Quảng Ninh", "address": "Tổ 1, phường Mạo Khê, Đông Triều",
    "father_name": "Nguyễn Văn Bình", "father_phone": "0912345678", "mother_name": "Trần Thị Hoa",
    "mother_phone": "0987654321", "guardian_name": "", "guardian_phone": "",
}


def normalize_header(text: Any) -> str:
    """'  Ngày sinh (dd/mm/yyyy) ' -> 'ngay sinh': no case, tone marks, notes in brackets or punctuation."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(text or ""))
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


_HEADER_KEYS = {
    name: column.key
    for column in COLUMNS
    for name in (normalize_header(column.header), *column.aliases)
}


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


# --- what reading gives ------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None  # the column's header, or None for the row as a whole
    message: str

    def __str__(self) -> str:
        if self.column is None:
            return _("Row %(row)s: %(message)s") % {"row": self.line, "message": self.message}
        return _("Row %(row)s, column %(column)s: %(message)s") % {
            "row": self.line, "column": self.column, "message": self.message,
        }


@dataclass
class ImportRow:
    """One data row: its number in the sheet, parsed values (None when blank), text to show, errors."""

    line: int
    values: dict[str, Any]
    shown: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def error(self, key: str | None, message: str) -> None:
        self.errors.append(RowError(self.line, COLUMN_BY_KEY[key].header if key else None, message))

    @property
    def class_key(self) -> str:
        return class_key(self.values.get("class") or "")


@dataclass
class ParsedFile:
    kind: str  # "xlsx" or "csv"
    rows: list[ImportRow]
    columns: list[str]  # keys found, in file order
    ignored: list[str]  # headers of columns that are not imported

    @property
    def missing_optional(self) -> list[str]:
        return [c.header for c in COLUMNS if c.key not in self.columns and c.kind != "ignore"]


def class_key(name: str) -> str:
    """Class names compare without case or spaces: '6 a1' is 6A1."""
    return "".join(name.split()).casefold()


# --- reading the file --------------------------------------------------------------------

def sniff(data: bytes) -> str:
    """'xlsx' or 'csv' from the bytes themselves, or ImportFileError with what the file looks like."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(_(
            'This is an old Excel 97-2003 (.xls) file. Open it in Excel and save it as "Excel Workbook (.xlsx)".'
        ))
    guessed = filetype.guess(data[:8192])  # what people upload by mistake, named so the message can say it
    if guessed is not None:
        raise ImportFileError(_wrong_type(guessed.extension.upper()))
    if b"\x00" in data[:8192]:
        raise ImportFileError(_wrong_type(_("a binary file")))
    return "csv"


def _wrong_type(kind: str) -> str:
    return _("This is not an Excel (.xlsx) or CSV file (it looks like %(kind)s). Use the template.") % {"kind": kind}


def read_file(data: bytes) -> ParsedFile:
    """Read and check every row of an uploaded file; raise ImportFileError if the file itself is unusable."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    kind = sniff(data)
    sheets = _xlsx_sheets(data) if kind == "xlsx" else [_csv_rows(data)]
    for sheet in sheets:
        header, rest = _find_header(sheet)
        if header is not None:
            break
    else:
        raise ImportFileError(
            _("The header row was not found: the first row must hold the column names of the template (%(columns)s).")
            % {"columns": ", ".join(c.header for c in COLUMNS if c.required)}
        )
    positions, ignored = _map_header(header)
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise ImportFileError(_("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = []
    for line, cells in rest:
        values = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
        if all(_blank(v) for key, v in values.items() if key != "stt"):
            continue
        if len(rows) == MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s student rows; split it into smaller files.")
                % {"max": _number(MAX_ROWS)}
            )
        rows.append(parse_row(line, values))
    if not rows:
        raise ImportFileError(_("The file has no student rows."))
    return ParsedFile(kind=kind, rows=rows, columns=list(positions), ignored=ignored)


def _xlsx_sheets(data: bytes) -> list[Iterator[tuple[int, Sequence[Any]]]]:
    return xlsx.open_sheets(data, max_unpacked=MAX_UNPACKED_BYTES, max_rows=MAX_LINES, seconds=READ_SECONDS,
                            error=ImportFileError)


def _csv_rows(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_(
            'The CSV file is not in UTF-8. In Excel choose File > Save As > "CSV UTF-8 (Comma delimited)" '
            "and upload that file."
        )) from exc
    head = "\n".join(text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS])
    # Excel writes ";" where the list separator is one (decimal-comma regional settings).
    delimiter = max((",", ";", "\t"), key=head.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Record numbers, not physical lines: a cell with a line break is still one row in Excel.
        for line, cells in enumerate(reader, start=1):
            if line > MAX_LINES:  # blank rows count too, as in a workbook
                raise ImportFileError(_("The sheet has more than %(max)s rows (blank rows count too): remove the "
                                        "empty rows under the table, or split the file.") % {"max": MAX_LINES})
            yield line, cells
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is damaged or not in CSV format.")) from exc


def _find_header(rows: Iterator[tuple[int, Sequence[Any]]]):
    """The first row (among the first few) naming at least three known columns; title rows above it are skipped."""
    for line, cells in rows:
        if sum(normalize_header(cell) in _HEADER_KEYS for cell in cells) >= 3:
            return cells, rows
        if line >= HEADER_SEARCH_ROWS:
            break
    return None, rows


def _map_header(cells: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(cells):
        key = _HEADER_KEYS.get(normalize_header(cell))
        if key is None:
            if not _blank(cell):
                ignored.append(str(cell).strip())
            continue
        if key in positions:
            raise ImportFileError(_("The column %(column)s appears twice.") % {"column": COLUMN_BY_KEY[key].header})
        positions[key] = index
    return positions, ignored


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- checking one row --------------------------------------------------------------------

class CellProblem(Exception):
    pass


def parse_row(line: int, cells: dict[str, Any]) -> ImportRow:
    """One row's cells (by column key) checked one by one; the sector database's import reads through it too."""
    row = ImportRow(line=line, values={}, shown={})
    for key, raw in cells.items():
        column = COLUMN_BY_KEY[key]
        if column.kind == "ignore":
            continue
        row.shown[key] = _show(raw)
        if isinstance(raw, Formula):
            row.values[key] = None
            row.error(key, _("This cell holds a formula; copy the column and paste it back as values only."))
            continue
        if _blank(raw):
            row.values[key] = None
            if column.required:
                row.error(key, _("This cell is required."))
            continue
        try:
            row.values[key] = _PARSERS[column.kind](raw, column)
        except CellProblem as problem:
            row.values[key] = None
            row.error(key, str(problem))
    if row.values.get("code") == EXAMPLE_CODE:
        row.error(None, _("This is the template's example row; delete it."))
    grade, name = row.values.get("grade"), row.values.get("class")
    if name is not None:  # written as the class form writes it: "6 a3" is 6A3
        name = row.values["class"] = "".join(name.split()).upper()
    if name is not None and not is_class_name(name):
        row.error("class", _("A class name has only letters without accents, digits, dots and hyphens, "
                             "for example 6A1."))
    elif grade is not None and name is not None:
        leading = re.match(r"\d+", name)
        if leading is None or int(leading.group()) != grade:
            row.error("class", _("The class name must start with its grade, e.g. %(example)s.") % {
                "example": f"{grade}A1"})
    return row


def _show(raw: Any) -> str:
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return raw.strftime("%d/%m/%Y")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return " ".join(str(raw if raw is not None else "").split())


def _text(raw: Any, column: Column, *, phone: bool = False) -> str:
    if isinstance(raw, bool):
        raise CellProblem(_("This cell holds a value of an unexpected kind."))
    if isinstance(raw, (datetime.date, datetime.time)):
        raise CellProblem(_("This cell holds a date; format the column as Text."))
    if isinstance(raw, float):
        raw = int(raw) if raw.is_integer() else format(raw, "g")
    text = " ".join(unicodedata.normalize("NFC", str(raw)).split())
    if text.startswith(FORMULA_PREFIXES) and not (phone and text.startswith("+")):
        raise CellProblem(
            _("The cell starts with %(char)s, which spreadsheets read as a formula; remove that character.")
            % {"char": text[0]}
        )
    limit = column.max_length
    if limit is not None and len(text) > limit:
        raise CellProblem(_("At most %(max)s characters (this one has %(length)s).") % {
            "max": limit, "length": len(text)})
    return text


def _parse_text(raw: Any, column: Column) -> str:
    return _text(raw, column)


def _parse_phone(raw: Any, column: Column) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        digits = str(int(raw)) if float(raw).is_integer() else ""
        # Excel dropped the leading 0 of a number typed into a General cell; Vietnamese numbers start with 0 or 84.
        text = ("+" + digits if digits.startswith("84") and len(digits) >= 11 else "0" + digits) if digits else ""
    else:
        text = re.sub(r"[\s.()\-]", "", _text(raw, column, phone=True))
    if not re.fullmatch(r"\+?\d{8,15}", text):
        raise CellProblem(_(
            "A phone number has 8 to 15 digits, optionally starting with +, e.g. 0912345678 or +84912345678."
        ))
    return text


def _parse_grade(raw: Any, column: Column) -> int:
    message = _("The grade must be a whole number from %(min)s to %(max)s.") % {"min": MIN_GRADE, "max": MAX_GRADE}
    if isinstance(raw, bool):
        raise CellProblem(message)
    if isinstance(raw, (int, float)):
        if not float(raw).is_integer():
            raise CellProblem(message)
        grade = int(raw)
    else:
        text = _text(raw, column)
        found = re.fullmatch(r"(?:kh[oố]i\s*)?(\d{1,2})", text, flags=re.IGNORECASE)
        if found is None:
            raise CellProblem(message)
        grade = int(found.group(1))
    if not MIN_GRADE <= grade <= MAX_GRADE:
        raise CellProblem(message)
    return grade


_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:\s+0?0:00(?::00)?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]0?0:00(?::00)?)?")


def _parse_date(raw: Any, column: Column) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if not isinstance(raw, str):
        raise CellProblem(_("A date must be written dd/mm/yyyy, e.g. 15/03/2014."))
    text = _text(raw, column)
    if found := _DMY.fullmatch(text):
        day, month, year = (int(part) for part in found.groups())
    elif found := _YMD.fullmatch(text):
        year, month, day = (int(part) for part in found.groups())
    else:
        raise CellProblem(_("A date must be written dd/mm/yyyy, e.g. 15/03/2014."))
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise CellProblem(_("%(date)s is not a real date.") % {"date": f"{day:02d}/{month:02d}/{year}"}) from exc


def _parse_gender(raw: Any, column: Column) -> str:
    genders = {"nam": m.Student.Gender.MALE, "nu": m.Student.Gender.FEMALE}
    value = genders.get(normalize_header(_text(raw, column)))
    if value is None:
        raise CellProblem(_("The gender must be %(male)s or %(female)s.") % {"male": "Nam", "female": "Nữ"})
    return value.value


_PARSERS = {
    "text": _parse_text,
    "code": _parse_text,
    "class": _parse_text,
    "phone": _parse_phone,
    "grade": _parse_grade,
    "date": _parse_date,
    "gender": _parse_gender,
}


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- checking against the school's data --------------------------------------------------

class Status:
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"

    LABELS = {
        NEW: gettext_lazy("New student"),
        UPDATE: pgettext_lazy("import", "Update"),
        UNCHANGED: pgettext_lazy("import", "Unchanged"),
        ERROR: pgettext_lazy("import", "Error"),
    }


@dataclass
class RowPlan:
    row: ImportRow
    student: m.Student | None = None  # the existing student with the row's code
    changes: dict[str, Any] = field(default_factory=dict)  # student fields to set
    class_name: str = ""
    new_class: bool = False
    enrol: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return Status.ERROR
        if self.student is None:
            return Status.NEW
        return Status.UPDATE if self.changes or self.enrol else Status.UNCHANGED

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def details(self) -> list[str]:
        if self.errors:
            return [str(error) for error in self.errors]
        notes = []
        if self.student is not None and self.changes:
            changed = ", ".join(COLUMN_BY_KEY[key].header for key in self.changes)
            notes.append(_("Changes: %(columns)s") % {"columns": changed})
        if self.enrol and self.new_class:
            notes.append(_("Joins the new class %(class)s") % {"class": self.class_name})
        elif self.enrol:
            notes.append(_("Joins class %(class)s") % {"class": self.class_name})
        return notes


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    new_classes: dict[str, tuple[str, int]]  # class key -> (name, grade)
    classes: dict[str, m.SchoolClass]  # class key -> existing class

    @property
    def error_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "new_classes": len(self.new_classes),
            "new": self.count(Status.NEW),
            "update": self.count(Status.UPDATE),
            "unchanged": self.count(Status.UNCHANGED),
            "error": self.count(Status.ERROR),
        }


def _chunks(items: Sequence[str], size: int = 900) -> Iterator[Sequence[str]]:
    # Stay under SQLite's classic limit of 999 parameters per statement.
    for start in range(0, len(items), size):
        yield items[start:start + size]


def plan_import(year: m.SchoolYear, rows: Iterable[ImportRow], *, lock: bool = False,
                codes_of_the_sector: bool = False) -> ImportPlan:
    """What importing the rows into the year would do, row by row; bulk reads only, nothing saved.

    ``codes_of_the_sector``: the codes are the sector database's, one per student in the whole
    sector, so a code another school's student has is refused (one more query per 900 codes).
    """
    rows = list(rows)
    level = year.school.level
    min_age, max_age = levels.AGES_OF_LEVEL[level]
    classes = {class_key(c.name): c for c in m.SchoolClass.objects.filter(year=year)}
    codes = sorted({row.values["code"] for row in rows if row.values.get("code")})
    students_qs = m.Student.objects.filter(school_id=year.school_id)
    if lock:
        students_qs = students_qs.select_for_update()
    students: dict[str, m.Student] = {}
    enrolments: dict[int, list[m.Enrolment]] = {}
    for chunk in _chunks(codes):
        students.update({s.code: s for s in students_qs.filter(code__in=chunk)})
        for enrolment in m.Enrolment.objects.filter(
            school_class__year=year, student__school_id=year.school_id, student__code__in=chunk
        ).select_related("school_class"):
            enrolments.setdefault(enrolment.student_id, []).append(enrolment)
    elsewhere: set[str] = set()
    if codes_of_the_sector:
        for chunk in _chunks(codes):
            elsewhere.update(m.Student.objects.filter(code__in=chunk).exclude(school_id=year.school_id)
                             .values_list("code", flat=True))

    plans = []
    new_classes: dict[str, tuple[str, int]] = {}
    code_first_line: dict[str, int] = {}
    for row in rows:
        plan = RowPlan(row=row, errors=list(row.errors))
        plans.append(plan)
        values = row.values
        code, name, grade = values.get("code"), values.get("class"), values.get("grade")
        if code:
            if code in code_first_line:
                plan.errors.append(RowError(row.line, COLUMN_BY_KEY["code"].header, _(
                    "The student code %(code)s is already used on row %(row)s.") % {
                    "code": code, "row": code_first_line[code]}))
            else:
                code_first_line[code] = row.line
            if code in elsewhere:
                plan.errors.append(RowError(row.line, COLUMN_BY_KEY["code"].header,
                                            translation.gettext(csdl.MSG_CODE_ELSEWHERE) % {"code": code}))
        birth = values.get("date_of_birth")
        if birth is not None:
            age = age_on(birth, year.start_date)
            if not min_age <= age <= max_age:
                plan.errors.append(RowError(row.line, COLUMN_BY_KEY["date_of_birth"].header, _(
                    "The student would be %(age)s years old at the start of the school year; "
                    "a student must be %(min)s to %(max)s.") % {"age": age, "min": min_age, "max": max_age}))
        if grade is not None and (why := levels.grade_fits(level=level, rule_set=year.rule_set, grade=grade)):
            plan.errors.append(RowError(row.line, COLUMN_BY_KEY["grade"].header, translation.gettext(why) % levels.grade_params(
                level=level, rule_set=year.rule_set, grade=grade)))
        key = row.class_key
        school_class = classes.get(key)
        # Within the file a class cannot get two grades: its name starts with its grade (checked per row).
        if school_class is not None and grade is not None and school_class.grade != grade:
            plan.errors.append(RowError(row.line, COLUMN_BY_KEY["grade"].header, _(
                "Class %(class)s already exists this school year in grade %(grade)s.") % {
                "class": school_class.name, "grade": school_class.grade}))
        elif school_class is None and name and key not in new_classes and not _errors_in(row, "class", "grade"):
            new_classes[key] = (name, grade)
        plan.class_name = school_class.name if school_class else (new_classes.get(key, (name,))[0] or "")
        plan.new_class = school_class is None

        student = students.get(code) if code else None
        fields = {k: values[k] for k in STUDENT_FIELDS if values.get(k) is not None}
        if student is None:
            plan.changes = fields
            plan.enrol = True
        else:
            plan.student = student
            plan.changes = {k: v for k, v in fields.items() if getattr(student, k) != v}
            plan.enrol = _check_enrolment(plan, enrolments.get(student.pk, []), school_class)
        if plan.errors:
            plan.changes, plan.enrol = {}, False
    # A class is created only for rows that are valid; a class named only on bad rows is not "new".
    used = {plan.row.class_key for plan in plans if not plan.errors}
    new_classes = {k: v for k, v in new_classes.items() if k in used}
    return ImportPlan(rows=plans, new_classes=new_classes, classes=classes)


def _errors_in(row: ImportRow, *keys: str) -> bool:
    headers = {COLUMN_BY_KEY[key].header for key in keys}
    return any(error.column in headers for error in row.errors)


def _check_enrolment(plan: RowPlan, enrolments: list[m.Enrolment], school_class: m.SchoolClass | None) -> bool:
    """Whether the student must be enrolled in the row's class; a conflict becomes a row error."""
    studying = m.Enrolment.Status.STUDYING
    name = plan.student.full_name
    for enrolment in enrolments:
        same_class = school_class is not None and enrolment.school_class_id == school_class.pk
        if same_class and enrolment.status != studying:
            plan.errors.append(RowError(plan.row.line, COLUMN_BY_KEY["class"].header, _(
                "%(name)s's enrolment in class %(class)s has ended (%(status)s); the import cannot reopen it.") % {
                "name": name, "class": enrolment.school_class.name, "status": enrolment.get_status_display()}))
            return False
        if not same_class and enrolment.status == studying:
            plan.errors.append(RowError(plan.row.line, COLUMN_BY_KEY["class"].header, _(
                "%(name)s is already studying in class %(class)s this school year.") % {
                "name": name, "class": enrolment.school_class.name}))
            return False
    return not any(e.school_class_id == getattr(school_class, "pk", None) for e in enrolments)


# --- saving ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    classes_created: int
    students_created: int
    students_updated: int
    students_unchanged: int
    enrolments_created: int


@transaction.atomic
def import_classes_and_students(*, actor, year: m.SchoolYear, rows: Iterable[ImportRow],
                                file_name: str, codes_of_the_sector: bool = False) -> ImportResult:
    """Create missing classes, create or update students and enrol them: every row, or nothing.

    The rows are checked again here, against the data as it is now, inside the transaction;
    any error raises ImportInvalid before the first write.
    """
    require(actor, services.SETUP, year)
    # One import per year at a time: a second one waits and then sees the first one's rows.
    year = m.SchoolYear.objects.select_for_update().select_related("school").get(pk=year.pk)
    plan = plan_import(year, rows, lock=True, codes_of_the_sector=codes_of_the_sector)
    if plan.has_errors or not plan.rows:
        raise ImportInvalid(plan)
    reason = _("Imported from %(file)s") % {"file": file_name}
    classes = dict(plan.classes)
    for key, (name, grade) in plan.new_classes.items():
        classes[key] = services.school_class_save(actor=actor, year=year, name=name, grade=grade, reason=reason)
    # The rows were checked above against the school's data, locked: the students and enrolments are
    # validated field by field and written in bulk, each with its history row (who, when, why).
    now = timezone.now()
    new_students, changed_students, changed_fields, enrolling = [], [], set(), []
    unchanged = 0
    for row_plan in plan.rows:
        student = row_plan.student
        if student is None:
            student = m.Student(school=year.school, **row_plan.changes)
            new_students.append(student)
        elif row_plan.changes:
            for name, value in row_plan.changes.items():
                setattr(student, name, value)
            changed_students.append(student)
            changed_fields.update(row_plan.changes)
        elif not row_plan.enrol:
            unchanged += 1
        if row_plan.enrol:
            enrolling.append((student, classes[row_plan.row.class_key]))
    # Uniqueness was checked by the plan; the school and classes are the rows locked above (checking
    # a foreign key costs a query a row).
    for student in (*new_students, *changed_students):
        student.full_clean(exclude={"school"}, validate_unique=False, validate_constraints=False)
    history = {"default_user": actor, "default_change_reason": reason, "default_date": now}
    if new_students:
        saved = {student.code: student for student in bulk_create_with_history(new_students, m.Student, **history)}
        enrolling = [(saved.get(student.code, student) if student.pk is None else student, school_class)
                     for student, school_class in enrolling]
    if changed_students:
        bulk_update_with_history(changed_students, m.Student, fields=sorted(changed_fields), **history)
    enrolments = [m.Enrolment(student=student, school_class=school_class, start_date=year.start_date)
                  for student, school_class in enrolling]
    for enrolment in enrolments:
        enrolment.full_clean(exclude={"student", "school_class"}, validate_unique=False, validate_constraints=False)
    if enrolments:
        bulk_create_with_history(enrolments, m.Enrolment, **history)
    created, updated, enrolled = len(new_students), len(changed_students), len(enrolments)
    return ImportResult(classes_created=len(plan.new_classes), students_created=created,
                        students_updated=updated, students_unchanged=unchanged, enrolments_created=enrolled)


# --- the template ------------------------------------------------------------------------

def template_xlsx() -> bytes:
    """The import template: a sheet with the header row and one example row, and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = pgettext("import", "Students")[:31]
    sheet.append([c.header for c in COLUMNS])
    sheet.append([EXAMPLE_ROW[c.key] for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(8, len(column.header) + 4, len(str(EXAMPLE_ROW[column.key])) + 2)
        example = sheet.cell(row=2, column=index)
        if column.kind == "date":
            example.number_format = "DD/MM/YYYY"
        elif column.kind in {"code", "phone", "text", "class"}:
            # Text format keeps the leading 0 of codes and phone numbers the school types in.
            sheet.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(pgettext("import", "Instructions")[:31])
    notes.append([pgettext("import", "Column"), pgettext("import", "Required"), _("How to fill it in")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.header, pgettext("import", "yes") if column.required else "", str(column.help)])
    for line in _rules():
        notes.append([])
        notes.append([line])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    """The CSV template in UTF-8 with a BOM, which is what Excel needs to open Vietnamese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    writer.writerow([_show(EXAMPLE_ROW[c.key]) for c in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _rules() -> list[str]:
    return [str(text) for text in RULES]


RULES = (
    gettext_lazy("Delete the example row before importing; it is refused."),
    gettext_lazy("A blank cell in an optional column keeps what the school already has."),
    gettext_lazy("Cells must not start with =, +, - or @ (a leading + is allowed in phone numbers)."),
    gettext_lazy("Formula cells are refused: copy them and paste them back as values only."),
    gettext_lazy("Nothing is saved unless every row is correct."),
)
