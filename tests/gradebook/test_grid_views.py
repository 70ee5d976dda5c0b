"""The score grid pages: who sees what, the JSON save, a cell's history, and query counts."""

import datetime
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from gradebook.models import Score
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from schoolrecords import services as setup
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

TX, GK, CK = Score.Kind.REGULAR, Score.Kind.MIDTERM, Score.Kind.FINAL
COLUMNS = [(TX, 1), (TX, 2), (TX, 3), (TX, 4), (GK, 1), (CK, 1)]  # Toán: 140 periods, four ĐĐGtx


def url(name: str, assignment, number: int = 1) -> str:
    return reverse(f"gradebook:{name}", args=(assignment.pk, number))


def studying(demo, class_name: str = "6A1") -> list[sm.Enrolment]:
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class(class_name),
                                            status=sm.Enrolment.Status.STUDYING).select_related("student")
                .order_by("pk"))


def term(demo, number: int) -> sm.Term:
    return demo.year.terms.get(number=number)


def cell(enrolment, kind, index, text, version=None) -> dict:
    return {"enrolment": enrolment.pk, "kind": kind, "index": index, "text": text, "version": version}


def post_cells(client, assignment, cells, *, number: int = 1, source: str = "typed", **extra):
    return client.post(url("grid_save", assignment, number), data=json.dumps({"source": source, "cells": cells}),
                       content_type="application/json", **extra)


def service_save(demo, cells, *, number: int = 1, reason: str = "test"):
    result = scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                         term=term(demo, number), cells=cells, reason=reason)
    assert result.ok, [problem.message for problem in result.problems]
    return result


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def add_students(demo, count: int, prefix: str = "GRIDV") -> list[sm.Enrolment]:
    board = demo.user("board")
    added = []
    for number in range(count):
        student = setup.student_save(actor=board, school=demo.school, code=f"{prefix}{number:03d}",
                                     full_name=f"Trần Thị Thêm {number}", date_of_birth=datetime.date(2014, 5, 5),
                                     gender=sm.Student.Gender.FEMALE)
        added.append(setup.enrolment_create(actor=board, student=student, school_class=demo.school_class("6A1")))
    return added


# --- the page ----------------------------------------------------------------------------------


def test_the_teacher_gets_an_input_for_every_cell_under_the_ledgers_headings(demo, login):
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")

    first = client.get(url("grid", math, 1))
    second = client.get(url("grid", math, 2))

    assert first.status_code == second.status_code == 200
    page = first.content.decode()
    for heading in ("ĐĐGtx1", "ĐĐGtx4", "ĐĐGgk", "ĐĐGck", "ĐTBmhk"):
        assert f">{heading}</th>" in page
    assert "ĐTBmcn" not in page and ">ĐTBmcn</th>" in second.content.decode()
    assert page.count('<input class="cell"') == 40 * 6  # the transferred student left in term II, not before
    assert url("grid_save", math, 1) in page and url("grid_export", math, 1) in page
    assert url("grid_import", math, 1) in page


def test_a_comment_subject_takes_pass_or_not_yet_in_text_cells(demo, login):
    response = login("gv_gdtc").get(url("grid", demo.assignment("6A1", "gdtc")))

    page = response.content.decode()
    assert page.count('<input class="cell"') == 40 * 5  # 70 periods: three ĐĐGtx, ĐĐGgk, ĐĐGck
    assert 'inputmode="text"' in page and 'inputmode="decimal"' not in page
    assert "CĐ" in page  # the keyboard help names the two results


def test_scores_show_with_a_decimal_comma_and_the_average_only_once_the_row_is_complete(demo, login):
    enrolment = studying(demo)[0]
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")
    service_save(demo, [CellInput(enrolment.pk, TX, 1, "7.5"), CellInput(enrolment.pk, TX, 2, "8")])

    incomplete = client.get(url("grid", math)).content.decode()
    service_save(demo, [CellInput(enrolment.pk, kind, index, text)
                        for (kind, index), text in zip(COLUMNS[2:], ["9", "6", "7", "8"], strict=True)])
    complete = client.get(url("grid", math)).content.decode()

    assert 'value="7,5"' in incomplete
    assert '<td class="avg" data-col="term"></td>' in incomplete  # empty, not 0
    assert '<td class="avg" data-col="term">7,6</td>' in complete  # (7.5 + 8 + 9 + 6 + 2×7 + 3×8) / 9


def test_a_transferred_student_is_greyed_with_the_date_they_left(demo, login):
    response = english(login("teacher_math")).get(url("grid", demo.assignment("6A1", "toan"), 2))

    page = response.content.decode()
    assert page.count('class="left"') == 1
    assert f"(transferred 16/02/{DEMO_YEAR.first + 1})" in page


def test_a_student_who_left_before_the_term_is_shown_read_only(demo, login):
    leaving = studying(demo)[0]
    setup.enrolment_end(actor=demo.user("board"), enrolment=leaving, status=sm.Enrolment.Status.DROPPED,
                        end_date=DEMO_YEAR.on(12, 1), reason="Nghỉ học")
    client = english(login("teacher_math"))

    page = client.get(url("grid", demo.assignment("6A1", "toan"), 2)).content.decode()

    row = page[page.index(f'data-e="{leaving.pk}"'):]
    row = row[:row.index("</tr>")]
    assert 'class="left readonly"' in row and f"(left school 01/12/{DEMO_YEAR.first})" in row
    assert '<input class="cell"' not in row
    # 38 still studying, and the student transferred in February still has term II's first weeks.
    assert page.count('<input class="cell"') == (38 + 1) * 6


@pytest.mark.parametrize("username", ["homeroom_6a1", "head_math", "vice", "principal"])
def test_readers_see_the_grid_without_inputs_or_import(demo, login, username):
    math = demo.assignment("6A1", "toan")
    service_save(demo, [CellInput(studying(demo)[0].pk, TX, 1, "9,5")])

    response = login(username).get(url("grid", math))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<input class="cell"' not in page and url("grid_import", math) not in page
    assert ">9,5</td>" in page and "has-history" in page
    assert url("grid_export", math) in page


@pytest.mark.parametrize("username", ["gv_anh2", "gv_tin", "board", "clerk"])
def test_other_staff_are_refused_every_grid_page(demo, login, username):
    client = login(username)
    math = demo.assignment("6A1", "toan")
    enrolment = studying(demo)[0]

    assert client.get(url("grid", math)).status_code == 403
    assert client.get(url("grid_export", math)).status_code == 403
    assert client.get(url("grid_import", math)).status_code == 403
    assert client.get(url("grid_history", math), {"enrolment": enrolment.pk, "column": "tx1"}).status_code == 403
    response = post_cells(client, math, [cell(enrolment, TX, 1, "8")])
    assert response.status_code == 403 and response.json()["error"]
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_another_schools_grid_is_not_found(demo, login, other_school):
    client = login("principal")
    theirs = other_school["assignment"]

    for name in ("grid", "grid_export", "grid_import"):
        assert client.get(url(name, theirs)).status_code == 404
    assert client.get(url("grid_history", theirs),
                      {"enrolment": other_school["enrolment"].pk, "column": "tx1"}).status_code == 404
    assert post_cells(client, theirs, [cell(other_school["enrolment"], TX, 1, "8")]).status_code == 404


def test_an_unknown_assignment_or_term_is_not_found(demo, login):
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")

    assert client.get(reverse("gradebook:grid", args=(999999, 1))).status_code == 404
    assert client.get(f"/scores/{math.pk}/term/3/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_and_a_save_is_refused(demo, client):
    math = demo.assignment("6A1", "toan")

    assert client.get(url("grid", math)).status_code == 302
    response = post_cells(client, math, [cell(studying(demo)[0], TX, 1, "8")])
    assert response.status_code == 401 and response.json()["error"]
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


# --- saving ------------------------------------------------------------------------------------


def test_a_save_answers_each_cell_and_the_rows_new_average(demo, login):
    enrolment = studying(demo)[0]
    client = login("teacher_math")
    texts = ["7,5", "8", "9", "6", "7", "8"]

    response = post_cells(client, demo.assignment("6A1", "toan"),
                          [cell(enrolment, kind, index, text) for (kind, index), text in zip(COLUMNS, texts,
                                                                                             strict=True)])

    data = response.json()
    assert response.status_code == 200
    assert [(c["outcome"], c["text"], c["version"]) for c in data["cells"]] == [
        ("saved", "7,5", 1), ("saved", "8", 1), ("saved", "9", 1), ("saved", "6", 1), ("saved", "7", 1),
        ("saved", "8", 1)]
    assert data["rows"] == [{"enrolment": enrolment.pk, "term": "7,6"}]
    assert Score.objects.get(enrolment=enrolment, kind=TX, index=1).value == pytest.approx(7.5)


def test_the_average_stays_empty_until_the_row_is_complete(demo, login):
    enrolment = studying(demo)[0]

    response = post_cells(login("teacher_math"), demo.assignment("6A1", "toan"), [cell(enrolment, GK, 1, "7")])

    assert response.json()["rows"] == [{"enrolment": enrolment.pk, "term": ""}]


def test_term_two_answers_the_year_average_too(demo, login):
    enrolment = studying(demo)[0]
    service_save(demo, [CellInput(enrolment.pk, kind, index, "8") for kind, index in COLUMNS], number=1)

    response = post_cells(login("teacher_math"), demo.assignment("6A1", "toan"),
                          [cell(enrolment, kind, index, "7") for kind, index in COLUMNS], number=2, source="paste")

    assert response.json()["rows"] == [{"enrolment": enrolment.pk, "term": "7,0", "year": "7,3"}]


def test_a_comment_subject_answers_pass_or_not_yet_and_a_conflicting_row_gets_its_current_result(demo, login):
    # Giáo dục thể chất: three ĐĐGtx, results Đ / CĐ.
    passing, failing, untouched = studying(demo)[:3]
    pe = demo.assignment("6A1", "gdtc")
    slots = [(TX, 1), (TX, 2), (TX, 3), (GK, 1), (CK, 1)]
    earlier = scores_save(session="test-session", actor=demo.user("gv_gdtc"), assignment=pe, term=term(demo, 1), reason="test",
                          cells=[CellInput(failing.pk, GK, 1, "CĐ")])
    client = login("gv_gdtc")

    response = post_cells(client, pe, [cell(passing, kind, index, "Đ") for kind, index in slots]
                          + [cell(failing, GK, 1, "Đ")])  # the screen still shows failing's GK empty

    data = response.json()
    assert [c["outcome"] for c in data["cells"]] == ["saved"] * 5 + ["conflict"]
    assert data["cells"][-1]["version"] == earlier.cells[0].version
    rows = {row["enrolment"]: row for row in data["rows"]}
    assert rows == {passing.pk: {"enrolment": passing.pk, "term": "Đ"},
                    failing.pk: {"enrolment": failing.pk, "term": ""}}
    assert untouched.pk not in rows


def test_an_invalid_pasted_cell_gets_the_vietnamese_message_and_the_others_still_save(demo, login):
    first, second = studying(demo)[:2]
    cells = [cell(first, TX, 1, "8"), cell(first, TX, 2, "11"), cell(second, TX, 1, "7,25"), cell(second, TX, 2, "5")]

    response = post_cells(login("teacher_math"), demo.assignment("6A1", "toan"), cells, source="paste")

    outcomes = [(c["outcome"], c["message"]) for c in response.json()["cells"]]
    assert outcomes[0] == ("saved", "") and outcomes[3] == ("saved", "")
    assert outcomes[1] == ("invalid", "Điểm phải từ 0 đến 10.")
    assert outcomes[2][0] == "invalid" and "7,5" in outcomes[2][1]
    assert Score.objects.filter(enrolment__school_class__year__is_current=True).count() == 2


def test_the_history_reason_says_whether_cells_were_typed_or_pasted(demo, login):
    first, second = studying(demo)[:2]
    client = english(login("teacher_math"))
    math = demo.assignment("6A1", "toan")

    post_cells(client, math, [cell(first, TX, 1, "8")], source="typed")
    post_cells(client, math, [cell(second, TX, 1, "8")], source="paste")

    reasons = dict(Score.history.filter(enrolment__school_class__year__is_current=True)
                   .values_list("enrolment_id", "history_change_reason"))
    assert reasons == {first.pk: "Entered in the score grid", second.pk: "Pasted into the score grid"}


def test_a_save_against_an_old_version_is_a_conflict_showing_the_current_value(demo, login):
    enrolment = studying(demo)[0]
    service_save(demo, [CellInput(enrolment.pk, TX, 1, "7")])  # someone saved while the screen showed empty
    math = demo.assignment("6A1", "toan")

    response = post_cells(login("teacher_math"), math, [cell(enrolment, TX, 1, "9", version=None)])

    [result] = response.json()["cells"]
    assert result["outcome"] == "conflict" and result["text"] == "7" and result["version"] == 1
    assert "7" in result["message"]
    assert Score.objects.get(enrolment__school_class__year__is_current=True).value == 7


def test_a_make_up_result_keeps_its_status_when_the_grid_sends_it(demo, login):
    enrolment = studying(demo)[0]
    service_save(demo, [CellInput(enrolment.pk, GK, 1, "5", status=Score.Status.MADE_UP)])

    response = post_cells(login("teacher_math"), demo.assignment("6A1", "toan"),
                          [{**cell(enrolment, GK, 1, "6", version=1), "status": "made_up"}])

    assert response.json()["cells"][0]["status"] == "made_up"
    assert Score.objects.get(enrolment__school_class__year__is_current=True).status == Score.Status.MADE_UP


@pytest.mark.parametrize("username", ["homeroom_6a1", "head_math", "principal"])
def test_only_the_assigned_teacher_may_save(demo, login, username):
    response = post_cells(login(username), demo.assignment("6A1", "toan"), [cell(studying(demo)[0], TX, 1, "8")])

    assert response.status_code == 403
    assert response.json()["error"] == "Chỉ giáo viên được phân công dạy môn này ở lớp này mới được nhập điểm."
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"cells": []}', b'{"cells": [1]}',
    b'{"cells": [{"enrolment": true, "kind": "tx", "index": 1, "text": "8"}]}',
    b'{"cells": [{"enrolment": 1, "kind": "xx", "index": 1, "text": "8"}]}',
    b'{"cells": [{"enrolment": 1, "kind": "tx", "index": 9, "text": "8"}]}',
    b'{"cells": [{"enrolment": 1, "kind": "tx", "index": 1, "text": 8}]}',
    b'{"cells": [{"enrolment": 1, "kind": "tx", "index": 1, "text": "8", "version": 0}]}',
    b'{"cells": [{"enrolment": 1, "kind": "tx", "index": 1, "text": "8", "status": "lost"}]}',
])
def test_a_malformed_save_is_refused_whole(demo, login, body):
    client = login("teacher_math")

    response = client.post(url("grid_save", demo.assignment("6A1", "toan")), data=body,
                           content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_block_larger_than_a_class_could_paste_is_refused_whole(demo, login):
    enrolment = studying(demo)[0]
    cells = [cell(enrolment, TX, 1, "8")] * 1001

    response = post_cells(login("teacher_math"), demo.assignment("6A1", "toan"), cells)

    assert response.status_code == 400 and not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_save_needs_the_csrf_token_in_its_header(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.user("teacher_math"))
    math = demo.assignment("6A1", "toan")
    page = client.get(url("grid", math)).content.decode()
    token = page.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]
    cells = [cell(studying(demo)[0], TX, 1, "8")]

    assert post_cells(client, math, cells).status_code == 403
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()
    assert post_cells(client, math, cells, HTTP_X_CSRFTOKEN=token).status_code == 200
    assert Score.objects.filter(enrolment__school_class__year__is_current=True).count() == 1


def test_the_save_url_only_takes_posts(demo, login):
    assert login("teacher_math").get(url("grid_save", demo.assignment("6A1", "toan"))).status_code == 405


# --- a cell's history ----------------------------------------------------------------------------


def test_a_cells_history_fragment_lists_who_when_old_new_and_why(demo, login):
    enrolment = studying(demo)[0]
    service_save(demo, [CellInput(enrolment.pk, GK, 1, "6")], reason="Nhập điểm giữa kì")
    service_save(demo, [CellInput(enrolment.pk, GK, 1, "6,5", expected_version=1)], reason="Chấm lại")
    client = login("homeroom_6a1")

    response = client.get(url("grid_history", demo.assignment("6A1", "toan")),
                          {"enrolment": enrolment.pk, "column": "gk"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.index("Chấm lại") < page.index("Nhập điểm giữa kì")  # newest first
    assert '<span class="old">6</span> → <b class="new">6,5</b>' in page
    assert page.count("Đỗ Thị Mai") == 2 and enrolment.student.full_name in page


def test_the_history_without_the_grid_is_a_whole_page(demo, login):
    enrolment = studying(demo)[0]
    client = english(login("teacher_math"))

    response = client.get(url("grid_history", demo.assignment("6A1", "toan")), {"enrolment": enrolment.pk,
                                                                                "column": "tx3"})

    page = response.content.decode()
    assert "<html" in page and "Nothing has been entered in this cell yet." in page


@pytest.mark.parametrize("params", [{"column": "tx1"}, {"enrolment": "x", "column": "tx1"},
                                    {"enrolment": "{other}", "column": "tx1"}, {"enrolment": "{mine}", "column": "tx9"},
                                    {"enrolment": "{mine}", "column": "avg"}])
def test_the_history_of_no_such_cell_is_not_found(demo, login, params):
    mine, other = studying(demo)[0], studying(demo, "6A2")[0]
    params = {key: value.format(mine=mine.pk, other=other.pk) for key, value in params.items()}

    response = login("teacher_math").get(url("grid_history", demo.assignment("6A1", "toan")), params)

    assert response.status_code == 404


# --- queries -----------------------------------------------------------------------------------


def _fill(demo, enrolments):
    for number in (1, 2):
        service_save(demo, [CellInput(enrolment.pk, kind, index, "7,5") for enrolment in enrolments
                            for kind, index in COLUMNS], number=number)


# The session, its user and their profile with its school; the term; the grid (the assignment, global and
# object permissions, whether the class's results are approved, the entry windows, the locks, the exempt students, the
# students an individual education plan assesses otherwise, the periods, the class list, the scores of both terms); the teacher's name; the site's context processor (current year,
# roles).
PAGE_QUERIES = 20


def test_the_grid_page_costs_the_same_queries_for_40_and_50_students(demo, client, django_assert_num_queries):
    math = demo.assignment("6A1", "toan")
    client.force_login(demo.user("teacher_math"))
    _fill(demo, studying(demo))
    pages = []
    for size in (40, 50):
        if size == 50:
            _fill(demo, add_students(demo, 10))
        with django_assert_num_queries(PAGE_QUERIES):
            pages.append(client.get(url("grid", math, 2)).content.decode())

    assert [page.count("<tr data-e=") for page in pages] == [40, 50]
    assert pages[1].count('<td class="avg" data-col="year">7,5</td>') == 49  # the transferred student too, minus one


# The session, its user and their profile with its school; the term; scores_save in its transaction (the
# assignment, global and object permissions, the term's gate (shared, gradebook.gate.pass_term_gate),
# whether the results are approved with the term's rules version, the exempt students, the periods,
# the students an individual education plan assesses otherwise, the enrolments, the locked rows, then a
# savepoint around the new rows and their history rows, and the touched rows' scores of both terms, for
# their averages in the answer). The windows and the locks come from the cache, kept there by the term's
# first save under its rules version (gradebook.entry._cached_rows): two queries more for that one save.
SAVE_QUERIES = 23


def _warm(client, assignment, enrolment, number: int) -> None:
    """A first save of the term, which reads its windows and locks into the cache (SAVE_QUERIES + 2); it sends
    an empty cell as empty, so it writes nothing."""
    answer = post_cells(client, assignment, [cell(enrolment, "tx", 4, "")], number=number).json()
    assert [c["outcome"] for c in answer["cells"]] == ["unchanged"]


def test_saving_one_cell_or_a_pasted_45_by_6_block_costs_the_same_queries(demo, client,
                                                                          django_assert_num_queries):
    math = demo.assignment("6A1", "toan")
    enrolments = studying(demo) + add_students(demo, 6)
    assert len(enrolments) == 45
    client.force_login(demo.user("teacher_math"))
    block = [cell(enrolment, kind, index, "7,5") for enrolment in enrolments for kind, index in COLUMNS]
    answers = []
    for cells, number in (([block[0]], 2), (block, 1)):
        _warm(client, math, enrolments[-1], number)
        with django_assert_num_queries(SAVE_QUERIES):
            answers.append(post_cells(client, math, cells, number=number, source="paste").json())

    assert [len(answer["cells"]) for answer in answers] == [1, 270]
    assert all(c["outcome"] == "saved" for answer in answers for c in answer["cells"])
    assert len(answers[1]["rows"]) == 45 and {row["term"] for row in answers[1]["rows"]} == {"7,5"}
    assert Score.history.filter(enrolment__school_class__year__is_current=True).count() == 271


# Over existing scores (the deadline rush's usual save): the rows are updated with their history rows, two
# queries fewer than a savepoint around new rows.
SAVE_OVER_SCORES_QUERIES = SAVE_QUERIES - 2


def test_a_typed_cell_and_a_pasted_column_of_40_cost_the_same_queries_in_classes_of_40_and_50(
        demo, login, django_assert_num_queries):
    math = demo.assignment("6A1", "toan")
    client = login("teacher_math")  # the session that _fill's saves name: its scores are still the teacher's to type over
    enrolments = studying(demo) + add_students(demo, 1, prefix="GRIDW")
    _fill(demo, enrolments)  # over existing rows, with their versions, as in the deadline rush
    warm = post_cells(client, math, [cell(enrolments[0], "tx", 1, "7,5")], number=1).json()  # the value it holds
    assert [c["outcome"] for c in warm["cells"]] == ["unchanged"]  # writes nothing; the rules are now cached
    answers = []
    for size in (40, 50):
        if size == 50:
            enrolments += add_students(demo, 10)
            _fill(demo, enrolments[40:])
        assert len(enrolments) == size
        typed, pasted = ("6", "9") if size == 40 else ("5", "8,5")  # always a change
        for source, chosen, text in (("typed", enrolments[1:2], typed), ("paste", enrolments[-40:], pasted)):
            versions = dict(Score.objects.filter(enrolment__in=chosen, subject_id=math.subject_id,
                                                 term=term(demo, 1), kind="tx", index=2)
                            .values_list("enrolment_id", "version"))
            cells = [cell(enrolment, "tx", 2, text, versions.get(enrolment.pk)) for enrolment in chosen]
            with django_assert_num_queries(SAVE_OVER_SCORES_QUERIES):
                answers.append(post_cells(client, math, cells, number=1, source=source).json())

    assert [len(answer["cells"]) for answer in answers] == [1, 40, 1, 40]
    assert all(c["outcome"] == "saved" for answer in answers for c in answer["cells"])
    assert [len(answer["rows"]) for answer in answers] == [1, 40, 1, 40]  # the averages of the touched rows only
