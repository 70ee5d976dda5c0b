"""Tests of gradebook/rules/rollover.py, the year rollover planner; pure: no database."""

import subprocess
import sys
from pathlib import Path

import pytest

from gradebook.rules import rollover as r
from gradebook.rules.rollover import ClassIn, MoveKind, NewClass, StudentIn, YearOutcome, plan, successor_name

ROOT = Path(__file__).resolve().parent.parent.parent
LOWER = {"first_grade": 6, "final_grade": 9}
CLASSES = [ClassIn("6A1", 6), ClassIn("6A2", 6), ClassIn("7A1", 7), ClassIn("8A1", 8), ClassIn("9A1", 9)]


def student(code: str, class_name: str, outcome: YearOutcome, name: str = "") -> StudentIn:
    return StudentIn(code=code, name=name or f"Học sinh {code}", class_name=class_name, outcome=outcome)


def moves_by_code(result: r.Plan) -> dict[str, tuple[MoveKind, str | None, YearOutcome]]:
    return {move.code: (move.kind, move.to_class, move.outcome) for move in result.moves}


# --- naming -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "grade", "new_grade", "expected"), [
    ("6A1", 6, 7, "7A1"),
    ("6A12", 6, 7, "7A12"),
    ("9A3", 9, 10, "10A3"),
    ("10A2", 10, 11, "11A2"),
    ("11CB", 11, 12, "12CB"),
    ("1A", 1, 2, "2A"),
    ("6.1", 6, 7, "7.1"),
    ("6-A", 6, 7, "7-A"),
    ("A1", 6, 7, None),  # no leading grade
    ("7A1", 6, 7, None),  # another grade's number
    ("61", 6, 7, None),  # "61" would be read as grade 61
    ("6", 6, 7, None),  # nothing but the number
    ("16A", 1, 2, None),
])
def test_a_successor_replaces_the_leading_grade_number(name, grade, new_grade, expected):
    assert successor_name(name, grade, new_grade) == expected


# --- classes ------------------------------------------------------------------------------------


def test_every_class_below_the_final_grade_gets_its_successor_and_the_first_grade_starts_again():
    result = plan(classes=CLASSES, students=[], **LOWER)
    assert result.ok
    assert result.classes == (
        NewClass("6A1", 6, None), NewClass("6A2", 6, None),
        NewClass("7A1", 7, "6A1"), NewClass("7A2", 7, "6A2"),
        NewClass("8A1", 8, "7A1"), NewClass("9A1", 9, "8A1"),
    )


def test_the_final_grade_has_no_successor():
    result = plan(classes=[ClassIn("9A1", 9), ClassIn("9A2", 9)], students=[], **LOWER)
    assert result.ok
    assert result.classes == ()


def test_primary_and_upper_secondary_use_their_own_grades():
    primary = plan(classes=[ClassIn("1A", 1), ClassIn("4B", 4), ClassIn("5A", 5)], students=[
        student("P1", "5A", YearOutcome.PROMOTED), student("P2", "4B", YearOutcome.COMPLETED)],
        first_grade=1, final_grade=5)
    assert [(c.name, c.grade) for c in primary.classes] == [("1A", 1), ("2A", 2), ("5B", 5)]
    assert moves_by_code(primary) == {
        "P2": (MoveKind.NEXT_GRADE, "5B", YearOutcome.COMPLETED),  # completing grade 4 moves up
        "P1": (MoveKind.COMPLETED, None, YearOutcome.COMPLETED),  # grade 5: the primary programme
    }
    upper = plan(classes=[ClassIn("10A1", 10), ClassIn("12A1", 12)], students=[
        student("U1", "10A1", YearOutcome.PROMOTED), student("U2", "12A1", YearOutcome.PROMOTED)],
        first_grade=10, final_grade=12)
    assert [(c.name, c.grade) for c in upper.classes] == [("10A1", 10), ("11A1", 11)]
    assert moves_by_code(upper)["U2"] == (MoveKind.COMPLETED, None, YearOutcome.COMPLETED)


# --- students -------------------------------------------------------------------------------------


def test_each_outcome_has_its_move():
    students = [
        student("S1", "6A1", YearOutcome.PROMOTED),
        student("S2", "6A1", YearOutcome.REPEATS),
        student("S3", "7A1", YearOutcome.PENDING_RETEST),
        student("S4", "7A1", YearOutcome.PENDING_SUMMER),
        student("S5", "8A1", YearOutcome.PENDING_RESULTS),
        student("S6", "8A1", YearOutcome.LEFT),
        student("S7", "6A2", YearOutcome.TRANSFERRED),
        student("S8", "9A1", YearOutcome.PROMOTED),
        student("S9", "9A1", YearOutcome.REPEATS),
        student("S10", "9A1", YearOutcome.COMPLETED),
    ]
    result = plan(classes=CLASSES, students=students, **LOWER)
    assert result.ok
    assert moves_by_code(result) == {
        "S1": (MoveKind.NEXT_GRADE, "7A1", YearOutcome.PROMOTED),
        "S2": (MoveKind.SAME_GRADE, "6A1", YearOutcome.REPEATS),
        "S7": (MoveKind.NOT_CARRIED, None, YearOutcome.TRANSFERRED),
        "S3": (MoveKind.SAME_GRADE, "7A1", YearOutcome.PENDING_RETEST),
        "S4": (MoveKind.SAME_GRADE, "7A1", YearOutcome.PENDING_SUMMER),
        "S5": (MoveKind.SAME_GRADE, "8A1", YearOutcome.PENDING_RESULTS),
        "S6": (MoveKind.NOT_CARRIED, None, YearOutcome.LEFT),
        "S8": (MoveKind.COMPLETED, None, YearOutcome.COMPLETED),
        "S9": (MoveKind.SAME_GRADE, "9A1", YearOutcome.REPEATS),
        "S10": (MoveKind.COMPLETED, None, YearOutcome.COMPLETED),
    }
    assert [move.code for move in result.decisions] == ["S3", "S4", "S5"]
    assert result.counts() == {MoveKind.NEXT_GRADE: 1, MoveKind.SAME_GRADE: 5, MoveKind.COMPLETED: 2,
                               MoveKind.NOT_CARRIED: 2}
    # A repeater of 7A1 sits with the promoted of 6A1 in the new 7A1.
    assert {move.code for move in result.placed_in("7A1")} == {"S1", "S3", "S4"}


def test_a_repeater_of_a_grade_without_a_successor_gets_a_class_of_the_same_name():
    result = plan(classes=[ClassIn("6A1", 6), ClassIn("7A5", 7)],
                  students=[student("S1", "7A5", YearOutcome.REPEATS)], **LOWER)
    assert result.ok
    assert NewClass("7A5", 7, None) in result.classes
    assert moves_by_code(result)["S1"] == (MoveKind.SAME_GRADE, "7A5", YearOutcome.REPEATS)


def test_the_final_grade_repeaters_keep_their_class_name():
    result = plan(classes=[ClassIn("9A2", 9)], students=[student("S1", "9A2", YearOutcome.REPEATS)], **LOWER)
    assert result.classes == (NewClass("9A2", 9, None),)


def test_a_student_who_left_but_studies_in_another_class_is_moved_by_that_class():
    result = plan(classes=CLASSES, students=[student("S1", "6A1", YearOutcome.TRANSFERRED),
                                             student("S1", "6A2", YearOutcome.PROMOTED)], **LOWER)
    assert result.ok
    assert moves_by_code(result) == {"S1": (MoveKind.NEXT_GRADE, "7A2", YearOutcome.PROMOTED)}


def test_nobody_is_placed_twice_and_the_plan_says_so():
    result = plan(classes=CLASSES, students=[student("S1", "6A1", YearOutcome.PROMOTED, "Lê Văn An"),
                                             student("S1", "6A2", YearOutcome.PROMOTED, "Lê Văn An")], **LOWER)
    assert not result.ok
    assert result.errors == (r.Problem(r.MSG_PLACED_TWICE, {"name": "Lê Văn An", "code": "S1",
                                                            "classes": "6A1, 6A2"}),)
    assert len(result.moves) == 1


# --- refusals -------------------------------------------------------------------------------------


def test_a_target_year_with_classes_is_refused():
    result = plan(classes=CLASSES, students=[], target_year="2026-2027", target_has_classes=True, **LOWER)
    assert result.errors == (r.Problem(r.MSG_TARGET_HAS_CLASSES, {"year": "2026-2027"}),)


def test_a_class_name_off_the_pattern_is_an_error_and_its_students_are_not_placed():
    result = plan(classes=[ClassIn("A1", 6)], students=[student("S1", "A1", YearOutcome.PROMOTED)], **LOWER)
    assert result.errors == (r.Problem(r.MSG_NAME_PATTERN, {"name": "A1", "grade": 6}),)
    assert moves_by_code(result)["S1"] == (MoveKind.NEXT_GRADE, None, YearOutcome.PROMOTED)


def test_a_class_outside_the_schools_grades_is_an_error():
    result = plan(classes=[ClassIn("5A", 5)], students=[], **LOWER)
    assert result.errors == (r.Problem(r.MSG_GRADE_OUTSIDE, {"name": "5A", "grade": 5, "first": 6, "final": 9}),)


def test_a_student_of_an_unknown_class_is_an_error():
    result = plan(classes=CLASSES, students=[student("S1", "6Z", YearOutcome.PROMOTED)], **LOWER)
    assert [error.message for error in result.errors] == [r.MSG_UNKNOWN_CLASS]
    assert result.moves == ()


def test_a_repeaters_class_is_the_successor_of_the_class_below():
    result = plan(classes=[ClassIn("7B", 7), ClassIn("8B", 8)], students=[
        student("S1", "8B", YearOutcome.REPEATS), student("S2", "7B", YearOutcome.PROMOTED)], **LOWER)
    assert result.ok
    assert result.classes == (NewClass("8B", 8, "7B"), NewClass("9B", 9, "8B"))
    assert {move.code for move in result.placed_in("8B")} == {"S1", "S2"}


def test_every_message_reads_in_vietnamese():
    from schoolrecords.purei18n import vietnamese

    for message in (r.MSG_TARGET_HAS_CLASSES, r.MSG_PLACED_TWICE, r.MSG_NAME_PATTERN, r.MSG_GRADE_OUTSIDE,
                    r.MSG_UNKNOWN_CLASS):
        assert vietnamese(message) != message


def test_the_module_imports_without_django():
    code = "import sys; sys.modules['django'] = None\nimport gradebook.rules.rollover as m; print(m.MoveKind.COMPLETED)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "completed"
