"""The roll-call pages: the class × month sheet, its JSON save, the month sheet's totals by day, the home reminder."""

import datetime
import json

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from gradebook.homeroom.selectors import rollcall_home
from gradebook.homeroom.services import rollcall_save
from gradebook.models import DailyAbsence, MonthlyAbsence
from schoolrecords import models as sm
from schoolrecords import services as setup
from seed.demo import demo_year

from .test_results import studying

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

OCTOBER = DEMO_YEAR.month(10)
SUNDAYS = [n for n in range(1, 32) if datetime.date(*OCTOBER, n).weekday() == 6]  # of October in the demo's year
DAY = 2 if 2 not in SUNDAYS else 3  # a school day early in October
WEEKDAYS = sum(1 for n in range(1, 32) if datetime.date(*OCTOBER, n).weekday() < 5)


def sheet_url(demo, month=OCTOBER, class_name="6A1"):
    return reverse("gradebook:rollcall", args=[demo.school_class(class_name).pk, *month])


def save_url(demo, month=OCTOBER, class_name="6A1"):
    return reverse("gradebook:rollcall_save", args=[demo.school_class(class_name).pk, *month])


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def add_students(demo, count: int) -> list[sm.Enrolment]:
    board, school_class = demo.user("board"), demo.school_class("6A1")
    added = []
    for number in range(count):
        student = setup.student_save(actor=board, school=demo.school, code=f"RC{number:03d}",
                                     full_name=f"Trần Thị Thêm {number}", date_of_birth=datetime.date(2014, 5, 5),
                                     gender=sm.Student.Gender.FEMALE)
        added.append(setup.enrolment_create(actor=board, student=student, school_class=school_class,
                                            start_date=demo.year.start_date))
    return added


def test_the_sheet_has_a_labelled_input_per_student_and_open_day_and_greys_sundays(demo, login):
    first = studying(demo)[0]
    rollcall_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                  day=DEMO_YEAR.on(10, 1), marks={first.pk: "P"})
    response = login("homeroom_6a1").get(sheet_url(demo))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'aria-label="{first.student.full_name}, 01/10"' in html
    assert 'value="P" maxlength="1"' in html
    # The Sundays of October have no inputs; every other day has one per student (all in the class then)
    students = sm.Enrolment.objects.filter(school_class=demo.school_class("6A1")).count()
    assert html.count('class="rc"') == (31 - len(SUNDAYS)) * students
    assert f'class="d weekend off" data-day="{SUNDAYS[0]}"' in html
    assert "gradebook/rollcall.js" in html
    assert 'id="rollcall-config"' in html


def test_a_mark_is_saved_by_json_and_answers_the_months_totals(demo, login):
    first = studying(demo)[0]
    client = login("homeroom_6a1")
    response = post(client, save_url(demo), {"day": DAY, "marks": {str(first.pk): "k"}})

    assert response.status_code == 200
    body = response.json()
    assert body["marks"] == {str(first.pk): "K"} and body["totals"][str(first.pk)] == [0, 1]
    assert DailyAbsence.objects.get(enrolment=first).date == DEMO_YEAR.on(10, DAY)
    mark = DailyAbsence.objects.get(enrolment=first)
    assert mark.history.get().history_user == demo.user("homeroom_6a1")


def test_a_refused_mark_answers_its_reason_in_vietnamese(demo, login):
    first = studying(demo)[0]
    client = login("homeroom_6a1")
    with translation.override("vi"):
        response = post(client, save_url(demo), {"day": SUNDAYS[0], "marks": {str(first.pk): "P"}})

    assert response.status_code == 400
    assert response.json()["error"] == f"Ngày {SUNDAYS[0]:02d}/10/{DEMO_YEAR.first} là Chủ nhật: không có điểm danh."
    assert post(client, save_url(demo), {"day": 40, "marks": {}}).status_code == 400
    assert post(client, save_url(demo), {"marks": {}}).status_code == 400
    assert not DailyAbsence.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_another_teacher_is_refused_and_another_schools_class_is_not_found(demo, login, other_school):
    client = login("teacher_math")
    assert post(client, save_url(demo), {"day": 1, "marks": {}}).status_code == 403
    assert client.get(sheet_url(demo)).status_code == 403
    url = reverse("gradebook:rollcall_save", args=[other_school["school_class"].pk, *OCTOBER])
    assert post(login("homeroom_6a1"), url, {"day": 1, "marks": {}}).status_code == 404


def test_a_month_outside_the_year_is_not_found(demo, login):
    client = login("homeroom_6a1")
    assert client.get(sheet_url(demo, DEMO_YEAR.month(8))).status_code == 404
    assert client.get(sheet_url(demo, (DEMO_YEAR.first, 13))).status_code == 404


# --- the month sheet and the home page ----------------------------------------------------------------------


def test_the_month_sheet_shows_a_month_kept_by_day_read_only_and_links_each_month_to_its_roll_call(demo, login):
    first = studying(demo)[0]
    rollcall_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                  day=DEMO_YEAR.on(10, 1), marks={first.pk: "P"})
    html = login("homeroom_6a1").get(reverse("gradebook:homeroom", args=[demo.school_class("6A1").pk, 1])
                                     ).content.decode()

    assert f'name="excused-{first.pk}-{DEMO_YEAR.first}-10"' not in html  # counted from the days
    assert f'name="excused-{first.pk}-{DEMO_YEAR.first}-9"' in html  # typed
    for month in [DEMO_YEAR.month(9), DEMO_YEAR.month(10), DEMO_YEAR.month(11), DEMO_YEAR.month(12)]:
        assert f'href="{sheet_url(demo, month)}"' in html


def test_saving_the_month_sheet_keeps_the_totals_counted_from_the_days(demo, login):
    from .test_results_views import _sheet_post

    first = studying(demo)[0]
    rollcall_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                  day=DEMO_YEAR.on(10, 1), marks={first.pk: "K"})
    client = login("homeroom_6a1")
    data = _sheet_post(demo, studying(demo))
    data[f"excused-{first.pk}-{DEMO_YEAR.first}-9"] = "2"
    response = client.post(reverse("gradebook:homeroom", args=[demo.school_class("6A1").pk, 1]), data)

    assert response.status_code == 302
    assert MonthlyAbsence.objects.get(enrolment=first, month=10).unexcused == 1
    assert MonthlyAbsence.objects.get(enrolment=first, month=9).excused == 2


def test_the_home_card_reminds_of_the_days_not_checked_and_links_the_sheet(demo):
    school_class = demo.school_class("6A1")
    entries = rollcall_home(classes=[school_class], today=DEMO_YEAR.on(11, 2))
    with translation.override("vi"):
        html = render_to_string("gradebook/_home_homeroom.html", {"homeroom": [school_class], "rollcall": entries})

    assert f"Điểm danh tháng 10/{DEMO_YEAR.first} (6A1): còn {WEEKDAYS} ngày chưa điểm danh — hạn nhập 03/11." in html
    assert f'href="{reverse("gradebook:rollcall", args=[school_class.pk, *OCTOBER])}"' in html
    assert f'href="{reverse("gradebook:rollcall", args=[school_class.pk, *DEMO_YEAR.month(11)])}"' in html  # this month


def test_the_home_page_links_the_homeroom_teacher_to_the_roll_call(demo, login):
    school_class = demo.school_class("6A1")
    html = login("homeroom_6a1").get(reverse("home")).content.decode()

    [entry] = rollcall_home(classes=[school_class])  # today's month, or the year's nearest
    assert f'href="{reverse("gradebook:rollcall", args=[school_class.pk, *entry.month])}"' in html


# --- query counts -------------------------------------------------------------------------------------------

# Session and user; the actor's school (profile with school); the class with its year and homeroom teacher;
# the homeroom right (global permissions: user, groups; object permissions: user, groups); terms, days taken,
# the month's marks, approvals, class list; the base template's current year and the roles it shows.
ROLLCALL_QUERIES = 15


def test_the_sheet_costs_the_same_queries_for_40_and_50_students(demo, login, django_assert_num_queries):
    client, url = login("homeroom_6a1"), sheet_url(demo)
    homeroom = demo.user("homeroom_6a1")
    rollcall_save(actor=homeroom, school_class=demo.school_class("6A1"), day=DEMO_YEAR.on(10, 1),
                  marks={enrolment.pk: "P" for enrolment in studying(demo)[:5]})
    with django_assert_num_queries(ROLLCALL_QUERIES):
        first = client.get(url)
    added = add_students(demo, 10)
    rollcall_save(actor=homeroom, school_class=demo.school_class("6A1"), day=DEMO_YEAR.on(10, 2),
                  marks={enrolment.pk: "K" for enrolment in added})
    with django_assert_num_queries(ROLLCALL_QUERIES):
        second = client.get(url)

    assert first.content.decode().count("<tr data-e=") + 10 == second.content.decode().count("<tr data-e=")


# Session and user; the actor's school; the class; a savepoint; the class locked; the homeroom right (global
# permissions: user, groups; object permissions: user, groups); terms; approvals; class list; the day taken; the
# day's marks locked; the mark and its history row; the month's marks counted; the month's totals locked; the
# changed total and its history row; the savepoint released.
SAVE_QUERIES = 22


def test_a_save_costs_the_same_queries_for_40_and_50_students(demo, login, django_assert_num_queries):
    client, url = login("homeroom_6a1"), save_url(demo)
    first, second = (str(enrolment.pk) for enrolment in studying(demo)[:2])
    post(client, url, {"day": 1, "marks": {}})  # the day taken
    with django_assert_num_queries(SAVE_QUERIES):  # a new mark, a new month total
        assert post(client, url, {"day": 1, "marks": {first: "P"}}).status_code == 200
    add_students(demo, 10)
    with django_assert_num_queries(SAVE_QUERIES):
        assert post(client, url, {"day": 1, "marks": {second: "K"}}).status_code == 200
