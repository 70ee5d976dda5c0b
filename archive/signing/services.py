"""Every change signing makes: register a certificate, sign documents (one stage, a batch, one PIN).

Each signature makes a new sealed version of the document (archive.services seal: the signed file is
the old one with an incremental update appended; the old version stays, untouched), a Signature row
(who, stage, certificate, when, which version it made), with history. A refusal (a certificate that
expired, is from no trusted root or names someone else; a wrong PIN; an absent token; out of order; not
the signer of that stage) raises ``SigningRefused`` with the signer's Vietnamese message, seals
nothing, and is logged (SigningAttempt, written after the refused transaction is rolled back).
"""

import asyncio
import datetime
import logging
import unicodedata

from cryptography import x509
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError
from pyhanko_certvalidator.errors import ValidationError as CVError

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import has_role, same_school, user_school

from .. import services as archive_services
from .. import storage
from ..models import ArchivedDocument, Signature, SigningAttempt, SigningCertificate, SigningRole, SigningStage
from . import config, pades, pki, plan_selectors, selectors, stages, tokens

logger = logging.getLogger(__name__)


class SigningRefused(ValidationError):
    def __init__(self, code: str, message: str):
        self.reason = code
        super().__init__(message, code=code)


def failed(*, done: int, total: int) -> SigningRefused:
    """An unexpected failure (the time-stamping service, the signing library, the server's configuration)."""
    if not done:
        return SigningRefused("sign_failed", _("The documents could not be signed (the time-stamping service or "
                                               "the signing library failed): nothing was signed, try again."))
    return SigningRefused("sign_failed", _("Signing stopped on an error: %(done)s of %(total)s document(s) were "
                                           "signed, try again for the others.") % {"done": done, "total": total})


def _log(*, actor, school, document, action: str, refusal: SigningRefused) -> None:
    SigningAttempt.objects.create(school=school, actor=actor, document=document, action=action,
                                  code=refusal.reason, message=str(refusal.messages[0])[:500])
    logger.warning("signing %s refused for %s: %s (%s)", action, actor, refusal.reason, refusal.messages[0])


def token_message(error: tokens.TokenError) -> str:
    return {
        "absent": _("The token “%(label)s” is not plugged in (no token with this label was found).") % {
            "label": error.detail},
        "pin": _("Wrong PIN for the token: nothing was signed."),
        "locked": _("The token's PIN is locked after too many wrong tries: ask the certificate's issuer."),
        "no_key": _("The token holds no key for this certificate."),
    }.get(error.code, _("The token cannot be used: %(detail)s") % {"detail": error.detail})


# --- the school's signing plan --------------------------------------------------------------------


@transaction.atomic
def plan_set(*, actor, school: sm.School, kind: str, plan: list[str], reason: str = "") -> tuple[str, ...]:
    """Set who signs ``kind`` in which order at ``school`` (the principal decides); an empty plan: the default.

    The seal, when in the plan, comes last; a role appears once. Documents already signed keep their
    signatures; the new order applies to the signatures still to come.
    """
    if not (actor.is_superuser or (has_role(actor, roles.PRINCIPAL) and same_school(actor, school))):
        raise PermissionDenied(_("Only the principal sets the order of signatures."))
    if kind not in selectors.SIGNABLE_KINDS:
        raise ValidationError({"kind": _("Only printed PDF documents (report cards, ledgers, summary tables) "
                                         "are signed.")})
    if len(set(plan)) != len(plan) or any(role not in SigningRole.values for role in plan):
        raise ValidationError({"plan": _("Name each signing stage once.")})
    if SigningRole.SEAL in plan and plan[-1] != SigningRole.SEAL:
        raise ValidationError({"plan": _("The school seal is the last stage.")})
    rows = SigningStage.objects.select_for_update().filter(school=school, kind=kind)
    if tuple(plan) == tuple(rows.order_by("position").values_list("role", flat=True)):
        return selectors.plan(school.pk, kind)  # no change
    classes = plan_selectors.part_way(school.pk, kind)
    if classes:
        raise ValidationError({"plan": _("Documents of this kind are part-way through signing (class %(classes)s): "
                                         "the order can change once they are fully signed or printed again.") % {
            "classes": ", ".join(classes)}})
    for stage in rows:
        stage._history_user, stage._change_reason = actor, reason or "plan changed"
        stage.delete()
    for position, role in enumerate(plan, start=1):
        stage = SigningStage(school=school, kind=kind, position=position, role=role)
        stage.full_clean()
        stage._history_user, stage._change_reason = actor, reason or "plan changed"
        stage.save()
    return selectors.plan(school.pk, kind)


# --- identity ------------------------------------------------------------------------------------


def _normal(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def check_certificate(certificate: x509.Certificate, *, at: datetime.datetime | None = None) -> None:
    """Refused unless valid now (its dates) and issued under one of the trust roots (pyHanko's path validation)."""
    at = at or timezone.now()
    if certificate.not_valid_after_utc < at:
        raise SigningRefused("expired", _("The certificate expired on %(date)s.") % {
            "date": timezone.localtime(certificate.not_valid_after_utc).strftime("%d/%m/%Y")})
    if certificate.not_valid_before_utc > at:
        raise SigningRefused("not_yet_valid", _("The certificate is valid only from %(date)s.") % {
            "date": timezone.localtime(certificate.not_valid_before_utc).strftime("%d/%m/%Y")})
    trust = config.trust()
    if not trust.roots:
        raise SigningRefused("no_roots", _("No trust roots are configured for signing (SIGNING_TRUST_ROOTS)."))
    context = ValidationContext(trust_roots=[pades.as_asn1(root) for root in trust.roots],
                                crls=trust.context().crls, allow_fetching=trust.fetch, revocation_mode="soft-fail")
    validator = CertificateValidator(pades.as_asn1(certificate), validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except RevokedError:
        raise SigningRefused("revoked", _("The certificate has been revoked by its issuer.")) from None
    except (PathBuildingError, PathValidationError, CVError):
        raise SigningRefused("untrusted", _("The certificate was not issued under a trust root of the school.")) \
            from None


def check_holder(certificate: x509.Certificate, *, user=None, school: sm.School | None = None) -> None:
    """The certificate names ``user`` (full name and CCCD of their staff profile) or, for a seal, the school."""
    name, cccd = pki.holder(certificate)
    if user is None:
        if _normal(name) != _normal(school.name):
            raise SigningRefused("other_school", _("The seal certificate is for “%(name)s”, not for %(school)s.") % {
                "name": name, "school": school.name})
        return
    profile = getattr(user, "profile", None)
    if profile is None or not profile.cccd:
        raise SigningRefused("no_cccd", _("Your staff profile has no CCCD number: ask the admin board to enter it."))
    if _normal(name) != _normal(profile.full_name):
        raise SigningRefused("other_name", _("The certificate is for “%(name)s”, not for %(person)s.") % {
            "name": name, "person": profile.full_name})
    if cccd != profile.cccd:
        raise SigningRefused("other_cccd", _("The certificate's CCCD number (%(found)s) is not the one of your "
                                             "staff profile.") % {"found": cccd or "—"})


def _may_register(actor, user, school) -> None:
    if actor.is_superuser or (user is not None and user.pk == actor.pk):
        return
    if user is None and has_role(actor, roles.PRINCIPAL, roles.CLERK):
        return
    if user is not None and has_role(actor, roles.ADMIN_BOARD, roles.PRINCIPAL) and same_school(actor, user.profile):
        return
    raise PermissionDenied(_("Only the holder registers their certificate (the principal or the clerk the seal's)."))


def read_from_token(*, token_label: str, pin: str) -> x509.Certificate:
    try:
        with tokens.session(config.module(), token_label, pin) as session:
            found = tokens.read_certificates(session)
    except tokens.TokenError as error:
        raise SigningRefused(f"token_{error.code}", token_message(error)) from None
    if not found:
        raise SigningRefused("token_empty", _("The token holds no certificate."))
    return found[0][1]


def certificate_register(*, actor, user=None, school: sm.School | None = None, data: bytes = b"",
                         token_label: str = "", pin: str = "") -> SigningCertificate:
    """Register ``user``'s certificate (None: the school seal's), uploaded (PEM or DER) or read from a token.

    The previous certificate of the holder stops being used (kept, with its signatures)."""
    school = school or (user.profile.school if user is not None else user_school(actor))
    _may_register(actor, user, school)
    try:
        with transaction.atomic():
            if data:
                try:
                    certificate = pki.load_certificate(data)
                except ValueError:
                    raise SigningRefused("unreadable",
                                         _("This file is not an X.509 certificate (PEM or DER).")) from None
            elif token_label:
                certificate = read_from_token(token_label=token_label, pin=pin)
            else:
                raise SigningRefused("nothing", _("Upload the certificate or name the token that holds it."))
            check_certificate(certificate)
            check_holder(certificate, user=user, school=school)
            fingerprint = pki.fingerprint(certificate)
            existing = SigningCertificate.objects.filter(fingerprint=fingerprint).first()
            if existing is not None and existing.active and existing.user_id == (user.pk if user else None):
                return existing
            if existing is not None:
                raise SigningRefused("taken", _("This certificate is already registered."))
            for previous in SigningCertificate.objects.select_for_update().filter(
                    school=school, user=user, active=True):
                previous.active = False
                previous._history_user, previous._change_reason = actor, "replaced"
                previous.save(update_fields=["active"])
            name, cccd = pki.holder(certificate)
            registered = SigningCertificate(
                school=school, user=user, pem=pki.Issued(certificate).pem.decode(), fingerprint=fingerprint,
                subject_name=name[:200], cccd=cccd[:12], issuer=certificate.issuer.rfc4514_string()[:255],
                serial=format(certificate.serial_number, "x")[:80], not_before=certificate.not_valid_before_utc,
                not_after=certificate.not_valid_after_utc, token_label=token_label[:64], registered_by=actor)
            registered.full_clean()
            registered._history_user, registered._change_reason = actor, "registered"
            registered.save()
            return registered
    except SigningRefused as refusal:
        _log(actor=actor, school=school, document=None, action="register", refusal=refusal)
        raise


# --- signing -------------------------------------------------------------------------------------


def _reason(role: str) -> str:
    return {
        SigningRole.SUBJECT_TEACHERS: _("Signed by the subject teacher"),
        SigningRole.HOMEROOM: _("Signed by the homeroom teacher"),
        SigningRole.PRINCIPAL: _("Signed by the principal"),
        SigningRole.SEAL: _("The school's seal"),
    }[role]


REFUSALS = {
    "not_in_plan": lambda: _("This kind of document has no such signing stage."),
    "not_entitled": lambda: _("You are not the signer of this stage for this document."),
    "complete": lambda: _("This document is already fully signed."),
    "already_signed": lambda: _("You have already signed this document at this stage."),
    "out_of_order": lambda: _("It is not this stage's turn yet: the stages before it have not all signed."),
}


def _check_turn(*, actor, document: ArchivedDocument, role: str) -> None:
    if document.kind not in selectors.SIGNABLE_KINDS or document.content_type != archive_services.PDF:
        raise SigningRefused("not_signable", _("Only printed PDF documents (report cards, ledgers, summary tables) "
                                               "are signed."))
    if ArchivedDocument.objects.filter(supersedes=document).exists():
        raise SigningRefused("superseded", _("A newer version of this document exists: sign that one."))
    school_class = document.school_class
    teachers = selectors.subject_teachers(school_class)
    signed = selectors.signed_by_role(selectors.chains([document])[document.pk])
    code = stages.refusal(selectors.plan(document.school_id, document.kind), signed, set(teachers), role=role,
                          signer_id=actor.pk, entitled=selectors.entitled(actor, role, school_class, teachers))
    if code is not None:
        raise SigningRefused(code, REFUSALS[code]())


def _key_for(*, actor, school: sm.School, role: str, pin: str,
             server: bool = True) -> tuple[SigningCertificate, pades.Pkcs11Key | None]:
    if role == SigningRole.SEAL:
        registered = selectors.active_certificate(school=school)
        if registered is None:
            raise SigningRefused("no_certificate", _("The school's seal certificate is not registered."))
        label, pin = config.seal_token()
        label = registered.token_label or label
    else:
        registered = selectors.active_certificate(user=actor)
        if registered is None:
            raise SigningRefused("no_certificate", _("Register your signing certificate first."))
        label = registered.token_label
    if not label and server:
        raise SigningRefused("no_token", _("This certificate's key is not on a token of this server: sign with "
                                           "the signing agent on your computer."))
    certificate = pki.load_certificate(registered.pem.encode())
    check_certificate(certificate)  # it may have expired, or its root been withdrawn, since it was registered
    check_holder(certificate, user=None if role == SigningRole.SEAL else actor, school=school)
    if not server:
        return registered, None
    return registered, pades.Pkcs11Key(module=config.module(), token_label=label, pin=pin, certificate=certificate)


def documents_sign(*, actor, documents: list[ArchivedDocument], role: str, pin: str = "",
                   key: pades.KeySource | None = None) -> list[Signature]:
    """Sign each of ``documents`` at ``role`` with the actor's (or the seal's) token, asking the PIN once.

    Every document is checked first (its turn, the actor's right); then the token is opened once and
    each document is signed and sealed in its own transaction, under a lock of its version row.
    ``key``: another key source for the actor's registered certificate (the signing agent's interrupted
    flow, a CSC remote-signing service, when they come); by default the token on this server.
    """
    if not documents:
        return []
    school = documents[0].school
    first = documents[0]
    try:
        if any(not same_school(actor, document) for document in documents):
            raise PermissionDenied(_("Only documents of your school."))
        for document in documents:
            _check_turn(actor=actor, document=document, role=role)
        registered, server_key = _key_for(actor=actor, school=school, role=role, pin=pin, server=key is None)
        if key is None:
            key = server_key
        elif pki.fingerprint(key.certificate) != registered.fingerprint:
            raise SigningRefused("other_certificate", _("This key is not the one of the registered certificate."))
        made = []
        with config.timestamp_service() as tsa_url, key.signer() as signer:
            trust = config.trust()
            for document in documents:
                made.append(_sign_one(actor=actor, document=document, role=role, registered=registered,
                                      signer=signer, tsa_url=tsa_url, trust=trust))
                first = None
        return made
    except tokens.TokenError as error:
        refusal = SigningRefused(f"token_{error.code}", token_message(error))
        _log(actor=actor, school=school, document=first, action="sign", refusal=refusal)
        raise refusal from None
    except SigningRefused as refusal:
        _log(actor=actor, school=school, document=first, action="sign", refusal=refusal)
        raise


@transaction.atomic
def _sign_one(*, actor, document: ArchivedDocument, role: str, registered: SigningCertificate, signer,
              tsa_url: str, trust: pades.Trust) -> Signature:
    document = (ArchivedDocument.objects.select_for_update(of=("self",)).select_related("year", "term", "school_class",
                                                                             "student", "school").get(pk=document.pk))
    _check_turn(actor=actor, document=document, role=role)  # again, under the lock: another signer may have come
    content = storage.read(document.path)
    field_name = f"{role}-{actor.pk}-v{document.version + 1}"
    signed = pades.sign(content, signer=signer, field_name=field_name, reason=_reason(role),
                        location=document.school.name, tsa_url=tsa_url, trust=trust,
                        name=registered.subject_name)
    return seal_signature(actor=actor, document=document, role=role, registered=registered, field_name=field_name,
                          signed=signed)


def seal_signature(*, actor, document: ArchivedDocument, role: str, registered: SigningCertificate, field_name: str,
                   signed: bytes) -> Signature:
    """The one writer of a signature: seal ``signed`` as ``document``'s next version and record who signed.

    Called in the caller's transaction, ``document``'s row locked and its turn checked under the lock
    (``_sign_one`` here; the signing agent's finish, archive.signing.agent_services)."""
    new = archive_services.seal_signed(document=document, content=signed, actor=actor,
                                       note=f"{_reason(role)}: {registered.subject_name}")
    signature = Signature(school=document.school, signed=document, document=new, scope_key=document.scope_key,
                          role=role, signer=actor, certificate=registered, field_name=field_name)
    signature._history_user, signature._change_reason = actor, f"signed v{document.version}"
    signature.save()
    logger.info("signed %s v%s at %s by %s → v%s", document.scope_key, document.version, role, actor.pk, new.version)
    return signature
