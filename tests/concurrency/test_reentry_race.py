"""A re-entry racing a window's close, and two requests for the same cell at once, on PostgreSQL.

A re-entry (a recorded regular score re-entered with a reason and evidence, seed 003 §5) passes the
term's gate (gradebook.gate) before it reads the windows and locks, and a window's close passes it
alone: the re-entry is either filed and applied before the close, or it waits, reads the closed
window and becomes a correction request the leadership decides. Never a re-entry applied after
the close, never half a request. Two requests for the same cell filed at once file one: the
second waits for the first and is refused at the cell, whether or not the cell holds a score.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.utils import timezone, translation

from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput
from gradebook.models import CorrectionChange, CorrectionRequest, EntryWindow, Score
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm

from .conftest import errors, run_together, wait_for_lock_waiters

pytestmark = pytest.mark.django_db(transaction=True)

TX = Score.Kind.REGULAR
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
Kind, Status = CorrectionRequest.Kind, CorrectionRequest.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class CommittedLater:
    """Run ``work`` in a thread inside a transaction that stays open until ``release()``, then commits it."""

    def __init__(self, work):
        self._work, self.result, self.error = work, None, None
        self._held, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="committed-later")

    def _run(self):
        try:
            with transaction.atomic():
                self.result = self._work()
                self._held.set()
                self._release.wait(60)
        except BaseException as error:  # looked at by the test
            self.error = error
        finally:
            self._held.set()
            connections.close_all()

    def __enter__(self):
        self._thread.start()
        self._held.wait(60)
        assert self.error is None, self.error
        return self

    def release(self):
        self._release.set()
        self._thread.join(60)
        assert not self._thread.is_alive()

    def __exit__(self, *exc):
        self.release()


class InThread:
    """Run ``work`` in a thread of its own (its own connection); ``join()`` gives its result or raises its error."""

    def __init__(self, work):
        self._work, self.result, self.error = work, None, None
        self._thread = threading.Thread(target=self._run, name="racer")
        self._thread.start()

    def _run(self):
        try:
            self.result = self._work()
        except BaseException as error:
            self.error = error
        finally:
            connections.close_all()

    def join(self):
        self._thread.join(60)
        assert not self._thread.is_alive(), "the racer still waits: a lock is never released"
        return self.result


def _setting_up(demo, *, applies_now: bool):
    """6A1 Toán under an open window, with ĐĐGtx1 recorded for three students (entered in an earlier login)."""
    teacher, math = demo.user("teacher_math"), demo.assignment("6A1", "toan")
    term = demo.year.terms.get(number=1)
    locks.entry_settings_save(actor=demo.user("principal"), school=demo.school, regular_deadline="final",
                              reentry_needs_approval=not applies_now, test_correction_days=5, reason="Thử")
    window = locks.window_create(actor=demo.user("board"), term=term, school_class=math.school_class,
                                 subject=math.subject, opens_at=timezone.now() - datetime.timedelta(days=1))
    students = list(sm.Enrolment.objects.filter(school_class=math.school_class,
                                                status=sm.Enrolment.Status.STUDYING).order_by("pk")[:3])
    scores_save(session="an-earlier-login", actor=teacher, assignment=math, term=term,
                cells=[CellInput(e.pk, TX, 1, "6") for e in students])
    return teacher, math, term, window, students


def _reenter(demo, math, term, enrolment, text="8,5", kind=TX, index=1):
    with translation.override("en"):  # a thread of its own: the test's language is not its
        return corrections.correction_submit(
            actor=demo.user("teacher_math"), assignment=math, term=term, session="a-later-login",
            changes=[ChangeInput(enrolment.pk, kind, index, text)], reason="Nhập nhầm 6 thay vì 8,5",
            files=[SimpleUploadedFile("bai.pdf", PDF, "application/pdf")])


def _value(math, term, enrolment):
    return Score.objects.get(enrolment=enrolment, subject=math.subject, term=term, kind=TX, index=1).value


def test_a_re_entry_filed_before_the_window_closes_is_applied_and_the_close_waits_for_it(pg_demo):
    demo = pg_demo
    teacher, math, term, window, students = _setting_up(demo, applies_now=True)

    with CommittedLater(lambda: _reenter(demo, math, term, students[0])) as reentry:
        closing = InThread(lambda: locks.window_close(actor=demo.user("board"), window=window, reason="Hết hạn"))
        wait_for_lock_waiters(1)  # the close waits for the re-entry's transaction
    closing.join()

    assert reentry.error is None and closing.error is None
    request = CorrectionRequest.objects.get()
    assert (request.kind, request.status) == (Kind.REENTRY, Status.APPLIED)
    assert _value(math, term, students[0]) == Decimal("8.5")
    window.refresh_from_db()
    assert window.state == EntryWindow.State.CLOSED


def test_a_re_entry_filed_while_the_window_closes_waits_and_becomes_a_correction_request(pg_demo):
    demo = pg_demo
    teacher, math, term, window, students = _setting_up(demo, applies_now=True)

    with CommittedLater(lambda: locks.window_close(actor=demo.user("board"), window=window, reason="Hết hạn")):
        reentry = InThread(lambda: _reenter(demo, math, term, students[0]))
        wait_for_lock_waiters(1)  # the re-entry waits at the term's gate
    request = reentry.join()

    assert reentry.error is None
    # It read the closed window: the leadership decides, and nothing is applied meanwhile.
    assert (request.kind, request.status) == (Kind.CORRECTION, Status.PENDING)
    assert _value(math, term, students[0]) == Decimal(6)
    assert list(request.changes.values_list("old_value", "new_value")) == [(Decimal(6), Decimal("8.5"))]


def test_re_entries_racing_the_close_are_each_whole_on_one_side_of_it(pg_demo):
    demo = pg_demo
    teacher, math, term, window, students = _setting_up(demo, applies_now=True)
    closes = [locks.window_create(actor=demo.user("board"), term=term, school_class=math.school_class,
                                  subject=math.subject, opens_at=timezone.now() - datetime.timedelta(days=1))
              for _ in students[1:]]
    for round_number, (enrolment, other) in enumerate(zip(students[1:], closes, strict=True)):
        # The window of round n is the only open one when its round starts.
        for each in [window, *closes[:round_number]]:
            each.refresh_from_db()
            locks.window_close(actor=demo.user("board"), window=each, reason="Vòng trước")
        results = run_together(2, lambda number, enrolment=enrolment, other=other: (
            _reenter(demo, math, term, enrolment) if number == 0
            else locks.window_close(actor=demo.user("board"), window=other, reason="Hết hạn")))
        assert errors(results) == []
        request = results[0]
        request.refresh_from_db()
        if request.kind == Kind.REENTRY:  # filed before the close: applied, whole
            assert request.status == Status.APPLIED and _value(math, term, enrolment) == Decimal("8.5")
        else:  # after it: a request the leadership decides, nothing applied
            assert (request.kind, request.status) == (Kind.CORRECTION, Status.PENDING)
            assert _value(math, term, enrolment) == Decimal(6)
        assert request.changes.count() == 1 and request.evidence.count() == 1


def test_two_requests_for_the_same_recorded_cell_at_once_file_one(pg_demo):
    demo = pg_demo
    teacher, math, term, window, students = _setting_up(demo, applies_now=False)

    results = run_together(2, lambda number: _reenter(demo, math, term, students[0], text=("7", "9")[number]))

    filed = [result for result in results if isinstance(result, CorrectionRequest)]
    refused = errors(results)
    assert len(filed) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], ValidationError)
    assert "This cell already has a request waiting for the leadership." in " ".join(refused[0].messages)
    assert CorrectionRequest.objects.count() == 1 and CorrectionChange.objects.count() == 1
    assert _value(math, term, students[0]) == Decimal(6)  # waits for the leadership


def test_two_requests_for_the_same_empty_locked_cell_at_once_file_one(pg_demo):
    """A student with no score in the subject has no row to lock: the second request must still wait for the first."""
    demo = pg_demo
    teacher, math, term, window, students = _setting_up(demo, applies_now=False)
    locks.column_lock(actor=teacher, assignment=math, term=term, kind=TX, index=2)
    enrolment = (sm.Enrolment.objects.filter(school_class=math.school_class, status=sm.Enrolment.Status.STUDYING)
                 .exclude(pk__in=[e.pk for e in students]).order_by("pk").first())
    assert not Score.objects.filter(enrolment=enrolment).exists()

    with CommittedLater(lambda: _reenter(demo, math, term, enrolment, text="7", index=2)) as first:
        second = InThread(lambda: _reenter(demo, math, term, enrolment, text="9", index=2))
        wait_for_lock_waiters(1)  # the second request waits for the first one's transaction
    second.join()

    assert first.error is None and isinstance(first.result, CorrectionRequest)
    assert isinstance(second.error, ValidationError), second.result
    assert "This cell already has a request waiting for the leadership." in " ".join(second.error.messages)
    change = CorrectionChange.objects.get()
    assert (change.request_id, change.kind, change.index, change.new_value) == (first.result.pk, TX, 2, Decimal(7))
