"""The principal sets the order of signatures of report cards, then signs a batch of them on the signing board
with the PIN once and watches the worker's progress finish without reloading (issue 15 item 2)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from archive import services as archive_services
from archive.models import Kind, SigningBatch
from archive.signing import demo as demo_pki
from archive.signing import selectors, tasks
from schoolrecords import models as sm
from schoolrecords.services import system_user
from seed.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def queued(monkeypatch, settings, tmp_path, signing_dir):
    """The demo PKI for the principal; the signing task waits instead of running, as with a busy worker."""
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    settings.SIGNING_DIR, settings.SIGNING_TSA_URL, settings.SIGNING_TRUST_ROOTS, settings.SIGNING_CRLS = (
        signing_dir, "", [], [])
    sent = []
    monkeypatch.setattr(tasks.sign_batch, "delay", lambda *args: sent.append(args))
    return sent


def off_the_loop(function, *args, **kwargs):
    """Run ``function`` in a thread of its own, on this test's database connection: what validates a certificate
    (pyHanko's validator, through asyncio.run) cannot run inside Playwright's event loop, which this thread runs."""
    connection = connections["default"]

    def run():
        connections["default"] = connection
        return function(*args, **kwargs)

    connection.inc_thread_sharing()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(run).result()
    finally:
        connection.dec_thread_sharing()


def print_cards(demo_school, count=2):
    enrolments = (sm.Enrolment.objects.filter(school_class=demo_school["classes"]["6A1"], status="studying")
                  .select_related("student", "school_class").order_by("pk")[:count])
    for enrolment in enrolments:
        batch = archive_services.transfer_print(actor=demo_school["users"]["clerk"], enrolment=enrolment,
                                                term_number=1)
        archive_services.job_run(job_id=batch.jobs.get().pk)


def test_the_principal_sets_the_order_then_signs_a_batch_with_the_pin_once_and_sees_it_finish(
        live_server, demo_school, page, queued, screenshot):
    principal = demo_school["users"]["principal"]
    off_the_loop(demo_pki.setup, school=principal.profile.school, people=[principal], actor=system_user())
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "principal")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.locator("#home-signing-plan").click()
    page.wait_for_url("**/archive/signing/plan/")
    card = page.locator("#plan-report_card")
    expect(card.locator(".plan-now")).to_have_text(
        "Giáo viên bộ môn → Giáo viên chủ nhiệm → Hiệu trưởng → Con dấu của trường")
    card.locator("select[name='report_card-stage_1']").select_option("seal")
    card.locator("select[name='report_card-stage_2']").select_option("principal")
    card.locator("select[name='report_card-stage_3']").select_option("")
    card.locator("select[name='report_card-stage_4']").select_option("")
    card.locator("input[name='report_card-reason']").fill("Thử nghiệm ký số học bạ")
    card.get_by_role("button", name="Lưu thứ tự ký").click()
    expect(page.locator("#plan-report_card .errors")).to_contain_text("Đóng dấu của trường là bước cuối cùng")
    screenshot("e2e-signing-plan-refused")
    card = page.locator("#plan-report_card")
    card.locator("select[name='report_card-stage_1']").select_option("principal")
    card.locator("select[name='report_card-stage_2']").select_option("seal")
    card.locator("input[name='report_card-reason']").fill("Thử nghiệm ký số học bạ")
    card.get_by_role("button", name="Lưu thứ tự ký").click()
    expect(page.locator("#plan-report_card .plan-now")).to_have_text("Hiệu trưởng → Con dấu của trường")
    expect(page.locator("#plan-history")).to_contain_text("Thử nghiệm ký số học bạ")
    screenshot("e2e-signing-plan-saved")
    assert selectors.plan(principal.profile.school_id, Kind.REPORT_CARD) == ("principal", "seal")

    print_cards(demo_school)
    school_class = demo_school["classes"]["6A1"]
    page.goto(f"{live_server.url}/archive/signing/classes/{school_class.pk}/?term=1&kind=report_card")
    expect(page.locator("#signing-board input[name=documents]")).to_have_count(2)
    page.fill("#id_pin", demo_pki.DEMO_PIN)
    page.get_by_role("button", name="Ký các văn bản đã chọn").click()
    page.wait_for_url("**batch=*")
    expect(page.locator("#signing-counts")).to_contain_text("0 / 2")
    screenshot("e2e-signing-batch-running")

    # the worker signs now; the board, polling, sees it finish without a reload
    [args] = queued
    url_before = page.url
    assert demo_pki.DEMO_PIN not in repr(args)
    off_the_loop(tasks.sign_batch.apply, args=list(args))
    expect(page.locator("#signing-finished")).to_be_visible(timeout=30_000)
    expect(page.locator("#signing-counts")).to_contain_text("2 / 2")
    expect(page.locator("#signing-results .signing-signed")).to_have_count(2)
    assert page.url == url_before and SigningBatch.objects.get().signed == 2
    screenshot("e2e-signing-batch-finished")
