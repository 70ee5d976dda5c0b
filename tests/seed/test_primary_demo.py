"""The primary demo school (TT27): its shape, its year of levels at the points already past, its logins, and
that building it twice changes nothing."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from gradebook.models import PrimaryAssessment, PrimaryTraitAssessment
from gradebook.rules import tt27
from schoolrecords import models as m
from seed import primary
from seed.demo import demo_year

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2027, 2, 20)  # term II: mid-term I and end of term I are past
LOGINS = ["th_principal", "th_board", "th_clerk", "th_teacher"]
SIZE = primary.PrimarySize(classes_per_grade=2, students_per_class=3)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield primary.build_primary_school(SIZE, today=TODAY)
        transaction.set_rollback(True)


def test_the_default_size_is_two_classes_of_thirty_five_per_grade():
    assert primary.PrimarySize() == primary.PrimarySize(classes_per_grade=2, students_per_class=35)


def test_the_year_is_the_demo_calendar_s_school_year_of_today(built):
    """The primary demo's year is the one all the demo schools live in (seed.calendar): its dates, its terms."""
    year, calendar = built["year"], demo_year(TODAY)
    assert (year.name, year.start_date, year.end_date) == (calendar.name, calendar.start_date, calendar.end_date)
    assert [(t.start_date, t.end_date) for t in year.terms.order_by("number")] == list(calendar.term_dates)
    assert year.start_date <= TODAY <= year.end_date


def test_a_primary_school_with_a_tt27_year_of_ten_classes(built):
    school, year = built["school"], built["year"]
    assert school.level == m.School.Level.PRIMARY
    assert (year.name, year.rule_set, year.is_current) == ("2026-2027", m.RuleSet.TT27, True)
    assert sorted(built["classes"]) == ["1A1", "1A2", "2A1", "2A2", "3A1", "3A2", "4A1", "4A2", "5A1", "5A2"]
    assert all(c.enrolments.count() == 3 for c in built["classes"].values())
    # Beside the lower-secondary demo, not instead of it.
    assert m.School.objects.filter(code="THCS-DEMO").exists()


def test_the_tt27_subjects_per_grade_all_assessed_by_levels(built):
    year = built["year"]
    codes = {grade: set(m.GradeSubject.objects.filter(year=year, grade=grade).values_list("subject__code", flat=True))
             for grade in range(1, 6)}
    assert codes[1] == {"tv", "toan", "dd", "tnxh", "hdtn", "gdtc", "amnhac", "mithuat"}
    assert codes[3] == codes[1] | {"nn1", "tinhoc_cn"}
    assert codes[5] == (codes[3] - {"tnxh"}) | {"lsdl", "khoahoc"}
    assert all(s.is_leveled for s in m.Subject.objects.filter(school=built["school"]))
    assert m.GradeSubject.objects.get(year=year, grade=1, subject__code="tv").periods_per_year == 420


def test_th_teacher_is_the_homeroom_teacher_of_1a1_and_teaches_its_subjects(built):
    klass = built["classes"]["1A1"]
    assert klass.homeroom_teacher.username == "th_teacher"
    taught = set(m.TeachingAssignment.objects.filter(school_class=klass, teacher__username="th_teacher")
                 .values_list("subject__code", flat=True))
    assert {"tv", "toan", "dd", "tnxh", "hdtn"} <= taught
    assert m.TeachingAssignment.objects.filter(school_class=klass).count() == 8  # every subject has its teacher


def test_levels_tests_and_traits_at_the_points_already_past(built):
    assert built["points"] == [tt27.AssessmentPoint.MID_TERM_1, tt27.AssessmentPoint.END_TERM_1]
    rows = PrimaryAssessment.objects.filter(enrolment__school_class__year=built["year"])
    assert set(rows.values_list("point", flat=True)) == {"gk1", "ck1"}
    assert set(rows.values_list("level", flat=True)) <= {"T", "H", "C"} and rows.filter(level="T").exists()
    grade4_end = rows.filter(enrolment__school_class__grade=4, point="ck1").exclude(test_score=None)
    assert set(grade4_end.values_list("subject__code", flat=True)) == {"tv", "toan", "nn1", "tinhoc_cn", "lsdl",
                                                                      "khoahoc"}
    assert not rows.filter(enrolment__school_class__grade=1, point="gk1").exclude(test_score=None).exists()
    assert PrimaryTraitAssessment.objects.filter(enrolment__school_class__year=built["year"]).count() == \
        2 * 15 * 30
    assert rows.first().history.exists()


def test_building_again_changes_nothing(built):
    counts = (PrimaryAssessment.history.count(), PrimaryTraitAssessment.history.count(), m.Student.objects.count(),
              m.TeachingAssignment.objects.count(), m.Enrolment.history.count())

    primary.build_primary_school(SIZE, today=TODAY)

    assert counts == (PrimaryAssessment.history.count(), PrimaryTraitAssessment.history.count(),
                      m.Student.objects.count(), m.TeachingAssignment.objects.count(), m.Enrolment.history.count())


@pytest.mark.parametrize("username", LOGINS)
def test_the_logins_work_with_the_demo_password(built, username):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": "demo-2026"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_th_teachers_home_lists_the_grids_of_1a1(built):
    client = Client()
    client.force_login(m.StaffProfile.objects.get(user__username="th_teacher").user)
    page = client.get(reverse("home")).content.decode()
    assert 'id="todo-primary"' in page and "1A1" in page and "Tiếng Việt" in page


def test_the_command_builds_it_and_prints_the_logins(built):
    out = io.StringIO()
    call_command("seed_demo", "--school", "primary", "--students-per-class", "3", stdout=out)
    text = out.getvalue()
    assert "Lê Quang Định" in text and "TT27" in text
    assert all(login in text for login in LOGINS)
