"""The term's gate on PostgreSQL (gradebook.gate.pass_term_gate): saves pass it together, changes of the rules alone.

In the deadline rush every teacher of a school saves under the same open window. Each save
holds its term's gate, shared, against a close, a new window, a lock or an approval: were it
exclusive, the school's saves would wait for each other one by one. These tests hold one save's
transaction open and look at who waits.
"""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.utils import timezone

from gradebook.entry import EntryClosed
from gradebook.models import EntryWindow, Score
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm

from .conftest import HeldTransaction, lock_waiters, wait_for_lock_waiters

pytestmark = pytest.mark.django_db(transaction=True)

TX = Score.Kind.REGULAR


def open_window(demo, term: sm.Term) -> EntryWindow:
    now = timezone.now()
    return locks.window_create(actor=demo.user("board"), term=term, opens_at=now - datetime.timedelta(days=1),
                               closes_at=now + datetime.timedelta(days=1))


def save_first_student(demo, subject_code: str, text: str):
    assignment = demo.assignment("6A1", subject_code)
    enrolment = sm.Enrolment.objects.filter(school_class=assignment.school_class,
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk").first()
    return scores_save(session="test-session", actor=get_user_model().objects.get(pk=assignment.teacher_id), assignment=assignment.pk,
                       term=demo.year.terms.get(number=1), cells=[CellInput(enrolment.pk, TX, 1, text)])


def test_two_teachers_saving_under_the_same_open_window_do_not_wait_for_each_other(pg_demo):
    demo = pg_demo
    open_window(demo, demo.year.terms.get(number=1))

    with HeldTransaction(lambda: save_first_student(demo, "toan", "7")) as held:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")  # an exclusive gate would fail here
            result = save_first_student(demo, "van", "8")
        held.release()

    assert result.ok and [cell.outcome.value for cell in result.cells] == ["saved"]
    assert Score.objects.filter(subject__code="van", kind=TX, index=1, value=8,
                                term=demo.year.terms.get(number=1)).count() == 1  # (last year has its own)


def _close(demo, term, window):
    return locks.window_close(actor=get_user_model().objects.get(username="board"), window=window, reason="deadline")


def _book_lock(demo, term, window):
    return locks.book_lock(actor=get_user_model().objects.get(username="principal"), term=term, reason="end of term")


def _closed_window(demo, term, window):
    now = timezone.now()
    return locks.window_create(actor=get_user_model().objects.get(username="board"), term=term,
                               opens_at=now - datetime.timedelta(days=2), closes_at=now - datetime.timedelta(days=1))


@pytest.mark.parametrize(("change", "open_first"), [(_close, True), (_book_lock, True), (_closed_window, False)],
                         ids=["close", "book lock", "new closed window"])
def test_a_close_a_book_lock_or_a_new_window_waits_for_the_saves_in_progress_and_the_next_save_is_refused(
        pg_demo, change, open_first):
    demo = pg_demo
    term = demo.year.terms.get(number=1)
    window = open_window(demo, term) if open_first else None  # (an open window would cover the new one's columns)
    done = {}

    def run():
        try:
            done["result"] = change(demo, term, window)
        except BaseException as error:
            done["error"] = error
        finally:
            connections.close_all()

    with HeldTransaction(lambda: save_first_student(demo, "toan", "7")) as held:
        changer = threading.Thread(target=run, name="changer")
        changer.start()
        wait_for_lock_waiters(1)  # it waits at the term's gate, which the save holds shared
        assert not done and lock_waiters() == 1
        held.release()
        changer.join(30)

    assert not changer.is_alive() and "error" not in done, done
    if change is _close:
        assert done["result"].state == EntryWindow.State.CLOSED
    with pytest.raises(EntryClosed):
        save_first_student(demo, "van", "8")
    assert not Score.objects.filter(subject__code="van", kind=TX, index=1, term=term).exists()


def test_an_approval_waits_for_the_saves_in_progress_and_freezes_the_next_one(pg_demo):
    from gradebook.results.services import results_approve
    from tests.gradebook.test_results import fill_scores, set_conduct

    demo = pg_demo
    term = demo.year.terms.get(number=1)
    fill_scores(demo, 1)
    set_conduct(demo, 1)
    done = {}

    def approve():
        try:
            done["approval"] = results_approve(actor=get_user_model().objects.get(username="principal"),
                                               school_class=demo.school_class("6A1"), term=term)
        except BaseException as error:
            done["error"] = error
        finally:
            connections.close_all()

    math = demo.assignment("6A1", "toan")
    first = sm.Enrolment.objects.filter(school_class=math.school_class, status=sm.Enrolment.Status.STUDYING) \
        .order_by("pk").first()

    def change(text):
        return scores_save(session="test-session", actor=get_user_model().objects.get(pk=math.teacher_id), assignment=math.pk, term=term,
                           cells=[CellInput(first.pk, TX, 1, text, expected_version=1)])

    with HeldTransaction(lambda: change("9")) as held:
        approver = threading.Thread(target=approve, name="approver")
        approver.start()
        wait_for_lock_waiters(1)  # the approval waits at the term's gate, which the save holds shared
        assert not done
        held.release()
        approver.join(30)

    assert not approver.is_alive() and "error" not in done, done
    with pytest.raises(PermissionDenied):
        change("8")
    assert Score.objects.get(enrolment=first, subject=math.subject, term=term, kind=TX, index=1).value == 7


def test_a_save_that_comes_during_an_approval_waits_for_it_and_is_refused(pg_demo):
    """The other order: the save reads the approvals only after the approval in progress has committed."""
    from gradebook.results.services import results_approve
    from tests.gradebook.test_results import fill_scores, set_conduct

    demo = pg_demo
    term = demo.year.terms.get(number=1)
    fill_scores(demo, 1)
    set_conduct(demo, 1)
    math = demo.assignment("6A1", "toan")
    first = sm.Enrolment.objects.filter(school_class=math.school_class, status=sm.Enrolment.Status.STUDYING) \
        .order_by("pk").first()
    approved, commit, outcome = threading.Event(), threading.Event(), {}

    def approve():
        try:
            with transaction.atomic():
                results_approve(actor=get_user_model().objects.get(username="principal"),
                                school_class=demo.school_class("6A1"), term=term)
                approved.set()
                commit.wait(60)
        except BaseException as error:
            outcome["approval"] = error
        finally:
            approved.set()
            connections.close_all()

    def save():
        try:
            outcome["save"] = scores_save(session="test-session", actor=get_user_model().objects.get(pk=math.teacher_id), assignment=math.pk,
                                          term=term, cells=[CellInput(first.pk, TX, 1, "9", expected_version=1)])
        except BaseException as error:
            outcome["save"] = error
        finally:
            connections.close_all()

    approver, saver = threading.Thread(target=approve), threading.Thread(target=save)
    approver.start()
    approved.wait(60)
    saver.start()
    wait_for_lock_waiters(1)  # the save waits at the term's gate, before it reads the approvals
    assert "save" not in outcome
    commit.set()
    approver.join(30)
    saver.join(30)

    assert not approver.is_alive() and not saver.is_alive() and "approval" not in outcome, outcome
    assert isinstance(outcome["save"], PermissionDenied), outcome["save"]
    assert Score.objects.get(enrolment=first, subject=math.subject, term=term, kind=TX, index=1).value == 7
