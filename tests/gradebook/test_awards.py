"""Certificates, competition results and awards of a student's year: who may enter them, bad input at the field,
the year's approval, the history, and the page's cost at two class sizes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from gradebook.awards import services
from gradebook.models import StudentAward
from gradebook.results.compute import YEAR

from .test_grid_views import add_students, studying
from .test_results import complete_year
from .test_results_services import approve

pytestmark = pytest.mark.django_db


def add(demo, enrolment, username="homeroom_6a1", **fields):
    values = {"kind": "competition", "text": "Thi học sinh giỏi Toán cấp thành phố", "level": "Giải Nhì"} | fields
    return services.award_add(actor=demo.user(username), school_class=demo.school_class("6A1"),
                              enrolment_id=enrolment.pk, reason="Theo quyết định khen thưởng", **values)


def url(demo, class_name="6A1"):
    return reverse("gradebook:awards", args=[demo.school_class(class_name).pk])


def test_the_homeroom_teacher_and_the_leadership_enter_awards_with_history(demo):
    first, second = studying(demo)[:2]
    day = demo.year.start_date + datetime.timedelta(days=60)
    award = add(demo, first, awarded_on=day)
    add(demo, second, username="vice", kind="certificate", text="Chứng chỉ tin học quốc tế IC3", level="")

    assert award.history.get().history_user == demo.user("homeroom_6a1")
    assert award.history.get().history_change_reason == "Theo quyết định khen thưởng"
    assert award.printed == f"Thi học sinh giỏi Toán cấp thành phố — Giải Nhì — {day:%d/%m/%Y}"
    services.award_remove(actor=demo.user("principal"), school_class=demo.school_class("6A1"), award_id=award.pk,
                          reason="Nhập nhầm học sinh")
    assert not StudentAward.objects.filter(pk=award.pk).exists()
    removed = StudentAward.history.filter(id=award.pk).latest("history_date")
    assert (removed.history_type, removed.history_user, removed.history_change_reason) == (
        "-", demo.user("principal"), "Nhập nhầm học sinh")
    assert StudentAward.objects.filter(enrolment=second, kind="certificate").count() == 1


def test_a_subject_teacher_another_homeroom_teacher_and_the_board_may_not(demo):
    enrolment = studying(demo)[0]
    for username in ("teacher_math", "gv_gdcd", "board", "clerk", "gv_van2"):
        with pytest.raises(PermissionDenied):
            add(demo, enrolment, username=username)
    assert not StudentAward.objects.exists()


def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(demo):
    enrolment = studying(demo)[0]
    with translation.override("vi"):
        with pytest.raises(ValidationError) as empty:
            add(demo, enrolment, text="   ")
        with pytest.raises(ValidationError) as long:
            add(demo, enrolment, text="x" * 501, level="y" * 101)
        with pytest.raises(ValidationError) as outside:
            add(demo, enrolment, awarded_on=demo.year.start_date - datetime.timedelta(days=1), kind="prize")
    assert empty.value.message_dict == {"text": ["Hãy ghi tên chứng chỉ, cuộc thi hoặc khen thưởng."]}
    assert long.value.message_dict["text"] == ["Tối đa 500 kí tự (nội dung này có 501 kí tự)."]
    assert "level" in long.value.message_dict
    assert set(outside.value.message_dict) == {"awarded_on", "kind"}
    assert add(demo, enrolment, text="x" * 500).text == "x" * 500  # the limit itself is fine
    other = studying(demo, "8A1")[0]
    with pytest.raises(ValidationError) as foreign:
        add(demo, other)
    assert "enrolment" in foreign.value.message_dict
    assert StudentAward.objects.count() == 1


def test_the_approved_year_refuses_a_change_and_points_to_the_principal(demo):
    enrolment = studying(demo)[0]
    award = add(demo, enrolment)
    complete_year(demo)
    approve(demo, YEAR)
    with translation.override("en"):
        for change in (lambda: add(demo, enrolment),
                       lambda: services.award_remove(actor=demo.user("homeroom_6a1"),
                                                     school_class=demo.school_class("6A1"), award_id=award.pk)):
            with pytest.raises(ValidationError) as refused:
                change()
            assert "Ask the principal to reopen the year's approval" in refused.value.messages[0]
    assert StudentAward.objects.filter(pk=award.pk).exists()


# --- the page ----------------------------------------------------------------------------------


def test_the_page_adds_and_removes_a_line_and_shows_errors_at_the_field(demo, login):
    client = login("homeroom_6a1")
    enrolment = studying(demo)[0]
    home = client.get(reverse("gradebook:homeroom", args=[demo.school_class("6A1").pk, "year"])).content.decode()
    assert url(demo) in home  # reachable from the homeroom teacher's class pages

    response = client.post(url(demo), {"enrolment": enrolment.pk, "kind": "certificate", "text": "",
                                       "awarded_on": "31/02/2027"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Hãy ghi tên chứng chỉ, cuộc thi hoặc khen thưởng." in page
    assert "Hãy ghi ngày theo dạng ngày/tháng/năm (dd/mm/yyyy)." in page
    response = client.post(url(demo), {"enrolment": enrolment.pk, "kind": "certificate", "text": "x" * 501})
    assert response.status_code == 400 and "Tối đa 500 kí tự (nội dung này có 501 kí tự)." in response.content.decode()
    assert not StudentAward.objects.exists()

    day = demo.year.start_date + datetime.timedelta(days=30)
    response = client.post(url(demo), {"enrolment": enrolment.pk, "kind": "certificate", "level": "B1",
                                       "text": "Chứng chỉ tiếng Anh", "awarded_on": f"{day:%d/%m/%Y}"})
    assert response.status_code == 302
    award = StudentAward.objects.get()
    assert (award.text, award.level, award.awarded_on, award.updated_by) == (
        "Chứng chỉ tiếng Anh", "B1", day, demo.user("homeroom_6a1"))
    page = client.get(url(demo)).content.decode()
    assert "Chứng chỉ tiếng Anh" in page and f"{day:%d/%m/%Y}" in page and 'id="no-awards"' not in page

    assert client.post(url(demo), {"action": "remove", "award": award.pk}).status_code == 302
    assert not StudentAward.objects.exists()


def test_the_page_is_read_only_once_the_year_is_approved(demo, login):
    complete_year(demo)
    approve(demo, YEAR)
    client = login("homeroom_6a1")
    page = client.get(url(demo)).content.decode()
    assert 'id="frozen-reason"' in page and 'id="award-add"' not in page
    response = client.post(url(demo), {"enrolment": studying(demo)[0].pk, "kind": "award", "text": "Giấy khen"})
    assert response.status_code == 400
    assert "hiệu trưởng mở lại phê duyệt cả năm" in response.content.decode()
    assert not StudentAward.objects.exists()


PAGE_QUERIES = 15


def test_the_page_costs_the_same_queries_for_two_class_sizes(demo, login, django_assert_num_queries):
    client = login("homeroom_6a1")
    for enrolment in studying(demo)[:3]:
        add(demo, enrolment)
    pages = []
    for extra in (0, 10):
        for enrolment in add_students(demo, extra, prefix="AWD"):
            add(demo, enrolment, kind="award", text="Giấy khen của Hiệu trưởng")
            add(demo, enrolment, kind="certificate", text="Chứng chỉ tin học")
        with django_assert_num_queries(PAGE_QUERIES):
            pages.append(client.get(url(demo)).content.decode())
    assert [page.count('id="award-') - page.count('id="award-add"') for page in pages] == [3, 23]
