"""The demo's (and the tests') PKI: a school root, a TSA, the seal and every signer's certificate on SoftHSM2 tokens.

``setup(school=..., people=..., actor=...)`` makes, under SIGNING_DIR (idempotent: what exists is kept):
the SoftHSM2 configuration and token folder; the demo root CA (``roots.pem``, its key ``root.key`` – a
demo only keeps a CA key next to the data), its CRL (``root.crl``, renewed each run); the demo TSA's
certificate and key; one token per person (label ``staff-<username>``) with a key pair made on it and
the certificate the root issues for it (the person's full name and CCCD; a profile without a CCCD gets
a demo one), and the seal's token (``seal-<school code>``); each certificate registered through
archive.signing.services. The tokens' PINs are in ``pins.json`` (mode 0600): the demo's logins print them.
"""

import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from schoolrecords import models as sm

from ..models import SigningCertificate
from . import config, pki, services, tokens

ROOT_CERT, ROOT_KEY = config.ROOTS_FILE, "root.key"
KEY_ID = b"\x01"
DEMO_PIN = "123456"


def _write(path: Path, content: bytes, *, private: bool = False) -> None:
    path.write_bytes(content)
    if private:
        os.chmod(path, 0o600)


def _authority(folder: Path) -> pki.Issued:
    cert_file, key_file = folder / ROOT_CERT, folder / ROOT_KEY
    if cert_file.exists() and key_file.exists():
        return pki.Issued(pki.load_certificate(cert_file.read_bytes()), pki.load_key(key_file.read_bytes()))
    root = pki.make_root("Demo school records root CA")
    _write(key_file, root.key_pem(), private=True)
    _write(cert_file, root.pem)
    return root


def _tsa(folder: Path, root: pki.Issued) -> None:
    if (folder / config.TSA_CERT).exists() and (folder / config.TSA_KEY).exists():
        return
    issued = pki.issue(root, subject=pki.plain_name("Demo time-stamping authority"), purpose="tsa")
    _write(folder / config.TSA_KEY, issued.key_pem(), private=True)
    _write(folder / config.TSA_CERT, issued.pem)


def demo_cccd(user) -> str:
    return f"0790{user.pk:08d}"[-12:]


def _token(module: str, label: str, pin: str, root: pki.Issued, subject) -> "pki.x509.Certificate":
    if label not in tokens.token_labels(module):
        tokens.token_init(label, pin=pin, so_pin=secrets.token_hex(8))
        tokens.rescan(module)
    with tokens.session(module, label, pin, write=True) as session:
        found = tokens.read_certificates(session)
        if found and found[0][1].subject == subject:
            return found[0][1]
        if found:  # the same person's token, their name or CCCD since changed: the same key, a new certificate
            public = found[0][1].public_key()
            tokens.certificates_remove(session)
        else:
            public = tokens.key_generate(session, label=label, key_id=KEY_ID)
        certificate = pki.issue(root, subject=subject, public_key=public).certificate
        tokens.certificate_store(session, certificate, label=label, key_id=KEY_ID)
        return certificate


def setup(*, school: sm.School, people, actor) -> dict[str, str]:
    """Make the demo PKI for ``school`` and ``people`` (staff users); returns the tokens' PINs by label."""
    folder = config.folder()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if not os.environ.get("SOFTHSM2_CONF"):
        tokens.softhsm_setup(folder)
    elif not Path(os.environ["SOFTHSM2_CONF"]).exists():
        tokens.softhsm_setup(Path(os.environ["SOFTHSM2_CONF"]).parent)
    module = config.module()
    root = _authority(folder)
    _tsa(folder, root)
    _write(folder / config.CRL_FILE, pki.crl(root).public_bytes(serialization.Encoding.DER))
    pins = config.demo_pins()
    for user in people:
        profile = user.profile
        if not profile.cccd:
            profile.cccd = demo_cccd(user)
            profile._history_user, profile._change_reason = actor, "demo CCCD for the demo certificate"
            profile.save(update_fields=["cccd"])
        label = f"staff-{user.username}"[:32]
        pins.setdefault(label, DEMO_PIN)
        certificate = _token(module, label, pins[label], root,
                             pki.person_name(profile.full_name, profile.cccd, school.name))
        if not SigningCertificate.objects.filter(fingerprint=pki.fingerprint(certificate), active=True).exists():
            services.certificate_register(actor=actor, user=user, data=pki.Issued(certificate).pem,
                                          token_label=label)
    label = f"seal-{school.code}"[:32]
    pins.setdefault(label, secrets.token_hex(4))
    certificate = _token(module, label, pins[label], root, pki.plain_name(school.name))
    if not SigningCertificate.objects.filter(fingerprint=pki.fingerprint(certificate), active=True).exists():
        services.certificate_register(actor=actor, user=None, school=school, data=pki.Issued(certificate).pem,
                                      token_label=label)
    _write(folder / config.PINS_FILE, json.dumps(pins, indent=1).encode(), private=True)
    return pins
