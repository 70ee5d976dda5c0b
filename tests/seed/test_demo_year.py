"""The demo lives in the school year that contains today, with last year rolled over into it.

The clock is driven through seed.demo's one date function (``build_demo_school(today=…)``). The
test database's demo was built on today's clock (tests/conftest.py): a September, December or
March of the same school year finds it complete and changes nothing; the July after rolls it
forward once, through the real rollover.
"""

import datetime

import pytest

from gradebook.models import ResultApproval, Score
from gradebook.results.outcomes import year_outcomes
from gradebook.rollover import services as rollover
from gradebook.rules.rollover import MoveKind, YearOutcome
from schoolrecords import models as m
from seed import demo as demo_module
from seed import primary, upper


@pytest.mark.parametrize(("today", "name"), [
    (datetime.date(2026, 9, 1), "2026-2027"),  # September, before the year's first day: already the new year
    (datetime.date(2026, 9, 20), "2026-2027"),
    (datetime.date(2026, 12, 3), "2026-2027"),
    (datetime.date(2027, 3, 10), "2026-2027"),
    (datetime.date(2027, 5, 31), "2026-2027"),  # the year's last day
    (datetime.date(2027, 6, 1), "2027-2028"),  # the summer belongs to the coming year
    (datetime.date(2027, 7, 15), "2027-2028"),
    (datetime.date(2028, 1, 1), "2027-2028"),
])
def test_the_demo_year_is_the_school_year_containing_the_day(today, name):
    year = demo_module.demo_year(today)
    assert year.name == name
    assert year.start_date == datetime.date(int(name[:4]), 9, 5)
    assert year.end_date == datetime.date(int(name[5:]), 5, 31)
    assert year.previous.name == f"{int(name[:4]) - 1}-{name[:4]}"
    (term1_start, term1_end), (term2_start, term2_end) = year.term_dates
    assert year.start_date == term1_start < term1_end < term2_start < term2_end <= year.end_date


def test_a_day_in_term_i_is_in_the_demo_year_and_term_i():
    year = demo_module.demo_year(datetime.date(2026, 12, 3))
    (start, end), _term2 = year.term_dates
    assert start <= datetime.date(2026, 12, 3) <= end


def clocks() -> dict[str, datetime.date]:
    """September, December and March of the demo's school year, and the July after it."""
    first = demo_module.demo_year().first
    return {"september": datetime.date(first, 9, 20), "december": datetime.date(first, 12, 3),
            "march": datetime.date(first + 1, 3, 10), "july": datetime.date(first + 1, 7, 10)}


def snapshot() -> tuple[int, ...]:
    models = (m.SchoolYear, m.SchoolClass, m.Student, m.Enrolment, m.TeachingAssignment, m.StaffProfile, Score,
              ResultApproval)
    return tuple(model.objects.count() for model in models) + tuple(
        model.history.count() for model in (m.SchoolYear, m.SchoolClass, m.Student, m.Enrolment,
                                            m.TeachingAssignment, Score))


@pytest.mark.django_db
@pytest.mark.parametrize("clock", ["september", "december", "march"])
def test_any_day_of_the_same_school_year_changes_nothing(demo, clock):
    before = snapshot()
    built = demo_module.build_demo_school(today=clocks()[clock])
    assert built["year"] == demo.year and built["previous"] == demo.previous
    assert snapshot() == before


@pytest.mark.django_db
def test_the_demo_has_two_years_the_last_one_closed_the_current_one_made_by_the_rollover(demo):
    assert demo.year.is_current and not demo.previous.is_current
    assert demo.year.name == demo_module.current_year_name()
    assert demo.year.start_date == demo_module.demo_year().start_date
    # Last year: every score of both terms, and every class's terms and year approved.
    last = list(m.SchoolClass.objects.filter(year=demo.previous))
    assert len(last) == 8
    assert ResultApproval.objects.filter(school_class__in=last).count() == 3 * len(last)
    assert Score.objects.filter(term__year=demo.previous).count() > 30_000
    assert not Score.objects.filter(term__year=demo.year).exists()  # term I in progress: nothing entered yet
    # This year's enrolments of last year's students were written by the rollover, as the board.
    promoted = m.Enrolment.objects.filter(school_class__year=demo.year, school_class__grade=7).first()
    record = m.Enrolment.history.filter(id=promoted.pk).earliest("history_date")
    assert record.history_user.username == "board"
    assert record.history_change_reason == demo_module.ROLLOVER_REASON
    # The teachers teach the same classes as every year; nothing is left to confirm.
    assert demo.assignment("7A1", "toan").teacher.username == "teacher_math"
    assert demo.assignment("9A1", "toan").teacher.username == "head_math"
    assert not m.TeachingAssignment.objects.filter(year=demo.year, state=m.TeachingAssignment.State.DRAFT).exists()
    assert not m.SchoolClass.objects.filter(year=demo.year, draft_homeroom_teacher__isnull=False).exists()
    # Grade 6 is new: forty newcomers in each class, the last of whom moves away on 16 February.
    left = m.Enrolment.objects.get(school_class__year=demo.year, student=demo.newcomer("6A1", 40))
    assert left.status == m.Enrolment.Status.TRANSFERRED_OUT
    assert left.end_date == demo_module.demo_year().on(2, 16)


@pytest.mark.django_db
def test_the_rollover_preview_of_last_year_has_every_student_decided(demo):
    seen = rollover.preview(actor=demo.user("board"), from_year=demo.previous, to_year=demo.year.name)
    outcomes = {row.move.outcome for row in seen.rows}
    assert YearOutcome.PROMOTED in outcomes and YearOutcome.REPEATS in outcomes
    assert YearOutcome.TRANSFERRED in outcomes and YearOutcome.COMPLETED in outcomes
    assert not seen.decisions  # every re-test and summer re-assessment was entered, so the rules decided
    assert seen.errors  # the year it goes into exists with its classes: it was made from this plan
    # What the plan says is what the current year holds.
    placed = dict(m.Enrolment.objects.filter(school_class__year=demo.year)
                  .values_list("student__code", "school_class__name"))
    for row in seen.rows:
        if row.move.kind in (MoveKind.NEXT_GRADE, MoveKind.SAME_GRADE):
            assert placed[row.move.code] == row.move.to_class
        else:
            assert row.move.code not in placed
    repeaters = [row for row in seen.rows if row.move.outcome is YearOutcome.REPEATS]
    assert 1 <= len(repeaters) <= 12  # a handful


@pytest.mark.django_db
def test_the_july_after_rolls_the_demo_forward_once_and_a_later_day_changes_nothing(demo):
    july = clocks()["july"]
    built = demo_module.build_demo_school(today=july)
    new = built["year"]
    assert new.name == demo_module.demo_year(july).name == demo_module.demo_year().next.name
    assert new.is_current and built["previous"] == demo.year
    demo.year.refresh_from_db()
    assert not demo.year.is_current
    # The year that was current is closed now, and the rollover placed its students by their outcomes.
    outcomes = year_outcomes(demo.year)
    assert not [row for row in outcomes if row.outcome.pending]
    classes = list(m.SchoolClass.objects.filter(year=demo.year))
    assert ResultApproval.objects.filter(school_class__in=classes, term__isnull=True).count() == len(classes)
    promoted = next(row for row in outcomes if row.outcome is YearOutcome.PROMOTED and row.grade == 6)
    assert m.Enrolment.objects.get(school_class__year=new, student_id=promoted.student_id).school_class.grade == 7
    assert m.Enrolment.objects.filter(school_class__year=new, student=demo.newcomer("6A1", 1)).exists()
    assert m.Enrolment.objects.filter(school_class__year=new, school_class__grade=6).count() >= 80  # newcomers
    before = snapshot()
    demo_module.build_demo_school(today=july + datetime.timedelta(days=1))
    demo_module.build_demo_school(today=july + datetime.timedelta(days=120))
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("clock", ["september", "december", "march", "july"])
def test_the_primary_and_upper_demos_live_in_the_same_school_year_on_any_clock(clock):
    """All three demo schools agree on the school year of a day: the one running, or in the summer the coming one."""
    today = clocks()[clock]
    calendar = demo_module.demo_year(today)
    for built in (primary.build_primary_school(primary.PrimarySize(classes_per_grade=1, students_per_class=1),
                                               today=today),
                  upper.build_upper_school(students_per_class=1, today=today)):
        year = built["year"]
        assert (year.name, year.start_date, year.end_date, year.is_current) == (
            calendar.name, calendar.start_date, calendar.end_date, True)
        terms = {t.number: t for t in year.terms.all()}
        assert [(terms[1].start_date, terms[1].end_date), (terms[2].start_date, terms[2].end_date)] == list(
            calendar.term_dates)
        running = [number for number, term in terms.items() if term.start_date <= today <= term.end_date]
        assert running == {"september": [1], "december": [1], "march": [2], "july": []}[clock]
        if clock == "july":  # the summer: the coming year, nothing assessed in it yet
            assert today < year.start_date
