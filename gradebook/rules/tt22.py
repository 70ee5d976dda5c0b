"""TT22 rules for grades 6–12: score input, averages, levels, titles, promotion (pure, no Django)."""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from schoolrecords.purei18n import RuleError, gettext_noop

# Each school year records the rule set its results were computed under, so that older years
# (TT58/TT26) and primary schools (TT27) can get their own module beside this one.
RULE_SET = "TT22"

SCORE_MIN = Decimal("0")
SCORE_MAX = Decimal("10")
_TENTH = Decimal("0.1")

# TT22 thresholds (docs/assessment.md, sections 5 and 7).
TOT_MIN = Decimal("6.5")  # Tốt: every scored subject at least this ...
TOT_HIGH = Decimal("8.0")  # ... and at least SUBJECTS_NEEDED of them at least this
KHA_MIN = Decimal("5.0")
KHA_HIGH = Decimal("6.5")
DAT_PASS = Decimal("5.0")  # Đạt: at least SUBJECTS_NEEDED at or above this ...
DAT_FLOOR = Decimal("3.5")  # ... and none below this
XUAT_SAC_HIGH = Decimal("9.0")
SUBJECTS_NEEDED = 6

MAX_ABSENT_SESSIONS = 45  # more than this many sessions (buổi) absent: the grade is repeated


# --- messages (English; Vietnamese in locale/parts/assessment.po) ----------------------------

MSG_SCORE_RANGE = gettext_noop("A score must be between 0 and 10.")
MSG_SCORE_DECIMALS = gettext_noop(
    "A score may have at most one digit after the decimal mark, e.g. 7.5."
)
MSG_SCORE_NOT_NUMBER = gettext_noop("A score must be a number, e.g. 7 or 7.5.")
MSG_SCORE_SIGN = gettext_noop("Write the score without a + or - sign.")
MSG_SCORE_DIGITS = gettext_noop("Type the score with the ordinary digits 0 to 9.")
MSG_SCORE_SPACE = gettext_noop("A score must not contain spaces.")
MSG_SCORE_LEADING_ZEROS = gettext_noop("Write the score without leading zeros: %(suggestion)s.")
MSG_SCORE_INCOMPLETE = gettext_noop(
    "A decimal mark must stand between two digits: write %(suggestion)s."
)
MSG_COMMENT_INVALID = gettext_noop(
    "A comment result must be D (pass) or CD (not yet passed)."
)
MSG_PERIODS_POSITIVE = gettext_noop("The number of periods per year must be greater than 0.")
MSG_REGULAR_NONE = gettext_noop("A term average needs at least one regular assessment.")
MSG_REQUIRED_POSITIVE = gettext_noop("The number of required assessments must be greater than 0.")
MSG_COMMENT_NONE = gettext_noop("A comment subject needs at least one assessment result.")
MSG_NO_SUBJECTS = gettext_noop("There are no subjects to assess.")
MSG_ABSENT_NEGATIVE = gettext_noop("The number of sessions absent cannot be negative.")


class ScoreInputError(RuleError):
    """What a person typed into a score or comment cell cannot be recorded."""


# --- enums --------------------------------------------------------------------------------


class Level(StrEnum):
    """A learning (học tập) or conduct (rèn luyện) level, per term or per year."""

    TOT = "tot"
    KHA = "kha"
    DAT = "dat"
    CHUA_DAT = "chua_dat"

    @property
    def rank(self) -> int:
        """0 for Chưa đạt up to 3 for Tốt.

        Use this (or ``at_least``), not ``<``/``>`` on the members: those compare the string
        values, which only happen to sort in the same order.
        """
        return _LEVEL_RANK[self]

    def at_least(self, other: "Level") -> bool:
        """True when this level is ``other`` or better, e.g. ``level.at_least(Level.DAT)``."""
        return self.rank >= other.rank


_LEVEL_RANK: Mapping[Level, int] = {Level.CHUA_DAT: 0, Level.DAT: 1, Level.KHA: 2, Level.TOT: 3}
_LEVEL_BY_RANK: Mapping[int, Level] = {rank: level for level, rank in _LEVEL_RANK.items()}


class Title(StrEnum):
    """End-of-year title (danh hiệu)."""

    XUAT_SAC = "xuat_sac"  # Học sinh Xuất sắc
    GIOI = "gioi"  # Học sinh Giỏi


class PlanMode(StrEnum):
    """How an individual education plan (kế hoạch giáo dục cá nhân) has one subject assessed."""

    SCORES = "scores"  # scored 0-10, as the class
    COMMENTS = "comments"  # Đ / CĐ instead of scores
    EXEMPT = "exempt"  # not assessed: the subject leaves the results


class Outcome(StrEnum):
    """End-of-year decision for one student."""

    PROMOTED = "promoted"  # lên lớp
    RETEST = "retest"  # kiểm tra lại
    SUMMER_TRAINING = "summer_training"  # rèn luyện trong kỳ nghỉ hè
    REPEAT = "repeat"  # ở lại lớp


# --- typed input: score cells ----------------------------------------------------------------

# sign, whole part, decimal mark, fraction: loose on purpose, so that a near miss ("7.25", ".5",
# "+7") gets a message about its actual problem rather than a generic "not a number".
_SCORE_SHAPE = re.compile(r"([+-]?)([0-9]*)(?:([.,])([0-9]*))?")
_ASCII_DIGITS = frozenset("0123456789")


def parse_score(text: str) -> Decimal | None:
    """The score typed into a cell, or None for an empty cell.

    Accepted: an integer or one decimal, 0–10, with "." or "," as the decimal mark (teachers
    type "7,5" as often as "7.5"), surrounding blanks ignored, one leading zero tolerated ("07").
    The precision typed is kept: "7" gives Decimal("7"), "7.0" gives Decimal("7.0").
    Refused, each with its own message: out of range, two or more decimals (also "7.50", and
    "1.000"/"1,000", which are read as decimals), a sign ("+7", "-0"; "-1" is out of range),
    a lone decimal mark at either end ("7." / ".5": the teacher is told what to write instead,
    because guessing between 7 and 7.5 would record a score nobody typed), spaces inside,
    non-ASCII digits (full-width, Arabic-Indic, ...), and anything else (letters, "NaN",
    "Infinity", "1e1", ".").
    """
    raw = text.strip()
    if not raw:
        return None
    if any(char.isspace() for char in raw):
        raise ScoreInputError(MSG_SCORE_SPACE)
    # An IME can produce full-width or other-script digits that look right on screen, so a
    # plain "not a number" would puzzle the teacher; name the actual problem instead.
    if any(char.isdecimal() and char not in _ASCII_DIGITS for char in raw):
        raise ScoreInputError(MSG_SCORE_DIGITS)
    match = _SCORE_SHAPE.fullmatch(raw)
    if match is None:
        raise ScoreInputError(MSG_SCORE_NOT_NUMBER)
    sign, whole, mark, fraction = match.groups(default="")
    if not whole and not fraction:
        raise ScoreInputError(MSG_SCORE_NOT_NUMBER)
    if len(fraction) > 1:
        raise ScoreInputError(MSG_SCORE_DECIMALS)
    if mark and not (whole and fraction):
        suggestion = f"{sign}{whole or '0'}{mark}{fraction}" if fraction else f"{sign}{whole}"
        raise ScoreInputError(MSG_SCORE_INCOMPLETE, suggestion=suggestion)
    value = Decimal(f"{whole}.{fraction}" if fraction else whole)
    if value > SCORE_MAX or (sign == "-" and value != 0):
        raise ScoreInputError(MSG_SCORE_RANGE)
    if sign:
        raise ScoreInputError(MSG_SCORE_SIGN)
    if len(whole) > 2:
        # A score has at most two digits before its mark: "010" or "005" is a slip of the keyboard
        # (was "0,10" meant? "10"? "5"?), so it is shown back rather than read as 10 or 5.
        plain = whole.lstrip("0") or "0"
        raise ScoreInputError(MSG_SCORE_LEADING_ZEROS, suggestion=f"{plain}{mark}{fraction}")
    return value


_COMMENT_VALUES: Mapping[str, bool] = {
    "đ": True,
    "d": True,
    "đạt": True,
    "cđ": False,
    "cd": False,
    "chưa đạt": False,
}


def parse_comment(text: str) -> bool | None:
    """A comment-subject result typed into a cell: True for Đ (Đạt), False for CĐ, None if blank.

    Case does not matter; "D"/"CD" are accepted for keyboards without Vietnamese input, the
    full words "Đạt"/"Chưa đạt" too, and "Ð" (U+00D0, which looks identical to Đ and comes out of
    old TCVN3/VNI text conversions) counts as Đ.
    """
    raw = " ".join(unicodedata.normalize("NFC", text).split())
    if not raw:
        return None
    key = raw.casefold().replace("ð", "đ")
    try:
        return _COMMENT_VALUES[key]
    except KeyError:
        raise ScoreInputError(MSG_COMMENT_INVALID) from None


# --- number of assessments and averages --------------------------------------------------------


def regular_assessment_count(periods_per_year: int, *, learning_topics: bool = False) -> int:
    """How many regular assessments (ĐĐGtx) a subject has per term, from its periods per year.

    ``learning_topics``: the class studies the subject's learning topics (cụm chuyên đề học tập, upper
    secondary), assessed as one more regular assessment of the subject [check].
    """
    if periods_per_year <= 0:
        raise RuleError(MSG_PERIODS_POSITIVE)
    extra = 1 if learning_topics else 0
    if periods_per_year <= 35:
        return 2 + extra
    if periods_per_year <= 70:
        return 3 + extra
    return 4 + extra


def _checked_score(value: Decimal) -> Decimal:
    # Floats (binary, inexact) must never reach the arithmetic; and a stored score with two
    # decimals would make every average built on it differ from the printed ledger.
    if not isinstance(value, Decimal):
        raise TypeError(f"scores must be decimal.Decimal, not {type(value).__name__}")
    if not value.is_finite() or not SCORE_MIN <= value <= SCORE_MAX:
        raise RuleError(MSG_SCORE_RANGE)
    if value != value.quantize(_TENTH):
        raise RuleError(MSG_SCORE_DECIMALS)
    return value


def _round_tenth(numerator: Decimal, denominator: int) -> Decimal:
    # Rounded once, half-up, to one decimal (TT22; float round() is banker's and binary, so it
    # turns 7.25 into 7.2). The division itself is rounded to 50 digits first; that can never
    # move the result across a .x5 boundary: the denominators are 3, 7, 8 or 9 and the
    # numerators have one decimal, so the quotient either terminates within 4 decimals (8) or
    # repeats with a short period that is never all 9s or all 0s (3, 7, 9).
    with localcontext() as context:
        context.prec = 50
        return (numerator / denominator).quantize(_TENTH, rounding=ROUND_HALF_UP)


def term_average(regular: Sequence[Decimal], midterm: Decimal, final: Decimal) -> Decimal:
    """ĐTBmhk = (sum of ĐĐGtx + 2 × ĐĐGgk + 3 × ĐĐGck) / (number of ĐĐGtx + 5), one decimal."""
    if not regular:
        raise RuleError(MSG_REGULAR_NONE)
    total = sum((_checked_score(score) for score in regular), Decimal(0))
    total += 2 * _checked_score(midterm) + 3 * _checked_score(final)
    return _round_tenth(total, len(regular) + 5)


def term_average_or_none(
    regular: Sequence[Decimal | None],
    midterm: Decimal | None,
    final: Decimal | None,
    *,
    required_regular: int,
) -> Decimal | None:
    """The term average, or None (empty, not zero) while a required assessment is missing.

    ``regular`` are the grid's ĐĐGtx slots, None where nothing is recorded yet. The average
    needs the mid-term, the end-of-term and at least ``required_regular`` recorded ĐĐGtx; every
    recorded ĐĐGtx then counts, so an extra column a teacher filled in is not dropped, and an
    empty extra column beyond the requirement does not hold the average back.
    """
    if required_regular <= 0:
        raise RuleError(MSG_REQUIRED_POSITIVE)
    recorded = [score for score in regular if score is not None]
    if midterm is None or final is None or len(recorded) < required_regular:
        return None
    return term_average(recorded, midterm, final)


def year_average(term1: Decimal, term2: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhk I + 2 × ĐTBmhk II) / 3, one decimal, from the two ROUNDED term averages.

    The terms must already be rounded (one decimal): that is what the ledger prints, and the
    year must be recomputable from the printed figures.
    """
    return _round_tenth(_checked_score(term1) + 2 * _checked_score(term2), 3)


def comment_term_result(results: Sequence[bool]) -> bool:
    """A comment subject's term result: Đ (True) when every required assessment is Đ."""
    if not results:
        raise RuleError(MSG_COMMENT_NONE)
    return all(results)


def comment_term_result_or_none(
    results: Sequence[bool | None], *, required: int
) -> bool | None:
    """The comment term result, or None while fewer than ``required`` results are recorded."""
    if required <= 0:
        raise RuleError(MSG_REQUIRED_POSITIVE)
    recorded = [result for result in results if result is not None]
    if len(recorded) < required:
        return None
    return comment_term_result(recorded)


def comment_year_result(term1: bool, term2: bool) -> bool:
    """A comment subject's year result is its term II result (TT22); term I is not used."""
    # term1 stays in the signature so call sites read like year_average(term1, term2).
    return term2


def subject_term_result(held: Mapping, *, required: int, is_commented: bool) -> Decimal | bool | None:
    """ĐTBmhk (or Đ/CĐ) from one student's slots of one term; None while incomplete.

    ``held`` maps (kind, index) — "tx"/"gk"/"ck" — to anything with ``value`` and ``comment_passed``.
    """
    regular = [slot for (kind, _index), slot in sorted(held.items()) if kind == "tx"]
    midterm, final = held.get(("gk", 1)), held.get(("ck", 1))
    if is_commented:
        if midterm is None or final is None or midterm.comment_passed is None or final.comment_passed is None:
            return None
        return comment_term_result_or_none(
            [slot.comment_passed for slot in regular] + [midterm.comment_passed, final.comment_passed],
            required=required + 2,
        )
    return term_average_or_none(
        [slot.value for slot in regular],
        midterm.value if midterm is not None else None,
        final.value if final is not None else None,
        required_regular=required,
    )


def subject_year_result(term1: Decimal | bool | None, term2: Decimal | bool | None, *, is_commented: bool,
                        exempt_term1: bool = False, exempt_term2: bool = False) -> Decimal | bool | None:
    """A subject's year result (ĐTBmcn, or Đ / CĐ) from its two term results; None while one is missing.

    A subject exempt for one term only takes its year value from the other term (the rule of
    TT58 art. 7 for an exemption of one term, which TT22 does not restate); exempt in both: none.
    """
    if exempt_term1 and exempt_term2:
        return None
    if exempt_term1:
        return term2
    if exempt_term2:
        return term1
    if term1 is None or term2 is None:
        return None
    if is_commented:
        return comment_year_result(term1, term2)
    return year_average(term1, term2)


# --- learning level -------------------------------------------------------------------------
#
# Fewer than 6 scored subjects (e.g. after exemptions): for a student WITHOUT an individual
# education plan, "at least 6 of them ≥ 8.0 / ≥ 6.5 / ≥ 5.0" is read literally, so such a student
# cannot reach Tốt, Khá or Đạt and is Chưa đạt. TT22's table (docs/assessment.md section 5: "có ít
# nhất 06 môn") states a count, not a share, and gives no rule for fewer subjects.
# A student with a disability assessed under an individual plan (TT22 art. 11) has results
# "computed over the subjects actually assessed": with ``individual_plan=True`` the count is
# min(6, number of scored subjects assessed), i.e. with fewer than 6 all of them must meet the
# threshold (DOMAIN.md "Students with disabilities", marked [check]).


def subjects_needed(scored_count: int, *, individual_plan: bool = False) -> int:
    """How many scored subjects the "at least 6 subjects" thresholds ask for.

    Six (TT22); under an individual education plan, six or all the scored subjects assessed if
    there are fewer.
    """
    return min(SUBJECTS_NEEDED, scored_count) if individual_plan else SUBJECTS_NEEDED


def _meets(level: Level, scored: Sequence[Decimal], comments: Sequence[bool], needed: int) -> bool:
    not_passed = sum(1 for passed in comments if not passed)
    if level is Level.TOT:
        return (
            not_passed == 0
            and all(value >= TOT_MIN for value in scored)
            and sum(1 for value in scored if value >= TOT_HIGH) >= needed
        )
    if level is Level.KHA:
        return (
            not_passed == 0
            and all(value >= KHA_MIN for value in scored)
            and sum(1 for value in scored if value >= KHA_HIGH) >= needed
        )
    if level is Level.DAT:
        return (
            not_passed <= 1
            and sum(1 for value in scored if value >= DAT_PASS) >= needed
            and all(value >= DAT_FLOOR for value in scored)
        )
    return True  # Chưa đạt: everything else


def _classify(scored: Sequence[Decimal], comments: Sequence[bool], needed: int = SUBJECTS_NEEDED) -> Level:
    for level in (Level.TOT, Level.KHA, Level.DAT):
        if _meets(level, scored, comments, needed):
            return level
    return Level.CHUA_DAT


def _checked_subjects(
    scored: Sequence[Decimal], comments: Sequence[bool]
) -> tuple[list[Decimal], list[bool]]:
    if not scored and not comments:
        raise RuleError(MSG_NO_SUBJECTS)
    for result in comments:
        # None (not yet assessed) must not pass for CĐ; the caller decides what a gap means.
        if not isinstance(result, bool):
            raise TypeError(f"comment results must be bool, not {type(result).__name__}")
    return [_checked_score(value) for value in scored], list(comments)


def learning_level_before_adjustment(
    scored: Sequence[Decimal], comments: Sequence[bool], *, individual_plan: bool = False
) -> Level:
    """The level from TT22's table alone (docs/assessment.md section 5), without the art. 9.3 adjustment.

    ``individual_plan``: see ``subjects_needed``.
    """
    scored, comments = _checked_subjects(scored, comments)
    return _classify(scored, comments, subjects_needed(len(scored), individual_plan=individual_plan))


def _single_subjects_holding_back(
    target: Level,
    scored: Sequence[Decimal],
    comments: Sequence[bool],
    *,
    comment_subject_can_adjust: bool,
    needed: int,
) -> int:
    # How many subjects, each raised alone to the target's per-subject minimum, would let the
    # student reach the target. Raising to the minimum (6.5 for Tốt, 5.0 for Khá) never changes
    # the "at least 6 ≥ 8.0 / ≥ 6.5" count, so a student short on that count is never "held back
    # by one subject".
    minimum = TOT_MIN if target is Level.TOT else KHA_MIN
    count = 0
    for index, value in enumerate(scored):
        if value < minimum:
            raised = [*scored[:index], minimum, *scored[index + 1 :]]
            count += int(_classify(raised, comments, needed).at_least(target))
    if comment_subject_can_adjust:
        for index, passed in enumerate(comments):
            if not passed:
                raised_comments = [*comments[:index], True, *comments[index + 1 :]]
                count += int(_classify(scored, raised_comments, needed).at_least(target))
    return count


def learning_level(
    scored: Sequence[Decimal],
    comments: Sequence[bool],
    *,
    comment_subject_can_adjust: bool = True,
    individual_plan: bool = False,
) -> Level:
    """Learning result (kết quả học tập) for a term or the year, with the TT22 art. 9.3 adjustment.

    ``scored``: the averages (ĐTBmhk or ĐTBmcn) of the scored subjects; ``comments``: one result
    per comment subject, True = Đ. Exempt subjects are simply left out by the caller.

    Adjustment: if the level is two or more levels below Tốt or Khá only because of one single
    subject (exactly one subject which, raised alone to that level's minimum - 6.5, 5.0, or Đ -
    would reach it), the level is raised to the next level up. A one-level drop is never
    adjusted. ``comment_subject_can_adjust=False`` (a per-school-year setting) means a comment
    subject cannot be that single subject.

    ``individual_plan=True`` for a student assessed under an individual education plan: the
    "at least 6" counts are taken over the scored subjects actually assessed (``subjects_needed``).
    """
    scored, comments = _checked_subjects(scored, comments)
    needed = subjects_needed(len(scored), individual_plan=individual_plan)
    level = _classify(scored, comments, needed)
    for target in (Level.TOT, Level.KHA):
        if target.rank - level.rank >= 2 and (
            _single_subjects_holding_back(
                target, scored, comments, comment_subject_can_adjust=comment_subject_can_adjust,
                needed=needed,
            )
            == 1
        ):
            # Only ever one step: Tốt-but-for-one at Đạt → Khá, at Chưa đạt → Đạt; Khá-but-for-one
            # at Chưa đạt → Đạt. Both targets give the same answer when both apply.
            return _LEVEL_BY_RANK[level.rank + 1]
    return level


def plan_assesses_by_comments(*, commented: bool, mode: PlanMode | str | None) -> bool:
    """Is the subject assessed by comments (Đ / CĐ) for this student?

    ``commented``: the subject's own mode for the class; ``mode``: the individual plan's mode for
    this subject, None when the student has no plan or the plan leaves the subject as the class
    has it. (For an exempt subject the answer does not matter: it is not assessed.)
    """
    if mode is None or PlanMode(mode) is PlanMode.EXEMPT:
        return commented
    return PlanMode(mode) is PlanMode.COMMENTS


def assessed_under_plan(
    values: Mapping[object, Decimal | bool | None],
    modes: Mapping[object, PlanMode | str],
) -> tuple[list[Decimal], list[bool]] | None:
    """The subjects a plan actually assesses, as ``(scored, comments)`` for ``learning_level``.

    ``values`` maps each subject the student studies (by any key: code or id) to its term or year
    value - a Decimal average for a subject assessed by scores, a bool (True = Đ) for one assessed
    by comments, None while not yet complete; ``modes`` maps subjects to the plan's mode (a subject
    absent from it is assessed as its value says). Exempt subjects are left out whatever their
    value. None while an assessed subject has no value yet; a value of the wrong kind for its mode
    is a programming error (TypeError).
    """
    scored: list[Decimal] = []
    comments: list[bool] = []
    for key, value in values.items():
        mode = PlanMode(modes[key]) if key in modes else None
        if mode is PlanMode.EXEMPT:
            continue
        if value is None:
            return None
        if isinstance(value, bool):
            if mode is PlanMode.SCORES:
                raise TypeError(f"subject {key!r} is assessed by scores under the plan, not by comments")
            comments.append(value)
        else:
            if mode is PlanMode.COMMENTS:
                raise TypeError(f"subject {key!r} is assessed by comments under the plan, not by scores")
            scored.append(value)
    for key in modes:
        if key not in values:
            raise KeyError(f"the plan names subject {key!r}, which the student does not study")
    return scored, comments


def learning_level_under_plan(
    values: Mapping[object, Decimal | bool | None],
    modes: Mapping[object, PlanMode | str],
    *,
    comment_subject_can_adjust: bool = True,
) -> Level | None:
    """Learning result of a student assessed under an individual education plan (TT22 art. 11).

    Computed over the subjects actually assessed (``assessed_under_plan``) with the "at least 6"
    counts over those; None while a subject assessed has no value yet or when the plan exempts
    every subject (nothing to classify).
    """
    assessed = assessed_under_plan(values, modes)
    if assessed is None or assessed == ([], []):
        return None
    return learning_level(
        *assessed, comment_subject_can_adjust=comment_subject_can_adjust, individual_plan=True
    )


# --- conduct, titles, end of year ------------------------------------------------------------

# Year conduct from the two terms (TT22 art. 8.2, docs/assessment.md section 6): rows term I, columns
# term II, in the order Tốt, Khá, Đạt, Chưa đạt.
_CONDUCT_ORDER = (Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT)
_T, _K, _D, _C = _CONDUCT_ORDER
_CONDUCT_ROWS = (
    #        II: Tốt Khá Đạt  Chưa đạt
    (_T, (_T, _K, _K, _C)),
    (_K, (_T, _K, _D, _C)),
    (_D, (_K, _K, _D, _C)),
    (_C, (_K, _D, _D, _C)),
)
CONDUCT_YEAR_TABLE: Mapping[tuple[Level, Level], Level] = {
    (term1, term2): result
    for term1, row in _CONDUCT_ROWS
    for term2, result in zip(_CONDUCT_ORDER, row, strict=True)
}
del _T, _K, _D, _C


def conduct_year(term1: Level, term2: Level) -> Level:
    """Year conduct (kết quả rèn luyện cả năm) from the term I and term II results."""
    return CONDUCT_YEAR_TABLE[Level(term1), Level(term2)]


def title(
    learning: Level,
    conduct: Level,
    scored_year_averages: Sequence[Decimal],
    *,
    individual_plan: bool = False,
) -> Title | None:
    """End-of-year title: Xuất sắc, Giỏi, or None.

    Under an individual education plan the "at least 6 subjects ≥ 9.0" of Xuất sắc counts over the
    scored subjects assessed (``subjects_needed``); a student with no scored subject at all has
    nothing to be excellent in and is at most Giỏi.
    """
    if Level(learning) is not Level.TOT or Level(conduct) is not Level.TOT:
        return None
    averages = [_checked_score(value) for value in scored_year_averages]
    high = sum(1 for value in averages if value >= XUAT_SAC_HIGH)
    needed = subjects_needed(len(averages), individual_plan=individual_plan)
    return Title.XUAT_SAC if averages and high >= needed else Title.GIOI


def year_outcome(
    learning: Level,
    conduct: Level,
    absent_sessions: int,
    *,
    after_remedies: bool = False,
) -> Outcome:
    """End-of-year decision from the year learning and conduct levels and the sessions absent.

    Order (TT22 art. 12-14, docs/assessment.md section 8): more than 45 sessions absent (excused
    and unexcused together) repeats the grade whatever the levels, so it is checked first;
    then both levels Chưa đạt repeat (no summer remedy is offered for both at once); then
    conduct Chưa đạt → summer training; then learning Chưa đạt → re-test; else promoted.

    ``after_remedies=True`` decides again with the levels recomputed after the re-test or
    re-assessed after the summer training: anything still Chưa đạt then repeats the grade.
    """
    if absent_sessions < 0:
        raise RuleError(MSG_ABSENT_NEGATIVE)
    learning_passed = Level(learning).at_least(Level.DAT)
    conduct_passed = Level(conduct).at_least(Level.DAT)
    if absent_sessions > MAX_ABSENT_SESSIONS:
        return Outcome.REPEAT
    if learning_passed and conduct_passed:
        return Outcome.PROMOTED
    if after_remedies or not (learning_passed or conduct_passed):
        return Outcome.REPEAT
    if not conduct_passed:
        return Outcome.SUMMER_TRAINING
    return Outcome.RETEST


# --- grade 12: the end of upper secondary -------------------------------------------------------

FINAL_GRADE = 12  # the last grade of upper secondary (THPT)


@dataclass(frozen=True)
class Graduation:
    """What the end of grade 12 says beside promotion."""

    completes_programme: bool  # hoàn thành chương trình trung học phổ thông
    exam_eligible: bool  # đủ điều kiện dự thi tốt nghiệp trung học phổ thông


def graduation(*, grade: int, learning: Level, conduct: Level, absent_sessions: int) -> Graduation | None:
    """Grade 12's completion of the upper-secondary programme and eligibility for the graduation exam;
    None for the other grades.

    The year's learning and conduct (after the re-test or the summer training when there was one) both at
    least Đạt, and no more than 45 sessions absent (which would repeat the grade), complete the programme;
    a student who completes it may sit the graduation exam (the exam regulation's further conditions, a
    ban for discipline, are not assessment data).
    """
    if not 1 <= grade <= FINAL_GRADE:
        raise ValueError(grade)
    if absent_sessions < 0:
        raise RuleError(MSG_ABSENT_NEGATIVE)
    if grade != FINAL_GRADE:
        return None
    completes = (Level(learning).at_least(Level.DAT) and Level(conduct).at_least(Level.DAT)
                 and absent_sessions <= MAX_ABSENT_SESSIONS)
    return Graduation(completes_programme=completes, exam_eligible=completes)
