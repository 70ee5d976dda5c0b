"""Remote signing through the school's CSC service: set the service up, register a staff member's credential
there, sign a batch of documents with it (one authorisation for the batch where the service allows it).

The same rules as the token's route (archive.signing.services): the certificate the service holds
goes through the same checks (trust roots, validity, name and CCCD); each signature makes a new sealed
version and a Signature row; a refusal is a ``SigningRefused`` with the signer's Vietnamese message,
nothing sealed, a SigningAttempt row written after the refused transaction is rolled back. The
service's secret is kept encrypted with a key derived from the server's SECRET_KEY and never shown back.
"""

import base64
import hashlib
import logging
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import has_role, same_school, user_school

from .. import services as archive_services
from .. import storage
from ..models import ArchivedDocument, RemoteCredential, RemoteSigningService, Signature, SigningRole
from . import config, csc, pades, pki, services
from .services import SigningRefused

logger = logging.getLogger(__name__)


# --- the secret -------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hashlib.sha256(b"archive.signing.csc:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def secret_open(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SigningRefused("remote_secret", _("The remote-signing service's secret cannot be read (the "
                                                "server's key changed): the principal enters it again.")) from None


def service_of(school: sm.School | None) -> RemoteSigningService | None:
    if school is None:
        return None
    return RemoteSigningService.objects.filter(school=school, enabled=True).first()


def client(service: RemoteSigningService) -> csc.Service:
    return csc.Service(base_url=service.base_url, mode=service.auth_mode, client_id=service.client_id,
                       secret=secret_open(service.secret))


def remote_message(error: csc.CscError) -> str:
    return {
        "down": _("The remote-signing service does not answer: try again later (nothing was signed)."),
        "login": _("The remote-signing service refused this server's login: the principal checks the client id "
                   "and secret."),
        "pin": _("Wrong PIN for the remote-signing service: nothing was signed."),
        "otp": _("Wrong or expired OTP code: nothing was signed."),
        "credential": _("The remote-signing service knows no such credential."),
        "none": _("The remote-signing service has no credential for you."),
    }.get(error.code, _("The remote-signing service refused: %(detail)s") % {"detail": error.detail[:200]})


def _refusal(error: csc.CscError) -> SigningRefused:
    return SigningRefused(f"remote_{error.code}", remote_message(error))


# --- the school's service ---------------------------------------------------------------------------


def secure_address(url: str) -> bool:
    """https, or plain http only to this machine itself (a test's or a local relay's service)."""
    parts = urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and (parts.hostname or "") in ("127.0.0.1", "localhost", "::1")



@transaction.atomic
def service_configure(*, actor, school: sm.School, name: str, base_url: str, auth_mode: str, client_id: str = "",
                      secret: str = "", enabled: bool = True, reason: str = "") -> RemoteSigningService:
    """Set the school's remote-signing service (the principal); a blank ``secret`` keeps the stored one."""
    if not (actor.is_superuser or (has_role(actor, roles.PRINCIPAL) and same_school(actor, school))):
        raise PermissionDenied(_("Only the principal sets up the remote-signing service."))
    if not secure_address(base_url):
        raise ValidationError({"base_url": _("The remote-signing service's address must begin with https:// (the "
                                             "PIN and the documents' digests travel over it).")})
    service = RemoteSigningService.objects.select_for_update().filter(school=school).first()
    if service is None:
        service = RemoteSigningService(school=school, updated_by=actor)
    service.name, service.base_url, service.auth_mode = name, base_url, auth_mode
    service.client_id, service.enabled = client_id, enabled
    if secret:
        service.secret = secret_seal(secret)
    if not service.secret:
        raise ValidationError({"secret": _("Enter the client secret (or the access token) the provider issued.")})
    if auth_mode == RemoteSigningService.AuthMode.LOGIN and not client_id:
        raise ValidationError({"client_id": _("Enter the client id the provider issued.")})
    service.updated_by, service.updated_at = actor, timezone.now()
    service.full_clean()
    service._history_user, service._change_reason = actor, reason or "remote-signing service set"
    service.save()
    return service


# --- a staff member's credential --------------------------------------------------------------------


def credential_register(*, actor, user, credential_id: str = "") -> RemoteCredential:
    """Register ``user``'s credential at their school's service: read its certificate (credentials/info), check
    it like any certificate, and keep the credential id. No id: the service's credentials of the CCCD of
    ``user``'s staff profile (never a typed user id: nobody lists another's) are listed and the first whose
    certificate names ``user`` is taken."""
    school = user.profile.school
    service = service_of(school)
    try:
        if user.pk != actor.pk and not actor.is_superuser:
            raise PermissionDenied(_("Only the holder registers their remote-signing credential."))
        if service is None:
            raise SigningRefused("remote_none_configured", _("Your school has no remote-signing service set up."))
        remote = client(service)
        user_id = getattr(user.profile, "cccd", "") or ""
        try:
            token = csc.login(remote)
            if credential_id:
                found = [csc.credential_info(remote, credential_id=credential_id, token=token)]
            else:
                ids = csc.credentials_list(remote, user_id=user_id, token=token)
                found = [csc.credential_info(remote, credential_id=each, token=token) for each in ids]
                if not found:
                    raise csc.CscError("none", user_id)
        except csc.CscError as error:
            raise _refusal(error) from None
        chosen, refusal = None, None
        for each in found:
            try:
                services.check_certificate(each.certificate)
                services.check_holder(each.certificate, user=user, school=school)
            except SigningRefused as checked:
                refusal = refusal or checked
                continue
            chosen = each
            break
        if chosen is None:
            raise refusal
        with transaction.atomic():
            registered = services.certificate_register(actor=actor, user=user, data=csc.pem(chosen.certificate))
            credential = RemoteCredential(certificate=registered, service=service,
                                          credential_id=chosen.credential_id, user_id=user_id, registered_by=actor)
            credential.full_clean()
            credential._history_user, credential._change_reason = actor, "registered"
            credential.save()
            return credential
    except SigningRefused as refusal:
        services._log(actor=actor, school=school, document=None, action="register", refusal=refusal)
        raise


def remote_credential(user) -> RemoteCredential | None:
    """The user's remote credential, when their certificate in use is one (and the service is still in use)."""
    return (RemoteCredential.objects.select_related("certificate", "service")
            .filter(certificate__user=user, certificate__active=True, service__enabled=True).first())


# --- signing ----------------------------------------------------------------------------------------


def documents_sign_remote(*, actor, documents: list[ArchivedDocument], role: str, pin: str = "",
                          otp: str = "") -> list[Signature]:
    """Sign ``documents`` at ``role`` with the actor's credential at the school's CSC service.

    Every document is checked first (its turn, the actor's right, the certificate still valid and the
    actor's); the service signs them all in one batch (one authorisation with the PIN/OTP for up to the
    credential's ``multisign`` documents); each signature is verified before its document is sealed, in
    its own transaction under a lock, after its turn is checked again.
    """
    if not documents:
        return []
    school = documents[0].school
    first = documents[0]
    try:
        if any(not same_school(actor, document) for document in documents):
            raise PermissionDenied(_("Only documents of your school."))
        if role == SigningRole.SEAL:
            raise SigningRefused("remote_seal", _("The school seal signs with the server's token, not remotely."))
        for document in documents:
            services._check_turn(actor=actor, document=document, role=role)
        registered, _none = services._key_for(actor=actor, school=school, role=role, pin=pin, server=False)
        credential = RemoteCredential.objects.select_related("service").filter(certificate=registered).first()
        if credential is None or not credential.service.enabled:
            raise SigningRefused("remote_no_credential", _("Register your remote-signing credential first."))
        if not (pin or otp):
            raise SigningRefused("remote_pin", _("Enter the PIN (or the OTP code) the remote-signing service asks."))
        remote = client(credential.service)
        contents = [storage.read(document.path) for document in documents]
        jobs = [csc.Job(content=content, field_name=_field(role, actor, document), reason=services._reason(role),
                        location=school.name, name=registered.subject_name)
                for content, document in zip(contents, documents, strict=True)]
        try:
            token = csc.login(remote)
            held = csc.credential_info(remote, credential_id=credential.credential_id, token=token)
            if pki.fingerprint(held.certificate) != registered.fingerprint:
                raise SigningRefused("other_certificate",
                                     _("The remote-signing service now holds another certificate for this "
                                       "credential: register it again."))
            trust = config.trust()
            with config.timestamp_service() as tsa_url:
                result = csc.sign_batch(jobs, service=remote, token=token, credential=held, pin=pin, otp=otp,
                                        tsa_url=tsa_url, trust=trust)
        except csc.CscError as error:
            raise _refusal(error) from None
        for signed in result.signed:
            last = pades.validate(signed, trust=trust)[-1]
            if not (last.intact and last.valid):
                raise SigningRefused("remote_bad_signature", _("The remote-signing service's signature does not "
                                                               "verify against your certificate: nothing was "
                                                               "sealed."))
        for document, content in zip(documents, contents, strict=True):  # all checked before any is sealed
            first = document
            services._check_turn(actor=actor, document=document, role=role)
            if storage.read(document.path) != content:
                raise SigningRefused("changed", _("The document changed while it was being signed: sign it again."))
        first = documents[0]
        made = []
        try:
            for document, content, signed in zip(documents, contents, result.signed, strict=True):
                made.append(_seal_one(actor=actor, document=document, role=role, registered=registered,
                                      content=content, signed=signed))
                first = None
        except (SigningRefused, PermissionDenied):
            raise
        except Exception:
            logger.exception("remote batch: sealing stopped after %s document(s)", len(made))
            raise services.failed(done=len(made), total=len(documents)) from None
        logger.info("remote batch of %s signed with %s authorisation(s)", len(made), result.authorisations)
        return made
    except SigningRefused as refusal:
        services._log(actor=actor, school=school, document=first, action="sign", refusal=refusal)
        raise
    except PermissionDenied:
        raise
    except Exception:  # pyHanko, the TSA, a server not configured (config.NotConfigured): logged, not a 500
        logger.exception("remote batch: signing failed before any document was sealed")
        refusal = services.failed(done=0, total=len(documents))
        services._log(actor=actor, school=school, document=documents[0], action="sign", refusal=refusal)
        raise refusal from None


def _field(role: str, actor, document: ArchivedDocument) -> str:
    return f"{role}-{actor.pk}-v{document.version + 1}"


@transaction.atomic
def _seal_one(*, actor, document: ArchivedDocument, role: str, registered, content: bytes,
              signed: bytes) -> Signature:
    document = (ArchivedDocument.objects.select_for_update(of=("self",))
                .select_related("year", "term", "school_class", "student", "school").get(pk=document.pk))
    services._check_turn(actor=actor, document=document, role=role)  # another signer may have come meanwhile
    if storage.read(document.path) != content:
        raise SigningRefused("changed", _("The document changed while it was being signed: sign it again."))
    new = archive_services.seal_signed(document=document, content=signed, actor=actor,
                                       note=f"{services._reason(role)}: {registered.subject_name}")
    signature = Signature(school=document.school, signed=document, document=new, scope_key=document.scope_key,
                          role=role, signer=actor, certificate=registered, field_name=_field(role, actor, document))
    signature._history_user, signature._change_reason = actor, f"signed v{document.version} (remote)"
    signature.save()
    return signature


def remote_available(user) -> bool:
    """Whether the signing board offers this user "remote signing": their school has a service in use and
    their certificate in use is a credential there."""
    school = user_school(user)
    return school is not None and RemoteCredential.objects.filter(
        certificate__user=user, certificate__active=True, service__enabled=True, service__school=school).exists()
