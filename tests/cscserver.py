"""A real remote-signing service for the tests, speaking the CSC API v2 on loopback (http.server in a thread).

It keeps what such a service keeps: the clients it accepts (``auth/login`` with HTTP Basic: client id
and secret → an access token), each user's credentials with their private key, certificate chain,
PIN and OTP, and the authorisations it gave. ``credentials/authorize`` checks the PIN (and the OTP
when the credential asks one), that ``numSignatures`` is within the credential's ``multisign`` and,
for a SCAL2 credential, that the hashes are given; it answers a SAD bound to those hashes.
``signatures/signHash`` checks the bearer token, the SAD (this credential's, not expired, not used
up, the hashes among those authorised) and signs each hash with the credential's key (ECDSA over the
given SHA-256 digest). ``forge=True`` on a credential makes it sign with another key: a signature
that does not verify. Every call is recorded in ``calls``.
"""

import base64
import contextlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

ECDSA_SHA256 = "1.2.840.10045.4.3.2"
SHA256 = "2.16.840.1.101.3.4.2.1"


@dataclass
class Credential:
    user_id: str
    key: ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate]  # the signer's certificate first
    pin: str
    otp: str = ""  # asked when set
    multisign: int = 10
    forge: bool = False


@dataclass
class Authorisation:
    credential_id: str
    hashes: list[str]
    remaining: int
    expires: float


@dataclass
class CscService:
    clients: dict[str, str]  # client id → secret
    credentials: dict[str, Credential]
    tokens: set[str] = field(default_factory=set)
    authorisations: dict[str, Authorisation] = field(default_factory=dict)
    calls: list[tuple[str, dict]] = field(default_factory=list)

    def handle(self, endpoint: str, headers, body: dict) -> tuple[int, dict]:
        self.calls.append((endpoint, body))
        if endpoint == "info":
            return 200, {"specs": "2.0.0.2", "name": "Test CSC", "region": "VN", "lang": "en-US",
                         "authType": ["basic"], "methods": ["auth/login", "credentials/list", "credentials/info",
                                                            "credentials/authorize", "signatures/signHash"]}
        if endpoint == "auth/login":
            return self.login(headers.get("Authorization", ""))
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, {"error": "invalid_token", "error_description": "The access token is not valid"}
        handler = {"credentials/list": self.list, "credentials/info": self.info,
                   "credentials/authorize": self.authorize, "signatures/signHash": self.sign_hash}.get(endpoint)
        if handler is None:
            return 404, {"error": "invalid_request", "error_description": f"no endpoint {endpoint}"}
        return handler(body)

    def login(self, header: str) -> tuple[int, dict]:
        try:
            client_id, secret = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)
        except ValueError:
            return 401, {"error": "invalid_client", "error_description": "no client credentials"}
        if self.clients.get(client_id) != secret:
            return 401, {"error": "invalid_client", "error_description": "wrong client id or secret"}
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3600}

    def list(self, body: dict) -> tuple[int, dict]:
        user = body.get("userID", "")
        return 200, {"credentialIDs": [cid for cid, c in self.credentials.items() if c.user_id == user]}

    def _credential(self, body: dict) -> Credential | None:
        return self.credentials.get(body.get("credentialID", ""))

    def info(self, body: dict) -> tuple[int, dict]:
        credential = self._credential(body)
        if credential is None:
            return 400, {"error": "invalid_request", "error_description": "Invalid parameter credentialID"}
        chain = credential.chain if body.get("certificates", "single") == "chain" else credential.chain[:1]
        return 200, {
            "key": {"status": "enabled", "algo": [ECDSA_SHA256], "len": 256},
            "cert": {"status": "valid", "certificates": [
                base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]},
            "authMode": "explicit", "SCAL": "2", "multisign": credential.multisign,
            "PIN": {"presence": "true", "format": "N"},
            "OTP": {"presence": "true" if credential.otp else "false", "type": "offline"},
        }

    def authorize(self, body: dict) -> tuple[int, dict]:
        credential = self._credential(body)
        if credential is None:
            return 400, {"error": "invalid_request", "error_description": "Invalid parameter credentialID"}
        if body.get("PIN") != credential.pin:
            return 400, {"error": "invalid_pin", "error_description": "The PIN is not valid"}
        if credential.otp and body.get("OTP") != credential.otp:
            return 400, {"error": "invalid_otp", "error_description": "The OTP is not valid"}
        hashes_ = body.get("hashes") or body.get("hash") or []
        count = int(body.get("numSignatures", 0))
        if not hashes_ or count != len(hashes_):
            return 400, {"error": "invalid_request", "error_description": "SCAL2: the hashes must be given"}
        if count > credential.multisign:
            return 400, {"error": "invalid_request", "error_description": "numSignatures exceeds multisign"}
        sad = secrets.token_urlsafe(24)
        self.authorisations[sad] = Authorisation(body["credentialID"], list(hashes_), count, time.time() + 300)
        return 200, {"SAD": sad, "expiresIn": 300}

    def sign_hash(self, body: dict) -> tuple[int, dict]:
        credential = self._credential(body)
        granted = self.authorisations.get(body.get("SAD", ""))
        hashes_ = body.get("hashes") or body.get("hash") or []
        if credential is None or granted is None or granted.credential_id != body.get("credentialID"):
            return 400, {"error": "invalid_request", "error_description": "Invalid SAD"}
        if granted.expires < time.time() or granted.remaining < len(hashes_):
            return 400, {"error": "invalid_request", "error_description": "The SAD has expired or is used up"}
        if not set(hashes_) <= set(granted.hashes):
            return 400, {"error": "invalid_request", "error_description": "Hash not authorised by the SAD"}
        if (body.get("hashAlgorithmOID") or body.get("hashAlgo")) != SHA256 or body.get("signAlgo") != ECDSA_SHA256:
            return 400, {"error": "invalid_request", "error_description": "Unsupported algorithm"}
        granted.remaining -= len(hashes_)
        key = ec.generate_private_key(ec.SECP256R1()) if credential.forge else credential.key
        signatures = [base64.b64encode(key.sign(base64.b64decode(h), ec.ECDSA(utils.Prehashed(hashes.SHA256()))))
                      .decode() for h in hashes_]
        return 200, {"signatures": signatures}

    def count(self, endpoint: str) -> int:
        return sum(1 for name, _ in self.calls if name == endpoint)


def _handler(service: CscService):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            if not self.path.startswith("/csc/v2/"):
                self._answer(404, {"error": "invalid_request"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._answer(400, {"error": "invalid_request", "error_description": "not JSON"})
                return
            status, answer = service.handle(self.path.removeprefix("/csc/v2/"), self.headers, body)
            self._answer(status, answer)

        def _answer(self, status: int, answer: dict):
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def serve(service: CscService):
    """The service on a loopback port for the time of the block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
