#!/usr/bin/env python3
"""The signing agent: sign the documents the school records server prepared, with the USB token on this computer.

Run it with the one-time code the signing board shows ("Sign with my USB token"):

    python scripts/signing_agent.py --server https://hocba.example.edu.vn --code ABCD-EFGH-JKLM \
        --module /usr/lib/x86_64-linux-gnu/libvnpt-ca.so

It reads what to sign from the server (the registered certificate and, for each document, the signed
attributes of its prepared PAdES signature), finds the token holding that certificate through the
token's PKCS#11 module, asks the token's PIN once for the whole batch, signs each document on the token
(the private key never leaves it), checks each value against the certificate, and posts the values;
the server checks them again, embeds them, time-stamps and seals the signed documents. What goes wrong
at the token (no token plugged in, a wrong PIN) is reported to the server, which logs it and answers
with the message to show; the code stays usable until it expires.

Needs only the standard library, python-pkcs11 and cryptography (README, "Signing with a USB token").
What it prints to the teacher is Vietnamese (the strings below; the server's answers are Vietnamese too).
Exit status: 0 signed; 2 usage; 3 the server refused (code, turn, value); 4 the token could not sign;
5 the server could not be reached.
"""

import argparse
import base64
import getpass
import hashlib
import ipaddress
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

ENDPOINT = "/archive/signing/agent/"
TIMEOUT = 120  # the server time-stamps and seals every document before it answers


class Refused(Exception):
    def __init__(self, message: str, status: int):
        self.status = status
        super().__init__(message)


class Server:
    def __init__(self, base: str, code: str, cafile: str | None = None):
        parsed = urllib.parse.urlsplit(base)
        if parsed.scheme != "https" and not _loopback(parsed.hostname or ""):
            raise Refused("Địa chỉ máy chủ phải bắt đầu bằng https:// (kết nối được mã hóa).", 2)
        self.url = base.rstrip("/") + ENDPOINT
        self.code = code
        self.context = ssl.create_default_context(cafile=cafile) if parsed.scheme == "https" else None

    def _call(self, method: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url, data=data, method=method, headers={
            "X-Signing-Code": self.code, "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT, context=self.context) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                answer = json.loads(error.read() or b"{}")
            except ValueError:
                answer = {}
            raise Refused(answer.get("message") or f"Máy chủ từ chối yêu cầu (mã {error.code}).", 3) from None
        except (urllib.error.URLError, OSError) as error:
            raise Refused(f"Không kết nối được máy chủ {self.url}: {_reason(error)}. Kiểm tra mạng và địa chỉ --server "
                          "rồi chạy lại.", 5) from None

    def batch(self) -> dict:
        return self._call("GET")

    def send(self, values: dict[int, bytes]) -> dict:
        return self._call("POST", {"signatures": [{"id": pk, "value": base64.b64encode(value).decode()}
                                                  for pk, value in values.items()]})

    def report(self, reason: str, token: str = "") -> str:
        """Tell the server what went wrong at the token (it logs it); its answer is the message to show."""
        try:
            return self._call("POST", {"refused": reason, "token": token}).get("message") or TOKEN_MESSAGES[reason]
        except Refused as refused:
            return f"{TOKEN_MESSAGES.get(reason, TOKEN_MESSAGES['module'])}\n{refused}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reason(error: Exception) -> str:
    return str(getattr(error, "reason", "") or error)


# What went wrong at the token, said here when the server (which logs it and has its own words) cannot be told.
TOKEN_MESSAGES = {
    "absent": "Chưa cắm USB token (hoặc máy không nhận ra token): cắm token rồi chạy lại. Chưa văn bản nào được ký.",
    "pin": "Sai mã PIN của token: chưa văn bản nào được ký. Nhập sai nhiều lần token sẽ bị khóa.",
    "locked": "Token đã bị khóa vì nhập sai mã PIN nhiều lần: liên hệ nhà cung cấp chứng thư số để mở khóa.",
    "no_key": "Token không ký được bằng khóa của chứng thư đã đăng ký: chưa văn bản nào được ký.",
    "module": "Không mở được thư viện PKCS#11 của token (--module): kiểm tra đường dẫn và trình điều khiển token.",
    "other_certificate": "Token đang cắm không chứa chứng thư số đã đăng ký của thầy/cô: chưa văn bản nào được ký.",
}


class TokenProblem(Exception):
    def __init__(self, reason: str):
        self.reason = reason  # absent, pin, locked, no_key, module, other_certificate
        super().__init__(reason)


def _token(lib, label: str | None, certificate_der: bytes):
    """The token named ``label``, or else the first one that holds the certificate."""
    from pkcs11 import Attribute, ObjectClass
    from pkcs11 import exceptions as p11

    for slot in lib.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except p11.PKCS11Error:
            continue
        if label:
            if token.label == label:
                return token
            continue
        try:
            with token.open() as public:
                if any(True for _obj in public.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                                            Attribute.VALUE: certificate_der})):
                    return token
        except p11.PKCS11Error:
            continue
    raise TokenProblem("absent")


def _private_key(session, certificate_der: bytes):
    from pkcs11 import Attribute, ObjectClass

    ids = [obj[Attribute.ID] for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                                             Attribute.VALUE: certificate_der})]
    if not ids:
        raise TokenProblem("other_certificate")
    for key in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: ids[0]}):
        return key
    raise TokenProblem("no_key")


def _verify(certificate: x509.Certificate, data: bytes, value: bytes) -> bool:
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, data, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def sign_batch(batch: dict, *, module: str, label: str | None, pin: str) -> dict[int, bytes]:
    """Sign every document of ``batch`` on the token (one log-in, one PIN); the values, by prepared id."""
    import pkcs11
    from pkcs11 import Mechanism
    from pkcs11 import exceptions as p11
    from pkcs11.util.ec import encode_ecdsa_signature

    certificate = x509.load_pem_x509_certificate(batch["certificate"].encode())
    der = certificate.public_bytes(serialization.Encoding.DER)
    if not os.path.exists(module):
        raise TokenProblem("module")
    try:
        lib = pkcs11.lib(module)
    except (OSError, RuntimeError, p11.PKCS11Error):  # not a PKCS#11 library, or one that does not load here
        raise TokenProblem("module") from None
    token = _token(lib, label, der)
    if not pin:
        raise TokenProblem("pin")
    try:
        session = token.open(user_pin=pin)
    except (p11.PinIncorrect, p11.PinLenRange, p11.PinInvalid):
        raise TokenProblem("pin") from None
    except p11.PinLocked:
        raise TokenProblem("locked") from None
    except (p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved):
        raise TokenProblem("absent") from None
    values = {}
    with session:
        key = _private_key(session, der)
        for document in batch["documents"]:
            data = base64.b64decode(document["to_sign"])
            if hashlib.sha256(data).hexdigest() != document["digest"]:
                raise Refused("Máy chủ gửi mã băm không khớp với dữ liệu cần ký: chưa văn bản nào được ký.", 3)
            if batch["algorithm"] == "ecdsa-sha256":
                value = encode_ecdsa_signature(key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA))
            else:
                value = key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
            if not _verify(certificate, data, value):
                raise TokenProblem("no_key")
            values[document["id"]] = value
    return values


def _pin(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass("Mã PIN của USB token: ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chương trình ký: ký bằng USB token trên máy này các văn bản mà máy chủ "
                                                 "hồ sơ nhà trường đã chuẩn bị (mã ký trên bảng ký).")
    parser.add_argument("--server", required=True, help="địa chỉ máy chủ hồ sơ nhà trường, https://…")
    parser.add_argument("--code", required=True, help="mã ký dùng một lần hiện trên bảng ký")
    parser.add_argument("--module", default=os.environ.get("PKCS11_MODULE", ""),
                        help="thư viện PKCS#11 của token (.so / .dll / .dylib); mặc định: $PKCS11_MODULE")
    parser.add_argument("--token", default="", help="nhãn của token (mặc định: token chứa chứng thư số)")
    parser.add_argument("--cafile", default=None, help="các chứng thư CA để kiểm tra chứng thư HTTPS của máy "
                                                       "chủ (mặc định: của hệ thống)")
    parser.add_argument("--pin-stdin", action="store_true", help="đọc mã PIN từ đầu vào chuẩn (stdin)")
    for stream in (sys.stdout, sys.stderr):  # a console that is not UTF-8 (Windows): "?" rather than a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser.parse_args(argv)
    if not args.module:
        parser.error("hãy chỉ ra thư viện PKCS#11 của token (--module hoặc biến PKCS11_MODULE), ví dụ "
                     "--module /usr/lib/softhsm/libsofthsm2.so")
    try:
        server = Server(args.server, args.code, args.cafile)
        print("Đang lấy các văn bản cần ký từ máy chủ…")
        batch = server.batch()
        print(f"{batch['signer']} — {batch['role_label']}: {len(batch['documents'])} văn bản")
        for document in batch["documents"]:
            print(f"  {document['title']}")
        try:
            values = sign_batch(batch, module=args.module, label=args.token or None, pin=_pin(args.pin_stdin))
        except TokenProblem as problem:
            print(server.report(problem.reason, args.token), file=sys.stderr)
            return 4
        print("Đã ký trên token; đang gửi chữ ký về máy chủ (máy chủ gắn dấu thời gian và lưu)…")
        answer = server.send(values)
    except Refused as refused:
        print(str(refused), file=sys.stderr)
        return refused.status
    print(answer.get("message") or "Đã ký xong.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
