"""Lesson-plan file naming (“MÔN KHỐI_TIẾT N_TÊN BÀI”) and upload checks; pure, no Django."""

import math
import re
import unicodedata
from dataclasses import dataclass

from schoolrecords.purei18n import RuleError, gettext_noop, vietnamese

# The seed (000, "Quy định lưu trữ") says: “Môn_Khối_Tiết_PPCT_tên bài hoặc chủ đề”, “viết bằng
# chữ in hoa có dấu (trừ môn ngoại ngữ)”, “lưu dưới dạng file PDF”, and gives the example
# “SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC” for “sinh học 9, tiết 1 dạy Bài 1. Men Đen và
# di truyền học”.  Where the structure line and the example disagree (an underscore or a space
# between subject and grade, between TIẾT and the number), the example wins, so a name is
#     <SUBJECT> <grade>_TIẾT <period>_<TITLE>
# and the example also shows that the lesson's own number (“Bài 1.”) is not part of the title.

PERIOD_LABEL = "TIẾT"
PDF_EXTENSION = ".pdf"
MAX_NAME_BYTES = 255
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_MIB = 1024 * 1024

# Characters refused inside a part of a built name: "_" separates the parts, the others are path
# separators or not allowed in file names on Windows (teachers download these files there).
FORBIDDEN_NAME_CHARS = frozenset('_/\\:*?"<>|')

# Bidirectional-text controls: a name can use them to disguise its extension ("gpj.exe").
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# A leading lesson number such as “Bài 1.” / “bài 12:” / “Bài 3 -” (see the seed example).
_LESSON_NUMBER_PREFIX = re.compile(r"^bài\s+\d+\s*[.:\-–—]\s*", re.IGNORECASE)

# --- messages (English; Vietnamese in locale/parts/eledger_rules.po) --------------------------

MSG_SUBJECT_EMPTY = gettext_noop("The subject is empty.")
MSG_TITLE_EMPTY = gettext_noop("The lesson title is empty.")
MSG_SUBJECT_BAD_CHAR = gettext_noop(
    'The subject contains a character that is not allowed in a file name (_ / \\ : * ? " < > | or a control character).'
)
MSG_TITLE_BAD_CHAR = gettext_noop(
    'The lesson title contains a character that is not allowed in a file name (_ / \\ : * ? " < > | or a control character).'
)
MSG_GRADE_RANGE = gettext_noop("The grade must be a whole number from 1 to 12.")
MSG_PERIOD_RANGE = gettext_noop("The period must be a whole number, 1 or more.")

MSG_NAME_EMPTY = gettext_noop("The file name is empty.")
MSG_NAME_PATH = gettext_noop("The file name must not contain a folder path.")
MSG_NAME_CONTROL = gettext_noop("The file name contains a control character.")
MSG_NAME_TOO_LONG = gettext_noop("The file name is too long (at most 255 bytes).")

MSG_FILE_EMPTY = gettext_noop("The file is empty.")
MSG_FILE_TOO_LARGE = gettext_noop("The file is %(size)s MB; the limit is %(limit)s MB.")
MSG_NOT_PDF = gettext_noop(
    "Only PDF files are accepted, and this file is not a PDF (its content was checked, not its name)."
)

PROBLEM_EXTENSION = gettext_noop("The file name must end in .pdf.")
PROBLEM_STRUCTURE = gettext_noop(
    "The name must have three parts separated by underscores: subject and grade, period, lesson title "
    "(for example SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC)."
)
PROBLEM_LOWER_CASE = gettext_noop("The name must be written in capital letters.")
PROBLEM_DIACRITICS = gettext_noop(
    "The name is missing Vietnamese diacritics or has wrong ones (write HỌC, not HOC)."
)
PROBLEM_SPACING = gettext_noop("The name has extra or missing spaces.")
PROBLEM_SUBJECT = gettext_noop("The subject in the name does not match the lesson plan.")
PROBLEM_GRADE = gettext_noop("The grade in the name does not match the lesson plan.")
PROBLEM_PERIOD_LABEL = gettext_noop("The second part must be “TIẾT” followed by the period number.")
PROBLEM_PERIOD = gettext_noop("The period number in the name does not match the lesson plan.")
PROBLEM_TITLE = gettext_noop("The lesson title in the name does not match the lesson plan.")
PROBLEM_MISMATCH = gettext_noop("The name does not match the expected name.")


# --- text helpers ------------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _collapse(text: str) -> str:
    """Internal whitespace runs become one space; the ends are stripped."""
    return " ".join(text.split())


def _upper(text: str) -> str:
    """Upper-case keeping Vietnamese diacritics (ọ → Ọ, đ → Đ), re-composed to NFC."""
    return _nfc(_nfc(text).upper())


def _bare(text: str) -> str:
    """Text without diacritics or case, for "same letters, different accents" comparisons."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS


def _clean_field(value: str, *, empty: str, bad_char: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    text = _collapse(_nfc(value))
    if not text:
        raise RuleError(empty)
    if any(ch in FORBIDDEN_NAME_CHARS or _is_control(ch) for ch in text):
        raise RuleError(bad_char)
    return text


def _whole_number(value: object, *, low: int, high: int | None, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(message)
    if value < low or (high is not None and value > high):
        raise RuleError(message)
    return value


def _parts(*, subject: str, grade: int, period: int, title: str, foreign_language: bool) -> tuple[str, str, str]:
    """The canonical (SUBJECT, grade, TITLE) after validation; see lesson_plan_name()."""
    subject_text = _clean_field(subject, empty=MSG_SUBJECT_EMPTY, bad_char=MSG_SUBJECT_BAD_CHAR)
    grade = _whole_number(grade, low=1, high=12, message=MSG_GRADE_RANGE)
    _whole_number(period, low=1, high=None, message=MSG_PERIOD_RANGE)
    if not isinstance(title, str):
        raise TypeError(f"expected str, got {type(title).__name__}")
    title_text = _collapse(_nfc(title))
    without_number = _LESSON_NUMBER_PREFIX.sub("", title_text, count=1)
    if without_number:
        title_text = without_number
    title_text = _clean_field(title_text, empty=MSG_TITLE_EMPTY, bad_char=MSG_TITLE_BAD_CHAR)
    if not foreign_language:
        title_text = _upper(title_text)
    return _upper(subject_text), str(grade), title_text


# --- building and checking names ---------------------------------------------------------------


def lesson_plan_name(*, subject: str, grade: int, period: int, title: str, foreign_language: bool = False) -> str:
    """The canonical lesson-plan name (no extension), e.g. ``SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC``.

    Fields are NFC-normalised, whitespace is collapsed and stripped, subject and title are
    upper-cased keeping their diacritics. A leading lesson number in the title (“Bài 1.”) is
    dropped, as in the regulation's example. For a foreign-language subject the title is kept
    as typed (the regulation exempts “môn ngoại ngữ” from capitals-with-diacritics; the subject
    name, e.g. TIẾNG ANH, and TIẾT are Vietnamese words and still follow the rule).

    Raises ``RuleError`` (never silently rewrites) if a field is empty, the grade is not 1–12,
    the period is not a whole number ≥ 1, or subject/title contain ``_`` (the part separator),
    a path separator, another character Windows refuses in file names, or a control character.
    """
    subject_part, grade_part, title_part = _parts(
        subject=subject, grade=grade, period=period, title=title, foreign_language=foreign_language
    )
    return f"{subject_part} {grade_part}_{PERIOD_LABEL} {period}_{title_part}"


@dataclass(frozen=True)
class NameCheck:
    """Result of checking an uploaded lesson-plan file name against the canonical one."""

    ok: bool
    expected: str  # the canonical name with ".pdf": the suggestion shown to the teacher
    problems: tuple[str, ...]  # English catalogue messages; translate with gettext/vietnamese()

    def vietnamese_problems(self) -> tuple[str, ...]:
        return tuple(vietnamese(problem) for problem in self.problems)


# Tolerant reading of a name: any mix of spaces/underscores between the pieces, so that a name
# written after the regulation's structure line ("SINH HỌC_9_TIẾT_1_...") is still understood.
_TOLERANT = re.compile(
    r"^(?P<subject>.+?)(?P<sep0>[ _]*)(?P<grade>\d+)(?P<sep1>[ _]+)(?P<label>[^\d _]+)"
    r"(?P<sep2>[ _]*)(?P<period>\d+)(?P<sep3>[ _]+)(?P<title>.+)$",
    re.DOTALL,
)
_CANONICAL_SEPARATORS = {"sep0": " ", "sep1": "_", "sep2": " ", "sep3": "_"}
_OTHER_EXTENSION = re.compile(r"\.(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$")


def _compare(found: str, canon: str, *, capitals: bool, mismatch: str) -> list[str]:
    if found == canon:
        return []
    problems = []
    collapsed = _collapse(found)
    if collapsed != found:
        problems.append(PROBLEM_SPACING)
    if collapsed == canon:
        return problems
    if capitals and collapsed != _upper(collapsed):
        problems.append(PROBLEM_LOWER_CASE)
    if collapsed.casefold() == canon.casefold():
        return problems  # case only: flagged above when capitals are required, fine otherwise
    if _bare(collapsed) == _bare(canon):
        problems.append(PROBLEM_DIACRITICS)
        return problems
    problems.append(mismatch)
    return problems


def _accepted(stem: str, canon_stem: str, *, foreign_language: bool) -> bool:
    if stem == canon_stem:
        return True
    if not foreign_language:
        return False
    head, _, title = stem.rpartition("_")
    canon_head, _, canon_title = canon_stem.rpartition("_")
    return head == canon_head and title.casefold() == canon_title.casefold()


def check_lesson_plan_filename(
    filename: str, *, subject: str, grade: int, period: int, title: str, foreign_language: bool = False
) -> NameCheck:
    """Check an uploaded file name against the canonical lesson-plan name.

    The name is NFC-normalised first (macOS sends NFD) and the ".pdf" extension is compared
    case-insensitively. For a foreign-language subject the title may be in any case. Raises
    ``RuleError`` if the fields are invalid (see ``lesson_plan_name``) or the file name is unsafe
    (see ``safe_upload_name``); a name that is merely wrong gives ``ok=False`` with ``problems``.
    """
    canon_stem = lesson_plan_name(
        subject=subject, grade=grade, period=period, title=title, foreign_language=foreign_language
    )
    expected = canon_stem + PDF_EXTENSION
    name = safe_upload_name(filename)

    problems: list[str] = []
    if name.lower().endswith(PDF_EXTENSION):
        stem = name[: -len(PDF_EXTENSION)]
    else:
        problems.append(PROBLEM_EXTENSION)
        stem = _OTHER_EXTENSION.sub("", name)

    if stem != canon_stem:
        problems.extend(_stem_problems(stem, canon_stem, period=period, foreign_language=foreign_language))
    if not problems and not _accepted(stem, canon_stem, foreign_language=foreign_language):
        problems.append(PROBLEM_MISMATCH)
    unique = tuple(dict.fromkeys(problems))
    return NameCheck(ok=not unique, expected=expected, problems=unique)


def _stem_problems(stem: str, canon_stem: str, *, period: int, foreign_language: bool) -> list[str]:
    found = _TOLERANT.match(stem)
    canon = _TOLERANT.match(canon_stem)
    assert canon is not None  # the canonical name always has this shape
    if found is None:
        problems = [PROBLEM_STRUCTURE]
        capitals_part = stem if not foreign_language else stem.rsplit("_", 1)[0]
        if capitals_part != _upper(capitals_part):
            problems.append(PROBLEM_LOWER_CASE)
        return problems

    problems = []
    for sep, wanted in _CANONICAL_SEPARATORS.items():
        got = found[sep]
        if got.replace(" ", "") != wanted.replace(" ", ""):
            problems.append(PROBLEM_STRUCTURE)
        elif got != wanted:
            problems.append(PROBLEM_SPACING)
    problems += _compare(found["subject"], canon["subject"], capitals=True, mismatch=PROBLEM_SUBJECT)
    if found["grade"] != canon["grade"]:
        problems.append(PROBLEM_GRADE)
    problems += _compare(found["label"], PERIOD_LABEL, capitals=True, mismatch=PROBLEM_PERIOD_LABEL)
    if found["period"] != str(period):
        problems.append(PROBLEM_PERIOD)
    problems += _compare(
        found["title"], canon["title"], capitals=not foreign_language, mismatch=PROBLEM_TITLE
    )
    return problems


# --- upload safety -----------------------------------------------------------------------------

_DRIVE_PREFIX = re.compile(r"^[A-Za-z]:")


def safe_upload_name(filename: str) -> str:
    """The client's file name, NFC-normalised and stripped, or ``RuleError`` if it is unsafe.

    Refused: empty (or only spaces), any path (``/``, ``\\``, a drive prefix like ``C:``, or the
    names ``.``/``..``), NUL and other control characters (also bidi overrides, which disguise
    extensions), and more than 255 bytes of UTF-8 after NFC (the usual file-system limit). The
    name is only ever displayed/used for checking: files are stored under server-made names.
    """
    if not isinstance(filename, str):
        raise TypeError(f"expected str, got {type(filename).__name__}")
    if any(_is_control(ch) for ch in filename):
        raise RuleError(MSG_NAME_CONTROL)
    name = _nfc(filename).strip()
    if not name:
        raise RuleError(MSG_NAME_EMPTY)
    if "/" in name or "\\" in name or _DRIVE_PREFIX.match(name) or name in {".", ".."}:
        raise RuleError(MSG_NAME_PATH)
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise RuleError(MSG_NAME_TOO_LONG)
    return name


_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")


def is_pdf(head: bytes) -> bool:
    """Whether the first bytes of a file are a PDF header (``%PDF-1.x`` / ``%PDF-2.x``).

    Strict: the header must be at offset 0, as ISO 32000 requires. Some readers tolerate up to
    1024 bytes of leading junk, but that is how polyglot files (valid as PDF and as something
    else) slip through, and scanners and office suites always write the header first.
    """
    return _PDF_HEADER.match(bytes(head[:8])) is not None


def _megabytes(size: int) -> str:
    """Size in MB (MiB) for messages, rounded up to 0.1, Vietnamese decimal comma: 20, 20,1."""
    tenths = math.ceil(size * 10 / _MIB)
    whole, tenth = divmod(tenths, 10)
    return str(whole) if tenth == 0 else f"{whole},{tenth}"


def check_upload(*, filename: str, size: int, head: bytes, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> str:
    """Refuse an unsafe lesson-plan upload with ``RuleError``; return the safe display name.

    Checked in this order: the name (``safe_upload_name``), empty file, larger than
    ``max_bytes`` (exactly ``max_bytes`` is allowed), content not a PDF (``is_pdf(head)``;
    the extension is not trusted). Whether the name follows the naming rule is a separate,
    non-refusing check: ``check_lesson_plan_filename``.
    """
    name = safe_upload_name(filename)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"size must be a non-negative int, got {size!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}")
    if size == 0:
        raise RuleError(MSG_FILE_EMPTY)
    if size > max_bytes:
        raise RuleError(MSG_FILE_TOO_LARGE, size=_megabytes(size), limit=_megabytes(max_bytes))
    if not is_pdf(head):
        raise RuleError(MSG_NOT_PDF)
    return name
