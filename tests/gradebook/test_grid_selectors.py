"""The score grid and a cell's history: columns, order, averages, who may read, and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation

from gradebook.models import Score
from gradebook.scores.selectors import grid, score_history
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from schoolrecords import services as setup
from schoolrecords.selectors import sort_vietnamese
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


def save(demo, cells, *, username="teacher_math", subject="toan", number=1, reason="test"):
    result = scores_save(session="test-session", actor=demo.user(username), assignment=demo.assignment("6A1", subject),
                         term=term(demo, number), cells=cells, reason=reason)
    assert result.ok, [cell.message for cell in result.problems]
    return result


def grid_of(demo, username="teacher_math", subject="toan", number=1, **kwargs):
    return grid(actor=demo.user(username), assignment=demo.assignment("6A1", subject), term=term(demo, number),
                **kwargs)


def row_of(result_grid, enrolment):
    return next(row for row in result_grid.rows if row.enrolment.pk == enrolment.pk)


def slots(regular, midterm, final):
    return [(TX, index, text) for index, text in enumerate(regular, start=1)] + [(GK, 1, midterm), (CK, 1, final)]


def enter(demo, enrolment, entries, **kwargs):
    save(demo, [CellInput(enrolment.pk, kind, index, text) for kind, index, text in entries if text], **kwargs)


# --- columns and rows --------------------------------------------------------------------------


def test_regular_columns_follow_the_periods_and_term_two_adds_the_year_average(demo):
    term1 = grid_of(demo)  # Toán: 140 periods a year
    term2 = grid_of(demo, number=2)
    informatics = grid(actor=demo.user("gv_tin"), assignment=demo.assignment("6A1", "tin"), term=term(demo, 1))

    assert [column.key for column in term1.columns] == ["tx1", "tx2", "tx3", "tx4", "gk", "ck", "term"]
    assert [column.key for column in term2.columns] == ["tx1", "tx2", "tx3", "tx4", "gk", "ck", "term", "year"]
    assert [column.key for column in informatics.entry_columns] == ["tx1", "tx2", "gk", "ck"]  # 35 periods
    assert term1.regular_required == 4 and informatics.regular_required == 2
    assert all(column.writable for column in term1.entry_columns)
    assert not any(column.writable for column in term1.computed_columns)


def test_column_headings_are_the_ledgers(demo):
    with translation.override("en"):
        headings = [column.label for column in grid_of(demo, number=2).columns]
    assert headings == ["Reg. 1", "Reg. 2", "Reg. 3", "Reg. 4", "Mid-term", "End-term", "Term avg.", "Year avg."]


def test_rows_are_every_enrolment_in_vietnamese_order_with_the_transferred_student_flagged(demo):
    result = grid_of(demo, number=2)
    expected = sort_vietnamese(sm.Enrolment.objects.filter(school_class=demo.school_class("6A1"))
                               .select_related("student"))

    assert [row.enrolment.pk for row in result.rows] == [enrolment.pk for enrolment in expected]
    assert [row.number for row in result.rows] == list(range(1, 41))
    [gone] = [row for row in result.rows if row.has_left]
    assert gone.enrolment.status == sm.Enrolment.Status.TRANSFERRED_OUT
    assert gone.left_on == DEMO_YEAR.on(2, 16)
    assert gone.writable  # left in the middle of term II: the weeks before still count
    assert all(len(row.cells) == 6 for row in result.rows)


def test_a_student_who_left_before_the_term_is_shown_but_not_writable(demo):
    leaving = studying(demo)[0]
    setup.enrolment_end(actor=demo.user("board"), enrolment=leaving, status=sm.Enrolment.Status.DROPPED,
                        end_date=DEMO_YEAR.on(12, 1), reason="Nghỉ học")

    assert not row_of(grid_of(demo, number=2), leaving).writable
    assert row_of(grid_of(demo, number=1), leaving).writable


def test_cells_carry_value_status_and_version(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, TX, 1, "7,5"), CellInput(enrolment.pk, GK, 1, "", status="forfeited")])
    save(demo, [CellInput(enrolment.pk, TX, 1, "8", expected_version=1)])

    row = row_of(grid_of(demo), enrolment)
    first, midterm, empty = row.cell("tx1"), row.cell("gk"), row.cell("tx2")
    assert (first.value, first.version, first.status) == (Decimal("8"), 2, Score.Status.RECORDED)
    assert (midterm.value, midterm.status, midterm.version) == (Decimal("0"), Score.Status.FORFEITED, 1)
    assert (empty.value, empty.version, empty.score_id) == (None, None, None)
    with translation.override("vi"):
        assert first.display == "8"
    assert row.term_result is None


def test_enrolment_ids_narrow_the_rows_and_keep_their_list_numbers(demo):
    whole = grid_of(demo)
    last = whole.rows[-1]
    narrowed = grid_of(demo, enrolment_ids=[last.enrolment.pk])

    assert [(row.number, row.enrolment.pk) for row in narrowed.rows] == [(last.number, last.enrolment.pk)]


# --- averages ----------------------------------------------------------------------------------


def test_averages_appear_only_when_complete_and_match_domain_example_e1(demo):
    # E1: 70 periods (3 ĐĐGtx). Term I 8.0 7.5 9.0, GK 7.0, CK 8.5; term II 6.0 7.0 8.0, GK 6.5, CK 7.0.
    setup.grade_subjects_set(actor=demo.user("board"), year=demo.year, grade=6,
                             periods={demo.subject("toan").pk: 70})
    enrolment = studying(demo)[0]

    enter(demo, enrolment, slots(["8,0", "7,5", "9,0"], "7,0", ""))
    assert row_of(grid_of(demo), enrolment).term_result is None  # no end-of-term score yet
    enter(demo, enrolment, slots([], "", "8,5"))
    enter(demo, enrolment, slots(["6,0", "7,0"], "6,5", "7,0"), number=2)
    term2 = row_of(grid_of(demo, number=2), enrolment)
    assert (term2.term_result, term2.year_result) == (None, None)  # one ĐĐGtx of term II missing
    enter(demo, enrolment, [(TX, 3, "8,0")], number=2)

    term1_grid, term2_grid = grid_of(demo), grid_of(demo, number=2)
    assert row_of(term1_grid, enrolment).term_result == Decimal("8.0")
    row = row_of(term2_grid, enrolment)
    assert (row.term1_result, row.term_result, row.year_result) == (Decimal("8.0"), Decimal("6.9"), Decimal("7.3"))
    with translation.override("vi"):
        assert term2_grid.format_result(row.year_result) == "7,3"
    others = [other for other in term2_grid.rows if other.enrolment.pk != enrolment.pk]
    assert all(other.term_result is None and other.year_result is None for other in others)


def test_a_forfeited_assessment_counts_as_zero_in_the_average(demo):
    enrolment = studying(demo)[0]
    enter(demo, enrolment, slots(["9", "9", "9", "9"], "9", ""))
    save(demo, [CellInput(enrolment.pk, CK, 1, "", status=Score.Status.FORFEITED)])

    assert row_of(grid_of(demo), enrolment).term_result == Decimal("6.0")  # (4 × 9 + 2 × 9 + 3 × 0) / 9


def test_a_comment_subject_passes_the_term_when_every_assessment_is_passed_and_the_year_follows_term_two(demo):
    # Giáo dục thể chất: 70 periods, three ĐĐGtx, results Đ / CĐ.
    passing, failing = studying(demo)[:2]
    kwargs = {"username": "gv_gdtc", "subject": "gdtc"}
    enter(demo, passing, slots(["Đ", "Đ", "Đ"], "Đ", "Đ"), **kwargs)
    enter(demo, failing, slots(["Đ", "CĐ", "Đ"], "Đ", ""), **kwargs)
    assert row_of(grid_of(demo, **kwargs), failing).term_result is None  # not complete yet
    enter(demo, failing, [(CK, 1, "Đ")], **kwargs)
    for enrolment in (passing, failing):
        enter(demo, enrolment, slots(["Đ", "Đ", "Đ"], "Đ", "Đ"), number=2, **kwargs)

    term1, term2 = grid_of(demo, **kwargs), grid_of(demo, number=2, **kwargs)
    assert term1.is_commented and [column.key for column in term2.computed_columns] == ["term", "year"]
    assert (row_of(term1, passing).term_result, row_of(term1, failing).term_result) == (True, False)
    # The year result of a comment subject is its term II result.
    assert row_of(term2, failing).year_result is True
    with translation.override("en"):
        assert term1.format_result(False) == "Not yet" and row_of(term1, passing).cell("gk").display == "Pass"


def test_a_regular_column_left_over_from_higher_periods_is_shown_read_only_and_counted(demo):
    enrolment = studying(demo)[0]
    enter(demo, enrolment, slots(["6", "6", "6", "10"], "6", "6"))
    setup.grade_subjects_set(actor=demo.user("board"), year=demo.year, grade=6,
                             periods={demo.subject("toan").pk: 70})  # four ĐĐGtx become three

    result = grid_of(demo)
    assert result.regular_required == 3
    assert [(column.key, column.writable) for column in result.entry_columns][2:4] == [("tx3", True), ("tx4", False)]
    assert row_of(result, enrolment).term_result == Decimal("6.4")  # (6 + 6 + 6 + 10 + 12 + 18) / 9


# --- who may read ------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "can_write"), [
    ("teacher_math", True), ("homeroom_6a1", False), ("head_math", False), ("vice", False), ("principal", False),
])
def test_the_teacher_homeroom_teacher_department_head_and_leadership_read_the_grid(demo, username, can_write):
    result = grid_of(demo, username=username)

    assert len(result.rows) == 40
    assert result.can_write is can_write
    assert all(row.writable is can_write for row in result.rows)


@pytest.mark.parametrize("username", ["gv_anh2", "gv_tin", "board", "clerk", "gv_van2"])
def test_other_staff_cannot_read_the_grid(demo, username):
    with pytest.raises(PermissionDenied):
        grid_of(demo, username=username)


def test_another_schools_grid_is_not_found(demo, other_school):
    with pytest.raises(Http404):
        grid(actor=demo.user("principal"), assignment=other_school["assignment"],
             term=other_school["year"].terms.get(number=1))
    with pytest.raises(Http404):  # a term of another year
        grid(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
             term=other_school["year"].terms.get(number=1))


# --- a cell's history --------------------------------------------------------------------------


def test_a_cells_history_lists_who_when_old_new_and_why_newest_first(demo):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, GK, 1, "6")], reason="Nhập điểm giữa kì")
    save(demo, [CellInput(enrolment.pk, GK, 1, "6,5", expected_version=1)], reason="Chấm lại")
    score = Score.objects.get(enrolment=enrolment, kind=GK)

    with translation.override("vi"):
        entries = score_history(actor=demo.user("teacher_math"), score=score)

    assert [(entry.old, entry.new, entry.reason, entry.version) for entry in entries] == [
        ("6", "6,5", "Chấm lại", 2), ("", "6", "Nhập điểm giữa kì", 1)]
    assert {entry.who for entry in entries} == {"Đỗ Thị Mai"}
    assert entries[0].when >= entries[1].when


@pytest.mark.parametrize(("username", "allowed"), [
    ("teacher_math", True), ("homeroom_6a1", True), ("head_math", True), ("vice", True), ("principal", True),
    ("gv_anh2", False), ("board", False), ("clerk", False),
])
def test_a_cells_history_is_for_the_grids_readers(demo, username, allowed):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, TX, 1, "8")])
    score_id = Score.objects.get(enrolment=enrolment).pk

    if allowed:
        assert len(score_history(actor=demo.user(username), score=score_id)) == 1
    else:
        with pytest.raises(PermissionDenied):
            score_history(actor=demo.user(username), score=score_id)


def test_another_schools_cell_history_is_not_found(demo, other_school):
    result = scores_save(session="test-session", actor=other_school["teacher"], assignment=other_school["assignment"],
                         term=other_school["year"].terms.get(number=1), reason="test",
                         cells=[CellInput(other_school["enrolment"].pk, TX, 1, "8")])
    assert result.ok
    with pytest.raises(Http404):
        score_history(actor=demo.user("principal"), score=Score.objects.get(enrolment__school_class__year__is_current=True).pk)


# --- queries -----------------------------------------------------------------------------------


def _fill(demo, enrolments):
    """Every slot of both terms, so that every row has its averages."""
    for number in (1, 2):
        save(demo, [CellInput(enrolment.pk, kind, index, "7,5") for enrolment in enrolments
                    for kind, index in [(TX, 1), (TX, 2), (TX, 3), (TX, 4), (GK, 1), (CK, 1)]], number=number)


# The assignment, the actor's school (profile, school), their global permissions (user, groups)
# and object permissions (user, groups), the entry windows and the locks of the class's subject and
# term (one query each, gradebook.windows.selectors), the periods, the students an individual education plan
# assesses otherwise, the class list, the scores of both terms.
GRID_QUERIES = 15


def test_the_grid_costs_the_same_queries_for_40_and_50_students(demo, django_assert_num_queries):
    _fill(demo, studying(demo))
    assignment, term2 = demo.assignment("6A1", "toan"), term(demo, 2)
    counted = []
    for _size in (40, 50):
        actor = demo.user("teacher_math")  # a fresh user object: no permission cache carried over
        with django_assert_num_queries(GRID_QUERIES):
            result = grid(actor=actor, assignment=assignment, term=term2)
        counted.append(result)
        if len(counted) == 1:
            board = demo.user("board")
            for number in range(10):
                student = setup.student_save(actor=board, school=demo.school, code=f"GRID{number:03d}",
                                             full_name=f"Trần Thị Thêm {number}",
                                             date_of_birth=datetime.date(2014, 5, 5),
                                             gender=sm.Student.Gender.FEMALE)
                enrolment = setup.enrolment_create(actor=board, student=student,
                                                   school_class=demo.school_class("6A1"))
                _fill(demo, [enrolment])

    assert [len(result.rows) for result in counted] == [40, 50]
    averages = [row.year_result for row in counted[1].rows if not row.has_left]
    assert len(averages) == 49 and set(averages) == {Decimal("7.5")}


# The score with its class, year, subject and department; the assignment; the actor's school
# (profile, school) and roles; their global permissions (user, groups); object permissions (user,
# groups) on the assignment, then on the class (the homeroom right); the history with its users.
HISTORY_QUERIES = 12


def test_a_cells_history_costs_the_same_queries_for_one_change_or_many(demo, django_assert_num_queries):
    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, CK, 1, "5")])
    score = Score.objects.get(enrolment=enrolment)
    lengths = []
    for changes in (0, 5):
        for version in range(1, changes + 1):  # five changes: 6, 7, 8, 9, 10
            save(demo, [CellInput(enrolment.pk, CK, 1, str(version + 5), expected_version=version)])
        actor = demo.user("homeroom_6a1")
        with django_assert_num_queries(HISTORY_QUERIES):
            lengths.append(len(score_history(actor=actor, score=score.pk)))
    assert lengths == [1, 6]
