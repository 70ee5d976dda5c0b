"""Signing a batch in the background: the PIN asked once, every document checked in the request, signed by a worker.

A class of 45 report cards is 45 signatures, each with a call to the TSA: too long for a request.
``batch_start`` (in the request) checks everything that can be checked at once and refuses the whole
batch before anything is signed: the signer's right and turn on every document, their certificate,
and the PIN, by opening the token with it. It then records a SigningBatch with one item per document;
the worker (archive.signing.tasks.sign_batch → ``batch_run``) signs each through the one writer,
archive.signing.services.documents_sign, and records per document what happened.

The PIN. It is neither in the database nor in clear in the broker (Redis): the task carries it
encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from SECRET_KEY by HKDF for
this one purpose, and the token is only good for PIN_TTL seconds after it was made (Fernet's
timestamp, checked on decryption). A worker that picks the task up later (a broker down for a long
time) refuses the documents with "the PIN has expired, sign again", and a copy of the message read
from Redis afterwards opens nothing once the key's owner rotated SECRET_KEY or the TTL passed. The
seal's stage needs no PIN from the signer (the server's configuration holds it) and sends none.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords.permissions import same_school
from schoolrecords.sealing import InvalidToken, fernet, seal, unseal

from ..models import ArchivedDocument, Signature, SigningBatch, SigningBatchItem
from . import services, tokens

logger = logging.getLogger(__name__)

PIN_TTL = 15 * 60  # seconds: a batch's worker starts well within this; after it, the PIN is gone


_KEY = {"salt": b"archive.signing.batch", "info": b"token PIN for a signing batch"}


def _fernet():
    return fernet(**_KEY)


def pin_seal(pin: str) -> str:
    """The PIN, encrypted for the worker (empty stays empty: the seal's stage sends none)."""
    return seal(pin, **_KEY) if pin else ""


def pin_open(sealed: str, *, ttl: int = PIN_TTL) -> str:
    """The PIN back; SigningRefused when the token was made more than ``ttl`` seconds ago or was tampered with."""
    if not sealed:
        return ""
    try:
        return unseal(sealed, ttl=ttl, **_KEY)
    except InvalidToken:
        raise services.SigningRefused("pin_expired", _("The PIN given for this batch has expired (the batch waited "
                                                       "too long to start): sign the remaining documents again.")) \
            from None


def batch_start(*, actor, school_class: sm.SchoolClass, term: sm.Term, kind: str, role: str,
                documents: list[ArchivedDocument], pin: str = "") -> SigningBatch:
    """Check the batch and record it (the caller sends its task after the commit, archive.signing.jobs).

    Refused whole (SigningRefused, logged; nothing recorded, nothing signed) when any document is not
    the actor's to sign at ``role`` now, their certificate does not hold, or the token refuses the PIN.
    """
    school = school_class.year.school
    first = documents[0] if documents else None
    try:
        if not documents:
            raise services.SigningRefused("nothing", _("Choose the documents to sign."))
        if any(not same_school(actor, document) for document in documents) or not same_school(actor, school_class):
            raise PermissionDenied(_("Only documents of your school."))
        for document in documents:
            if (document.school_class_id, document.term_id, document.kind) != (school_class.pk, term.pk, kind):
                raise services.SigningRefused("not_in_batch", _("A chosen document is not of this board."))
            services._check_turn(actor=actor, document=document, role=role)
        _registered, key = services._key_for(actor=actor, school=school, role=role, pin=pin)
        with key.signer():  # the token opened with this PIN now: a wrong one refuses the batch here
            pass
    except tokens.TokenError as error:
        refusal = services.SigningRefused(f"token_{error.code}", services.token_message(error))
        services._log(actor=actor, school=school, document=first, action="sign", refusal=refusal)
        raise refusal from None
    except services.SigningRefused as refusal:
        services._log(actor=actor, school=school, document=first, action="sign", refusal=refusal)
        raise
    with transaction.atomic():
        batch = SigningBatch(school=school, school_class=school_class, term=term, kind=kind, role=role,
                             requested_by=actor, total=len(documents))
        batch.full_clean()
        batch.save()
        SigningBatchItem.objects.bulk_create([SigningBatchItem(batch=batch, document=document)
                                              for document in documents])
    logger.info("signing batch %s: %s document(s) at %s by %s", batch.pk, len(documents), role, actor.pk)
    return batch


def _finish(item: SigningBatchItem, *, signature=None, message: str = "") -> bool:
    """Record one item's outcome once: an item no longer waiting (the task delivered again, at least once) is left
    as it is and counted no second time. Returns whether it was recorded."""
    with transaction.atomic():
        batch = SigningBatch.objects.select_for_update().get(pk=item.batch_id)
        locked = SigningBatchItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != SigningBatchItem.Status.PENDING:
            return False
        locked.status = SigningBatchItem.Status.SIGNED if signature else SigningBatchItem.Status.REFUSED
        locked.signature, locked.message, locked.finished_at = signature, message[:500], timezone.now()
        locked.save(update_fields=["status", "signature", "message", "finished_at"])
        if signature:
            batch.signed += 1
        else:
            batch.refused += 1
        fields = ["signed", "refused"]
        if batch.finished:
            batch.finished_at = timezone.now()
            fields.append("finished_at")
        batch.save(update_fields=fields)
    return True


def batch_unsent(batch_id: int) -> None:
    """The batch's task could not be sent (the broker down): every waiting item refused, logged, to sign again."""
    batch = SigningBatch.objects.select_related("requested_by", "school").get(pk=batch_id)
    refusal = services.SigningRefused("not_sent", _("The signing service could not be reached: nothing was "
                                                    "signed, try again in a moment."))
    logger.exception("signing batch %s: its task could not be sent", batch_id)
    services._log(actor=batch.requested_by, school=batch.school, document=None, action="sign", refusal=refusal)
    for item in batch.items.filter(status=SigningBatchItem.Status.PENDING).order_by("pk"):
        _finish(item, message=str(refusal.messages[0]))


def _signed_since(document_id: int, *, signer_id: int, role: str) -> tuple[int, Signature | None]:
    """The version the chosen one became through signatures made since (another subject teacher signing in
    parallel): that one is signed. A re-print is not followed: its data changed, its signer must see it.
    With it, the signature of ``signer_id`` at ``role`` found on the way (the same signer signed it another way
    meanwhile, or an earlier delivery of the task did): the item is signed already."""
    current, already = document_id, None
    while (made := Signature.objects.filter(signed_id=current).first()):
        if made.signer_id == signer_id and made.role == role:
            already = made
        current = made.document_id
    return current, already


def batch_run(*, batch_id: int, sealed_pin: str) -> int:
    """Sign the batch's waiting documents one by one (each its own transaction); returns how many were signed.

    Run again (a worker lost mid-batch: the task is delivered again), it takes up the items still
    waiting. A document whose turn went by meanwhile is refused with its reason and the others go on;
    a token that stops accepting the PIN, or a PIN that expired, refuses every remaining document.
    """
    batch = SigningBatch.objects.select_related("requested_by", "school").get(pk=batch_id)
    actor = get_user_model().objects.select_related("profile").get(pk=batch.requested_by_id)
    pending = list(batch.items.filter(status=SigningBatchItem.Status.PENDING).order_by("pk"))
    try:
        pin = pin_open(sealed_pin)
    except services.SigningRefused as refusal:
        services._log(actor=actor, school=batch.school, document=None, action="sign", refusal=refusal)
        for item in pending:
            _finish(item, message=str(refusal.messages[0]))
        return 0
    signed, stop = 0, ""
    for item in pending:
        if stop:
            _finish(item, message=stop)
            continue
        current, already = _signed_since(item.document_id, signer_id=actor.pk, role=batch.role)
        if already is not None:
            _finish(item, signature=already)
            continue
        document = (ArchivedDocument.objects.select_related("school", "school_class", "year", "term", "student")
                    .get(pk=current))
        try:
            made = services.documents_sign(actor=actor, documents=[document], role=batch.role, pin=pin)
        except services.SigningRefused as refusal:
            message = str(refusal.messages[0])
            if refusal.reason.startswith("token_") or refusal.reason in ("no_certificate", "no_token"):
                stop = message  # the key itself is gone: the rest cannot be signed either
            _finish(item, message=message)
        except PermissionDenied as error:
            _finish(item, message=str(error))
        except Exception:  # anything else (the TSA, pyHanko, the database): this one refused, the batch goes on
            logger.exception("signing batch %s: document %s could not be signed", batch.pk, document.pk)
            refusal = services.SigningRefused("sign_failed", _("This document could not be signed: try again."))
            services._log(actor=actor, school=batch.school, document=document, action="sign", refusal=refusal)
            _finish(item, message=str(refusal.messages[0]))
        else:
            if _finish(item, signature=made[0]):
                signed += 1
    logger.info("signing batch %s: %s signed by this run of %s waiting", batch.pk, signed, len(pending))
    return signed
