"""An RFC 3161 time-stamping authority over HTTP: what the tests run, and the embedded demo's TSA.

``TimestampAuthority.respond(request_der)`` answers a DER ``TimeStampReq`` with a DER ``TimeStampResp``:
a TSTInfo over the request's message imprint (its nonce echoed, a fresh serial, the time now) in a
CMS SignedData signed by the TSA's key (ECDSA P-256 / SHA-256), the TSA certificate (and chain)
included, ESS signing-certificate-v2 bound. A request that does not parse, or asks for a digest we do
not know, gets a "rejection" status (badDataFormat / badAlg), as RFC 3161 section 2.4.2 says.
``serve(authority)`` runs it on a loopback port in a thread (a context manager giving the URL), speaking
``application/timestamp-query`` → ``application/timestamp-reply``. No Django here.

Production schools name the government CA's TSA in SIGNING_TSA_URL instead.
"""

import contextlib
import datetime
import hashlib
import http.server
import secrets
import threading
from collections.abc import Iterator

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

POLICY = "1.3.6.1.4.1.99999.1.1"  # the demo TSA's policy (a private arc: not a real CA's policy)
DIGESTS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
MAX_REQUEST = 64 * 1024


class Rejection(core.Sequence):
    """A TimeStampResp without a token (asn1crypto's own class declares the token as required)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _asn1(certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class TimestampAuthority:
    def __init__(self, *, certificate, key: ec.EllipticCurvePrivateKey, chain=()):
        self.certificate = _asn1(certificate)
        self.key = key
        self.chain = [_asn1(each) for each in chain]
        self.issued = 0

    def _rejection(self, failure: str, text: str) -> bytes:
        status = tsp.PKIStatusInfo({"status": "rejection", "status_string": [text],
                                    "fail_info": tsp.PKIFailureInfo({failure})})
        return Rejection({"status": status}).dump()

    def respond(self, request_der: bytes) -> bytes:
        try:
            request = tsp.TimeStampReq.load(request_der)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            hashed = imprint["hashed_message"].native
        except (ValueError, TypeError, KeyError):
            return self._rejection("bad_data_format", "the request is not a TimeStampReq")
        if algorithm not in DIGESTS or len(hashed) != DIGESTS[algorithm]().digest_size:
            return self._rejection("bad_alg", f"unsupported digest {algorithm}")
        now = datetime.datetime.now(datetime.UTC)
        info = {
            "version": "v1", "policy": POLICY, "message_imprint": imprint,
            "serial_number": secrets.randbits(64), "gen_time": now, "accuracy": {"seconds": 1},
            "ordering": False, "tsa": asn1_x509.GeneralName(name="directory_name", value=self.certificate.subject),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        tst_der = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": core.UTCTime(now)})]}),
            cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [tsp.SigningCertificateV2({
                "certs": [tsp.ESSCertIDv2({
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                    "cert_hash": hashlib.sha256(self.certificate.dump()).digest()})]})]}),
        ])
        signature = self.key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
                "issuer": self.certificate.issuer, "serial_number": self.certificate.serial_number})}),
            "digest_algorithm": digest_algorithm,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signed_attrs": signed_attrs,
            "signature": signature,
        })
        signed_data = cms.SignedData({
            "version": "v3",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": cms.EncapsulatedContentInfo({
                "content_type": "tst_info", "content": cms.ParsableOctetString(tst_der)}),
            "certificates": [self.certificate, *self.chain] if request["cert_req"].native else [],
            "signer_infos": [signer_info],
        })
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        self.issued += 1
        return tsp.TimeStampResp({"status": tsp.PKIStatusInfo({"status": "granted"}),
                                  "time_stamp_token": token}).dump()


def handler_for(authority: TimestampAuthority) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get_content_type() != "application/timestamp-query" or not 0 < length <= MAX_REQUEST:
                self.send_error(415 if length else 400, "send an application/timestamp-query")
                return
            body = authority.respond(self.rfile.read(length))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # quiet: the tests and the demo read their own output
            return

    return Handler


@contextlib.contextmanager
def serve(authority: TimestampAuthority, *, port: int = 0) -> Iterator[str]:
    """Run the TSA on 127.0.0.1 (a free port unless ``port``) while the block runs; yields its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler_for(authority))
    thread = threading.Thread(target=server.serve_forever, name="tsa", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
