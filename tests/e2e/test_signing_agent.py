"""The homeroom teacher opens the signing board, asks for a one-time code ("Sign with my USB token"), and the signing
agent on their computer signs with their USB token (SoftHSM2); the principal then signs on the board with the PIN;
anyone checks the printed code on the public page, and the signed file itself: both signatures intact (issue 15)."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from archive import codes, services, storage
from archive.models import ArchivedDocument, Kind, SigningRole
from archive.signing import demo as demo_pki
from archive.signing import services as signing_services
from archive.signing import tokens
from schoolrecords import models as sm
from seed.demo import DEMO_PASSWORD
from tests.archive.signing_support import keep_token_cccds

pytestmark = pytest.mark.e2e

AGENT = Path(__file__).resolve().parents[2] / "scripts" / "signing_agent.py"


@pytest.fixture
def signing_world(demo_school, settings, signing_dir, tmp_path):
    """A 6A1 report card printed and sealed; the order: homeroom teacher, then principal; their tokens ready."""
    from schoolrecords.services import system_user

    settings.ARCHIVE_ROOT = tmp_path / "archive"
    settings.SIGNING_DIR, settings.SIGNING_TSA_URL = signing_dir, ""
    settings.SIGNING_TRUST_ROOTS, settings.SIGNING_CRLS = [], []
    users = demo_school["users"]

    def pki():  # pyHanko runs its own event loop, which Playwright's, running in this thread, forbids here
        try:
            keep_token_cccds(["homeroom_6a1", "principal"])
            people = [users["homeroom_6a1"].__class__.objects.get(username=name)
                      for name in ("homeroom_6a1", "principal")]
            demo_pki.setup(school=demo_school["school"], people=people, actor=system_user())
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as worker:
        worker.submit(pki).result()
    signing_services.plan_set(actor=users["principal"], school=demo_school["school"], kind=Kind.REPORT_CARD,
                              plan=[SigningRole.HOMEROOM, SigningRole.PRINCIPAL], reason="e2e: two stages")
    school_class = demo_school["classes"]["6A1"]
    enrolment = (sm.Enrolment.objects.filter(school_class=school_class, status="studying")
                 .select_related("student", "school_class").order_by("pk").first())
    batch = services.transfer_print(actor=users["clerk"], enrolment=enrolment, term_number=1)
    [document] = services.job_run(job_id=batch.jobs.get().pk)
    return school_class, document


def log_in(page, url, username):
    page.goto(f"{url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_the_homeroom_teacher_signs_with_the_agent_the_principal_on_the_board_and_anyone_verifies(
        live_server, signing_world, browser, page, screenshot):
    school_class, printed = signing_world
    board = f"{live_server.url}/archive/signing/classes/{school_class.pk}/?term=1&kind=report_card"

    log_in(page, live_server.url, "homeroom_6a1")
    page.goto(f"{live_server.url}/archive/signing/")
    page.get_by_role("link", name="Mở bảng ký").first.click()
    page.wait_for_url("**/archive/signing/classes/**")
    expect(page.locator("#signing-board")).to_contain_text(printed.student.full_name)
    page.locator("#sign-with-agent").click()
    code = page.locator("#agent-code").inner_text()
    expect(page.locator("#agent-command")).to_contain_text(f"--code {code}")
    screenshot("e2e-signing-agent-code")
    done = subprocess.run([sys.executable, str(AGENT), "--server", live_server.url, "--code", code,
                           "--module", tokens.SOFTHSM_MODULE, "--pin-stdin"], input=f"{demo_pki.DEMO_PIN}\n",
                          capture_output=True, text=True, timeout=600, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    assert "Đã ký 1 văn bản." in done.stdout
    page.locator("#back-to-board").click()
    homeroom = sm.StaffProfile.objects.get(user__username="homeroom_6a1").full_name
    rows = page.locator("#signing-board tbody")
    expect(rows).to_contain_text(f"Giáo viên chủ nhiệm: {homeroom}")
    expect(page.locator("#signing-board input[name=documents]")).to_have_count(0)
    screenshot("e2e-signing-agent-board-after")

    principal_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    principal = principal_context.new_page()
    log_in(principal, live_server.url, "principal")
    principal.goto(board)
    principal.fill("#id_pin", demo_pki.DEMO_PIN)
    principal.get_by_role("button", name="Ký các văn bản đã chọn").click()
    expect(principal.locator("#signing-board")).to_contain_text("Đã ký đủ")
    principal_context.close()

    signed = ArchivedDocument.objects.filter(scope_key=printed.scope_key).order_by("-version").first()
    assert signed.version == printed.version + 2
    public_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    public = public_context.new_page()
    public.goto(f"{live_server.url}/verify/")
    public.fill("#id_code", codes.display(printed.code))
    public.get_by_role("button", name="Xác thực").click()
    expect(public.locator("#verdict")).to_have_text("Khớp với bản gốc lưu trữ, nhưng đã có phiên bản mới thay thế.")
    public.set_input_files("#id_file", files=[{"name": "hoc-ba.pdf", "mimeType": "application/pdf",
                                               "buffer": storage.read(signed.path)}])
    public.get_by_role("button", name="Xác thực").click()
    expect(public.locator("#verdict")).to_have_text("Khớp với bản gốc lưu trữ, văn bản đang có hiệu lực.")
    signatures = public.locator("#verify-signatures li")
    expect(signatures).to_have_count(2)
    expect(signatures.nth(0)).to_contain_text(homeroom)
    expect(signatures.nth(0)).to_contain_text("nguyên vẹn")
    expect(signatures.nth(1)).to_contain_text("nguyên vẹn")
    screenshot("e2e-signing-agent-verified")
    public_context.close()
