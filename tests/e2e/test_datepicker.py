"""A typed dd/mm/yyyy date has a calendar beside it (issue 13, item 8): the chosen day is written back as dd/mm/yyyy."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .test_grid import log_in

pytestmark = pytest.mark.e2e


def test_the_calendar_button_writes_the_chosen_day_as_dd_mm_yyyy(live_server, demo_school, page):
    log_in(page, live_server.url, "principal")
    page.goto(live_server.url + reverse("gradebook:delegations"))
    box = page.locator("#id_starts_on")
    button = page.locator(".datepick:has(#id_starts_on) .datepick-button")
    expect(button).to_have_attribute("aria-label", "Chọn trên lịch")
    box.fill("05/09/2025")
    button.click()  # opens the browser's picker on the typed day
    picker = page.locator(".datepick:has(#id_starts_on) .datepick-native")
    expect(picker).to_have_value("2025-09-05")
    page.keyboard.press("Escape")
    # the browser's own picker is outside the page; choosing a day in it sets its value and fires "change"
    picker.evaluate("el => { el.value = '2026-01-10'; el.dispatchEvent(new Event('change', {bubbles: true})); }")
    expect(box).to_have_value("10/01/2026")
    expect(box).to_be_focused()
    box.fill("31/12/2025")  # typing still works
    expect(box).to_have_value("31/12/2025")
