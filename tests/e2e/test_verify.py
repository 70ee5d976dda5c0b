"""Anyone opens the public verification page, types the code printed on a sealed report card and sees that it
matches; the same report card's PDF with one byte changed, uploaded, does not match (issue 15, item 6)."""

import pytest
from playwright.sync_api import expect

from archive import codes, services, storage
from archive.models import ArchivedDocument, Kind
from schoolrecords import models as sm

pytestmark = pytest.mark.e2e


@pytest.fixture
def sealed_card(demo_school, settings, tmp_path):
    """A report card of a 6A1 student of the demo school, printed (its transfer print: one file) and sealed."""
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    enrolment = (sm.Enrolment.objects.filter(school_class=demo_school["classes"]["6A1"], status="studying")
                 .select_related("student", "school_class").order_by("pk").first())
    batch = services.transfer_print(actor=demo_school["users"]["clerk"], enrolment=enrolment, term_number=1)
    [document] = services.job_run(job_id=batch.jobs.get().pk)
    assert document.kind == Kind.REPORT_CARD and document.code
    return document


def test_anyone_types_the_printed_code_and_sees_it_matches_then_a_changed_copy_does_not(
        live_server, sealed_card, page, screenshot):
    # What the printed pages carry: the code, and the QR code's address of this very page.
    content = storage.read(sealed_card.path)
    printed_code = codes.display(sealed_card.code)

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#footer-verify").click()  # the page is linked from every page, the log-in page too
    page.wait_for_url(f"{live_server.url}/verify/")
    page.fill("#id_code", printed_code.lower())
    page.get_by_role("button", name="Xác thực").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_have_text("Khớp với bản gốc lưu trữ, văn bản đang có hiệu lực.")
    document = page.locator("#verify-document")
    expect(document).to_contain_text("Học bạ")
    expect(document).to_contain_text("6A1")
    expect(document).to_contain_text(printed_code)
    student = sealed_card.student.full_name
    expect(page.locator("main")).not_to_contain_text(student)  # the initials only
    initials = " ".join(f"{part[0].upper()}." for part in student.split())
    expect(document).to_contain_text(initials)
    screenshot("e2e-verify-code-matches")

    changed = bytearray(content)
    changed[len(changed) // 2] ^= 0x01
    page.fill("#id_code", "")
    page.set_input_files("#id_file", files=[{"name": "hoc-ba.pdf", "mimeType": "application/pdf",
                                              "buffer": bytes(changed)}])
    page.get_by_role("button", name="Xác thực").click()
    expect(page.locator("#verdict")).to_contain_text("Không khớp")
    expect(page.locator("#verify-document")).to_contain_text(printed_code)  # the original it claims to be
    screenshot("e2e-verify-changed-copy")

    page.set_input_files("#id_file", files=[{"name": "hoc-ba.pdf", "mimeType": "application/pdf",
                                              "buffer": content}])
    page.get_by_role("button", name="Xác thực").click()
    expect(page.locator("#verdict")).to_have_text("Khớp với bản gốc lưu trữ, văn bản đang có hiệu lực.")
    assert ArchivedDocument.objects.count() == 1
