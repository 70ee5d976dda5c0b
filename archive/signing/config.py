"""What the settings say about signing, read at the moment of use: the trust roots, the TSA, the tokens' module.

The demo PKI (archive.signing.demo) keeps its files under SIGNING_DIR; when the settings name no
trust roots, no revocation lists or no TSA, those files are used (the demo and the tests); a real
school names its own in the environment (README "Signed records").
"""

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings

from . import pades, pki, tsa

ROOTS_FILE = "roots.pem"
CRL_FILE = "root.crl"
TSA_CERT, TSA_KEY = "tsa.pem", "tsa.key"
PINS_FILE = "pins.json"


class NotConfigured(RuntimeError):
    pass


def folder() -> Path:
    return Path(settings.SIGNING_DIR)


def module() -> str:
    """The PKCS#11 module path, with SoftHSM2's configuration pointed at before the module first loads."""
    conf = settings.SIGNING_SOFTHSM2_CONF or (str(folder() / "softhsm2.conf")
                                               if (folder() / "softhsm2.conf").exists() else "")
    if conf and not os.environ.get("SOFTHSM2_CONF"):
        os.environ["SOFTHSM2_CONF"] = conf
    return settings.SIGNING_PKCS11_MODULE


def _read(paths: list[str]) -> list[bytes]:
    return [Path(path).read_bytes() for path in paths]


def root_files() -> list[Path]:
    if settings.SIGNING_TRUST_ROOTS:
        return [Path(path) for path in settings.SIGNING_TRUST_ROOTS]
    default = folder() / ROOTS_FILE
    return [default] if default.exists() else []


def trust_roots():
    roots = []
    for path in root_files():
        roots.extend(pki.load_certificates(path.read_bytes()))
    return roots


def roots_pem() -> str:
    return "".join(root.public_bytes(serialization.Encoding.PEM).decode() for root in trust_roots())


def trust() -> pades.Trust:
    crl_paths = settings.SIGNING_CRLS or ([str(folder() / CRL_FILE)] if (folder() / CRL_FILE).exists() else [])
    crls = []
    for content in _read(crl_paths):
        if b"-----BEGIN" in content:
            from cryptography import x509

            content = x509.load_pem_x509_crl(content).public_bytes(serialization.Encoding.DER)
        crls.append(content)
    return pades.Trust(roots=tuple(trust_roots()), crls=tuple(crls), fetch=settings.SIGNING_FETCH_REVOCATION)


@contextlib.contextmanager
def timestamp_service() -> Iterator[str]:
    """The TSA's URL for the time of a batch: the configured one, or the demo's own TSA served on loopback."""
    if settings.SIGNING_TSA_URL:
        yield settings.SIGNING_TSA_URL
        return
    cert_file, key_file = folder() / TSA_CERT, folder() / TSA_KEY
    if not (cert_file.exists() and key_file.exists()):
        raise NotConfigured("no SIGNING_TSA_URL and no demo TSA")
    authority = tsa.TimestampAuthority(certificate=pki.load_certificate(cert_file.read_bytes()),
                                       key=pki.load_key(key_file.read_bytes()), chain=trust_roots())
    with tsa.serve(authority) as url:
        yield url


def demo_pins() -> dict[str, str]:
    """The demo tokens' PINs by token label (the demo only: a real token's PIN is its holder's secret)."""
    path = folder() / PINS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def seal_token() -> tuple[str, str]:
    """The seal token's label and PIN: the settings', else the demo's."""
    label, pin = settings.SIGNING_SEAL_TOKEN_LABEL, settings.SIGNING_SEAL_PIN
    if not label:
        pins = demo_pins()
        label = next((each for each in pins if each.startswith("seal-")), "")
        pin = pin or pins.get(label, "")
    return label, pin
