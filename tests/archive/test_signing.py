"""Signed records: a 6A1 report card signed through every stage with SoftHSM2 tokens, validated with pyHanko;
the refusals (expired, untrusted, someone else's certificate, wrong PIN, absent token, out of order)."""

import datetime
import io
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from archive import storage
from archive.models import ArchivedDocument, Kind, Signature, SigningAttempt, SigningCertificate, SigningRole
from archive.signing import config, pades, pki, selectors, services, stages
from archive.signing import demo as demo_pki

from .signing_support import SIGNERS, print_report_cards

pytestmark = pytest.mark.django_db


def sign(small, username, role, documents, pin=demo_pki.DEMO_PIN):
    return services.documents_sign(actor=small.demo.user(username), documents=documents, role=role, pin=pin)


def latest(document):
    return ArchivedDocument.objects.filter(scope_key=document.scope_key).order_by("-version").first()


def roots_from_command():
    out = io.StringIO()
    call_command("signing_root", stdout=out)
    return pki.load_certificates(out.getvalue().encode())


def test_a_report_card_is_signed_through_every_stage_and_pyhanko_validates_it(pki_ready, small):
    first = print_report_cards(small)[0]
    original = storage.read(first.path)
    sign(small, "gv_gdtc", SigningRole.SUBJECT_TEACHERS, [first])
    sign(small, "teacher_math", SigningRole.SUBJECT_TEACHERS, [latest(first)])
    sign(small, "homeroom_6a1", SigningRole.HOMEROOM, [latest(first)])
    sign(small, "principal", SigningRole.PRINCIPAL, [latest(first)])
    sign(small, "clerk", SigningRole.SEAL, [latest(first)], pin="")  # the seal's PIN is the server's
    final = latest(first)
    assert final.version == 6
    chain = selectors.chains([final])[final.pk]
    assert [(s.role, s.signer.username) for s in chain] == [
        ("subject_teachers", "gv_gdtc"), ("subject_teachers", "teacher_math"), ("homeroom", "homeroom_6a1"),
        ("principal", "principal"), ("seal", "clerk")]
    # Each version supersedes the one it signed; the old files are untouched and the new ones append to them.
    versions = list(ArchivedDocument.objects.filter(scope_key=first.scope_key).order_by("version"))
    assert [v.supersedes_id for v in versions] == [None] + [v.pk for v in versions[:-1]]
    assert storage.read(first.path) == original
    contents = [storage.read(v.path) for v in versions]
    assert all(later.startswith(earlier) for earlier, later in zip(contents, contents[1:], strict=False))
    # pyHanko's validator against signing_root's output: every signature intact, timestamped, LTV data present.
    roots = roots_from_command()
    assert [pki.fingerprint(r) for r in roots] == [pki.fingerprint(r) for r in config.trust_roots()]
    trust = pades.Trust(roots=tuple(roots), crls=config.trust().crls)
    checks = pades.validate(contents[-1], trust=trust)
    assert len(checks) == 5 and all(check.ok for check in checks), [c.problems for c in checks]
    names = {small.demo.user(u).profile.full_name for u in SIGNERS[:4]} | {small.demo.school.name}
    assert {c.signer_name for c in checks} == names
    assert all(isinstance(c.signed_at, datetime.datetime) for c in checks)
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(contents[-1])))
    assert list(dss.load_certs()) and dss.crls  # the validation data are in the file
    # Every signature row says who, when, with which certificate, and which version it made.
    signature = Signature.objects.get(document=final)
    assert (signature.signed_id, signature.certificate.user, signature.role) == (versions[-2].pk, None, "seal")
    assert signature.history.count() == 1


def test_archive_verify_validates_the_signatures_and_sees_one_changed_byte(pki_ready, small):
    first = print_report_cards(small)[0]
    sign(small, "gv_gdtc", SigningRole.SUBJECT_TEACHERS, [first])
    signed = latest(first)
    out = io.StringIO()
    call_command("archive_verify", stdout=out)
    assert any(line.startswith("signed") and signed.file_name in line and "1 signature(s) valid" in line
               for line in out.getvalue().splitlines())
    path = storage.absolute(signed.path)
    os.chmod(path, 0o644)
    content = bytearray(path.read_bytes())
    content[len(storage.read(first.path)) + 300] ^= 0x01  # one byte of the signed update
    path.write_bytes(bytes(content))
    out = io.StringIO()
    with pytest.raises(CommandError, match="bad signature"):
        call_command("archive_verify", "--quiet", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("CHANGED") and signed.file_name in line for line in lines)
    assert any(line.startswith("SIGNATURE") and signed.file_name in line for line in lines)


def test_a_batch_signs_every_document_with_one_pin_and_the_board_shows_who_is_left(pki_ready, small):
    documents = print_report_cards(small)
    made = sign(small, "teacher_math", SigningRole.SUBJECT_TEACHERS, documents)
    assert len(made) == len(documents) == 3
    board = selectors.board(actor=small.demo.user("gv_gdtc"), school_class=small.school_class, term=small.term1,
                            kind=Kind.REPORT_CARD)
    assert all(row.progress.open_stage == stages.SUBJECT_TEACHERS for row in board.rows)
    assert all(row.mine == [SigningRole.SUBJECT_TEACHERS] for row in board.rows)
    assert board.waiting_names(board.rows[0]) == [small.demo.user("gv_gdtc").profile.full_name]
    waiting = selectors.waiting_for(actor=small.demo.user("gv_gdtc"), year=small.year)
    assert [(w.school_class.name, w.kind, w.count) for w in waiting] == [("6A1", Kind.REPORT_CARD, 3)]
    assert selectors.waiting_for(actor=small.demo.user("homeroom_6a1"), year=small.year) == []


def test_out_of_order_and_not_the_stages_signer_are_refused_and_logged(pki_ready, small):
    first = print_report_cards(small)[0]
    with pytest.raises(services.SigningRefused, match="các bước trước chưa ký đủ") as caught:
        sign(small, "principal", SigningRole.PRINCIPAL, [first])
    assert caught.value.reason == "out_of_order"
    with pytest.raises(services.SigningRefused) as caught:
        sign(small, "gv_gdtc", SigningRole.HOMEROOM, [first])
    assert caught.value.reason == "not_entitled"
    assert latest(first).pk == first.pk  # nothing sealed
    assert list(SigningAttempt.objects.filter(document=first).values_list("code", flat=True).order_by("pk")) == [
        "out_of_order", "not_entitled"]


def test_a_wrong_pin_and_an_absent_token_are_refused_with_nothing_sealed(pki_ready, small):
    first = print_report_cards(small)[0]
    with pytest.raises(services.SigningRefused, match="PIN") as caught:
        sign(small, "gv_gdtc", SigningRole.SUBJECT_TEACHERS, [first], pin="000000")
    assert caught.value.reason == "token_pin"
    registered = SigningCertificate.objects.get(user=small.demo.user("gv_gdtc"), active=True)
    registered.token_label = "unplugged-token"
    registered.save(update_fields=["token_label"])
    with pytest.raises(services.SigningRefused, match="unplugged-token") as caught:
        sign(small, "gv_gdtc", SigningRole.SUBJECT_TEACHERS, [first])
    assert caught.value.reason == "token_absent"
    assert latest(first).pk == first.pk and not Signature.objects.exists()
    assert list(SigningAttempt.objects.values_list("code", flat=True).order_by("pk")) == ["token_pin", "token_absent"]


def _root(folder):
    return pki.Issued(pki.load_certificate((folder / "roots.pem").read_bytes()),
                      pki.load_key((folder / "root.key").read_bytes()))


def test_certificates_that_expired_are_untrusted_or_name_someone_else_are_refused(pki_ready, small, signing_dir):
    teacher = small.demo.user("gv_gdtc")
    profile = teacher.profile
    root = _root(signing_dir)
    now = datetime.datetime.now(datetime.UTC)
    cases = {
        "expired": pki.issue(root, subject=pki.person_name(profile.full_name, profile.cccd),
                             not_before=now - datetime.timedelta(days=800), not_after=now - datetime.timedelta(days=1)),
        "untrusted": pki.issue(pki.make_root("Another CA"), subject=pki.person_name(profile.full_name, profile.cccd)),
        "other_name": pki.issue(root, subject=pki.person_name("Người Khác", profile.cccd)),
        "other_cccd": pki.issue(root, subject=pki.person_name(profile.full_name, "099999999999")),
    }
    before = SigningCertificate.objects.count()
    for code, issued in cases.items():
        with pytest.raises(services.SigningRefused) as caught:
            services.certificate_register(actor=teacher, user=teacher, data=issued.pem)
        assert caught.value.reason == code
    assert SigningCertificate.objects.count() == before
    assert list(SigningAttempt.objects.filter(action="register").values_list("code", flat=True).order_by("pk")) == \
        list(cases)
    # A certificate that expires after its registration is refused at signing time.
    registered = SigningCertificate.objects.get(user=teacher, active=True)
    expired = pki.issue(root, subject=pki.person_name(profile.full_name, profile.cccd),
                        not_before=now - datetime.timedelta(days=800), not_after=now - datetime.timedelta(days=1))
    registered.pem = expired.pem.decode()
    registered.save(update_fields=["pem"])
    first = print_report_cards(small)[0]
    with pytest.raises(services.SigningRefused) as caught:
        sign(small, "gv_gdtc", SigningRole.SUBJECT_TEACHERS, [first])
    assert caught.value.reason == "expired" and latest(first).pk == first.pk


def test_a_certificate_is_read_from_the_token_and_registered_once(pki_ready, small):
    teacher = small.demo.user("gv_gdtc")
    registered = SigningCertificate.objects.get(user=teacher, active=True)
    again = services.certificate_register(actor=teacher, user=teacher, token_label=registered.token_label,
                                          pin=demo_pki.DEMO_PIN)
    assert again.pk == registered.pk
    assert (again.subject_name, again.cccd) == (teacher.profile.full_name, teacher.profile.cccd)


def test_archive_sign_signs_every_stage_with_the_demo_tokens(pki_ready, small):
    documents = print_report_cards(small)
    out = io.StringIO()
    call_command("archive_sign", "--year", small.year.name, "--term", "1", "--kind", "report_card", "--class", "6A1",
                 "--school", small.demo.school.code, stdout=out)
    assert "3 of 3 document(s) fully signed" in out.getvalue()
    for document in documents:
        assert latest(document).version == 6
        assert all(check.ok for check in pades.validate(storage.read(latest(document).path), trust=config.trust()))


def test_the_principal_sets_the_schools_order_of_signatures_for_a_kind(pki_ready, small):
    from django.core.exceptions import PermissionDenied, ValidationError

    school = small.demo.school
    assert selectors.plan(school.pk, Kind.LEDGER) == stages.DEFAULT_PLANS["ledger"]
    with pytest.raises(PermissionDenied):
        services.plan_set(actor=small.demo.user("clerk"), school=school, kind=Kind.LEDGER, plan=["seal"])
    with pytest.raises(ValidationError, match="cuối|last"):
        services.plan_set(actor=small.demo.user("principal"), school=school, kind=Kind.LEDGER,
                          plan=["seal", "principal"])
    plan = services.plan_set(actor=small.demo.user("principal"), school=school, kind=Kind.LEDGER,
                             plan=["principal", "seal"], reason="Quyết định của nhà trường")
    assert plan == ("principal", "seal")
    from archive.models import SigningStage

    assert SigningStage.history.filter(school=school, kind=Kind.LEDGER).count() == 2
    assert services.plan_set(actor=small.demo.user("principal"), school=school, kind=Kind.LEDGER,
                             plan=[]) == stages.DEFAULT_PLANS["ledger"]


def test_on_a_real_school_archive_sign_applies_only_the_seal_and_lists_what_waits(pki_ready, small, settings,
                                                                                 monkeypatch):
    documents = print_report_cards(small)
    seal_label = next(label for label in pki_ready if label.startswith("seal-"))
    settings.SIGNING_SEAL_TOKEN_LABEL, settings.SIGNING_SEAL_PIN = seal_label, pki_ready[seal_label]
    monkeypatch.setattr(config, "demo_pins", dict)  # no demo PINs: the people sign with their own tokens
    for username in ("gv_gdtc", "teacher_math"):
        sign(small, username, SigningRole.SUBJECT_TEACHERS, [latest(documents[0])])
    sign(small, "homeroom_6a1", SigningRole.HOMEROOM, [latest(documents[0])])
    sign(small, "principal", SigningRole.PRINCIPAL, [latest(documents[0])])
    out = io.StringIO()
    call_command("archive_sign", "--year", small.year.name, "--term", "1", "--kind", "report_card", "--class", "6A1",
                 "--school", small.demo.school.code, stdout=out)
    text = out.getvalue()
    assert "seal              clerk            signed 1 document(s)" in text
    assert "1 of 3 document(s) fully signed" in text and text.count("waiting for subject_teachers") == 2
    assert Signature.objects.get(document=latest(documents[0])).role == SigningRole.SEAL
