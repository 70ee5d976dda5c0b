"""The saves' cache of a term's windows and locks (gradebook.entry._cached_rows): never a save the rules refuse.

A save reads the term's rules version after passing the term's gate and keeps the windows and
locks under it; every write of a window or a lock bumps the version (gradebook.gate.bump_rules).
Each test warms the cache with a save, changes the rules, and sends the very next save.
"""

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from gradebook import gate
from gradebook.entry import EntryClosed
from gradebook.models import EntryWindow, ScoreLock, TermRules
from gradebook.scores.services import CellInput, Outcome, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm

TX = "tx"


@pytest.fixture(autouse=True)
def _english_and_a_cold_cache():
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


def term(demo) -> sm.Term:
    return demo.year.terms.get(number=1)


def students(demo) -> list[sm.Enrolment]:
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"),
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk")[:4])


def save(demo, enrolment, text, *, index=1, version=None):
    return scores_save(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo),
                       cells=[CellInput(enrolment.pk, TX, index, text, expected_version=version)], session="s")


def version(demo) -> int:
    return TermRules.objects.filter(term=term(demo)).values_list("version", flat=True).first() or 0


def queries_of(function) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as captured:
        result = function()
    return [query["sql"] for query in captured.captured_queries], result


def test_a_save_reads_the_windows_and_locks_once_per_rules_version(demo):
    first, second, third = students(demo)[:3]
    cold, result = queries_of(lambda: save(demo, first, "7"))
    assert result.ok
    warm, result = queries_of(lambda: save(demo, second, "8"))
    assert result.ok
    assert len(warm) == len(cold) - 2
    assert sum("gradebook_entrywindow" in sql for sql in cold) == 1
    assert not any("gradebook_entrywindow" in sql or "gradebook_scorelock" in sql for sql in warm)
    gate.bump_rules(term(demo).pk)  # a new version: read again, once
    again, result = queries_of(lambda: save(demo, third, "9"))
    assert result.ok and len(again) == len(cold)


def test_closing_a_window_refuses_the_very_next_save(demo):
    first, second = students(demo)[:2]
    now = timezone.now()
    window = locks.window_create(actor=demo.user("board"), term=term(demo), opens_at=now - datetime.timedelta(days=1))
    assert save(demo, first, "7").ok  # the open window is cached
    before = version(demo)
    locks.window_close(actor=demo.user("board"), window=window)
    assert version(demo) != before
    with pytest.raises(EntryClosed):
        save(demo, second, "8")


def test_a_column_lock_refuses_the_very_next_save_of_that_column_and_its_lifting_allows_it_again(demo):
    first, second = students(demo)[:2]
    assert save(demo, first, "7").ok
    lock = locks.column_lock(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                             term=term(demo), kind=TX, index=2)
    refused = save(demo, second, "8", index=2)
    assert [cell.outcome for cell in refused.cells] == [Outcome.REFUSED]
    assert save(demo, second, "8", index=1).ok  # the other columns stay open
    locks.lock_lift(actor=demo.user("board"), lock=lock, reason="Not complete yet")  # no gate: the signal bumps
    assert save(demo, second, "9", index=2).ok


def test_a_lock_written_outside_the_services_refuses_the_very_next_save_too(demo):
    first, second = students(demo)[:2]
    assert save(demo, first, "7").ok
    ScoreLock.objects.create(term=term(demo), locked_by=demo.user("principal"), reason="admin")  # a book lock
    with pytest.raises(EntryClosed):
        save(demo, second, "8")
    ScoreLock.objects.filter(term=term(demo)).delete()  # a queryset delete still sends post_delete per row
    assert save(demo, second, "8").ok


def test_a_window_deleted_reopens_entry_at_once(demo):
    first = students(demo)[0]
    now = timezone.now()
    window = locks.window_create(actor=demo.user("board"), term=term(demo), opens_at=now - datetime.timedelta(days=2),
                                 closes_at=now - datetime.timedelta(days=1))
    with pytest.raises(EntryClosed):
        save(demo, first, "7")
    EntryWindow.objects.filter(pk=window.pk).delete()
    assert save(demo, first, "7").ok


def test_every_bump_gives_the_term_a_version_it_never_had(demo):
    seen = [version(demo)]
    for _ in range(3):
        gate.bump_rules(term(demo).pk)
        seen.append(version(demo))
    assert len(set(seen)) == 4  # never a version seen before (random: a rollback or a restore cannot repeat one)
    other = demo.year.terms.get(number=2)
    gate.bump_rules(other.pk)  # another term's rules: its own version
    assert TermRules.objects.get(term=other).version not in seen and version(demo) == seen[-1]


@pytest.mark.django_db(transaction=True)
def test_with_two_connections_a_close_committed_by_one_refuses_the_next_save_of_the_other():
    if connection.vendor != "postgresql":
        pytest.skip("Two connections need PostgreSQL (CI runs it); SQLite serialises writers.")
    from seed.demo import build_demo_school
    from tests.conftest import Demo

    build_demo_school()
    demo = Demo()
    cache.clear()
    first, second = students(demo)[:2]
    window = locks.window_create(actor=demo.user("board"), term=term(demo),
                                 opens_at=timezone.now() - datetime.timedelta(days=1))
    outcomes = []

    def in_another_connection(enrolment, text):
        def run():
            try:
                with translation.override("en"):
                    outcomes.append(save(demo, enrolment, text).ok)
            except Exception as error:  # noqa: BLE001 (the refusal is the outcome under test)
                outcomes.append(type(error).__name__)
            finally:
                connections.close_all()
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()

    in_another_connection(first, "7")  # warms the cache from the other connection
    locks.window_close(actor=demo.user("board"), window=window)  # committed by this one
    in_another_connection(second, "8")
    assert outcomes == [True, "EntryClosed"]


def test_a_new_term_has_a_random_version_and_a_term_without_one_is_never_cached(demo):
    assert version(demo) > 0  # given when the term was made (gradebook.receivers.term_created)
    TermRules.objects.filter(term=term(demo)).delete()  # as rows bulk-loaded with no signal
    first, second = students(demo)[:2]
    cold, result = queries_of(lambda: save(demo, first, "7"))
    assert result.ok and sum("gradebook_entrywindow" in sql for sql in cold) == 1
    again, result = queries_of(lambda: save(demo, second, "8"))
    assert result.ok and sum("gradebook_entrywindow" in sql for sql in again) == 1  # read again: no key to trust


def test_a_cache_that_is_down_does_not_fail_a_save(demo, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is restarting")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    first = students(demo)[0]
    captured, result = queries_of(lambda: save(demo, first, "7"))
    assert result.ok and sum("gradebook_entrywindow" in sql for sql in captured) == 1
