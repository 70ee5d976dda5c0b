"""The board's yearly set-up screens: years, subjects and periods, classes, assignments and students."""

import datetime

import pytest
from django.urls import reverse

from schoolrecords import models as m
from schoolrecords import services
from schoolrecords.permissions import allowed
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

GOOD_YEAR = {
    "name": f"{DEMO_YEAR.next.name}", "start_date": f"05/09/{DEMO_YEAR.first + 1}", "end_date": f"31/05/{DEMO_YEAR.first + 2}",
    "term1_start": f"05/09/{DEMO_YEAR.first + 1}", "term1_end": f"16/01/{DEMO_YEAR.first + 2}", "term2_start": f"18/01/{DEMO_YEAR.first + 2}",
    "term2_end": f"25/05/{DEMO_YEAR.first + 2}", "make_current": "",
}


def test_board_creates_a_year_with_its_two_terms_typed_as_dd_mm_yyyy(demo, login):
    response = login("board").post(reverse("setup:year_list"), GOOD_YEAR)
    year = m.SchoolYear.objects.get(school=demo.school, name=f"{DEMO_YEAR.next.name}")
    assert response.status_code == 302
    assert [(t.number, t.start_date) for t in year.terms.order_by("number")] == [
        (1, DEMO_YEAR.next.on(9, 5)), (2, DEMO_YEAR.next.on(1, 18))]
    assert year.history.get().history_user.username == "board"
    assert not year.is_current  # the demo's year stays current unless asked


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [({"name": f"{DEMO_YEAR.first + 1}-{DEMO_YEAR.first + 3}"}, "name", "2025-2026"),  # the form's example
     ({"term2_start": f"01/01/{DEMO_YEAR.first + 2}"}, "term2_start", ""),
     ({"end_date": f"31/02/{DEMO_YEAR.first + 2}"}, "end_date", "")],
)
def test_a_wrong_year_is_refused_at_its_field_and_nothing_is_saved(demo, login, change, field, message):
    response = login("board").post(reverse("setup:year_list"), GOOD_YEAR | change)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert message in " ".join(response.context["form"].errors[field])
    assert not m.SchoolYear.objects.filter(name__in=[DEMO_YEAR.next.name, f"{DEMO_YEAR.first + 1}-{DEMO_YEAR.first + 3}"]).exists()
    assert not m.Term.objects.filter(start_date__gte=DEMO_YEAR.next.on(9, 1)).exists()


def test_term_dates_change_with_history(demo, login):
    term = demo.year.terms.get(number=2)
    response = login("board").post(reverse("setup:year_edit", args=[demo.year.pk]), {
        "term": term.pk, f"t{term.pk}-start_date": f"13/01/{DEMO_YEAR.first + 1}", f"t{term.pk}-end_date": f"24/05/{DEMO_YEAR.first + 1}"})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.start_date == DEMO_YEAR.on(1, 13)
    assert term.history.latest().history_user.username == "board"


def test_periods_matrix_sets_what_each_grade_studies(demo, login):
    informatics = demo.subject("tin")
    client = login("board")
    page = client.get(reverse("setup:periods", args=[demo.year.pk]))
    data = {name: field.initial or "" for name, field in page.context["form"].fields.items()}
    data[f"p_6_{informatics.pk}"] = "70"
    response = client.post(reverse("setup:periods", args=[demo.year.pk]), data)
    assert response.status_code == 302
    assert m.GradeSubject.objects.get(year=demo.year, grade=6, subject=informatics).periods_per_year == 70


def test_a_subject_still_taught_cannot_be_removed_from_a_grade(demo, login):
    math = demo.subject("toan")
    client = login("board")
    page = client.get(reverse("setup:periods", args=[demo.year.pk]))
    data = {name: field.initial or "" for name, field in page.context["form"].fields.items()}
    data[f"p_6_{math.pk}"] = ""
    response = client.post(reverse("setup:periods", args=[demo.year.pk]), data)
    assert response.status_code == 200
    assert "Toán" in " ".join(response.context["form"].non_field_errors())
    assert m.GradeSubject.objects.filter(year=demo.year, grade=6, subject=math).exists()


def test_board_creates_a_class_with_a_homeroom_teacher(demo, login):
    teacher = demo.user("gv_gdcd")
    response = login("board").post(reverse("setup:class_list", args=[demo.year.pk]),
                                   {"name": "6a3", "grade": "6", "homeroom_teacher": str(teacher.pk)})
    school_class = m.SchoolClass.objects.get(year=demo.year, name="6A3")
    assert response.status_code == 302
    assert allowed(demo.user("gv_gdcd"), "schoolrecords.homeroom_schoolclass", school_class)


def test_a_class_name_must_start_with_its_grade(demo, login):
    response = login("board").post(reverse("setup:class_list", args=[demo.year.pk]), {"name": "7B1", "grade": "6"})
    assert response.context["form"].errors["name"]
    assert not m.SchoolClass.objects.filter(name="7B1").exists()


def test_changing_a_teacher_moves_the_score_entry_right(demo, login):
    school_class, math = demo.school_class("6A1"), demo.subject("toan")
    newcomer = demo.user("head_math")
    client = login("board")
    page = client.get(reverse("setup:class_edit", args=[school_class.pk]))
    form = page.context["assignments_form"]
    data = {name: (form[name].initial or "") for name in form.fields} | {"save_assignments": "1"}
    data[f"s_{math.pk}"] = str(newcomer.pk)
    response = client.post(reverse("setup:class_edit", args=[school_class.pk]), data)
    assert response.status_code == 302
    new_assignment = demo.assignment("6A1", "toan")
    assert new_assignment.teacher == newcomer
    old = m.TeachingAssignment.objects.get(school_class=school_class, subject=math, teacher__username="teacher_math")
    assert old.end_date is not None
    assert not allowed(demo.user("teacher_math"), "schoolrecords.teach_assignment", old)
    assert allowed(demo.user("head_math"), "schoolrecords.teach_assignment", new_assignment)
    assert new_assignment.history.get().history_user.username == "board"


def test_a_transfer_ends_the_enrolment_but_keeps_it(demo, login):
    enrolment = m.Enrolment.objects.filter(school_class=demo.school_class("7A1")).first()
    response = login("board").post(reverse("setup:enrolment_end", args=[enrolment.pk]), {
        "status": "transferred_out", "end_date": f"02/03/{DEMO_YEAR.first + 1}", "reason": "Chuyển về Hải Phòng"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "transferred_out" and enrolment.end_date == DEMO_YEAR.on(3, 2)
    assert enrolment.history.latest().history_change_reason == "Chuyển về Hải Phòng"


def test_enrolments_are_never_deleted(demo):
    enrolment = m.Enrolment.objects.first()
    with pytest.raises(m.models.ProtectedError):
        enrolment.delete()
    assert m.Enrolment.objects.filter(pk=enrolment.pk).exists()


def test_adding_a_student_enrols_them_and_a_bad_date_saves_nothing(demo, login):
    school_class = demo.school_class("6A2")
    url = reverse("setup:class_edit", args=[school_class.pk])
    data = {"add_student": "1", "student-code": "HSNEW1", "student-full_name": "Lê Thị Mới",
            "student-date_of_birth": "30/02/2014", "student-gender": "female", "student-ethnicity": "Kinh"}
    client = login("board")
    response = client.post(url, data)
    assert response.context["student_form"].errors["date_of_birth"]
    assert not m.Student.objects.filter(code="HSNEW1").exists()
    response = client.post(url, data | {"student-date_of_birth": "28/02/2014"})
    assert response.status_code == 302
    assert m.Enrolment.objects.filter(student__code="HSNEW1", school_class=school_class).exists()


def test_a_student_added_on_the_class_page_with_an_arrival_date_is_a_transfer_in_due_from_that_day(demo, login):
    from gradebook.results.compute import load_class, missing_cells

    school_class = demo.school_class("6A2")
    url = reverse("setup:class_edit", args=[school_class.pk])
    data = {"add_student": "1", "student-code": "HSNEW2", "student-full_name": "Trần Văn Đến",
            "student-date_of_birth": "01/03/2014", "student-gender": "male", "student-ethnicity": "Kinh",
            "student-arrived_on": DEMO_YEAR.on(2, 2).strftime("%d/%m/%Y")}
    client = login("board")
    response = client.post(url, data)  # the school it comes from and the reason are missing
    errors = response.context["student_form"].errors
    assert set(errors) == {"other_school", "reason"}
    assert not m.Student.objects.filter(code="HSNEW2").exists()
    outside = data | {"student-other_school": "THCS Lê Lợi", "student-reason": "Gia đình chuyển nơi ở",
                      "student-arrived_on": DEMO_YEAR.next.on(7, 1).strftime("%d/%m/%Y")}
    response = client.post(url, outside)  # after the year's end: refused at the date, nothing half-saved
    assert list(response.context["student_form"].errors) == ["arrived_on"]
    assert not m.Student.objects.filter(code="HSNEW2").exists()

    response = client.post(url, outside | {"student-arrived_on": DEMO_YEAR.on(2, 2).strftime("%d/%m/%Y")})

    assert response.status_code == 302
    enrolment = m.Enrolment.objects.get(student__code="HSNEW2", school_class=school_class)
    assert enrolment.start_date == DEMO_YEAR.on(2, 2)
    movement = m.Movement.objects.get(student=enrolment.student)
    assert (movement.kind, movement.other_school, movement.date) == (
        m.Movement.Kind.TRANSFER_IN, "THCS Lê Lợi", DEMO_YEAR.on(2, 2))
    assert movement.history.get().history_user.username == "board"
    data = load_class(m.SchoolClass.objects.select_related("year").get(pk=school_class.pk))
    due_term_i = {each.pk for _info, _count, enrolments in missing_cells(data, 1) for each in enrolments}
    due_term_ii = {each.pk for _info, _count, enrolments in missing_cells(data, 2) for each in enrolments}
    assert enrolment.pk not in due_term_i and enrolment.pk in due_term_ii


def test_a_student_added_on_the_class_page_without_a_date_studies_from_the_years_start(demo, login):
    school_class = demo.school_class("6A2")
    response = login("board").post(reverse("setup:class_edit", args=[school_class.pk]), {
        "add_student": "1", "student-code": "HSNEW3", "student-full_name": "Phạm Thị Đầu",
        "student-date_of_birth": "01/03/2014", "student-gender": "female", "student-ethnicity": "Kinh"})
    assert response.status_code == 302
    enrolment = m.Enrolment.objects.get(student__code="HSNEW3", school_class=school_class)
    assert enrolment.start_date == school_class.year.start_date
    assert not m.Movement.objects.filter(student=enrolment.student).exists()


def test_a_new_student_with_the_code_of_another_schools_student_is_refused_at_the_code(demo, login, other_school):
    school_class = demo.school_class("6A2")
    client = login("board")
    response = client.post(reverse("setup:class_edit", args=[school_class.pk]), {
        "add_student": "1", "student-code": "X001", "student-full_name": "Trần Văn Xa",
        "student-date_of_birth": "01/03/2014", "student-gender": "male", "student-ethnicity": "Kinh"})
    assert list(response.context["student_form"].errors) == ["code"]
    assert "X001" in response.context["student_form"].errors["code"][0]
    response = client.post(reverse("setup:movements", args=[school_class.year.pk]), {
        "transfer_in-code": "X001", "transfer_in-full_name": "Trần Văn Xa", "transfer_in-date_of_birth": "01/03/2014",
        "transfer_in-gender": "male", "transfer_in-school_class": school_class.pk,
        "transfer_in-date": DEMO_YEAR.on(2, 2).strftime("%d/%m/%Y"), "transfer_in-other_school": "THCS Khác",
        "transfer_in-reason": "Chuyển nhà"})
    assert list(response.context["form"].errors) == ["code"]
    assert list(m.Student.objects.filter(code="X001").values_list("school", flat=True)) == [other_school["school"].pk]


def test_student_details_keep_their_history(demo, login):
    student = m.Student.objects.filter(school=demo.school).first()
    client = login("board")
    page = client.get(reverse("setup:student_edit", args=[student.pk]))
    data = {k: ("" if v is None else v) for k, v in page.context["form"].initial.items()}
    data["date_of_birth"] = student.date_of_birth.strftime("%d/%m/%Y")
    data["address"] = "Số 1, phường Mạo Khê"
    response = client.post(reverse("setup:student_edit", args=[student.pk]), data)
    assert response.status_code == 302
    latest = student.history.latest()
    assert latest.address == "Số 1, phường Mạo Khê" and latest.history_user.username == "board"
    page = client.get(reverse("setup:student_edit", args=[student.pk]))
    assert "Lê Minh Quang" in page.content.decode()  # the board member's name in the history table


def _add_classes(demo, count: int) -> None:
    board = demo.user("board")
    for index in range(count):
        school_class = services.school_class_save(actor=board, year=demo.year, name=f"9B{index}", grade=9,
                                                  homeroom_teacher=demo.user("gv_cn"))
        student = services.student_save(actor=board, school=demo.school, code=f"QC{index}", full_name="Ngô Văn Tư",
                                        date_of_birth=datetime.date(2011, 1, 1), gender="male")
        services.enrolment_create(actor=board, student=student, school_class=school_class)


@pytest.mark.parametrize("url_name", ["setup:class_list", "setup:periods"])
def test_set_up_lists_take_the_same_queries_whatever_their_length(demo, login, django_assert_max_num_queries,
                                                                   url_name, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("board")
    url = reverse(url_name, args=[demo.year.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _add_classes(demo, 6)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize("url_name", ["home", "class_detail"])
def test_home_and_class_pages_do_not_grow_with_rows(demo, login, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("principal")
    url = reverse(url_name, args=[demo.school_class("9A1").pk] if url_name == "class_detail" else [])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _add_classes(demo, 5)
    board = demo.user("board")
    for index in range(5):
        student = services.student_save(actor=board, school=demo.school, code=f"QD{index}", full_name="Lò Thị Năm",
                                        date_of_birth=datetime.date(2011, 1, 1), gender="female")
        services.enrolment_create(actor=board, student=student, school_class=demo.school_class("9A1"))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
