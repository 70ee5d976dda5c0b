"""The board opens the year rollover from the year's page on the demo data and reads the preview."""

import pytest
from playwright.sync_api import expect

from seed.demo import DEMO_PASSWORD
from tests.e2e.test_login import log_in

pytestmark = pytest.mark.e2e


def test_board_opens_the_rollover_and_sees_the_preview(live_server, demo_school, page, screenshot):
    from schoolrecords import models as sm
    from seed.demo import newcomer_code

    year = demo_school["year"]
    following = f"{year.start_date.year + 1}-{year.start_date.year + 2}"
    enrolments = sm.Enrolment.objects.filter(school_class__year=year)
    studying = enrolments.filter(status=sm.Enrolment.Status.STUDYING).count()
    log_in(page, live_server.url, "board", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/setup/years/{year.pk}/")
    page.click("#rollover-link")
    expect(page.locator("h1")).to_have_text(f"Chuyển năm học {year.name} sang {following}")
    expect(page.locator("#rollover-classes tbody tr")).to_have_count(8)
    expect(page.locator("#rollover-classes tbody tr").nth(2)).to_contain_text("7A1")
    expect(page.locator("#rollover-moves tbody tr")).to_have_count(enrolments.count())
    # Term I is in progress: every student still studying waits for a decision, highlighted.
    expect(page.locator("#rollover-moves tbody tr.decision")).to_have_count(studying)
    expect(page.locator("#decisions h2")).to_have_text(f"{studying} học sinh chờ quyết định")
    left = newcomer_code(year.name, "6A1", 40)
    expect(page.locator("#rollover-moves tbody tr", has_text=left)).to_contain_text("Chuyển trường")
    expect(page.locator("#confirm button")).to_have_text(f"Bắt đầu năm học {following}")
    assert screenshot("e2e-rollover-preview").stat().st_size > 0
    assert not sm.SchoolYear.objects.filter(name=following).exists()


def test_board_reads_last_years_rollover_with_every_student_decided(live_server, demo_school, page, screenshot):
    from schoolrecords import models as sm

    year, previous = demo_school["year"], demo_school["previous"]
    rows = sm.Enrolment.objects.filter(school_class__year=previous).count()
    log_in(page, live_server.url, "board", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/setup/years/{previous.pk}/")
    page.click("#rollover-link")
    expect(page.locator("h1")).to_have_text(f"Chuyển năm học {previous.name} sang {year.name}")
    # The year it went into was made from this very plan: it has its classes, so nothing can be confirmed.
    expect(page.locator("#rollover-errors")).to_contain_text(f"Năm học {year.name} đã có lớp")
    expect(page.locator("#confirm")).to_have_count(0)
    # Last year is closed: the rules decided every student, nobody waits.
    expect(page.locator("#rollover-moves tbody tr")).to_have_count(rows)
    expect(page.locator("#rollover-moves tbody tr.decision")).to_have_count(0)
    expect(page.locator("#decisions")).to_have_count(0)
    expect(page.locator("#rollover-moves tbody tr", has_text="Lên lớp").first).to_be_visible()
    expect(page.locator("#rollover-moves tbody tr", has_text="Ở lại lớp").first).to_be_visible()
    assert screenshot("e2e-rollover-last-year").stat().st_size > 0
