"""The district benchmark fixture: small schools built in bulk, shaped like real data, with their history."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from guardian.models import UserObjectPermission

from gradebook import assessment
from gradebook.models import ConductResult, Score
from schoolrecords import models as m
from schoolrecords.services import system_user
from seed import district

pytestmark = pytest.mark.django_db


def seed(schools: int = 2) -> str:
    out = io.StringIO()
    call_command("seed_district", schools=schools, students_per_school=12, class_size=5,
                 without_demo_activity=True, stdout=out)
    return out.getvalue()


def expected_score_slots(school: m.School) -> int:
    """Every slot of term I: per class and subject, its students × (its ĐĐGtx + mid-term + end-term)."""
    year = school.years.get()
    periods = {(gs.grade, gs.subject_id): gs.periods_per_year for gs in m.GradeSubject.objects.filter(year=year)}
    total = 0
    for assignment in m.TeachingAssignment.objects.filter(year=year).select_related("school_class"):
        columns = assessment.regular_assessment_count(periods[assignment.school_class.grade,
                                                              assignment.subject_id]) + 2
        total += assignment.school_class.enrolments.count() * columns
    return total


def test_two_small_schools_are_built_whole_with_history_and_the_permissions_the_services_grant(demo, client):
    output = seed()

    assert "2 schools built" in output
    check_classes_students_assignments_and_every_term_one_score(demo)
    check_every_seeded_row_has_its_history_row_by_the_system_user_with_the_seed_reason()
    check_staff_hold_the_roles_and_object_permissions_the_services_would_grant(demo, client)


def check_classes_students_assignments_and_every_term_one_score(demo):
    schools = list(m.School.objects.filter(code__startswith=district.CODE_PREFIX).order_by("code"))
    assert [school.code for school in schools] == ["DIST-001", "DIST-002"]
    for school in schools:
        year = school.years.get(is_current=True)
        assert m.Student.objects.filter(school=school).count() == 12
        assert m.Enrolment.objects.filter(school_class__year=year).count() == 12
        classes = m.SchoolClass.objects.filter(year=year)
        assert sorted(classes.values_list("name", flat=True)) == ["6A1", "7A1", "8A1", "9A1"]
        assert m.TeachingAssignment.objects.filter(year=year).count() == 4 * 13
        assert Score.objects.filter(term__year=year).count() == expected_score_slots(school)
        assert ConductResult.objects.filter(term__year=year).count() == 12
    # The demo school was left as seed_demo builds it.
    assert not Score.objects.filter(term__year=demo.year).exists()


def check_every_seeded_row_has_its_history_row_by_the_system_user_with_the_seed_reason():
    seeded_scores = Score.objects.filter(term__year__school__code__startswith=district.CODE_PREFIX)
    history = Score.history.filter(id__in=seeded_scores.values("pk"))
    assert history.count() == seeded_scores.count() > 0
    assert set(history.values_list("history_type", "history_change_reason", "history_user")) == {
        ("+", district.REASON, system_user().pk)}
    students = m.Student.objects.filter(school__code__startswith=district.CODE_PREFIX)
    assert m.Student.history.filter(id__in=students.values("pk"), history_change_reason=district.REASON).count() == 24
    teachers = get_user_model().objects.filter(profile__school__code="DIST-001")
    assert get_user_model().history.filter(id__in=teachers.values("pk")).count() == teachers.count()


def check_staff_hold_the_roles_and_object_permissions_the_services_would_grant(demo, client):
    assignment = m.TeachingAssignment.objects.select_related("teacher", "school_class").filter(
        year__school__code="DIST-001", subject__code="toan").first()
    teacher = assignment.teacher
    assert teacher.has_perm("schoolrecords.teach_assignment", assignment)
    assert teacher.has_perm("schoolrecords.view_schoolclass", assignment.school_class)
    assert UserObjectPermission.objects.filter(user=assignment.school_class.homeroom_teacher,
                                               permission__codename="homeroom_schoolclass").exists()

    client.force_login(teacher)
    grid = client.get(reverse("gradebook:grid", args=(assignment.pk, 1)))
    assert grid.status_code == 200
    assert grid.context["grid"].rows[0].term_result is not None  # every cell filled, so the average is there
    # The school wall holds between seeded schools and the demo school.
    assert client.get(reverse("class_detail", args=(demo.school_class("6A1").pk,))).status_code == 404


def test_running_it_again_builds_nothing_new(demo):
    seed(schools=1)
    counts = (m.School.objects.count(), Score.objects.count(), Score.history.count())

    output = seed(schools=1)

    assert "0 schools built, 1 already there" in output
    assert (m.School.objects.count(), Score.objects.count(), Score.history.count()) == counts
