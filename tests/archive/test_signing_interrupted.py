"""archive.signing.interrupted on its own (no database, no token): a signature laid out, its value made elsewhere
(EC P-256 and RSA keys, as Vietnamese CAs' tokens hold either), checked, finished as PAdES B-LT that pyHanko
validates; a value over anything else is refused by the check; the content before the signature is untouched."""

import io

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pypdf import PdfWriter

from archive.signing import interrupted, pades, pki, tsa


@pytest.fixture(scope="module")
def ca():
    root = pki.make_root("Interrupted test root")
    stamp = pki.issue(root, subject=pki.plain_name("Interrupted test TSA"), purpose="tsa")
    trust = pades.Trust(roots=(root.certificate,), crls=(pki.crl(root).public_bytes(serialization.Encoding.DER),))
    authority = tsa.TimestampAuthority(certificate=stamp.certificate, key=stamp.key, chain=[root.certificate])
    with tsa.serve(authority) as url:
        yield root, trust, url


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def ec_signer(root):
    issued = pki.issue(root, subject=pki.person_name("Ngô Thị Thu Hà", "079012345678"))
    return issued.certificate, lambda data: issued.key.sign(data, ec.ECDSA(hashes.SHA256()))


def rsa_signer(root):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = pki.issue(root, subject=pki.person_name("Trần Văn Bình", "079087654321"),
                            public_key=key.public_key()).certificate
    return certificate, lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("make", [ec_signer, rsa_signer], ids=["ec", "rsa"])
def test_a_value_made_elsewhere_finishes_a_b_lt_signature_that_validates(ca, make):
    root, trust, url = ca
    certificate, sign = make(root)
    content = blank_pdf()
    common = {"certificate": certificate, "field_name": "homeroom-7-v2", "reason": "Signed by the homeroom teacher",
              "location": "Trường THCS Nguyễn Du", "name": pki.holder(certificate)[0], "trust": trust}
    prepared = interrupted.prepare(content, **common)
    assert interrupted.algorithm(certificate) == ("ecdsa-sha256" if make is ec_signer else "rsa-pkcs1-sha256")
    value = sign(prepared.signed_attrs)
    assert interrupted.check_value(certificate, prepared, value)
    other, _other_sign = make(root)
    assert not interrupted.check_value(other, prepared, value)  # another person's certificate
    changed = bytearray(value)
    changed[len(changed) // 2] ^= 0x01
    assert not interrupted.check_value(certificate, prepared, bytes(changed))
    signed = interrupted.finish(content, prepared, value, tsa_url=url, **common)
    assert signed.startswith(content + prepared.tail[:100])
    [check] = pades.validate(signed, trust=trust)
    assert check.ok, check.problems
    assert check.signer_name == pki.holder(certificate)[0] and check.field_name == "homeroom-7-v2"
    assert check.signed_at is not None
