"""The signing agent (scripts/signing_agent.py) run as a program against a live server, signing with the homeroom
teacher's SoftHSM2 token: a wrong PIN and an absent token are refused and logged with the code still good, then the
right PIN signs the batch, pyHanko validates the signed versions against the trust roots, and the used code is
refused (issue 15, item 3). Marked e2e: the live server's database is flushed afterwards, so these run last."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive import storage
from archive.models import ArchivedDocument, Signature, SigningAttempt, SigningRole
from archive.signing import agent_services, config, pades, services, tokens
from archive.signing import demo as demo_pki

from .signing_support import SIGNERS, keep_token_cccds, print_report_cards

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AGENT = Path(__file__).resolve().parents[2] / "scripts" / "signing_agent.py"


@pytest.fixture(autouse=True)
def demo_rebuilt(transactional_db, signing_dir):
    """The demo school, rebuilt when an earlier transactional test flushed it, its signers' CCCDs the tokens'."""
    from schoolrecords.models import School
    from seed.demo import SCHOOL_CODE, build_demo_school

    if not School.objects.filter(code=SCHOOL_CODE).exists():
        build_demo_school()
    keep_token_cccds(SIGNERS)


def run_agent(live_server, code, *, pin=demo_pki.DEMO_PIN, token=""):
    command = [sys.executable, str(AGENT), "--server", live_server.url, "--code", code,
               "--module", tokens.SOFTHSM_MODULE, "--pin-stdin"] + (["--token", token] if token else [])
    return subprocess.run(command, input=f"{pin}\n", capture_output=True, text=True, timeout=600,
                          env=os.environ.copy())


def latest(document):
    return ArchivedDocument.objects.filter(scope_key=document.scope_key).order_by("-version").first()


def test_the_agent_signs_a_batch_with_the_teachers_token_once_the_pin_is_right(live_server, pki_ready, small):
    documents = print_report_cards(small)
    for username in ("teacher_math", "gv_gdtc"):
        services.documents_sign(actor=small.demo.user(username), documents=[latest(d) for d in documents],
                                role=SigningRole.SUBJECT_TEACHERS, pin=demo_pki.DEMO_PIN)
    homeroom = small.demo.user("homeroom_6a1")
    _batch, code = agent_services.batch_prepare(actor=homeroom, documents=[latest(d) for d in documents],
                                                role=SigningRole.HOMEROOM)
    code = agent_services.display(code)

    wrong = run_agent(live_server, code, pin="000000")
    assert wrong.returncode == 4, wrong.stderr
    assert "Sai mã PIN của token" in wrong.stderr
    absent = run_agent(live_server, code, token="staff-not-plugged-in")
    assert absent.returncode == 4, absent.stderr
    assert "Token “staff-not-plugged-in” chưa được cắm" in absent.stderr
    assert list(SigningAttempt.objects.order_by("pk").values_list("code", flat=True)) == ["token_pin", "token_absent"]
    assert not Signature.objects.filter(role=SigningRole.HOMEROOM).exists()

    signed = run_agent(live_server, code)
    assert signed.returncode == 0, signed.stderr
    assert "Đã ký 3 văn bản." in signed.stdout and homeroom.profile.full_name in signed.stdout
    assert Signature.objects.filter(role=SigningRole.HOMEROOM, signer=homeroom).count() == 3
    for document in documents:
        checks = pades.validate(storage.read(latest(document).path), trust=config.trust())
        assert [check.ok for check in checks] == [True, True, True], [check.problems for check in checks]
        assert checks[-1].signer_name == homeroom.profile.full_name and checks[-1].ltv

    used = run_agent(live_server, code)
    assert used.returncode == 3 and "Mã ký này đã được dùng" in used.stderr
