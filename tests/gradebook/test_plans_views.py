"""The pages of individual education plans: the class list, a student's plan, the principal's queue, the prints."""

import pytest
from django.urls import reverse

from gradebook import printed
from gradebook.models import IndividualPlan
from gradebook.plans.services import plan_approve, plan_save
from tests.gradebook.test_results import fill_scores, set_conduct, studying
from tests.gradebook.test_results_views import add_students

pytestmark = pytest.mark.django_db

EXEMPT = ("anh", "cn", "tin")


def plan_url(demo, enrolment, name="plan", class_name="6A1"):
    return reverse(f"gradebook:{name}", args=[demo.school_class(class_name).pk, enrolment.student_id])


def list_url(demo, class_name="6A1"):
    return reverse("gradebook:class_plans", args=[demo.school_class(class_name).pk])


def draft(demo, enrolment, codes=EXEMPT):
    return plan_save(actor=demo.user("homeroom_6a1"), student=enrolment.student, year=demo.year,
                     modes={demo.subject(code).pk: "exempt" for code in codes}, reason="Hồ sơ khuyết tật")


def test_the_class_page_links_to_the_plans_for_the_homeroom_teacher(demo, login):
    html = login("homeroom_6a1").get(reverse("class_detail", args=[demo.school_class("6A1").pk])).content.decode()
    assert f'href="{list_url(demo)}"' in html


def test_the_list_shows_who_has_a_plan(demo, login):
    first, second = studying(demo)[:2]
    draft(demo, first)
    response = login("homeroom_6a1").get(list_url(demo))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chờ hiệu trưởng phê duyệt" in html and "Chưa có kế hoạch" in html
    assert f'href="{plan_url(demo, first)}"' in html and f'href="{plan_url(demo, second)}"' in html


def test_the_homeroom_teacher_drafts_a_plan_through_the_form(demo, login):
    enrolment = studying(demo)[0]
    client = login("homeroom_6a1")
    data = {f"mode-{demo.subject(code).pk}": "exempt" for code in EXEMPT}
    data[f"mode-{demo.subject('gdcd').pk}"] = "comments"
    response = client.post(plan_url(demo, enrolment), {**data, "note": "Khuyết tật vận động", "reason": "Hồ sơ số 3"})
    assert response.status_code == 302
    plan = IndividualPlan.objects.get(student=enrolment.student, year=demo.year)
    assert dict(plan.subjects.values_list("subject__code", "mode")) == {**{code: "exempt" for code in EXEMPT},
                                                                        "gdcd": "comments"}
    html = client.get(plan_url(demo, enrolment)).content.decode()
    assert "Hồ sơ số 3" in html and 'id="plan-history"' in html  # who, when, why
    assert 'id="plan-approve"' not in html  # the principal approves


def test_bad_input_is_shown_at_the_field_and_nothing_is_saved(demo, login):
    enrolment = studying(demo)[0]
    toan = demo.subject("toan")
    response = login("homeroom_6a1").post(plan_url(demo, enrolment), {f"mode-{toan.pk}": "sometimes"})
    assert response.status_code == 400
    assert response.context["form"].errors[f"mode-{toan.pk}"]
    assert not IndividualPlan.objects.exists()


def test_the_principal_approves_from_the_waiting_list(demo, login):
    enrolment = studying(demo)[0]
    draft(demo, enrolment)
    client = login("principal")
    home = client.get("/").content.decode()
    assert f'href="{reverse("gradebook:plans_pending")}"' in home
    waiting = client.get(reverse("gradebook:plans_pending")).content.decode()
    assert enrolment.student.full_name in waiting and f'href="{plan_url(demo, enrolment)}"' in waiting
    assert 'id="plan-approve"' in client.get(plan_url(demo, enrolment)).content.decode()

    response = client.post(plan_url(demo, enrolment, "plan_approve"), {"note": "Đồng ý theo hồ sơ"})
    assert response.status_code == 302
    plan = IndividualPlan.objects.get(student=enrolment.student)
    assert plan.is_approved and plan.approval_note == "Đồng ý theo hồ sơ"
    assert enrolment.student.full_name not in client.get(reverse("gradebook:plans_pending")).content.decode()


def test_a_subject_teacher_may_not_open_the_plans(demo, login):
    assert login("teacher_math").get(list_url(demo)).status_code == 403
    assert login("homeroom_6a1").get(list_url(demo, "8A1")).status_code == 403


def test_the_results_and_the_report_card_show_the_approved_plan(demo, login):
    enrolment = studying(demo)[0]
    marks = {enrolment.pk: {**{code: "9.5" for code in ("van", "toan", "gdcd", "lsdl", "khtn")},
                            **{code: "" for code in EXEMPT}}}
    for number in (1, 2):
        fill_scores(demo, number, students=[enrolment], marks=marks)
        set_conduct(demo, number, students=[enrolment])
    plan_approve(actor=demo.user("principal"), plan=draft(demo, enrolment))

    html = login("homeroom_6a1").get(reverse("gradebook:results", args=[demo.school_class("6A1").pk, "year"]))
    assert "KHGDCN" in html.content.decode()

    card = printed.report_card(enrolment, 2)
    year = card.years[-1]
    assert year.individual_plan.startswith("Đánh giá theo kế hoạch giáo dục cá nhân")
    modes = {subject.name: subject.plan_mode for subject in year.subjects}
    assert modes[demo.subject("anh").name] == "Miễn" and modes[demo.subject("toan").name] == "Điểm số"
    assert year.learning[2] == "Tốt"
    other = printed.report_card(studying(demo)[1], 2).years[-1]
    assert other.individual_plan == "" and all(subject.plan_mode == "" for subject in other.subjects)


# --- query counts ---------------------------------------------------------------------------------------

# Session and user; the actor's school; the class (year, homeroom teacher); the homeroom right (roles,
# permissions of user and groups, object permissions of user and groups); the class list; the plans;
# the base template's current year.
LIST_QUERIES = 12


def test_the_plan_list_costs_the_same_queries_for_two_class_sizes(demo, login, django_assert_num_queries):
    client, path = login("homeroom_6a1"), list_url(demo)
    draft(demo, studying(demo)[0])
    with django_assert_num_queries(LIST_QUERIES):
        first = client.get(path)
    added = add_students(demo, 10)
    draft(demo, added[0])
    with django_assert_num_queries(LIST_QUERIES):
        second = client.get(path)
    assert first.content.decode().count('class="plan-link"') + 10 == second.content.decode().count('class="plan-link"')
