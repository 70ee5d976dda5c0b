"""The grid on a 360 px phone: the names stay in sight, the tools fold away, one student at a time saves."""

import pytest
from playwright.sync_api import expect

from gradebook.models import Score
from tests.e2e.test_grid import grid_url, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser, request):
    width, height = getattr(request, "param", (360, 740))
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="en-US", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def assert_names_stay_in_sight_at_the_end_term_column(page, width: int) -> None:
    """Scrolled right to the end-term column, the names are still at the left edge, not covered."""
    scroller = page.locator("#grid-scroll")
    scroller.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
    first_row = page.locator("#score-grid tbody tr").first
    expect(first_row.locator('td[data-col="ck"]')).to_be_in_viewport()
    name = first_row.locator("th.name")
    box, frame = name.bounding_box(), scroller.bounding_box()
    assert abs(box["x"] - frame["x"]) <= 2 and box["x"] + box["width"] <= width
    assert scroller.evaluate("(box) => box.scrollLeft") > 0
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th')?.className",
                           [box["x"] + 10, box["y"] + box["height"] / 2])
    assert on_top == "name"
    header = page.locator("#score-grid thead th.name-h").bounding_box()
    assert abs(header["x"] - frame["x"]) <= 2  # the header's "Student" stays above the names


@pytest.mark.parametrize("phone", [(390, 844)], indirect=True)
def test_on_a_390_px_phone_the_tools_are_folded_and_the_names_stay_in_sight(live_server, demo_school, phone):
    log_in(phone, live_server.url, "teacher_math")
    phone.goto(grid_url(live_server.url))
    expect(phone.locator("#grid-legend")).to_be_hidden()
    expect(phone.locator("#grid-fold > summary")).to_be_visible()
    expect(phone.locator("#student-view-button")).to_be_visible()
    # the top bar is one row on a phone (it took a third of the screen), its links still there
    assert phone.locator("header.topbar").bounding_box()["height"] <= 60
    expect(phone.locator("header.topbar a[href='/']").first).to_be_attached()
    assert_names_stay_in_sight_at_the_end_term_column(phone, 390)


def test_on_a_phone_the_names_stay_visible_and_one_student_at_a_time_saves_through_the_grid(
        live_server, demo_school, phone):
    page = phone
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    expect(page.locator("#grid-legend")).to_be_hidden()  # folded away: the rows get the screen
    expect(page.locator("#grid-fold > summary")).to_be_visible()
    page.click("#grid-fold > summary")
    expect(page.locator("#grid-legend")).to_be_visible()
    page.click("#grid-fold > summary")

    assert_names_stay_in_sight_at_the_end_term_column(page, 360)
    page.screenshot(path="test-results/grid-phone.png")
    first_row = page.locator("#score-grid tbody tr").first

    # One student at a time: that student's columns one under another, with the number keypad.
    page.click("#student-view-button")
    expect(page.locator("#score-grid")).to_be_hidden()
    student = first_row.locator("th.name").inner_text().strip()
    expect(page.locator("#sv-name")).to_contain_text(student)
    fields = page.locator("#sv-fields input")
    expect(fields).to_have_count(6)
    expect(fields.first).to_have_attribute("inputmode", "decimal")
    fields.first.fill("7,5")
    fields.first.press("Enter")
    expect(fields.nth(1)).to_be_focused()  # the keypad's "next" goes to the next column
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    expect(page.locator("#sv-fields .sv-field").first).to_have_class("sv-field s-saved")
    page.screenshot(path="test-results/grid-phone-student.png")

    page.click("#sv-next")
    second = page.locator("#score-grid tbody tr").nth(1)
    expect(page.locator("#sv-name")).to_contain_text(second.locator("th.name").inner_text().strip())
    fields.nth(4).fill("9")  # the mid-term test
    fields.nth(4).press("Enter")
    expect(page.locator("#grid-status")).to_contain_text("Đã lưu")

    first_id, second_id = int(first_row.get_attribute("data-e")), int(second.get_attribute("data-e"))
    values = {(score.enrolment_id, score.kind, score.index): str(score.value)
              for score in Score.objects.filter(enrolment_id__in=[first_id, second_id], term__number=1,
                                                subject__code="toan")}
    assert values == {(first_id, "tx", 1): "7.5", (first_id, "tx", 2): "8.0", (second_id, "gk", 1): "9.0"}

    page.click("#student-view-button")  # back to the grid, which shows what was typed in the card
    expect(page.locator("#score-grid")).to_be_visible()
    expect(second.locator('td[data-col="gk"] input')).to_have_value("9")
    expect(first_row.locator('td[data-col="tx1"] input')).to_have_value("7,5")
