"""The exchange with the sector database (CSDL ngành): who may do it, the students' export and reading its import.

The portal has no public API: schools download and upload Excel files in its templates, whose
column maps are in schoolrecords.formats.csdl. The import of a portal export goes through the
board's student import (schoolrecords.importing): same checks, same preview, all or nothing, plus
one rule of the sector: a student code is the sector's, so another school's code is refused.
The year results' export is the gradebook's (gradebook.results.sector).
"""

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import importing, roles, xlsx
from . import models as m
from .formats import csdl
from .permissions import allowed, has_role, same_school, wall
from .purei18n import RuleError
from .selectors import status_code_of
from .services import SETUP
from .text import safe_cell, vietnamese_sort_key

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the import carries into the board's import, by the template's field names (the same names).
IMPORTED = ("code", "full_name", "date_of_birth", "gender", "ethnicity", "class", "grade", "registration_number",
            "place_of_birth", "address", "father_name", "mother_name", "guardian_name")
STATUS_HEADER = "Trạng thái"


# --- who ------------------------------------------------------------------------------------------


def may_exchange(user, year: m.SchoolYear) -> bool:
    """The board (the school's set-up) and the office (the clerk) download; only the board imports."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not same_school(user, year):
        return False
    return allowed(user, SETUP, year) or has_role(user, roles.CLERK)


def require_exchange(user, year: m.SchoolYear) -> None:
    """403 unless ``may_exchange``; another school's year is a 404."""
    wall(user, year, SETUP)
    if not may_exchange(user, year):
        raise PermissionDenied(_("Only the admin board and the office exchange files with the sector database."))


# --- the students' export -------------------------------------------------------------------------


def _period(day: datetime.date, terms: dict[int, m.Term]) -> str:
    if 1 in terms and day <= terms[1].end_date:
        return csdl.TERM1
    if 2 in terms and day <= terms[2].end_date:
        return csdl.TERM2
    return csdl.SUMMER


@dataclass(frozen=True)
class StudentLine:
    enrolment: m.Enrolment  # the student's last enrolment of the year, with .student and .school_class
    code: str  # the portal's status code


def student_lines(year: m.SchoolYear) -> list[StudentLine]:
    """One line per student of the year (three queries): their last class and the portal's status code.

    A student is counted as arrived during the year when their first enrolment of the year starts after
    its first day; a class change inside the school (a second enrolment) is not an arrival.
    """
    terms = {term.number: term for term in m.Term.objects.filter(year=year)}
    first_day = min([year.start_date, *(term.start_date for term in terms.values())])
    by_student: dict[int, list[m.Enrolment]] = {}
    for enrolment in (m.Enrolment.objects.filter(school_class__year=year)
                      .select_related("student", "school_class").order_by("start_date", "pk")):
        by_student.setdefault(enrolment.student_id, []).append(enrolment)
    movements: dict[int, list[m.Movement]] = {}
    for movement in m.Movement.objects.filter(year=year).order_by("date", "pk"):
        movements.setdefault(movement.student_id, []).append(movement)
    lines = []
    for student_id, enrolments in by_student.items():
        first, last = enrolments[0], enrolments[-1]
        if student_id in movements:  # the register knows (a return after leaving, too)
            code = status_code_of(movements[student_id], terms.values())
        else:  # rows made before the register, or by hand
            arrived = _period(first.start_date, terms) if first.start_date > first_day else None
            left = _period(last.end_date, terms) if last.end_date else None
            code = csdl.status_code(last.status, arrived=arrived, left=left)
        lines.append(StudentLine(enrolment=last, code=code))
    return sorted(lines, key=lambda line: (line.enrolment.school_class.grade, line.enrolment.school_class.name,
                                           vietnamese_sort_key(line.enrolment.student.given_name),
                                           vietnamese_sort_key(line.enrolment.student.full_name)))


def _student_values(line: StudentLine) -> dict[str, Any]:
    student, school_class = line.enrolment.student, line.enrolment.school_class
    values = {name: getattr(student, name, "") for name in csdl.STUDENTS_2025.fields if hasattr(m.Student, name)}
    values.update({
        "code": student.code, "gender": csdl.GENDERS.get(student.gender, ""), "class": school_class.name,
        "grade": school_class.grade, "status": csdl.status_label(line.code), "nationality": "Việt Nam",
        "national_id": "",
    })
    return values


def students_workbook(year: m.SchoolYear) -> bytes:
    """Every student of the year in the portal's current students template (one sheet)."""
    template = csdl.CURRENT["students"]
    rows = []
    for number, line in enumerate(student_lines(year), start=1):
        values = _student_values(line)
        values["number"] = number
        rows.append([values.get(name, "") for name in template.fields])
    text = {column.header for column in template.columns if column.field in {"code", "registration_number"}}
    return workbook(template.layout(), rows, title="HocSinh", text_headers=text)


def workbook(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str,
             text_headers: Iterable[str] = ()) -> bytes:
    """A one-sheet workbook: the header row, then the rows; text cells never read as formulas, dates dd/mm/yyyy."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    text_headers = set(text_headers)
    for line, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=index)
            if isinstance(value, str):
                cell.value = safe_cell(value)
                cell.data_type = "s"
            else:
                cell.value = value
                if isinstance(value, datetime.date):
                    cell.number_format = "DD/MM/YYYY"
                elif hasattr(value, "as_tuple"):  # a Decimal: an average keeps its one decimal
                    cell.number_format = "0.0"
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(6, min(40, len(header) + 4))
        if header in text_headers:  # codes keep their leading zeros when the school types in the column
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(year: m.SchoolYear, what: str) -> str:
    school = re.sub(r"[^0-9A-Za-z_-]+", "", year.school.code) or "truong"
    return f"csdl-{what}-{school}-{year.name}.xlsx"


# --- reading a portal export ----------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    line: int
    code: str
    full_name: str
    status: str


@dataclass
class SectorFile:
    """A portal export, read: its template version, the rows to import, the students who left (not imported)."""

    version: str
    rows: list[importing.ImportRow]
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headers read but not imported

    # what the import page shows of a file, as for the board's own import
    @property
    def missing_optional(self) -> list[str]:
        return []


def read_students(data: bytes) -> SectorFile:
    """Read a portal students export; ImportFileError (Vietnamese) when the file is refused as a whole."""
    if len(data) > importing.MAX_BYTES:
        raise importing.ImportFileError(_("The file is larger than %(size)s MB.") % {
            "size": importing.MAX_BYTES // (1024 * 1024)})
    if importing.sniff(data) != "xlsx":
        raise importing.ImportFileError(_("The sector database exchanges Excel workbooks (.xlsx): upload the file "
                                          "the portal exported, as it is."))
    sheets = xlsx.open_sheets(data, max_unpacked=importing.MAX_UNPACKED_BYTES, max_rows=importing.MAX_LINES,
                              seconds=importing.READ_SECONDS, error=importing.ImportFileError)
    for sheet in sheets:
        header = _header(sheet)
        if header is not None:
            break
    else:
        raise importing.ImportFileError(str(RuleError(csdl.MSG_NO_HEADER, rows=importing.HEADER_SEARCH_ROWS)))
    try:
        found = csdl.detect("students", header)
    except RuleError as error:
        raise importing.ImportFileError(str(error)) from error
    headers = {column.field: column.header for column in found.template.columns}
    result = SectorFile(version=found.template.version, rows=[],
                        ignored=[headers[name] for name in found.positions if name not in IMPORTED + ("status",)
                                 and name != "number"])
    for line, cells in sheet:
        raw = {name: (cells[index] if index < len(cells) else None) for name, index in found.positions.items()}
        if all(_blank(value) for name, value in raw.items() if name != "number"):
            continue
        if len(result.rows) + len(result.skipped) == importing.MAX_ROWS:
            raise importing.ImportFileError(_("The file has more than %(max)s student rows; split it into smaller "
                                              "files.") % {"max": importing.MAX_ROWS})
        code = csdl.read_status(raw.get("status"))
        if code is not None and code not in csdl.PRESENT:
            result.skipped.append(Skipped(line, _plain(raw.get("code")), _plain(raw.get("full_name")),
                                          csdl.status_label(code)))
            continue
        row = importing.parse_row(line, _import_values(raw))
        if code is None:
            row.errors.append(importing.RowError(line, headers["status"], _(
                "The status must be one of the portal's codes, 01 to 12 (for example 01 - Đang học).")))
        result.rows.append(row)
    if not result.rows and not result.skipped:
        raise importing.ImportFileError(_("The file has no student rows."))
    return result


def _header(sheet) -> list[Any] | None:
    for line, cells in sheet:
        if csdl.recognised("students", cells) >= 3:
            return cells
        if line >= importing.HEADER_SEARCH_ROWS:
            return None
    return None


def _import_values(raw: dict[str, Any]) -> dict[str, Any]:
    values = {name: raw.get(name) for name in IMPORTED}
    gender = values.get("gender")
    if isinstance(gender, (int, float)) and not isinstance(gender, bool):  # the portal's code: 1 nam, 2 nữ
        values["gender"] = {1: "Nam", 2: "Nữ"}.get(int(gender), gender)
    if _blank(values.get("grade")) and isinstance(values.get("class"), str):
        leading = re.match(r"\s*(\d{1,2})", values["class"])
        values["grade"] = int(leading.group(1)) if leading else None
    return values


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def plan(year: m.SchoolYear, parsed: SectorFile) -> importing.ImportPlan:
    return importing.plan_import(year, parsed.rows, codes_of_the_sector=True)


def import_students(*, actor, year: m.SchoolYear, parsed: SectorFile, file_name: str) -> importing.ImportResult:
    """Import the rows of a portal export through the board's import: every row or nothing (ImportInvalid)."""
    return importing.import_classes_and_students(actor=actor, year=year, rows=parsed.rows, file_name=file_name,
                                                 codes_of_the_sector=True)
