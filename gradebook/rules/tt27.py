"""TT27 rules for primary grades 1–5: levels, periodic tests, year result, titles (pure, no Django)."""

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum

from schoolrecords.purei18n import RuleError, gettext_noop

# Each school year records the rule set its results were computed under (see tt22.RULE_SET).
RULE_SET = "TT27"

GRADES = (1, 2, 3, 4, 5)
FINAL_GRADE = 5  # completing grade 5 completes the primary programme
TEST_MIN = 0
TEST_MAX = 10

# Year result thresholds on the end-of-year periodic tests (TT27 art. 14).
HTXS_TEST_MIN = 9
HTT_TEST_MIN = 7
HT_TEST_MIN = 5


# --- messages (English; Vietnamese in locale/parts/tt27.po) ----------------------------------

MSG_TEST_WHOLE = gettext_noop("Primary test scores are whole numbers: write 7 or 8, not 7.5.")
MSG_TEST_RANGE = gettext_noop("A test score must be a whole number from 0 to 10.")
MSG_TEST_NOT_NUMBER = gettext_noop("A test score must be a whole number from 0 to 10, e.g. 8.")
MSG_TEST_SIGN = gettext_noop("Write the test score without a + or - sign.")
MSG_TEST_DIGITS = gettext_noop("Type the test score with the ordinary digits 0 to 9.")
MSG_TEST_SPACE = gettext_noop("A test score must not contain spaces.")
MSG_SUBJECT_LEVEL_INVALID = gettext_noop(
    "A subject level must be T (very good completion), H (completed) or C (not yet completed)."
)
MSG_LEVEL3_INVALID = gettext_noop(
    "A quality or competency level must be T (good), Đ (pass) or C (needs more effort)."
)
MSG_GRADE_INVALID = gettext_noop("TT27 applies to primary grades 1 to 5 only.")
MSG_QUALITIES_INCOMPLETE = gettext_noop(
    "The year result needs the level of each of the five qualities."
)
MSG_COMPETENCIES_INCOMPLETE = gettext_noop(
    "The year result needs the level of each of the ten competencies."
)
MSG_NO_SUBJECTS = gettext_noop("The year result needs the level of at least one subject.")
MSG_SUBJECTS_INCOMPLETE = gettext_noop("The year result needs the end-of-year level of every subject.")
MSG_TEST_MISSING = gettext_noop("The year result needs the end-of-year test score of every tested subject.")
MSG_TEST_WITHOUT_LEVEL = gettext_noop("A subject with a test score also needs its level.")


class ScoreInputError(RuleError):
    """What a person typed into a test-score or level cell cannot be recorded."""


# --- enums --------------------------------------------------------------------------------


class SubjectLevel(StrEnum):
    """The level of a subject or educational activity at an assessment point (TT27 art. 6)."""

    HOAN_THANH_TOT = "T"  # Hoàn thành tốt
    HOAN_THANH = "H"  # Hoàn thành
    CHUA_HOAN_THANH = "C"  # Chưa hoàn thành

    @property
    def rank(self) -> int:
        """0 for C up to 2 for T (compare ranks, never the letters)."""
        return _SUBJECT_RANK[self]


_SUBJECT_RANK: Mapping[SubjectLevel, int] = {
    SubjectLevel.CHUA_HOAN_THANH: 0,
    SubjectLevel.HOAN_THANH: 1,
    SubjectLevel.HOAN_THANH_TOT: 2,
}


class Level3(StrEnum):
    """The level of a quality or a competency at an assessment point (TT27 art. 6)."""

    TOT = "T"  # Tốt
    DAT = "D"  # Đạt (shown Đ)
    CAN_CO_GANG = "C"  # Cần cố gắng

    @property
    def rank(self) -> int:
        """0 for C up to 2 for T."""
        return _LEVEL3_RANK[self]

    @property
    def letter(self) -> str:
        """The letter printed on the forms: T, Đ, C."""
        return "Đ" if self is Level3.DAT else self.value


_LEVEL3_RANK: Mapping[Level3, int] = {Level3.CAN_CO_GANG: 0, Level3.DAT: 1, Level3.TOT: 2}


class YearResult(StrEnum):
    """The end-of-year result (TT27 art. 14)."""

    HTXS = "htxs"  # Hoàn thành xuất sắc
    HTT = "htt"  # Hoàn thành tốt
    HT = "ht"  # Hoàn thành
    CHT = "cht"  # Chưa hoàn thành


class Title(StrEnum):
    """End-of-year title (khen thưởng, TT27 art. 15)."""

    XUAT_SAC = "xuat_sac"  # Học sinh Xuất sắc
    TIEU_BIEU = "tieu_bieu"  # Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện


class AssessmentPoint(StrEnum):
    """The four assessment points of a primary year, in their order."""

    MID_TERM_1 = "gk1"  # giữa học kì I
    END_TERM_1 = "ck1"  # cuối học kì I
    MID_TERM_2 = "gk2"  # giữa học kì II
    END_OF_YEAR = "cn"  # cuối năm học

    @property
    def term(self) -> int:
        """1 or 2: the term the point belongs to."""
        return 1 if self in (AssessmentPoint.MID_TERM_1, AssessmentPoint.END_TERM_1) else 2

    @property
    def is_mid_term(self) -> bool:
        return self in (AssessmentPoint.MID_TERM_1, AssessmentPoint.MID_TERM_2)


ASSESSMENT_POINTS = tuple(AssessmentPoint)


class Quality(StrEnum):
    """The five qualities (phẩm chất chủ yếu)."""

    YEU_NUOC = "yeu_nuoc"  # yêu nước
    NHAN_AI = "nhan_ai"  # nhân ái
    CHAM_CHI = "cham_chi"  # chăm chỉ
    TRUNG_THUC = "trung_thuc"  # trung thực
    TRACH_NHIEM = "trach_nhiem"  # trách nhiệm


class Competency(StrEnum):
    """The ten competencies: three general (năng lực chung), seven specific (năng lực đặc thù)."""

    TU_CHU_TU_HOC = "tu_chu_tu_hoc"  # tự chủ và tự học
    GIAO_TIEP_HOP_TAC = "giao_tiep_hop_tac"  # giao tiếp và hợp tác
    GIAI_QUYET_VAN_DE = "giai_quyet_van_de"  # giải quyết vấn đề và sáng tạo
    NGON_NGU = "ngon_ngu"  # ngôn ngữ
    TINH_TOAN = "tinh_toan"  # tính toán
    KHOA_HOC = "khoa_hoc"  # khoa học
    CONG_NGHE = "cong_nghe"  # công nghệ
    TIN_HOC = "tin_hoc"  # tin học
    THAM_MI = "tham_mi"  # thẩm mĩ
    THE_CHAT = "the_chat"  # thể chất

    @property
    def is_general(self) -> bool:
        return self in _GENERAL_COMPETENCIES


_GENERAL_COMPETENCIES = frozenset(
    {Competency.TU_CHU_TU_HOC, Competency.GIAO_TIEP_HOP_TAC, Competency.GIAI_QUYET_VAN_DE}
)

# Vietnamese names as the primary học bạ prints them (data, like subject names, not UI text).
QUALITY_NAMES: Mapping[Quality, str] = {
    Quality.YEU_NUOC: "Yêu nước",
    Quality.NHAN_AI: "Nhân ái",
    Quality.CHAM_CHI: "Chăm chỉ",
    Quality.TRUNG_THUC: "Trung thực",
    Quality.TRACH_NHIEM: "Trách nhiệm",
}
COMPETENCY_NAMES: Mapping[Competency, str] = {
    Competency.TU_CHU_TU_HOC: "Tự chủ và tự học",
    Competency.GIAO_TIEP_HOP_TAC: "Giao tiếp và hợp tác",
    Competency.GIAI_QUYET_VAN_DE: "Giải quyết vấn đề và sáng tạo",
    Competency.NGON_NGU: "Ngôn ngữ",
    Competency.TINH_TOAN: "Tính toán",
    Competency.KHOA_HOC: "Khoa học",
    Competency.CONG_NGHE: "Công nghệ",
    Competency.TIN_HOC: "Tin học",
    Competency.THAM_MI: "Thẩm mĩ",
    Competency.THE_CHAT: "Thể chất",
}


# --- the subjects with periodic tests (bài kiểm tra định kì, TT27 art. 7) ---------------------


class PeriodicTestSubject(StrEnum):
    """Subject codes (schoolrecords Subject.code) of the subjects that can have periodic tests.

    A primary school's subjects should use these codes so the default table below finds them.
    """

    TIENG_VIET = "tv"  # Tiếng Việt
    TOAN = "toan"  # Toán
    NGOAI_NGU_1 = "nn1"  # Ngoại ngữ 1
    TIN_HOC_CONG_NGHE = "tinhoc_cn"  # Tin học và Công nghệ
    LICH_SU_DIA_LI = "lsdl"  # Lịch sử và Địa lí
    KHOA_HOC = "khoahoc"  # Khoa học


_TV, _TOAN, _NN1, _TINCN, _LSDL, _KH = PeriodicTestSubject
_END_TESTS: Mapping[int, tuple[PeriodicTestSubject, ...]] = {
    1: (_TV, _TOAN),
    2: (_TV, _TOAN),
    3: (_TV, _TOAN, _NN1, _TINCN),
    4: (_TV, _TOAN, _NN1, _TINCN, _LSDL, _KH),
    5: (_TV, _TOAN, _NN1, _TINCN, _LSDL, _KH),
}
_MID_TESTS: Mapping[int, tuple[PeriodicTestSubject, ...]] = {1: (), 2: (), 3: (), 4: (_TV, _TOAN), 5: (_TV, _TOAN)}

# The default table: grade → assessment point → the subjects tested there, in print order.
# End of term I and end of year: Tiếng Việt and Toán; from grade 3 also Ngoại ngữ 1 and Tin học và
# Công nghệ; from grade 4 also Lịch sử và Địa lí and Khoa học. Grades 4 and 5 add mid-term I and
# mid-term II tests of Tiếng Việt and Toán. DOMAIN.md marks the per-grade list [check], so a school
# year may carry its own table of this shape and pass it as ``table``.
DEFAULT_PERIODIC_TESTS: Mapping[int, Mapping[AssessmentPoint, tuple[str, ...]]] = {
    grade: {
        AssessmentPoint.MID_TERM_1: _MID_TESTS[grade],
        AssessmentPoint.END_TERM_1: _END_TESTS[grade],
        AssessmentPoint.MID_TERM_2: _MID_TESTS[grade],
        AssessmentPoint.END_OF_YEAR: _END_TESTS[grade],
    }
    for grade in GRADES
}
del _TV, _TOAN, _NN1, _TINCN, _LSDL, _KH


def _checked_grade(grade: int) -> int:
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in GRADES:
        raise RuleError(MSG_GRADE_INVALID)
    return grade


def periodic_tests(
    grade: int,
    point: AssessmentPoint | str,
    *,
    table: Mapping[int, Mapping[AssessmentPoint, tuple[str, ...]]] = DEFAULT_PERIODIC_TESTS,
) -> tuple[str, ...]:
    """The subject codes with a periodic test in ``grade`` at ``point`` (empty when none)."""
    return tuple(table[_checked_grade(grade)].get(AssessmentPoint(point), ()))


def has_periodic_test(
    grade: int,
    point: AssessmentPoint | str,
    subject_code: str,
    *,
    table: Mapping[int, Mapping[AssessmentPoint, tuple[str, ...]]] = DEFAULT_PERIODIC_TESTS,
) -> bool:
    """Does this subject have a periodic test in this grade at this point (a test-score column)?"""
    return subject_code in periodic_tests(grade, point, table=table)


def points_with_test(
    grade: int,
    subject_code: str,
    *,
    table: Mapping[int, Mapping[AssessmentPoint, tuple[str, ...]]] = DEFAULT_PERIODIC_TESTS,
) -> tuple[AssessmentPoint, ...]:
    """The assessment points at which this subject has a periodic test in this grade, in order."""
    return tuple(point for point in ASSESSMENT_POINTS if has_periodic_test(grade, point, subject_code, table=table))



# --- typed input ------------------------------------------------------------------------------

_ASCII_DIGITS = frozenset("0123456789")
# Loose on purpose, like tt22's score shape, so that a near miss ("7,5", "+7") gets a message
# about its actual problem.
_TEST_SHAPE = re.compile(r"([+-]?)([0-9]*)(?:([.,])([0-9]*))?")


def parse_test_score(text: str) -> int | None:
    """A periodic test score typed into a cell: an int 0–10, or None for an empty cell.

    TT27 test scores are whole numbers (P6: "7,5" is refused, and so is "7,0" or "7.": a decimal
    mark means the teacher had a decimal in mind). Surrounding blanks are ignored and one leading
    zero is tolerated ("07"), as in the secondary grid. Refused, each with its own Vietnamese
    message: decimals, a sign ("+7", "-0"; "-1" is also out of range), out of range ("11", "100"),
    spaces inside, non-ASCII digits (full-width "７", Arabic-Indic "٧", ...), anything else.
    """
    raw = text.strip()
    if not raw:
        return None
    if any(char.isspace() for char in raw):
        raise ScoreInputError(MSG_TEST_SPACE)
    if any(char.isdecimal() and char not in _ASCII_DIGITS for char in raw):
        raise ScoreInputError(MSG_TEST_DIGITS)
    match = _TEST_SHAPE.fullmatch(raw)
    if match is None:
        raise ScoreInputError(MSG_TEST_NOT_NUMBER)
    sign, whole, mark, fraction = match.groups(default="")
    if not whole and not fraction:
        raise ScoreInputError(MSG_TEST_NOT_NUMBER)
    if mark:
        raise ScoreInputError(MSG_TEST_WHOLE)
    value = int(whole)
    if value > TEST_MAX or (sign == "-" and value != 0):
        raise ScoreInputError(MSG_TEST_RANGE)
    if sign:
        raise ScoreInputError(MSG_TEST_SIGN)
    if len(whole) > 2:  # "010", "007": a slip of the keyboard, not read as a score
        raise ScoreInputError(MSG_TEST_RANGE)
    return value


def _normalized(text: str) -> str:
    # NFC, inner blanks collapsed, case folded; "Ð" (U+00D0, from old TCVN3/VNI conversions) is Đ.
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold().replace("ð", "đ")


_SUBJECT_LEVELS: Mapping[str, SubjectLevel] = {
    "t": SubjectLevel.HOAN_THANH_TOT,
    "htt": SubjectLevel.HOAN_THANH_TOT,
    "hoàn thành tốt": SubjectLevel.HOAN_THANH_TOT,
    "h": SubjectLevel.HOAN_THANH,
    "ht": SubjectLevel.HOAN_THANH,
    "hoàn thành": SubjectLevel.HOAN_THANH,
    "c": SubjectLevel.CHUA_HOAN_THANH,
    "cht": SubjectLevel.CHUA_HOAN_THANH,
    "chưa hoàn thành": SubjectLevel.CHUA_HOAN_THANH,
}

_LEVEL3S: Mapping[str, Level3] = {
    "t": Level3.TOT,
    "tốt": Level3.TOT,
    "đ": Level3.DAT,
    "d": Level3.DAT,
    "đạt": Level3.DAT,
    "c": Level3.CAN_CO_GANG,
    "cần cố gắng": Level3.CAN_CO_GANG,
}


def parse_subject_level(text: str) -> SubjectLevel | None:
    """A subject level typed into a cell: T, H or C (any case, or the full words); None if blank."""
    key = _normalized(text)
    if not key:
        return None
    try:
        return _SUBJECT_LEVELS[key]
    except KeyError:
        raise ScoreInputError(MSG_SUBJECT_LEVEL_INVALID) from None


def parse_level3(text: str) -> Level3 | None:
    """A quality or competency level typed into a cell: T, Đ (or D) or C; None if blank."""
    key = _normalized(text)
    if not key:
        return None
    try:
        return _LEVEL3S[key]
    except KeyError:
        raise ScoreInputError(MSG_LEVEL3_INVALID) from None


# --- year result, completion, titles ------------------------------------------------------------


def _checked_test(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"test scores must be int, not {type(value).__name__}")
    if not TEST_MIN <= value <= TEST_MAX:
        raise RuleError(MSG_TEST_RANGE)
    return value


def _complete_levels(members: type[StrEnum], given: Mapping, message: str) -> list[Level3]:
    # Every member exactly once (by member or value), each with a level: else ``message``.
    levels: dict[StrEnum, Level3] = {}
    for key, level in given.items():
        try:
            member = members(key)
        except ValueError:
            raise RuleError(message) from None
        if level is None:
            raise RuleError(message)
        levels[member] = Level3(level)
    if set(levels) != set(members):
        raise RuleError(message)
    return list(levels.values())


def year_result(
    *,
    subjects: Mapping[str, SubjectLevel | str],
    qualities: Mapping[Quality | str, Level3 | str],
    competencies: Mapping[Competency | str, Level3 | str],
    tests: Mapping[str, int],
) -> YearResult:
    """The end-of-year result (TT27 art. 14) of one student.

    ``subjects``: subject code → the end-of-year level of every subject and educational activity
    the student is assessed in (an exempt one is left out); ``qualities``: each of the five
    ``Quality`` → its end-of-year ``Level3``; ``competencies``: each of the ten ``Competency`` → its
    end-of-year ``Level3``; ``tests``: subject code → the end-of-year periodic test score (int 0–10)
    of every subject that has one in the student's grade (``periodic_tests(grade, END_OF_YEAR)``);
    a tested subject must also be in ``subjects``. Enum members or their values are accepted.

    - HTXS: every subject T, every quality and competency Tốt, every test ≥ 9;
    - HTT: not HTXS, every subject T, every quality and competency Tốt, every test ≥ 7;
    - HT: every subject T or H, every quality and competency Tốt or Đạt, every test ≥ 5;
    - CHT: otherwise.
    Incomplete input (a quality or competency missing, a None level) is refused: the year result
    is computed only from a complete record.
    """
    if not subjects:
        raise RuleError(MSG_NO_SUBJECTS)
    if any(level is None for level in subjects.values()):
        raise RuleError(MSG_SUBJECTS_INCOMPLETE)
    subject_levels = [SubjectLevel(level) for level in subjects.values()]
    traits = _complete_levels(Quality, qualities, MSG_QUALITIES_INCOMPLETE)
    traits += _complete_levels(Competency, competencies, MSG_COMPETENCIES_INCOMPLETE)
    if any(code not in subjects for code in tests):
        raise RuleError(MSG_TEST_WITHOUT_LEVEL)
    scores = [_checked_test(score) for score in tests.values()]

    all_subjects_t = all(level is SubjectLevel.HOAN_THANH_TOT for level in subject_levels)
    all_traits_t = all(level is Level3.TOT for level in traits)
    if all_subjects_t and all_traits_t and all(score >= HTXS_TEST_MIN for score in scores):
        return YearResult.HTXS
    if all_subjects_t and all_traits_t and all(score >= HTT_TEST_MIN for score in scores):
        return YearResult.HTT
    if (
        all(level.rank >= SubjectLevel.HOAN_THANH.rank for level in subject_levels)
        and all(level.rank >= Level3.DAT.rank for level in traits)
        and all(score >= HT_TEST_MIN for score in scores)
    ):
        return YearResult.HT
    return YearResult.CHT


def completes_grade(result: YearResult | str) -> bool:
    """HTXS, HTT and HT complete the grade (hoàn thành chương trình lớp học)."""
    return YearResult(result) is not YearResult.CHT


def completes_primary(grade: int, result: YearResult | str) -> bool:
    """Completing grade 5 completes the primary programme (hoàn thành chương trình tiểu học)."""
    return _checked_grade(grade) == FINAL_GRADE and completes_grade(result)


def needs_support(result: YearResult | str) -> bool:
    """CHT: the teacher plans support and re-assesses; the principal then decides promotion."""
    return YearResult(result) is YearResult.CHT


def title(result: YearResult | str, *, proposed_by_class: bool = False) -> Title | None:
    """The end-of-year title (TT27 art. 15).

    HTXS → Học sinh Xuất sắc. HTT with an outstanding achievement or clear progress in at least
    one subject, quality or competency, proposed by the class (``proposed_by_class``) → Học sinh
    Tiêu biểu hoàn thành tốt trong học tập và rèn luyện. Otherwise none (a proposal for a student
    below HTT gives no title).
    """
    result = YearResult(result)
    if result is YearResult.HTXS:
        return Title.XUAT_SAC
    if result is YearResult.HTT and proposed_by_class:
        return Title.TIEU_BIEU
    return None
