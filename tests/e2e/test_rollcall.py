"""The homeroom teacher takes the daily roll-call by keyboard: P and K typed, moved by arrows, saved at once."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gradebook.models import DailyAbsence, MonthlyAbsence, RollCallDay
from schoolrecords import models as sm

from .test_grid import log_in

pytestmark = pytest.mark.e2e


def test_homeroom_teacher_types_p_and_k_by_keyboard_and_finds_them_saved(live_server, demo_school, page, screenshot):
    school_class = sm.SchoolClass.objects.get(name="6A1", year__name="2025-2026")
    log_in(page, live_server.url, "homeroom_6a1")
    page.goto(live_server.url + reverse("gradebook:homeroom", args=[school_class.pk, 1]))
    page.click(f'a[href="{reverse("gradebook:rollcall", args=[school_class.pk, 2025, 10])}"]')
    expect(page.locator("#rollcall-title")).to_contain_text("6A1")

    rows = page.locator("#rollcall-sheet tbody tr")
    first_name, second_name = rows.nth(0).get_attribute("data-name"), rows.nth(1).get_attribute("data-name")
    page.get_by_label(f"{first_name}, 01/10").focus()
    page.keyboard.press("p")  # 01/10: P
    expect(page.locator("#rollcall-status")).to_contain_text(f"{first_name}, 01/10: P")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("k")  # 02/10: K
    expect(page.locator("#rollcall-status")).to_contain_text(f"{first_name}, 02/10: K")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")  # the second student, 02/10: Space cycles to P
    expect(page.locator("#rollcall-status")).to_contain_text(f"{second_name}, 02/10: P")
    page.keyboard.press("x")  # not a mark: nothing happens
    expect(page.get_by_label(f"{second_name}, 02/10")).to_have_value("P")
    expect(rows.nth(0).locator('td.total[data-kind="P"]')).to_have_text("1")
    expect(rows.nth(0).locator('td.total[data-kind="K"]')).to_have_text("1")
    screenshot("rollcall-typed")

    page.reload()
    expect(page.get_by_label(f"{first_name}, 01/10")).to_have_value("P")
    expect(page.get_by_label(f"{first_name}, 02/10")).to_have_value("K")
    expect(page.get_by_label(f"{second_name}, 02/10")).to_have_value("P")
    first = sm.Enrolment.objects.get(school_class=school_class, student__full_name=first_name)
    assert dict(DailyAbsence.objects.filter(enrolment=first).values_list("date", "kind")) == {
        datetime.date(2025, 10, 1): "P", datetime.date(2025, 10, 2): "K"}
    month = MonthlyAbsence.objects.get(enrolment=first, year=2025, month=10)
    assert (month.excused, month.unexcused) == (1, 1)
    assert RollCallDay.objects.filter(school_class=school_class).count() == 2

    # Clearing by keyboard, and a day where everyone was present taken by its button.
    page.get_by_label(f"{first_name}, 02/10").focus()
    page.keyboard.press("Delete")
    expect(page.locator("#rollcall-status")).to_contain_text(f"{first_name}, 02/10")
    page.locator('button.take[data-day="3"]').click()
    expect(page.locator('th.taken-row[data-day="3"] .taken')).to_be_visible()
    expect(rows.nth(0).locator('td.total[data-kind="K"]')).to_have_text("")
    assert RollCallDay.objects.filter(school_class=school_class).count() == 3
    assert not DailyAbsence.objects.filter(enrolment=first, date=datetime.date(2025, 10, 2)).exists()
