"""The upper demo (issue 14, item 7): `seed_demo --school upper` builds an upper-secondary school beside the demo
school, with its logins, in the year containing today; building it twice changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gradebook.models import ConductResult, MonthlyAbsence, Score
from schoolrecords import models as m
from schoolrecords import selectors
from seed import demo as demo_module
from seed import upper as upper_module

pytestmark = pytest.mark.django_db

LOGINS = ["pt_principal", "pt_board", "pt_clerk", "pt_teacher_math", "pt_homeroom_10a1"]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The command run once for the module (its output kept), rolled back at the module's end."""
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--school", "upper", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def school():
    return m.School.objects.get(code=upper_module.SCHOOL_CODE)


def test_it_is_an_upper_secondary_school_beside_the_demo_school(built, demo):
    assert school().level == m.School.Level.UPPER_SECONDARY
    assert m.School.objects.filter(code="THCS-DEMO").exists()  # the demo school is still there
    year = selectors.current_year(school())
    names = sorted(m.SchoolClass.objects.filter(year=year).values_list("name", flat=True))
    assert names == ["10A1", "10A2", "11A1", "11A2", "12A1", "12A2"]
    assert year.rule_set == "TT22"


def test_its_year_runs_from_september_to_may_and_contains_today_or_is_the_coming_one_in_the_summer(built):
    year = selectors.current_year(school())
    today = timezone.localdate()
    assert (year.start_date.month, year.end_date.month) == (9, 5)
    assert year.start_date <= today <= year.end_date or (today.month in (6, 7, 8, 9) and today < year.start_date)
    assert year.name == f"{year.start_date.year}-{year.end_date.year}"


def test_its_year_is_the_demo_calendar_s_school_year_of_today_with_term_i_in_progress(built):
    """The upper demo's year is the one all the demo schools live in (seed.calendar), whatever the day."""
    year, calendar = selectors.current_year(school()), demo_module.demo_year()
    assert (year.name, year.start_date, year.end_date) == (calendar.name, calendar.start_date, calendar.end_date)
    assert [(t.start_date, t.end_date) for t in year.terms.order_by("number")] == list(calendar.term_dates)


def test_the_classes_study_different_elective_combinations(built):
    year = selectors.current_year(school())
    studied = {c.name: {each.subject.code for each in selectors.class_subjects(c)}
               for c in m.SchoolClass.objects.filter(year=year)}
    assert {"li", "hoa", "sinh", "tin"} <= studied["10A1"] and "dia" not in studied["10A1"]
    assert {"dia", "gdktpl", "cn"} <= studied["10A2"] and "sinh" not in studied["10A2"]
    assert studied["10A1"] != studied["10A2"]
    assert all(len(codes) == 12 for codes in studied.values())  # 8 compulsory + 4 electives


def test_the_named_people_hold_their_jobs(built):
    year = selectors.current_year(school())
    math = m.TeachingAssignment.objects.filter(year=year, subject__code="toan", teacher__username="pt_teacher_math",
                                               end_date__isnull=True)
    assert sorted(math.values_list("school_class__name", flat=True)) == ["10A1", "10A2"]
    assert m.SchoolClass.objects.get(year=year, name="10A1").homeroom_teacher.username == "pt_homeroom_10a1"
    # Every subject a class studies has its teacher.
    for school_class in m.SchoolClass.objects.filter(year=year):
        taught = set(m.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True)
                     .values_list("subject__code", flat=True))
        assert taught == {each.subject.code for each in selectors.class_subjects(school_class)}


def test_the_pages_have_scores_to_show(built):
    year = selectors.current_year(school())
    assert Score.objects.filter(term__year=year).exists() or timezone.localdate() < year.start_date
    if timezone.localdate() > year.terms.get(number=1).end_date:
        assert ConductResult.objects.filter(term__year=year).exists()


def test_the_months_so_far_have_their_absences_entered_with_history(built):
    """The months of the year that have ended or begun have absence rows, each written with the demo's reason."""
    year = selectors.current_year(school())
    rows = MonthlyAbsence.objects.filter(enrolment__school_class__year=year)
    if timezone.localdate() < year.start_date:
        assert not rows.exists()
        return
    assert rows.exists()
    assert "monthly absence rows" in built
    reasons = set(MonthlyAbsence.history.filter(id__in=rows.values("pk")).values_list("history_change_reason",
                                                                                      flat=True))
    assert reasons == {upper_module.REASON}


@pytest.mark.parametrize("username", LOGINS)
def test_every_login_works_with_the_demo_password(built, client, username):
    response = client.post(reverse("login"), {"username": username, "password": "demo-2026"}, follow=True)
    assert response.status_code == 200 and response.context["user"].username == username


def test_the_command_prints_the_logins(built):
    assert "demo-2026" in built
    for username in LOGINS:
        assert username in built


def test_building_it_again_changes_nothing(built):
    tables = [m.SchoolClass, m.Student, m.Enrolment, m.ClassSubject, m.GradeSubject, m.TeachingAssignment,
              m.StaffProfile, Score, ConductResult, MonthlyAbsence]
    before = {model: model.objects.count() for model in tables}
    history = m.ClassSubject.history.count()
    call_command("seed_demo", "--school", "upper", stdout=io.StringIO())
    assert {model: model.objects.count() for model in tables} == before
    assert m.ClassSubject.history.count() == history
