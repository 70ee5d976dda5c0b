"""Signing a batch in a Celery worker (issue 15 item 2): the PIN asked once and refused before anything is signed,
carried to the worker encrypted (never in clear in the broker nor in the database) with a short expiry, the
board's progress and per-document results, one refusal not stopping the others; query counts pinned."""

import json
import time

import pytest
from django.urls import reverse

from archive.models import Signature, SigningAttempt, SigningBatch, SigningBatchItem, SigningRole
from archive.signing import batch as signing_batch
from archive.signing import demo as demo_pki
from archive.signing import services, tasks

from .signing_support import print_report_cards

pytestmark = pytest.mark.django_db

PIN = demo_pki.DEMO_PIN
# the session, the user and their profile and roles, the batch, its items with their documents and students
PROGRESS_QUERIES = 9


def board_url(small):
    return f"{reverse('archive:signing_board', args=[small.school_class.pk])}?term=1&kind=report_card"


def start(small, username, documents, role=SigningRole.SUBJECT_TEACHERS, pin=PIN):
    return signing_batch.batch_start(actor=small.demo.user(username), school_class=small.school_class,
                                     term=small.term1, kind="report_card", role=role, documents=documents, pin=pin)


def test_the_board_starts_a_batch_the_worker_signs_and_the_board_shows_its_progress_and_results(
        pki_ready, small, login, django_capture_on_commit_callbacks, monkeypatch):
    documents = print_report_cards(small)
    sent = []
    real_delay = tasks.sign_batch.delay

    def spy(*args):  # what goes to the broker: recorded, then sent as it would be
        sent.append(args)
        return real_delay(*args)

    monkeypatch.setattr(tasks.sign_batch, "delay", spy)
    client = login("teacher_math")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(board_url(small), {"role": SigningRole.SUBJECT_TEACHERS, "pin": PIN,
                                                  "documents": [d.pk for d in documents]})
    assert response.status_code == 302
    batch = SigningBatch.objects.get()
    assert response["Location"].endswith(f"&batch={batch.pk}")
    assert (batch.total, batch.signed, batch.refused, batch.finished_at is not None) == (3, 3, 0, True)
    assert Signature.objects.filter(signer__username="teacher_math").count() == 3
    assert set(batch.items.values_list("status", flat=True)) == {SigningBatchItem.Status.SIGNED}
    # the PIN went to the broker encrypted, and is nowhere in the database
    [(batch_id, sealed)] = sent
    assert batch_id == batch.pk and PIN not in json.dumps(sent) and signing_batch.pin_open(sealed) == PIN
    assert PIN not in json.dumps(list(SigningBatch.objects.values()) + list(SigningBatchItem.objects.values()),
                                 default=str)
    page = client.get(response["Location"])
    text = page.content.decode()
    assert 'id="signing-progress"' in text and "Đã ký 3 / 3" in text and 'id="signing-finished"' in text
    assert text.count('class="signing-signed"') == 3 and "htmx" in text
    progress = client.get(reverse("archive:signing_batch_progress", args=[batch.pk]))
    assert progress.status_code == 286  # finished: htmx stops polling


def test_a_wrong_pin_refuses_the_whole_batch_before_any_document_is_signed(pki_ready, small, login,
                                                                        django_capture_on_commit_callbacks):
    documents = print_report_cards(small)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login("gv_gdtc").post(board_url(small), {"role": SigningRole.SUBJECT_TEACHERS, "pin": "999999",
                                                            "documents": [d.pk for d in documents]})
    assert response.status_code == 400 and "Sai mã PIN của token" in response.content.decode()
    assert not callbacks and not SigningBatch.objects.exists() and not Signature.objects.exists()
    assert SigningAttempt.objects.get().code == "token_pin"


def test_a_document_whose_turn_went_by_is_refused_with_its_reason_and_the_others_are_signed(pki_ready, small):
    documents = print_report_cards(small)
    batch = start(small, "teacher_math", documents)
    # meanwhile the same teacher signs the first one another way (the command, another tab), and the other
    # subject teacher signs the second one in parallel (a new version of it, which the batch signs)
    services.documents_sign(actor=small.demo.user("teacher_math"), documents=[documents[0]],
                            role=SigningRole.SUBJECT_TEACHERS, pin=PIN)
    services.documents_sign(actor=small.demo.user("gv_gdtc"), documents=[documents[1]],
                            role=SigningRole.SUBJECT_TEACHERS, pin=PIN)
    assert tasks.sign_batch.apply(args=[batch.pk, signing_batch.pin_seal(PIN)]).get() == 2
    batch.refresh_from_db()
    # the one the teacher signed meanwhile carries their signature at this role: it counts as signed, not refused
    assert (batch.signed, batch.refused, batch.finished) == (3, 0, True)
    first = batch.items.get(document=documents[0])
    assert first.status == SigningBatchItem.Status.SIGNED and first.signature.signer.username == "teacher_math"
    second = batch.items.get(document=documents[1])
    assert second.status == SigningBatchItem.Status.SIGNED and second.signature.signed.version == 2
    # run again (a worker lost mid-batch, the task delivered again): nothing more happens
    assert tasks.sign_batch.apply(args=[batch.pk, signing_batch.pin_seal(PIN)]).get() == 0
    assert Signature.objects.filter(signer__username="teacher_math").count() == 3


def test_a_pin_that_expired_in_the_queue_refuses_every_document_and_signs_nothing(pki_ready, small):
    documents = print_report_cards(small)
    batch = start(small, "teacher_math", documents)
    stale = signing_batch._fernet().encrypt_at_time(PIN.encode(), int(time.time()) - signing_batch.PIN_TTL - 5)
    assert tasks.sign_batch.apply(args=[batch.pk, stale.decode()]).get() == 0
    batch.refresh_from_db()
    assert (batch.signed, batch.refused) == (0, 3) and not Signature.objects.exists()
    assert all("đã hết hạn" in item.message for item in batch.items.all())
    with pytest.raises(services.SigningRefused):
        signing_batch.pin_open(signing_batch.pin_seal(PIN)[:-4] + "AAAA")  # tampered with


def test_the_seal_is_applied_in_a_batch_without_a_pin_from_the_clerk(pki_ready, small):
    documents = print_report_cards(small)[:1]
    for username, role in (("teacher_math", SigningRole.SUBJECT_TEACHERS), ("gv_gdtc", SigningRole.SUBJECT_TEACHERS),
                           ("homeroom_6a1", SigningRole.HOMEROOM), ("principal", SigningRole.PRINCIPAL)):
        document = documents[0].__class__.objects.get(scope_key=documents[0].scope_key, superseded_by__isnull=True)
        services.documents_sign(actor=small.demo.user(username), documents=[document], role=role, pin=PIN)
    document = documents[0].__class__.objects.get(scope_key=documents[0].scope_key, superseded_by__isnull=True)
    batch = start(small, "clerk", [document], role=SigningRole.SEAL, pin="")
    assert tasks.sign_batch.apply(args=[batch.pk, signing_batch.pin_seal("")]).get() == 1
    assert Signature.objects.filter(role=SigningRole.SEAL).count() == 1


def test_anothers_batch_is_hidden(pki_ready, small, login):
    documents = print_report_cards(small)
    batch = start(small, "teacher_math", documents[:1])
    assert login("gv_gdtc").get(reverse("archive:signing_batch_progress", args=[batch.pk])).status_code == 404
    assert login("teacher_math").get(reverse("archive:signing_batch_progress", args=[batch.pk])).status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_the_progress_runs_the_same_queries_for_one_document_or_three(pki_ready, small, login, count,
                                                                      django_assert_num_queries):
    documents = print_report_cards(small)
    batch = start(small, "teacher_math", documents[:count])
    tasks.sign_batch.apply(args=[batch.pk, signing_batch.pin_seal(PIN)])
    client = login("teacher_math")
    url = reverse("archive:signing_batch_progress", args=[batch.pk])
    client.get(url)
    with django_assert_num_queries(PROGRESS_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="signing-signed"') == count



def test_a_document_that_fails_unexpectedly_is_refused_logged_and_the_batch_still_finishes(pki_ready, small,
                                                                                         monkeypatch):
    documents = print_report_cards(small)
    batch = start(small, "teacher_math", documents)
    real_sign_one = services._sign_one

    def failing(*, document, **kwargs):  # the TSA or pyHanko failing on the second document only
        if document.scope_key == documents[1].scope_key:
            raise RuntimeError("the TSA answered garbage")
        return real_sign_one(document=document, **kwargs)

    monkeypatch.setattr(services, "_sign_one", failing)
    assert tasks.sign_batch.apply(args=[batch.pk, signing_batch.pin_seal(PIN)]).get() == 2
    batch.refresh_from_db()
    assert (batch.signed, batch.refused, batch.finished) == (2, 1, True)
    refused = batch.items.get(status=SigningBatchItem.Status.REFUSED)
    assert refused.document_id == documents[1].pk and "thử lại" in refused.message
    assert SigningAttempt.objects.get(code="sign_failed").document_id == documents[1].pk


def test_an_item_already_finished_is_not_counted_twice(pki_ready, small):
    documents = print_report_cards(small)
    batch = start(small, "teacher_math", documents)
    item = batch.items.order_by("pk").first()
    stale = SigningBatchItem.objects.get(pk=item.pk)  # what a second delivery of the task read before the first ended
    assert signing_batch._finish(item, message="refused once") is True
    assert signing_batch._finish(stale, message="refused again") is False
    batch.refresh_from_db()
    item.refresh_from_db()
    assert (batch.signed, batch.refused, item.message) == (0, 1, "refused once")


def test_a_batch_whose_task_cannot_be_sent_is_refused_not_left_waiting(pki_ready, small, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from archive.signing import jobs

    documents = print_report_cards(small)

    def broker_down(*args):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.sign_batch, "delay", broker_down)
    assert tasks.sign_batch.expires is None  # a late task is refused inside by the PIN's TTL, never dropped unseen
    with django_capture_on_commit_callbacks(execute=True):
        batch = jobs.batch_start(actor=small.demo.user("teacher_math"), school_class=small.school_class,
                                 term=small.term1, kind="report_card", role=SigningRole.SUBJECT_TEACHERS,
                                 documents=documents, pin=PIN)
    batch.refresh_from_db()
    assert (batch.signed, batch.refused, batch.finished) == (0, 3, True) and not Signature.objects.exists()
    assert all("thử lại" in item.message for item in batch.items.all())
    assert SigningAttempt.objects.filter(code="not_sent").count() == 1
