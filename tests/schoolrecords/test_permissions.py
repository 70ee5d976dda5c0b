"""The permission policy: each role against its own object, another teacher's and another school's."""

import pytest
from django.urls import reverse

from schoolrecords.permissions import allowed

pytestmark = pytest.mark.django_db

ROLES = ["principal", "vice", "board", "clerk", "head_math", "teacher_math", "homeroom_6a1"]


@pytest.mark.parametrize(
    ("username", "expected"),
    [("principal", 200), ("vice", 200), ("board", 200), ("clerk", 200), ("teacher_math", 200),
     ("homeroom_6a1", 200), ("head_math", 403), ("gv_anh2", 403)],
)
def test_class_page_is_for_leadership_and_the_class_teachers(demo, login, username, expected):
    response = login(username).get(reverse("class_detail", args=[demo.school_class("6A1").pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("username", ["head_math", "gv_anh2"])
def test_teachers_see_the_classes_they_teach(demo, login, username):
    response = login(username).get(reverse("class_detail", args=[demo.school_class("8A1").pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("username", ROLES)
def test_another_schools_class_is_not_found(demo, login, other_school, username):
    response = login(username).get(reverse("class_detail", args=[other_school["school_class"].pk]))
    assert response.status_code == 404


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


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    response = client.get(reverse("class_detail", args=[demo.school_class("6A1").pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("username", "linked"),
    [("teacher_math", {"Toán"}), ("homeroom_6a1", "all"), ("principal", "all"), ("clerk", set())],
)
def test_the_class_page_links_the_grids_the_person_may_read(demo, login, username, linked):
    from gradebook.policy import readable_assignment_ids
    from schoolrecords import selectors

    school_class = demo.school_class("6A1")
    assignments = list(selectors.assignments_of_class(school_class))
    readable = readable_assignment_ids(demo.user(username), school_class, assignments)
    names = {a.subject.name for a in assignments if a.pk in readable}
    assert names == ({a.subject.name for a in assignments} if linked == "all" else linked)
    page = login(username).get(reverse("class_detail", args=[school_class.pk])).content.decode()
    grid_links = {reverse("gradebook:grid", args=[a.pk, 1]) for a in assignments}
    assert {link for link in grid_links if f'href="{link}"' in page} == {
        reverse("gradebook:grid", args=[pk, 1]) for pk in readable}
    results_link = reverse("gradebook:results", args=[school_class.pk, 1])
    assert (results_link in page) == (username in ("homeroom_6a1", "principal"))


def test_a_department_head_may_read_the_grids_of_the_department(demo):
    from gradebook.policy import can_read, readable_assignment_ids
    from schoolrecords import selectors

    school_class = demo.school_class("6A1")
    assignments = list(selectors.assignments_of_class(school_class))
    readable = readable_assignment_ids(demo.user("head_math"), school_class, assignments)
    assert readable == {a.pk for a in assignments if can_read(demo.user("head_math"), a)}
    assert {a.subject.code for a in assignments if a.pk in readable} == {"toan", "tin"}
