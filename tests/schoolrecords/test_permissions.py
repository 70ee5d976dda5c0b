"""The permission policy: each role against its own object, another teacher's and another school's."""

import pytest
from django.urls import reverse

from schoolrecords.permissions import allowed

pytestmark = pytest.mark.django_db

ROLES = ["principal", "vice", "board", "clerk", "head_math", "teacher_math", "homeroom_6a1"]


@pytest.mark.parametrize("username", ROLES)
def test_only_the_admin_board_runs_the_set_up(demo, login, username):
    response = login(username).get(reverse("setup:index"))
    assert response.status_code == (200 if username == "board" else 403)


def test_score_entry_right_belongs_to_the_assigned_teacher_only(demo, other_school):
    own = demo.assignment("6A1", "toan")
    other_teachers = demo.assignment("8A1", "toan")
    perm = "schoolrecords.teach_assignment"
    assert allowed(demo.user("teacher_math"), perm, own)
    assert not allowed(demo.user("teacher_math"), perm, other_teachers)
    assert not allowed(demo.user("teacher_math"), perm, other_school["assignment"])
    for username in ["principal", "vice", "board", "clerk", "homeroom_6a1", "head_math"]:
        assert not allowed(demo.user(username), perm, own), username


def test_the_other_schools_teacher_cannot_reach_the_demo_school(demo, other_school):
    stranger = other_school["teacher"]
    assert not allowed(stranger, "schoolrecords.view_schoolclass", demo.school_class("6A1"))
    assert allowed(stranger, "schoolrecords.view_schoolclass", other_school["school_class"])
    assert allowed(stranger, "schoolrecords.teach_assignment", other_school["assignment"])


def test_homeroom_right_follows_the_homeroom_assignment(demo):
    from schoolrecords import services

    school_class = demo.school_class("6A1")
    old, new = demo.user("homeroom_6a1"), demo.user("gv_gdcd")
    perm = "schoolrecords.homeroom_schoolclass"
    assert allowed(old, perm, school_class)
    services.homeroom_assign(actor=demo.user("board"), school_class=school_class, teacher=new, reason="test")
    old, new = demo.user("homeroom_6a1"), demo.user("gv_gdcd")  # fresh objects: permission caches
    assert not allowed(old, perm, school_class)
    assert allowed(new, perm, school_class)
    # The old homeroom teacher still teaches Ngữ văn in 6A1, so still sees the class.
    assert allowed(old, "schoolrecords.view_schoolclass", school_class)


def test_ending_an_assignment_revokes_score_entry_and_the_class(demo):
    from schoolrecords import services

    assignment = demo.assignment("6A2", "toan")
    services.assignment_end(actor=demo.user("board"), assignment=assignment, reason="test")
    teacher = demo.user("teacher_math")
    assert not allowed(teacher, "schoolrecords.teach_assignment", assignment)
    assert not allowed(teacher, "schoolrecords.view_schoolclass", demo.school_class("6A2"))
    assert allowed(teacher, "schoolrecords.view_schoolclass", demo.school_class("6A1"))


def test_a_teacher_cannot_call_set_up_services(demo):
    from django.core.exceptions import PermissionDenied

    from schoolrecords import services

    with pytest.raises(PermissionDenied):
        services.homeroom_assign(actor=demo.user("teacher_math"), school_class=demo.school_class("6A1"),
                                 teacher=demo.user("teacher_math"))


def test_the_board_cannot_change_another_schools_data(demo, other_school):
    from django.http import Http404

    from schoolrecords import services

    with pytest.raises(Http404):
        services.assignment_end(actor=demo.user("board"), assignment=other_school["assignment"])
