"""The daily roll-call's pure rules (gradebook/rules/rollcall.py), tested with tables of examples and no database."""

import datetime
from types import SimpleNamespace

import pytest

from gradebook.rules import rollcall as rules

D = datetime.date
TERMS = [SimpleNamespace(number=1, start_date=D(2025, 9, 5), end_date=D(2026, 1, 10)),
         SimpleNamespace(number=2, start_date=D(2026, 1, 12), end_date=D(2026, 5, 25))]


@pytest.mark.parametrize(("typed", "stored"), [("p", "P"), (" K ", "K"), ("", ""), ("  ", ""), ("X", None),
                                               ("PK", None)])
def test_a_typed_mark_is_stored_in_capitals_or_refused(typed, stored):
    assert rules.normal_mark(typed) == stored


@pytest.mark.parametrize(("day", "message"), [
    (D(2025, 10, 1), None),  # a Wednesday in term I
    (D(2025, 10, 4), None),  # a Saturday may be marked
    (D(2025, 10, 5), rules.MSG_SUNDAY),
    (D(2026, 1, 11), rules.MSG_SUNDAY),  # between the terms, and a Sunday: the Sunday is said first
    (D(2026, 5, 27), rules.MSG_OUTSIDE_TERMS),
    (D(2026, 12, 2), rules.MSG_FUTURE),
])
def test_which_days_the_roll_call_covers(day, message):
    refusal = rules.day_refusal(day, today=D(2026, 12, 1), terms=TERMS)
    assert (refusal.message if refusal else None) == message


@pytest.mark.parametrize(("start", "end", "day", "message"), [
    (D(2025, 9, 5), None, D(2025, 10, 1), None),
    (D(2025, 10, 2), None, D(2025, 10, 1), rules.MSG_BEFORE_ENROLMENT),
    (D(2025, 9, 5), D(2026, 2, 16), D(2026, 2, 16), None),  # the last day in the class is theirs
    (D(2025, 9, 5), D(2026, 2, 16), D(2026, 2, 17), rules.MSG_AFTER_LEAVING),
])
def test_a_students_days_are_those_they_were_in_the_class(start, end, day, message):
    refusal = rules.student_refusal(day, SimpleNamespace(start_date=start, end_date=end), "An")
    assert (refusal.message if refusal else None) == message


def test_the_months_totals_count_p_and_k():
    assert rules.totals(["P", "K", "P", "P"]) == (3, 1)
    assert rules.totals([]) == (0, 0)


def test_the_days_to_check_are_the_school_days_of_the_terms_up_to_today():
    assert len(rules.days_to_check((2025, 10), terms=TERMS, today=D(2025, 11, 1))) == 23
    assert rules.days_to_check((2025, 9), terms=TERMS, today=D(2025, 9, 9)) == [D(2025, 9, 5), D(2025, 9, 8),
                                                                               D(2025, 9, 9)]
    assert D(2026, 1, 12) in rules.days_to_check((2026, 1), terms=TERMS, today=D(2026, 2, 1))


@pytest.mark.parametrize(("today", "month", "deadline"), [
    (D(2025, 11, 1), (2025, 10), D(2025, 11, 3)),
    (D(2025, 11, 3), (2025, 10), D(2025, 11, 3)),
    (D(2026, 1, 2), (2025, 12), D(2026, 1, 3)),
    (D(2025, 11, 4), None, None),
])
def test_the_reminder_runs_on_the_first_three_days_for_the_month_before(today, month, deadline):
    assert rules.reminder_month(today) == month
    if deadline:
        assert rules.entry_deadline(today) == deadline


def test_the_years_months_and_the_month_opened_today():
    months = rules.year_months(TERMS)
    assert months[0] == (2025, 9) and months[-1] == (2026, 5) and len(months) == 9
    assert rules.sheet_month(months, D(2025, 12, 15)) == (2025, 12)
    assert rules.sheet_month(months, D(2025, 8, 1)) == (2025, 9)
    assert rules.sheet_month(months, D(2026, 12, 3)) == (2026, 5)
