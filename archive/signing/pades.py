"""PAdES B-LT signatures with pyHanko: sign a PDF as an incremental update, and validate every signature in one.

``sign(content, key=..., ...)`` appends one signature to ``content`` (never rewriting what is there:
the bytes before it stay byte for byte, so earlier signatures stay intact): a CAdES signature
(SubFilter ETSI.CAdES.detached) with an RFC 3161 signature timestamp from ``tsa_url`` and, in the
document security store, the certificates and revocation data that validate the signer and the TSA
(B-LT). ``validate(content, trust_roots=...)`` runs pyHanko's validator on each signature twice over:
against the trust roots with the validation data embedded in the file only (no fetching, revocation
checked hard: this is what "LTV data present" means), and reports integrity, trust, timestamp and
coverage per signature.

Where the key is, is a ``KeySource``: ``Pkcs11Key`` (a token on this server: the school seal, and in the
demo and CI every staff member's token). Other sources plug in here with the same ``signer()``: the
interrupted-signing agent (pyHanko's ``PdfTBSDocument`` / ``ExternalSigner``: the server prepares
the digest, the agent signs on the teacher's computer) and a CSC remote-signing service
(``pyhanko.sign.signers.csc_signer.CSCSigner``: archive.signing.csc). The agent's flow is built in
archive.signing.interrupted (prepare, then finish with the value the agent posts: no ``KeySource``, the token
is on another computer). No Django here.
"""

import contextlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from . import tokens


class _NoFetchingNote(logging.Filter):
    """pyHanko warns on every signature that it may not fetch revocation data: here that is the configuration
    (the demo's and the tests' CRL is given, SIGNING_FETCH_REVOCATION off), not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchingNote())


def as_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class KeySource(Protocol):
    """Where a signature's key is. ``signer()`` gives a pyHanko Signer for the time of a batch (one PIN)."""

    certificate: x509.Certificate

    def signer(self) -> contextlib.AbstractContextManager[signers.Signer]: ...


@dataclass
class Pkcs11Key:
    """A key on a PKCS#11 token: the module, the token's label, the PIN, and the certificate it signs for.

    The key is the private key whose id is that of the certificate object on the token with the same
    subject (as tokens from Vietnamese CAs hold them); ``key_label`` names it when ids are not set.
    """

    module: str
    token_label: str
    pin: str
    certificate: x509.Certificate
    key_label: str = ""
    chain: tuple[x509.Certificate, ...] = ()

    @contextlib.contextmanager
    def signer(self) -> Iterator[signers.Signer]:
        with tokens.session(self.module, self.token_label, self.pin) as session:
            key_id = None
            if not self.key_label:
                key_id = _key_id_of(session, self.certificate)
                if key_id is None:
                    raise tokens.TokenError("no_key", self.token_label)
            yield PKCS11Signer(session, key_label=self.key_label or None, key_id=key_id,
                               signing_cert=as_asn1(self.certificate),
                               ca_chain=[as_asn1(each) for each in self.chain], other_certs_to_pull=(),
                               embed_roots=True, use_raw_mechanism=_is_ec(self.certificate))


def _is_ec(certificate: x509.Certificate) -> bool:
    # Many tokens (SoftHSM2 among them) offer ECDSA only over a digest made outside: pyHanko hashes then.
    from cryptography.hazmat.primitives.asymmetric import ec

    return isinstance(certificate.public_key(), ec.EllipticCurvePublicKey)


def _key_id_of(session, certificate: x509.Certificate) -> bytes | None:
    wanted = certificate.public_bytes(serialization.Encoding.DER)
    for _label, found in tokens.read_certificates(session):
        if found.public_bytes(serialization.Encoding.DER) == wanted:
            from pkcs11 import Attribute, ObjectClass

            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.VALUE: wanted}):
                return obj[Attribute.ID]
    return None


@dataclass(frozen=True)
class Trust:
    """What a signature is checked against: the trust roots, the known revocation lists, whether to fetch more."""

    roots: tuple[x509.Certificate, ...]
    crls: tuple[bytes, ...] = ()  # DER
    fetch: bool = False

    def context(self) -> ValidationContext:
        return ValidationContext(
            trust_roots=[as_asn1(root) for root in self.roots],
            crls=[asn1_crl.CertificateList.load(each) for each in self.crls],
            allow_fetching=self.fetch, revocation_mode="hard-fail")


def _prepared(content: bytes, *, signer: signers.Signer, field_name: str, reason: str, location: str,
              tsa_url: str, trust: Trust, name: str = "") -> tuple[IncrementalPdfFileWriter, signers.PdfSigner]:
    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", reason=reason, location=location, name=name or None,
        subfilter=fields.SigSeedSubFilter.PADES, embed_validation_info=True, use_pades_lta=False,
        validation_context=trust.context(), signer_key_usage={"non_repudiation"},
    )
    pdf_signer = signers.PdfSigner(metadata, signer=signer, timestamper=RequestsHTTPTimeStamper(tsa_url, timeout=15),
                                   new_field_spec=fields.SigFieldSpec(field_name))
    return writer, pdf_signer


def _appended(content: bytes, signed: bytes) -> bytes:
    if not signed.startswith(content):
        raise SigningError("the signature rewrote the document instead of appending to it")
    return signed


def sign(content: bytes, *, signer: signers.Signer, field_name: str, reason: str, location: str,
         tsa_url: str, trust: Trust, name: str = "") -> bytes:
    """``content`` with one more PAdES B-LT signature appended as an incremental update."""
    writer, pdf_signer = _prepared(content, signer=signer, field_name=field_name, reason=reason, location=location,
                                   tsa_url=tsa_url, trust=trust, name=name)
    output = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=output)
    return _appended(content, output.getvalue())


async def async_sign(content: bytes, *, signer: signers.Signer, field_name: str, reason: str, location: str,
                     tsa_url: str, trust: Trust, name: str = "") -> bytes:
    """``sign`` inside a running event loop: several documents signed at once share one batch of a remote
    signer (one authorisation, one ``signatures/signHash`` for all of them)."""
    writer, pdf_signer = _prepared(content, signer=signer, field_name=field_name, reason=reason, location=location,
                                   tsa_url=tsa_url, trust=trust, name=name)
    output = io.BytesIO()
    await pdf_signer.async_sign_pdf(writer, output=output)
    return _appended(content, output.getvalue())


@dataclass(frozen=True)
class SignatureCheck:
    field_name: str
    signer_name: str
    signer_subject: str
    signer_fingerprint: str
    signed_at: object  # the timestamp's time (datetime) or None
    intact: bool  # the bytes it covers are those it signed
    valid: bool  # the cryptographic signature checks
    trusted: bool  # the signer's chain reaches a trust root, with revocation data (from the file only)
    timestamp_valid: bool  # a signature timestamp is there, intact and from a trusted TSA
    ltv: bool  # the file itself holds the validation data (DSS) that validate the signer
    coverage: str  # ENTIRE_FILE for the last one, ENTIRE_REVISION for earlier ones
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.timestamp_valid and self.ltv


def _cn(certificate: asn1_x509.Certificate) -> str:
    return certificate.subject.native.get("common_name", "") or certificate.subject.human_friendly


def validate(content: bytes, *, trust: Trust) -> list[SignatureCheck]:
    """Every signature of the PDF, first to last, checked with pyHanko's validator (see the module's doc)."""
    reader = PdfFileReader(io.BytesIO(content), strict=False)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # noqa: BLE001 (no DSS in the file: nothing embedded)
        dss = None
    checks = []
    for embedded in reader.embedded_signatures:
        problems = []
        certificate = embedded.signer_cert
        name = _cn(certificate)
        ltv = False
        if dss is not None:
            embedded_only = dss.as_validation_context({
                "trust_roots": [as_asn1(root) for root in trust.roots], "allow_fetching": False,
                "revocation_mode": "hard-fail"})
            status = validate_pdf_signature(embedded, embedded_only)
            ltv = status.trusted and not status.revoked
        else:
            problems.append("no validation data (DSS) in the file")
        status = validate_pdf_signature(embedded, trust.context())
        timestamp = status.timestamp_validity
        timestamp_valid = bool(timestamp and timestamp.intact and timestamp.valid and timestamp.trusted)
        if not status.intact:
            problems.append("the signed bytes were changed")
        if not status.valid:
            problems.append("the signature value does not verify")
        if not status.trusted:
            problems.append("the signer's certificate does not lead to a trust root")
        if not timestamp_valid:
            problems.append("no valid signature timestamp")
        if not ltv and dss is not None:
            problems.append("the embedded validation data do not validate the signer")
        checks.append(SignatureCheck(
            field_name=embedded.field_name, signer_name=name, signer_subject=certificate.subject.human_friendly,
            signer_fingerprint=certificate.sha256_fingerprint.replace(" ", "").lower(),
            signed_at=timestamp.timestamp if timestamp else None, intact=status.intact, valid=status.valid,
            trusted=status.trusted, timestamp_valid=timestamp_valid, ltv=ltv,
            coverage=status.coverage.name if status.coverage else "", problems=tuple(problems)))
    return checks
