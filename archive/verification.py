"""The public verification of an archived document: by its printed code or by the file itself.

Anyone may ask (no log-in), so the answer says as little as will do: whether the copy matches the
sealed original (its SHA-256), what it is (kind, school, year and term, class, the student's
initials only), when it was sealed, whether a newer version supersedes it or the principal revoked
it, and who signed it (the signatures inside the file). Nothing of another document or another
school is reachable from here. Every question is logged (VerificationAttempt, and the security log
for the refused ones) and counts against the asker's address: ``VERIFY_RATE_LIMIT`` questions per
``VERIFY_RATE_WINDOW``, counted in the database so every web process shares the count.
"""

import datetime
import io
import logging
import re
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import codes, storage
from .models import ArchivedDocument, Revocation, VerificationAttempt

log = logging.getLogger("schoolrecords.security")

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class Signature:
    signer: str
    signed_at: datetime.datetime | None
    intact: bool  # the signed bytes are unchanged since the signature (the digest matches)
    valid: bool  # and the signature value is the signer's over that digest


@dataclass(frozen=True)
class Signatures:
    checked: bool  # False: this server cannot check signatures (no validator installed)
    items: tuple[Signature, ...] = ()


@dataclass(frozen=True)
class Described:
    """What the public page says a document is: no more personal data than the initials of the student."""

    kind: str
    variant: str
    school: str
    year: str
    term: str
    class_name: str
    student_initials: str
    version: int
    sealed_at: datetime.datetime
    code: str
    superseded_by_version: int | None
    superseded_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    revoked_reason: str

    @property
    def superseded(self) -> bool:
        return self.superseded_by_version is not None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class Answer:
    outcome: str  # VerificationAttempt.Outcome
    document: Described | None = None
    signatures: Signatures = field(default_factory=lambda: Signatures(checked=False))

    @property
    def matches(self) -> bool:
        return self.outcome == VerificationAttempt.Outcome.MATCHES


def initials(full_name: str) -> str:
    """"Nguyễn Thị Ánh Dương" → "N. T. Á. D." (a public page names no student)."""
    return " ".join(f"{part[0].upper()}." for part in full_name.split() if part)


def _documents():
    return ArchivedDocument.objects.select_related("school", "year", "term", "school_class", "student")


def describe(document: ArchivedDocument) -> Described:
    newer = ArchivedDocument.objects.filter(supersedes=document).only("version", "created_at").first()
    revocation = Revocation.objects.filter(document=document).first()
    return Described(
        kind=str(document.get_kind_display()), variant=str(document.get_variant_display()) if document.variant else "",
        school=document.school.name, year=document.year.name, term=str(document.term.get_number_display()),
        class_name=document.school_class.name if document.school_class else "",
        student_initials=initials(document.student.full_name) if document.student else "",
        version=document.version, sealed_at=document.created_at, code=codes.display(document.code) if document.code
        else "", superseded_by_version=newer.version if newer else None,
        superseded_at=newer.created_at if newer else None,
        revoked_at=revocation.revoked_at if revocation else None,
        revoked_reason=revocation.reason if revocation else "",
    )


# --- signatures ------------------------------------------------------------------------------------


def trust_roots() -> list:
    """The certificates a signer's chain must end in (asn1crypto); none yet: the signing module provides them."""
    return []


def signatures(content: bytes) -> Signatures:
    """The PAdES signatures inside a PDF, each with its signer and whether it is intact.

    With pyHanko installed, each embedded signature is validated for integrity (the signed byte
    ranges hash to the signed digest) and for its signature value, offline (nothing is fetched:
    a public page must not make the server call out); whether the signer's certificate chains to
    the school's trust roots (``trust_roots``) is the signing module's to add. Without pyHanko: not
    checked, and the page says so.
    """
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext
    except ImportError:
        return Signatures(checked=False)
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - an unreadable file has no signature we can show
        return Signatures(checked=True)
    items = []
    for signature in embedded:
        try:
            context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False)
            status = validate_pdf_signature(signature, signer_validation_context=context)
            signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
            items.append(Signature(signer=signer, signed_at=status.signer_reported_dt, intact=bool(status.intact),
                                   valid=bool(status.valid)))
        except Exception:  # noqa: BLE001 - a broken signature is shown as broken, not as an error page
            items.append(Signature(signer="", signed_at=None, intact=False, valid=False))
    return Signatures(checked=True, items=tuple(items))


# --- rate limit and log ----------------------------------------------------------------------------


def limited(address: str | None) -> bool:
    """Has this address asked ``VERIFY_RATE_LIMIT`` questions within the window already?"""
    since = timezone.now() - settings.VERIFY_RATE_WINDOW
    asked = VerificationAttempt.objects.filter(attempted_at__gte=since)
    asked = asked.filter(address=address) if address else asked.filter(Q(address__isnull=True))
    return asked.count() >= settings.VERIFY_RATE_LIMIT


def record(*, address: str | None, method: str, outcome: str, typed: str = "", sha256: str = "",
           size: int | None = None, document: ArchivedDocument | None = None) -> VerificationAttempt:
    attempt = VerificationAttempt.objects.create(address=address, method=method, outcome=outcome, typed=typed[:40],
                                                 sha256=sha256, size=size, document=document)
    if outcome != VerificationAttempt.Outcome.MATCHES:
        log.warning("verify_%s method=%s address=%s typed=%s sha256=%s size=%s document=%s", outcome, method,
                    address or "-", typed[:40] or "-", sha256[:16] or "-", size if size is not None else "-",
                    document.pk if document else "-")
    return attempt


# --- the two questions -----------------------------------------------------------------------------


def by_code(*, typed: str, address: str | None) -> Answer:
    """The document whose pages carry this code: what it is and whether it is still in force.

    A code says which original a paper copy claims to be; whether a file matches it is asked by upload.
    """
    code = codes.normalise(typed)
    method = VerificationAttempt.Method.CODE
    if code is None:
        record(address=address, method=method, outcome=VerificationAttempt.Outcome.INVALID, typed=typed)
        return Answer(outcome=VerificationAttempt.Outcome.INVALID)
    document = _documents().filter(code=code).first()
    if document is None:
        record(address=address, method=method, outcome=VerificationAttempt.Outcome.UNKNOWN, typed=typed)
        return Answer(outcome=VerificationAttempt.Outcome.UNKNOWN)
    record(address=address, method=method, outcome=VerificationAttempt.Outcome.MATCHES, typed=typed,
           document=document)
    try:
        found = signatures(storage.read(document.path))
    except (OSError, storage.StorageError):  # the archive's own check (archive_verify) reports the damage
        log.error("verify_unreadable document=%s path=%s", document.pk, document.path)
        found = Signatures(checked=False)
    return Answer(outcome=VerificationAttempt.Outcome.MATCHES, document=describe(document), signatures=found)


def by_upload(*, content: bytes, address: str | None, claimed_code: str = "") -> Answer:
    """Is this file, byte for byte, an archived original? If not, which document it claims to be (its code)."""
    method = VerificationAttempt.Method.UPLOAD
    sha256 = storage.sha256_bytes(content)
    if not content.startswith(PDF_MAGIC):
        record(address=address, method=method, outcome=VerificationAttempt.Outcome.INVALID, sha256=sha256,
               size=len(content))
        return Answer(outcome=VerificationAttempt.Outcome.INVALID)
    document = _documents().filter(sha256=sha256, size=len(content)).order_by("pk").first()
    if document is not None:
        record(address=address, method=method, outcome=VerificationAttempt.Outcome.MATCHES, sha256=sha256,
               size=len(content), document=document)
        return Answer(outcome=VerificationAttempt.Outcome.MATCHES, document=describe(document),
                      signatures=signatures(content))
    claimed = _claimed(content, claimed_code)
    record(address=address, method=method, outcome=VerificationAttempt.Outcome.CHANGED, sha256=sha256,
           size=len(content), document=claimed, typed=claimed_code)
    return Answer(outcome=VerificationAttempt.Outcome.CHANGED, document=describe(claimed) if claimed else None,
                  signatures=signatures(content))


def _claimed(content: bytes, typed: str) -> ArchivedDocument | None:
    """The original a changed file claims to be: the code typed with it, else the code its pages carry."""
    code = codes.normalise(typed) if typed else None
    if code is None:
        code = code_in_pdf(content)
    return _documents().filter(code=code).first() if code else None


STREAM = re.compile(rb"stream\r?\n")
MAX_INFLATED = 2 * 1024 * 1024  # a page's link annotations are small: never inflate more than this per stream


def code_in_pdf(content: bytes) -> str | None:
    """The code of the verification link a PDF's pages carry, read without a PDF parser.

    The link sits in an object stream (compressed), so each deflated stream is inflated in turn,
    bounded, until a link is found; a file damaged anywhere else still gives its code.
    """
    found = codes.find_in(content.decode("latin-1"))
    if found:
        return found
    for match in STREAM.finditer(content):
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(content[match.end():match.end() + MAX_INFLATED], MAX_INFLATED)
        except zlib.error:
            continue
        found = codes.find_in(text.decode("latin-1"))
        if found:
            return found
    return None
