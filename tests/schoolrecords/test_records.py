"""Student records as the forms need them: parents' occupations and e-mail, priority group, hometown,
registration numbers in the school's format, and the registration book (sổ đăng bộ) of a year."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from gradebook import printed
from schoolrecords import models as m
from schoolrecords import selectors, services
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _first(demo, class_name="6A1") -> m.Student:
    return m.Student.objects.filter(enrolments__school_class=demo.school_class(class_name)).order_by("code").first()


def _form_data(student: m.Student, **change) -> dict:
    data = {name: getattr(student, name) for name in (
        "code", "registration_number", "full_name", "ethnicity", "place_of_birth", "hometown", "address",
        "priority_group", "father_name", "father_occupation", "father_phone", "mother_name", "mother_occupation",
        "mother_phone", "guardian_name", "guardian_occupation", "guardian_phone", "parent_email")}
    data |= {"date_of_birth": student.date_of_birth.strftime("%d/%m/%Y"), "gender": student.gender}
    return data | change


def test_the_board_records_parents_occupations_e_mail_priority_group_and_hometown(demo, login):
    student = _first(demo)
    response = login("board").post(reverse("setup:student_edit", args=[student.pk]), _form_data(
        student, father_occupation="Nông dân", mother_occupation="Giáo viên", parent_email="me.hs@example.vn",
        priority_group="Con thương binh", hometown="Xã Tân Hòa, tỉnh Đồng Tháp"))
    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.father_occupation, student.parent_email, student.priority_group) == (
        "Nông dân", "me.hs@example.vn", "Con thương binh")
    assert student.history.first().history_user.username == "board"
    identity = printed.identity(student)
    assert identity.father.startswith(f"{student.father_name}, Nông dân") and identity.hometown.startswith("Xã Tân")
    assert identity.priority_group == "Con thương binh"


def test_a_wrong_e_mail_is_refused_at_its_field_and_nothing_changes(demo, login):
    student = _first(demo)
    versions = student.history.count()
    response = login("board").post(reverse("setup:student_edit", args=[student.pk]),
                                   _form_data(student, parent_email="me.hs@", father_occupation="Kỹ sư"))
    assert response.status_code == 200 and response.context["form"].errors["parent_email"]
    student.refresh_from_db()
    assert student.father_occupation == "" and student.history.count() == versions


def test_a_registration_number_in_the_wrong_format_or_taken_is_refused_at_its_field(demo, login):
    school = demo.school
    school.registration_suffix = "THCS"
    school.save()
    first, second = m.Student.objects.filter(enrolments__school_class=demo.school_class("6A1")).order_by("code")[:2]
    client = login("board")
    wrong = client.post(reverse("setup:student_edit", args=[first.pk]), _form_data(first, registration_number="12-THCS"))
    assert "125/THCS" in wrong.context["form"].errors["registration_number"][0]
    taken = client.post(reverse("setup:student_edit", args=[first.pk]),
                        _form_data(first, registration_number=second.registration_number))
    assert "đã có học sinh khác" in taken.context["form"].errors["registration_number"][0]
    # an old number in another format stays valid as long as it is not changed
    kept = client.post(reverse("setup:student_edit", args=[first.pk]), _form_data(first, hometown="Huế"))
    assert kept.status_code == 302
    right = client.post(reverse("setup:student_edit", args=[first.pk]), _form_data(first, registration_number="7/THCS"))
    assert right.status_code == 302
    first.refresh_from_db()
    assert first.registration_number == "7/THCS"


def test_the_board_gives_the_next_numbers_in_the_school_s_format_class_by_class_and_never_twice(demo, login):
    year = demo.year
    cleared = list(m.Student.objects.filter(enrolments__school_class__in=[demo.school_class("6A1"),
                                                                          demo.school_class("6A2")]).distinct())
    board = demo.user("board")
    for student in cleared:
        services.student_save(actor=board, school=demo.school, student=student, registration_number="")
    services.student_save(actor=board, school=demo.school, student=cleared[0], registration_number="41/THCS")
    response = login("board").post(reverse("setup:year_edit", args=[year.pk]),
                                   {"registration": "1", "suffix": "THCS"})
    assert response.status_code == 302
    demo.school.refresh_from_db()
    assert demo.school.registration_suffix == "THCS"
    by_class = {}
    for enrolment in m.Enrolment.objects.filter(student__in=cleared[1:], school_class__year=year) \
            .select_related("student", "school_class"):
        by_class.setdefault(enrolment.school_class.name, []).append(
            int(enrolment.student.registration_number.split("/")[0]))
    assert min(by_class["6A1"]) == 42  # on from the highest the school gave with this suffix
    assert max(by_class["6A1"]) < min(by_class["6A2"])  # 6A1 first, then 6A2
    assert sorted(by_class["6A1"] + by_class["6A2"]) == list(range(42, 42 + len(cleared) - 1))
    student = cleared[1]
    student.refresh_from_db()
    assert student.history.first().history_change_reason
    again = services.registration_numbers_assign(actor=board, year=year, suffix="THCS")
    assert again == []


def test_only_the_board_gives_registration_numbers(demo):
    with pytest.raises(PermissionDenied):
        services.registration_numbers_assign(actor=demo.user("clerk"), year=demo.year, suffix="THCS")


def test_the_registration_book_lists_every_student_of_the_year_by_number_with_who_left(demo, login):
    leaving = _first(demo, "7A1")
    enrolment = m.Enrolment.objects.get(student=leaving, school_class__year=demo.year)
    services.enrolment_end(actor=demo.user("board"), enrolment=enrolment, status=m.Enrolment.Status.TRANSFERRED_OUT,
                           end_date=DEMO_YEAR.on(11, 20), reason="Chuyển đến THCS Nguyễn Du")
    lines = selectors.registration_book(demo.year)
    assert len(lines) == m.Student.objects.filter(enrolments__school_class__year=demo.year).distinct().count()
    numbers = [line.student.registration_number for line in lines]
    assert len(set(numbers)) == len(numbers)
    left = next(line for line in lines if line.student == leaving)
    assert left.left is not None and left.classes == ["7A1"]
    response = login("clerk").get(reverse("archive:registration_book", args=[demo.year.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "SỔ ĐĂNG BỘ" in text and leaving.full_name in text and f"20/11/{DEMO_YEAR.first}" in text
    assert lines[0].student.registration_number in text


def test_the_registration_book_reads_the_year_in_a_fixed_number_of_queries(demo, django_assert_num_queries):
    small = m.SchoolYear.objects.create(school=demo.school, name="2030-2031", start_date=datetime.date(2030, 9, 5),
                                        end_date=datetime.date(2031, 5, 31))
    with django_assert_num_queries(1):  # an empty year: the enrolments only
        assert selectors.registration_book(small) == []
    with django_assert_num_queries(2):
        lines = selectors.registration_book(demo.year)
    assert len(lines) > 300
