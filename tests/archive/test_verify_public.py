"""The public verification page (issue 15, items 6 and 8; brief "verify"): anyone, no log-in, by code or by file.

It answers whether a copy matches the sealed original, what the document is (kind, school, class,
the student's initials: nothing more of the student, nothing of another school), when it was sealed,
whether it was superseded or revoked; bad input (an unknown code, a changed byte, a non-PDF, an
oversized file) gets a Vietnamese message and is logged; one address may ask only so often.
"""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from archive import codes, storage, verification
from archive.models import ArchivedDocument, Kind, Revocation, SealedError, VerificationAttempt

from .conftest import SMALL_YEAR
from .test_verify_printed import seal

pytestmark = pytest.mark.django_db

Outcome = VerificationAttempt.Outcome


@pytest.fixture
def cards(small, other_school):
    """The report cards of 6A1 at the end of the year, sealed; the other school exists beside the demo school."""
    return {document.student.code: document for document in seal(small, Kind.REPORT_CARD)}


def anonymous(address="203.0.113.5") -> Client:
    return Client(REMOTE_ADDR=address)


def page_text(response) -> str:
    return response.content.decode()


def assert_minimal(text: str, small, other_school) -> None:
    """What the public page never shows: full names, the other students, the other school, the scores."""
    for name in ("Nguyễn Thị Ánh Dương", "Trần Văn Đức", "Lê Hoàng Yến", "ARC001", "ARC002", "Tổ 3, phường Mạo Khê",
                 other_school["school"].name, other_school["student"].full_name, "8,7", "9,3",
                 small.homeroom.profile.full_name):
        assert name not in text, name


def test_anyone_typing_the_printed_code_sees_it_matches_with_the_students_initials_only(small, cards, other_school):
    card = cards["ARC001"]
    client = anonymous()
    for response in (client.get(reverse("verify:code", args=[card.code])),
                     client.post(reverse("verify:index"), {"code": codes.display(card.code).lower()}),
                     client.get(reverse("verify:index"), {"code": codes.display(card.code)})):
        assert response.status_code == 200
        text = page_text(response)
        assert "Khớp với bản gốc lưu trữ, văn bản đang có hiệu lực." in text
        for shown in ("Học bạ", "Trường THCS Nguyễn Du", "6A1", "N. T. Á. D.", SMALL_YEAR.name, codes.display(card.code),
                      card.created_at.astimezone().strftime("%d/%m/%Y")):
            assert shown in text, shown
        assert_minimal(text, small, other_school)
    attempts = VerificationAttempt.objects.order_by("pk")
    assert [(a.method, a.outcome, a.document_id, a.address) for a in attempts] == [
        ("code", Outcome.MATCHES, card.pk, "203.0.113.5")] * 3


def test_the_uploaded_original_matches_and_the_same_file_changed_by_one_byte_does_not(small, cards, other_school,
                                                                                     caplog):
    card = cards["ARC002"]
    original = storage.read(card.path)
    client = anonymous()
    response = client.post(reverse("verify:index"), {"file": SimpleUploadedFile("hoc-ba.pdf", original,
                                                                                "application/pdf")})
    assert response.status_code == 200
    assert "Khớp với bản gốc lưu trữ, văn bản đang có hiệu lực." in page_text(response)
    assert "T. V. Đ." in page_text(response)

    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    with caplog.at_level(logging.WARNING, logger="schoolrecords.security"):
        response = client.post(reverse("verify:index"), {"file": SimpleUploadedFile("hoc-ba.pdf", bytes(changed),
                                                                                    "application/pdf")})
    assert response.status_code == 200
    text = page_text(response)
    assert "Không khớp" in text and "Khớp với bản gốc" not in text
    # which original it claims to be (the code its pages carry), so the reader knows whom to ask
    assert codes.display(card.code) in text and "T. V. Đ." in text
    assert_minimal(text, small, other_school)
    last = VerificationAttempt.objects.order_by("-pk").first()
    assert (last.method, last.outcome, last.document_id, last.size) == ("upload", Outcome.CHANGED, card.pk,
                                                                       len(original))
    assert last.sha256 == storage.sha256_bytes(bytes(changed))
    assert any("verify_changed" in record.getMessage() for record in caplog.records)
    # nothing archived changed
    assert storage.read(card.path) == original and ArchivedDocument.objects.count() == len(cards)


def test_a_code_that_does_not_exist_or_cannot_be_one_is_refused_in_vietnamese_and_logged(cards, caplog):
    client = anonymous()
    with caplog.at_level(logging.WARNING, logger="schoolrecords.security"):
        unknown = client.post(reverse("verify:index"), {"code": "ZZZZZ-ZZZZZ"})
        malformed = client.post(reverse("verify:index"), {"code": "hello"})
        by_link = client.get(reverse("verify:code", args=["ZZZZZZZZZZ"]))
    assert unknown.status_code == 404 and by_link.status_code == 404
    assert "Không có văn bản lưu trữ nào mang mã này." in page_text(unknown)
    assert malformed.status_code == 400
    assert "Mã xác thực gồm 10 chữ cái và chữ số" in page_text(malformed)
    assert [a.outcome for a in VerificationAttempt.objects.order_by("pk")] == [
        Outcome.UNKNOWN, Outcome.INVALID, Outcome.UNKNOWN]
    assert sum("verify_unknown" in record.getMessage() for record in caplog.records) == 2
    assert any("verify_invalid" in record.getMessage() for record in caplog.records)


def test_a_file_that_is_not_a_pdf_is_refused_at_the_field_and_logged(cards):
    content = b"PK\x03\x04 not a pdf at all"
    response = anonymous().post(reverse("verify:index"), {
        "file": SimpleUploadedFile("hoc-ba.pdf", content, "application/pdf")})
    assert response.status_code == 400
    assert "Tệp này không phải PDF" in page_text(response)
    attempt = VerificationAttempt.objects.get()
    assert (attempt.method, attempt.outcome, attempt.size) == ("upload", Outcome.INVALID, len(content))


def test_an_empty_question_is_refused_in_vietnamese(cards):
    response = anonymous().post(reverse("verify:index"), {})
    assert response.status_code == 400
    assert "Hãy nhập mã in trên văn bản, hoặc chọn tệp PDF của văn bản." in page_text(response)


def test_a_file_over_the_upload_limit_is_refused_before_it_is_kept_and_logged(cards, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "verify:index": 1024 * 1024}
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10)
    response = anonymous().post(reverse("verify:index"), {"file": SimpleUploadedFile("big.pdf", big,
                                                                                     "application/pdf")})
    assert response.status_code == 400
    assert "1 MB" in page_text(response) and "errorlist" in page_text(response)
    attempt = VerificationAttempt.objects.get()
    assert (attempt.outcome, attempt.size, attempt.sha256) == (Outcome.TOO_LARGE, len(big), "")


def test_one_address_may_ask_only_so_often_then_gets_a_429_and_the_refusal_is_logged(cards, settings):
    settings.VERIFY_RATE_LIMIT = 3
    code = cards["ARC001"].code
    client = anonymous("198.51.100.7")
    statuses = [client.get(reverse("verify:code", args=[code])).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get(reverse("verify:code", args=[code]))
    assert refused.status_code == 429
    assert "Địa chỉ của bạn đã kiểm tra quá nhiều lần" in page_text(refused)
    assert "N. T. Á. D." not in page_text(refused)
    upload = client.post(reverse("verify:index"), {"file": SimpleUploadedFile(
        "x.pdf", storage.read(cards["ARC001"].path), "application/pdf")})
    assert upload.status_code == 429
    assert VerificationAttempt.objects.filter(outcome=Outcome.LIMITED, address="198.51.100.7").count() == 2
    # another address is not held by this one's questions
    assert anonymous("198.51.100.8").get(reverse("verify:code", args=[code])).status_code == 200


def test_the_window_passing_frees_the_address_again(cards, settings):
    import datetime

    settings.VERIFY_RATE_LIMIT = 1
    code = cards["ARC001"].code
    client = anonymous("198.51.100.9")
    assert client.get(reverse("verify:code", args=[code])).status_code == 200
    assert client.get(reverse("verify:code", args=[code])).status_code == 429
    earlier = VerificationAttempt.objects.filter(address="198.51.100.9")
    for attempt in earlier:  # the log is plain rows: age them past the window
        VerificationAttempt.objects.filter(pk=attempt.pk).update(
            attempted_at=attempt.attempted_at - settings.VERIFY_RATE_WINDOW - datetime.timedelta(seconds=1))
    assert client.get(reverse("verify:code", args=[code])).status_code == 200


def test_a_superseded_version_says_so_and_names_the_newer_one(small, cards):
    again = {document.student.code: document for document in seal(small, Kind.REPORT_CARD)}
    old, new = cards["ARC001"], again["ARC001"]
    text = page_text(anonymous().get(reverse("verify:code", args=[old.code])))
    assert "Khớp với bản gốc lưu trữ, nhưng đã có phiên bản mới thay thế." in text
    assert "bởi phiên bản 2" in text
    assert "đang có hiệu lực" in page_text(anonymous().get(reverse("verify:code", args=[new.code])))


def test_the_principal_revokes_a_version_with_a_reason_and_the_public_page_says_revoked(small, cards, login):
    card = cards["ARC001"]
    url = reverse("archive:revoke", args=[card.pk])
    principal = login("principal")
    assert principal.get(url).status_code == 200
    empty = principal.post(url, {"reason": "  "})
    assert empty.status_code == 400 and "Hãy ghi lý do thu hồi văn bản." in page_text(empty)
    assert not Revocation.objects.exists()
    response = principal.post(url, {"reason": "In nhầm lớp"})
    assert response.status_code == 302
    revocation = Revocation.objects.get()
    assert (revocation.document_id, revocation.revoked_by.username, revocation.reason) == (
        card.pk, "principal", "In nhầm lớp")
    # the sealed row and file are as they were
    fresh = ArchivedDocument.objects.get(pk=card.pk)
    assert (fresh.sha256, fresh.code, fresh.version) == (card.sha256, card.code, card.version)
    assert storage.sha256_bytes(storage.read(card.path)) == card.sha256
    # a revocation is never changed or deleted, and a version is revoked once
    with pytest.raises(SealedError):
        revocation.delete()
    with pytest.raises(SealedError):
        Revocation.objects.all().delete()
    from django.db import IntegrityError, connection, transaction

    if connection.vendor == "postgresql":  # the database refuses too, whoever asks (migration 0005's trigger)
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM archive_revocation WHERE id = %s", [revocation.pk])
    assert "Đã thu hồi ngày" in page_text(principal.get(url))
    again = principal.post(url, {"reason": "Lần nữa"})
    assert again.status_code == 400 and Revocation.objects.count() == 1

    text = page_text(anonymous().get(reverse("verify:code", args=[card.code])))
    assert "Đã thu hồi: nhà trường đã thu hồi văn bản này" in text and "In nhầm lớp" in text
    upload = anonymous().post(reverse("verify:index"), {"file": SimpleUploadedFile(
        "hoc-ba.pdf", storage.read(card.path), "application/pdf")})
    assert "Đã thu hồi" in page_text(upload)
    # the archive list shows it too, and offers no second revocation
    listing = page_text(principal.get(reverse("archive:documents"), {"year": small.year.pk}))
    assert "đã thu hồi ngày" in listing and "In nhầm lớp" in listing


def test_only_the_principal_of_the_school_revokes(small, cards, login, other_school):
    card = cards["ARC002"]
    url = reverse("archive:revoke", args=[card.pk])
    for username in ("clerk", "vice", "teacher_math", "board"):
        assert login(username).post(url, {"reason": "Thử"}).status_code == 403, username
    from schoolrecords import services

    services.password_changed(user=other_school["teacher"])
    assert login("other_teacher").post(url, {"reason": "Thử"}).status_code == 404
    assert not Revocation.objects.exists()


def test_the_page_says_clearly_when_signatures_are_not_checked(cards, monkeypatch):
    monkeypatch.setattr(verification, "signatures", lambda content: verification.Signatures(checked=False))
    text = page_text(anonymous().get(reverse("verify:code", args=[cards["ARC001"].code])))
    assert "Chưa kiểm tra chữ ký: máy chủ này chưa kiểm tra được chữ ký số." in text


def test_an_unsigned_document_says_it_carries_no_signature(cards):
    answer = verification.signatures(storage.read(cards["ARC001"].path))
    assert answer == verification.Signatures(checked=True, items=())
    text = page_text(anonymous().get(reverse("verify:code", args=[cards["ARC001"].code])))
    assert "Tệp này không có chữ ký số." in text


def _signed(content: bytes, tmp_path) -> bytes:
    """``content`` signed (PAdES, pyHanko) with a throw-away self-signed certificate of "Phạm Văn Hiệu"."""
    import datetime
    import io

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Phạm Văn Hiệu")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    signer = signers.SimpleSigner.load(str(tmp_path / "key.pem"), str(tmp_path / "cert.pem"))
    output = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(content)),
                              signers.PdfSignatureMetadata(field_name="HieuTruong"), signer=signer)
    return output.getvalue()


def test_the_signatures_inside_a_pdf_are_listed_intact_and_broken_by_a_changed_byte(cards, tmp_path):
    original = storage.read(cards["ARC001"].path)
    signed = _signed(original, tmp_path)
    [signature] = verification.signatures(signed).items
    assert "Phạm Văn Hiệu" in signature.signer and (signature.intact, signature.valid) == (True, True)
    # one byte of the signed content changed (a page's stream, early in the file): the signature is broken
    changed = bytearray(signed)
    changed[len(original) // 3] ^= 0x01
    [broken] = verification.signatures(bytes(changed)).items
    assert not broken.intact
    # the page shows both: the signed copy is not the archived original (its bytes differ), its signer is listed
    response = anonymous().post(reverse("verify:index"), {"file": SimpleUploadedFile("hoc-ba-ky.pdf", signed,
                                                                                    "application/pdf")})
    text = page_text(response)
    assert "Không khớp" in text and "Phạm Văn Hiệu" in text and "nguyên vẹn" in text


def test_anyone_may_send_a_pdf_to_the_verification_page_but_not_a_large_body_elsewhere(cards):
    content = storage.read(cards["ARC001"].path) + b"\n" * (100 * 1024)  # past the 64 KB anonymous requests get
    client = anonymous()
    response = client.post(reverse("verify:index"), {"file": SimpleUploadedFile("hoc-ba.pdf", content,
                                                                                "application/pdf")})
    assert response.status_code == 200 and "Không khớp" in page_text(response)
    assert client.post(reverse("login"), {"username": "x" * (100 * 1024), "password": "y"}).status_code == 413


def test_the_answer_runs_a_fixed_number_of_queries_whatever_the_chain_of_versions(small, cards):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(code: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert anonymous().get(reverse("verify:code", args=[code])).status_code == 200
        return len(captured)

    first = queries(cards["ARC001"].code)
    for _ in range(2):  # two newer versions: the first one's answer reads the same rows
        seal(small, Kind.REPORT_CARD)
    assert queries(cards["ARC001"].code) == first
    latest = ArchivedDocument.objects.filter(scope_key=cards["ARC001"].scope_key).order_by("-version").first()
    assert latest.version == 3 and queries(latest.code) == first
    assert first <= 10
