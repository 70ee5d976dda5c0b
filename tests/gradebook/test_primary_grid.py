"""The primary subject grid: levels, test scores and comments at a point; refusals cell by cell and
for the whole sheet; who may write; the approval lock; the pages, their entry points and query counts."""

import datetime
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gradebook.models import PrimaryAssessment, ResultApproval, ScoreLock
from gradebook.primary import selectors
from gradebook.primary.selectors import NotPrimary
from gradebook.primary.services import CellInput, Outcome, primary_save
from schoolrecords import models as sm
from schoolrecords import services as setup
from seed import primary as seed

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 3)  # mid-term I is past (seeded), end of term I is being assessed


class School:
    def __init__(self):
        built = seed.build_primary_school(seed.PrimarySize(classes_per_grade=1, students_per_class=4), today=TODAY)
        self.school, self.year, self.users = built["school"], built["year"], built["users"]
        self.classes = built["classes"]

    def user(self, name):
        return self.users[name]

    def assignment(self, class_name: str, code: str) -> sm.TeachingAssignment:
        return sm.TeachingAssignment.objects.get(school_class=self.classes[class_name], subject__code=code,
                                                 end_date__isnull=True)

    def students(self, class_name: str = "1A1") -> list[sm.Enrolment]:
        return list(sm.Enrolment.objects.filter(school_class=self.classes[class_name]).order_by("pk"))


@pytest.fixture(scope="module")
def school(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield School()
        transaction.set_rollback(True)


def save(school, cells, *, point="ck1", code="toan", actor="th_teacher", class_name="1A1"):
    return primary_save(actor=school.user(actor), assignment=school.assignment(class_name, code), point=point,
                        cells=cells, reason="test")


def held(enrolment, subject_code, point) -> PrimaryAssessment | None:
    return PrimaryAssessment.objects.filter(enrolment=enrolment, subject__code=subject_code, point=point).first()


# --- the service --------------------------------------------------------------------------------


def test_levels_typed_in_lower_case_are_saved_as_letters_with_who_and_why(school):
    first, second = school.students()[:2]

    result = save(school, [CellInput(first.pk, "level", "t"), CellInput(second.pk, "level", "h"),
                           CellInput(first.pk, "comment", "  Đọc   to, rõ ràng. ")])

    assert result.ok
    assert [cell.text for cell in result.cells] == ["T", "H", "Đọc to, rõ ràng."]
    row = held(first, "toan", "ck1")
    assert (row.level, row.comment, row.updated_by) == ("T", "Đọc to, rõ ràng.", school.user("th_teacher"))
    history = row.history.latest()
    assert (history.history_user, history.history_change_reason) == (school.user("th_teacher"), "test")


def test_a_test_score_where_the_subject_has_a_test_and_bad_values_refused_cell_by_cell(school):
    a, b, c, d = school.students()

    with translation.override("vi"):
        result = save(school, [CellInput(a.pk, "test", "8"), CellInput(b.pk, "test", "7,5"),
                               CellInput(c.pk, "test", "11"), CellInput(d.pk, "test", "X"),
                               CellInput(b.pk, "level", "X")])

    outcomes = [cell.outcome for cell in result.cells]
    assert outcomes == [Outcome.SAVED, Outcome.INVALID, Outcome.INVALID, Outcome.INVALID, Outcome.INVALID]
    assert held(a, "toan", "ck1").test_score == 8
    assert "số nguyên" in result.cells[1].message.lower() or "7,5" in result.cells[1].message
    assert result.cells[2].message and result.cells[3].message and result.cells[4].message
    assert all(held(e, "toan", "ck1") is None or held(e, "toan", "ck1").test_score is None for e in (b, c, d))
    assert held(b, "toan", "ck1") is None or held(b, "toan", "ck1").level == ""


def test_the_vietnamese_message_of_a_decimal_test_score(school):
    student = school.students()[0]
    with translation.override("vi"):
        result = save(school, [CellInput(student.pk, "test", "7,5")])
    message = result.cells[0].message
    assert message != "Primary test scores are whole numbers: write 7 or 8, not 7.5."
    assert message  # translated by the catalogue


def test_no_test_column_where_the_grade_has_no_test_at_that_point(school):
    student = school.students()[0]

    at_mid_term = save(school, [CellInput(student.pk, "test", "9")], point="gk1")
    no_test_subject = save(school, [CellInput(student.pk, "test", "9")], code="dd")

    assert at_mid_term.cells[0].outcome == no_test_subject.cells[0].outcome == Outcome.REFUSED
    assert not selectors.has_test(school.assignment("1A1", "toan"), selectors.point_of("gk1"))
    assert selectors.has_test(school.assignment("4A1", "toan"), selectors.point_of("gk1"))


def test_a_secondary_column_in_a_tt27_year_is_refused(school):
    student = school.students()[0]

    result = save(school, [CellInput(student.pk, "tx", "8"), CellInput(student.pk, "ck", "8"),
                           CellInput(student.pk, "level", "T", index=2)])

    assert {cell.outcome for cell in result.cells} == {Outcome.REFUSED}
    assert held(student, "toan", "ck1") is None


def test_a_student_who_left_or_of_another_class_is_refused(school):
    first = school.students()[0]
    other_class = school.students("2A1")[0]
    setup.enrolment_end(actor=school.user("th_board"), enrolment=first, status=sm.Enrolment.Status.TRANSFERRED_OUT,
                        end_date=datetime.date(2026, 11, 20), reason="Chuyển trường")

    result = save(school, [CellInput(first.pk, "level", "T"), CellInput(other_class.pk, "level", "T")])

    assert [cell.outcome for cell in result.cells] == [Outcome.REFUSED, Outcome.REFUSED]


def test_only_the_assigned_teacher_writes(school):
    student = school.students()[0]
    for name in ("th_gv_2a1", "th_principal", "th_board"):
        with pytest.raises(PermissionDenied):
            save(school, [CellInput(student.pk, "level", "T")], actor=name)
    # The specialist teaches Âm nhạc in 1A1: theirs to write, not the homeroom teacher's.
    assert save(school, [CellInput(student.pk, "level", "T")], code="amnhac", actor="th_gv_amnhac").ok
    with pytest.raises(PermissionDenied):
        save(school, [CellInput(student.pk, "level", "T")], code="amnhac")


def test_approved_term_one_freezes_its_points_and_the_approved_year_every_point(school):
    student = school.students()[1]
    klass = school.classes["1A1"]
    term1 = school.year.terms.get(number=1)
    ResultApproval.objects.create(school_class=klass, term=term1, approved_by=school.user("th_principal"))

    with translation.override("en"), pytest.raises(PermissionDenied, match="term I"):
        save(school, [CellInput(student.pk, "level", "T")], point="ck1")
    with pytest.raises(PermissionDenied):
        save(school, [CellInput(student.pk, "level", "T")], point="gk1")
    assert save(school, [CellInput(student.pk, "level", "T")], point="gk2").ok

    ResultApproval.objects.create(school_class=klass, term=None, approved_by=school.user("th_principal"))
    with translation.override("en"), pytest.raises(PermissionDenied, match="year"):
        save(school, [CellInput(student.pk, "level", "H")], point="cn")
    assert held(student, "toan", "gk2").level == "T"


def test_the_principals_book_lock_of_a_term_freezes_its_two_points(school):
    student = school.students()[1]
    ScoreLock.objects.create(term=school.year.terms.get(number=2), locked_by=school.user("th_principal"))

    with translation.override("en"), pytest.raises(PermissionDenied, match="locked the book of term II"):
        save(school, [CellInput(student.pk, "level", "T")], point="cn")
    assert save(school, [CellInput(student.pk, "level", "T")], point="ck1").ok
    page = client_for(school, "th_teacher").get(grid_url(school.assignment("1A1", "toan"), "gk2")).content.decode()
    assert 'id="grid-locked"' in page and 'class="cell"' not in page


def test_a_subject_outside_the_classs_own_set_is_refused(school):
    klass = school.classes["1A1"]
    sm.ClassSubject.objects.create(school_class=klass, subject=sm.Subject.objects.get(school=school.school, code="tv"),
                                   periods_per_year=420)
    student = school.students()[0]

    with pytest.raises(PermissionDenied):
        save(school, [CellInput(student.pk, "level", "T")], code="toan")
    assert save(school, [CellInput(student.pk, "level", "T")], code="tv").ok


def test_a_tt22_assignment_is_not_a_primary_grid_and_the_reverse(school, demo):
    with pytest.raises(NotPrimary):
        primary_save(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), point="ck1",
                     cells=[CellInput(1, "level", "T")])
    from gradebook import lookups

    with pytest.raises(lookups.PrimaryAssignment):
        lookups.assignment_for_scores(school.assignment("1A1", "toan"))


def test_an_unchanged_value_writes_no_history(school):
    student = school.students()[2]
    save(school, [CellInput(student.pk, "level", "C")])
    before = PrimaryAssessment.history.count()

    again = save(school, [CellInput(student.pk, "level", "c"), CellInput(school.students()[3].pk, "level", "")])

    assert [cell.outcome for cell in again.cells] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert PrimaryAssessment.history.count() == before


# --- the pages ---------------------------------------------------------------------------------


def client_for(school, name: str, language: str = "vi") -> Client:
    client = Client()
    client.force_login(school.user(name))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def grid_url(assignment, point="ck1", name="primary_grid") -> str:
    return reverse(f"gradebook:{name}", args=(assignment.pk, point))


def post(client, assignment, cells, point="ck1"):
    return client.post(grid_url(assignment, point, "primary_grid_save"),
                       data=json.dumps({"source": "paste", "cells": cells}), content_type="application/json")


def test_the_teacher_gets_level_test_and_comment_inputs_at_the_end_of_term_one(school):
    client = client_for(school, "th_teacher", "en")
    math = school.assignment("1A1", "toan")

    page = client.get(grid_url(math)).content.decode()
    mid = client.get(grid_url(math, "gk1")).content.decode()

    assert page.count('data-k="level"') == 4 and page.count('data-k="test"') == 4
    assert page.count('class="cell"') == 12
    assert 'data-k="test"' not in mid and 'id="no-test"' in mid
    assert "grid.js" in page and '"saveUrl": "/scores/primary/' in page


def test_the_json_save_answers_each_cell_in_the_shape_of_the_grid_script(school):
    client = client_for(school, "th_teacher")
    math = school.assignment("1A1", "toan")
    a, b = school.students()[:2]

    response = post(client, math, [{"enrolment": a.pk, "kind": "level", "index": 1, "text": "t", "version": None},
                                   {"enrolment": b.pk, "kind": "test", "index": 1, "text": "7,5"}])

    assert response.status_code == 200
    cells = response.json()["cells"]
    assert [(c["outcome"], c["text"]) for c in cells] == [("saved", "T"), ("invalid", "")]
    assert cells[1]["message"]
    assert held(a, "toan", "ck1").level == "T"


def test_refusals_of_the_save(school, demo):
    math = school.assignment("1A1", "toan")
    student = school.students()[0]
    cell = [{"enrolment": student.pk, "kind": "level", "text": "T"}]

    assert post(Client(), math, cell).status_code == 401
    assert post(client_for(school, "th_gv_2a1"), math, cell).status_code == 403
    assert post(client_for(school, "th_principal"), math, cell).status_code == 403
    foreign = Client()
    foreign.force_login(demo.user("teacher_math"))
    assert post(foreign, math, cell).status_code == 404
    assert foreign.get(grid_url(math)).status_code == 404
    assert post(client_for(school, "th_teacher"), math, [{"enrolment": "x"}]).status_code == 400
    assert held(student, "toan", "ck1") is None


def test_readers_and_others(school, demo):
    math = school.assignment("1A1", "toan")
    assert client_for(school, "th_principal").get(grid_url(math)).status_code == 200
    assert client_for(school, "th_gv_2a1").get(grid_url(math)).status_code == 403
    assert client_for(school, "th_teacher").get(grid_url(math, "xx")).status_code == 404
    page = client_for(school, "th_principal", "en").get(grid_url(math)).content.decode()
    assert 'class="cell"' not in page and "Read only" in page


def test_the_wrong_grid_is_a_404_that_says_which_grid_to_use(school, demo):
    primary_math = school.assignment("1A1", "toan")
    teacher = client_for(school, "th_teacher", "en")

    secondary_url = reverse("gradebook:grid", args=(primary_math.pk, 1))
    response = teacher.get(secondary_url)
    assert response.status_code == 404
    assert "primary grid" in response.content.decode() and grid_url(primary_math, "gk1") in response.content.decode()

    secondary = Client()
    secondary.force_login(demo.user("teacher_math"))
    secondary.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = secondary.get(grid_url(demo.assignment("6A1", "toan")))
    assert response.status_code == 404 and "does not follow TT27" in response.content.decode()


def test_the_history_of_a_cell(school):
    math = school.assignment("1A1", "toan")
    student = school.students()[1]
    save(school, [CellInput(student.pk, "level", "H")])
    save(school, [CellInput(student.pk, "level", "T")])

    response = client_for(school, "th_teacher").get(grid_url(math, name="primary_grid_history"),
                                                    {"enrolment": student.pk, "column": "level"},
                                                    HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    text = response.content.decode()
    assert text.index(">T<") < text.index(">H<")  # newest first


def test_the_teachers_home_lists_the_primary_grids_with_how_full_each_point_is(school):
    save(school, [CellInput(e.pk, "level", "T") for e in school.students()[:3]])

    page = client_for(school, "th_teacher", "en").get(reverse("home")).content.decode()

    assert 'id="todo-primary"' in page
    assert page.count("primary-grid-link") == 4 * sm.TeachingAssignment.objects.filter(
        teacher=school.user("th_teacher"), end_date__isnull=True).count()
    grids = {g.assignment.subject.code: g for g in selectors.teacher_grids(school.user("th_teacher"), school.year)}
    assert [p.filled for p in grids["toan"].points] == [4, 3, 0, 0]  # mid-term I seeded, end of term I: 3 typed
    assert "amnhac" not in grids  # the specialist's
    assert grid_url(school.assignment("1A1", "toan")) in page


def test_the_class_page_links_the_four_points_of_each_subject(school):
    page = client_for(school, "th_teacher").get(reverse("class_detail", args=(school.classes["1A1"].pk,)))
    text = page.content.decode()
    assert page.status_code == 200
    assert grid_url(school.assignment("1A1", "tv"), "cn") in text
    assert reverse("gradebook:grid", args=(school.assignment("1A1", "tv").pk, 1)) not in text


def _add_students(school, count: int) -> None:
    board = school.user("th_board")
    klass = school.classes["1A1"]
    for number in range(count):
        student = setup.student_save(actor=board, school=school.school, code=f"PGQ{klass.pk}-{number:03d}",
                                     full_name=f"Lê Thị Thêm {number}", date_of_birth=datetime.date(2020, 5, 5),
                                     gender=sm.Student.Gender.FEMALE)
        setup.enrolment_create(actor=board, student=student, school_class=klass)


@pytest.mark.parametrize("extra", [0, 30])
def test_the_grid_page_costs_the_same_queries_at_any_class_size(school, extra, django_assert_num_queries):
    _add_students(school, extra)
    client = client_for(school, "th_teacher")
    math = school.assignment("1A1", "toan")
    client.get(grid_url(math))  # the session and the user's permission caches

    with django_assert_num_queries(QUERIES_GRID):
        response = client.get(grid_url(math))
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 30])
def test_the_save_costs_the_same_queries_at_any_block_size(school, extra, django_assert_num_queries):
    _add_students(school, extra)
    client = client_for(school, "th_teacher")
    math = school.assignment("1A1", "toan")
    cells = [{"enrolment": e.pk, "kind": kind, "text": text}
             for e in school.students() for kind, text in (("level", "H"), ("test", "7"))]
    with django_assert_num_queries(QUERIES_SAVE):
        response = post(client, math, cells)
    assert response.status_code == 200 and all(c["outcome"] == "saved" for c in response.json()["cells"])


@pytest.mark.parametrize("extra", [0, 30])
def test_the_home_page_costs_the_same_queries_with_more_students(school, extra, django_assert_num_queries):
    _add_students(school, extra)
    client = client_for(school, "th_teacher")
    client.get(reverse("home"))
    with django_assert_num_queries(QUERIES_HOME):
        assert client.get(reverse("home")).status_code == 200


# The middleware's (session, user, profile, security checks) and the page's own: the assignment, the teacher's
# permissions, the class's subjects, the approvals, the class list, the assessments. The same at 4 and 34 students.
QUERIES_GRID = 15
QUERIES_SAVE = 20
QUERIES_HOME = 22
