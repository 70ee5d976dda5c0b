"""How each student's school year ended, as the year rollover reads it: from the year's results.

No permission is checked here: the caller (the rollover's services, gradebook.api) does.
"""

from dataclasses import dataclass

from gradebook.results.compute import load_class, year_results
from gradebook.rules.rollover import YearOutcome
from gradebook.rules.tt22 import Outcome
from schoolrecords import models as sm

_FROM_RESULTS = {
    Outcome.PROMOTED: YearOutcome.PROMOTED,
    Outcome.REPEAT: YearOutcome.REPEATS,
    Outcome.RETEST: YearOutcome.PENDING_RETEST,
    Outcome.SUMMER_TRAINING: YearOutcome.PENDING_SUMMER,
}
_ENDED = {
    sm.Enrolment.Status.TRANSFERRED_OUT: YearOutcome.TRANSFERRED,
    sm.Enrolment.Status.DROPPED: YearOutcome.LEFT,
}


@dataclass(frozen=True)
class StudentOutcome:
    enrolment_id: int
    student_id: int
    code: str
    full_name: str
    class_id: int
    class_name: str
    grade: int
    outcome: YearOutcome


def year_outcomes(year: sm.SchoolYear) -> list[StudentOutcome]:
    """One row per enrolment of the year: how it ended (left, transferred) or the year's decision.

    The decision is the one after the summer remedies once they are entered; a re-test or summer
    training without its result, and results not yet complete, are pending. Twelve queries per
    class (gradebook.results.compute.load_class), whatever the number of students. A place left by a
    class change is no row: the student's year goes on, and ends, in the class they moved to.
    """
    rows = []
    for school_class in sm.SchoolClass.objects.filter(year=year).select_related("year").order_by("grade", "name"):
        data = load_class(school_class)
        results = {row.enrolment.pk: row for row in year_results(data).rows}
        for enrolment in data.enrolments:
            if enrolment.status == sm.Enrolment.Status.CLASS_CHANGED:
                continue
            rows.append(StudentOutcome(
                enrolment_id=enrolment.pk, student_id=enrolment.student_id, code=enrolment.student.code,
                full_name=enrolment.student.full_name, class_id=school_class.pk, class_name=school_class.name,
                grade=school_class.grade, outcome=_outcome(enrolment, results.get(enrolment.pk)),
            ))
    return rows


def _outcome(enrolment: sm.Enrolment, result) -> YearOutcome:
    if enrolment.status in _ENDED:
        return _ENDED[enrolment.status]
    if result is None or result.final_outcome is None:
        return YearOutcome.PENDING_RESULTS
    return _FROM_RESULTS[result.final_outcome]
