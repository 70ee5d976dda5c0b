"""Which grades each school level teaches and which assessment rules each grade follows (pure).

Primary (tiểu học) is grades 1-5 under TT27; lower secondary (THCS) 6-9 and upper secondary (THPT)
10-12 under TT22. A school year records its rule set; the grades a year may hold follow from it.
"""

from schoolrecords.purei18n import gettext_noop

PRIMARY = "primary"
LOWER_SECONDARY = "lower_secondary"
UPPER_SECONDARY = "upper_secondary"

TT22 = "TT22"
TT27 = "TT27"

GRADES_OF_LEVEL: dict[str, tuple[int, ...]] = {
    PRIMARY: (1, 2, 3, 4, 5),
    LOWER_SECONDARY: (6, 7, 8, 9),
    UPPER_SECONDARY: (10, 11, 12),
}
RULE_SET_OF_LEVEL: dict[str, str] = {PRIMARY: TT27, LOWER_SECONDARY: TT22, UPPER_SECONDARY: TT22}
# The ages (at the start of the year) a student of each level may have: first graders are 6, late
# starters, repeaters and students with disabilities older.
AGES_OF_LEVEL: dict[str, tuple[int, int]] = {PRIMARY: (5, 18), LOWER_SECONDARY: (9, 25), UPPER_SECONDARY: (9, 25)}
FINAL_GRADE_OF_LEVEL: dict[str, int] = {level: grades[-1] for level, grades in GRADES_OF_LEVEL.items()}

MSG_RULE_SET_OF_SCHOOL = gettext_noop(
    "A %(level)s follows %(rule_set)s: choose that rule set for its school years."
)
MSG_GRADE_OF_RULE_SET = gettext_noop(
    "Grade %(grade)s does not follow %(rule_set)s: grades 1 to 5 follow TT27, grades 6 to 12 follow TT22."
)
MSG_MODE_OF_PRIMARY = gettext_noop(
    "A primary school's subjects are assessed by levels (T / H / C): choose that assessment."
)
MSG_MODE_OF_SECONDARY = gettext_noop(
    "Levels (T / H / C) are for primary schools: choose scores or comments for a secondary subject."
)
MSG_GRADE_OF_SCHOOL = gettext_noop("Grade %(grade)s is not taught at this school (grades %(first)s to %(last)s).")


def rule_set_for_grade(grade: int) -> str:
    """TT27 for grades 1-5, TT22 for grades 6-12."""
    if not 1 <= grade <= 12:
        raise ValueError(grade)
    return TT27 if grade <= 5 else TT22


def grades_of(level: str) -> tuple[int, ...]:
    """The grades a school of this level teaches."""
    return GRADES_OF_LEVEL[level]


def grade_fits(*, level: str, rule_set: str, grade: int) -> str | None:
    """None when a class of ``grade`` may exist in a ``rule_set`` year of a ``level`` school, else why not.

    The answer is an untranslated message with %-placeholders (gettext it, then fill in ``params``
    from ``grade_params``).
    """
    if grade not in GRADES_OF_LEVEL[level]:
        return MSG_GRADE_OF_SCHOOL
    if rule_set_for_grade(grade) != rule_set:
        return MSG_GRADE_OF_RULE_SET
    return None


def grade_params(*, level: str, rule_set: str, grade: int) -> dict:
    grades = GRADES_OF_LEVEL[level]
    return {"grade": grade, "rule_set": rule_set, "first": grades[0], "last": grades[-1]}


def rule_set_fits(*, level: str, rule_set: str) -> bool:
    """Does a school of ``level`` use ``rule_set`` for its years (primary: TT27; secondary: TT22)?"""
    return RULE_SET_OF_LEVEL[level] == rule_set


def mode_fits(*, level: str, leveled: bool) -> str | None:
    """None when a subject assessed by levels (``leveled``) or not fits a school of ``level``, else why not."""
    if level == PRIMARY and not leveled:
        return MSG_MODE_OF_PRIMARY
    if level != PRIMARY and leveled:
        return MSG_MODE_OF_SECONDARY
    return None
