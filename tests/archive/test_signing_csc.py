"""Remote signing through a CSC API v2 service (tests/cscserver.py, a real one on loopback that signs with the
credential's key and checks the PIN, the OTP and the SAD): register a credential, sign a 6A1 report card's
stage in one authorisation for the batch, validate with pyHanko; the refusals (wrong PIN/OTP, the service
down, a certificate naming another person, a signature that does not verify) in Vietnamese, logged."""

import contextlib

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
