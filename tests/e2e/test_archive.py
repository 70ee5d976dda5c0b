"""The clerk prints the ledger of 6A1, watches the progress bar fill without reloading, and downloads the PDF."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from archive import services, tasks
from archive.models import ArchivedDocument, RenderJob
from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def queued(monkeypatch, settings, tmp_path):
    """Jobs wait instead of running, as they do with a broker and busy workers; the test plays the worker."""
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    sent = []
    monkeypatch.setattr(tasks.render_job, "delay", lambda job_id: sent.append(job_id))
    return sent


def test_clerk_starts_a_ledger_batch_for_6a1_watches_it_finish_and_downloads_the_ledger(
        live_server, demo_school, page, queued, screenshot):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/archive/")
    screenshot("e2e-archive-index")

    form = page.locator("#start-batch")
    form.locator("select[name=kind]").select_option("ledger")
    form.locator("select[name=term]").select_option("1")
    form.locator("input[name=mode][value=ad_hoc]").check()
    form.get_by_label("6A1", exact=True).check()
    form.locator("#start-batch-button").click()

    page.wait_for_url("**/archive/batches/*/")
    bar = page.locator("#batch-bar")
    expect(page.locator("#batch-counts")).to_contain_text("0 / 1")
    assert bar.get_attribute("value") == "0" and bar.get_attribute("max") == "1"
    screenshot("e2e-archive-batch-running")

    # The worker renders the ledger now; the page, polling, sees it finish without a reload.
    assert len(queued) == 1
    url_before = page.url
    services.job_run(job_id=queued[0])
    expect(page.locator("#batch-finished")).to_be_visible(timeout=30_000)
    expect(page.locator("#batch-counts")).to_contain_text("1 / 1")
    assert bar.get_attribute("value") == "1" and page.url == url_before
    assert RenderJob.objects.get(pk=queued[0]).status == "done"
    screenshot("e2e-archive-batch-finished")

    document = ArchivedDocument.objects.get(job_id=queued[0])
    with page.expect_download() as download_info:
        page.get_by_role("link", name=document.file_name).click()
    download = download_info.value
    assert download.suggested_filename == document.file_name == f"So-theo-doi-6A1-HK1-{demo_school['year'].name}-v1.pdf"
    content = download.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    first_student = document.school_class.enrolments.order_by("student__full_name").first().student.full_name
    assert first_student in text
    assert len(PdfReader(io.BytesIO(content)).pages) == document.pages
