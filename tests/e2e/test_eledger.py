"""The weekly lesson-plan round in a real browser: a teacher uploads next week's plan, the head approves it,
and the teacher sees it approved and can no longer replace it."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override
from playwright.sync_api import expect

from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def next_thursday() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7 + 3)


def lesson_plan_pdf() -> bytes:
    import weasyprint

    html = "<h1>Kế hoạch bài dạy</h1><p>Toán 6 — Tiết 1 — Tập hợp</p>"
    return weasyprint.HTML(string=html).write_pdf()


def test_teacher_uploads_head_approves_teacher_cannot_replace(live_server, demo_school, page, screenshot,
                                                              settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    name = "TOÁN 6_TIẾT 1_TẬP HỢP.pdf"
    with override("vi"):
        approved_label = gettext("Approved")

    # The teacher uploads next week's plan from the store's start page.
    log_in(page, base, "teacher_math")
    checks = []  # the lesson-name check's addresses: only its four fields, never the CSRF token or the file
    page.on("request", lambda request: checks.append(request.url) if "/lesson-name/" in request.url else None)
    page.goto(f"{base}/documents/")
    expect(page.locator("#missing-plans")).to_contain_text("Toán 6")
    page.click("#my-next-week a.button")
    page.select_option("#id_subject_grade", label="Toán 6")
    page.fill("#id_period", "1")
    page.fill("#id_lesson_title", "Tập hợp")
    page.fill("#id_teaching_date", next_thursday().strftime("%d/%m/%Y"))
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "application/pdf",
                                             "buffer": lesson_plan_pdf()}])
    expect(page.locator("#expected-name")).to_have_text(name)  # the name check answered (htmx)
    assert checks and all("csrfmiddlewaretoken" not in url and "file=" not in url.replace("filename=", "")
                          for url in checks), checks
    expect(page.locator("#id_submit")).to_be_checked()
    screenshot("e2e-eledger-upload")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#document-title")).to_have_text("TOÁN 6_TIẾT 1_TẬP HỢP")
    expect(page.locator(".toolbar [data-status]")).to_have_attribute("data-status", "submitted")
    detail_url = page.url

    # The head of the maths department finds it waiting and approves it.
    log_in(page, base, "head_math")
    page.goto(f"{base}/documents/review/")
    waiting = page.locator("#waiting tbody tr[data-document]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Đỗ Thị Mai")
    waiting.locator("a").first.click()
    page.check("#review-form input[value=approve]")
    page.fill("#review-form textarea[name=comment]", "Đạt yêu cầu")
    page.click("#review-form button[type=submit]")
    expect(page.locator(".toolbar [data-status]")).to_have_attribute("data-status", "approved")
    expect(page.locator("#transitions tr[data-action=approve]")).to_contain_text("Hoàng Văn Long")
    screenshot("e2e-eledger-approved-by-head")

    # The teacher sees it approved and has no way to replace the file.
    log_in(page, base, "teacher_math")
    page.goto(f"{base}/documents/")
    expect(page.locator("#next-week-plans [data-status]")).to_have_text(approved_label)
    page.goto(detail_url)
    expect(page.locator(".toolbar [data-status]")).to_have_text(approved_label)
    expect(page.locator("#approved-note")).to_be_visible()
    expect(page.locator("input[type=file]")).to_have_count(0)
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    screenshot("e2e-eledger-teacher-sees-approved")

    # Even a hand-made upload is refused by the server.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    document_id = detail_url.rstrip("/").rsplit("/", 1)[-1]
    response = page.request.post(
        f"{base}/documents/{document_id}/upload/",
        multipart={"csrfmiddlewaretoken": csrf,
                   "file": {"name": name, "mimeType": "application/pdf", "buffer": lesson_plan_pdf()}},
        headers={"Referer": detail_url},
    )
    assert response.ok  # redirected back to the page with the refusal
    page.goto(detail_url)
    expect(page.locator("#versions tbody tr")).to_have_count(1)

    # And the approved file downloads under its Vietnamese name.
    with page.expect_download() as download:
        page.click("#download-current")
    assert download.value.suggested_filename == name
