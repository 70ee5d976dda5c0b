"""Grade 12 (issue 14, item 5): completing the upper-secondary programme and eligibility for the graduation
exam, the pure rule (gradebook.rules.tt22.graduation)."""

import pytest

from gradebook.rules.tt22 import Graduation, Level, graduation
from schoolrecords.purei18n import RuleError

T, K, D, C = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT


@pytest.mark.parametrize(
    ("learning", "conduct", "absent", "completes"),
    [
        (T, T, 0, True),
        (D, D, 0, True),  # the floor: Đạt and Đạt
        (K, D, 12, True),
        (C, T, 0, False),  # learning Chưa đạt (after the re-test)
        (T, C, 0, False),  # conduct Chưa đạt (after the summer training)
        (C, C, 0, False),
        (T, T, 45, True),  # 45 sessions absent still completes
        (T, T, 46, False),  # 46 repeats the grade
    ],
)
def test_grade_12_completes_and_may_sit_the_exam_with_learning_and_conduct_at_least_dat(learning, conduct, absent,
                                                                                      completes):
    assert graduation(grade=12, learning=learning, conduct=conduct, absent_sessions=absent) == Graduation(
        completes_programme=completes, exam_eligible=completes)


@pytest.mark.parametrize("grade", [6, 9, 10, 11])
def test_the_other_grades_have_no_graduation(grade):
    assert graduation(grade=grade, learning=T, conduct=T, absent_sessions=0) is None


def test_the_levels_may_be_given_as_their_stored_strings():
    assert graduation(grade=12, learning="dat", conduct="kha", absent_sessions=0).exam_eligible


@pytest.mark.parametrize("grade", [0, 13])
def test_a_grade_outside_1_to_12_is_refused(grade):
    with pytest.raises(ValueError):
        graduation(grade=grade, learning=T, conduct=T, absent_sessions=0)


def test_negative_absences_are_refused():
    with pytest.raises(RuleError):
        graduation(grade=12, learning=T, conduct=T, absent_sessions=-1)
