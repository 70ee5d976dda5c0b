"""A class's own subjects (issue 14, item 5): the writer, its refusals, the readers and the set-up page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gradebook import lookups
from schoolrecords import models as m
from schoolrecords import selectors, services

pytestmark = pytest.mark.django_db


def codes(school_class) -> list[str]:
    return [each.subject.code for each in selectors.class_subjects(school_class)]


def grade_codes(demo, grade: int) -> list[str]:
    return [row.subject.code for row in selectors.grade_subjects(demo.year, grade)]


def periods_of(school_class) -> dict[str, int]:
    return {each.subject.code: each.periods_per_year for each in selectors.class_subjects(school_class)}


def end_assignment(demo, class_name: str, code: str) -> None:
    services.assignment_end(actor=demo.user("board"), assignment=demo.assignment(class_name, code))


def without_arts(demo, class_name: str = "6A1") -> list[m.ClassSubject]:
    """6A1 stops studying Âm nhạc and Mĩ thuật (their assignments ended first) and studies Toán 105 periods."""
    for code in ("amnhac", "mithuat"):
        end_assignment(demo, class_name, code)
    return services.class_subjects_set(
        actor=demo.user("board"), school_class=demo.school_class(class_name), reason="tổ hợp riêng",
        periods={demo.subject("amnhac").pk: None, demo.subject("mithuat").pk: None, demo.subject("toan").pk: 105})


# --- the reader --------------------------------------------------------------------------------


def test_a_class_without_its_own_rows_studies_its_grades_subjects(demo):
    assert codes(demo.school_class("6A1")) == grade_codes(demo, 6)
    assert len(codes(demo.school_class("6A1"))) == 13


def test_a_class_with_its_own_set_studies_exactly_it_and_its_neighbour_keeps_the_grades(demo):
    without_arts(demo)

    six_a1 = demo.school_class("6A1")
    assert codes(six_a1) == [code for code in grade_codes(demo, 6) if code not in ("amnhac", "mithuat")]
    assert periods_of(six_a1)["toan"] == 105 and periods_of(six_a1)["van"] == 140  # the others keep the grade's
    assert codes(demo.school_class("6A2")) == grade_codes(demo, 6)
    assert selectors.studies(six_a1, demo.subject("toan")) and not selectors.studies(six_a1, demo.subject("amnhac"))


def test_many_classes_are_read_in_one_query_and_agree_with_the_one_class_reader(demo, django_assert_num_queries):
    without_arts(demo)
    classes = list(m.SchoolClass.objects.filter(year=demo.year))
    with django_assert_num_queries(1):
        many = selectors.subjects_of_classes(classes)
    for school_class in classes:
        assert many[school_class.pk] == selectors.class_subjects(school_class)


def test_the_periods_of_the_class_decide_its_regular_assessments(demo):
    assignment = lookups.assignment_for_scores(demo.assignment("6A1", "toan"))
    assert lookups.regular_required(assignment) == 4  # 140 periods
    services.class_subjects_set(actor=demo.user("board"), school_class=demo.school_class("6A1"),
                                periods={demo.subject("toan").pk: 70})
    assert lookups.regular_required(assignment) == 3  # 70 periods in this class
    assert lookups.regular_required(lookups.assignment_for_scores(demo.assignment("6A2", "toan"))) == 4


def test_learning_topics_add_one_regular_assessment_to_their_subject(demo):
    board, six_a1 = demo.user("board"), demo.school_class("6A1")
    services.class_subjects_set(actor=board, school_class=six_a1, periods={}, topics={demo.subject("toan").pk})
    studied = {each.subject.code: each for each in selectors.class_subjects(six_a1)}
    assert studied["toan"].learning_topics and not studied["van"].learning_topics
    assert lookups.regular_required(lookups.assignment_for_scores(demo.assignment("6A1", "toan"))) == 5
    services.class_subjects_set(actor=board, school_class=six_a1, periods={}, topics=set())
    assert lookups.regular_required(lookups.assignment_for_scores(demo.assignment("6A1", "toan"))) == 4


def test_learning_topics_of_a_subject_the_class_does_not_study_are_refused(demo):
    without_arts(demo)
    with pytest.raises(ValidationError):
        services.class_subjects_set(actor=demo.user("board"), school_class=demo.school_class("6A1"), periods={},
                                    topics={demo.subject("amnhac").pk})
    assert not m.ClassSubject.objects.filter(school_class=demo.school_class("6A1"), learning_topics=True).exists()


def test_the_page_ticks_learning_topics_and_refuses_them_on_a_subject_left_empty(demo, login):
    six_a1 = demo.school_class("6A1")
    toan, amnhac = demo.subject("toan"), demo.subject("amnhac")
    data = {f"p_{each.subject.pk}": each.periods_per_year for each in selectors.class_subjects(six_a1)}
    bad = data | {f"p_{amnhac.pk}": "", f"t_{amnhac.pk}": "on", "save": "1"}
    response = login("board").post(reverse("setup:class_subjects", args=[six_a1.pk]), bad)
    assert response.status_code == 200 and response.context["form"].errors[f"t_{amnhac.pk}"]
    assert not m.ClassSubject.objects.filter(school_class=six_a1).exists()
    good = data | {f"t_{toan.pk}": "on", "save": "1"}
    assert login("board").post(reverse("setup:class_subjects", args=[six_a1.pk]), good).status_code == 302
    assert m.ClassSubject.objects.get(school_class=six_a1, subject=toan).learning_topics


# --- the writer --------------------------------------------------------------------------------


def test_setting_the_set_writes_history_with_the_actor_and_the_reason(demo):
    without_arts(demo)
    history = m.ClassSubject.history.filter(school_class_id=demo.school_class("6A1").pk)
    assert history.filter(history_type="+").count() == 11  # the grade's 13 less the two arts
    assert {row.history_user.username for row in history} == {"board"}
    assert {row.history_change_reason for row in history} == {"tổ hợp riêng"}


def test_the_grades_own_set_unchanged_leaves_the_class_following_its_grade(demo):
    six_a1 = demo.school_class("6A1")
    same = {row.subject_id: row.periods_per_year for row in selectors.grade_subjects(demo.year, 6)}
    assert services.class_subjects_set(actor=demo.user("board"), school_class=six_a1, periods=same) == []
    assert not m.ClassSubject.objects.filter(school_class=six_a1).exists()


def test_a_subject_still_taught_in_the_class_cannot_be_removed_and_nothing_is_saved(demo):
    six_a1 = demo.school_class("6A1")
    with pytest.raises(ValidationError) as refused:
        services.class_subjects_set(actor=demo.user("board"), school_class=six_a1,
                                    periods={demo.subject("amnhac").pk: None, demo.subject("toan").pk: 105})
    assert "Âm nhạc" in str(refused.value) and "subjects" in refused.value.message_dict
    assert not m.ClassSubject.objects.filter(school_class=six_a1).exists()


def test_a_subject_of_another_school_is_refused(demo, other_school):
    six_a1 = demo.school_class("6A1")
    with pytest.raises(ValidationError) as refused:
        services.class_subjects_set(actor=demo.user("board"), school_class=six_a1,
                                    periods={other_school["subject"].pk: 105})
    assert "subjects" in refused.value.message_dict
    assert not m.ClassSubject.objects.filter(school_class=six_a1).exists()


def test_a_class_studies_at_least_one_subject(demo):
    six_a1 = demo.school_class("6A1")
    for assignment in m.TeachingAssignment.objects.filter(school_class=six_a1, end_date__isnull=True):
        services.assignment_end(actor=demo.user("board"), assignment=assignment)
    with pytest.raises(ValidationError):
        services.class_subjects_set(actor=demo.user("board"), school_class=six_a1,
                                    periods={row.subject_id: None for row in selectors.grade_subjects(demo.year, 6)})


def test_only_the_board_sets_a_classs_subjects(demo):
    with pytest.raises(PermissionDenied):
        services.class_subjects_set(actor=demo.user("teacher_math"), school_class=demo.school_class("6A1"),
                                    periods={demo.subject("toan").pk: 105})


def test_reset_returns_the_class_to_its_grade(demo):
    without_arts(demo)
    services.class_subjects_reset(actor=demo.user("board"), school_class=demo.school_class("6A1"))
    assert codes(demo.school_class("6A1")) == grade_codes(demo, 6)
    assert m.ClassSubject.history.filter(history_type="-").count() == 11


def test_an_assignment_of_a_subject_outside_the_class_set_is_refused_at_the_subject(demo):
    without_arts(demo)
    with pytest.raises(ValidationError) as refused:
        services.assignment_create(actor=demo.user("board"), school_class=demo.school_class("6A1"),
                                   subject=demo.subject("amnhac"), teacher=demo.user("gv_amnhac"))
    assert "6A1" in refused.value.message_dict["subject"][0]
    assert not m.TeachingAssignment.objects.filter(school_class__name="6A1", school_class__year=demo.year,
                                                   subject__code="amnhac", end_date__isnull=True).exists()


def test_a_grade_subject_taught_only_in_classes_with_their_own_set_can_leave_the_grade(demo):
    """6A1 and 6A2 both study Mĩ thuật in their own sets: the grade's list no longer needs it."""
    board = demo.user("board")
    mithuat = demo.subject("mithuat")
    for name in ("6A1", "6A2"):
        services.class_subjects_set(actor=board, school_class=demo.school_class(name), periods={mithuat.pk: 70})
    services.grade_subjects_set(actor=board, year=demo.year, grade=6, periods={mithuat.pk: None})
    assert "mithuat" not in grade_codes(demo, 6) and "mithuat" in codes(demo.school_class("6A1"))


# --- the set-up page ---------------------------------------------------------------------------


def test_the_class_set_up_page_links_to_its_subjects_page_which_shows_the_grades_set(demo, login):
    six_a1 = demo.school_class("6A1")
    client = login("board")
    edit = client.get(reverse("setup:class_edit", args=[six_a1.pk])).content.decode()
    assert reverse("setup:class_subjects", args=[six_a1.pk]) in edit
    page = client.get(reverse("setup:class_subjects", args=[six_a1.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "học các môn của khối 6" in html
    assert page.context["form"][f"p_{demo.subject('toan').pk}"].value() == 140


def test_the_board_gives_a_class_its_own_set_on_the_page(demo, login):
    six_a1 = demo.school_class("6A1")
    for code in ("amnhac", "mithuat"):
        end_assignment(demo, "6A1", code)
    data = {f"p_{each.subject.pk}": each.periods_per_year for each in selectors.class_subjects(six_a1)}
    data |= {f"p_{demo.subject('amnhac').pk}": "", f"p_{demo.subject('mithuat').pk}": "", "save": "1"}
    response = login("board").post(reverse("setup:class_subjects", args=[six_a1.pk]), data)
    assert response.status_code == 302
    assert "amnhac" not in codes(six_a1) and len(codes(six_a1)) == 11
    page = login("board").get(reverse("setup:class_subjects", args=[six_a1.pk])).content.decode()
    assert "bộ môn riêng" in page


def test_removing_a_taught_subject_on_the_page_says_why_in_vietnamese_and_saves_nothing(demo, login):
    six_a1 = demo.school_class("6A1")
    data = {f"p_{each.subject.pk}": each.periods_per_year for each in selectors.class_subjects(six_a1)}
    data |= {f"p_{demo.subject('amnhac').pk}": "", f"p_{demo.subject('toan').pk}": "105", "save": "1"}
    response = login("board").post(reverse("setup:class_subjects", args=[six_a1.pk]), data)
    assert response.status_code == 200
    assert "vẫn đang được phân công dạy ở lớp 6A1" in response.content.decode()
    assert not m.ClassSubject.objects.filter(school_class=six_a1).exists()


def test_a_bad_number_of_periods_is_refused_at_its_field(demo, login):
    six_a1 = demo.school_class("6A1")
    key = f"p_{demo.subject('toan').pk}"
    response = login("board").post(reverse("setup:class_subjects", args=[six_a1.pk]), {key: "0", "save": "1"})
    assert response.status_code == 200 and response.context["form"].errors[key]
    assert not m.ClassSubject.objects.filter(school_class=six_a1).exists()


def test_the_assignments_form_offers_the_classs_own_subjects(demo, login):
    without_arts(demo)
    html = login("board").get(reverse("setup:class_edit", args=[demo.school_class("6A1").pk])).content.decode()
    assert f'name="s_{demo.subject("toan").pk}"' in html
    assert f'name="s_{demo.subject("amnhac").pk}"' not in html


def test_another_schools_board_cannot_open_the_page(demo, other_school, client):
    from django.contrib.auth.models import Group

    board = services.staff_create(actor=services.system_user(), school=other_school["school"], username="ob",
                                  full_name="Ban Khác", password="another-pass-2026",
                                  role_names=["admin_board"], must_change_password=False).user
    assert Group.objects.filter(user=board).exists()
    client.force_login(board)
    assert client.get(reverse("setup:class_subjects", args=[demo.school_class("6A1").pk])).status_code == 404
