"""A score typed while the school's network is down is never lost: kept in the browser, offered back, saved once."""

import pytest
from playwright.sync_api import expect

from gradebook.models import Score
from tests.e2e.test_grid import grid_url, log_in, type_row

pytestmark = pytest.mark.e2e


def test_scores_typed_offline_survive_leaving_the_page_and_are_saved_once_when_offered_back(
        live_server, demo_school, page, screenshot):
    log_in(page, live_server.url, "teacher_math")
    url = grid_url(live_server.url)
    page.goto(url)
    first_row = page.locator("#score-grid tbody tr").first
    enrolment_id = int(first_row.get_attribute("data-e"))
    page.on("dialog", lambda dialog: dialog.accept())  # "some scores are not saved yet": leave anyway

    page.context.set_offline(True)
    first_row.locator("input.cell").first.click()
    type_row(page, ["7", "8,5", "9"])
    status = page.locator("#grid-status")
    expect(status).to_contain_text("3 ô")
    expect(status).to_contain_text("giữ trong trình duyệt")
    assert not Score.objects.filter(enrolment_id=enrolment_id).exists()

    # Leaving the page: whatever it held in memory is gone. Chromium's offline mode also blocks the
    # loopback server, so the other page and the way back are loaded online, with every save still
    # failing as on a flaky school network.
    page.context.route("**/save/", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/")
    page.goto(url)
    offer = page.locator("#grid-offer")
    expect(offer).to_contain_text("3 điểm")
    cells = page.locator("#score-grid tbody tr").first.locator("input.cell")
    assert [cells.nth(i).input_value() for i in range(3)] == ["7", "8,5", "9"]
    screenshot("grid-offer")
    page.click("#grid-offer-send")
    expect(status).to_contain_text("tự động gửi lại")  # still no connection: kept, and sent again by itself
    expect(offer).to_be_hidden()
    assert not Score.objects.filter(enrolment_id=enrolment_id).exists()

    page.context.unroute("**/save/")  # the connection is back: the next try (after 1 s, 2 s, 4 s …) goes through
    expect(status).to_contain_text("Đã lưu", timeout=10_000)
    saved = {(score.kind, score.index): str(score.value)
             for score in Score.objects.filter(enrolment_id=enrolment_id, term__number=1, subject__code="toan")}
    assert saved == {("tx", 1): "7.0", ("tx", 2): "8.5", ("tx", 3): "9.0"}
    for index in (1, 2, 3):
        assert Score.history.filter(enrolment_id=enrolment_id, kind="tx", index=index).count() == 1
    assert page.evaluate("() => Object.keys(localStorage).filter((key) => key.startsWith('schoolrecords.grid'))") == []

    page.reload()  # nothing is offered twice
    expect(page.locator("#grid-offer")).to_be_hidden()
    expect(cells.nth(1)).to_have_value("8,5")


def test_a_save_whose_answer_was_lost_is_sent_again_and_written_only_once(live_server, demo_school, page):
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    first_row = page.locator("#score-grid tbody tr").first
    enrolment_id = int(first_row.get_attribute("data-e"))
    reached = []

    def lose_the_answer(route):  # the request reaches the server, the answer never comes back
        route.fetch()
        reached.append(route.request.url)
        route.abort("connectionreset")

    page.route("**/save/", lose_the_answer)
    first_row.locator("input.cell").first.click()
    page.keyboard.type("6,5")
    page.keyboard.press("Enter")
    status = page.locator("#grid-status")
    expect(status).to_contain_text("tự động gửi lại")
    assert reached and str(Score.objects.get(enrolment_id=enrolment_id, kind="tx", index=1).value) == "6.5"

    page.unroute("**/save/")
    expect(status).to_contain_text("Đã lưu", timeout=10_000)
    assert Score.history.filter(enrolment_id=enrolment_id, kind="tx", index=1).count() == 1
    expect(first_row.locator("input.cell").first).to_have_value("6,5")


def test_when_the_session_ends_the_advice_says_log_in_again_and_the_scores_go_by_themselves_after(
        live_server, demo_school, page):
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    first_row = page.locator("#score-grid tbody tr").first
    enrolment_id = int(first_row.get_attribute("data-e"))
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/")
    other_tab.click("form[action$='logout/'] button")

    first_row.locator("input.cell").first.click()
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    status = page.locator("#grid-status")
    expect(status).to_contain_text("Phiên làm việc đã hết")
    expect(status).to_contain_text("đăng nhập lại ở một thẻ khác")
    expect(status).not_to_contain_text("Esc")

    log_in(other_tab, live_server.url, "teacher_math")  # a new session and a new CSRF token
    expect(status).to_contain_text("Đã lưu", timeout=20_000)
    assert str(Score.objects.get(enrolment_id=enrolment_id, kind="tx", index=1).value) == "8.0"
    assert Score.history.filter(enrolment_id=enrolment_id, kind="tx", index=1).count() == 1
