"""The board closes the Toán window of 6A1; the teacher files a correction with a PDF; the principal approves it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from gradebook.models import CorrectionRequest, Score
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm
from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_board_closes_the_window_teacher_files_a_correction_principal_approves_and_the_grid_shows_it(
        live_server, demo_school, page, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    math = sm.TeachingAssignment.objects.get(school_class__name="6A1", school_class__year__is_current=True, subject__code="toan", end_date__isnull=True)
    term = math.year.terms.get(number=1)
    first = sm.Enrolment.objects.filter(school_class=math.school_class,
                                        status=sm.Enrolment.Status.STUDYING).order_by("pk").first()
    teacher = math.teacher
    board = sm.StaffProfile.objects.get(user__username="board").user
    scores_save(session="test-session", actor=teacher, assignment=math, term=term, cells=[CellInput(first.pk, "tx", 1, "6")])
    window = locks.window_create(actor=board, term=term, school_class=math.school_class, subject=math.subject,
                                 opens_at=timezone.now() - datetime.timedelta(days=30), note="Toán 6A1")
    grid_url = live_server.url + reverse("gradebook:grid", args=(math.pk, 1))

    # The board closes the window from the list of windows.
    log_in(page, live_server.url, "board")
    page.goto(live_server.url + reverse("gradebook:windows"))
    row = page.locator(f'tr[data-window="{window.pk}"]')
    expect(row).to_contain_text("6A1")
    row.locator("details.confirm-step summary").click()  # "Đóng ngay" asks for confirmation first
    row.locator("details.confirm-step button[type=submit]").click()
    expect(page.locator(f'tr[data-window="{window.pk}"] .badge.err')).to_be_visible()

    # The teacher can no longer type in the grid, and files a correction with a PDF.
    log_in(page, live_server.url, "teacher_math")
    page.goto(grid_url)
    expect(page.locator("#grid-locked")).to_be_visible()
    expect(page.locator("#score-grid input.cell")).to_have_count(0)
    page.locator(f'input.pick[value="{first.pk}:tx:1"]').check()
    page.click("#correction-button")
    expect(page.locator("#correction-title")).to_be_visible()
    page.fill(f'input[name="new-{first.pk}:tx:1"]', "8,5")
    page.fill("#id_reason", "Nhập nhầm 6 thay vì 8,5")
    page.set_input_files("#id_evidence", files=[{"name": "bai-kiem-tra.pdf", "mimeType": "application/pdf",
                                                  "buffer": PDF}])
    page.click("#correction-submit")
    expect(page.locator("#request-title")).to_be_visible()
    request = CorrectionRequest.objects.get()
    screenshot("correction-filed")

    # The principal approves it from the queue.
    log_in(page, live_server.url, "principal")
    page.goto(live_server.url + reverse("gradebook:corrections"))
    expect(page.locator("#correction-queue")).to_contain_text("bai-kiem-tra.pdf")
    page.click(f'a[href="{reverse("gradebook:correction", args=(request.pk,))}"]')
    page.select_option("#id_witness", label=board.profile.full_name)
    page.click("#approve-button")
    expect(page.locator("#request-title .badge")).to_have_class(re.compile("status-approved"))
    screenshot("correction-approved")

    # The grid shows the new value, and the cell's history names the request.
    page.goto(grid_url)
    cell = page.locator(f'tr[data-e="{first.pk}"] td.c[data-col="tx1"]')
    expect(cell).to_contain_text("8,5")
    cell.click(position={"x": 5, "y": 5})
    expect(page.locator("#history-body")).to_contain_text(f"{request.pk}")
    latest = Score.objects.get(enrolment=first, kind="tx", index=1).history.first()
    assert (latest.value, latest.history_user.username) == (8.5, "principal")
    assert re.search(rf"\b{request.pk}\b", latest.history_change_reason)  # "Phiếu đề nghị sửa điểm số N đã duyệt"
