"""The demo school: its shape, its logins, and that building it twice changes nothing."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from schoolrecords import models as m
from seed import demo as demo_module

pytestmark = pytest.mark.django_db

LOGINS = ["principal", "vice", "board", "clerk", "head_math", "teacher_math", "homeroom_6a1"]


def test_demo_school_has_grades_6_to_9_with_two_classes_each(demo):
    names = list(m.SchoolClass.objects.filter(year=demo.year).values_list("name", flat=True))
    assert sorted(names) == ["6A1", "6A2", "7A1", "7A2", "8A1", "8A2", "9A1", "9A2"]
    assert list(demo.year.terms.values_list("number", flat=True)) == [1, 2]
    assert demo.year.is_current


def test_every_class_has_about_forty_students_with_vietnamese_names(demo):
    for school_class in m.SchoolClass.objects.filter(year=demo.year):
        # Forty new students in grade 6 (and last year's repeaters); last year's class, less who left or repeats.
        assert 36 <= school_class.enrolments.count() <= 44
    names = list(m.Student.objects.filter(school=demo.school).values_list("full_name", flat=True))
    assert any(ch in "".join(names) for ch in "ăâđêôơư")
    assert m.Enrolment.objects.filter(school_class__year=demo.year, status=m.Enrolment.Status.TRANSFERRED_OUT).exists()


def test_subjects_carry_their_real_periods_and_assessment_modes(demo):
    math = m.GradeSubject.objects.get(year=demo.year, grade=6, subject__code="toan")
    assert math.periods_per_year == 140
    technology = m.GradeSubject.objects.get(year=demo.year, grade=8, subject__code="cn")
    assert technology.periods_per_year == 52
    assert demo.subject("gdtc").is_commented and not demo.subject("toan").is_commented
    assert m.GradeSubject.objects.filter(year=demo.year, grade=6).count() == 13


def test_the_named_people_hold_their_jobs(demo):
    assert demo.assignment("6A1", "toan").teacher.username == "teacher_math"
    assert demo.school_class("6A1").homeroom_teacher.username == "homeroom_6a1"
    head = m.Department.objects.get(subjects__code="toan").head
    assert head.username == "head_math"
    teachers = m.StaffProfile.objects.filter(school=demo.school, position="Giáo viên").count()
    assert 15 <= teachers <= 25


@pytest.mark.parametrize("username", LOGINS)
def test_every_demo_login_works_with_the_demo_password(demo, username):
    assert demo.user(username).check_password(demo_module.DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("username", "section"),
    [("principal", "todo-overview"), ("vice", "todo-overview"), ("board", "todo-setup"), ("clerk", "todo-clerk"),
     ("head_math", "todo-department"), ("teacher_math", "todo-teaching"), ("homeroom_6a1", "todo-homeroom")],
)
def test_every_demo_login_lands_on_its_own_home_page(client, demo, username, section):
    response = client.post(reverse("login"), {"username": username, "password": demo_module.DEMO_PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f'id="{section}"' in response.content.decode()


def test_building_the_demo_again_changes_nothing(demo):
    before = [model.objects.count() for model in (m.Student, m.Enrolment, m.TeachingAssignment, m.StaffProfile)]
    history_before = m.Student.history.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    after = [model.objects.count() for model in (m.Student, m.Enrolment, m.TeachingAssignment, m.StaffProfile)]
    assert after == before
    assert m.Student.history.count() == history_before


def test_demo_rows_record_who_made_them_and_why(demo):
    record = m.Student.history.earliest("history_date")
    assert record.history_user.username == "system"
    assert record.history_change_reason == "seed_demo"


def test_a_larger_school_can_be_built_for_benchmarks(db):
    built = demo_module.build_demo_school(demo_module.DemoSize(classes_per_grade=3, students_per_class=5))
    assert len(built["classes"]) == 12
    # The new classes this year (built on the demo of two classes a grade): five newcomers in 6A3,
    # and 9A3 waits for the rollover of next year to be filled from 8A3.
    assert m.Enrolment.objects.filter(school_class=built["classes"]["6A3"]).count() == 5
