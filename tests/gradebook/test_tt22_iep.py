"""TT22 results of a student with an individual education plan (TT22 art. 11): pure, no database."""

from decimal import Decimal

import pytest

from gradebook.rules import tt22
from gradebook.rules.tt22 import (
    Level,
    PlanMode,
    Title,
    assessed_under_plan,
    learning_level,
    learning_level_before_adjustment,
    learning_level_under_plan,
    plan_assesses_by_comments,
    subjects_needed,
    title,
)

TOT, KHA, DAT, CD = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT
SCORED = ["van", "toan", "anh", "gdcd", "lsdl", "khtn", "cn", "tin"]
COMMENTED = ["gdtc", "amnhac", "mithuat", "hdtn", "gddp"]


def ds(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]


def year_values(scored: dict[str, str] | None = None, comments: dict[str, bool] | None = None):
    """Every subject of the demo school's grade: 9.5 and Đ unless told otherwise."""
    values: dict[str, Decimal | bool | None] = {code: Decimal("9.5") for code in SCORED}
    values |= {code: True for code in COMMENTED}
    values |= {code: Decimal(text) for code, text in (scored or {}).items()}
    values |= comments or {}
    return values


EXEMPT_THREE = {"anh": PlanMode.EXEMPT, "cn": PlanMode.EXEMPT, "tin": PlanMode.EXEMPT}


def test_plan_mode_values_are_stable():
    assert [(m.name, m.value) for m in PlanMode] == [
        ("SCORES", "scores"), ("COMMENTS", "comments"), ("EXEMPT", "exempt")]


@pytest.mark.parametrize(
    "count, plan, expected",
    [(0, False, 6), (5, False, 6), (8, False, 6), (0, True, 0), (1, True, 1), (5, True, 5), (6, True, 6),
     (8, True, 6)],
)
def test_subjects_needed(count, plan, expected):
    assert subjects_needed(count, individual_plan=plan) == expected


# --- the case: three exempt subjects, 9.5 everywhere else -------------------------------


def test_three_exempt_subjects_and_9_5_elsewhere_is_tot_under_the_plan():
    assert learning_level_under_plan(year_values(), EXEMPT_THREE) is TOT


def test_without_a_plan_five_scored_subjects_still_cannot_reach_the_six_subject_counts():
    # The literal TT22 reading stays for a student who is merely exempt (e.g. for health).
    five = ds("9.5", "9.5", "9.5", "9.5", "9.5")
    assert learning_level_before_adjustment(five, [True] * 5) is CD
    assert learning_level(five, [True] * 5) is CD
    assert learning_level_before_adjustment(five, [True] * 5, individual_plan=True) is TOT
    assert learning_level(five, [True] * 5, individual_plan=True) is TOT


@pytest.mark.parametrize("exempt", [3, 4, 5, 6, 7])
def test_more_exemptions_under_the_plan_still_tot(exempt):
    modes = {code: PlanMode.EXEMPT for code in SCORED[:exempt]}
    assert learning_level_under_plan(year_values(), modes) is TOT


# --- with fewer than six scored subjects, all of them must meet the threshold ---------------------


@pytest.mark.parametrize(
    "case, lowest, expected",
    [
        ("Tốt: every one ≥ 8.0", "8.0", TOT),
        ("one 7.9: not Tốt, Khá (every one ≥ 6.5)", "7.9", KHA),
        ("Khá boundary", "6.5", KHA),
        ("one 6.4: Đạt (every one ≥ 5.0)", "6.4", DAT),
        ("Đạt boundary", "5.0", DAT),
        # One below 5.0: not Đạt; raising it alone to 6.5 or 5.0 does not reach Tốt or Khá either
        # (the 4 others are ≥ 8.0, but the count needs all 5), so no adjustment.
        ("one 4.9", "4.9", CD),
        ("one 3.4", "3.4", CD),
    ],
)
def test_thresholds_over_five_assessed_subjects(case, lowest, expected):
    values = year_values({"van": lowest})
    assert learning_level_under_plan(values, EXEMPT_THREE) is expected, case


def test_the_adjustment_still_applies_under_the_plan():
    # Five scored subjects assessed, all 8.0 → Tốt but for one comment subject at CĐ, which makes
    # it Đạt (at most one CĐ): two levels down because of one subject, so raised to Khá.
    values = year_values({"van": "8.0", "toan": "8.0", "gdcd": "8.0", "lsdl": "8.0", "khtn": "8.0"},
                         {"gdtc": False})
    assert learning_level_under_plan(values, EXEMPT_THREE) is KHA
    assert learning_level_under_plan(values, EXEMPT_THREE, comment_subject_can_adjust=False) is DAT


@pytest.mark.parametrize(
    "scored, comments, expected",
    [
        (ds("8.0", "8.0", "8.0", "8.0", "8.0", "8.0", "6.5", "6.5"), [True] * 5, TOT),  # E3
        (ds("8.0", "8.0", "8.0", "8.0", "8.0", "7.9", "6.5", "6.5"), [True] * 5, KHA),  # E4
        (ds("9.0", "8.5", "8.5", "8.0", "8.0", "8.0", "7.5", "4.8"), [True] * 5, KHA),  # E5
        (ds("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5.0", "5.0"), [True] * 5, KHA),  # E6
        (ds("6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5.0", "4.9"), [True] * 5, DAT),  # E6
    ],
)
def test_a_plan_with_six_or_more_scored_subjects_changes_nothing(scored, comments, expected):
    assert learning_level(scored, comments) is expected
    assert learning_level(scored, comments, individual_plan=True) is expected


# --- comments instead of scores ------------------------------------------------------------------


def test_a_scored_subject_assessed_by_comments_under_the_plan():
    modes = {"toan": PlanMode.COMMENTS, "anh": PlanMode.COMMENTS, "tin": PlanMode.EXEMPT}
    values = year_values() | {"toan": True, "anh": True}
    scored, comments = assessed_under_plan(values, modes)
    assert len(scored) == 5 and len(comments) == 7
    assert learning_level_under_plan(values, modes) is TOT
    # One of them at CĐ: Đạt allows one CĐ (all five scored are ≥ 5.0); raised by one subject to Khá.
    assert learning_level_under_plan(values | {"toan": False}, modes) is KHA
    assert learning_level_under_plan(values | {"toan": False}, modes, comment_subject_can_adjust=False) is DAT
    # Two CĐ: Chưa đạt, and two subjects hold it back, so no adjustment.
    assert learning_level_under_plan(values | {"toan": False, "anh": False}, modes) is CD


def test_only_comments_under_the_plan():
    modes = {code: PlanMode.COMMENTS for code in SCORED}
    values = {code: True for code in [*SCORED, *COMMENTED]}
    assert learning_level_under_plan(values, modes) is TOT


def test_a_plan_that_exempts_everything_gives_no_level():
    modes = {code: PlanMode.EXEMPT for code in [*SCORED, *COMMENTED]}
    assert learning_level_under_plan(year_values(), modes) is None


def test_an_exempt_subject_needs_no_value_but_an_assessed_one_does():
    values = year_values() | {"anh": None}
    assert learning_level_under_plan(values, EXEMPT_THREE) is TOT
    assert assessed_under_plan(values | {"van": None}, EXEMPT_THREE) is None
    assert learning_level_under_plan(values | {"van": None}, EXEMPT_THREE) is None


def test_stored_mode_values_are_accepted():
    assert learning_level_under_plan(year_values(), {"anh": "exempt", "cn": "exempt", "tin": "exempt"}) is TOT


@pytest.mark.parametrize(
    "values, modes, error",
    [
        ({"toan": True}, {"toan": PlanMode.SCORES}, TypeError),
        ({"gdtc": Decimal("7.0")}, {"gdtc": PlanMode.COMMENTS}, TypeError),
        ({"toan": Decimal("7.0")}, {"hoa": PlanMode.EXEMPT}, KeyError),
        ({"toan": Decimal("7.0")}, {"toan": "miễn"}, ValueError),
    ],
)
def test_assessed_under_plan_refuses_inconsistent_input(values, modes, error):
    with pytest.raises(error):
        assessed_under_plan(values, modes)


@pytest.mark.parametrize(
    "commented, mode, expected",
    [
        (False, None, False), (True, None, True),
        (False, PlanMode.SCORES, False), (True, PlanMode.SCORES, False),
        (False, PlanMode.COMMENTS, True), (True, PlanMode.COMMENTS, True),
        (False, PlanMode.EXEMPT, False), (True, PlanMode.EXEMPT, True),
        (False, "comments", True),
    ],
)
def test_plan_assesses_by_comments(commented, mode, expected):
    assert plan_assesses_by_comments(commented=commented, mode=mode) is expected


# --- titles ---------------------------------------------------------------------------------------


def test_title_counts_over_the_assessed_subjects_under_the_plan():
    five = ds("9.5", "9.5", "9.5", "9.5", "9.0")
    assert title(TOT, TOT, five) is Title.GIOI
    assert title(TOT, TOT, five, individual_plan=True) is Title.XUAT_SAC
    assert title(TOT, TOT, ds("9.5", "9.5", "9.5", "9.5", "8.9"), individual_plan=True) is Title.GIOI
    assert title(KHA, TOT, five, individual_plan=True) is None


def test_no_scored_subject_is_at_most_gioi():
    assert title(TOT, TOT, [], individual_plan=True) is Title.GIOI
    assert title(TOT, TOT, []) is Title.GIOI


def test_title_still_checks_the_scores():
    with pytest.raises(TypeError):
        title(TOT, TOT, [9.5] * 6, individual_plan=True)  # type: ignore[list-item]
    assert tt22.title(TOT, TOT, ds(*["9.0"] * 6)) is Title.XUAT_SAC
