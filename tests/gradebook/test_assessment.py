"""Tests of gradebook/assessment.py (TT22 rules); pure: no database, no Django (run with -p no:django)."""

import ast
import gettext
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from gradebook import assessment
from gradebook.assessment import (
    RULE_SET,
    Level,
    Outcome,
    ScoreInputError,
    Title,
    comment_term_result,
    comment_term_result_or_none,
    comment_year_result,
    conduct_year,
    learning_level,
    learning_level_before_adjustment,
    parse_comment,
    parse_score,
    regular_assessment_count,
    term_average,
    term_average_or_none,
    title,
    year_average,
    year_outcome,
)
from schoolrecords import purei18n
from schoolrecords.purei18n import RuleError

ROOT = Path(__file__).resolve().parents[2]
MODULE_PATH = ROOT / "gradebook" / "rules" / "tt22.py"
FRAGMENT_PATH = ROOT / "locale" / "parts" / "assessment.po"

TOT, KHA, DAT, CD = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT

# The exact Vietnamese texts of locale/parts/assessment.po, written out again on purpose: a
# changed translation has to be a deliberate change here too.
VI_RANGE = "Điểm phải từ 0 đến 10."
VI_DECIMALS = "Điểm chỉ được có tối đa một chữ số sau dấu thập phân, ví dụ 7,5."
VI_NOT_NUMBER = "Điểm phải là một số, ví dụ 7 hoặc 7,5."
VI_SIGN = "Không ghi dấu + hoặc - trước điểm."
VI_DIGITS = "Hãy gõ điểm bằng các chữ số thông thường từ 0 đến 9."
VI_SPACE = "Điểm không được có dấu cách ở giữa."
VI_INCOMPLETE = "Dấu thập phân phải nằm giữa hai chữ số: hãy ghi {}."
VI_COMMENT = "Kết quả đánh giá bằng nhận xét phải là Đ (Đạt) hoặc CĐ (Chưa đạt)."
VI_PERIODS = "Số tiết học trong năm phải lớn hơn 0."
VI_REGULAR_NONE = "Điểm trung bình môn học kì cần ít nhất một lần đánh giá thường xuyên."
VI_REQUIRED = "Số lần đánh giá bắt buộc phải lớn hơn 0."
VI_COMMENT_NONE = "Môn học đánh giá bằng nhận xét cần có ít nhất một kết quả đánh giá."
VI_NO_SUBJECTS = "Không có môn học nào để đánh giá."
VI_ABSENT = "Số buổi nghỉ học không được là số âm."


def ds(spec: str) -> list[Decimal]:
    """'8.0x6 6.5 6.5' -> six Decimal('8.0') then two Decimal('6.5')."""
    values: list[Decimal] = []
    for token in spec.split():
        text, _, times = token.partition("x")
        values += [Decimal(text)] * int(times or 1)
    return values


def d(text: str) -> Decimal:
    return Decimal(text)


# --- the catalogue ----------------------------------------------------------------------------


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a simple .po file (no plurals, no contexts), header left out."""
    entries: dict[str, str] = {}
    msgid: str | None = None
    msgstr = ""
    field = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("msgid "):
            if msgid is not None:
                entries[msgid] = msgstr
            msgid, msgstr, field = ast.literal_eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, field = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if field == "id":
                msgid = (msgid or "") + ast.literal_eval(line)
            else:
                msgstr += ast.literal_eval(line)
    if msgid is not None:
        entries[msgid] = msgstr
    entries.pop("", None)
    return entries


FRAGMENT = read_po(FRAGMENT_PATH)


class _FragmentCatalogue(gettext.NullTranslations):
    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)


@pytest.fixture(autouse=True, scope="module")
def vietnamese_catalogue():
    """The compiled catalogue when it carries this fragment; else the fragment itself.

    A fresh clone has no compiled .mo (it is a build product), and these tests are about the
    module and its translations, not about the build step.
    """
    if all(purei18n.vietnamese(msgid) == text for msgid, text in FRAGMENT.items()):
        yield "compiled"
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(purei18n, "_catalogue", lambda: _FragmentCatalogue(FRAGMENT))
        yield "fragment"


def marked_messages() -> set[str]:
    """Every literal passed to gettext_noop in the module: what makemessages would extract."""
    tree = ast.parse(MODULE_PATH.read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "gettext_noop"
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_marked_message_has_a_vietnamese_translation_and_no_stale_ones():
    marked = marked_messages()
    assert len(marked) >= 10
    assert marked == set(FRAGMENT)
    for msgid, text in FRAGMENT.items():
        assert text and text != msgid
        assert msgid.isascii() and not text.isascii()  # English id, Vietnamese text


def test_fragment_header_declares_utf8_and_vietnamese():
    header = FRAGMENT_PATH.read_text(encoding="utf-8")
    assert "Content-Type: text/plain; charset=UTF-8" in header
    assert "Language: vi" in header


def test_the_module_imports_without_django():
    code = (
        "import sys; sys.modules['django'] = None\n"  # any `import django...` now fails
        "import gradebook.assessment as a; print(a.RULE_SET)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "TT22"
    tree = ast.parse(MODULE_PATH.read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not any(name.split(".")[0] == "django" for name in imported)


def test_rule_set_version():
    assert RULE_SET == "TT22"


# --- parse_score --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7", "7"),
        ("7.5", "7.5"),
        ("7,5", "7.5"),
        ("10", "10"),
        ("0", "0"),
        ("10.0", "10.0"),
        ("10,0", "10.0"),
        ("0.0", "0.0"),
        ("0,5", "0.5"),
        ("9.9", "9.9"),
        ("3.5", "3.5"),
        ("07", "7"),
        ("  7,5  ", "7.5"),
        ("\t8\n", "8"),
        ("\u00a06.5\u00a0", "6.5"),  # no-break spaces around a value pasted from a spreadsheet
    ],
)
def test_parse_score_accepts(typed, expected):
    value = parse_score(typed)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert str(value) == expected  # the precision typed is kept
    assert value.as_tuple().exponent >= -1


@pytest.mark.parametrize("typed", ["", " ", "   ", "\t", "\u00a0"])
def test_parse_score_blank_is_empty_not_zero(typed):
    assert parse_score(typed) is None


@pytest.mark.parametrize(
    ("typed", "message", "vietnamese"),
    [
        # out of range
        ("11", assessment.MSG_SCORE_RANGE, VI_RANGE),
        ("10.1", assessment.MSG_SCORE_RANGE, VI_RANGE),
        ("100", assessment.MSG_SCORE_RANGE, VI_RANGE),
        ("-1", assessment.MSG_SCORE_RANGE, VI_RANGE),
        ("-7,5", assessment.MSG_SCORE_RANGE, VI_RANGE),
        ("+11", assessment.MSG_SCORE_RANGE, VI_RANGE),
        # two or more decimals, thousands separators read as decimals
        ("7.25", assessment.MSG_SCORE_DECIMALS, VI_DECIMALS),
        ("7,55", assessment.MSG_SCORE_DECIMALS, VI_DECIMALS),
        ("7.50", assessment.MSG_SCORE_DECIMALS, VI_DECIMALS),
        ("10.00", assessment.MSG_SCORE_DECIMALS, VI_DECIMALS),
        ("1,000", assessment.MSG_SCORE_DECIMALS, VI_DECIMALS),
        ("1.000", assessment.MSG_SCORE_DECIMALS, VI_DECIMALS),
        # not a number
        ("abc", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("7a", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("a7", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("NaN", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("nan", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("Infinity", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("inf", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("1e1", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("1E1", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        (".", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        (",", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("+", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("-", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("7.5.1", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("7..5", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("--7", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("0x7", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("7/2", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("½", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        ("7đ", assessment.MSG_SCORE_NOT_NUMBER, VI_NOT_NUMBER),
        # a sign
        ("+7", assessment.MSG_SCORE_SIGN, VI_SIGN),
        ("-0", assessment.MSG_SCORE_SIGN, VI_SIGN),
        ("+0", assessment.MSG_SCORE_SIGN, VI_SIGN),
        ("-0.0", assessment.MSG_SCORE_SIGN, VI_SIGN),
        ("+10", assessment.MSG_SCORE_SIGN, VI_SIGN),
        # digits that only look right
        ("٧", assessment.MSG_SCORE_DIGITS, VI_DIGITS),  # Arabic-Indic seven
        ("７", assessment.MSG_SCORE_DIGITS, VI_DIGITS),  # full-width seven
        ("７.５", assessment.MSG_SCORE_DIGITS, VI_DIGITS),
        ("7.５", assessment.MSG_SCORE_DIGITS, VI_DIGITS),
        ("७", assessment.MSG_SCORE_DIGITS, VI_DIGITS),  # Devanagari seven
        # spaces inside
        ("7 5", assessment.MSG_SCORE_SPACE, VI_SPACE),
        ("7, 5", assessment.MSG_SCORE_SPACE, VI_SPACE),
        ("7\u00a05", assessment.MSG_SCORE_SPACE, VI_SPACE),
        # a decimal mark at one end: told what to write instead
        ("7.", assessment.MSG_SCORE_INCOMPLETE, VI_INCOMPLETE.format("7")),
        ("7,", assessment.MSG_SCORE_INCOMPLETE, VI_INCOMPLETE.format("7")),
        ("10.", assessment.MSG_SCORE_INCOMPLETE, VI_INCOMPLETE.format("10")),
        (".5", assessment.MSG_SCORE_INCOMPLETE, VI_INCOMPLETE.format("0.5")),
        (",5", assessment.MSG_SCORE_INCOMPLETE, VI_INCOMPLETE.format("0,5")),
    ],
)
def test_parse_score_rejects_with_a_vietnamese_message(typed, message, vietnamese):
    with pytest.raises(ScoreInputError) as caught:
        parse_score(typed)
    error = caught.value
    assert isinstance(error, RuleError) and isinstance(error, ValueError)
    assert error.message == message  # the English catalogue id, for Django to re-translate
    assert str(error) == vietnamese
    english = error.message % error.params if error.params else error.message
    assert str(error) != english


def test_parse_score_different_problems_give_different_messages():
    def text_for(typed: str) -> str:
        with pytest.raises(ScoreInputError) as caught:
            parse_score(typed)
        return str(caught.value)

    problems = ["11", "7.25", "abc", "+7", "７", "7 5", ".5"]
    texts = [text_for(typed) for typed in problems]
    assert len(set(texts)) == len(problems)
    assert text_for("11") == VI_RANGE and text_for("7.25") == VI_DECIMALS
    assert text_for("abc") == VI_NOT_NUMBER


# --- parse_comment ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Đ", True),
        ("đ", True),
        ("D", True),
        ("d", True),
        (" Đ ", True),
        ("Đạt", True),
        ("ĐẠT", True),
        ("\u00d0", True),  # Ð (eth) from old TCVN3/VNI conversions, looks exactly like Đ
        ("CĐ", False),
        ("cđ", False),
        ("Cđ", False),
        ("CD", False),
        ("cd", False),
        ("cD", False),
        ("Chưa đạt", False),
        ("chưa   đạt", False),
        ("Chu\u031ba đa\u0323t", False),  # decomposed diacritics (macOS input)
        ("", None),
        ("   ", None),
    ],
)
def test_parse_comment_accepts(typed, expected):
    assert parse_comment(typed) is expected


@pytest.mark.parametrize("typed", ["X", "C", "CĐĐ", "Đ Đ", "0", "1", "True", "Đ.", "Chưa"])
def test_parse_comment_rejects_with_a_vietnamese_message(typed):
    with pytest.raises(ScoreInputError) as caught:
        parse_comment(typed)
    assert caught.value.message == assessment.MSG_COMMENT_INVALID
    assert str(caught.value) == VI_COMMENT


# --- number of regular assessments ------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "expected"),
    [(1, 2), (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4)],
)
def test_regular_assessment_count(periods, expected):
    assert regular_assessment_count(periods) == expected


@pytest.mark.parametrize("periods", [0, -1, -35])
def test_regular_assessment_count_needs_positive_periods(periods):
    with pytest.raises(RuleError) as caught:
        regular_assessment_count(periods)
    assert str(caught.value) == VI_PERIODS


# --- term average -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "regular", "midterm", "final", "expected"),
    [
        ("E1 term I: 64/8", "8.0 7.5 9.0", "7.0", "8.5", "8.0"),
        ("E1 term II: 55/8 = 6.875", "6.0 7.0 8.0", "6.5", "7.0", "6.9"),
        ("E2 term I: 78/9 = 8.67", "9 8 10 7", "8.5", "9.0", "8.7"),
        ("E2 term II: 83.5/9 = 9.28", "9 9 8 10", "9.5", "9.5", "9.3"),
        ("two ĐĐGtx: 54/7 = 7.71", "7 8", "6", "9", "7.7"),
        ("tie 58/8 = 7.25 rounds up", "7 7 7", "5", "9", "7.3"),
        ("tie 54.8/8 = 6.85 rounds up", "6 6 6.8", "6", "8", "6.9"),
        ("57.9/8 = 7.2375 rounds down", "7 7 7.9", "6", "8", "7.2"),
        ("57.5/8 = 7.1875 rounds up", "7 7 7.5", "6", "8", "7.2"),
        ("all zero (forfeited) is 0.0", "0 0 0", "0", "0", "0.0"),
        ("all ten", "10 10 10 10", "10", "10", "10.0"),
    ],
)
def test_term_average(case, regular, midterm, final, expected):
    result = term_average(ds(regular), d(midterm), d(final))
    assert result == Decimal(expected), case
    assert str(result) == expected  # always one decimal, as printed


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "expected"),
    [
        ("7 7 7", "5", "9", "7.3"),  # 7.25: float round() is banker's, gives 7.2
        ("6 6 6.8", "6", "8", "6.9"),  # 6.85 is 6.8499999... as a float, gives 6.8
    ],
)
def test_term_average_where_float_round_is_wrong(regular, midterm, final, expected):
    scores = ds(regular)
    numerator = float(sum(scores)) + 2 * float(midterm) + 3 * float(final)
    float_result = round(numerator / (len(scores) + 5), 1)
    assert float_result != float(expected)  # the trap is real ...
    assert term_average(scores, d(midterm), d(final)) == Decimal(expected)  # ... and avoided


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "error", "vietnamese"),
    [
        ([], d("7"), d("7"), RuleError, VI_REGULAR_NONE),
        ([d("10.5")], d("7"), d("7"), RuleError, VI_RANGE),
        ([d("7")], d("-1"), d("7"), RuleError, VI_RANGE),
        ([d("7")], d("7"), d("NaN"), RuleError, VI_RANGE),
        ([d("7.25")], d("7"), d("7"), RuleError, VI_DECIMALS),
        ([7.5], d("7"), d("7"), TypeError, None),
        ([d("7")], 7.0, d("7"), TypeError, None),
    ],
)
def test_term_average_rejects(regular, midterm, final, error, vietnamese):
    with pytest.raises(error) as caught:
        term_average(regular, midterm, final)
    if vietnamese is not None:
        assert str(caught.value) == vietnamese
    else:
        assert "Decimal" in str(caught.value)


@pytest.mark.parametrize(
    ("regular", "midterm", "final", "required", "expected"),
    [
        (["8.0", "7.5", "9.0"], "7.0", "8.5", 3, "8.0"),  # E1 term I, complete
        (["8.0", None, "9.0"], "7.0", "8.5", 3, None),  # a required ĐĐGtx missing
        (["8.0", "7.5"], "7.0", "8.5", 3, None),
        (["8.0", "7.5", "9.0"], None, "8.5", 3, None),  # no mid-term yet
        (["8.0", "7.5", "9.0"], "7.0", None, 3, None),  # no end-of-term yet
        ([None, None, None], None, None, 3, None),
        (["8.0", "7.5", "9.0", None], "7.0", "8.5", 3, "8.0"),  # empty extra column
        (["9", "8", "10", "7"], "8.5", "9.0", 3, "8.7"),  # extra column filled: it counts
        (["0", "0", "0"], "0", "0", 3, "0.0"),  # forfeited everything: zero, not empty
    ],
)
def test_term_average_or_none(regular, midterm, final, required, expected):
    def opt(text):
        return None if text is None else Decimal(text)

    result = term_average_or_none(
        [opt(score) for score in regular], opt(midterm), opt(final), required_regular=required
    )
    assert result == opt(expected)
    assert (result is None) is (expected is None)


@pytest.mark.parametrize("required", [0, -1])
def test_term_average_or_none_needs_a_positive_requirement(required):
    with pytest.raises(RuleError) as caught:
        term_average_or_none([d("7")], d("7"), d("7"), required_regular=required)
    assert str(caught.value) == VI_REQUIRED


# --- year average -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term1", "term2", "expected"),
    [
        ("8.0", "6.9", "7.3"),  # E1: (8.0 + 13.8)/3 = 7.27
        ("8.7", "9.3", "9.1"),  # E2: 27.3/3
        ("6.9", "7.3", "7.2"),  # 21.5/3 = 7.17
        ("5.0", "4.9", "4.9"),  # 14.8/3 = 4.93
        ("4.9", "5.0", "5.0"),  # 14.9/3 = 4.97
        ("0.0", "0.0", "0.0"),
        ("10.0", "10.0", "10.0"),
    ],
)
def test_year_average(term1, term2, expected):
    result = year_average(d(term1), d(term2))
    assert result == Decimal(expected)
    assert str(result) == expected


def test_e1_full_chain_from_scores_to_year():
    periods = 70
    required = regular_assessment_count(periods)
    assert required == 3
    term1 = term_average(ds("8.0 7.5 9.0"), d("7.0"), d("8.5"))
    term2 = term_average(ds("6.0 7.0 8.0"), d("6.5"), d("7.0"))
    assert (term1, term2) == (d("8.0"), d("6.9"))
    assert year_average(term1, term2) == d("7.3")


def test_e2_full_chain_from_scores_to_year():
    assert regular_assessment_count(140) == 4
    term1 = term_average(ds("9 8 10 7"), d("8.5"), d("9.0"))
    term2 = term_average(ds("9 9 8 10"), d("9.5"), d("9.5"))
    assert (term1, term2) == (d("8.7"), d("9.3"))
    assert year_average(term1, term2) == d("9.1")


def test_year_average_uses_the_rounded_term_averages():
    # Term I 55/8 = 6.875 (printed 6.9), term II 58/8 = 7.25 (printed 7.3).
    term1 = term_average(ds("6.0 7.0 8.0"), d("6.5"), d("7.0"))
    term2 = term_average(ds("7 7 7"), d("5"), d("9"))
    assert (term1, term2) == (d("6.9"), d("7.3"))
    from_rounded = year_average(term1, term2)
    from_unrounded = ((d("6.875") + 2 * d("7.25")) / 3).quantize(d("0.1"), "ROUND_HALF_UP")
    assert from_unrounded == d("7.1")
    assert from_rounded == d("7.2") != from_unrounded


def test_year_average_refuses_unrounded_terms():
    with pytest.raises(RuleError) as caught:
        year_average(d("6.875"), d("7.3"))
    assert str(caught.value) == VI_DECIMALS


# --- comment subjects -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([True, True, True, True, True], True),
        ([True, True, False, True, True], False),
        ([False], False),
        ([True], True),
    ],
)
def test_comment_term_result(results, expected):
    assert comment_term_result(results) is expected


def test_comment_term_result_needs_results():
    with pytest.raises(RuleError) as caught:
        comment_term_result([])
    assert str(caught.value) == VI_COMMENT_NONE


@pytest.mark.parametrize(
    ("results", "required", "expected"),
    [
        ([True, True, True, True, True], 5, True),
        ([True, None, True, True, True], 5, None),
        ([False, None, True, True, True], 5, None),  # empty until complete, even if CĐ so far
        ([True, True, True, True, True, None], 5, True),
        ([True, True, False, True, True], 5, False),
    ],
)
def test_comment_term_result_or_none(results, required, expected):
    assert comment_term_result_or_none(results, required=required) is expected


@pytest.mark.parametrize(("term1", "term2", "expected"), [(True, False, False), (False, True, True)])
def test_comment_year_result_is_term_two(term1, term2, expected):
    assert comment_year_result(term1, term2) is expected


# --- levels ---------------------------------------------------------------------------------------


def test_level_values_and_ranks():
    assert [level.value for level in Level] == ["tot", "kha", "dat", "chua_dat"]
    assert [level.rank for level in (CD, DAT, KHA, TOT)] == [0, 1, 2, 3]
    assert sorted(Level, key=lambda level: level.rank) == [CD, DAT, KHA, TOT]


@pytest.mark.parametrize(
    ("level", "other", "expected"),
    [
        (TOT, DAT, True),
        (KHA, DAT, True),
        (DAT, DAT, True),
        (CD, DAT, False),
        (KHA, TOT, False),
        (TOT, TOT, True),
        (CD, CD, True),
    ],
)
def test_level_at_least(level, other, expected):
    assert level.at_least(other) is expected


LEARNING_CASES = [
    # (case, scored, comments, before adjustment, after adjustment)
    ("E3", "8.0x6 6.5 6.5", [True, True, True], TOT, TOT),
    ("E4 only five ≥ 8.0", "8.0x5 7.9 6.5 6.5", [True], KHA, KHA),
    ("E5 Tốt but for 4.8", "9.0 8.5 8.5 8.0 8.0 8.0 7.5 4.8", [True], DAT, KHA),
    ("E6 Khá", "6.5x6 5.0 5.0", [True], KHA, KHA),
    ("E6 Khá but for 4.9, one level", "6.5x6 5.0 4.9", [True], DAT, DAT),
    # boundaries 8.0 / 6.5 / 5.0 / 3.5
    ("exactly six at 8.0, rest 6.5", "8.0x6 6.5", [], TOT, TOT),
    ("6.4 under Tốt, one level", "8.0x6 6.4 6.5", [True], KHA, KHA),
    ("six at 6.5, rest 5.0", "6.5x6 5.0", [True], KHA, KHA),
    ("only five at 6.5", "6.5x5 6.4 5.0", [True], DAT, DAT),
    ("six at 5.0, two at 4.0", "5.0x6 4.0 4.0", [True], DAT, DAT),
    ("only five at 5.0", "5.0x5 4.9 4.0 4.0", [True], CD, CD),
    ("3.5 is allowed in Đạt", "5.0x6 3.5", [True], DAT, DAT),
    ("3.4 is not", "5.0x6 3.4", [True], CD, CD),
    # adjustment: two levels down because of one subject
    ("Tốt but for 3.0 lands at Chưa đạt", "8.0x6 7.0 3.0", [True], CD, DAT),
    ("Khá but for 3.4 lands at Chưa đạt", "6.5x6 5.0 3.4", [True], CD, DAT),
    ("Tốt but for 0.0", "10.0x7 0.0", [True, True], CD, DAT),
    # no adjustment
    ("two subjects below 6.5", "9.0x6 4.0 4.0", [True], DAT, DAT),
    ("two subjects below 3.5", "8.0x6 3.0 3.0", [True], CD, CD),
    ("short of six ≥ 8.0: raising to 6.5 cannot help", "8.0x5 7.9 7.0 4.0", [True], DAT, DAT),
    ("short of six ≥ 6.5: raising to 5.0 cannot help", "6.5x5 6.4 6.0 3.0", [True], CD, CD),
    ("one scored and one comment below", "8.0x6 7.0 4.0", [False, True], DAT, DAT),
    ("two comment subjects CĐ", "8.0x6 7.0 7.0", [False, False, True], CD, CD),
    ("one CĐ under Khá is one level", "6.5x6 5.0", [False, True], DAT, DAT),
    # the single subject is a comment subject (default: it can be)
    ("Tốt but for one CĐ", "8.0x6 7.0 7.0", [True, False, True], DAT, KHA),
    # fewer than 6 scored subjects: the "at least 6" clauses cannot be met (see the module)
    ("five scored subjects at 10", "10.0x5", [True, True], CD, CD),
    ("comment subjects only", "", [True, True], CD, CD),
]


@pytest.mark.parametrize(
    ("case", "scored", "comments", "before", "after"),
    LEARNING_CASES,
    ids=[case[0] for case in LEARNING_CASES],
)
def test_learning_level(case, scored, comments, before, after):
    assert learning_level_before_adjustment(ds(scored), comments) is before
    assert learning_level(ds(scored), comments) is after


@pytest.mark.parametrize(
    ("case", "scored", "comments", "flag_on", "flag_off"),
    [
        ("the single subject is a comment subject", "8.0x6 7.0 7.0", [True, False], KHA, DAT),
        ("the single subject is scored (E5)", "9.0 8.5 8.5 8.0 8.0 8.0 7.5 4.8", [True], KHA, KHA),
        ("scored, to Chưa đạt", "8.0x6 7.0 3.0", [True, True], DAT, DAT),
        ("no comment CĐ at all", "8.0x6 6.5", [True], TOT, TOT),
    ],
)
def test_learning_level_comment_subject_setting(case, scored, comments, flag_on, flag_off):
    assert learning_level(ds(scored), comments, comment_subject_can_adjust=True) is flag_on, case
    assert learning_level(ds(scored), comments, comment_subject_can_adjust=False) is flag_off


def test_learning_level_adjustment_never_reaches_the_missed_level():
    # Tốt-but-for-one is raised one step (Đạt to Khá), never to Tốt itself.
    assert learning_level_before_adjustment(ds("10.0x7 4.0"), [True]) is DAT
    assert learning_level(ds("10.0x7 4.0"), [True]) is KHA


@pytest.mark.parametrize(
    ("scored", "comments", "error", "vietnamese"),
    [
        ([], [], RuleError, VI_NO_SUBJECTS),
        ([d("10.5")] * 8, [True], RuleError, VI_RANGE),
        ([d("7.25")] * 8, [True], RuleError, VI_DECIMALS),
        ([7.5] * 8, [True], TypeError, None),
        ([d("7.5")] * 8, [None], TypeError, None),
    ],
)
def test_learning_level_rejects(scored, comments, error, vietnamese):
    with pytest.raises(error) as caught:
        learning_level(scored, comments)
    if vietnamese is not None:
        assert str(caught.value) == vietnamese
    else:
        assert "must be" in str(caught.value)


# --- conduct --------------------------------------------------------------------------------------

# TT22's table (docs/assessment.md section 6), written out here independently of the module: rows term I, columns term II.
_NAMES = {"Tốt": TOT, "Khá": KHA, "Đạt": DAT, "Chưa đạt": CD}
_CONDUCT_TABLE = """
Tốt      | Tốt | Khá | Khá | Chưa đạt
Khá      | Tốt | Khá | Đạt | Chưa đạt
Đạt      | Khá | Khá | Đạt | Chưa đạt
Chưa đạt | Khá | Đạt | Đạt | Chưa đạt
"""
CONDUCT_CELLS = [
    (_NAMES[row[0]], _NAMES[column], _NAMES[cell])
    for row in (
        [part.strip() for part in line.split("|")] for line in _CONDUCT_TABLE.strip().splitlines()
    )
    for column, cell in zip(["Tốt", "Khá", "Đạt", "Chưa đạt"], row[1:], strict=True)
]


@pytest.mark.parametrize(("term1", "term2", "expected"), CONDUCT_CELLS)
def test_conduct_year_table(term1, term2, expected):
    assert conduct_year(term1, term2) is expected


def test_conduct_table_has_all_sixteen_cells():
    assert len({(term1, term2) for term1, term2, _ in CONDUCT_CELLS}) == 16
    assert len(assessment.CONDUCT_YEAR_TABLE) == 16


@pytest.mark.parametrize(
    ("term1", "term2", "expected", "outcome"),
    [
        (TOT, DAT, KHA, Outcome.PROMOTED),  # E7
        (CD, KHA, DAT, Outcome.PROMOTED),  # E7
        (TOT, CD, CD, Outcome.SUMMER_TRAINING),  # E7
    ],
)
def test_e7_conduct(term1, term2, expected, outcome):
    year = conduct_year(term1, term2)
    assert year is expected
    assert year_outcome(DAT, year, 0) is outcome


def test_conduct_year_accepts_stored_values():
    assert conduct_year("kha", "tot") is TOT


# --- titles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "learning", "conduct", "year_averages", "expected"),
    [
        ("six at 9.0", TOT, TOT, "9.0x6 8.0 8.0", Title.XUAT_SAC),
        ("all ten", TOT, TOT, "10.0x8", Title.XUAT_SAC),
        ("five at 9.0, one 8.9", TOT, TOT, "9.0x5 8.9 8.0 8.0", Title.GIOI),
        ("E3", TOT, TOT, "8.0x6 6.5 6.5", Title.GIOI),
        ("learning Khá", KHA, TOT, "10.0x8", None),
        ("conduct Khá", TOT, KHA, "10.0x8", None),
        ("both Đạt", DAT, DAT, "9.0x8", None),
        ("learning Chưa đạt", CD, TOT, "9.0x8", None),
    ],
)
def test_title(case, learning, conduct, year_averages, expected):
    assert title(learning, conduct, ds(year_averages)) is expected, case


def test_e3_learning_and_title():
    averages = ds("8.0x6 6.5 6.5")
    learning = learning_level(averages, [True, True, True, True])
    assert learning is TOT
    assert title(learning, conduct_year(TOT, TOT), averages) is Title.GIOI


# --- end of year ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "learning", "conduct", "absent", "after_remedies", "expected"),
    [
        ("E8: 45 sessions", TOT, TOT, 45, False, Outcome.PROMOTED),
        ("E8: 46 sessions", TOT, TOT, 46, False, Outcome.REPEAT),
        ("Đạt / Đạt", DAT, DAT, 0, False, Outcome.PROMOTED),
        ("both Chưa đạt", CD, CD, 0, False, Outcome.REPEAT),
        ("conduct Chưa đạt", DAT, CD, 0, False, Outcome.SUMMER_TRAINING),
        ("conduct Chưa đạt, learning Tốt", TOT, CD, 45, False, Outcome.SUMMER_TRAINING),
        ("learning Chưa đạt", CD, DAT, 0, False, Outcome.RETEST),
        ("learning Chưa đạt, conduct Tốt", CD, TOT, 45, False, Outcome.RETEST),
        ("absence beats re-test", CD, DAT, 46, False, Outcome.REPEAT),
        ("absence beats summer training", DAT, CD, 46, False, Outcome.REPEAT),
        ("after re-test, still Chưa đạt", CD, DAT, 0, True, Outcome.REPEAT),
        ("after summer training, still Chưa đạt", DAT, CD, 0, True, Outcome.REPEAT),
        ("after a remedy, passed", DAT, DAT, 0, True, Outcome.PROMOTED),
        ("after a remedy, absence still counts", DAT, DAT, 46, True, Outcome.REPEAT),
    ],
)
def test_year_outcome(case, learning, conduct, absent, after_remedies, expected):
    result = year_outcome(learning, conduct, absent, after_remedies=after_remedies)
    assert result is expected, case


def test_e8_full():
    learning, conduct = TOT, conduct_year(TOT, TOT)
    assert conduct is TOT
    assert year_outcome(learning, conduct, 45) is Outcome.PROMOTED
    assert year_outcome(learning, conduct, 46) is Outcome.REPEAT


def test_year_outcome_refuses_negative_absence():
    with pytest.raises(RuleError) as caught:
        year_outcome(TOT, TOT, -1)
    assert str(caught.value) == VI_ABSENT


def test_enum_values_are_stable():
    # These strings are stored in the database; changing one is a data migration.
    assert [member.value for member in Title] == ["xuat_sac", "gioi"]
    assert [outcome.value for outcome in Outcome] == [
        "promoted",
        "retest",
        "summer_training",
        "repeat",
    ]
