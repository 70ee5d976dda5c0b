"""A remote-signing service speaking the Cloud Signature Consortium API v2, through pyHanko's own CSC client.

VNPT SmartCA and Viettel's remote signing follow this interface: the server logs in (``auth/login``
with the client id and secret the provider issued, or a bearer token it gave), finds a signer's
credentials (``credentials/list`` by their user id there) and reads a credential's certificate
(``credentials/info``); to sign, the signer authorises (``credentials/authorize`` with the PIN and/or
the OTP the service asks, and, for a SCAL2 credential, the very hashes to be signed), and the service
signs those hashes (``signatures/signHash``).

``sign_batch`` signs several PDFs at once (pades.async_sign in one event loop): their hashes make
one batch of pyHanko's ``CSCSigner`` (up to the credential's ``multisign``), so the signer authorises
once for the batch. ``CscKey`` is the same signer as a ``pades.KeySource`` for one document at a
time. What goes wrong at the service is a ``CscError`` with a code (down, login, pin, otp, credential,
refused, response) the caller turns into the signer's message. No Django here.
"""

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import aiohttp
from asn1crypto import algos
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import csc_signer

from . import pades

API = "v2"
TIMEOUT = 20


class CscError(Exception):
    def __init__(self, code: str, detail: str = ""):
        self.code = code  # down, login, pin, otp, credential, refused, response, none
        self.detail = detail
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class Service:
    """Where the service is and how this server logs in to it (``mode``: "login" or "token")."""

    base_url: str
    mode: str = "login"
    client_id: str = ""
    secret: str = ""
    timeout: int = TIMEOUT

    @property
    def root(self) -> str:
        return self.base_url.rstrip("/")

    def url(self, endpoint: str) -> str:
        return f"{self.root}/csc/{API}/{endpoint}"


@dataclass(frozen=True)
class Credential:
    """A credential as ``credentials/info`` describes it."""

    credential_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    scal: int
    multisign: int
    pin: bool  # the service asks a PIN
    otp: bool  # the service asks an OTP
    info: csc_signer.CSCCredentialInfo = field(repr=False, compare=False)


def _error_code(status: int, body: dict) -> str:
    text = f"{body.get('error', '')} {body.get('error_description', '')}".lower()
    if "otp" in text:
        return "otp"
    if "pin" in text:
        return "pin"
    if status in (401, 403) or "token" in text or "client" in text:
        return "login"
    if "credential" in text:
        return "credential"
    return "refused"


async def _post(session: aiohttp.ClientSession, service: Service, endpoint: str, body: dict, *,
                headers: dict | None = None) -> dict:
    try:
        async with session.post(service.url(endpoint), json=body, headers=headers or {},
                                timeout=aiohttp.ClientTimeout(total=service.timeout)) as response:
            try:
                data = await response.json(content_type=None)
            except ValueError:
                data = {}
            if response.status >= 400:
                raise CscError(_error_code(response.status, data if isinstance(data, dict) else {}),
                               str(data.get("error_description", response.status)) if isinstance(data, dict)
                               else str(response.status))
            if not isinstance(data, dict):
                raise CscError("response", f"{endpoint}: not a JSON object")
            return data
    except (aiohttp.ClientConnectionError, TimeoutError) as error:
        raise CscError("down", f"{endpoint}: {error}") from None
    except aiohttp.ClientError as error:
        raise CscError("response", f"{endpoint}: {error}") from None


async def _token(session: aiohttp.ClientSession, service: Service) -> str:
    if service.mode == "token":
        if not service.secret:
            raise CscError("login", "no access token")
        return service.secret
    data = await _post(session, service, "auth/login", {"rememberMe": False},
                       headers={"Authorization": aiohttp.encode_basic_auth(service.client_id, service.secret)})
    token = data.get("access_token")
    if not token:
        raise CscError("login", "auth/login gave no access_token")
    return str(token)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _run(coroutine):
    return asyncio.run(coroutine)


def login(service: Service) -> str:
    """The access token for this batch (a check that the service answers and accepts this server)."""

    async def go():
        async with aiohttp.ClientSession() as session:
            return await _token(session, service)

    return _run(go())


def credentials_list(service: Service, *, user_id: str, token: str = "") -> list[str]:
    """The ids of ``user_id``'s credentials at the service."""

    async def go():
        async with aiohttp.ClientSession() as session:
            bearer = token or await _token(session, service)
            data = await _post(session, service, "credentials/list", {"userID": user_id, "maxResults": 20},
                               headers=_bearer(bearer))
            ids = data.get("credentialIDs", [])
            if not isinstance(ids, list):
                raise CscError("response", "credentials/list: no credentialIDs")
            return [str(each) for each in ids]

    return _run(go())


def _to_crypto(certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())


async def _credential(session, service: Service, token: str, credential_id: str) -> Credential:
    info = csc_signer.CSCServiceSessionInfo(service_url=service.root, credential_id=credential_id,
                                            oauth_token=token, api_ver=API)
    try:
        # pyHanko's own request and parsing; its errors are SigningError, the HTTP status in the cause
        details = await csc_signer.fetch_certs_in_csc_credential(session, info, timeout=service.timeout)
    except SigningError as error:
        cause = error.__cause__
        if isinstance(cause, aiohttp.ClientResponseError):
            raise CscError("login" if cause.status in (401, 403) else "credential", str(cause)) from None
        if isinstance(cause, aiohttp.ClientConnectionError | TimeoutError):
            raise CscError("down", str(cause)) from None
        raise CscError("response", str(error)) from None
    data = details.response_data
    return Credential(
        credential_id=credential_id, certificate=_to_crypto(details.signing_cert),
        chain=tuple(_to_crypto(each) for each in details.chain), scal=2 if details.hash_pinning_required else 1,
        multisign=max(1, details.max_batch_size), pin=_asked(data, "PIN"), otp=_asked(data, "OTP"), info=details)


def _asked(data: dict, what: str) -> bool:
    presence = (data.get(what) or {}).get("presence", "false") if isinstance(data.get(what), dict) else "false"
    return str(presence).lower() in ("true", "optional")


def credential_info(service: Service, *, credential_id: str, token: str = "") -> Credential:
    async def go():
        async with aiohttp.ClientSession() as session:
            return await _credential(session, service, token or await _token(session, service), credential_id)

    return _run(go())


class PinAuthorization(csc_signer.CSCAuthorizationManager):
    """``credentials/authorize`` with the signer's PIN and/or OTP and the hashes about to be signed (SCAL2).

    pyHanko's CSCSigner logs a failed commit and reports only "no signing results": the service's own
    refusal is kept in ``failure`` for the caller."""

    def __init__(self, session_info, credential_info, *, session_getter, pin: str, otp: str, pinned: bool):
        super().__init__(session_info, credential_info)
        self._session = session_getter
        self.pin, self.otp, self.pinned = pin, otp, pinned
        self.failure: CscError | None = None
        self.calls = 0

    async def authorize_signature(self, hash_b64s: list[str]) -> csc_signer.CSCAuthorizationInfo:
        self.calls += 1
        body = self.format_csc_auth_request(num_signatures=len(hash_b64s), pin=self.pin or None,
                                            otp=self.otp or None, hash_b64s=hash_b64s if self.pinned else None)
        if self.pinned:  # v2's names, next to v1's
            body["hashes"] = hash_b64s
            body["hashAlgorithmOID"] = algos.DigestAlgorithmId("sha256").dotted
        service = Service(base_url=self.csc_session_info.service_url)
        try:
            data = await _post(self._session(), service, "credentials/authorize", body, headers=self.auth_headers)
            return self.parse_csc_auth_response(data)
        except CscError as error:
            self.failure = error
            raise SigningError(str(error)) from None


class RemoteSigner(csc_signer.CSCSigner):
    """pyHanko's CSCSigner, speaking v2's field names too, keeping the service's refusals, and opening its
    own HTTP session when used outside a batch (pades.sign runs each signature in a new event loop)."""

    def __init__(self, *args, own_session: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_session = own_session
        self.failure: CscError | None = None

    async def format_csc_signing_req(self, tbs_hashes, digest_algorithm):
        body = await super().format_csc_signing_req(tbs_hashes, digest_algorithm)
        body["hashes"] = body["hash"]
        body["hashAlgorithmOID"] = body["hashAlgo"]
        return body

    async def _do_commit(self, batch):
        try:
            await super()._do_commit(batch)
        except SigningError as error:
            manager = self.auth_manager
            self.failure = getattr(manager, "failure", None) or self.failure or _signing_failure(error)
            raise

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run or not self.own_session:
            return await self._sign_raw(data, digest_algorithm, dry_run)
        async with aiohttp.ClientSession() as session:
            self.session = session
            try:
                return await self._sign_raw(data, digest_algorithm, dry_run)
            finally:
                self.session = None

    async def _sign_raw(self, data, digest_algorithm, dry_run):
        try:
            return await super().async_sign_raw(data, digest_algorithm, dry_run=dry_run)
        except SigningError:
            raise SigningError(str(self.failure or "no signature from the service")) from None


def _signing_failure(error: SigningError) -> CscError:
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientResponseError):
        return CscError("refused", f"signatures/signHash: {cause.status}")
    if isinstance(cause, aiohttp.ClientConnectionError | TimeoutError):
        return CscError("down", str(cause))
    return CscError("response", str(error))


def _signer(session_getter, service: Service, token: str, credential: Credential, *, pin: str, otp: str,
            batch_size: int, own_session: bool) -> RemoteSigner:
    info = csc_signer.CSCServiceSessionInfo(service_url=service.root, credential_id=credential.credential_id,
                                            oauth_token=token, api_ver=API)
    manager = PinAuthorization(info, credential.info, session_getter=session_getter, pin=pin, otp=otp,
                               pinned=credential.scal == 2)
    signer = RemoteSigner(None, manager, batch_size=batch_size, own_session=own_session,
                          sign_timeout=service.timeout, embed_roots=True)
    return signer


@dataclass
class CscKey:
    """A ``pades.KeySource`` at a CSC service: one document per authorisation (see ``sign_batch`` for more).

    ``certificate`` is the credential's, read from the service (``credentials/info``) when first asked."""

    service: Service
    credential_id: str
    pin: str
    otp: str = ""
    token: str = ""
    _credential: Credential | None = field(default=None, repr=False)

    def _details(self) -> Credential:
        if self._credential is None:
            self.token = self.token or login(self.service)
            self._credential = credential_info(self.service, credential_id=self.credential_id, token=self.token)
        return self._credential

    @property
    def certificate(self) -> x509.Certificate:
        return self._details().certificate

    @contextlib.contextmanager
    def signer(self) -> Iterator[RemoteSigner]:
        credential = self._details()
        holder: list[RemoteSigner] = []
        signer = _signer(lambda: holder[0].session, self.service, self.token, credential, pin=self.pin,
                         otp=self.otp, batch_size=1, own_session=True)
        holder.append(signer)
        yield signer


@dataclass(frozen=True)
class Job:
    """One PDF to sign in a batch, with its signature field, reason, and the name shown."""

    content: bytes
    field_name: str
    reason: str
    location: str
    name: str = ""


@dataclass
class BatchResult:
    signed: list[bytes]
    authorisations: int


def sign_batch(jobs: list[Job], *, service: Service, token: str, credential: Credential, pin: str, otp: str,
               tsa_url: str, trust: pades.Trust) -> BatchResult:
    """Every job's PDF with one more PAdES B-LT signature from the service, authorised once per
    ``credential.multisign`` documents (all of them when the service allows as many)."""

    async def chunk(session, part: list[Job]) -> tuple[list[bytes], int]:
        signer = _signer(lambda: session, service, token, credential, pin=pin, otp=otp, batch_size=len(part),
                         own_session=False)
        signer.session = session
        tasks = [asyncio.ensure_future(pades.async_sign(
            job.content, signer=signer, field_name=job.field_name, reason=job.reason, location=job.location,
            tsa_url=tsa_url, trust=trust, name=job.name)) for job in part]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in pending:  # one failed before reaching the batch: the others would wait for it for ever
            task.cancel()
        for task in tasks:
            if task in done and task.exception() is not None:
                error = task.exception()
                raise (signer.failure or signer.auth_manager.failure or error) from None
        if pending:
            raise CscError("response", "the batch did not complete")
        return [task.result() for task in tasks], signer.auth_manager.calls

    async def go():
        async with aiohttp.ClientSession() as session:
            signed, calls = [], 0
            size = max(1, credential.multisign)
            for start in range(0, len(jobs), size):
                part, made = await chunk(session, jobs[start:start + size])
                signed += part
                calls += made
            return BatchResult(signed=signed, authorisations=calls)

    return _run(go())


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)

