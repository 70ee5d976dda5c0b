"""The class page: who may open it, and which of the class's grids and results it links."""

import pytest
from django.urls import reverse

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


@pytest.mark.parametrize(("username", "sees"), [("clerk", True), ("principal", True), ("vice", True),
                                                 ("teacher_math", False), ("board", False)])
def test_the_archive_is_reached_from_every_page_by_those_who_may_open_it(demo, login, username, sees):
    client = login(username)
    home = client.get(reverse("home")).content.decode()

    assert ('id="nav-archive"' in home) is sees
    if sees:
        assert client.get(reverse("archive:index")).status_code == 200
    if username == "clerk":
        assert f'id="open-archive" href="{reverse("archive:index")}"' in home
