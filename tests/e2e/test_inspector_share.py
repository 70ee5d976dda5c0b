"""Issue 18, item 6 in a browser: the principal shares 6A1's ledger with an inspector for a week; the inspector
opens it through the link (no account), downloads the ledger; once the week is over the link answers a clear
Vietnamese page."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone
from playwright.sync_api import expect

from archive import jobs
from archive.models import ArchivedDocument, InspectionShare, Kind, Mode, ShareAccess
from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_the_principal_shares_6a1s_ledger_for_a_week_and_the_link_stops_after_it(
        live_server, demo_school, page, browser, settings, tmp_path, monkeypatch, screenshot):
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    from django.contrib.auth import get_user_model

    from schoolrecords import models as sm

    school_class = sm.SchoolClass.objects.get(name="6A1", year=demo_school["year"])
    clerk = get_user_model().objects.get(username="clerk")
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = jobs.batch_start(actor=clerk, year=school_class.year, term_number=1, kind=Kind.LEDGER,
                                 mode=Mode.AD_HOC, classes=[school_class], token="e2e-ledger", dispatch=False)
    from archive import services as archive_services

    [job] = batch.jobs.all()
    archive_services.job_run(job_id=job.pk)
    ledger = ArchivedDocument.objects.get(job=job)

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "principal")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/archive/?year={school_class.year_id}")
    page.locator("#inspectors-link").click()
    page.wait_for_url("**/archive/shares/**")

    form = page.locator("#new-share form")
    form.locator("select[name=scope]").select_option("ledger")
    form.locator("select[name=school_class]").select_option(str(school_class.pk))
    form.locator("input[name=inspector_name]").fill("Phạm Thu Hà")
    form.locator("input[name=organisation]").fill("Phòng GD&ĐT quận Ba Đình")
    form.locator("input[name=purpose]").fill("Kiểm tra hồ sơ điểm học kì I")
    # The form offers today and six days on: a week.
    today = timezone.localdate()
    assert form.locator("input[name=starts_on]").input_value() == today.strftime("%d/%m/%Y")
    assert form.locator("input[name=ends_on]").input_value() == (today + datetime.timedelta(days=6)).strftime("%d/%m/%Y")
    page.locator("#share-submit").click()
    link = page.locator("#share-link").input_value()
    screenshot("e2e-inspector-share-created")
    share = InspectionShare.objects.get()
    assert (share.school_class, share.ends_on) == (school_class, today + datetime.timedelta(days=6))

    # The inspector: another browser, no account.
    inspector = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                    timezone_id="Asia/Ho_Chi_Minh")
    inspector.set_default_timeout(15_000)
    other = inspector.new_page()
    other.goto(link)
    expect(other.locator("#shared-documents")).to_contain_text(ledger.file_name)
    with other.expect_download() as download_info:
        other.get_by_role("link", name=ledger.file_name).click()
    download = download_info.value
    assert download.suggested_filename == ledger.file_name
    assert open(download.path(), "rb").read(4) == b"%PDF"
    assert list(ShareAccess.objects.filter(share=share).order_by("at").values_list("action", flat=True)) == [
        "view", "download"]

    # A week and a day later (no job runs): the same link answers a clear page.
    later = timezone.now() + datetime.timedelta(days=8)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = other.goto(link)
    assert response.status == 410
    expect(other.locator("#share-closed")).to_have_text("Đường liên kết này không còn mở hồ sơ")
    expect(other.locator("main, body").first).to_contain_text(share.ends_on.strftime("%d/%m/%Y"))
    inspector.close()
