"""Signing with the signer's own USB token: prepare on the server, sign in the agent, finish and seal on the server.

``batch_prepare`` checks the documents exactly as ``services.documents_sign`` does (the school, each
document's turn, the signer's right, their registered certificate still valid and theirs), lays out
each one's next signature (archive.signing.interrupted) and keeps it in an AgentBatch with a one-time
code, valid ``CODE_MINUTES``. The signing agent (scripts/signing_agent.py) fetches what to sign with
that code (``batch_payload``), signs on the token with the PIN asked once, and posts the values:
``batch_finish`` uses the code up, checks every value against what was sent and the registered
certificate before sealing anything, then completes, timestamps and seals each document through
``services.seal_signature`` (the one writer of signatures), its turn checked again under the lock.
What the agent could not do at the token (no token, a wrong PIN) it reports (``batch_report``): the
attempt is logged and the code stays usable until it expires. Every refusal is a ``SigningRefused``
with the signer's Vietnamese message, logged in SigningAttempt; nothing is sealed.
"""

import base64
import datetime
import hashlib
import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolrecords.permissions import same_school

from .. import storage
from ..models import AgentBatch, ArchivedDocument, PreparedSignature, Signature
from . import config, interrupted, pki, services, tokens
from .services import SigningRefused

logger = logging.getLogger(__name__)

CODE_MINUTES = 15
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen and typed
CODE_LENGTH = 12  # 60 bits, for a quarter of an hour
MAX_DOCUMENTS = 200
# The usual places of a token's PKCS#11 library (the agent's --module), shown beside the command; the token
# vendor's installer names its own (a .dll on Windows, .so on Linux, .dylib on macOS).
PKCS11_MODULES = (
    ("SoftHSM2", "/usr/lib/softhsm/libsofthsm2.so"),
    ("SafeNet eToken (Windows)", r"C:\Windows\System32\eTPKCS11.dll"),
    ("SafeNet eToken (Linux)", "/usr/lib/libeTPkcs11.so"),
    ("OpenSC", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
)
# What the agent may report it could not do at the token (tokens.TokenError codes, and a token whose
# certificate is not the registered one).
REPORTABLE = ("absent", "pin", "locked", "no_key", "module", "other_certificate")


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def display(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _as_prepared(item: PreparedSignature) -> interrupted.Prepared:
    return interrupted.Prepared(tail=bytes(item.tail), document_digest=bytes(item.document_digest),
                                reserved_start=item.reserved_start, reserved_end=item.reserved_end,
                                signed_attrs=bytes(item.signed_attrs))


def batch_prepare(*, actor, documents: list[ArchivedDocument], role: str) -> tuple[AgentBatch, str]:
    """Prepare ``documents``' signatures at ``role`` for ``actor``'s signing agent; returns the batch and its code."""
    if not documents:
        raise SigningRefused("nothing", _("Choose the documents to sign."))
    if len(documents) > MAX_DOCUMENTS:
        raise SigningRefused("too_many", _("At most %(count)s documents in one signing batch.") % {
            "count": MAX_DOCUMENTS})
    school = documents[0].school
    first = documents[0]
    try:
        if any(not same_school(actor, document) for document in documents):
            raise PermissionDenied(_("Only documents of your school."))
        for document in documents:
            services._check_turn(actor=actor, document=document, role=role)
        registered, _key = services._key_for(actor=actor, school=school, role=role, pin="", server=False)
        certificate = pki.load_certificate(registered.pem.encode())
        trust = config.trust()
        prepared = []
        for document in documents:
            content = storage.read(document.path)
            field_name = f"{role}-{actor.pk}-v{document.version + 1}"
            prepared.append((document, hashlib.sha256(content).hexdigest(), field_name, interrupted.prepare(
                content, certificate=certificate, field_name=field_name, reason=services._reason(role),
                location=school.name, name=registered.subject_name, trust=trust)))
    except SigningRefused as refusal:
        services._log(actor=actor, school=school, document=first, action="agent_prepare", refusal=refusal)
        raise
    code = "".join(secrets.choice(CODE_ALPHABET) for _each in range(CODE_LENGTH))
    with transaction.atomic():
        batch = AgentBatch(school=school, signer=actor, role=role, certificate=registered, code_hash=code_hash(code),
                           expires_at=timezone.now() + datetime.timedelta(minutes=CODE_MINUTES))
        batch._history_user, batch._change_reason = actor, f"prepared {len(prepared)} document(s) for the agent"
        batch.save()
        PreparedSignature.objects.bulk_create([PreparedSignature(
            batch=batch, document=document, content_sha256=digest, field_name=field_name, tail=item.tail,
            document_digest=item.document_digest, reserved_start=item.reserved_start,
            reserved_end=item.reserved_end, signed_attrs=item.signed_attrs)
            for document, digest, field_name, item in prepared])
    logger.info("agent batch %s: %s document(s) at %s for %s", batch.pk, len(prepared), role, actor.pk)
    return batch, code


def _lookup(code: str, *, lock: bool = False) -> tuple[AgentBatch | None, SigningRefused | None]:
    found = AgentBatch.objects.select_related("signer__profile", "school", "certificate")
    if lock:
        found = found.select_for_update(of=("self",))
    batch = found.filter(code_hash=code_hash(code)).first() if normalise(code) else None
    if batch is None:
        return None, SigningRefused("code_unknown", _("This signing code does not exist: copy it again from the "
                                                      "signing board."))
    if batch.used_at is not None:
        return batch, SigningRefused("code_used", _("This signing code was already used: ask for a new one on the "
                                                    "signing board."))
    if batch.expires_at <= timezone.now():
        return batch, SigningRefused("code_expired", _("This signing code has expired: ask for a new one on the "
                                                       "signing board."))
    if not batch.signer.is_active:
        return batch, SigningRefused("inactive", _("This account is disabled."))
    return batch, None


def _refused(batch: AgentBatch | None, code: str, refusal: SigningRefused) -> SigningRefused:
    """Log a refused code (outside any transaction that is rolled back) and return the refusal to raise."""
    if batch is not None:
        services._log(actor=batch.signer, school=batch.school, document=None, action="agent_code", refusal=refusal)
    else:
        logger.warning("signing agent: unknown code (%s…)", normalise(code)[:2])
    return refusal


def batch_for_code(code: str) -> AgentBatch:
    """The batch of a one-time code still usable; SigningRefused (logged) when unknown, used or expired."""
    batch, refusal = _lookup(code)
    if refusal is not None:
        raise _refused(batch, code, refusal)
    return batch


def batch_payload(batch: AgentBatch) -> dict:
    """What the agent reads: whose certificate signs, how, and for each document the attributes to sign."""
    certificate = pki.load_certificate(batch.certificate.pem.encode())
    items = list(batch.items.select_related("document__student", "document__school_class").order_by("pk"))
    return {
        "signer": batch.certificate.subject_name,
        "role": batch.role,
        "role_label": str(batch.get_role_display()),
        "certificate": batch.certificate.pem,
        "algorithm": interrupted.algorithm(certificate),
        "expires_at": batch.expires_at.isoformat(),
        "documents": [{
            "id": item.pk,
            "title": f"{item.document.student.full_name if item.document.student_id else item.document.file_name}"
                     f" — {item.document.school_class.name if item.document.school_class_id else ''}",
            "to_sign": base64.b64encode(bytes(item.signed_attrs)).decode(),
            "digest": hashlib.sha256(bytes(item.signed_attrs)).hexdigest(),
        } for item in items],
    }


def batch_report(*, code: str, reason: str, token: str = "") -> str:
    """The agent could not sign at the token: log it (the code stays usable) and return the signer's message."""
    batch = batch_for_code(code)
    if reason not in REPORTABLE:
        reason = "module"
    if reason == "other_certificate":
        message = _("The token plugged in does not hold your registered certificate: nothing was signed.")
    else:
        message = services.token_message(tokens.TokenError(reason, token[:64] or batch.certificate.token_label
                                                           or "USB token"))
    refusal = SigningRefused(f"token_{reason}", message)
    services._log(actor=batch.signer, school=batch.school, document=None, action="agent_sign", refusal=refusal)
    return message


def batch_finish(*, code: str, values: dict[int, bytes]) -> list[Signature]:
    """Use the code up, check each value, then complete and seal each document (see the module's doc)."""
    with transaction.atomic():
        batch, refusal = _lookup(code, lock=True)
        if refusal is None:
            batch.used_at = timezone.now()
            batch._history_user, batch._change_reason = batch.signer, "signature values posted by the agent"
            batch.save(update_fields=["used_at"])
    if refusal is not None:
        raise _refused(batch, code, refusal)
    actor, school = batch.signer, batch.school
    items = list(batch.items.select_related("document__school").order_by("pk"))
    first = items[0].document if items else None
    try:
        if set(values) != {item.pk for item in items}:
            raise SigningRefused("values_missing", _("The agent did not send a signature value for every document "
                                                     "of the batch: nothing was signed."))
        registered, _key = services._key_for(actor=actor, school=school, role=batch.role, pin="", server=False)
        if registered.pk != batch.certificate_id:
            raise SigningRefused("other_certificate", _("Your registered certificate changed since the batch was "
                                                        "prepared: prepare it again."))
        certificate = pki.load_certificate(registered.pem.encode())
        for item in items:
            if not interrupted.check_value(certificate, _as_prepared(item), values[item.pk]):
                first = item.document
                raise SigningRefused("bad_value", _("The signature value does not match the digest sent for this "
                                                    "document and your registered certificate: nothing was "
                                                    "signed."))
        for item in items:  # every turn and file checked before any is sealed (again under each lock below)
            first = item.document
            services._check_turn(actor=actor, document=item.document, role=batch.role)
            if hashlib.sha256(storage.read(item.document.path)).hexdigest() != item.content_sha256:
                raise SigningRefused("changed", _("The archived file changed since the batch was prepared: "
                                                  "nothing was signed."))
        made = []
        try:
            with config.timestamp_service() as tsa_url:
                trust = config.trust()
                for item in items:
                    first = item.document
                    made.append(_finish_one(actor=actor, item=item, role=batch.role, registered=registered,
                                            certificate=certificate, value=values[item.pk], tsa_url=tsa_url,
                                            trust=trust))
        except (SigningRefused, PermissionDenied):
            raise
        except Exception:  # the TSA, pyHanko, a server not configured: a logged refusal, not a 500
            logger.exception("agent batch %s: signing stopped after %s document(s)", batch.pk, len(made))
            raise services.failed(done=len(made), total=len(items)) from None
        return made
    except SigningRefused as refusal:
        services._log(actor=actor, school=school, document=first, action="agent_sign", refusal=refusal)
        raise


@transaction.atomic
def _finish_one(*, actor, item: PreparedSignature, role: str, registered, certificate, value: bytes, tsa_url: str,
                trust) -> Signature:
    document = (ArchivedDocument.objects.select_for_update(of=("self",))
                .select_related("year", "term", "school_class", "student", "school").get(pk=item.document_id))
    services._check_turn(actor=actor, document=document, role=role)  # under the lock: another signer may have come
    content = storage.read(document.path)
    if hashlib.sha256(content).hexdigest() != item.content_sha256:
        raise SigningRefused("changed", _("The archived file changed since the batch was prepared: nothing was "
                                          "signed."))
    signed = interrupted.finish(content, _as_prepared(item), value, certificate=certificate,
                                field_name=item.field_name, reason=services._reason(role), location=document.school.name,
                                name=registered.subject_name, tsa_url=tsa_url, trust=trust)
    return services.seal_signature(actor=actor, document=document, role=role, registered=registered,
                                   field_name=item.field_name, signed=signed)


USED_ITEMS_KEPT = datetime.timedelta(days=1)  # a used batch's prepared signatures, kept a day for a look at a refusal


def batches_clean(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Delete what the signing agent will never use: the batches whose code expired unused (with their prepared
    signatures), and the prepared signatures of batches used more than ``USED_ITEMS_KEPT`` ago.

    What the school keeps: each deleted batch's history (who prepared what stage with which certificate,
    when; the deletion's own record says why), a used batch's row, every refusal in SigningAttempt and, of
    course, the sealed signatures, which never point at a batch. A batch being finished is locked and
    skipped. Returns (batches deleted, prepared signatures deleted); Beat sends it every hour
    (settings.CELERY_BEAT_SCHEDULE)."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(AgentBatch.objects.select_for_update(skip_locked=True)
                       .filter(used_at__isnull=True, expires_at__lte=now).order_by("pk"))
        items = PreparedSignature.objects.filter(batch__in=expired).count()
        for batch in expired:
            batch._history_user, batch._change_reason = None, "code expired unused: prepared signatures deleted"
            batch.delete()
        used, _counts = PreparedSignature.objects.filter(batch__used_at__lte=now - USED_ITEMS_KEPT).delete()
    if expired or used:
        logger.info("agent batches cleaned: %s expired unused (%s prepared signatures), %s prepared signatures of "
                    "used batches", len(expired), items, used)
    return len(expired), items + used
