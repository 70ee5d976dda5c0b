"""A score typed in one login is recorded: retyped in the next, the grid sends the teacher to a re-entry with a
reason and a PDF, the principal (or the vice principal the principal delegates) approves it with the board
member present, and the grid, the monthly correction log and the archive's minutes all show it."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from archive.models import ArchivedDocument, Kind
from gradebook.models import CorrectionRequest, Score
from schoolrecords import models as sm
from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def log_out(page) -> None:
    page.click(f'header form[action="{reverse("logout")}"] button[type=submit]')
    expect(page.locator("#id_username")).to_be_visible()


def _math():
    return sm.TeachingAssignment.objects.get(school_class__name="6A1", school_class__year__is_current=True, subject__code="toan", end_date__isnull=True)


def _teacher_enters_then_files_a_re_entry(page, base_url: str) -> tuple[CorrectionRequest, sm.Enrolment, str]:
    """teacher_math types 6 in ĐĐGtx1, logs out and in, retypes 8,5 and follows the grid to the re-entry form."""
    grid_url = base_url + reverse("gradebook:grid", args=(_math().pk, 1))
    log_in(page, base_url, "teacher_math")
    page.goto(grid_url)
    row = page.locator("#score-grid tbody tr").first
    enrolment = sm.Enrolment.objects.get(pk=row.get_attribute("data-e"))
    cell = row.locator('td.c[data-col="tx1"] input.cell')
    cell.click()
    page.keyboard.type("6")
    page.keyboard.press("Enter")
    expect(row.locator('td.c[data-col="tx1"]')).to_have_class(re.compile(r"\bs-saved\b"))
    page.reload()
    expect(page.locator('#grid-notes li[data-col="tx1"]')).to_have_count(0)  # still this login's to change
    log_out(page)

    # The next login: the 6 is recorded; the grid says so, and typing over it is refused with the way to change it.
    log_in(page, base_url, "teacher_math")
    page.goto(grid_url)
    expect(page.locator('#grid-notes li[data-col="tx1"]')).to_contain_text("ghi nhận")
    expect(row.locator('td.c[data-col="tx1"]')).to_have_class(re.compile(r"\brec\b"))
    cell.click()
    page.keyboard.type("8,5")
    page.keyboard.press("Enter")
    problems = page.locator("#grid-problems")
    expect(problems).to_be_visible()
    assert Score.objects.get(enrolment=enrolment, subject__code="toan", kind="tx", index=1).value == 6
    problems.locator("li a.button").click()

    # The re-entry form opens with the typed value; a reason and a PDF are required.
    expect(page.locator("#correction-title")).to_be_visible()
    expect(page.locator(f'input[name="new-{enrolment.pk}:tx:1"]')).to_have_value("8,5")
    page.fill("#id_reason", "Nhập nhầm 6 thay vì 8,5 (bài kiểm tra kèm theo)")
    page.set_input_files("#id_evidence", files=[{"name": "bai-kiem-tra.pdf", "mimeType": "application/pdf",
                                                  "buffer": PDF}])
    page.click("#correction-submit")
    expect(page.locator("#request-title")).to_be_visible()
    request = CorrectionRequest.objects.get()
    assert (request.kind, request.status) == (CorrectionRequest.Kind.REENTRY, CorrectionRequest.Status.PENDING)
    log_out(page)
    return request, enrolment, grid_url


def _leader_approves(page, base_url: str, leader: str, request: CorrectionRequest) -> None:
    board = sm.StaffProfile.objects.get(user__username="board")
    log_in(page, base_url, leader)
    page.goto(base_url + reverse("gradebook:corrections"))
    expect(page.locator("#correction-queue")).to_contain_text("bai-kiem-tra.pdf")
    page.click(f'#correction-queue a[href="{reverse("gradebook:correction", args=(request.pk,))}"]')
    page.select_option("#id_witness", label=board.full_name)
    page.click("#approve-button")
    expect(page.locator("#request-title .badge")).to_have_class(re.compile("status-approved"))
    expect(page.locator("#request-minutes")).to_contain_text(board.full_name)


def _everything_shows_it(page, base_url: str, request: CorrectionRequest, enrolment, grid_url: str, leader: str):
    # The minutes are in the archive's list of documents.
    page.goto(base_url + reverse("archive:documents") + f"?kind={Kind.CORRECTION_MINUTES}")
    minutes = ArchivedDocument.objects.get(kind=Kind.CORRECTION_MINUTES)
    expect(page.locator("#documents")).to_contain_text(minutes.file_name)
    log_out(page)

    # The teacher's grid shows the new value, recorded; the month's correction log lists the change.
    log_in(page, base_url, "teacher_math")
    page.goto(grid_url)
    expect(page.locator(f'tr[data-e="{enrolment.pk}"] td.c[data-col="tx1"] input.cell')).to_have_value("8,5")
    page.goto(base_url + reverse("gradebook:correction_log"))
    entry = page.locator("#log-entries tr.log-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(str(request.pk))
    expect(entry).to_contain_text("6 → 8,5")
    expect(entry).to_contain_text("bai-kiem-tra.pdf")
    decider = sm.StaffProfile.objects.get(user__username=leader).full_name
    expect(entry).to_contain_text(decider)
    score = Score.objects.get(enrolment=enrolment, subject__code="toan", kind="tx", index=1)
    assert str(score.value) == "8.5" and score.history.first().history_user.username == leader


def test_a_score_retyped_after_logging_out_is_re_entered_with_evidence_and_approved_by_the_principal(
        live_server, demo_school, page, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    request, enrolment, grid_url = _teacher_enters_then_files_a_re_entry(page, live_server.url)
    _leader_approves(page, live_server.url, "principal", request)
    screenshot("correction-flow-approved")
    _everything_shows_it(page, live_server.url, request, enrolment, grid_url, "principal")


def test_the_vice_principal_decides_once_the_principal_delegates(
        live_server, demo_school, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    request, enrolment, grid_url = _teacher_enters_then_files_a_re_entry(page, live_server.url)
    year = _math().year

    # The principal delegates deciding for the school year on the delegations page.
    log_in(page, live_server.url, "principal")
    page.goto(live_server.url + reverse("gradebook:delegations"))
    vice = sm.StaffProfile.objects.get(user__username="vice")
    page.select_option("#id_delegate", label=vice.full_name)
    page.fill("#id_starts_on", year.start_date.strftime("%d/%m/%Y"))
    page.click("#delegation-new button[type=submit]")
    expect(page.locator("#delegation-list")).to_contain_text(vice.full_name)
    log_out(page)

    _leader_approves(page, live_server.url, "vice", request)
    _everything_shows_it(page, live_server.url, request, enrolment, grid_url, "vice")
