"""Tests of gradebook/rules/tt27.py (TT27 primary rules); pure: no database."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from gradebook.rules import tt27
from gradebook.rules.tt27 import (
    ASSESSMENT_POINTS,
    DEFAULT_PERIODIC_TESTS,
    AssessmentPoint,
    Competency,
    Level3,
    PeriodicTestSubject,
    Quality,
    ScoreInputError,
    SubjectLevel,
    Title,
    YearResult,
    completes_grade,
    completes_primary,
    has_periodic_test,
    needs_support,
    parse_level3,
    parse_subject_level,
    parse_test_score,
    periodic_tests,
    points_with_test,
    title,
    year_result,
)
from schoolrecords import purei18n
from schoolrecords.purei18n import RuleError
from tests.gradebook.test_assessment import _FragmentCatalogue, read_po

ROOT = Path(__file__).resolve().parents[2]
MODULE_PATH = ROOT / "gradebook" / "rules" / "tt27.py"
FRAGMENT_PATH = ROOT / "locale" / "parts" / "tt27.po"
FRAGMENT = read_po(FRAGMENT_PATH)

# The exact Vietnamese texts of locale/parts/tt27.po, written out again on purpose.
VI_WHOLE = "Điểm bài kiểm tra định kì ở tiểu học là số nguyên: ghi 7 hoặc 8, không ghi 7,5."
VI_RANGE = "Điểm bài kiểm tra phải là số nguyên từ 0 đến 10."
VI_NOT_NUMBER = "Điểm bài kiểm tra phải là một số nguyên từ 0 đến 10, ví dụ 8."
VI_SIGN = "Không ghi dấu + hoặc - trước điểm bài kiểm tra."
VI_DIGITS = "Hãy gõ điểm bài kiểm tra bằng các chữ số thông thường từ 0 đến 9."
VI_SPACE = "Điểm bài kiểm tra không được có dấu cách ở giữa."
VI_SUBJECT_LEVEL = "Mức đạt được của môn học phải là T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành)."
VI_LEVEL3 = "Mức đạt được của phẩm chất, năng lực phải là T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng)."
VI_GRADE = "Thông tư 27 chỉ áp dụng cho các lớp tiểu học, từ lớp 1 đến lớp 5."
VI_QUALITIES = "Kết quả cuối năm cần có mức đạt được của đủ năm phẩm chất."
VI_COMPETENCIES = "Kết quả cuối năm cần có mức đạt được của đủ mười năng lực."
VI_NO_SUBJECTS = "Kết quả cuối năm cần có mức đạt được của ít nhất một môn học."
VI_SUBJECTS_INCOMPLETE = "Kết quả cuối năm cần có mức đạt được cuối năm của tất cả các môn học."
VI_TEST_WITHOUT_LEVEL = "Môn học đã có điểm bài kiểm tra định kì cũng phải có mức đạt được."

T, H, C = SubjectLevel.HOAN_THANH_TOT, SubjectLevel.HOAN_THANH, SubjectLevel.CHUA_HOAN_THANH
TV, TOAN, NN1, TINCN, LSDL, KH = PeriodicTestSubject
GK1, CK1, GK2, CN = AssessmentPoint


@pytest.fixture(autouse=True, scope="module")
def vietnamese_catalogue():
    """The compiled catalogue when it carries this fragment; else the fragment itself (fresh clone)."""
    if all(purei18n.vietnamese(msgid) == text for msgid, text in FRAGMENT.items()):
        yield "compiled"
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(purei18n, "_catalogue", lambda: _FragmentCatalogue(FRAGMENT))
        yield "fragment"


# --- module hygiene ---------------------------------------------------------------------------


def test_every_marked_message_has_a_vietnamese_translation_and_no_stale_ones():
    tree = ast.parse(MODULE_PATH.read_text(encoding="utf-8"))
    marked = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "gettext_noop"
    }
    assert len(marked) == 15
    assert marked == set(FRAGMENT)
    for msgid, text in FRAGMENT.items():
        assert text and text != msgid
        assert not text.isascii()


def test_the_module_imports_without_django():
    code = "import sys; sys.modules['django'] = None\nimport gradebook.rules.tt27 as m; print(m.RULE_SET)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "TT27"


def test_enum_values_are_stable():
    assert [(m.name, m.value) for m in SubjectLevel] == [
        ("HOAN_THANH_TOT", "T"), ("HOAN_THANH", "H"), ("CHUA_HOAN_THANH", "C")]
    assert [(m.name, m.value) for m in Level3] == [("TOT", "T"), ("DAT", "D"), ("CAN_CO_GANG", "C")]
    assert [(m.name, m.value) for m in YearResult] == [
        ("HTXS", "htxs"), ("HTT", "htt"), ("HT", "ht"), ("CHT", "cht")]
    assert SubjectLevel("T") == "T" and isinstance(YearResult.HTXS, str)
    assert [p.value for p in ASSESSMENT_POINTS] == ["gk1", "ck1", "gk2", "cn"]
    assert [p.term for p in ASSESSMENT_POINTS] == [1, 1, 2, 2]
    assert [p.is_mid_term for p in ASSESSMENT_POINTS] == [True, False, True, False]
    assert len(Quality) == 5 and len(Competency) == 10
    assert sum(1 for c in Competency if c.is_general) == 3
    assert set(tt27.QUALITY_NAMES) == set(Quality) and set(tt27.COMPETENCY_NAMES) == set(Competency)
    assert [Level3.TOT.letter, Level3.DAT.letter, Level3.CAN_CO_GANG.letter] == ["T", "Đ", "C"]
    assert [lv.rank for lv in (C, H, T)] == [0, 1, 2]


# --- periodic tests per grade and point ---------------------------------------------------------

END_TESTS = {
    1: (TV, TOAN),
    2: (TV, TOAN),
    3: (TV, TOAN, NN1, TINCN),
    4: (TV, TOAN, NN1, TINCN, LSDL, KH),
    5: (TV, TOAN, NN1, TINCN, LSDL, KH),
}
MID_TESTS = {1: (), 2: (), 3: (), 4: (TV, TOAN), 5: (TV, TOAN)}


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_every_grades_test_list(grade):
    assert periodic_tests(grade, CK1) == END_TESTS[grade]
    assert periodic_tests(grade, CN) == END_TESTS[grade]
    assert periodic_tests(grade, GK1) == MID_TESTS[grade]
    assert periodic_tests(grade, GK2) == MID_TESTS[grade]
    assert periodic_tests(grade, "cn") == END_TESTS[grade]  # stored point values work too


@pytest.mark.parametrize(
    "grade, subject, points",
    [
        (1, "tv", (CK1, CN)),
        (1, "nn1", ()),
        (2, "tinhoc_cn", ()),
        (3, "nn1", (CK1, CN)),
        (3, "tinhoc_cn", (CK1, CN)),
        (3, "lsdl", ()),
        (3, "khoahoc", ()),
        (4, "lsdl", (CK1, CN)),
        (4, "khoahoc", (CK1, CN)),
        (4, "toan", (GK1, CK1, GK2, CN)),
        (5, "tv", (GK1, CK1, GK2, CN)),
        (5, "nn1", (CK1, CN)),
        (5, "daoduc", ()),  # Đạo đức: levels and comments only
    ],
)
def test_points_with_test(grade, subject, points):
    assert points_with_test(grade, subject) == points
    for point in ASSESSMENT_POINTS:
        assert has_periodic_test(grade, point, subject) is (point in points)


def test_a_school_year_may_carry_its_own_table():
    table = {grade: dict(points) for grade, points in DEFAULT_PERIODIC_TESTS.items()}
    table[3] = {**table[3], GK2: ("tv",)}
    assert periodic_tests(3, GK2, table=table) == ("tv",)
    assert periodic_tests(3, GK2) == ()


@pytest.mark.parametrize("grade", [0, 6, 12, -1, True, "3"])
def test_periodic_tests_refuse_a_grade_outside_primary(grade):
    with pytest.raises(RuleError) as caught:
        periodic_tests(grade, CN)
    assert str(caught.value) == VI_GRADE


# --- test scores ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [("0", 0), ("1", 1), ("5", 5), ("9", 9), ("10", 10), (" 7 ", 7), ("\t8\n", 8), ("07", 7), ("00", 0)],
)
def test_parse_test_score_accepts_whole_numbers(typed, expected):
    value = parse_test_score(typed)
    assert value == expected and type(value) is int


@pytest.mark.parametrize("typed", ["", "   ", "\t"])
def test_parse_test_score_blank_is_none(typed):
    assert parse_test_score(typed) is None


@pytest.mark.parametrize(
    "typed, vietnamese",
    [
        ("7,5", VI_WHOLE),  # P6
        ("7.5", VI_WHOLE),
        ("7,0", VI_WHOLE),
        ("10.0", VI_WHOLE),
        ("7.", VI_WHOLE),
        (",5", VI_WHOLE),
        ("11", VI_RANGE),
        ("100", VI_RANGE),
        ("-1", VI_RANGE),
        ("010", VI_RANGE),
        ("+7", VI_SIGN),
        ("-0", VI_SIGN),
        ("a", VI_NOT_NUMBER),
        ("T", VI_NOT_NUMBER),
        ("7a", VI_NOT_NUMBER),
        ("1e1", VI_NOT_NUMBER),
        (".", VI_NOT_NUMBER),
        ("+", VI_NOT_NUMBER),
        ("NaN", VI_NOT_NUMBER),
        ("²", VI_NOT_NUMBER),
        ("٧", VI_DIGITS),  # Arabic-Indic seven
        ("７", VI_DIGITS),  # full-width seven
        ("１０", VI_DIGITS),
        ("۸", VI_DIGITS),  # Extended Arabic-Indic eight
        ("1 0", VI_SPACE),
    ],
)
def test_parse_test_score_refuses_with_a_vietnamese_message(typed, vietnamese):
    with pytest.raises(ScoreInputError) as caught:
        parse_test_score(typed)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == vietnamese


def test_p6_a_decimal_test_score_is_refused_as_not_whole():
    with pytest.raises(ValueError, match="số nguyên"):
        parse_test_score("7,5")


def test_parse_test_score_every_value_round_trips():
    for value in range(0, 11):
        assert parse_test_score(str(value)) == value
    for value in range(11, 200):
        with pytest.raises(ScoreInputError):
            parse_test_score(str(value))


# --- levels --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("T", T), ("t", T), (" T ", T), ("Hoàn thành tốt", T), ("hoàn  thành tốt", T), ("HTT", T),
        ("H", H), ("h", H), ("Hoàn thành", H), ("HT", H),
        ("C", C), ("c", C), ("Chưa hoàn thành", C), ("CHT", C),
        ("Hoa\u0300n tha\u0300nh", H),  # decomposed (NFD) accents, as some keyboards type them
    ],
)
def test_parse_subject_level_accepts(typed, expected):
    assert parse_subject_level(typed) is expected


@pytest.mark.parametrize("typed", ["", "  "])
def test_parse_subject_level_blank_is_none(typed):
    assert parse_subject_level(typed) is None


@pytest.mark.parametrize("typed", ["Đ", "D", "A", "8", "TH", "Tốt", "Hoàn thành xuất sắc", "X"])
def test_parse_subject_level_refuses_with_a_vietnamese_message(typed):
    with pytest.raises(ScoreInputError) as caught:
        parse_subject_level(typed)
    assert str(caught.value) == VI_SUBJECT_LEVEL


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("T", Level3.TOT), ("t", Level3.TOT), ("Tốt", Level3.TOT),
        ("Đ", Level3.DAT), ("đ", Level3.DAT), ("D", Level3.DAT), ("Ð", Level3.DAT), ("Đạt", Level3.DAT),
        ("C", Level3.CAN_CO_GANG), ("Cần cố gắng", Level3.CAN_CO_GANG), (" c ", Level3.CAN_CO_GANG),
    ],
)
def test_parse_level3_accepts(typed, expected):
    assert parse_level3(typed) is expected


def test_parse_level3_blank_is_none():
    assert parse_level3(" ") is None


@pytest.mark.parametrize("typed", ["H", "CĐ", "K", "Khá", "Hoàn thành", "5", "TT"])
def test_parse_level3_refuses_with_a_vietnamese_message(typed):
    with pytest.raises(ScoreInputError) as caught:
        parse_level3(typed)
    assert str(caught.value) == VI_LEVEL3


# --- year result ---------------------------------------------------------------------------------

SUBJECTS_T = {"tv": T, "toan": T, "daoduc": T, "tnxh": T, "gdtc": T, "nghethuat": T, "hdtn": T}


def all_qualities(level=Level3.TOT, **overrides):
    return {quality: overrides.get(quality.value, level) for quality in Quality}


def all_competencies(level=Level3.TOT, **overrides):
    return {competency: overrides.get(competency.value, level) for competency in Competency}


def result(subjects=None, qualities=None, competencies=None, tests=(9, 9, 9)):
    subjects = dict(SUBJECTS_T if subjects is None else subjects)
    codes = ["tv", "toan", "nn1", "tinhoc_cn", "lsdl", "khoahoc"][: len(tests)]
    for code in codes:
        subjects.setdefault(code, T)
    return year_result(
        subjects=subjects,
        qualities=all_qualities() if qualities is None else qualities,
        competencies=all_competencies() if competencies is None else competencies,
        tests=dict(zip(codes, tests, strict=True)),
    )


@pytest.mark.parametrize(
    "case, subjects, qualities, competencies, tests, expected",
    [
        ("P1", None, None, None, (9, 10, 9), YearResult.HTXS),
        ("P2", None, None, None, (9, 8, 10), YearResult.HTT),
        ("P3", {**SUBJECTS_T, "daoduc": H}, None, None, (9, 9, 9), YearResult.HT),
        ("P4", None, None, all_competencies(tinh_toan=Level3.DAT), (10, 10, 10), YearResult.HT),
        ("P5", None, None, None, (9, 4, 9), YearResult.CHT),
    ],
)
def test_worked_examples_p1_to_p5(case, subjects, qualities, competencies, tests, expected):
    assert result(subjects, qualities, competencies, tests) is expected


@pytest.mark.parametrize(
    "tests, expected",
    [
        ((9, 9), YearResult.HTXS),  # the HTXS boundary: 9 is enough ...
        ((9, 8), YearResult.HTT),  # ... 8 is not
        ((7, 7), YearResult.HTT),  # the HTT boundary: 7 is enough ...
        ((7, 6), YearResult.HT),  # ... 6 is not
        ((5, 5), YearResult.HT),  # the HT boundary: 5 is enough ...
        ((5, 4), YearResult.CHT),  # ... 4 is not
        ((10, 0), YearResult.CHT),
        ((10, 10, 10, 10, 10, 10), YearResult.HTXS),
        ((10, 10, 10, 10, 10, 8), YearResult.HTT),
        ((), YearResult.HTXS),  # no test this year: the levels decide
    ],
)
def test_test_score_boundaries_with_everything_else_top(tests, expected):
    assert result(tests=tests) is expected


@pytest.mark.parametrize(
    "subject_level, trait_level, tests, expected",
    [
        (H, Level3.TOT, (10, 10), YearResult.HT),  # one H: never HTT or HTXS
        (H, Level3.TOT, (5, 5), YearResult.HT),
        (H, Level3.TOT, (4, 10), YearResult.CHT),
        (C, Level3.TOT, (10, 10), YearResult.CHT),  # one C: CHT whatever the tests
        (T, Level3.DAT, (10, 10), YearResult.HT),  # one Đạt: never HTT or HTXS
        (T, Level3.DAT, (5, 6), YearResult.HT),
        (T, Level3.CAN_CO_GANG, (10, 10), YearResult.CHT),  # one Cần cố gắng: CHT
        (H, Level3.DAT, (5, 5), YearResult.HT),
    ],
)
@pytest.mark.parametrize("where", ["quality", "competency"])
def test_level_boundaries(subject_level, trait_level, tests, expected, where):
    qualities = all_qualities(cham_chi=trait_level) if where == "quality" else None
    competencies = all_competencies(the_chat=trait_level) if where == "competency" else None
    subjects = {**SUBJECTS_T, "hdtn": subject_level}
    assert result(subjects, qualities, competencies, tests) is expected


@pytest.mark.parametrize("quality", list(Quality))
def test_each_quality_counts(quality):
    assert result(qualities=all_qualities(**{quality.value: Level3.DAT})) is YearResult.HT
    assert result(qualities=all_qualities(**{quality.value: Level3.CAN_CO_GANG})) is YearResult.CHT


@pytest.mark.parametrize("competency", list(Competency))
def test_each_competency_counts(competency):
    assert result(competencies=all_competencies(**{competency.value: Level3.DAT})) is YearResult.HT
    assert result(competencies=all_competencies(**{competency.value: Level3.CAN_CO_GANG})) is YearResult.CHT


def test_a_tested_subject_at_h_keeps_the_student_at_ht():
    subjects = {**SUBJECTS_T, "toan": H}
    assert year_result(subjects=subjects, qualities=all_qualities(), competencies=all_competencies(),
                       tests={"tv": 10, "toan": 10}) is YearResult.HT


def test_year_result_accepts_stored_values():
    assert year_result(
        subjects={"tv": "T", "toan": "T"},
        qualities={q.value: "T" for q in Quality},
        competencies={c.value: "D" for c in Competency},
        tests={"tv": 9, "toan": 9},
    ) is YearResult.HT


@pytest.mark.parametrize(
    "kwargs, vietnamese",
    [
        ({"subjects": {}}, VI_NO_SUBJECTS),
        ({"subjects": {"tv": None}}, VI_SUBJECTS_INCOMPLETE),
        ({"qualities": {q: Level3.TOT for q in list(Quality)[:4]}}, VI_QUALITIES),
        ({"qualities": {**{q: Level3.TOT for q in Quality}, "yeu_nuoc": None}}, VI_QUALITIES),
        ({"qualities": {**{q: Level3.TOT for q in Quality}, "dung_cam": Level3.TOT}}, VI_QUALITIES),
        ({"competencies": {c: Level3.TOT for c in list(Competency)[:9]}}, VI_COMPETENCIES),
        ({"competencies": {**{c: Level3.TOT for c in Competency}, "ngoai_ngu": Level3.TOT}}, VI_COMPETENCIES),
        ({"tests": {"nn1": 9}}, VI_TEST_WITHOUT_LEVEL),
        ({"tests": {"tv": 11}}, VI_RANGE),
        ({"tests": {"tv": -1}}, VI_RANGE),
    ],
)
def test_year_result_refuses_incomplete_or_wrong_input(kwargs, vietnamese):
    arguments = {"subjects": {"tv": T, "toan": T}, "qualities": all_qualities(),
                 "competencies": all_competencies(), "tests": {"tv": 9}} | kwargs
    with pytest.raises(RuleError) as caught:
        year_result(**arguments)
    assert str(caught.value) == vietnamese


@pytest.mark.parametrize("score", [9.0, "9", True, None])
def test_year_result_takes_test_scores_as_int_only(score):
    with pytest.raises(TypeError):
        year_result(subjects={"tv": T}, qualities=all_qualities(), competencies=all_competencies(),
                    tests={"tv": score})


def test_year_result_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        year_result({"tv": T}, all_qualities(), all_competencies(), {"tv": 9})  # type: ignore[misc]


# --- completion, support, titles -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, completes, support",
    [(YearResult.HTXS, True, False), (YearResult.HTT, True, False), (YearResult.HT, True, False),
     (YearResult.CHT, False, True), ("ht", True, False), ("cht", False, True)],
)
def test_completion_and_support(value, completes, support):
    assert completes_grade(value) is completes
    assert needs_support(value) is support
    assert completes_primary(5, value) is completes
    for grade in (1, 2, 3, 4):
        assert completes_primary(grade, value) is False


def test_completes_primary_refuses_a_secondary_grade():
    with pytest.raises(RuleError) as caught:
        completes_primary(6, YearResult.HT)
    assert str(caught.value) == VI_GRADE


@pytest.mark.parametrize(
    "value, proposed, expected",
    [
        (YearResult.HTXS, False, Title.XUAT_SAC),
        (YearResult.HTXS, True, Title.XUAT_SAC),
        (YearResult.HTT, True, Title.TIEU_BIEU),
        (YearResult.HTT, False, None),
        (YearResult.HT, True, None),
        (YearResult.CHT, True, None),
        ("htxs", False, Title.XUAT_SAC),
    ],
)
def test_title(value, proposed, expected):
    assert title(value, proposed_by_class=proposed) is expected


def test_p1_gets_the_excellent_title_and_p2_only_when_proposed():
    assert title(result(tests=(9, 10, 9))) is Title.XUAT_SAC
    p2 = result(tests=(9, 8, 10))
    assert title(p2) is None
    assert title(p2, proposed_by_class=True) is Title.TIEU_BIEU
