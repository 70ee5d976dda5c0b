"""The homeroom teacher takes the daily roll-call by keyboard: P and K typed, moved by arrows, saved at once."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gradebook.models import DailyAbsence, MonthlyAbsence, RollCallDay
from schoolrecords import models as sm
from seed.demo import demo_year

from .test_grid import log_in

pytestmark = pytest.mark.e2e
DEMO_YEAR = demo_year()
# The first Wednesday of October in the demo's year, and the Thursday and Friday after it.
ONE = DEMO_YEAR.on(10, 1) + datetime.timedelta(days=(2 - DEMO_YEAR.on(10, 1).weekday()) % 7)
TWO, THREE = ONE + datetime.timedelta(days=1), ONE + datetime.timedelta(days=2)
D1, D2 = f"{ONE:%d/%m}", f"{TWO:%d/%m}"


def test_homeroom_teacher_types_p_and_k_by_keyboard_and_finds_them_saved(live_server, demo_school, page, screenshot):
    school_class = sm.SchoolClass.objects.get(name="6A1", year__name=DEMO_YEAR.name)
    log_in(page, live_server.url, "homeroom_6a1")
    page.goto(live_server.url + reverse("gradebook:homeroom", args=[school_class.pk, 1]))
    page.click(f'a[href="{reverse("gradebook:rollcall", args=[school_class.pk, *DEMO_YEAR.month(10)])}"]')
    expect(page.locator("#rollcall-title")).to_contain_text("6A1")

    rows = page.locator("#rollcall-sheet tbody tr")
    first_name, second_name = rows.nth(0).get_attribute("data-name"), rows.nth(1).get_attribute("data-name")
    page.get_by_label(f"{first_name}, {D1}").focus()
    page.keyboard.press("p")  # the first day: P
    expect(page.locator("#rollcall-status")).to_contain_text(f"{first_name}, {D1}: P")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("k")  # the second: K
    expect(page.locator("#rollcall-status")).to_contain_text(f"{first_name}, {D2}: K")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")  # the second student, the second day: Space cycles to P
    expect(page.locator("#rollcall-status")).to_contain_text(f"{second_name}, {D2}: P")
    page.keyboard.press("x")  # not a mark: nothing happens
    expect(page.get_by_label(f"{second_name}, {D2}")).to_have_value("P")
    expect(rows.nth(0).locator('td.total[data-kind="P"]')).to_have_text("1")
    expect(rows.nth(0).locator('td.total[data-kind="K"]')).to_have_text("1")
    screenshot("rollcall-typed")

    page.reload()
    expect(page.get_by_label(f"{first_name}, {D1}")).to_have_value("P")
    expect(page.get_by_label(f"{first_name}, {D2}")).to_have_value("K")
    expect(page.get_by_label(f"{second_name}, {D2}")).to_have_value("P")
    first = sm.Enrolment.objects.get(school_class=school_class, student__full_name=first_name)
    assert dict(DailyAbsence.objects.filter(enrolment=first).values_list("date", "kind")) == {
        ONE: "P", TWO: "K"}
    month = MonthlyAbsence.objects.get(enrolment=first, year=ONE.year, month=10)
    assert (month.excused, month.unexcused) == (1, 1)
    assert RollCallDay.objects.filter(school_class=school_class).count() == 2

    # Clearing by keyboard, and a day where everyone was present taken by its button.
    page.get_by_label(f"{first_name}, {D2}").focus()
    page.keyboard.press("Delete")
    expect(page.locator("#rollcall-status")).to_contain_text(f"{first_name}, {D2}")
    page.locator(f'button.take[data-day="{THREE.day}"]').click()
    expect(page.locator(f'th.taken-row[data-day="{THREE.day}"] .taken')).to_be_visible()
    expect(rows.nth(0).locator('td.total[data-kind="K"]')).to_have_text("")
    assert RollCallDay.objects.filter(school_class=school_class).count() == 3
    assert not DailyAbsence.objects.filter(enrolment=first, date=TWO).exists()
