"""The signing rules without a database: the order of stages, and the RFC 3161 TSA the tests and the demo run."""

import asyncio
import hashlib
import urllib.request

import pytest
from asn1crypto import tsp
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator import ValidationContext

from archive.signing import pades, pki, stages, tsa

PLAN = stages.DEFAULT_PLANS["report_card"]
T1, T2, HOME, PRINCIPAL, CLERK = 1, 2, 3, 4, 5


@pytest.mark.parametrize(("signed", "role", "signer", "entitled", "expected"), [
    ({}, stages.SUBJECT_TEACHERS, T2, True, None),  # parallel: either teacher first
    ({}, stages.SUBJECT_TEACHERS, T1, True, None),
    ({"subject_teachers": {T1}}, stages.SUBJECT_TEACHERS, T1, True, "already_signed"),
    ({"subject_teachers": {T1}}, stages.HOMEROOM, HOME, True, "out_of_order"),  # T2 has not signed
    ({"subject_teachers": {T1, T2}}, stages.HOMEROOM, HOME, True, None),
    ({"subject_teachers": {T1, T2}}, stages.PRINCIPAL, PRINCIPAL, True, "out_of_order"),
    ({"subject_teachers": {T1, T2}}, stages.HOMEROOM, T1, False, "not_entitled"),
    ({"subject_teachers": {T1, T2}, "homeroom": {HOME}}, stages.HOMEROOM, HOME, True, "already_signed"),
    ({"subject_teachers": {T1, T2}, "homeroom": {HOME}, "principal": {PRINCIPAL}}, stages.SEAL, CLERK, True, None),
    ({"subject_teachers": {T1, T2}, "homeroom": {HOME}, "principal": {PRINCIPAL}, "seal": {CLERK}}, stages.SEAL,
     CLERK, True, "complete"),
])
def test_who_may_sign_a_report_card_when(signed, role, signer, entitled, expected):
    assert stages.refusal(PLAN, signed, {T1, T2}, role=role, signer_id=signer, entitled=entitled) == expected


def test_a_ledger_has_no_subject_teachers_stage_and_a_class_without_teachers_skips_theirs():
    assert stages.refusal(stages.DEFAULT_PLANS["ledger"], {}, {T1}, role=stages.SUBJECT_TEACHERS, signer_id=T1,
                          entitled=True) == "not_in_plan"
    state = stages.progress(PLAN, {}, set())
    assert (state.done, state.open_stage) == ((stages.SUBJECT_TEACHERS,), stages.HOMEROOM)
    state = stages.progress(PLAN, {"subject_teachers": {T1}}, {T1, T2})
    assert (state.open_stage, state.waiting_teachers) == (stages.SUBJECT_TEACHERS, frozenset({T2}))


@pytest.fixture(scope="module")
def authority():
    root = pki.make_root("Test root")
    issued = pki.issue(root, subject=pki.plain_name("Test TSA"), purpose="tsa")
    return root, tsa.TimestampAuthority(certificate=issued.certificate, key=issued.key, chain=[root.certificate])


def test_the_tsa_answers_a_real_rfc3161_request_over_http_with_a_token_that_validates(authority):
    root, server = authority
    with tsa.serve(server) as url:
        stamper = RequestsHTTPTimeStamper(url)
        digest = hashlib.sha256(b"hoc ba").digest()
        token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
        context = ValidationContext(trust_roots=[pades.as_asn1(root.certificate)], allow_fetching=False,
                                    revocation_mode="soft-fail")
        from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

        status = asyncio.run(validate_tst_signed_data(token["content"], context, lambda _algorithm: digest))
    assert status["intact"] and status["valid"] and status["trust_problem_indic"] is None
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["policy"].dotted == tsa.POLICY


def test_the_tsa_rejects_what_is_not_a_timestamp_request(authority):
    _root, server = authority
    answer = tsa.Rejection.load(server.respond(b"not DER at all"))
    assert answer["status"]["status"].native == "rejection"
    assert "bad_data_format" in answer["status"]["fail_info"].native
    request = tsp.TimeStampReq({"version": "v1", "message_imprint": {
        "hash_algorithm": {"algorithm": "md5"}, "hashed_message": b"0" * 16}}).dump()
    assert "bad_alg" in tsa.Rejection.load(server.respond(request))["status"]["fail_info"].native
    with tsa.serve(server) as url:
        request = urllib.request.Request(url, data=b"x", headers={"Content-Type": "text/plain"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 415


def test_a_certificate_names_its_holder_and_cccd():
    root = pki.make_root("Test root")
    issued = pki.issue(root, subject=pki.person_name("Nguyễn Thị Ánh Dương", "001234567890", "THCS Nguyễn Du"))
    assert pki.holder(issued.certificate) == ("Nguyễn Thị Ánh Dương", "001234567890")
    assert pki.load_certificate(issued.der).serial_number == issued.certificate.serial_number
