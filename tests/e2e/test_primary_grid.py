"""th_teacher enters 1A1's Toán at the end of term I from the home page: levels typed in lower case, a test
score, a comment, a pasted column; a decimal test score is refused at its cell; a reload shows what was saved."""

import datetime

import pytest
from playwright.sync_api import expect

from gradebook.models import PrimaryAssessment
from seed import primary
from tests.e2e.test_grid import PASTE, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def primary_school(transactional_db):
    return primary.build_primary_school(primary.PrimarySize(classes_per_grade=1, students_per_class=6),
                                        today=datetime.date(2026, 12, 3))


def test_th_teacher_types_levels_and_a_test_score_and_a_decimal_is_refused_at_its_cell(
        live_server, primary_school, page, screenshot):
    log_in(page, live_server.url, "th_teacher")
    card = page.locator("#todo-primary")
    row = card.locator("tr", has_text="Toán")
    row.locator('a.primary-grid-link[href$="/ck1/"]').click()
    expect(page.locator("#grid-title")).to_contain_text("Toán")
    expect(page.locator("th[data-col=test]")).to_be_visible()  # end of term I: the periodic test

    rows = page.locator("#score-grid tbody tr")
    first, second = rows.nth(0), rows.nth(1)
    first.locator('td[data-col="level"] input').click()
    page.keyboard.type("t")
    page.keyboard.press("Tab")
    page.keyboard.type("9")
    page.keyboard.press("Tab")
    page.keyboard.type("Tính nhanh, cẩn thận.")
    page.keyboard.press("Enter")  # down to the next row's level, where the Tabs began
    page.keyboard.type("h")
    page.keyboard.press("Tab")
    page.keyboard.type("7,5")
    page.keyboard.press("Tab")

    refused = second.locator('td[data-col="test"]')
    expect(refused).to_have_class("c s-error")
    expect(refused).to_have_attribute("title", "Điểm bài kiểm tra định kì ở tiểu học là số nguyên: ghi 7 hoặc 8, "
                                               "không ghi 7,5.")
    expect(page.locator("#grid-problems")).to_be_visible()
    expect(first.locator('td[data-col="level"] input')).to_have_value("T")  # shown as the server keeps it

    # A column of levels pasted from a spreadsheet, from the third student down.
    rows.nth(2).locator('td[data-col="level"] input').click()
    page.evaluate(PASTE, "t\nH\nc\nT\n")
    expect(rows.nth(5).locator('td[data-col="level"]')).to_have_class("c s-saved")
    screenshot("primary-grid")

    page.reload()
    expect(first.locator('td[data-col="level"] input')).to_have_value("T")
    expect(first.locator('td[data-col="test"] input')).to_have_value("9")
    expect(first.locator('td[data-col="comment"] input')).to_have_value("Tính nhanh, cẩn thận.")
    expect(second.locator('td[data-col="level"] input')).to_have_value("H")
    levels = [rows.nth(i).locator('td[data-col="level"] input').input_value() for i in range(6)]
    assert levels == ["T", "H", "T", "H", "C", "T"]
    rows_saved = PrimaryAssessment.objects.filter(subject__code="toan", point="ck1",
                                                  enrolment__school_class__name="1A1")
    assert rows_saved.count() == 6
    second_row = rows_saved.get(enrolment_id=int(second.get_attribute("data-e")))
    assert (second_row.level, second_row.test_score) == ("H", None)  # the decimal was not saved
