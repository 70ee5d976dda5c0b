"""The sector database's (CSDL ngành) Excel templates: every column map, in one place, and reading their headers.

Pure (no Django): the exports write these headers and the import reads them. The portal has no
public API; schools exchange Excel files through it, and its templates change between versions,
so a file is read by its header texts, never by the columns' positions. A new template version is
one more ``Template`` below (and a test for its map).

Header texts are the portal's, in Vietnamese, as it writes them: part of the file format, not
translated. They are matched without case or extra spaces, then, failing that, without tone marks
(a file retyped on a keyboard without Vietnamese input still reads).
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from schoolrecords import statuscodes
from schoolrecords.purei18n import RuleError, gettext_noop

MSG_NO_TEMPLATE = gettext_noop(
    "The file's headers do not match any known template of the sector database. Headers not recognised: "
    "%(unknown)s. Missing columns: %(missing)s."
)
MSG_NO_HEADER = gettext_noop(
    "The header row of a sector database export was not found in the first %(rows)s rows of any sheet."
)
MSG_TWICE = gettext_noop("The column %(column)s appears twice.")
# A student code is the sector's: one per student in the whole sector (schoolrecords.importing checks it).
MSG_CODE_ELSEWHERE = gettext_noop(
    "The student code %(code)s belongs to a student of another school. A student code is unique in the whole "
    "sector: check the code, or ask that school to transfer the student first."
)
NOTHING = "—"


@dataclass(frozen=True)
class Column:
    header: str  # as the portal writes it
    field: str  # our name for it
    required: bool = False


@dataclass(frozen=True)
class Template:
    """One version of one of the portal's templates: its columns in the portal's order."""

    kind: str  # "students" or "results"
    version: str
    columns: tuple[Column, ...]
    # results only: where the subjects' columns (one per subject, headed by its name) go, after this field
    subjects_after: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(column.field for column in self.columns)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.required)

    def layout(self, subjects: Sequence[str] = ()) -> list[str]:
        """The header row as the portal lays it out: the template's headers, the subjects in their place."""
        headers = []
        for column in self.columns:
            headers.append(column.header)
            if self.subjects_after and column.field == self.subjects_after:
                headers.extend(subjects)
        return headers


def _c(header: str, field: str, required: bool = False) -> Column:
    return Column(header, field, required)


# --- the portal's templates, newest first --------------------------------------------------------

STUDENTS_2025 = Template("students", "2025", (
    _c("STT", "number"),
    _c("Mã học sinh", "code", True),
    _c("Mã định danh", "national_id"),
    _c("Họ và tên", "full_name", True),
    _c("Ngày sinh", "date_of_birth", True),
    _c("Giới tính", "gender", True),
    _c("Dân tộc", "ethnicity"),
    _c("Quốc tịch", "nationality"),
    _c("Khối", "grade"),
    _c("Lớp", "class", True),
    _c("Trạng thái", "status", True),
    _c("Số đăng bộ", "registration_number"),
    _c("Nơi sinh", "place_of_birth"),
    _c("Quê quán", "hometown"),
    _c("Nơi ở hiện nay", "address"),
    _c("Đối tượng chính sách", "priority_group"),
    _c("Họ tên cha", "father_name"),
    _c("Nghề nghiệp cha", "father_occupation"),
    _c("Họ tên mẹ", "mother_name"),
    _c("Nghề nghiệp mẹ", "mother_occupation"),
    _c("Họ tên người giám hộ", "guardian_name"),
    _c("Nghề nghiệp người giám hộ", "guardian_occupation"),
))

# The earlier template: shorter headers, no national id, nationality or occupations, no grade column.
STUDENTS_2023 = Template("students", "2023", (
    _c("STT", "number"),
    _c("Mã HS", "code", True),
    _c("Họ tên học sinh", "full_name", True),
    _c("Ngày tháng năm sinh", "date_of_birth", True),
    _c("Giới tính", "gender", True),
    _c("Dân tộc", "ethnicity"),
    _c("Tên lớp", "class", True),
    _c("Trạng thái học sinh", "status", True),
    _c("Nơi sinh", "place_of_birth"),
    _c("Địa chỉ", "address"),
    _c("Họ tên cha", "father_name"),
    _c("Họ tên mẹ", "mother_name"),
))

RESULTS_2025 = Template("results", "2025", (
    _c("STT", "number"),
    _c("Mã học sinh", "code", True),
    _c("Họ và tên", "full_name", True),
    _c("Lớp", "class", True),
    _c("Kết quả học tập HK1", "learning_1"),
    _c("Kết quả học tập HK2", "learning_2"),
    _c("Kết quả học tập cả năm", "learning_year"),
    _c("Kết quả rèn luyện HK1", "conduct_1"),
    _c("Kết quả rèn luyện HK2", "conduct_2"),
    _c("Kết quả rèn luyện cả năm", "conduct_year"),
    _c("Kết quả học tập lại", "learning_after_retest"),
    _c("Kết quả rèn luyện lại", "summer_conduct"),
    _c("Số buổi nghỉ", "absences"),
    _c("Được lên lớp", "promoted"),
    _c("Danh hiệu", "title"),
), subjects_after="class")

TEMPLATES: tuple[Template, ...] = (STUDENTS_2025, STUDENTS_2023, RESULTS_2025)
CURRENT = {"students": STUDENTS_2025, "results": RESULTS_2025}


def templates(kind: str) -> tuple[Template, ...]:
    return tuple(template for template in TEMPLATES if template.kind == kind)


# --- the portal's codes --------------------------------------------------------------------------

# Trạng thái học sinh, as the portal lists them (its own spelling: "kỳ"). The codes follow from a
# student's movements in schoolrecords.statuscodes, the one mapping; this is their portal text.
STATUSES = {
    "01": "Đang học",
    "02": "Chuyển đến kỳ 1",
    "03": "Nghỉ học xin học lại kỳ 1",
    "04": "Chuyển đi kỳ 1",
    "05": "Thôi học kỳ 1",
    "06": "Chuyển đến kỳ 2",
    "07": "Nghỉ học xin học lại kỳ 2",
    "08": "Chuyển đi kỳ 2",
    "09": "Thôi học kỳ 2",
    "10": "Chuyển đến trong hè",
    "11": "Chuyển đi trong hè",
    "12": "Thôi học trong hè",
}
# The codes of a student the school still has (studying, arrived or back during the year): the import takes these.
PRESENT = frozenset({"01", "02", "03", "06", "07", "10"})
TERM1, TERM2, SUMMER = "term1", "term2", "summer"
_PART = {TERM1: statuscodes.TERM_I, TERM2: statuscodes.TERM_II, SUMMER: statuscodes.SUMMER}
_ENDED = {"transferred_out": statuscodes.TRANSFER_OUT, "dropped": statuscodes.DROP_OUT}


def status_code(status: str, *, arrived: str | None = None, left: str | None = None) -> str:
    """The portal's status code of one student's year, from its enrolment alone (no movement recorded).

    ``status``: the enrolment's ("studying", "transferred_out", "dropped"); ``arrived``: the period
    (TERM1, TERM2, SUMMER) in which a student who came during the year arrived, None for one there
    from the start; ``left``: the period in which an ended enrolment ended. With movements recorded,
    schoolrecords.statuscodes.status_code reads them instead (a return is seen only there).
    """
    if status in _ENDED:
        return statuscodes.code_of(_ENDED[status], _PART[left or TERM1])
    if status == "studying":
        return statuscodes.code_of(statuscodes.TRANSFER_IN, _PART[arrived]) if arrived else statuscodes.STUDYING
    raise ValueError(f"no sector database code for the status {status!r}")


def status_label(code: str) -> str:
    """ "01 - Đang học", as the portal's drop-down writes it into a cell."""
    return f"{code} - {STATUSES[code]}"


def read_status(value: object) -> str | None:
    """The code of a status cell: "01", 1, "01 - Đang học" or "Đang học"; None if not one of the portal's."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = f"{int(value):02d}" if float(value).is_integer() else ""
    text = str(value).strip()
    found = re.match(r"(\d{1,2})\b", text)
    if found:
        code = f"{int(found.group(1)):02d}"
        return code if code in STATUSES else None
    by_name = {loose(name): code for code, name in STATUSES.items()}
    return by_name.get(loose(text))


# Kết quả học tập / rèn luyện (TT22), as the portal writes them.
LEVELS = {"tot": "T", "kha": "K", "dat": "Đ", "chua_dat": "CĐ"}
GENDERS = {"male": "Nam", "female": "Nữ"}
TITLES = {"xuat_sac": "Học sinh Xuất sắc", "gioi": "Học sinh Giỏi"}
COMMENTS = {True: "Đ", False: "CĐ"}  # a subject assessed by comments
EXEMPT = "Miễn"


# --- matching headers ----------------------------------------------------------------------------


def exact(text: object) -> str:
    """A header as compared first: without case, notes in brackets, or extra spaces."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", unicodedata.normalize("NFC", str(text if text is not None else "")))
    return " ".join(text.casefold().split())


def loose(text: object) -> str:
    """The fallback: no tone marks or punctuation either ("Ho ten hoc sinh" is "Họ tên học sinh")."""
    text = unicodedata.normalize("NFD", exact(text).replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


@dataclass(frozen=True)
class Match:
    template: Template
    positions: dict[str, int]  # field -> index of its column in the row
    unknown: tuple[str, ...]  # the row's headers that are none of the template's
    missing: tuple[str, ...]  # the template's required headers the row lacks

    @property
    def complete(self) -> bool:
        return not self.unknown and not self.missing


def match(template: Template, cells: Sequence[object]) -> Match:
    """Which of the row's cells are which of the template's columns: by exact text, then loosely."""
    by_exact = {exact(column.header): column for column in template.columns}
    by_loose = {loose(column.header): column for column in template.columns}
    positions: dict[str, int] = {}
    unknown = []
    for index, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        column = by_exact.get(exact(cell)) or by_loose.get(loose(cell))
        if column is None:
            unknown.append(" ".join(str(cell).split()))
            continue
        if column.field in positions:
            raise RuleError(MSG_TWICE, column=column.header)
        positions[column.field] = index
    missing = tuple(column.header for column in template.required if column.field not in positions)
    return Match(template, positions, tuple(unknown), missing)


def recognised(kind: str, cells: Sequence[object]) -> int:
    """How many of the row's cells are a header of some template of ``kind``: finds the header row."""
    known = {key for template in templates(kind) for column in template.columns
             for key in (exact(column.header), loose(column.header))}
    return sum(1 for cell in cells if cell is not None and (exact(cell) in known or loose(cell) in known))


def detect(kind: str, cells: Sequence[object]) -> Match:
    """The template version the header row is written in; RuleError listing the headers that match none.

    Every header must be one of the version's and every required column present: an unknown header
    may be a renamed column, whose data would otherwise be silently dropped.
    """
    matches = [match(template, cells) for template in templates(kind)]
    for found in matches:
        if found.complete:
            return found
    best = min(matches, key=lambda found: (len(found.missing) + len(found.unknown), -len(found.positions)))
    unknown = [header for header in best.unknown
               if all(header in other.unknown for other in matches)] or list(best.unknown)
    raise RuleError(MSG_NO_TEMPLATE, unknown=", ".join(unknown) or NOTHING,
                    missing=", ".join(best.missing) or NOTHING)
