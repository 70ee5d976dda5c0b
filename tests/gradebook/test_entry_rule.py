"""The one entry rule (gradebook.rules.entry) as a table, and the paths that ask it: grid, save, correction form.

The pure part runs without a database; the rest checks that the grid's marks, the save and the
correction form agree with the rule, including the three faults fixed with it: a mid- or end-of-term
score for a student who left before that test, the year column of a student exempt in term I only,
and "010" read as 10.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from gradebook import signals
from gradebook.corrections import services as corrections
from gradebook.models import Score
from gradebook.results import services as results_services
from gradebook.rules import entry, slots, tt22
from gradebook.rules.entry import Columns, Facts, Remedy, Student
from gradebook.scores.selectors import grid
from gradebook.scores.services import CellInput, Outcome
from gradebook.windows import services as locks
from schoolrecords import services as setup
from seed.demo import demo_year

from .test_scores import save, studying, term

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

TX, GK, CK = slots.REGULAR, slots.MIDTERM, slots.FINAL
START, END = DEMO_YEAR.on(9, 5), DEMO_YEAR.on(1, 10)
MIDTERM_TEST, FINAL_TEST = DEMO_YEAR.on(11, 3), DEMO_YEAR.on(12, 22)


def facts(**changes) -> Facts:
    base = {"term_start": START, "term_end": END, "regular_required": 3, "is_teacher": True,
            "midterm_test_on": MIDTERM_TEST, "final_test_on": FINAL_TEST}
    return Facts(**(base | changes))


STAYING = Student(1, START)
LEFT_IN_NOVEMBER = Student(2, START, DEMO_YEAR.on(11, 20))  # after the mid-term test, before the final
LEFT_IN_OCTOBER = Student(3, START, DEMO_YEAR.on(10, 1))
LEFT_BEFORE_TERM = Student(4, DEMO_YEAR.previous.on(5, 1), DEMO_YEAR.on(8, 1))


@pytest.mark.parametrize(("given", "student", "kind", "index", "message", "remedy"), [
    ({}, STAYING, TX, 1, "", Remedy.NONE),
    ({}, STAYING, TX, 3, "", Remedy.NONE),
    ({}, STAYING, TX, 4, entry.MSG_REGULAR_COUNT, Remedy.NONE),
    ({}, STAYING, "xx", 1, entry.MSG_UNKNOWN_COLUMN, Remedy.NONE),
    ({}, STAYING, GK, 2, entry.MSG_UNKNOWN_COLUMN, Remedy.NONE),
    ({"is_teacher": False}, STAYING, TX, 1, entry.MSG_NOT_TEACHER, Remedy.NONE),
    ({"results_approved": True}, STAYING, TX, 1, entry.MSG_FROZEN, Remedy.CORRECTION),
    ({"columns": Columns(book_locked=True)}, STAYING, TX, 1, entry.MSG_BOOK_LOCKED, Remedy.CORRECTION),
    ({"columns": Columns(closed_kinds=frozenset(slots.KINDS))}, STAYING, CK, 1, entry.MSG_WINDOW_CLOSED,
     Remedy.CORRECTION),
    ({"columns": Columns(closed_kinds=frozenset({GK}))}, STAYING, GK, 1, entry.MSG_COLUMN_WINDOW_CLOSED,
     Remedy.CORRECTION),
    ({"columns": Columns(closed_kinds=frozenset({GK}))}, STAYING, TX, 1, "", Remedy.NONE),
    ({"columns": Columns(locked_columns=frozenset({(TX, 2)}))}, STAYING, TX, 2, entry.MSG_COLUMN_LOCKED,
     Remedy.CORRECTION),
    ({"columns": Columns(locked_columns=frozenset({(TX, 2)}))}, STAYING, TX, 1, "", Remedy.NONE),
    ({}, None, TX, 1, entry.MSG_NOT_IN_CLASS, Remedy.NONE),
    ({}, LEFT_BEFORE_TERM, TX, 1, entry.MSG_NOT_IN_CLASS, Remedy.NONE),
    ({}, LEFT_IN_NOVEMBER, TX, 1, "", Remedy.NONE),  # the weeks they were there
    ({}, LEFT_IN_NOVEMBER, GK, 1, "", Remedy.NONE),  # still in the class on the mid-term test
    ({}, LEFT_IN_NOVEMBER, CK, 1, entry.MSG_LEFT_BEFORE_TEST, Remedy.NONE),
    ({}, LEFT_IN_OCTOBER, GK, 1, entry.MSG_LEFT_BEFORE_TEST, Remedy.NONE),
    ({"midterm_test_on": None, "final_test_on": None}, LEFT_IN_OCTOBER, CK, 1, "", Remedy.NONE),  # no date known
    ({"exempt": frozenset({1})}, STAYING, TX, 1, entry.MSG_EXEMPT, Remedy.NONE),
])
def test_the_entry_rule(given, student, kind, index, message, remedy):
    verdict = entry.judge(facts(**given), student, kind, index)

    assert (verdict.allowed, verdict.message, verdict.remedy) == (not message, message, remedy)


def test_a_refusal_says_its_date_and_count_in_the_persons_language():
    left = entry.judge(facts(), LEFT_IN_OCTOBER, GK, 1)
    count = entry.judge(facts(), STAYING, TX, 4)

    assert left.text(lambda text: text) == f"This student left the class on 01/10/{DEMO_YEAR.first}, before this test."
    assert count.text(lambda text: text) == "This subject has 3 regular assessments per term."
    assert entry.ALLOWED.text(lambda text: text) == ""


@pytest.mark.parametrize(("given", "student", "kind", "index", "expected"), [
    ({"columns": Columns(locked_columns=frozenset({(TX, 1)}))}, STAYING, TX, 1, True),
    ({"columns": Columns(book_locked=True), "results_approved": True}, STAYING, CK, 1, True),
    ({}, STAYING, TX, 1, False),  # open: typed in the grid instead
    ({"columns": Columns(book_locked=True)}, LEFT_BEFORE_TERM, TX, 1, False),  # no such cell
    ({"columns": Columns(book_locked=True), "exempt": frozenset({1})}, STAYING, TX, 1, False),
    ({"columns": Columns(book_locked=True)}, STAYING, TX, 4, False),
])
def test_a_correction_may_ask_for_exactly_the_closed_cells_a_student_has(given, student, kind, index, expected):
    assert entry.correctable(facts(**given), student, kind, index) is expected


@pytest.mark.parametrize(("typed", "suggestion"), [("010", "10"), ("005", "5"), ("000", "0"), ("007,5", "7,5")])
def test_a_score_with_more_than_two_digits_before_its_mark_is_shown_back(typed, suggestion):
    with pytest.raises(tt22.ScoreInputError) as refused:
        tt22.parse_score(typed)
    assert refused.value.message == tt22.MSG_SCORE_LEADING_ZEROS
    assert refused.value.params == {"suggestion": suggestion}


@pytest.mark.parametrize(("typed", "value"), [("07", "7"), ("10", "10"), ("0", "0"), ("09,5", "9.5")])
def test_one_leading_zero_is_still_read(typed, value):
    assert tt22.parse_score(typed) == Decimal(value)


@pytest.mark.parametrize(("term1", "term2", "exempt1", "exempt2", "commented", "expected"), [
    (Decimal("6.0"), Decimal("9.0"), False, False, False, Decimal("8.0")),
    (None, Decimal("9.0"), True, False, False, Decimal("9.0")),
    (Decimal("6.0"), None, False, True, False, Decimal("6.0")),
    (None, Decimal("9.0"), False, False, False, None),
    (None, True, True, False, True, True),
    (False, True, False, False, True, True),
    (None, None, True, True, False, None),
])
def test_a_subjects_year_result_takes_the_other_term_when_one_is_exempt(term1, term2, exempt1, exempt2, commented,
                                                                          expected):
    assert tt22.subject_year_result(term1, term2, is_commented=commented, exempt_term1=exempt1,
                                    exempt_term2=exempt2) == expected


# --- the paths that ask it ---------------------------------------------------------------------------


def _test_dates(demo, number, *, midterm, final):
    locks.schedule_save(actor=demo.user("board"), term=term(demo, number), midterm_test_on=midterm,
                        final_test_on=final)


def test_a_score_of_a_test_after_the_students_transfer_is_refused_by_the_save_and_read_only_in_the_grid(demo):
    leaving, staying = studying(demo)[:2]
    setup.enrolment_end(actor=demo.user("board"), enrolment=leaving, status="transferred_out",
                        end_date=DEMO_YEAR.on(11, 20), reason="Chuyển trường")
    _test_dates(demo, 1, midterm=DEMO_YEAR.on(11, 3), final=DEMO_YEAR.on(12, 22))

    result = save(demo, [CellInput(leaving.pk, TX, 1, "8"), CellInput(leaving.pk, GK, 1, "7"),
                         CellInput(leaving.pk, CK, 1, "9"), CellInput(staying.pk, CK, 1, "9")])
    shown = grid(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo, 1))

    assert [cell.outcome for cell in result.cells] == [Outcome.SAVED, Outcome.SAVED, Outcome.REFUSED, Outcome.SAVED]
    assert result.cells[2].message == gettext(entry.MSG_LEFT_BEFORE_TEST) % {"date": f"20/11/{DEMO_YEAR.first}"}
    assert not Score.objects.filter(enrolment=leaving, kind=CK).exists()
    row = next(row for row in shown.rows if row.enrolment.pk == leaving.pk)
    keys = [column.key for column in shown.entry_columns]
    assert dict(zip(keys, row.open_cells, strict=True)) == {"tx1": True, "tx2": True, "tx3": True, "tx4": True,
                                                              "gk": True, "ck": False}
    assert row.refusals == {"ck": gettext(entry.MSG_LEFT_BEFORE_TEST) % {"date": f"20/11/{DEMO_YEAR.first}"}}


def test_the_grid_page_shows_the_transferred_students_end_of_term_cell_read_only(demo, login):
    leaving = studying(demo)[0]
    setup.enrolment_end(actor=demo.user("board"), enrolment=leaving, status="transferred_out",
                        end_date=DEMO_YEAR.on(11, 20), reason="Chuyển trường")
    _test_dates(demo, 1, midterm=DEMO_YEAR.on(11, 3), final=DEMO_YEAR.on(12, 22))
    assignment = demo.assignment("6A1", "toan")

    page = login("teacher_math").get(f"/scores/{assignment.pk}/term/1/").content.decode()

    row = page[page.index(f'data-e="{leaving.pk}"'):]
    row = row[:row.index("</tr>")]
    assert row.count('<input class="cell"') == 5  # four ĐĐGtx and ĐĐGgk; not ĐĐGck
    end_of_term = row[row.index('data-col="ck"'):]
    assert f'title="Học sinh này đã rời lớp ngày 20/11/{DEMO_YEAR.first}, trước ngày kiểm tra này."' in end_of_term[:200]


def test_the_grids_year_column_of_a_student_exempt_in_term_one_only_is_the_term_two_result(demo):
    enrolment = studying(demo)[0]
    results_services.exemption_create(actor=demo.user("principal"), enrolment=enrolment,
                                      subject=demo.subject("toan"), term=term(demo, 1), reason="Sức khỏe",
                                      evidence_note="Giấy khám")
    cells = [CellInput(enrolment.pk, kind, index, "8") for kind, index in
             [(TX, 1), (TX, 2), (TX, 3), (TX, 4), (GK, 1), (CK, 1)]]
    answer = save(demo, cells, number=2)

    shown = grid(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo, 2))
    read = grid(actor=demo.user("principal"), assignment=demo.assignment("6A1", "toan"), term=term(demo, 2))

    for rows in (shown.rows, read.rows):
        row = next(row for row in rows if row.enrolment.pk == enrolment.pk)
        assert (row.term1_result, row.term_result, row.year_result) == (None, Decimal("8.0"), Decimal("8.0"))
    assert answer.rows[0].year_result == Decimal("8.0")  # the save's answer agrees with the page


def test_a_correction_request_is_refused_for_an_open_cell_and_for_a_test_the_student_missed(demo):
    leaving = studying(demo)[0]
    setup.enrolment_end(actor=demo.user("board"), enrolment=leaving, status="transferred_out",
                        end_date=DEMO_YEAR.on(11, 20), reason="Chuyển trường")
    _test_dates(demo, 1, midterm=DEMO_YEAR.on(11, 3), final=DEMO_YEAR.on(12, 22))
    save(demo, [CellInput(leaving.pk, GK, 1, "8")])
    evidence = _pdf()
    ask = [corrections.ChangeInput(leaving.pk, GK, 1, "9")]  # they sat the mid-term test

    with pytest.raises(ValidationError) as open_cell:
        corrections.correction_submit(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                      term=term(demo, 1), changes=ask, reason="Chấm nhầm", files=[evidence],
                                      examiner="Trần Văn Bình", session="test-session")  # still the entering login
    locks.book_lock(actor=demo.user("principal"), term=term(demo, 1))
    with pytest.raises(ValidationError) as missed:
        corrections.correction_submit(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                      term=term(demo, 1), changes=[corrections.ChangeInput(leaving.pk, CK, 1, "9")],
                                      reason="Chấm nhầm", files=[_pdf()], examiner="Trần Văn Bình")
    request = corrections.correction_submit(actor=demo.user("teacher_math"),
                                            assignment=demo.assignment("6A1", "toan"), term=term(demo, 1),
                                            changes=ask, reason="Chấm nhầm", files=[_pdf()],
                                            examiner="Trần Văn Bình")

    assert gettext("This score is not recorded yet: type the new value in the grid.") in open_cell.value.message_dict["cells"][0]
    assert gettext("This student has no such cell in this term.") in missed.value.message_dict["cells"][0]
    assert request.changes.count() == 1


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bai-kiem-tra.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")


# --- what the gradebook announces ----------------------------------------------------------------------


def test_an_approval_of_results_and_an_applied_correction_are_announced_after_the_commit(
    demo, django_capture_on_commit_callbacks
):
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    enrolment = studying(demo)[0]
    save(demo, [CellInput(enrolment.pk, TX, 1, "5")])
    locks.book_lock(actor=demo.user("principal"), term=term(demo, 1))
    request = corrections.correction_submit(
        actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo, 1),
        changes=[corrections.ChangeInput(enrolment.pk, TX, 1, "6")], reason="Cộng nhầm", files=[_pdf()])
    signals.correction_applied.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=False) as pending:
            corrections.correction_approve(actor=demo.user("principal"), request=request,
                                           witness=demo.user("board"))
        assert heard == []  # not before the commit
        for callback in pending:
            callback()
    finally:
        signals.correction_applied.disconnect(listen)

    assert heard == [{"signal": signals.correction_applied, "request_id": request.pk,
                      "school_class_id": request.school_class_id, "term_id": request.term_id,
                      "actor_id": demo.user("principal").pk}]
    score = Score.objects.get(enrolment=enrolment, subject__code="toan", term__number=1, kind=TX, index=1)
    assert (score.value, score.version) == (Decimal("6"), 2)
    assert score.history.first().history_change_reason == corrections.correction_reason(request)
