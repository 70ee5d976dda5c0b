"""A typed cell goes the moment it is left, and after a pause while the teacher stays in it: one request, not one per key."""

import pytest
from playwright.sync_api import expect

from gradebook.models import Score
from tests.e2e.test_grid import grid_url, log_in

pytestmark = pytest.mark.e2e


def test_a_score_typed_key_by_key_is_one_request_and_a_pause_saves_without_breaking_the_typing(
        live_server, demo_school, page):
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    first_row = page.locator("#score-grid tbody tr").first
    enrolment_id = int(first_row.get_attribute("data-e"))
    cells = first_row.locator("input.cell")
    saves = []
    page.on("request", lambda request: saves.append(request.post_data_json) if request.url.endswith("/save/") else None)

    cells.first.click()
    page.keyboard.type("7,5", delay=150)  # a teacher's pace: slower than any debounce of tens of ms
    page.keyboard.press("Tab")
    expect(first_row.locator("td.c").first).to_have_class("c s-saved")
    assert [[cell["text"] for cell in save["cells"]] for save in saves] == [["7,5"]]

    # Staying in the cell: it is saved after a pause, and what is typed next goes on at the end.
    page.keyboard.type("8")
    expect(first_row.locator("td.c").nth(1)).to_have_class("c s-saved")
    expect(cells.nth(1)).to_be_focused()
    page.keyboard.type(",5")
    expect(cells.nth(1)).to_have_value("8,5")
    page.keyboard.press("Enter")
    expect(page.locator("#grid-status")).to_contain_text("Đã lưu")
    values = {score.index: str(score.value) for score in Score.objects.filter(enrolment_id=enrolment_id, kind="tx")}
    assert values == {1: "7.5", 2: "8.5"}
    assert [[cell["text"] for cell in save["cells"]] for save in saves] == [["7,5"], ["8"], ["8,5"]]
