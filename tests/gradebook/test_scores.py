"""Saving scores: values, history, optimistic locking, who may write, DB constraints and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import translation

from gradebook.models import Score
from gradebook.scores import services, writer
from gradebook.scores.services import CellInput, Outcome, scores_save
from schoolrecords import models as sm
from schoolrecords import services as setup
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

TX, GK, CK = Score.Kind.REGULAR, Score.Kind.MIDTERM, Score.Kind.FINAL


def term(demo, number: int) -> sm.Term:
    return demo.year.terms.get(number=number)


def studying(demo, class_name: str = "6A1") -> list[sm.Enrolment]:
    return list(
        sm.Enrolment.objects.filter(school_class=demo.school_class(class_name), status=sm.Enrolment.Status.STUDYING)
        .select_related("student").order_by("pk")
    )


def save(demo, cells, *, username="teacher_math", class_name="6A1", subject="toan", number=1, reason="test"):
    return scores_save(session="test-session", actor=demo.user(username), assignment=demo.assignment(class_name, subject),
                       term=term(demo, number), cells=cells, reason=reason)


def score_of(enrolment, subject_code: str, kind: str, index: int = 1, number: int = 1) -> Score:
    return Score.objects.get(enrolment=enrolment, subject__code=subject_code, term__number=number, kind=kind,
                             index=index)


def add_students(demo, count: int, class_name: str = "6A1") -> None:
    board = demo.user("board")
    for number in range(count):
        student = setup.student_save(actor=board, school=demo.school, code=f"NEW{class_name}{number:03d}",
                                     full_name=f"Nguyễn Văn Mới {number}", date_of_birth=datetime.date(2014, 1, 1),
                                     gender=sm.Student.Gender.MALE)
        setup.enrolment_create(actor=board, student=student, school_class=demo.school_class(class_name))


# --- saving and history ------------------------------------------------------------------------


def test_new_cells_are_saved_with_version_1_and_history_naming_the_teacher_and_reason(demo):
    first, second = studying(demo)[:2]
    result = save(demo, [CellInput(first.pk, TX, 1, "8"), CellInput(second.pk, GK, 1, "6.5")],
                  reason="Nhập điểm tuần 3")

    assert result.ok and len(result.saved) == 2
    score = score_of(first, "toan", TX, 1)
    assert (score.value, score.version, score.status) == (Decimal("8"), 1, Score.Status.RECORDED)
    assert score.updated_by == demo.user("teacher_math")
    [record] = score.history.all()
    assert record.history_type == "+"
    assert record.history_user == demo.user("teacher_math")
    assert record.history_change_reason == "Nhập điểm tuần 3"
    assert score_of(second, "toan", GK).value == Decimal("6.5")


def test_a_decimal_comma_is_stored_as_the_same_decimal(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, TX, 1, "7,5"), CellInput(enrolment.pk, TX, 2, " 9.0 ")])

    assert score_of(enrolment, "toan", TX, 1).value == Decimal("7.5")
    assert score_of(enrolment, "toan", TX, 2).value == Decimal("9.0")


def test_an_invalid_cell_is_refused_in_vietnamese_while_the_rest_of_the_block_saves(demo):
    first, second, third = studying(demo)[:3]
    with translation.override("vi"):
        result = save(demo, [CellInput(first.pk, TX, 1, "11"), CellInput(second.pk, TX, 1, "7,25"),
                             CellInput(third.pk, TX, 1, "6")])

    bad_range, bad_decimals, good = result.cells
    assert bad_range.outcome == Outcome.INVALID and bad_range.message == "Điểm phải từ 0 đến 10."
    assert bad_decimals.outcome == Outcome.INVALID and "một chữ số sau dấu thập phân" in bad_decimals.message
    assert good.outcome == Outcome.SAVED and good.version == 1
    assert not Score.objects.filter(enrolment__in=[first, second]).exists()
    assert score_of(third, "toan", TX, 1).value == Decimal("6")


def test_a_change_raises_the_version_and_records_old_and_new_in_history(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, CK, 1, "7")])
    result = save(demo, [CellInput(enrolment.pk, CK, 1, "7,5", expected_version=1)], reason="Chấm phúc khảo")

    assert result.cells[0].outcome == Outcome.SAVED and result.cells[0].version == 2
    score = score_of(enrolment, "toan", CK)
    assert (score.value, score.version) == (Decimal("7.5"), 2)
    newest, oldest = score.history.order_by("-history_id")
    assert (oldest.value, newest.value) == (Decimal("7"), Decimal("7.5"))
    assert newest.history_type == "~" and newest.history_change_reason == "Chấm phúc khảo"


def test_a_save_against_an_old_version_is_refused_with_the_current_value_and_changes_nothing(demo):
    enrolment, other = studying(demo)[:2]
    save(demo, [CellInput(enrolment.pk, TX, 2, "5")])
    save(demo, [CellInput(enrolment.pk, TX, 2, "8", expected_version=1)])  # someone else, meanwhile

    with translation.override("en"):
        result = save(demo, [CellInput(enrolment.pk, TX, 2, "9", expected_version=1),
                             CellInput(other.pk, TX, 2, "4")])

    conflict, saved = result.cells
    assert conflict.outcome == Outcome.CONFLICT
    assert (conflict.value, conflict.version) == (Decimal("8"), 2)
    assert "Đỗ Thị Mai" in conflict.message and "it now holds 8" in conflict.message
    assert result.conflicts == [conflict]
    assert saved.outcome == Outcome.SAVED
    score = score_of(enrolment, "toan", TX, 2)
    assert (score.value, score.version, score.history.count()) == (Decimal("8"), 2, 2)


def test_two_screens_creating_the_same_empty_cell_the_second_gets_a_conflict(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, GK, 1, "6")])
    result = save(demo, [CellInput(enrolment.pk, GK, 1, "7", expected_version=None)])

    assert result.cells[0].outcome == Outcome.CONFLICT and result.cells[0].value == Decimal("6")
    assert score_of(enrolment, "toan", GK).value == Decimal("6")


def test_an_insert_race_lost_to_the_unique_constraint_becomes_a_conflict_not_an_error(demo, monkeypatch):
    first, second = studying(demo)[:2]
    save(demo, [CellInput(first.pk, TX, 3, "6")])  # committed by "the other teacher"
    real = writer.locked_scores
    calls = []

    def blind_first_time(**kwargs):  # the first read ran before the other teacher's row was committed
        calls.append(kwargs)
        return {} if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(writer, "locked_scores", blind_first_time)
    result = save(demo, [CellInput(first.pk, TX, 3, "9"), CellInput(second.pk, TX, 3, "5")])

    lost, won = result.cells
    assert lost.outcome == Outcome.CONFLICT and lost.value == Decimal("6") and lost.version == 1
    assert won.outcome == Outcome.SAVED
    assert score_of(first, "toan", TX, 3).value == Decimal("6")
    assert score_of(second, "toan", TX, 3).value == Decimal("5")
    assert score_of(second, "toan", TX, 3).history.count() == 1


def test_a_stale_screen_asking_for_the_value_already_there_is_not_a_conflict(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, TX, 1, "8")])
    save(demo, [CellInput(enrolment.pk, TX, 1, "9", expected_version=1)])
    result = save(demo, [CellInput(enrolment.pk, TX, 1, "9,0", expected_version=1)])

    assert result.cells[0].outcome == Outcome.UNCHANGED and result.cells[0].version == 2


def test_saving_an_unchanged_value_writes_no_history(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, TX, 1, "8")])
    result = save(demo, [CellInput(enrolment.pk, TX, 1, "8.0", expected_version=1),
                         CellInput(enrolment.pk, TX, 2, "", expected_version=None)])

    assert [cell.outcome for cell in result.cells] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    score = score_of(enrolment, "toan", TX, 1)
    assert (score.version, score.history.count()) == (1, 1)
    assert not Score.objects.filter(enrolment=enrolment, index=2).exists()


def test_emptying_a_cell_keeps_its_row_so_history_and_version_go_on(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, TX, 1, "8")])
    result = save(demo, [CellInput(enrolment.pk, TX, 1, "  ", expected_version=1)])

    assert result.cells[0].outcome == Outcome.SAVED
    score = score_of(enrolment, "toan", TX, 1)
    assert (score.value, score.comment_passed, score.version) == (None, None, 2)
    assert score.history.count() == 2


def test_a_regular_column_beyond_the_subjects_count_is_refused(demo):
    enrolment = studying(demo)[0]
    tin = save(demo, [CellInput(enrolment.pk, TX, 3, "8"), CellInput(enrolment.pk, TX, 2, "8")],
               username="gv_tin", subject="tin")  # 35 periods a year: two ĐĐGtx
    toan = save(demo, [CellInput(enrolment.pk, TX, 4, "8")])  # 140 periods: four

    assert [cell.outcome for cell in tin.cells] == [Outcome.REFUSED, Outcome.SAVED]
    assert toan.cells[0].outcome == Outcome.SAVED


@pytest.mark.parametrize(("kind", "index"), [("gk", 2), ("xx", 1), ("tx", 0)])
def test_an_unknown_column_is_refused(demo, kind, index):
    enrolment = studying(demo)[0]
    result = save(demo, [CellInput(enrolment.pk, kind, index, "8")])

    assert result.cells[0].outcome == Outcome.REFUSED
    assert not Score.objects.filter(enrolment=enrolment).exists()


def test_a_student_of_another_class_or_who_left_before_the_term_has_no_slot(demo):
    leaving, staying = studying(demo)[:2]
    setup.enrolment_end(actor=demo.user("board"), enrolment=leaving, status=sm.Enrolment.Status.TRANSFERRED_OUT,
                        end_date=DEMO_YEAR.on(12, 1), reason="Chuyển trường")
    elsewhere = studying(demo, "7A1")[0]

    term2 = save(demo, [CellInput(leaving.pk, TX, 1, "8"), CellInput(elsewhere.pk, TX, 1, "8"),
                        CellInput(staying.pk, TX, 1, "8")], number=2)
    term1 = save(demo, [CellInput(leaving.pk, TX, 1, "8")], number=1)  # was in the class for part of term I

    assert [cell.outcome for cell in term2.cells] == [Outcome.REFUSED, Outcome.REFUSED, Outcome.SAVED]
    assert term1.cells[0].outcome == Outcome.SAVED


def test_a_cell_sent_twice_in_one_save_is_refused_the_second_time(demo):
    enrolment = studying(demo)[0]
    result = save(demo, [CellInput(enrolment.pk, TX, 1, "8"), CellInput(enrolment.pk, TX, 1, "9")])

    assert [cell.outcome for cell in result.cells] == [Outcome.SAVED, Outcome.REFUSED]
    assert score_of(enrolment, "toan", TX, 1).value == Decimal("8")


def test_a_block_far_larger_than_a_class_is_refused_whole(demo):
    enrolment = studying(demo)[0]
    with pytest.raises(ValidationError):
        save(demo, [CellInput(enrolment.pk, TX, 1, "8")] * (services.MAX_CELLS + 1))
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_save_without_a_reason_is_recorded_as_score_entry(demo):
    enrolment = studying(demo)[0]
    with translation.override("en"):
        save(demo, [CellInput(enrolment.pk, TX, 1, "8")], reason="")
    assert score_of(enrolment, "toan", TX, 1).history.get().history_change_reason == "Scores entered"


# --- make-up and forfeited, comment subjects ---------------------------------------------------


def test_make_up_and_forfeited_assessments_are_representable(demo):
    first, second, third, fourth = studying(demo)[:4]
    result = save(demo, [
        CellInput(first.pk, GK, 1, "6,5", status=Score.Status.MADE_UP),
        CellInput(second.pk, GK, 1, "", status=Score.Status.FORFEITED),
        CellInput(third.pk, GK, 1, "7", status=Score.Status.FORFEITED),
        CellInput(fourth.pk, GK, 1, "", status=Score.Status.MADE_UP),
    ])

    made_up, forfeited, forfeited_with_seven, made_up_without_result = result.cells
    assert made_up.outcome == forfeited.outcome == Outcome.SAVED
    assert (made_up.value, made_up.status) == (Decimal("6.5"), Score.Status.MADE_UP)
    assert (forfeited.value, forfeited.status) == (Decimal("0"), Score.Status.FORFEITED)
    assert forfeited_with_seven.outcome == made_up_without_result.outcome == Outcome.INVALID
    assert score_of(second, "toan", GK).status == Score.Status.FORFEITED


def test_a_comment_subject_takes_pass_and_not_yet_and_refuses_numbers(demo):
    first, second, third, fourth = studying(demo)[:4]
    result = save(demo, [
        CellInput(first.pk, TX, 1, "Đ"),
        CellInput(second.pk, TX, 1, "cd"),
        CellInput(third.pk, TX, 1, "7"),
        CellInput(fourth.pk, CK, 1, "", status=Score.Status.FORFEITED),
    ], username="gv_gdtc", subject="gdtc")

    passed, not_yet, number, forfeited = result.cells
    assert (passed.comment_passed, passed.value) == (True, None)
    assert not_yet.comment_passed is False
    assert number.outcome == Outcome.INVALID
    assert (forfeited.comment_passed, forfeited.status) == (False, Score.Status.FORFEITED)
    assert score_of(second, "gdtc", TX, 1).comment_passed is False
    with translation.override("en"):
        assert (passed.display, not_yet.display) == ("Pass", "Not yet")


# --- who may write -----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["principal", "vice", "board", "clerk", "homeroom_6a1", "head_math", "gv_anh2"])
def test_only_the_assigned_teacher_may_write(demo, username):
    enrolment = studying(demo)[0]
    with pytest.raises(PermissionDenied):
        save(demo, [CellInput(enrolment.pk, TX, 1, "8")], username=username)
    assert not Score.objects.filter(enrolment=enrolment).exists()


def test_a_teacher_whose_assignment_ended_may_no_longer_write(demo):
    assignment = demo.assignment("6A1", "toan")
    setup.assignment_end(actor=demo.user("board"), assignment=assignment, reason="Nghỉ sinh")
    with pytest.raises(PermissionDenied):
        scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=assignment, term=term(demo, 1),
                    cells=[CellInput(studying(demo)[0].pk, TX, 1, "8")], reason="test")


def test_another_schools_assignment_is_not_found(demo, other_school):
    other_term = other_school["year"].terms.get(number=1)
    cells = [CellInput(other_school["enrolment"].pk, TX, 1, "8")]
    with pytest.raises(Http404):
        scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=other_school["assignment"], term=other_term,
                    cells=cells, reason="test")
    with pytest.raises(Http404):  # and a term of another school's year does not fit the demo's assignment
        scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=other_term,
                    cells=cells, reason="test")
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


# --- the database's own guard ------------------------------------------------------------------


def _row(demo, **fields) -> Score:
    values = {"enrolment": studying(demo)[0], "subject": demo.subject("toan"), "term": term(demo, 1),
              "kind": TX, "index": 1, "value": Decimal("5"), "updated_by": demo.user("teacher_math")}
    values.update(fields)
    return Score(**values)


@pytest.mark.parametrize("fields", [
    {"value": Decimal("11")},
    {"value": Decimal("-1")},
    {"kind": GK, "index": 2},
    {"kind": TX, "index": 6},
    {"value": Decimal("5"), "comment_passed": True},
    {"status": Score.Status.FORFEITED, "value": Decimal("5")},
    {"status": Score.Status.MADE_UP, "value": None},
    {"version": 0},
], ids=["above-10", "negative", "second-midterm", "sixth-regular", "score-and-comment", "forfeited-not-zero",
        "made-up-empty", "version-0"])
def test_the_database_refuses_a_row_that_breaks_an_invariant(demo, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(demo, **fields).save()


def test_the_database_refuses_a_second_row_for_the_same_slot(demo):
    _row(demo).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(demo, value=Decimal("6")).save()


def test_a_stored_score_never_has_two_decimals(demo):
    if connection.vendor == "postgresql":
        # numeric(3,1) rounds the second decimal away before any check constraint sees it.
        _row(demo, value=Decimal("7.25")).save()
        assert Score.objects.get(enrolment__school_class__year__is_current=True).value == Decimal("7.3")
    else:
        # SQLite has no numeric type: the check constraint is what refuses it.
        with pytest.raises(IntegrityError), transaction.atomic():
            _row(demo, value=Decimal("7.25")).save()


# --- queries -----------------------------------------------------------------------------------


# The assignment, the actor's school (profile, school), their permissions (global: user, groups;
# per object: user, groups), the term's gate (shared), the entry windows and the locks
# (gradebook.windows.selectors: one query each), the periods, the students an individual education plan
# assesses otherwise, the enrolments, the locked rows; then per kind of write:
# a new row and its history in a savepoint (4), a changed row and its history (2); then the touched
# rows' scores of both terms, for their averages. The test's own transaction adds a savepoint around
# the service (2). Each test starts with a cold cache (tests/conftest.py): its first save reads the windows
# and the locks and keeps them under the term's rules version; a later save of the term does not (-2).
CREATE_QUERIES = 23
CHANGE_QUERIES = 21 - 2  # after the test's first save of the term: the windows and locks are cached
COLUMNS = [(TX, 1), (TX, 2), (TX, 3), (TX, 4), (GK, 1), (CK, 1)]  # Toán, 140 periods a year


def _block(enrolments, text, version=None):
    return [CellInput(enrolment.pk, kind, index, text, expected_version=version)
            for enrolment in enrolments for kind, index in COLUMNS]


@pytest.fixture
def class_of_45(demo):
    add_students(demo, 6)  # 39 studying + 6 new
    enrolments = studying(demo)
    assert len(enrolments) == 45
    return enrolments


def _save_counted(demo, django_assert_num_queries, expected: int, cells, number: int = 1):
    actor = demo.user("teacher_math")  # a fresh user object: no permission cache carried over
    assignment, term_ = demo.assignment("6A1", "toan"), term(demo, number)
    with django_assert_num_queries(expected):
        result = scores_save(session="test-session", actor=actor, assignment=assignment, term=term_, cells=cells, reason="paste")
    assert result.ok and len(result.saved) == len(cells)
    return result


def test_one_new_cell_or_a_pasted_45_by_6_block_costs_the_same_queries_history_included(
    demo, class_of_45, django_assert_num_queries
):
    _save_counted(demo, django_assert_num_queries, CREATE_QUERIES, [CellInput(class_of_45[0].pk, TX, 1, "5")],
                  number=2)
    block = _block(class_of_45, "7,5")
    _save_counted(demo, django_assert_num_queries, CREATE_QUERIES, block)

    assert len(block) == 270
    assert Score.history.filter(history_change_reason="paste", history_user__username="teacher_math").count() == 271


def test_changing_one_cell_or_a_45_by_6_block_costs_the_same_queries_history_included(
    demo, class_of_45, django_assert_num_queries
):
    scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo, 1),
                cells=_block(class_of_45, "5"), reason="first")
    _save_counted(demo, django_assert_num_queries, CHANGE_QUERIES, _block(class_of_45, "6", version=1)[:1])
    block = _block(class_of_45, "7", version=1)
    block[0] = CellInput(class_of_45[0].pk, TX, 1, "7", expected_version=2)
    _save_counted(demo, django_assert_num_queries, CHANGE_QUERIES, block)

    assert len(block) == 270
    assert Score.history.filter(history_change_reason="paste", history_type="~").count() == 271


def test_an_exempt_students_cells_are_refused_one_by_one(demo):
    """The principal's exemption takes the subject out for that student; the others still save."""
    from django.utils.translation import gettext

    from gradebook.models import Score
    from gradebook.results import services as results_services
    from gradebook.rules.entry import MSG_EXEMPT

    EXEMPT_MESSAGE = gettext(MSG_EXEMPT)
    from gradebook.scores.services import CellInput, scores_save

    assignment = demo.assignment("6A1", "toan")
    term = demo.year.terms.get(number=1)
    exempt, other = list(assignment.school_class.enrolments.filter(status="studying").order_by("pk")[:2])
    results_services.exemption_create(
        actor=demo.user("principal"), enrolment=exempt, subject=assignment.subject, term=term,
        reason="Sức khỏe", evidence_note="Giấy chứng nhận y tế",
    )
    result = scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=assignment, term=term, cells=[
        CellInput(exempt.pk, "tx", 1, "8"), CellInput(other.pk, "tx", 1, "8")])
    refused, saved = result.cells
    assert refused.outcome == "refused" and refused.message == str(EXEMPT_MESSAGE)
    assert saved.outcome == "saved"
    assert not Score.objects.filter(enrolment=exempt).exists()
