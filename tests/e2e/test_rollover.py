"""The board opens the year rollover from the year's page on the demo data and reads the preview."""

import pytest
from playwright.sync_api import expect

from seed.demo import DEMO_PASSWORD
from tests.e2e.test_login import log_in

pytestmark = pytest.mark.e2e


def test_board_opens_the_rollover_and_sees_the_preview(live_server, demo_school, page, screenshot):
    from schoolrecords import models as sm

    year = demo_school["year"]
    log_in(page, live_server.url, "board", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/setup/years/{year.pk}/")
    page.click("#rollover-link")
    expect(page.locator("h1")).to_have_text("Chuyển năm học 2025-2026 sang 2026-2027")
    expect(page.locator("#rollover-classes tbody tr")).to_have_count(8)
    expect(page.locator("#rollover-classes tbody tr").nth(2)).to_contain_text("7A1")
    expect(page.locator("#rollover-moves tbody tr")).to_have_count(320)
    # The demo's results are not complete: every student still studying waits for a decision, highlighted.
    expect(page.locator("#rollover-moves tbody tr.decision")).to_have_count(318)
    expect(page.locator("#decisions h2")).to_have_text("318 học sinh chờ quyết định")
    expect(page.locator("#rollover-moves tbody tr", has_text="HS6A1040")).to_contain_text("Chuyển trường")
    expect(page.locator("#confirm button")).to_have_text("Bắt đầu năm học 2026-2027")
    assert screenshot("e2e-rollover-preview").stat().st_size > 0
    assert not sm.SchoolYear.objects.filter(name="2026-2027").exists()
