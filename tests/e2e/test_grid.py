"""A teacher enters scores in the grid with the keyboard and by pasting a block, and they stay after a reload."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from gradebook.models import Score
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

# What a block copied from Excel or Google Sheets looks like on the clipboard: tabs, line breaks,
# decimal commas. Headless clipboard permissions are unreliable, so the paste event is dispatched.
PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  document.activeElement.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                                     cancelable: true}));
}"""


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def grid_url(base_url: str, number: int = 1) -> str:
    assignment = sm.TeachingAssignment.objects.get(school_class__name="6A1", school_class__year__is_current=True, subject__code="toan",
                                                   end_date__isnull=True)
    return base_url + reverse("gradebook:grid", args=(assignment.pk, number))


def type_row(page, values: list[str]) -> None:
    for position, value in enumerate(values):
        page.keyboard.type(value)
        page.keyboard.press("Tab" if position < len(values) - 1 else "Enter")


def test_teacher_types_and_pastes_scores_sees_the_average_and_finds_them_after_a_reload(
        live_server, demo_school, page, screenshot):
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    rows = page.locator("#score-grid tbody tr")
    expect(page.locator("#grid-title")).to_contain_text("6A1")
    expect(rows).to_have_count(40)

    def inputs(row: int):
        return rows.nth(row).locator("input.cell")

    def average(row: int):
        return rows.nth(row).locator('td.avg[data-col="term"]')

    # Row 1, all by keyboard: ĐĐGtx1..4, ĐĐGgk, ĐĐGck.
    inputs(0).first.click()
    type_row(page, ["7,5", "8", "9", "6", "7", "8"])
    expect(average(0)).to_have_text("7,6")  # (7,5 + 8 + 9 + 6 + 2×7 + 3×8) / 9
    expect(inputs(1).first).to_be_focused()  # Enter went down, to the start of the next row (Tab wrapped)

    # Rows 2 and 3: a 2 × 3 block pasted at ĐĐGtx1 of row 2, in one request.
    with page.expect_request(lambda request: request.url.endswith("/save/")) as pasted:
        page.evaluate(PASTE, "8\t7,5\t9\n6\t5\t7\n")
    assert pasted.value.post_data_json["source"] == "paste" and len(pasted.value.post_data_json["cells"]) == 6
    expect(inputs(1).nth(1)).to_have_value("7,5")
    expect(inputs(2).nth(2)).to_have_value("7")
    expect(average(1)).to_have_text("")  # not complete yet: empty, never 0

    # Complete row 2 with the arrow keys and the keyboard; the average appears.
    inputs(1).nth(3).click()
    type_row(page, ["10", "8", "9"])
    expect(average(1)).to_have_text("8,6")  # (8 + 7,5 + 9 + 10 + 2×8 + 3×9) / 9
    expect(inputs(2).nth(3)).to_be_focused()  # Enter went down to the column where the Tabs began
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    expect(inputs(1).nth(2)).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.type("12")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#grid-problems")).to_contain_text("Điểm phải từ 0 đến 10.")
    expect(page.locator("#grid-retry")).to_be_hidden()  # nothing to retry: the value itself is wrong
    expect(rows.nth(2).locator("td.c").nth(3)).to_have_class("c s-error")
    expect(page.locator("#score-grid td.s-saved")).to_have_count(15)
    screenshot("grid")

    page.reload()
    expect(inputs(0).first).to_have_value("7,5")
    assert [inputs(0).nth(i).input_value() for i in range(6)] == ["7,5", "8", "9", "6", "7", "8"]
    assert [inputs(1).nth(i).input_value() for i in range(6)] == ["8", "7,5", "9", "10", "8", "9"]
    assert [inputs(2).nth(i).input_value() for i in range(6)] == ["6", "5", "7", "", "", ""]  # 12 was not saved
    expect(average(0)).to_have_text("7,6")
    expect(average(1)).to_have_text("8,6")
    assert Score.history.filter(history_user__username="teacher_math", term__year__is_current=True).count() == 15


def test_a_cell_someone_changed_meanwhile_is_not_overwritten_and_its_history_opens_from_the_grid(
        live_server, demo_school, page, screenshot):
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    first_row = page.locator("#score-grid tbody tr").first
    cell = first_row.locator("input.cell").first
    enrolment = sm.Enrolment.objects.get(pk=first_row.get_attribute("data-e"))
    assignment = sm.TeachingAssignment.objects.get(school_class__name="6A1", school_class__year__is_current=True, subject__code="toan",
                                                   end_date__isnull=True)
    # The same teacher on another computer, after this page was loaded.
    scores_save(session="test-session", actor=demo_school["users"]["teacher_math"], assignment=assignment,
                term=assignment.year.terms.get(number=1), cells=[CellInput(enrolment.pk, "tx", 1, "4")],
                reason="Máy khác")

    cell.click()
    page.keyboard.type("9")
    page.keyboard.press("Enter")

    problems = page.locator("#grid-problems")
    expect(problems).to_contain_text("Đỗ Thị Mai")
    expect(problems).to_contain_text("4")
    assert Score.objects.get(enrolment=enrolment).value == 4
    expect(cell).to_have_value("9")  # what was typed stays in sight until the teacher decides
    problems.locator("li.conflict button").click()
    expect(cell).to_have_value("4")
    expect(problems).to_be_hidden()

    cell.click()
    page.keyboard.press("Control+h")
    dialog = page.locator("#history-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Máy khác")
    expect(dialog).to_contain_text(enrolment.student.full_name)
    screenshot("grid-history")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cell).to_be_focused()

    page.keyboard.type("5")
    page.keyboard.press("Escape")
    expect(cell).to_have_value("4")  # Esc undoes the typing
    # The 4 was saved from another login: it is recorded, and emptying it here is refused with the way to change it.
    page.keyboard.press("Delete")
    page.keyboard.press("ArrowDown")
    first_cell = first_row.locator("td.c").first
    expect(first_cell).to_have_class(re.compile(r"\bs-error\b"))
    expect(first_cell).to_have_attribute("title", re.compile("ghi nhận"))
    assert Score.objects.get(enrolment=enrolment).value == 4


def test_the_principal_reads_the_grid_without_inputs_and_opens_a_cells_history(live_server, demo_school, page):
    assignment = sm.TeachingAssignment.objects.get(school_class__name="6A1", school_class__year__is_current=True, subject__code="toan",
                                                   end_date__isnull=True)
    enrolment = sm.Enrolment.objects.filter(school_class=assignment.school_class).order_by("pk").first()
    scores_save(session="test-session", actor=demo_school["users"]["teacher_math"], assignment=assignment,
                term=assignment.year.terms.get(number=1), cells=[CellInput(enrolment.pk, "gk", 1, "8,5")],
                reason="Kiểm tra giữa kì")
    log_in(page, live_server.url, "principal")
    page.goto(grid_url(live_server.url))

    expect(page.locator("#score-grid input.cell")).to_have_count(0)
    cell = page.locator(f'#score-grid tr[data-e="{enrolment.pk}"] td[data-col="gk"]')
    expect(cell).to_have_text("8,5")
    cell.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#history-dialog")
    expect(dialog).to_contain_text("Kiểm tra giữa kì")
    expect(dialog).to_contain_text("Đỗ Thị Mai")
    page.keyboard.press("Escape")
    expect(cell).to_be_focused()


def test_a_score_typed_while_offline_is_sent_by_itself_once_the_network_is_back(live_server, demo_school, page):
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url(live_server.url))
    first = page.locator("#score-grid tbody tr").first.locator("input.cell").first
    enrolment_id = int(page.locator("#score-grid tbody tr").first.get_attribute("data-e"))

    page.context.set_offline(True)
    first.click()
    page.keyboard.type("6,5")
    page.keyboard.press("Enter")
    status = page.locator("#grid-status")
    expect(status).to_contain_text("tự động gửi lại")  # waits for the connection: no "Esc" advice
    expect(status).not_to_contain_text("Esc")
    assert not Score.objects.filter(enrolment_id=enrolment_id, kind="tx", index=1).exists()

    leaving = []
    page.on("dialog", lambda dialog: (leaving.append(dialog.type), dialog.dismiss()))
    page.evaluate("() => { window.location.href = '/'; }")  # leaving now would lose the score: the browser asks
    page.wait_for_timeout(500)
    assert leaving == ["beforeunload"]

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text("Đã lưu", timeout=10_000)
    score = Score.objects.get(enrolment_id=enrolment_id, kind="tx", index=1, term__number=1, subject__code="toan")
    assert str(score.value) == "6.5"
