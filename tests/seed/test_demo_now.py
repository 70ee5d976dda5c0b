"""This year's work up to today (seed.termwork): what the demo's teachers have entered by the demo's day.

The test database's demo has this year's classes and students but no entry of this year (the other
tests type into its cells); these tests enter the work on the fixed clocks of tests/seed/test_demo_year
(September, December, March of the demo's year) inside the test's transaction.
"""

import datetime

import pytest
from django.db import transaction

from gradebook.models import MonthlyAbsence, Score
from seed import demo as demo_module
from seed import termwork

pytestmark = pytest.mark.django_db

CALENDAR = demo_module.demo_year()
SEPTEMBER, DECEMBER, MARCH = CALENDAR.on(9, 20), CALENDAR.on(12, 3), CALENDAR.on(3, 10)


def enter(demo, today):
    return termwork.enter_so_far(year=demo.year, today=today, reason=demo_module.REASON)


def filled(demo, class_name: str, subject: str, term: int) -> dict[str, int]:
    """{slot key: how many students have it filled} of one class's subject and term."""
    counts: dict[str, int] = {}
    for score in Score.objects.filter(enrolment__school_class=demo.school_class(class_name), subject__code=subject,
                                      term__number=term, term__year=demo.year):
        if score.value is not None or score.comment_passed is not None:
            key = f"{score.kind}{score.index}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_first_weeks_of_september_have_nothing_entered(demo):
    assert enter(demo, SEPTEMBER) == {}
    assert not Score.objects.filter(term__year=demo.year).exists()


def test_early_december_has_three_of_four_regular_scores_and_the_mid_term(demo):
    written = enter(demo, DECEMBER)
    assert written["gradebook.Score"] > 0 and written["gradebook.MonthlyAbsence"] > 0
    # Toán (140 periods): four regular columns; the fourth falls in the first days of December.
    assert filled(demo, "6A1", "toan", 1) == {"tx1": 40, "tx2": 40, "tx3": 40, "gk1": 40}
    assert filled(demo, "9A2", "toan", 1).keys() == {"tx1", "tx2", "tx3", "gk1"}
    # A comment subject has its levels (Đ / CĐ) on the same dates, no score.
    music = Score.objects.filter(enrolment__school_class=demo.school_class("6A1"), subject__code="amnhac",
                                 term__year=demo.year)
    assert music.exists() and not music.filter(value__isnull=False).exists()
    assert not music.filter(comment_passed__isnull=True).exists()
    assert not Score.objects.filter(term__year=demo.year, term__number=2).exists()
    # Absences of September to November, none of December (not over).
    months = set(MonthlyAbsence.objects.filter(enrolment__school_class__year=demo.year)
                 .values_list("year", "month"))
    assert months == {CALENDAR.month(9), CALENDAR.month(10), CALENDAR.month(11)}


def test_each_score_is_entered_by_the_teacher_on_its_day_with_the_reason(demo):
    enter(demo, DECEMBER)
    score = Score.objects.filter(enrolment__school_class=demo.school_class("6A1"), subject__code="toan",
                                 term__year=demo.year, kind="tx", index=1).first()
    record = score.history.get()
    assert record.history_user.username == "teacher_math" == score.updated_by.username
    assert record.history_change_reason == demo_module.REASON
    assert CALENDAR.start_date < score.updated_at.date() <= DECEMBER
    assert score.entered_at == score.updated_at and score.version == 1
    absence = MonthlyAbsence.objects.filter(enrolment__school_class=demo.school_class("6A1")).first()
    assert absence.updated_by.username == "homeroom_6a1"
    assert absence.history.get().history_change_reason == demo_module.REASON


def test_in_march_term_one_is_complete_and_term_two_has_what_has_come_due(demo):
    enter(demo, MARCH)
    assert filled(demo, "6A1", "toan", 1) == {key: 40 for key in ("tx1", "tx2", "tx3", "tx4", "gk1", "ck1")}
    assert filled(demo, "6A1", "gdtc", 1) == {key: 40 for key in ("tx1", "tx2", "tx3", "gk1", "ck1")}
    # Term II: two regular columns by 10 March; the newcomer who left on 16 February has the first only.
    term2 = filled(demo, "6A1", "toan", 2)
    assert term2 == {"tx1": 40, "tx2": 39}
    left = demo.newcomer("6A1", 40)
    assert set(Score.objects.filter(enrolment__student=left, subject__code="toan", term__number=2,
                                    term__year=demo.year).values_list("kind", "index")) == {("tx", 1)}


def values(demo) -> dict[tuple, tuple]:
    return {(row["enrolment_id"], row["subject_id"], row["term_id"], row["kind"], row["index"]):
            (row["value"], row["comment_passed"])
            for row in Score.objects.filter(term__year=demo.year).values(
                "enrolment_id", "subject_id", "term_id", "kind", "index", "value", "comment_passed")}


def test_again_the_same_day_changes_nothing_and_a_later_day_only_adds_the_same_values(demo):
    with transaction.atomic():
        enter(demo, MARCH)
        direct = values(demo)
        transaction.set_rollback(True)
    enter(demo, DECEMBER)
    before = (Score.objects.count(), Score.history.count(), MonthlyAbsence.objects.count())
    assert enter(demo, DECEMBER) == {}
    assert (Score.objects.count(), Score.history.count(), MonthlyAbsence.objects.count()) == before
    enter(demo, MARCH)
    assert values(demo) == direct and len(direct) > 10_000


def test_a_score_someone_entered_is_kept(demo):
    from gradebook.scores.services import CellInput, scores_save

    enrolment = demo.school_class("6A1").enrolments.order_by("pk").first()
    saved = scores_save(session="test-session", actor=demo.user("teacher_math"),
                        assignment=demo.assignment("6A1", "toan"), term=demo.year.terms.get(number=1),
                        cells=[CellInput(enrolment.pk, "tx", 1, "4.5")])
    assert saved.ok
    enter(demo, DECEMBER + datetime.timedelta(days=10))
    kept = Score.objects.get(enrolment=enrolment, subject__code="toan", term__number=1, term__year=demo.year,
                             kind="tx", index=1)
    assert kept.value == 4.5 and kept.updated_by.username == "teacher_math" and kept.history.count() == 1


def test_a_month_taken_by_the_daily_roll_call_is_left_to_it(demo):
    from gradebook.homeroom.services import rollcall_save

    school_class = demo.school_class("6A1")
    rollcall_save(actor=demo.user("homeroom_6a1"), school_class=school_class, day=CALENDAR.on(10, 14, 2), marks={},
                  reason="test", today=DECEMBER)
    enter(demo, DECEMBER)
    calendar_year, month = CALENDAR.month(10)
    seeded = MonthlyAbsence.history.filter(enrolment__school_class=school_class, history_change_reason=demo_module.REASON)
    assert seeded.exists()
    assert not seeded.filter(year=calendar_year, month=month).exists()
