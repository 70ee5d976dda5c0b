"""Interrupted signing, the server's side: the board prepares a batch and shows its one-time code; the agent's JSON
endpoint gives what to sign and takes the values signed on the teacher's SoftHSM2 token (with the agent's own
signing code, scripts/signing_agent.py); a tampered value, a used or expired code, a document out of turn are
refused in Vietnamese, logged, nothing sealed (issue 15, item 3)."""

import base64
import datetime
import importlib.util
import re
from pathlib import Path

import pytest
from django.urls import reverse

from archive import storage
from archive.models import AgentBatch, ArchivedDocument, Signature, SigningAttempt, SigningRole
from archive.signing import agent_services, config, pades, tokens
from archive.signing import demo as demo_pki

from .signing_support import print_report_cards

pytestmark = pytest.mark.django_db

AGENT = Path(__file__).resolve().parents[2] / "scripts" / "signing_agent.py"
API = "/archive/signing/agent/"


def load_agent():
    spec = importlib.util.spec_from_file_location("signing_agent", AGENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def subject_teachers_sign(small, documents):
    from archive.signing import services

    for username in ("teacher_math", "gv_gdtc"):
        services.documents_sign(actor=small.demo.user(username), documents=[latest(d) for d in documents],
                                role=SigningRole.SUBJECT_TEACHERS, pin=demo_pki.DEMO_PIN)


def latest(document):
    return ArchivedDocument.objects.filter(scope_key=document.scope_key).order_by("-version").first()


def board_url(small):
    return f"{reverse('archive:signing_board', args=[small.school_class.pk])}?term=1&kind=report_card"


def prepare_url(small):
    return f"{reverse('archive:signing_agent_prepare', args=[small.school_class.pk])}?term=1&kind=report_card"


def agent_values(payload, *, label="staff-homeroom_6a1"):
    agent = load_agent()
    return agent.sign_batch(payload, module=tokens.SOFTHSM_MODULE, label=label, pin=demo_pki.DEMO_PIN)


def post_values(client, code, values):
    return client.post(API, {"signatures": [{"id": pk, "value": base64.b64encode(v).decode()}
                                            for pk, v in values.items()]},
                       content_type="application/json", headers={"X-Signing-Code": code})


def test_the_board_prepares_a_batch_and_the_values_signed_on_the_token_seal_validated_versions(
        pki_ready, small, login, client):
    documents = print_report_cards(small)
    subject_teachers_sign(small, documents)
    board = login("homeroom_6a1").get(board_url(small)).content.decode()
    assert 'id="sign-with-agent"' in board and "Ký bằng USB token của tôi" in board
    response = login("homeroom_6a1").post(prepare_url(small), {
        "role": SigningRole.HOMEROOM, "documents": [latest(d).pk for d in documents]})
    assert response.status_code == 200
    text = response.content.decode()
    code = re.search(r'id="agent-code">([A-Z0-9-]+)<', text).group(1)
    assert len(code) == 14 and "--code " + code in text
    client.logout()  # the agent has no session: the code alone
    payload = client.get(API, headers={"X-Signing-Code": code.lower()}).json()
    assert payload["role"] == SigningRole.HOMEROOM and len(payload["documents"]) == 3
    assert payload["algorithm"] == "ecdsa-sha256" and "BEGIN CERTIFICATE" in payload["certificate"]
    response = post_values(client, code, agent_values(payload))
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Đã ký 3 văn bản."
    made = Signature.objects.filter(role=SigningRole.HOMEROOM)
    assert made.count() == 3 and {s.signer.username for s in made} == {"homeroom_6a1"}
    for document in documents:
        checks = pades.validate(storage.read(latest(document).path), trust=config.trust())
        assert len(checks) == 3 and all(check.ok for check in checks), [c.problems for c in checks]
        assert checks[-1].signer_name == small.homeroom.profile.full_name
    # The code worked once.
    again = post_values(client, code, {1: b"x"})
    assert again.status_code == 403 and "đã được dùng" in again.json()["message"]
    assert SigningAttempt.objects.get().code == "code_used"
    board = login("homeroom_6a1").get(board_url(small)).content.decode()
    assert 'name="documents"' not in board  # nothing waits for the homeroom teacher any more


def test_a_tampered_value_is_refused_logged_and_nothing_is_sealed(pki_ready, small, client):
    documents = print_report_cards(small)
    subject_teachers_sign(small, documents)
    batch, code = agent_services.batch_prepare(actor=small.demo.user("homeroom_6a1"), documents=[latest(d) for d in documents],
                                               role=SigningRole.HOMEROOM)
    values = agent_values(agent_services.batch_payload(batch))
    first = min(values)
    tampered = bytearray(values[first])
    tampered[-3] ^= 0x01
    values[first] = bytes(tampered)
    before = ArchivedDocument.objects.count()
    response = post_values(client, code, values)
    assert response.status_code == 409
    assert response.json()["message"].startswith("Giá trị chữ ký không khớp")
    assert ArchivedDocument.objects.count() == before and not Signature.objects.filter(role=SigningRole.HOMEROOM)
    attempt = SigningAttempt.objects.get()
    assert attempt.code == "bad_value" and attempt.actor.username == "homeroom_6a1" and attempt.action == "agent_sign"
    assert post_values(client, code, agent_values(agent_services.batch_payload(batch))).status_code == 403


def test_an_expired_or_unknown_code_is_refused(pki_ready, small, client):
    documents = print_report_cards(small)
    subject_teachers_sign(small, documents)
    batch, code = agent_services.batch_prepare(actor=small.demo.user("homeroom_6a1"), documents=[latest(documents[0])],
                                               role=SigningRole.HOMEROOM)
    values = agent_values(agent_services.batch_payload(batch))
    batch.expires_at = batch.created_at - datetime.timedelta(seconds=1)
    batch._history_user, batch._change_reason = batch.signer, "test: the quarter of an hour has passed"
    batch.save(update_fields=["expires_at"])
    response = post_values(client, code, values)
    assert response.status_code == 403 and "đã hết hạn" in response.json()["message"]
    assert client.get(API, headers={"X-Signing-Code": code}).status_code == 403
    assert client.get(API, headers={"X-Signing-Code": "AAAA-BBBB-CCCC"}).json()["error"] == "code_unknown"
    assert client.get(API).status_code == 403
    assert list(SigningAttempt.objects.values_list("code", flat=True)) == ["code_expired", "code_expired"]
    assert not Signature.objects.filter(role=SigningRole.HOMEROOM).exists()
    assert AgentBatch.objects.get().used_at is None


def test_out_of_turn_is_refused_at_the_board_and_at_the_finish(pki_ready, small, login, client):
    documents = print_report_cards(small)
    # The principal before the subject teachers and the homeroom teacher: refused when preparing.
    response = login("principal").post(prepare_url(small), {"role": SigningRole.PRINCIPAL,
                                                            "documents": [documents[0].pk]})
    assert response.status_code == 400 and "Chưa đến lượt bước này" in response.content.decode()
    assert SigningAttempt.objects.get().code == "out_of_order" and not AgentBatch.objects.exists()
    # Two batches for the same version: the second one to finish finds the document signed already.
    subject_teachers_sign(small, documents)
    one, code_one = agent_services.batch_prepare(actor=small.demo.user("homeroom_6a1"), documents=[latest(documents[0])],
                                                 role=SigningRole.HOMEROOM)
    two, code_two = agent_services.batch_prepare(actor=small.demo.user("homeroom_6a1"), documents=[latest(documents[0])],
                                                 role=SigningRole.HOMEROOM)
    client.logout()
    assert post_values(client, code_one, agent_values(agent_services.batch_payload(one))).status_code == 200
    response = post_values(client, code_two, agent_values(agent_services.batch_payload(two)))
    assert response.status_code == 409
    assert SigningAttempt.objects.order_by("-pk").first().code in ("superseded", "already_signed")
    assert Signature.objects.filter(role=SigningRole.HOMEROOM).count() == 1


def test_bad_requests_and_token_reports(pki_ready, small, client):
    documents = print_report_cards(small)
    subject_teachers_sign(small, documents)
    batch, code = agent_services.batch_prepare(actor=small.demo.user("homeroom_6a1"), documents=[latest(documents[0])],
                                               role=SigningRole.HOMEROOM)
    headers = {"X-Signing-Code": code}
    assert client.post(API, "not json", content_type="application/json", headers=headers).status_code == 400
    assert client.post(API, {"signatures": [{"id": "1", "value": "!"}]}, content_type="application/json",
                       headers=headers).status_code == 400
    response = client.post(API, {"refused": "pin"}, content_type="application/json", headers=headers)
    assert response.status_code == 200 and response.json()["message"].startswith("Sai mã PIN")
    assert SigningAttempt.objects.get().code == "token_pin"
    assert AgentBatch.objects.get().used_at is None  # the code is still good for the right PIN
    assert client.put(API, headers=headers).status_code == 405


def prepared(small):
    documents = print_report_cards(small)
    subject_teachers_sign(small, documents)
    batch, code = agent_services.batch_prepare(actor=small.demo.user("homeroom_6a1"),
                                               documents=[latest(d) for d in documents], role=SigningRole.HOMEROOM)
    return documents, batch, code, agent_values(agent_services.batch_payload(batch))


def test_a_file_changed_on_the_last_document_seals_none_of_the_batch(pki_ready, small, monkeypatch):
    documents, batch, code, values = prepared(small)
    changed = latest(documents[-1]).path
    real_read = storage.read
    monkeypatch.setattr(storage, "read", lambda path: real_read(path) + b"%" if path == changed else real_read(path))
    with pytest.raises(agent_services.SigningRefused) as caught:
        agent_services.batch_finish(code=code, values=values)
    assert caught.value.reason == "changed"
    assert not Signature.objects.filter(role=SigningRole.HOMEROOM).exists()
    assert SigningAttempt.objects.get().code == "changed"


def test_a_failure_of_the_signing_library_is_a_logged_refusal_not_a_server_error(pki_ready, small, client,
                                                                                 monkeypatch):
    from archive.signing import interrupted

    documents, batch, code, values = prepared(small)

    def broken(*args, **kwargs):
        raise RuntimeError("pyHanko could not embed the signature")

    monkeypatch.setattr(interrupted, "finish", broken)
    response = post_values(client, code, values)
    assert response.status_code == 409, response.content
    assert "thử lại" in response.json()["message"]
    assert SigningAttempt.objects.get().code == "sign_failed"
    assert not Signature.objects.filter(role=SigningRole.HOMEROOM).exists()


def test_a_batch_body_above_the_anonymous_limit_reaches_the_agent_endpoint(pki_ready, small, client):
    from django.conf import settings

    documents, batch, code, values = prepared(small)
    body = {"signatures": [{"id": pk, "value": base64.b64encode(v).decode()} for pk, v in values.items()],
            "agent": "x" * (settings.ANONYMOUS_REQUEST_MAX_BYTES + 1024)}  # a class of 45: well above 64 KB
    response = client.post(API, body, content_type="application/json", headers={"X-Signing-Code": code})
    assert response.status_code == 200, response.content
    assert Signature.objects.filter(role=SigningRole.HOMEROOM).count() == len(documents)
    too_big = {"signatures": body["signatures"], "agent": "x" * settings.SIGNING_AGENT_MAX_BODY}
    assert client.post(API, too_big, content_type="application/json",
                       headers={"X-Signing-Code": code}).status_code == 413


def test_the_agent_page_shows_the_whole_command_and_the_agent_is_downloaded_from_the_server(
        pki_ready, small, login, client):
    documents = print_report_cards(small)
    subject_teachers_sign(small, documents)
    homeroom = login("homeroom_6a1")
    text = homeroom.post(prepare_url(small), {"role": SigningRole.HOMEROOM,
                                              "documents": [latest(d).pk for d in documents]}).content.decode()
    command = re.search(r'<pre id="agent-command">(.*?)</pre>', text, re.S).group(1)
    code = re.search(r'id="agent-code">([A-Z0-9-]+)<', text).group(1)
    assert f"--code {code}" in command and "--module &lt;thư viện PKCS#11 của USB token&gt;" in command
    assert "\n" not in command.strip() and "\\" not in command  # one line: cmd and PowerShell know no "\" continuation
    assert "/usr/lib/softhsm/libsofthsm2.so" in text and "bắt đầu bằng py" in text
    assert "thư viện PKCS#11 của USB token" in text and "eTPKCS11.dll" in text
    download = reverse("archive:signing_agent_download")
    assert f'href="{download}"' in text and "Tải chương trình ký về máy" in text
    response = homeroom.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="signing_agent.py"'
    assert b"".join(response.streaming_content) == AGENT.read_bytes()
    client.logout()
    assert client.get(download).status_code == 302  # to the log-in page: only the staff download it


def test_expired_unused_batches_are_deleted_with_their_prepared_signatures_and_their_history_kept(
        pki_ready, small):
    from archive.models import PreparedSignature
    from archive.signing import tasks

    documents = print_report_cards(small)
    subject_teachers_sign(small, documents)
    homeroom = small.demo.user("homeroom_6a1")
    expired, _code = agent_services.batch_prepare(actor=homeroom, documents=[latest(documents[0])],
                                                  role=SigningRole.HOMEROOM)
    waiting, code = agent_services.batch_prepare(actor=homeroom, documents=[latest(documents[1])],
                                                 role=SigningRole.HOMEROOM)
    used, used_code = agent_services.batch_prepare(actor=homeroom, documents=[latest(documents[2])],
                                                   role=SigningRole.HOMEROOM)
    agent_services.batch_finish(code=used_code, values=agent_values(agent_services.batch_payload(used)))
    past = expired.created_at - datetime.timedelta(minutes=1)
    AgentBatch.objects.filter(pk__in=[expired.pk, used.pk]).update(expires_at=past)
    assert tasks.agent_batches_clean.apply().get() == 1
    assert set(AgentBatch.objects.values_list("pk", flat=True)) == {waiting.pk, used.pk}
    assert not PreparedSignature.objects.filter(batch_id=expired.pk).exists()
    deleted = AgentBatch.history.filter(id=expired.pk).order_by("-history_id").first()
    assert deleted.history_type == "-" and deleted.history_change_reason.startswith("code expired unused")
    assert agent_services.batch_for_code(code) == waiting  # a code still in its quarter of an hour works
    # A used batch's row stays; its prepared signatures go a day after its use.
    assert PreparedSignature.objects.filter(batch=used).count() == 1
    assert agent_services.batches_clean(now=used.created_at + datetime.timedelta(days=2)) == (1, 2)
    assert AgentBatch.objects.filter(pk=used.pk).exists() and not PreparedSignature.objects.filter(batch=used)
    assert Signature.objects.filter(role=SigningRole.HOMEROOM).count() == 1


def test_beat_cleans_the_agents_batches_every_hour():
    from celery.schedules import crontab
    from django.conf import settings

    from schoolrecords.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["archive-agent-batches-clean"]
    assert entry["task"] == "archive.signing.tasks.agent_batches_clean" and entry["task"] in app.tasks
    assert entry["schedule"] == crontab(minute=17)


def test_the_agent_speaks_vietnamese_when_the_server_cannot_be_reached_or_is_not_https(capsys):
    import socket

    agent = load_agent()
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    status = agent.main(["--server", f"http://127.0.0.1:{port}", "--code", "ABCD", "--module", "/no/such.so"])
    assert status == 5 and "Không kết nối được máy chủ" in capsys.readouterr().err
    status = agent.main(["--server", "http://hocba.example.edu.vn", "--code", "ABCD", "--module", "/no/such.so"])
    assert status == 2 and "phải bắt đầu bằng https://" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        agent.main(["--server", "https://hocba.example.edu.vn", "--code", "ABCD", "--module", ""])
    assert "thư viện PKCS#11 của token (--module" in capsys.readouterr().err
    # A token problem the server could not be told of is said here, in Vietnamese.
    server = agent.Server(f"http://127.0.0.1:{port}", "ABCD")
    said = server.report("pin")
    assert said.startswith("Sai mã PIN của token") and "Không kết nối được máy chủ" in said
