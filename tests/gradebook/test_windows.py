"""Entry windows and locks at the service level: what a save may write, who opens, closes and locks."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.http import Http404
from django.utils import timezone

from gradebook import gate, signals
from gradebook.windows import services as locks
from gradebook.windows.selectors import book_locked, window_key

User = get_user_model()
from gradebook.models import EntryWindow, Score, ScoreLock
from gradebook.scores.services import CellInput, Outcome, scores_save
from schoolrecords import models as sm


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the services' messages in English; the pages show them in Vietnamese."""
    from django.utils import translation

    with translation.override("en"):
        yield

TX, GK, CK = Score.Kind.REGULAR, Score.Kind.MIDTERM, Score.Kind.FINAL


def term(demo, number: int = 1) -> sm.Term:
    return demo.year.terms.get(number=number)


def first_student(demo, class_name: str = "6A1") -> sm.Enrolment:
    return sm.Enrolment.objects.filter(school_class=demo.school_class(class_name),
                                       status=sm.Enrolment.Status.STUDYING).order_by("pk").first()


def save(demo, cells, *, class_name="6A1", username="teacher_math"):
    return scores_save(session="test-session", actor=demo.user(username), assignment=demo.assignment(class_name, "toan"), term=term(demo),
                       cells=cells)


def window(demo, *, opens=-1, closes=None, **scope) -> EntryWindow:
    now = timezone.now()
    return locks.window_create(actor=demo.user("board"), term=term(demo), opens_at=now + datetime.timedelta(days=opens),
                               closes_at=now + datetime.timedelta(days=closes) if closes is not None else None,
                               **scope)


# --- the rule: writable if no window covers it, or one covering window is open now ----------------


def test_a_term_with_no_window_is_open_for_entry(demo):
    result = save(demo, [CellInput(first_student(demo).pk, TX, 1, "7")])
    assert result.ok


def test_a_closed_window_for_every_column_refuses_the_whole_save_and_changes_nothing(demo):
    window(demo, school_class=demo.school_class("6A1"))
    locks.window_close(actor=demo.user("board"), window=EntryWindow.objects.get())
    with pytest.raises(PermissionDenied, match="closed"):
        save(demo, [CellInput(first_student(demo).pk, TX, 1, "7")])
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_closed_window_of_one_class_leaves_the_other_classes_open(demo):
    window(demo, school_class=demo.school_class("6A1"))
    locks.window_close(actor=demo.user("board"), window=EntryWindow.objects.get())
    assert save(demo, [CellInput(first_student(demo, "6A2").pk, TX, 1, "7")], class_name="6A2").ok


def test_a_closed_mid_term_window_refuses_only_the_mid_term_cells(demo):
    window(demo, kind=GK, closes=-0.5, opens=-3)  # it closed half a day ago
    student = first_student(demo).pk
    result = save(demo, [CellInput(student, TX, 1, "7"), CellInput(student, GK, 1, "8")])
    assert result.for_slot(student, TX, 1).outcome == Outcome.SAVED
    refused = result.for_slot(student, GK, 1)
    assert refused.outcome == Outcome.REFUSED and "closed" in refused.message
    assert not Score.objects.filter(kind=GK, enrolment__school_class__year__is_current=True).exists()


def test_a_window_that_has_not_opened_yet_keeps_what_it_covers_closed(demo):
    window(demo, opens=2, closes=5, subject=demo.subject("toan"))
    with pytest.raises(PermissionDenied):
        save(demo, [CellInput(first_student(demo).pk, TX, 1, "7")])


def test_one_open_window_is_enough_when_several_cover_a_cell(demo):
    closed = window(demo, grade=6)
    locks.window_close(actor=demo.user("board"), window=closed)
    window(demo, school_class=demo.school_class("6A1"), closes=3)
    assert save(demo, [CellInput(first_student(demo).pk, TX, 1, "7")]).ok
    # ... but another class of grade 6 stays closed
    with pytest.raises(PermissionDenied):
        save(demo, [CellInput(first_student(demo, "6A2").pk, TX, 1, "7")], class_name="6A2")


def test_a_reopened_window_lets_entry_in_again(demo):
    shut = window(demo)
    locks.window_close(actor=demo.user("board"), window=shut)
    locks.window_reopen(actor=demo.user("board"), window=shut)
    assert save(demo, [CellInput(first_student(demo).pk, TX, 1, "7")]).ok
    assert [record.state for record in shut.history.order_by("history_id")] == ["open", "closed", "open"]


def test_closing_sets_the_closing_time_to_now_and_keeps_the_history(demo):
    shut = window(demo, closes=10)
    before = timezone.now()
    shut = locks.window_close(actor=demo.user("board"), window=shut, reason="End of the mid-term entry")
    assert shut.state == EntryWindow.State.CLOSED and before <= shut.closes_at <= timezone.now()
    assert shut.history.first().history_change_reason == "End of the mid-term entry"
    assert shut.history.first().history_user == demo.user("board")


def test_a_window_must_close_after_it_opens(demo):
    with pytest.raises(ValidationError):
        window(demo, opens=2, closes=1)


@pytest.mark.parametrize("username", ["teacher_math", "principal", "vice"])
def test_only_the_admin_board_opens_and_closes_windows(demo, username):
    with pytest.raises(PermissionDenied):
        locks.window_create(actor=demo.user(username), term=term(demo), opens_at=timezone.now())
    shut = window(demo)
    with pytest.raises(PermissionDenied):
        locks.window_close(actor=demo.user(username), window=shut)
    assert EntryWindow.objects.get().state == EntryWindow.State.OPEN


def test_another_schools_board_cannot_touch_a_window(demo, other_school):
    from schoolrecords import services as setup

    outsider = setup.staff_create(actor=setup.system_user(), school=other_school["school"], username="other_board",
                                  full_name="Ban Khác", password="another-pass-2026", role_names=["admin_board"]).user
    with pytest.raises(Http404):
        locks.window_close(actor=outsider, window=window(demo))


# --- locks ---------------------------------------------------------------------------------------


def test_a_teacher_locks_their_column_and_its_cells_are_refused_one_by_one(demo):
    student = first_student(demo).pk
    save(demo, [CellInput(student, TX, 1, "7")])
    locks.column_lock(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo),
                      kind=TX, index=1)
    result = save(demo, [CellInput(student, TX, 1, "9", expected_version=1), CellInput(student, TX, 2, "8")])
    assert result.for_slot(student, TX, 1).outcome == Outcome.REFUSED
    assert "locked" in result.for_slot(student, TX, 1).message
    assert result.for_slot(student, TX, 2).outcome == Outcome.SAVED
    assert Score.objects.get(kind=TX, index=1, enrolment__school_class__year__is_current=True).value == 7


def test_a_teacher_cannot_lock_another_teachers_column(demo):
    with pytest.raises(PermissionDenied):
        locks.column_lock(actor=demo.user("head_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo),
                          kind=TX, index=1)


def test_only_the_admin_board_unlocks_a_column_and_it_needs_a_reason(demo):
    lock = locks.column_lock(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                             term=term(demo), kind=GK)
    with pytest.raises(PermissionDenied):
        locks.lock_lift(actor=demo.user("teacher_math"), lock=lock, reason="oops")
    with pytest.raises(ValidationError):
        locks.lock_lift(actor=demo.user("board"), lock=lock, reason=" ")
    lock = locks.lock_lift(actor=demo.user("board"), lock=lock, reason="Teacher asked: column not complete")
    assert not lock.is_active and lock.unlocked_by == demo.user("board")
    assert lock.history.first().history_change_reason == "Teacher asked: column not complete"
    assert save(demo, [CellInput(first_student(demo).pk, GK, 1, "8")]).ok


def test_the_principals_book_lock_refuses_every_class_of_the_term(demo):
    with pytest.raises(PermissionDenied):
        locks.book_lock(actor=demo.user("board"), term=term(demo))
    locks.book_lock(actor=demo.user("principal"), term=term(demo), reason="End of term I")
    for class_name in ("6A1", "6A2"):
        with pytest.raises(PermissionDenied, match="locked"):
            save(demo, [CellInput(first_student(demo, class_name).pk, TX, 1, "7")], class_name=class_name)
    assert book_locked(demo.year, 1) and not book_locked(demo.year, 2)
    assert ScoreLock.objects.count() == 1
    locks.book_lock(actor=demo.user("principal"), term=term(demo))  # locking twice changes nothing
    assert ScoreLock.objects.count() == 1


# --- the archive's hook --------------------------------------------------------------------------


def test_closing_a_window_announces_it_once_after_the_commit(demo, django_capture_on_commit_callbacks):
    seen = []

    def fake_archive(sender, *, window_id, term_id, key, actor_id, **kwargs):
        window = EntryWindow.objects.get(pk=window_id)
        seen.append((window.pk, window.state, User.objects.get(pk=actor_id).username, key, term_id))

    signals.window_closed.connect(fake_archive)
    signals.window_closed.connect(fake_archive)  # connecting twice calls once
    try:
        shut = window(demo)
        with django_capture_on_commit_callbacks(execute=True):
            locks.window_close(actor=demo.user("board"), window=shut)
            locks.window_close(actor=demo.user("board"), window=shut)  # already closed: no second snapshot
    finally:
        signals.window_closed.disconnect(fake_archive)
    assert [(pk, state, who) for pk, state, who, _key, _term in seen] == [(shut.pk, "closed", "board")]
    assert seen[0][3].startswith(f"{shut.pk}:") and seen[0][3] == window_key(EntryWindow.objects.get(pk=shut.pk))
    assert seen[0][4] == shut.term_id


def test_with_no_archive_registered_closing_a_window_still_works(demo):
    assert locks.window_close(actor=demo.user("board"), window=window(demo)).state == "closed"


# --- the race between a save and a close (PostgreSQL) -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_close_commits_before_it_or_is_refused_never_after():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (CI runs it); SQLite serialises writers with a database lock.")
    from seed.demo import build_demo_school
    from tests.conftest import Demo

    build_demo_school()
    demo = Demo()
    shut = window(demo)
    student = first_student(demo).pk
    for attempt in range(6):
        EntryWindow.objects.filter(pk=shut.pk).update(state="open", closes_at=None)  # reset between rounds
        gate.bump_rules(shut.term_id)  # what every write through the models does (gradebook.receivers)
        barrier = threading.Barrier(2)
        outcome = {}

        def saver(n=attempt, barrier=barrier, outcome=outcome):
            try:
                barrier.wait()
                result = save(demo, [CellInput(student, TX, 1, str(n + 1),
                                               expected_version=Score.objects.filter(kind=TX, index=1, enrolment__school_class__year__is_current=True).values_list(
                                                   "version", flat=True).first())])
                outcome["saved"] = result.ok and timezone.now()
            except PermissionDenied:
                outcome["saved"] = False
            finally:
                connections.close_all()

        def closer(barrier=barrier, outcome=outcome):
            try:
                barrier.wait()
                locks.window_close(actor=demo.user("board"), window=shut)
                outcome["closed_at"] = EntryWindow.objects.get(pk=shut.pk).closes_at
            finally:
                connections.close_all()

        threads = [threading.Thread(target=saver), threading.Thread(target=closer)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        latest = Score.objects.filter(kind=TX, index=1, enrolment__school_class__year__is_current=True).first()
        if outcome["saved"]:
            # the save's history row was written inside its transaction, before the close committed
            assert latest.history.first().history_date <= outcome["closed_at"]
        else:
            assert latest is None or latest.value != attempt + 1
