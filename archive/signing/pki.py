"""A small PKI for the tests and the demo: a school root CA, the school seal, staff certificates, a TSA, a CRL.

Pure cryptography (no Django). A staff certificate names its holder as a Vietnamese CA does: the
common name is the person's full name and the UID reads ``CCCD:<12 digits>`` (the citizen-id number);
the seal's common name is the school's name. Real schools get their certificates from a licensed CA
(the government CA for the unit seal); this module only makes the demo's and the tests' ones.
"""

import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CCCD_PREFIX = "CCCD:"
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Issued:
    """A certificate and, when this module made the key, its private key (None: the key lives on a token)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | None = None

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def person_name(full_name: str, cccd: str, organisation: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts += [x509.NameAttribute(NameOID.COMMON_NAME, full_name),
              x509.NameAttribute(NameOID.USER_ID, f"{CCCD_PREFIX}{cccd}")]
    return x509.Name(parts)


def plain_name(common_name: str, organisation: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def make_root(common_name: str, *, years: int = 20, not_before: datetime.datetime | None = None) -> Issued:
    key = new_key()
    start = not_before or _now() - DAY
    name = plain_name(common_name)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(certificate, key)


def issue(issuer: Issued, *, subject: x509.Name, public_key=None, purpose: str = "sign",
          not_before: datetime.datetime | None = None, not_after: datetime.datetime | None = None,
          crl_url: str = "") -> Issued:
    """A certificate signed by ``issuer`` for ``public_key`` (a new key when None, returned with it).

    ``purpose``: "sign" (a person or the seal: non-repudiation) or "tsa" (time stamping, critical EKU).
    """
    key = None
    if public_key is None:
        key = new_key()
        public_key = key.public_key()
    start = not_before or _now() - DAY
    end = not_after or start + datetime.timedelta(days=365 * 3)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.certificate.subject)
        .public_key(public_key).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.certificate.public_key()),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if purpose == "tsa":
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False), critical=True,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    else:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False), critical=True)
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def crl(issuer: Issued, *, revoked_serials: tuple[int, ...] = (), days: int = 30) -> x509.CertificateRevocationList:
    """The issuer's revocation list (empty by default): the validation data a B-LT signature embeds."""
    now = _now()
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.certificate.subject)
               .last_update(now - DAY).next_update(now + datetime.timedelta(days=days))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.certificate.public_key()),
                              critical=False)
               .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False))
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - DAY).build())
    return builder.sign(issuer.key, hashes.SHA256())


def load_key(pem: bytes):
    return serialization.load_pem_private_key(pem, password=None)


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes; ValueError when it is neither."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def holder(certificate: x509.Certificate) -> tuple[str, str]:
    """The holder's name (common name) and CCCD (from ``UID=CCCD:…`` or the serialNumber attribute)."""
    subject = certificate.subject
    names = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    name = str(names[0].value) if names else ""
    cccd = ""
    for oid in (NameOID.USER_ID, NameOID.SERIAL_NUMBER):
        for attribute in subject.get_attributes_for_oid(oid):
            value = str(attribute.value).strip()
            for prefix in (CCCD_PREFIX, "CMND:", "CCCD", "CMND"):
                if value.upper().startswith(prefix):
                    value = value[len(prefix):].lstrip(":")
                    break
            if value.isdigit():
                cccd = value
                break
        if cccd:
            break
    return name, cccd


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()
