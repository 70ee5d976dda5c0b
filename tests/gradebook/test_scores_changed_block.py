"""A block saved over existing cells writes every field of every row and one history row each (on
PostgreSQL through gradebook.scores.writer's ``UPDATE … FROM (VALUES …)``, elsewhere through Django's bulk_update)."""

from decimal import Decimal

import pytest

from gradebook.models import Score
from gradebook.scores.services import CellInput, Outcome, scores_save

pytestmark = pytest.mark.django_db

TX, GK = Score.Kind.REGULAR, Score.Kind.MIDTERM


def _save(demo, cells, *, username, class_name, subject, reason):
    return scores_save(session="test-session", actor=demo.user(username), assignment=demo.assignment(class_name, subject),
                       term=demo.year.terms.get(number=1), cells=cells, reason=reason)


def _rows(demo, class_name, subject):
    return {(score.enrolment_id, score.kind, score.index): score for score in Score.objects.filter(
        enrolment__school_class=demo.school_class(class_name), subject__code=subject, term__number=1)}


def test_a_changed_block_writes_values_statuses_versions_and_who_in_every_row(demo):
    enrolments = list(demo.school_class("6A1").enrolments.order_by("pk")[:4])
    first = [CellInput(e.pk, kind, 1, "5") for e in enrolments for kind in (TX, GK)]
    _save(demo, first, username="teacher_math", class_name="6A1", subject="toan", reason="first")
    before = _rows(demo, "6A1", "toan")
    texts = ["7,5", "10", "0", ""]  # a decimal, the top, a zero, and an emptied cell
    changed = [CellInput(e.pk, kind, 1, texts[n], expected_version=1,
                         status=Score.Status.MADE_UP if kind == GK and texts[n] else Score.Status.RECORDED)
               for n, e in enumerate(enrolments) for kind in (TX, GK)]

    result = _save(demo, changed, username="teacher_math", class_name="6A1", subject="toan", reason="second")

    assert [cell.outcome for cell in result.cells] == [Outcome.SAVED] * 8
    after = _rows(demo, "6A1", "toan")
    expected = {None if text == "" else Decimal(text.replace(",", ".")) for text in texts}
    assert {row.value for row in after.values()} == expected
    for cell in changed:
        row = after[cell.slot]
        assert row.value == (Decimal(cell.text.replace(",", ".")) if cell.text else None)
        assert row.status == cell.status and row.version == 2 and row.pk == before[cell.slot].pk
        assert row.updated_at > before[cell.slot].updated_at
        assert row.updated_by == demo.user("teacher_math")
        newest = row.history.order_by("-history_id").first()
        assert (newest.history_type, newest.history_change_reason, newest.version) == ("~", "second", 2)
        assert newest.value == row.value and newest.status == row.status
        assert newest.history_user == demo.user("teacher_math")
    assert Score.history.filter(history_change_reason="second").count() == 8


def test_a_changed_block_of_a_comment_subject_writes_pass_and_not_yet(demo):
    enrolments = list(demo.school_class("6A1").enrolments.order_by("pk")[:3])
    _save(demo, [CellInput(e.pk, TX, 1, "Đ") for e in enrolments], username="gv_gdtc", class_name="6A1",
          subject="gdtc", reason="first")

    result = _save(demo, [CellInput(e.pk, TX, 1, text, expected_version=1)
                          for e, text in zip(enrolments, ["CĐ", "Đ", ""], strict=True)],
                   username="gv_gdtc", class_name="6A1", subject="gdtc", reason="second")

    assert [cell.outcome for cell in result.cells] == [Outcome.SAVED, Outcome.UNCHANGED, Outcome.SAVED]
    rows = _rows(demo, "6A1", "gdtc")
    assert [(rows[(e.pk, TX, 1)].comment_passed, rows[(e.pk, TX, 1)].value, rows[(e.pk, TX, 1)].version)
            for e in enrolments] == [(False, None, 2), (True, None, 1), (None, None, 2)]


def test_a_stale_cell_in_a_changed_block_is_a_conflict_and_the_rest_saves(demo):
    enrolments = list(demo.school_class("6A1").enrolments.order_by("pk")[:3])
    _save(demo, [CellInput(e.pk, TX, 1, "5") for e in enrolments], username="teacher_math", class_name="6A1",
          subject="toan", reason="first")
    _save(demo, [CellInput(enrolments[1].pk, TX, 1, "6", expected_version=1)], username="teacher_math",
          class_name="6A1", subject="toan", reason="meanwhile")

    result = _save(demo, [CellInput(e.pk, TX, 1, "9", expected_version=1) for e in enrolments],
                   username="teacher_math", class_name="6A1", subject="toan", reason="stale")

    assert [cell.outcome for cell in result.cells] == [Outcome.SAVED, Outcome.CONFLICT, Outcome.SAVED]
    rows = _rows(demo, "6A1", "toan")
    assert [(rows[(e.pk, TX, 1)].value, rows[(e.pk, TX, 1)].version) for e in enrolments] == [
        (Decimal("9"), 2), (Decimal("6"), 2), (Decimal("9"), 2)]
    assert Score.history.filter(history_change_reason="stale").count() == 2
