"""Issue 14, end to end in the browser: th_teacher enters a level and a test score in 1A1's Toán at the end of
term I, th_principal approves term I, th_clerk prints the primary học bạ of 1A1 for term I and its text holds
what was typed."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from archive import codes, tasks
from archive import services as archive_services
from archive.models import ArchivedDocument, Kind, RenderBatch
from gradebook.models import PrimaryAssessment, ResultApproval
from gradebook.results.services import delete_with_history
from schoolrecords import models as sm
from schoolrecords import services as records
from seed import primary
from tests.e2e.test_grid import log_in

pytestmark = pytest.mark.e2e

# The demo built as on a day after term I ended (10 January, seed.calendar): both points of term I are
# filled for every student (levels, tests, qualities and competencies); the fixture then takes one
# student's Toán away.
BUILT_ON = datetime.date(2027, 1, 16)


@pytest.fixture
def primary_school(transactional_db):
    built = primary.build_primary_school(primary.PrimarySize(classes_per_grade=1, students_per_class=6),
                                         today=BUILT_ON)
    school_class = built["classes"]["1A1"]
    enrolment = (sm.Enrolment.objects.filter(school_class=school_class).select_related("student")
                 .order_by("student__code").first())
    missing = PrimaryAssessment.objects.filter(enrolment=enrolment, subject__code="toan", point="ck1")
    assert missing.count() == 1
    delete_with_history(list(missing), actor=records.system_user(), reason="the browser test enters it")
    return {**built, "school_class": school_class, "enrolment": enrolment}


@pytest.fixture
def queued(monkeypatch, settings, tmp_path):
    """Jobs wait instead of running, as with a broker and busy workers; the test plays the worker."""
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    sent = []
    monkeypatch.setattr(tasks.render_job, "delay", lambda job_id: sent.append(job_id))
    return sent


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def test_teacher_enters_principal_approves_term_one_clerk_prints_the_primary_hoc_ba_with_the_levels(
        live_server, primary_school, page, queued, screenshot):
    school_class, enrolment = primary_school["school_class"], primary_school["enrolment"]
    student = enrolment.student.full_name

    # 1. th_teacher: from the home page to 1A1's Toán at the end of term I; types the missing level and test.
    log_in(page, live_server.url, "th_teacher")
    row = page.locator("#todo-primary tr", has_text="Toán").filter(has_text="1A1")
    row.locator('a.primary-grid-link[href$="/ck1/"]').click()
    expect(page.locator("#grid-title")).to_contain_text("Toán")
    line = page.locator(f'#score-grid tbody tr[data-e="{enrolment.pk}"]')
    expect(line).to_contain_text(student)
    expect(line.locator('td[data-col="level"] input')).to_have_value("")
    line.locator('td[data-col="level"] input').click()
    page.keyboard.type("t")
    page.keyboard.press("Tab")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("Làm tính nhanh, trình bày sạch đẹp.")
    page.keyboard.press("Tab")
    expect(line.locator('td[data-col="comment"]')).to_have_class(re.compile(r"\bs-saved\b"))
    expect(line.locator('td[data-col="level"]')).to_have_class(re.compile(r"\bs-saved\b"))
    expect(line.locator('td[data-col="test"]')).to_have_class(re.compile(r"\bs-saved\b"))
    screenshot("primary-flow-teacher")
    page.reload()
    expect(line.locator('td[data-col="level"] input')).to_have_value("T")
    expect(line.locator('td[data-col="test"] input')).to_have_value("10")
    saved = PrimaryAssessment.objects.get(enrolment=enrolment, subject__code="toan", point="ck1")
    assert (saved.level, saved.test_score, saved.comment) == ("T", 10, "Làm tính nhanh, trình bày sạch đẹp.")
    page.context.clear_cookies()

    # 2. th_principal: from the home page to 1A1's class page, its results, approves term I.
    log_in(page, live_server.url, "th_principal")
    page.get_by_role("link", name="1A1", exact=True).first.click()
    page.get_by_role("link", name="Kết quả giáo dục của lớp và phê duyệt (TT27)").click()
    term_one = page.locator("#approval-1")
    expect(term_one).to_contain_text("Đã nhập đầy đủ.")
    term_one.locator("summary", has_text="Phê duyệt kết quả").click()
    term_one.locator("#approve-confirm-1").click()
    expect(page.locator("#approval-1 .badge.ok")).to_contain_text("Trần Thị Thanh Bình đã phê duyệt lúc")
    screenshot("primary-flow-approved")
    approval = ResultApproval.objects.get(school_class=school_class)
    assert approval.term.number == 1 and approval.approved_by.username == "th_principal"
    page.context.clear_cookies()

    # 3. th_clerk: the archive page, the primary học bạ of 1A1 for term I; the worker renders; the download.
    log_in(page, live_server.url, "th_clerk")
    page.click("#open-archive")
    form = page.locator("#start-batch")
    form.locator("select[name=kind]").select_option(Kind.PRIMARY_REPORT_CARD)
    form.locator("select[name=term]").select_option("1")
    form.locator("input[name=mode][value=ad_hoc]").check()
    form.get_by_label("1A1", exact=True).check()
    form.locator("#start-batch-button").click()
    page.wait_for_url("**/archive/batches/*/")
    batch = RenderBatch.objects.get(year=primary_school["year"])
    assert (batch.kind, batch.term.number, batch.total) == (Kind.PRIMARY_REPORT_CARD, 1, 6)  # one per student
    assert queued  # one job for the class (split into a file per student) or one per student
    for job_id in queued:
        archive_services.job_run(job_id=job_id)
    expect(page.locator("#batch-finished")).to_be_visible(timeout=30_000)
    expect(page.locator("#batch-counts")).to_contain_text("6 / 6")
    screenshot("primary-flow-printed")

    document = ArchivedDocument.objects.get(job__batch=batch, student=enrolment.student)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=document.file_name).click()
    download = download_info.value
    assert download.suggested_filename == document.file_name
    assert document.file_name.startswith("Hoc-ba-tieu-hoc-1A1-") and "-HK1-2026-2027-" in document.file_name
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    pages = [page_of_file.extract_text() for page_of_file in reader.pages]
    assert len(pages) == document.pages
    assert all(codes.display(document.code) in text_of_page for text_of_page in pages)  # its own code, every page
    text = "\n".join(pages)
    assert "HỌC BẠ" in text and "TIỂU HỌC" in text and student in text
    # Toán: the level at mid-term I (the demo's), T typed at the end of term I, then the 10 typed (grade 1 has
    # no test at mid-term I, so the card has a single test column, the end of term I's).
    mid_term = PrimaryAssessment.objects.get(enrolment=enrolment, subject__code="toan", point="gk1")
    toan = [line for line in _lines(text) if line.startswith("Toán")]
    assert toan and toan[0] == f"Toán {mid_term.level} T 10", toan
    flat = " ".join(text.split())
    assert "T hoàn thành tốt" in flat  # the legend the levels are read with
    assert f"Trần Thị Thanh Bình đã duyệt ngày {timezone.localtime(approval.approved_at).strftime('%d/%m/%Y')}" in flat
