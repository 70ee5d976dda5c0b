"""Concurrency and fault tests: real threads (or processes) against PostgreSQL, each with its own connection.

These tests commit (``transaction=True``): the rows must be visible to the other threads, so
pytest-django empties the database after each one, and the ``pg_demo`` fixture builds the demo
school again first. SQLite has no row locks (it serialises writers with a lock on the whole
database), so a race there proves nothing: the tests skip on it, and CI runs them on PostgreSQL.
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

PG_ONLY = ("Needs PostgreSQL (CI runs it): concurrent transactions, row locks and server connections; "
           "SQLite has one writer at a time and no server.")


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the services' messages in English; the pages show them in Vietnamese."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def pg_demo(request):
    """The demo school in a committed (transactional) PostgreSQL database."""
    if connection.vendor != "postgresql":
        pytest.skip(PG_ONLY)
    request.getfixturevalue("transactional_db")
    from seed.demo import DemoSize, build_demo_school
    from tests.conftest import Demo

    # Rebuilt for every test (the previous one's rows were flushed): one class, 6A1, is enough here.
    build_demo_school(DemoSize(classes_per_grade=1, grades=(6,)))
    return Demo()


def run_together(count: int, work: Callable[[int], object], *, prepare: Callable[[int], object] | None = None,
                 meanwhile: Callable[[], object] | None = None, timeout: float = 120) -> list[object]:
    """Run ``work(number)`` in ``count`` threads released at the same moment; their results (or exceptions), in order.

    ``prepare(number)`` runs in the thread before the barrier (logging a client in, say) and its
    result is passed to ``work`` instead of the number. ``meanwhile()`` runs in the calling thread
    while they work (to release a held transaction, say). Each thread closes its own database
    connection at the end, as a request thread of the server does.
    """
    from django.db import connections

    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(number: int) -> None:
        try:
            argument = prepare(number) if prepare else number
            barrier.wait(timeout=timeout)
            results[number] = work(argument)
        except BaseException as error:  # kept and looked at by the test: a deadlock must not pass unseen
            results[number] = error
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(number,), name=f"racer-{number}") for number in range(count)]
    for thread in threads:
        thread.start()
    try:
        if meanwhile is not None:
            meanwhile()
    finally:
        for thread in threads:
            thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing thread is still running: a lock wait hangs"
    return results


def lock_waiters() -> int:
    """How many connections to the test database are waiting for a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0]


def wait_for_lock_waiters(count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while lock_waiters() < count:
        assert time.monotonic() < deadline, f"{count} transactions never waited for a lock"
        time.sleep(0.02)


class HeldTransaction:
    """Run ``work`` in a thread inside a transaction that stays open, holding its row locks, until ``release()``.

    It is then rolled back: it stands for a request that had written but not yet committed.
    """

    class _RolledBack(Exception):
        pass

    def __init__(self, work: Callable[[], object]):
        self._work = work
        self._held = threading.Event()
        self._release = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="held-transaction")

    def _run(self) -> None:
        from django.db import connections, transaction

        try:
            with transaction.atomic():
                self._work()
                self._held.set()
                self._release.wait(60)
                raise self._RolledBack
        except self._RolledBack:
            pass
        except BaseException as error:
            self.error = error
        finally:
            self._held.set()
            connections.close_all()

    def __enter__(self) -> "HeldTransaction":
        self._thread.start()
        self._held.wait(60)
        assert self.error is None, self.error
        return self

    def release(self) -> None:
        self._release.set()
        self._thread.join(60)

    def __exit__(self, *exc) -> None:
        self.release()


def errors(results: list[object]) -> list[BaseException]:
    return [result for result in results if isinstance(result, BaseException)]
