"""The signing tests' set-up: one SoftHSM2 token folder per session, the demo PKI for the small school year."""

import pytest

from archive import jobs as archive_jobs
from archive import tasks
from archive.models import ArchivedDocument, Kind, Mode
from archive.signing import demo as demo_pki

SIGNERS = ("teacher_math", "gv_gdtc", "homeroom_6a1", "principal", "clerk")


@pytest.fixture
def pki_ready(small, settings, signing_dir):
    settings.SIGNING_DIR = signing_dir
    settings.SIGNING_TSA_URL = ""
    settings.SIGNING_TRUST_ROOTS = []
    settings.SIGNING_CRLS = []
    from schoolrecords.services import system_user

    people = [small.demo.user(name) for name in SIGNERS]
    pins = demo_pki.setup(school=small.demo.school, people=people, actor=system_user())
    return pins


def print_report_cards(small):
    batch = archive_jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=1,
                                     kind=Kind.REPORT_CARD, mode=Mode.AD_HOC, classes=[small.school_class],
                                     dispatch=False)
    for job in batch.jobs.order_by("pk"):
        tasks.render_job.apply(args=[job.pk])
    return list(ArchivedDocument.objects.filter(kind=Kind.REPORT_CARD, school_class=small.school_class)
                .order_by("student__code"))




def keep_token_cccds(usernames) -> None:
    """After a transactional test rebuilt the demo school (new ids), give each signer's profile the CCCD that the
    session's token already certifies for them (the demo gives a CCCD made from the id), so the tokens still match."""
    from archive.signing import config, pki, tokens
    from schoolrecords.services import system_user
    from tests.conftest import Demo

    module = config.module()
    labels = set(tokens.token_labels(module))
    demo = Demo()
    for username in usernames:
        label = f"staff-{username}"[:32]
        if label not in labels:
            continue
        with tokens.session(module, label, demo_pki.DEMO_PIN) as session:
            [(_label, certificate)] = tokens.read_certificates(session)
        profile = demo.user(username).profile
        _name, cccd = pki.holder(certificate)
        if profile.cccd != cccd:
            profile.cccd = cccd
            profile._history_user, profile._change_reason = system_user(), "test: the token's CCCD"
            profile.save(update_fields=["cccd"])
