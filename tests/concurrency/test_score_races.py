"""Saves of the score grid racing each other on PostgreSQL: one winner per cell, no deadlock, nothing lost.

Driven through the real write paths: ``gradebook.scores.services.scores_save``, and the grid's JSON save
(``gradebook:grid_save``) with one logged-in test client per thread, as many browsers would.
The race between a save and the close of an entry window is
tests/gradebook/test_windows.py::test_a_save_racing_a_close_commits_before_it_or_is_refused_never_after.
"""

import datetime
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gradebook.lookups import regular_required
from gradebook.models import Score
from gradebook.scores.services import CellInput, Outcome, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm
from schoolrecords.sessions import SESSION_KEY
from tests.conftest import TEST_SESSION

from .conftest import HeldTransaction, errors, run_together, wait_for_lock_waiters

# Committed transactions: the racing threads (or the worker) must see each other's rows.
pytestmark = pytest.mark.django_db(transaction=True)

TX, GK, CK = Score.Kind.REGULAR, Score.Kind.MIDTERM, Score.Kind.FINAL


def first_term(demo) -> sm.Term:
    return demo.year.terms.get(number=1)


def studying(demo, class_name: str = "6A1") -> list[sm.Enrolment]:
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class(class_name),
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk"))


def history_rows(**slot) -> int:
    return Score.history.filter(**slot).count()


def client_for(username: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(get_user_model().objects.get(username=username))
    store = client.session  # the login continues the entry session the set-up saves named (tests/conftest.py)
    store[SESSION_KEY] = TEST_SESSION
    store.save()
    return client


def grid_save(client: Client, assignment: sm.TeachingAssignment, cells: list[dict]):
    return client.post(reverse("gradebook:grid_save", args=(assignment.pk, 1)), content_type="application/json",
                       data=json.dumps({"source": "typed", "cells": cells}))


def test_fifty_saves_of_one_cell_from_the_same_version_save_once_and_the_49_others_are_conflicts(pg_demo):
    demo = pg_demo
    math, term, student = demo.assignment("6A1", "toan"), first_term(demo), studying(demo)[0]
    first = scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=math, term=term,
                        cells=[CellInput(student.pk, TX, 1, "10")])
    version = first.cells[0].version
    slot = {"enrolment": student, "subject": math.subject, "term": term, "kind": TX, "index": 1}
    history_before = history_rows(**slot)
    texts = [f"{number // 5},{number % 5 * 2}" for number in range(50)]  # 0,0 … 9,8: fifty different values

    def save(number: int):
        return scores_save(session="test-session", actor=get_user_model().objects.get(username="teacher_math"), assignment=math.pk, term=term,
                           cells=[CellInput(student.pk, TX, 1, texts[number], expected_version=version)])

    results = run_together(50, save)

    assert errors(results) == []
    outcomes = [result.cells[0] for result in results]
    assert Counter(cell.outcome for cell in outcomes) == {Outcome.SAVED: 1, Outcome.CONFLICT: 49}
    winner = next(number for number, cell in enumerate(outcomes) if cell.outcome == Outcome.SAVED)
    score = Score.objects.get(**slot)
    assert (score.value, score.version) == (Decimal(texts[winner].replace(",", ".")), version + 1)
    assert history_rows(**slot) == history_before + 1
    # every loser waited for the winner's row lock and was shown the winner's value, not its own
    assert {(cell.value, cell.version) for cell in outcomes} == {(score.value, score.version)}


def test_fifty_grid_saves_into_one_empty_cell_create_it_once_and_the_49_others_are_conflicts(pg_demo):
    demo = pg_demo
    math, term, student = demo.assignment("6A1", "toan"), first_term(demo), studying(demo)[0]
    slot = {"enrolment": student, "subject": math.subject, "term": term, "kind": GK, "index": 1}
    texts = [f"{number // 5},{number % 5 * 2}" for number in range(50)]

    def post(number_and_client):
        number, client = number_and_client
        return grid_save(client, math, [{"enrolment": student.pk, "kind": GK, "index": 1, "text": texts[number],
                                         "version": None}])

    responses = run_together(50, post, prepare=lambda number: (number, client_for("teacher_math")))

    assert errors(responses) == []
    assert [response.status_code for response in responses] == [200] * 50
    cells = [response.json()["cells"][0] for response in responses]
    assert Counter(cell["outcome"] for cell in cells) == {"saved": 1, "conflict": 49}
    winner = next(number for number, cell in enumerate(cells) if cell["outcome"] == "saved")
    score = Score.objects.get(**slot)
    assert (score.value, score.version) == (Decimal(texts[winner].replace(",", ".")), 1)
    assert history_rows(**slot) == 1
    shown = texts[winner].removesuffix(",0").replace(",", ".")  # as the grid shows it, in English: "7", "7.2"
    assert {(cell["text"], cell["version"]) for cell in cells} == {(shown, 1)}


def test_two_blocks_of_the_same_empty_cells_in_opposite_orders_never_deadlock(pg_demo):
    """Two tabs (or a paste and an import) write the same empty cells, listed in opposite orders.

    Deterministic: two other saves hold the first cell and the middle one uncommitted, so that the
    two racers are inserting at the same moment: had they inserted in the order the cells came in,
    each would now hold half of the block the other needs, and PostgreSQL would abort one of them.
    """
    demo = pg_demo
    math, term = demo.assignment("6A1", "toan"), first_term(demo)
    students = studying(demo)[:20]
    block = sorted((enrolment.pk, kind, index) for enrolment in students for kind, index in ((TX, 2), (TX, 3), (CK, 1)))

    def save(cells, text="5"):
        return scores_save(session="test-session", actor=get_user_model().objects.get(username="teacher_math"), assignment=math.pk, term=term,
                           cells=[CellInput(*slot, text) for slot in cells])

    middle = len(block) // 2
    with HeldTransaction(lambda: save([block[0]])) as first, HeldTransaction(lambda: save([block[middle]])) as second:

        def release_in_turn():
            wait_for_lock_waiters(2)  # one racer waits for the first cell, the other for the middle one
            first.release()
            wait_for_lock_waiters(2)  # both now wait for the middle cell
            second.release()

        results = run_together(2, lambda number: save(block if number else block[::-1], text=str(6 + number)),
                               meanwhile=release_in_turn)

    assert errors(results) == []
    by_slot = {slot: Counter(result.for_slot(*slot).outcome for result in results) for slot in block}
    assert all(outcomes == {Outcome.SAVED: 1, Outcome.CONFLICT: 1} for outcomes in by_slot.values())
    assert Score.objects.filter(subject=math.subject, term=term, enrolment__in=students).count() == len(block)
    assert Score.history.filter(subject=math.subject, term=term, enrolment__in=students).count() == len(block)


def test_45_teachers_saving_different_cells_of_one_class_at_once_all_save_without_deadlock(pg_demo):
    """Every teacher of 6A1 (13 subjects) saves several blocks at once, during an entry window: 45 grid saves.

    Each save passes its term's gate, shared (against a close), and then locks its own score rows:
    no two lock orders meet, so nothing deadlocks and every cell is saved once.
    """
    demo = pg_demo
    term = first_term(demo)
    now = timezone.now()
    locks.window_create(actor=demo.user("board"), term=term, opens_at=now - datetime.timedelta(days=1),
                        closes_at=now + datetime.timedelta(days=1))
    school_class = demo.school_class("6A1")
    assignments = list(sm.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True)
                       .select_related("subject", "teacher", "school_class").order_by("subject__order"))
    assert len(assignments) == 13
    students = studying(demo)
    columns = {assignment.pk: [(TX, index) for index in range(1, regular_required(assignment) + 1)] + [(GK, 1), (CK, 1)]
               for assignment in assignments}

    def text(assignment, request_number: int, position: int) -> str:
        if assignment.subject.is_commented:
            return "Đ"
        return f"{(request_number * 7 + position) % 20 // 2},{(request_number * 7 + position) % 2 * 5}"

    # ĐĐGtx1 already holds a value for every student: each save changes existing rows and creates new ones.
    for assignment in assignments:
        result = scores_save(session="test-session", actor=assignment.teacher, assignment=assignment, term=term,
                             cells=[CellInput(enrolment.pk, TX, 1, "CĐ" if assignment.subject.is_commented else "10")
                                    for enrolment in students])
        assert result.ok, result.problems
    versions = {(score.enrolment_id, score.subject_id): score.version
                for score in Score.objects.filter(term=term, kind=TX, index=1, enrolment__in=students)}

    plans = []  # (assignment, cells) of each of the 45 requests; a teacher's requests take different students
    for number in range(45):
        assignment = assignments[number % 13]
        share = students[number // 13::4]
        cells = [{"enrolment": enrolment.pk, "kind": kind, "index": index,
                  "text": text(assignment, number, position),
                  "version": versions[(enrolment.pk, assignment.subject_id)] if (kind, index) == (TX, 1) else None}
                 for position, (enrolment, (kind, index)) in enumerate(
                     (enrolment, column) for enrolment in share for column in columns[assignment.pk])]
        plans.append((assignment, cells if number % 2 else cells[::-1]))

    def post(prepared):
        number, client = prepared
        assignment, cells = plans[number]
        return grid_save(client, assignment, cells)

    responses = run_together(45, post, prepare=lambda number: (number, client_for(plans[number][0].teacher.username)))

    assert errors(responses) == []
    assert [response.status_code for response in responses] == [200] * 45
    outcomes = Counter(cell["outcome"] for response in responses for cell in response.json()["cells"])
    sent = sum(len(cells) for _assignment, cells in plans)
    assert outcomes == {"saved": sent}
    stored = {(score.enrolment_id, score.subject_id, score.kind, score.index): score
              for score in Score.objects.filter(term=term, enrolment__in=students)}
    for assignment, cells in plans:
        for cell in cells:
            score = stored[(cell["enrolment"], assignment.subject_id, cell["kind"], cell["index"])]
            if assignment.subject.is_commented:
                assert score.comment_passed is True
            else:
                assert score.value == Decimal(cell["text"].replace(",", "."))
    filled_first = {(enrolment.pk, assignment.subject_id, TX, 1)
                    for enrolment in students for assignment in assignments}
    sent_slots = {(cell["enrolment"], assignment.subject_id, cell["kind"], cell["index"])
                  for assignment, cells in plans for cell in cells}
    assert set(stored) == filled_first | sent_slots
    # one history row per save of a cell: two where ĐĐGtx1 was filled first and then changed by the race
    history = Counter(Score.history.filter(term=term, enrolment__in=students).values_list("id", flat=True))
    wrong = {slot: history[score.pk] for slot, score in stored.items()
             if history[score.pk] != 1 + (slot in filled_first and slot in sent_slots)}
    assert wrong == {}
