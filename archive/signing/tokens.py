"""PKCS#11 tokens: open one by its label with the holder's PIN, and (for the tests and the demo) make SoftHSM2 ones.

The school seal lives on a token (or HSM) on the server; in the demo and in CI every staff member's
USB token is a SoftHSM2 token too, opened on the server. What can go wrong at the token (no token
with that label, a wrong or locked PIN, no key or certificate) is a ``TokenError`` whose message is
the one the signer reads. No Django here: callers pass the module path, the label and the PIN.

``softhsm_setup`` writes a SoftHSM2 configuration with its own token folder and points
SOFTHSM2_CONF at it (the module reads it when it is first initialised in a process);
``token_init`` makes a token with ``softhsm2-util``; ``key_generate`` makes an EC P-256 key pair on
the token (the private key never leaves it) and ``certificate_store`` puts the certificate that
a CA issued for that key next to it, with its subject and the key's id, as real tokens hold them.
"""

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11_errors
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


class TokenError(Exception):
    """The token cannot sign: ``reason`` is the signer's message (Vietnamese, through the caller's gettext)."""

    def __init__(self, code: str, detail: str = ""):
        self.code = code  # absent, pin, locked, no_key, module
        self.detail = detail
        super().__init__(f"{code}: {detail}")


def library(module: str):
    if not Path(module).exists():
        raise TokenError("module", f"no PKCS#11 module at {module}")
    return pkcs11.lib(module)


def rescan(module: str) -> None:
    """Make a loaded module see tokens made since it was initialised (SoftHSM2 reads its folder at C_Initialize)."""
    library(module).reinitialize()


def token_labels(module: str) -> list[str]:
    labels = []
    for slot in library(module).get_slots(token_present=True):
        with contextlib.suppress(p11_errors.PKCS11Error):
            labels.append(slot.get_token().label)
    return labels


def open_session(module: str, label: str, pin: str, *, write: bool = False):
    """A logged-in session on the token ``label``; TokenError when it is absent, the PIN is wrong or locked."""
    lib = library(module)
    token = None
    for slot in lib.get_slots(token_present=True):
        try:
            candidate = slot.get_token()
        except p11_errors.PKCS11Error:
            continue
        if candidate.label == label:
            token = candidate
            break
    if token is None:
        raise TokenError("absent", label)
    if not pin:
        raise TokenError("pin", "no PIN given")
    try:
        return token.open(user_pin=pin, rw=write)
    except (p11_errors.PinIncorrect, p11_errors.PinLenRange, p11_errors.PinInvalid):
        raise TokenError("pin", label) from None
    except p11_errors.PinLocked:
        raise TokenError("locked", label) from None
    except (p11_errors.TokenNotPresent, p11_errors.TokenNotRecognised, p11_errors.DeviceRemoved):
        raise TokenError("absent", label) from None


def read_certificates(session) -> list[tuple[str, x509.Certificate]]:
    """Every X.509 certificate on the token, with its label (to register one "read from the token")."""
    found = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        found.append((obj[Attribute.LABEL], x509.load_der_x509_certificate(obj[Attribute.VALUE])))
    return found


# --- SoftHSM2, for the tests and the demo ----------------------------------------------------------


def softhsm_setup(folder: Path) -> Path:
    """A SoftHSM2 configuration with its own token folder under ``folder``; SOFTHSM2_CONF names it."""
    folder = Path(folder)
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = folder / "softhsm2.conf"
    if not config.exists():
        config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
                          "slots.removable = false\n")
    os.environ["SOFTHSM2_CONF"] = str(config)
    return config


def token_init(label: str, *, pin: str, so_pin: str) -> None:
    """Make a SoftHSM2 token (in the next free slot) with ``label`` and the user PIN ``pin``."""
    tool = shutil.which("softhsm2-util")
    if tool is None:
        raise TokenError("module", "softhsm2-util is not installed (apt-get install softhsm2)")
    subprocess.run([tool, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
                   check=True, capture_output=True, env=os.environ.copy())


def key_generate(session, *, label: str, key_id: bytes):
    """An EC P-256 key pair made on the token; returns its public key as a cryptography object."""
    parameters = session.create_domain_parameters(
        KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
    public, _private = parameters.generate_keypair(
        mechanism=Mechanism.EC_KEY_PAIR_GEN, store=True, label=label, id=key_id,
        private_template={Attribute.SIGN: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        public_template={Attribute.VERIFY: True})
    return serialization.load_der_public_key(encode_ec_public_key(public))


def certificates_remove(session) -> None:
    """Destroy every certificate object on the token (the keys stay)."""
    for obj in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
        obj.destroy()


def certificate_store(session, certificate: x509.Certificate, *, label: str, key_id: bytes) -> None:
    session.create_object({
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True,
        Attribute.LABEL: label,
        Attribute.ID: key_id,
        Attribute.SUBJECT: certificate.subject.public_bytes(),
        Attribute.ISSUER: certificate.issuer.public_bytes(),
        Attribute.SERIAL_NUMBER: certificate.serial_number.to_bytes(20, "big").lstrip(b"\0"),
        Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
    })


@contextlib.contextmanager
def session(module: str, label: str, pin: str, *, write: bool = False) -> Iterator:
    opened = open_session(module, label, pin, write=write)
    try:
        yield opened
    finally:
        opened.close()
