"""Interrupted signing with pyHanko: prepare a PDF's signature on the server, let a token elsewhere sign, finish here.

``prepare(content, ...)`` lays out the next signature of ``content`` (an incremental update with an
empty /Contents placeholder) and computes the CMS signed attributes over its /ByteRange digest: what
the signing agent signs is exactly those attributes' DER (``Prepared.to_sign``, its SHA-256 in
``Prepared.digest``). Nothing of it is a signature yet, and ``content`` is not changed: the
prepared incremental update is kept apart (``Prepared.tail``, a few kilobytes) until the value comes.

``check_value(certificate, prepared, value)`` says whether ``value`` is the certificate's key's
signature over what was sent (ECDSA with SHA-256, DER; or RSA PKCS#1 v1.5 with SHA-256).
``finish(content, prepared, value, ...)`` embeds the CMS (the given value, a signature timestamp
from ``tsa_url`` over it) in the placeholder and adds the validation data of the signer and the TSA
(a DSS update): PAdES B-LT, as ``pades.sign`` makes them. No Django here.
"""

import asyncio
import base64
import hashlib
import io
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PostSignInstructions
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .pades import Trust, as_asn1

MD = "sha256"
# The room kept for the CMS in the file (hexadecimal, so twice its DER size): the signer's certificate,
# the value, the TSA's token and its certificates fit with room to spare.
RESERVED = 24_000


@dataclass(frozen=True)
class Prepared:
    """A signature laid out and waiting for its value: what to keep until the value comes, and what to send."""

    tail: bytes  # the incremental update appended to the content (with the empty placeholder)
    document_digest: bytes  # the /ByteRange digest (SHA-256)
    reserved_start: int
    reserved_end: int
    signed_attrs: bytes  # DER of the CMS signed attributes: what the key signs

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.signed_attrs).digest()

    @property
    def to_sign(self) -> str:
        return base64.b64encode(self.signed_attrs).decode()


def algorithm(certificate: x509.Certificate) -> str:
    """How the agent signs for ``certificate``: "ecdsa-sha256" or "rsa-pkcs1-sha256"."""
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ecdsa-sha256"
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa-pkcs1-sha256"
    raise SigningError("only EC and RSA keys sign records")


def _metadata(*, field_name: str, reason: str, location: str, name: str, trust: Trust):
    return signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm=MD, reason=reason, location=location, name=name or None,
        subfilter=fields.SigSeedSubFilter.PADES, embed_validation_info=True, use_pades_lta=False,
        validation_context=trust.context(), signer_key_usage={"non_repudiation"},
    )


def _external(certificate: x509.Certificate, value: bytes | None = None) -> signers.ExternalSigner:
    signing_cert = as_asn1(certificate)
    return signers.ExternalSigner(signing_cert=signing_cert, cert_registry=SimpleCertificateStore.from_certs(
        [signing_cert]), signature_value=value if value is not None else 256, embed_roots=True)


def prepare(content: bytes, *, certificate: x509.Certificate, field_name: str, reason: str, location: str,
            name: str, trust: Trust) -> Prepared:
    """Lay out the next signature of ``content`` for ``certificate`` and compute what its key is to sign."""
    external = _external(certificate)
    pdf_signer = signers.PdfSigner(_metadata(field_name=field_name, reason=reason, location=location, name=name,
                                             trust=trust),
                                   signer=external, new_field_spec=fields.SigFieldSpec(field_name))

    async def run():
        writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
        digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=RESERVED)
        attrs = await external.signed_attrs(digest.document_digest, MD, attr_settings=PdfCMSSignedAttributes(),
                                            use_pades=True)
        return digest, output.getvalue(), attrs.dump()

    digest, laid_out, attrs = asyncio.run(run())
    if not laid_out.startswith(content):
        raise SigningError("the prepared signature rewrote the document instead of appending to it")
    return Prepared(tail=laid_out[len(content):], document_digest=digest.document_digest,
                    reserved_start=digest.reserved_region_start, reserved_end=digest.reserved_region_end,
                    signed_attrs=attrs)


def check_value(certificate: x509.Certificate, prepared: Prepared, value: bytes) -> bool:
    """``value`` is the signature of ``certificate``'s key over the signed attributes that were sent."""
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, prepared.signed_attrs, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(value, prepared.signed_attrs, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def finish(content: bytes, prepared: Prepared, value: bytes, *, certificate: x509.Certificate, field_name: str,
           reason: str, location: str, name: str, tsa_url: str, trust: Trust) -> bytes:
    """``content`` with the prepared signature completed: ``value`` embedded, timestamped, its validation data added."""
    timestamper = RequestsHTTPTimeStamper(tsa_url, timeout=15)
    external = _external(certificate, value)
    pdf_signer = signers.PdfSigner(_metadata(field_name=field_name, reason=reason, location=location, name=name,
                                             trust=trust),
                                   signer=external, timestamper=timestamper,
                                   new_field_spec=fields.SigFieldSpec(field_name))

    async def run():
        # The validation data of the signer's chain and of the TSA's, collected now (as pyHanko does before
        # a signature it makes in one go), go into the DSS after the signature.
        session = pdf_signer.init_signing_session(IncrementalPdfFileWriter(io.BytesIO(content), strict=False))
        validation = await session.perform_presign_validation()
        signed_attrs = cms.CMSAttributes.load(prepared.signed_attrs)
        signature = await external.async_sign_prescribed_attributes(MD, signed_attrs=signed_attrs,
                                                                    timestamper=timestamper)
        output = io.BytesIO(content + prepared.tail)
        digest = PreparedByteRangeDigest(document_digest=prepared.document_digest,
                                         reserved_region_start=prepared.reserved_start,
                                         reserved_region_end=prepared.reserved_end)
        await PdfTBSDocument.async_finish_signing(
            output, digest, signature, post_sign_instr=PostSignInstructions(validation_info=validation, strict=False),
            validation_context=trust.context())
        return output.getvalue()

    signed = asyncio.run(run())
    if not signed.startswith(content):
        raise SigningError("the signature rewrote the document instead of appending to it")
    return signed
