"""Snapshots at every deadline, by themselves (seed 002, issue 12 item 8), with a moving clock.

The check (archive.services.snapshots_due, sent by Celery beat, run in-process by the demo) seals
one snapshot per deadline that came: a window's close time passing, a term's mid-term entry
deadline, the book lock, each results approval; the same deadline is never sealed twice and no
snapshot is ever replaced.
"""

import datetime
import io
import re
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone, translation

from archive import services, storage, tasks
from archive.management.commands import snapshots_due as command_module
from archive.models import ArchivedDocument, Kind, Mode
from gradebook.windows import services as windows
from gradebook.windows.selectors import window_key
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MINUTE = datetime.timedelta(minutes=1)
HANOI = datetime.timezone(datetime.timedelta(hours=7))


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the notes in English; the archive list shows them in Vietnamese (one test checks it)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _last_years_deadlines_sealed(archive_root):
    """The demo's last year was approved long ago: its snapshots are sealed first, so each test sees its own."""
    services.snapshots_due()


def snapshots():
    return list(ArchivedDocument.objects.filter(kind=Kind.SNAPSHOT).exclude(year__name=DEMO_YEAR.previous.name)
                .order_by("pk"))


def past_window(small, *, closes_at, term=None, **scope):
    """A window that opened two days before it closes; nobody presses "close"."""
    return windows.window_create(actor=small.demo.user("board"), term=term or small.term1,
                                 opens_at=closes_at - datetime.timedelta(days=2), closes_at=closes_at, **scope)


def csv_lines(document) -> list[str]:
    return storage.read(document.path).decode("utf-8-sig").splitlines()


# --- an entry window's close time passing -----------------------------------------------------------


def test_a_window_whose_close_time_passes_gets_one_snapshot_at_the_first_check_after_it_and_none_later(small):
    closes_at = timezone.now() - datetime.timedelta(hours=1)
    window = past_window(small, closes_at=closes_at)

    assert services.snapshots_due(now=closes_at - MINUTE) == []
    assert snapshots() == []

    sealed = services.snapshots_due(now=closes_at + MINUTE)
    assert len(sealed) == 1
    snapshot = sealed[0]
    assert (snapshot.kind, snapshot.mode, snapshot.term, snapshot.school_class) == (
        Kind.SNAPSHOT, Mode.PERIODIC, small.term1, None)
    assert snapshot.created_by.username == "system"
    assert snapshot.idempotency_key == f"snapshot:window:{window_key(window)}"
    local = timezone.localtime(closes_at)
    assert snapshot.note == f"Entry window closed at {local:%d/%m/%Y %H:%M}"
    assert len(csv_lines(snapshot)) == 1 + 3 * 6 + 2 * 5  # the term's every score, as the close button's

    for later in (closes_at + 6 * MINUTE, closes_at + datetime.timedelta(days=1), closes_at + datetime.timedelta(
            days=90)):
        assert services.snapshots_due(now=later) == []
    assert snapshots() == [snapshot]


def test_pressing_close_after_the_close_time_passed_seals_no_second_snapshot(small, django_capture_on_commit_callbacks):
    closes_at = timezone.now() - datetime.timedelta(hours=1)
    window = past_window(small, closes_at=closes_at)
    [snapshot] = services.snapshots_due(now=closes_at + MINUTE)

    with django_capture_on_commit_callbacks(execute=True):
        windows.window_close(actor=small.demo.user("board"), window=window)

    assert snapshots() == [snapshot]


def test_a_window_closed_by_its_button_is_not_sealed_again_by_the_check(small, django_capture_on_commit_callbacks):
    window = past_window(small, closes_at=timezone.now() + datetime.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        window = windows.window_close(actor=small.demo.user("board"), window=window)
    [by_button] = snapshots()
    assert by_button.created_by.username == "board"

    assert services.snapshots_due(now=timezone.now() + datetime.timedelta(days=5)) == []
    assert snapshots() == [by_button]


def test_nothing_is_due_before_its_time_and_a_window_with_no_end_never_is(small):
    now = timezone.now()
    past_window(small, closes_at=now + datetime.timedelta(days=1))
    windows.window_create(actor=small.demo.user("board"), term=small.term1, opens_at=now - datetime.timedelta(days=1))

    assert services.snapshots_due(now=now) == []
    assert services.snapshots_due(now=now + datetime.timedelta(days=1) - MINUTE) == []
    assert snapshots() == []
    assert len(services.snapshots_due(now=now + datetime.timedelta(days=1) + MINUTE)) == 1


def test_a_reopened_window_that_closes_again_is_a_new_deadline_and_a_new_version(small):
    now = timezone.now()
    window = past_window(small, closes_at=now - datetime.timedelta(hours=2))
    [first] = services.snapshots_due(now=now)
    windows.window_reopen(actor=small.demo.user("board"), window=window, closes_at=now + datetime.timedelta(days=2))

    assert services.snapshots_due(now=now + datetime.timedelta(days=1)) == []
    [second] = services.snapshots_due(now=now + datetime.timedelta(days=2, minutes=1))

    assert (second.version, second.supersedes) == (2, first)
    kept = ArchivedDocument.objects.get(pk=first.pk)  # never overwritten
    assert (kept.sha256, kept.path, storage.sha256_bytes(storage.read(kept.path))) == (first.sha256, first.path,
                                                                                      first.sha256)


# --- the term's mid-term entry deadline ----------------------------------------------------------------


def test_the_mid_term_entry_deadline_is_sealed_at_the_midnight_after_its_last_day_once(small):
    board = small.demo.user("board")
    windows.schedule_save(actor=board, term=small.term1, midterm_test_on=DEMO_YEAR.next.on(11, 2),
                          final_test_on=DEMO_YEAR.next.on(12, 20), midterm_entry_days=14)
    last_day = datetime.datetime(DEMO_YEAR.next.on(11, 16).year, 11, 16, 23, 59, tzinfo=HANOI)  # 2 Nov + 14 days: entry allowed all that day

    assert services.snapshots_due(now=last_day) == []
    [snapshot] = services.snapshots_due(now=last_day + 2 * MINUTE)

    assert snapshot.idempotency_key == f"snapshot:midterm:{small.term1.pk}:{DEMO_YEAR.first + 1}1116"
    assert snapshot.note == f"Mid-term entry deadline 16/11/{DEMO_YEAR.first + 1} passed"
    assert (snapshot.term, snapshot.mode, snapshot.school_class) == (small.term1, Mode.PERIODIC, None)
    assert services.snapshots_due(now=last_day + datetime.timedelta(days=3)) == []
    assert snapshots() == [snapshot]


def test_a_moved_mid_term_test_is_a_new_deadline_and_the_first_snapshot_stays(small):
    board = small.demo.user("board")
    windows.schedule_save(actor=board, term=small.term1, midterm_test_on=DEMO_YEAR.next.on(11, 2),
                          final_test_on=None, midterm_entry_days=7)
    [first] = services.snapshots_due(now=datetime.datetime(DEMO_YEAR.next.on(11, 10).year, 11, 10, 8, 0, tzinfo=HANOI))
    windows.schedule_save(actor=board, term=small.term1, midterm_test_on=DEMO_YEAR.next.on(11, 9),
                          final_test_on=None, midterm_entry_days=7)

    assert services.snapshots_due(now=datetime.datetime(DEMO_YEAR.next.on(11, 16).year, 11, 16, 23, 0, tzinfo=HANOI)) == []
    [second] = services.snapshots_due(now=datetime.datetime(DEMO_YEAR.next.on(11, 17).year, 11, 17, 0, 5, tzinfo=HANOI))

    assert second.note == f"Mid-term entry deadline 16/11/{DEMO_YEAR.first + 1} passed"
    assert second.supersedes == first and snapshots() == [first, second]


def test_a_term_without_a_mid_term_test_date_has_no_mid_term_deadline(small):
    windows.schedule_save(actor=small.demo.user("board"), term=small.term2, midterm_test_on=None,
                          final_test_on=DEMO_YEAR.next.on(5, 10))

    assert services.snapshots_due(now=datetime.datetime(DEMO_YEAR.next.next.on(6, 1).year, 6, 1, tzinfo=HANOI)) == []


# --- the book lock ----------------------------------------------------------------------------------------


def test_the_book_lock_is_sealed_once_and_a_second_lock_after_lifting_is_a_new_deadline(small):
    principal = small.demo.user("principal")
    lock = windows.book_lock(actor=principal, term=small.term1)
    before = lock.locked_at - MINUTE

    assert services.snapshots_due(now=before) == []
    [snapshot] = services.snapshots_due(now=lock.locked_at + MINUTE)
    assert snapshot.idempotency_key == f"snapshot:booklock:{lock.pk}"
    assert snapshot.note == f"Score book locked at {timezone.localtime(lock.locked_at):%d/%m/%Y %H:%M}"
    assert services.snapshots_due(now=lock.locked_at + 10 * MINUTE) == []

    windows.lock_lift(actor=principal, lock=lock, reason="Sửa điểm theo biên bản")
    again = windows.book_lock(actor=principal, term=small.term1)
    [second] = services.snapshots_due(now=again.locked_at + MINUTE)
    assert second.idempotency_key == f"snapshot:booklock:{again.pk}"
    assert snapshots() == [snapshot, second]


# --- results approvals -----------------------------------------------------------------------------------


@pytest.fixture
def two_classes(small):
    """6A1 of the small year, and 6A2 (no students yet: nothing keeps its results from approval)."""
    from schoolrecords import services as school_services

    other = school_services.school_class_save(actor=school_services.system_user(), year=small.year, name="6A2",
                                              grade=6, homeroom_teacher=small.demo.user("gv_anh1"))
    return small.school_class, other


def approve(small, school_class, term):
    from gradebook.results import services as results_services

    return results_services.results_approve(actor=small.principal, school_class=school_class, term=term)


def test_each_results_approval_seals_a_snapshot_of_its_class_as_it_is_approved(small, two_classes,
                                                                              django_capture_on_commit_callbacks):
    first, second = two_classes
    with django_capture_on_commit_callbacks(execute=True):
        approval_1 = approve(small, first, small.term1)
        approval_2 = approve(small, second, small.term1)

    one, two = snapshots()
    assert [(s.school_class, s.term, s.mode, s.created_by) for s in (one, two)] == [
        (first, small.term1, Mode.PERIODIC, small.principal), (second, small.term1, Mode.PERIODIC, small.principal)]
    assert one.idempotency_key == f"snapshot:approval:{approval_1.pk}:term"
    assert two.idempotency_key == f"snapshot:approval:{approval_2.pk}:term"
    assert one.note == f"Results of class 6A1 approved at {timezone.localtime(approval_1.approved_at):%d/%m/%Y %H:%M}"
    assert one.file_name == f"Ban-sao-diem-6A1-HK1-{DEMO_YEAR.next.name}-v1.csv" and two.file_name == f"Ban-sao-diem-6A2-HK1-{DEMO_YEAR.next.name}-v1.csv"
    rows = csv_lines(one)
    assert len(rows) == 1 + 3 * 6 + 2 * 5 and all(row.startswith("6A1,") for row in rows[1:])
    assert csv_lines(two) == rows[:1]  # 6A2 has no scores: its header alone

    assert services.snapshots_due(now=timezone.now() + MINUTE) == []
    assert snapshots() == [one, two]


def test_the_check_catches_approvals_whose_snapshot_is_missing(small, two_classes):
    first, second = two_classes
    # No on-commit callbacks run here (the test's transaction never commits): as if the broker was down.
    approval_1 = approve(small, first, small.term1)
    approval_2 = approve(small, second, None)  # the year: both terms of the class

    assert snapshots() == []
    sealed = services.snapshots_due(now=timezone.now() + MINUTE)

    assert sorted(document.idempotency_key for document in sealed) == sorted([
        f"snapshot:approval:{approval_1.pk}:term", f"snapshot:approval:{approval_2.pk}:year:t1",
        f"snapshot:approval:{approval_2.pk}:year:t2"])
    assert {(document.school_class.name, document.term.number) for document in sealed} == {
        ("6A1", 1), ("6A2", 1), ("6A2", 2)}
    assert services.snapshots_due(now=timezone.now() + 10 * MINUTE) == []
    assert len(snapshots()) == 3


def test_an_approval_withdrawn_and_given_again_is_a_new_deadline(small, django_capture_on_commit_callbacks):
    from gradebook.results import services as results_services

    with django_capture_on_commit_callbacks(execute=True):
        approve(small, small.school_class, small.term1)
    results_services.approval_reopen(actor=small.principal, school_class=small.school_class, term=small.term1,
                                     reason="Sửa điểm theo biên bản số 3")
    with django_capture_on_commit_callbacks(execute=True):
        approve(small, small.school_class, small.term1)

    first, second = snapshots()
    assert second.supersedes == first and first.school_class == second.school_class == small.school_class


# --- every kind at once, the query count, the language ------------------------------------------------------


def test_the_check_reads_the_deadlines_in_a_fixed_number_of_queries(small, two_classes, django_assert_num_queries):
    now = timezone.now()
    past_window(small, closes_at=now - datetime.timedelta(hours=1))
    services.snapshots_due(now=now)
    # windows, schedules, book locks, approvals, the terms of the years approved whole (the demo's last
    # year), sealed keys
    with django_assert_num_queries(6):
        assert services.snapshots_due(now=now) == []

    for hours in (2, 3, 4):
        past_window(small, closes_at=now - datetime.timedelta(hours=hours))
    windows.schedule_save(actor=small.demo.user("board"), term=small.term1,
                          midterm_test_on=DEMO_YEAR.next.on(11, 2), final_test_on=None)
    windows.book_lock(actor=small.principal, term=small.term2)
    for school_class in two_classes:
        approve(small, school_class, small.term1)
    # The small year is the one after the demo's: its mid-term entry deadline (16 November) is still to
    # come, so the check is asked as of 1 December of that year.
    later = datetime.datetime(DEMO_YEAR.next.on(12, 1).year, 12, 1, 12, tzinfo=HANOI)
    assert len(services.snapshots_due(now=later)) == 3 + 1 + 1 + 2
    with django_assert_num_queries(6):
        assert services.snapshots_due(now=later) == []


def test_the_notes_read_in_vietnamese_in_the_archive_list(small, client):
    closes_at = timezone.now() - datetime.timedelta(hours=1)
    past_window(small, closes_at=closes_at)
    with translation.override("vi"):
        [snapshot] = services.snapshots_due(now=closes_at + MINUTE)
    assert snapshot.note == f"Đợt nhập điểm đã đóng lúc {timezone.localtime(closes_at):%d/%m/%Y %H:%M}"

    client.force_login(small.demo.user("clerk"))
    page = client.get(f"/archive/documents/?year={small.year.pk}", HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    assert snapshot.note in page.content.decode()


# --- the Celery task and beat, the demo's runner ---------------------------------------------------------------


def test_the_celery_task_runs_the_check_through_the_eager_path(small):
    closes_at = timezone.now() - datetime.timedelta(hours=1)
    past_window(small, closes_at=closes_at - datetime.timedelta(hours=1))
    past_window(small, closes_at=closes_at)

    with mock.patch("django.utils.timezone.now", return_value=closes_at - 30 * MINUTE):
        assert tasks.snapshots_due.delay().get() == 1
    with mock.patch("django.utils.timezone.now", return_value=closes_at + MINUTE):
        assert tasks.snapshots_due.delay().get() == 1
        assert tasks.snapshots_due.delay().get() == 0
    assert len(snapshots()) == 2


def test_the_beat_schedule_sends_the_check_every_five_minutes():
    from schoolrecords.celery import app

    entry = app.conf.beat_schedule["archive-snapshots-due"]
    assert entry["task"] == "archive.tasks.snapshots_due" == tasks.snapshots_due.name
    assert float(entry["schedule"]) == 300.0
    assert entry["options"]["expires"] < 300
    app.loader.import_default_modules()
    assert "archive.tasks.snapshots_due" in app.tasks


def test_docker_compose_runs_one_celery_beat_beside_the_worker(tmp_path):
    from tests.schoolrecords.test_deploy import COMPOSE_SECRETS, compose_config

    result = compose_config(tmp_path, **COMPOSE_SECRETS)
    assert result.returncode == 0, result.stderr
    assert re.search(r"celery\s+- -A\s+- schoolrecords\s+- beat", result.stdout)
    services_list = compose_config(tmp_path, "--services", **COMPOSE_SECRETS).stdout.split()
    assert {"beat", "worker"} <= set(services_list)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_the_demo_runner_runs_the_check_and_stops_when_the_server_has_ended(small):
    closes_at = timezone.now() - datetime.timedelta(hours=1)
    past_window(small, closes_at=closes_at)
    out = io.StringIO()

    call_command("snapshots_due", "--every", "1", "--while-pid", str(dead_pid()), stdout=out)

    [snapshot] = snapshots()
    assert out.getvalue().splitlines() == [f"sealed {snapshot.file_name}: {snapshot.note}", "1 snapshot(s) sealed"]


def test_the_demo_runner_checks_again_every_round_and_keeps_going_after_a_failure(small, monkeypatch):
    closes_at = timezone.now() - datetime.timedelta(hours=1)
    past_window(small, closes_at=closes_at)
    monkeypatch.setattr(command_module.time, "sleep", lambda seconds: None)
    real, calls = services.snapshots_due, []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(command_module.services, "snapshots_due", flaky)
    monkeypatch.setattr(command_module.time, "monotonic", iter(range(0, 10_000, 5)).__next__)
    out = io.StringIO()
    call_command("snapshots_due", "--every", "5", "--rounds", "3", stdout=out)

    assert len(calls) == 3 and len(snapshots()) == 1
    assert out.getvalue().count("1 snapshot(s) sealed") == 1


def test_the_runner_refuses_a_loop_option_without_every():
    with pytest.raises(CommandError, match="--every"):
        call_command("snapshots_due", "--while-pid", "1")


def test_the_demo_script_starts_the_runner_beside_the_server_and_the_readme_keeps_two_commands():
    script = (ROOT / "scripts" / "demo.sh").read_text()
    runner = script.index("manage.py snapshots_due --every")
    assert runner < script.index("exec .venv/bin/python manage.py runserver")
    assert "--while-pid $$ &" in script[runner:]
    readme = (ROOT / "README.md").read_text()
    assert re.findall(r"```sh\n(.*?)\n```", readme, re.DOTALL) == ["scripts/demo.sh", "scripts/test.sh"]


# --- two workers at once, on PostgreSQL ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_checking_at_once_seal_each_deadline_once(request, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL (CI runs it): concurrent transactions; SQLite has one writer at a time.")
    from seed.demo import DemoSize, build_demo_school
    from tests.concurrency.conftest import run_together
    from tests.conftest import Demo

    build_demo_school(DemoSize(classes_per_grade=1, grades=(6,)))
    demo = Demo()
    term = demo.year.terms.get(number=1)
    now = timezone.now()
    board = demo.user("board")
    for hours in (1, 2):  # two deadlines of one term: they race for the chain's next version too
        windows.window_create(actor=board, term=term, opens_at=now - datetime.timedelta(days=2),
                              closes_at=now - datetime.timedelta(hours=hours))
    windows.book_lock(actor=demo.user("principal"), term=term)

    results = run_together(4, lambda number: services.snapshots_due(now=timezone.now()))

    assert not [result for result in results if isinstance(result, BaseException)], results
    documents = snapshots()
    assert len(documents) == 3
    assert sorted(document.version for document in documents) == [1, 2, 3]
    assert len({document.idempotency_key for document in documents}) == 3
    assert services.snapshots_due(now=timezone.now()) == []
