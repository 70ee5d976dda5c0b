"""Remote signing through a CSC API v2 service (tests/cscserver.py, a real one on loopback that signs with the
credential's key and checks the PIN, the OTP and the SAD): register a credential, sign a 6A1 report card's
stage in one authorisation for the batch, validate with pyHanko; the refusals (wrong PIN/OTP, the service
down, a certificate naming another person, a signature that does not verify) in Vietnamese, logged."""

import pytest

from archive import storage
from archive.models import ArchivedDocument, RemoteCredential, Signature, SigningAttempt, SigningRole
from archive.signing import config, csc, csc_services, pades, pki, services
from archive.signing import demo as demo_pki
from tests import cscserver

from .signing_support import print_report_cards

pytestmark = pytest.mark.django_db

CLIENT_ID, CLIENT_SECRET, PIN, OTP = "school-client", "s3cret-of-the-school", "246810", "135790"


def issue_for(user, *, name=None, cccd=None):
    """A key and certificate the demo root issues for ``user`` (or naming someone else), as the service holds."""
    root = demo_pki._authority(config.folder())
    profile = user.profile
    issued = pki.issue(root, subject=pki.person_name(name or profile.full_name, cccd or profile.cccd,
                                                     profile.school.name))
    return issued, [issued.certificate, root.certificate]


@pytest.fixture
def remote(pki_ready, small):
    """The CSC service with a credential for teacher_math (id cred-math, user id their CCCD), set up for the
    school by the principal."""
    teacher = small.demo.user("teacher_math")
    issued, chain = issue_for(teacher)
    service = cscserver.CscService(clients={CLIENT_ID: CLIENT_SECRET}, credentials={
        "cred-math": cscserver.Credential(user_id=teacher.profile.cccd, key=issued.key, chain=chain, pin=PIN,
                                          multisign=10)})
    with cscserver.serve(service) as url:
        service.url = url
        csc_services.service_configure(actor=small.demo.user("principal"), school=small.demo.school,
                                       name="Test SmartCA", base_url=url, auth_mode="login", client_id=CLIENT_ID,
                                       secret=CLIENT_SECRET)
        yield service


def latest(document):
    return ArchivedDocument.objects.filter(scope_key=document.scope_key).order_by("-version").first()


def test_a_credential_is_discovered_registered_and_signs_a_batch_with_one_authorisation(remote, small):
    teacher = small.demo.user("teacher_math")
    credential = csc_services.credential_register(actor=teacher, user=teacher)
    assert credential.credential_id == "cred-math" and credential.certificate.active
    assert remote.count("credentials/list") == 1
    documents = print_report_cards(small)
    before = remote.count("credentials/authorize")
    made = csc_services.documents_sign_remote(actor=teacher, documents=documents,
                                              role=SigningRole.SUBJECT_TEACHERS, pin=PIN)
    assert len(made) == 3
    assert remote.count("credentials/authorize") - before == 1  # one PIN for the batch
    assert remote.count("signatures/signHash") == 1
    for document in documents:
        signed = latest(document)
        assert signed.version == document.version + 1
        content = storage.read(signed.path)
        assert content.startswith(storage.read(document.path))
        checks = pades.validate(content, trust=config.trust())
        assert len(checks) == 1 and checks[0].ok, checks[0].problems
        assert checks[0].signer_name == teacher.profile.full_name
    signature = Signature.objects.get(document=latest(documents[0]))
    assert signature.certificate.remote == credential and signature.history.count() == 1


def add_credential(remote, user, credential_id, **kwargs):
    issued, chain = issue_for(user, **{k: kwargs.pop(k) for k in ("name", "cccd") if k in kwargs})
    remote.credentials[credential_id] = cscserver.Credential(user_id=user.profile.cccd, key=issued.key, chain=chain,
                                                             pin=PIN, **kwargs)
    return remote.credentials[credential_id]


def refused(call, code):
    with pytest.raises(services.SigningRefused) as caught:
        call()
    assert caught.value.reason == code, caught.value.messages
    return str(caught.value.messages[0])


def test_a_batch_larger_than_the_services_multisign_is_authorised_per_multisign(remote, small):
    teacher = small.demo.user("teacher_math")
    remote.credentials["cred-math"].multisign = 2
    csc_services.credential_register(actor=teacher, user=teacher, credential_id="cred-math")
    assert remote.count("credentials/list") == 0
    documents = print_report_cards(small)
    made = csc_services.documents_sign_remote(actor=teacher, documents=documents,
                                              role=SigningRole.SUBJECT_TEACHERS, pin=PIN)
    assert len(made) == 3
    assert remote.count("credentials/authorize") == 2 and remote.count("signatures/signHash") == 2


def test_a_wrong_pin_or_otp_is_refused_in_vietnamese_nothing_sealed_and_logged(remote, small):
    teacher = small.demo.user("teacher_math")
    remote.credentials["cred-math"].otp = OTP
    csc_services.credential_register(actor=teacher, user=teacher)
    documents = print_report_cards(small)

    def sign(pin, otp=""):
        return lambda: csc_services.documents_sign_remote(actor=teacher, documents=documents,
                                                          role=SigningRole.SUBJECT_TEACHERS, pin=pin, otp=otp)

    assert "Sai mã PIN" in refused(sign("000000", OTP), "remote_pin")
    assert "OTP" in refused(sign(PIN, "111111"), "remote_otp")
    assert remote.count("signatures/signHash") == 0
    assert not Signature.objects.exists() and ArchivedDocument.objects.filter(version__gt=1).count() == 0
    assert list(SigningAttempt.objects.filter(action="sign").order_by("pk").values_list("code", "document")) == [
        ("remote_pin", documents[0].pk), ("remote_otp", documents[0].pk)]
    made = csc_services.documents_sign_remote(actor=teacher, documents=documents,
                                              role=SigningRole.SUBJECT_TEACHERS, pin=PIN, otp=OTP)
    assert len(made) == 3


def test_the_service_down_is_refused_at_registration_and_at_signing(remote, small):
    teacher = small.demo.user("teacher_math")
    csc_services.credential_register(actor=teacher, user=teacher)
    documents = print_report_cards(small)
    with cscserver.serve(cscserver.CscService(clients={}, credentials={})) as gone:
        pass  # a port that answered a moment ago, closed now
    csc_services.service_configure(actor=small.demo.user("principal"), school=small.demo.school,
                                   name="Test SmartCA", base_url=gone, auth_mode="login", client_id=CLIENT_ID)
    message = refused(lambda: csc_services.documents_sign_remote(
        actor=teacher, documents=documents, role=SigningRole.SUBJECT_TEACHERS, pin=PIN), "remote_down")
    assert "không trả lời" in message
    refused(lambda: csc_services.credential_register(actor=teacher, user=teacher), "remote_down")
    assert not Signature.objects.exists()
    assert set(SigningAttempt.objects.values_list("action", "code")) == {("sign", "remote_down"),
                                                                          ("register", "remote_down")}


def test_a_wrong_client_secret_is_a_refused_login(remote, small):
    teacher = small.demo.user("teacher_math")
    csc_services.service_configure(actor=small.demo.user("principal"), school=small.demo.school, name="Test",
                                   base_url=remote.url, auth_mode="login", client_id=CLIENT_ID, secret="wrong")
    refused(lambda: csc_services.credential_register(actor=teacher, user=teacher), "remote_login")


def test_a_credential_whose_certificate_names_another_person_is_refused(remote, small):
    teacher = small.demo.user("teacher_math")
    del remote.credentials["cred-math"]
    add_credential(remote, teacher, "cred-other", name="Nguyễn Văn Khác")
    message = refused(lambda: csc_services.credential_register(actor=teacher, user=teacher), "other_name")
    assert "Nguyễn Văn Khác" in message
    add_credential(remote, teacher, "cred-cccd", cccd="079000000001")
    refused(lambda: csc_services.credential_register(actor=teacher, user=teacher, credential_id="cred-cccd"),
            "other_cccd")
    assert not RemoteCredential.objects.exists()
    assert services.selectors.active_certificate(user=teacher).token_label  # the token's certificate stays in use
    assert list(SigningAttempt.objects.order_by("pk").values_list("action", "code")) == [
        ("register", "other_name"), ("register", "other_cccd")]


def test_a_signature_that_does_not_verify_is_refused_and_nothing_is_sealed(remote, small):
    teacher = small.demo.user("teacher_math")
    csc_services.credential_register(actor=teacher, user=teacher)
    documents = print_report_cards(small)
    remote.credentials["cred-math"].forge = True  # the service signs with another key
    message = refused(lambda: csc_services.documents_sign_remote(
        actor=teacher, documents=documents[:1], role=SigningRole.SUBJECT_TEACHERS, pin=PIN), "remote_bad_signature")
    assert "không khớp" in message or "không xác minh" in message
    assert remote.count("signatures/signHash") == 1
    assert latest(documents[0]).pk == documents[0].pk and not Signature.objects.exists()
    assert SigningAttempt.objects.get().code == "remote_bad_signature"


def test_the_secret_is_stored_encrypted_and_kept_when_left_blank(remote, small):
    from archive.models import RemoteSigningService

    service = RemoteSigningService.objects.get(school=small.demo.school)
    assert CLIENT_SECRET not in service.secret and csc_services.secret_open(service.secret) == CLIENT_SECRET
    csc_services.service_configure(actor=small.demo.user("principal"), school=small.demo.school, name="Renamed",
                                   base_url=remote.url, auth_mode="login", client_id=CLIENT_ID, secret="")
    service.refresh_from_db()
    assert service.name == "Renamed" and csc_services.secret_open(service.secret) == CLIENT_SECRET
    assert service.history.count() == 2 and not hasattr(service.history.first(), "secret")
    with pytest.raises(services.PermissionDenied):
        csc_services.service_configure(actor=small.demo.user("teacher_math"), school=small.demo.school, name="x",
                                       base_url=remote.url, auth_mode="login", client_id="x", secret="y")


def test_csc_key_is_a_key_source_for_the_token_route_too(remote, small):
    """The one-document route: CscKey as the ``key`` of services.documents_sign (pades.sign, one event loop per
    signature, one authorisation per document)."""
    teacher = small.demo.user("teacher_math")
    csc_services.credential_register(actor=teacher, user=teacher)
    documents = print_report_cards(small)[:2]
    key = csc.CscKey(service=csc.Service(base_url=remote.url, client_id=CLIENT_ID, secret=CLIENT_SECRET),
                     credential_id="cred-math", pin=PIN)
    made = services.documents_sign(actor=teacher, documents=documents, role=SigningRole.SUBJECT_TEACHERS, key=key)
    assert len(made) == 2 and remote.count("credentials/authorize") == 2
    for document in documents:
        checks = pades.validate(storage.read(latest(document).path), trust=config.trust())
        assert [c.ok for c in checks] == [True]


# --- the pages ----------------------------------------------------------------------------------------


def board_url(small, remote_sign=False):
    from django.urls import reverse

    name = "archive:signing_remote_sign" if remote_sign else "archive:signing_board"
    return f"{reverse(name, args=[small.school_class.pk])}?term=1&kind=report_card"


def test_the_principal_sets_the_service_up_and_its_secret_is_never_shown_back(pki_ready, small, login):
    from django.urls import reverse

    from archive.models import RemoteSigningService

    client = login("principal")
    url = reverse("archive:signing_remote_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "VNPT SmartCA", "base_url": "https://csc.example.vn", "auth_mode": "login",
                                 "client_id": "", "secret": "top-secret-value", "enabled": "on"})
    assert response.status_code == 400 and "Nhập mã ứng dụng (client id)" in response.content.decode()
    assert not RemoteSigningService.objects.exists()
    response = client.post(url, {"name": "VNPT SmartCA", "base_url": "https://csc.example.vn",
                                 "auth_mode": "login", "client_id": "abc", "secret": "top-secret-value",
                                 "enabled": "on"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "top-secret-value" not in page and "Đã lưu một khóa bí mật" in page
    assert "top-secret-value" not in RemoteSigningService.objects.get().secret
    assert login("teacher_math").get(url).status_code == 403


def test_a_teacher_registers_their_credential_and_signs_from_the_board_remotely(remote, small, login):
    from django.urls import reverse

    documents = print_report_cards(small)
    client = login("teacher_math")
    page = client.get(board_url(small)).content.decode()
    assert "Ký bằng ký số từ xa" not in page  # no credential yet
    response = client.post(reverse("archive:signing_remote_credential"), {"credential_id": "", "user_id": ""})
    assert response.status_code == 302
    assert "cred-math" in client.get(reverse("archive:signing_remote_credential")).content.decode()
    page = client.get(board_url(small)).content.decode()
    assert "Ký bằng ký số từ xa" in page and 'name="otp"' in page
    data = {"role": SigningRole.SUBJECT_TEACHERS, "documents": [d.pk for d in documents]}
    response = client.post(board_url(small, remote_sign=True), {**data, "pin": "999999"})
    assert response.status_code == 400 and "Sai mã PIN của dịch vụ ký số từ xa" in response.content.decode()
    response = client.post(board_url(small, remote_sign=True), {**data, "pin": ""})
    assert response.status_code == 400 and "Nhập mã PIN (hoặc mã OTP)" in response.content.decode()
    assert not Signature.objects.exists()
    response = client.post(board_url(small, remote_sign=True), {**data, "pin": PIN})
    assert response.status_code == 302 and response["Location"] == board_url(small)
    assert Signature.objects.filter(signer__username="teacher_math").count() == 3
    assert remote.count("credentials/authorize") == 2  # the wrong PIN's, and one for the batch of three


def test_the_services_list_of_credentials_has_a_fixed_number_of_queries(remote, small, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    for username, credential_id in (("teacher_math", "cred-math"), ("gv_gdtc", "cred-gdtc")):
        user = small.demo.user(username)
        if credential_id not in remote.credentials:
            add_credential(remote, user, credential_id)
        csc_services.credential_register(actor=user, user=user, credential_id=credential_id)
        client = login("principal")
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("archive:signing_remote_settings"))
        assert page.status_code == 200 and user.profile.full_name in page.content.decode()
        if username == "teacher_math":
            one = len(queries)
        else:
            assert len(queries) == one


def test_a_bearer_access_token_is_an_auth_mode_too(remote, small):
    remote.tokens.add("token-the-provider-gave")
    csc_services.service_configure(actor=small.demo.user("principal"), school=small.demo.school, name="Test",
                                   base_url=remote.url, auth_mode="token", secret="token-the-provider-gave")
    teacher = small.demo.user("teacher_math")
    credential = csc_services.credential_register(actor=teacher, user=teacher)
    assert credential.credential_id == "cred-math" and remote.count("auth/login") == 0


def test_a_document_out_of_turn_after_the_remote_signing_seals_none_of_the_batch(remote, small, monkeypatch):
    teacher = small.demo.user("teacher_math")
    csc_services.credential_register(actor=teacher, user=teacher)
    documents = print_report_cards(small)
    real_sign_batch = csc.sign_batch

    def meanwhile(*args, **kwargs):  # the other subject teacher signs the last one while the service signs
        result = real_sign_batch(*args, **kwargs)
        services.documents_sign(actor=small.demo.user("gv_gdtc"), documents=[documents[-1]],
                                role=SigningRole.SUBJECT_TEACHERS, pin=demo_pki.DEMO_PIN)
        return result

    monkeypatch.setattr(csc, "sign_batch", meanwhile)
    refused(lambda: csc_services.documents_sign_remote(actor=teacher, documents=documents,
                                                       role=SigningRole.SUBJECT_TEACHERS, pin=PIN), "superseded")
    assert not Signature.objects.filter(signer=teacher).exists()


def test_a_failure_of_the_signing_library_is_a_logged_refusal(remote, small, monkeypatch):
    teacher = small.demo.user("teacher_math")
    csc_services.credential_register(actor=teacher, user=teacher)
    documents = print_report_cards(small)

    def broken(*args, **kwargs):
        raise RuntimeError("pyHanko could not embed the signature")

    monkeypatch.setattr(csc, "sign_batch", broken)
    message = refused(lambda: csc_services.documents_sign_remote(actor=teacher, documents=documents,
                                                                 role=SigningRole.SUBJECT_TEACHERS, pin=PIN),
                      "sign_failed")
    assert "thử lại" in message and SigningAttempt.objects.get().code == "sign_failed"


def test_a_staff_member_cannot_list_anothers_credentials_by_typing_their_user_id(remote, small, login):
    from django.urls import reverse

    homeroom = small.demo.user("homeroom_6a1")
    add_credential(remote, homeroom, "cred-home", multisign=10)
    client = login("teacher_math")
    response = client.post(reverse("archive:signing_remote_credential"),
                           {"credential_id": "", "user_id": homeroom.profile.cccd})
    assert response.status_code == 302  # the typed id is not read: the teacher's own CCCD is asked
    assert RemoteCredential.objects.get().credential_id == "cred-math"
    assert not SigningAttempt.objects.exists()
    assert homeroom.profile.full_name not in client.get(reverse("archive:signing_remote_credential")).content.decode()


def test_the_services_address_must_be_https_except_on_this_machine(remote, small):
    from django.core.exceptions import ValidationError

    principal = small.demo.user("principal")
    for address in ("http://smartca.example.vn/csc/v1", "ftp://smartca.example.vn", "https://"):
        with pytest.raises(ValidationError) as caught:
            csc_services.service_configure(actor=principal, school=small.demo.school, name="SmartCA",
                                           base_url=address, auth_mode="login", client_id=CLIENT_ID)
        assert "https://" in str(caught.value.message_dict["base_url"])
    assert csc_services.secure_address("https://smartca.example.vn/csc/v1")
    assert csc_services.secure_address(remote.url)  # the test's service on 127.0.0.1


def test_a_refused_usb_token_signing_renders_the_board_with_remote_signing_still_offered(remote, small, login):
    from django.urls import reverse

    documents = print_report_cards(small)
    teacher = small.demo.user("teacher_math")
    csc_services.credential_register(actor=teacher, user=teacher)
    client = login("teacher_math")
    prepare = f"{reverse('archive:signing_agent_prepare', args=[small.school_class.pk])}?term=1&kind=report_card"
    # The principal's stage is not a subject teacher's: refused, the very board again.
    response = client.post(prepare, {"role": SigningRole.PRINCIPAL, "documents": [d.pk for d in documents]})
    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split('id="documents-errors">', 1)[1].split("</div>", 1)[0]
    assert "Thầy/cô không phải người ký bước này" in errors, errors
    assert 'id="remote-signing"' in page and 'name="otp"' in page and "Ký bằng ký số từ xa" in page
    assert 'id="sign-with-agent"' in page and 'id="signing-board"' in page and 'name="pin"' in page
    assert page.count('name="documents"') == len(documents)
    # And a refused remote signing keeps "Sign with my USB token" and the remote form.
    response = client.post(board_url(small, remote_sign=True), {
        "role": SigningRole.SUBJECT_TEACHERS, "documents": [d.pk for d in documents], "pin": "999999"})
    page = response.content.decode()
    assert response.status_code == 400 and "Sai mã PIN của dịch vụ ký số từ xa" in page
    assert 'id="remote-signing"' in page and 'id="sign-with-agent"' in page
    assert not Signature.objects.exists()
