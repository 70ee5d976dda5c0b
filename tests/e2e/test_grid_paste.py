"""A block pasted past the grid's edge says which of its rows and columns were left out, and keeps saying it."""

import pytest
from playwright.sync_api import expect

from gradebook.models import Score
from tests.e2e.test_grid import PASTE, grid_url, log_in

pytestmark = pytest.mark.e2e


def test_a_block_wider_and_taller_than_the_grid_names_the_rows_and_columns_it_dropped(live_server, demo_school, page):
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    rows = page.locator("#score-grid tbody tr")
    last_two = [rows.nth(38), rows.nth(39)]
    last_two[0].locator('td[data-col="gk"] input').click()  # ĐĐGgk of the 39th student: ĐĐGck is the last column
    page.evaluate(PASTE, "7\t8\t9\n6\t5\t4\n3\t2\t1\n1\t1\t\n")

    note = page.locator("#grid-paste-note")
    expect(note).to_contain_text("các dòng 3–4 của khối đã sao chép")
    expect(note).to_contain_text(last_two[1].locator("th.name").inner_text().strip())
    expect(note).to_contain_text("các cột 3 của khối đã sao chép, nằm bên phải cột cuối cùng (ĐĐGck)")
    expect(page.locator("#grid-status")).to_contain_text("Đã lưu")
    page.wait_for_timeout(6500)  # no longer a notice that goes away after 6 s
    expect(note).to_be_visible()
    enrolments = [int(row.get_attribute("data-e")) for row in last_two]
    saved = sorted((score.enrolment_id, score.kind, str(score.value))
                   for score in Score.objects.filter(enrolment_id__in=enrolments, term__number=1, subject__code="toan"))
    assert saved == sorted([(enrolments[0], "gk", "7.0"), (enrolments[0], "ck", "8.0"),
                            (enrolments[1], "gk", "6.0"), (enrolments[1], "ck", "5.0")])
    page.click("#grid-paste-close")
    expect(note).to_be_hidden()
