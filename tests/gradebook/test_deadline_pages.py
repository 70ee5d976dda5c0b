"""The windows list and the deadlines page: who may set what, and query counts that do not grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gradebook.models import TermSchedule
from gradebook.windows import services as locks
from gradebook.windows.selectors import regular_correction_deadline
from schoolrecords import services
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db


def _schedule_post(term, **values):
    data = {"term": term.pk, f"t{term.pk}-midterm_test_on": f"03/11/{DEMO_YEAR.first}", f"t{term.pk}-final_test_on": f"22/12/{DEMO_YEAR.first}",
            f"t{term.pk}-midterm_entry_days": "14", f"t{term.pk}-regular_correction_days": "7"}
    data.update({f"t{term.pk}-{key}": value for key, value in values.items()})
    return data


def test_the_board_sets_a_terms_test_dates_typed_dd_mm_yyyy(demo, login):
    term = demo.year.terms.get(number=1)
    response = login("board").post(reverse("gradebook:deadlines"), _schedule_post(term))
    assert response.status_code == 302
    schedule = TermSchedule.objects.get(term=term)
    assert schedule.midterm_test_on == DEMO_YEAR.on(11, 3)
    assert regular_correction_deadline(schedule) == DEMO_YEAR.on(12, 15)
    assert schedule.history.latest().history_user.username == "board"


def test_an_end_of_term_test_before_the_mid_term_is_refused_at_its_field(demo, login):
    term = demo.year.terms.get(number=1)
    response = login("board").post(reverse("gradebook:deadlines"), _schedule_post(term, final_test_on=f"01/10/{DEMO_YEAR.first}"))
    assert response.status_code == 200
    form = dict(response.context["schedule_forms"])[term]
    assert form.errors["final_test_on"]
    assert not TermSchedule.objects.filter(term=term).exists()


def test_the_vice_principal_sees_the_dates_but_cannot_set_them(demo, login):
    term = demo.year.terms.get(number=1)
    client = login("vice")
    assert client.get(reverse("gradebook:deadlines")).status_code == 200
    assert client.post(reverse("gradebook:deadlines"), _schedule_post(term)).status_code == 403
    assert not TermSchedule.objects.filter(term=term).exists()


def test_teachers_do_not_see_the_deadlines_page(demo, login):
    assert login("teacher_math").get(reverse("gradebook:deadlines")).status_code == 403


def _extra_class(demo, name):
    board = demo.user("board")
    school_class = services.school_class_save(actor=board, year=demo.year, name=name, grade=9,
                                              homeroom_teacher=demo.user("gv_cn"))
    for subject_code, username in (("toan", "head_math"), ("van", "gv_van2"), ("anh", "gv_anh2")):
        services.assignment_create(actor=board, school_class=school_class, subject=demo.subject(subject_code),
                                   teacher=demo.user(username), start_date=demo.year.start_date)


@pytest.mark.parametrize("url_name", ["gradebook:deadlines", "gradebook:windows"])
def test_the_pages_take_the_same_queries_with_more_classes_and_windows(demo, login, url_name):
    term = demo.year.terms.get(number=1)
    board = demo.user("board")
    locks.schedule_save(actor=board, term=term, midterm_test_on=DEMO_YEAR.on(11, 3),
                        final_test_on=DEMO_YEAR.on(12, 22))
    locks.window_create(actor=board, term=term, opens_at=timezone.now() - datetime.timedelta(days=1))
    client = login("board")
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url_name)).status_code == 200
    for name in ("9B1", "9B2"):
        _extra_class(demo, name)
    for days in (2, 3, 4):
        locks.window_create(actor=board, term=term, opens_at=timezone.now() - datetime.timedelta(days=days))
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(url_name)).status_code == 200
    assert len(large) == len(small)
