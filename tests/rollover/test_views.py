"""The rollover page and the drafts page: what the board sees and what a confirmation does."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schoolrecords import models as sm
from schoolrecords import services as setup
from seed.demo import demo_year

YEAR = demo_year()  # the demo's year, rolled over here into the next
NEXT = YEAR.next.name


def test_the_year_page_links_to_the_rollover(demo, login):
    page = login("board").get(reverse("setup:year_edit", args=[demo.year.pk]))
    assert reverse("gradebook:rollover", args=[demo.year.pk]) in page.content.decode()


def test_the_preview_lists_every_move_and_highlights_the_decisions_in_vietnamese(demo, login):
    page = login("board").get(reverse("gradebook:rollover", args=[demo.year.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Chuyển năm học {YEAR.name} sang {NEXT}" in html
    studying = sm.Enrolment.objects.filter(school_class__year=demo.year, status="studying").count()
    assert html.count('<tr class="decision">') == studying  # term I in progress: nobody's results are complete
    assert demo.newcomer("6A1", 40).code in html and "Chuyển trường" in html  # the transfer out, not carried
    assert f"Bắt đầu năm học {NEXT}" in html
    assert not sm.SchoolYear.objects.filter(name=NEXT).exists()


def test_confirming_without_a_reason_saves_nothing_and_says_so_at_the_field(demo, login):
    page = login("board").post(reverse("gradebook:rollover", args=[demo.year.pk]), {"reason": " "})
    assert page.status_code == 200
    assert "Hãy ghi lý do." in page.content.decode()
    assert not sm.SchoolYear.objects.filter(name=NEXT).exists()


def test_confirming_makes_the_year_and_leads_to_the_drafts_then_a_second_time_is_refused(demo, login):
    client = login("board")
    url = reverse("gradebook:rollover", args=[demo.year.pk])
    done = client.post(url, {"reason": "Họp hội đồng cuối năm"})
    new = sm.SchoolYear.objects.get(school=demo.school, name=NEXT)
    assert done.status_code == 302 and done.url == reverse("setup:drafts", args=[new.pk])
    drafts = client.get(done.url)
    assert drafts.status_code == 200
    html = drafts.content.decode()
    assert f"Đã bắt đầu năm học {NEXT}" in html
    assert html.count('name="assignment"') == sm.TeachingAssignment.objects.filter(year=new, state="draft").count()
    again = client.post(url, {"reason": "Lần nữa"}, follow=True)
    assert f"Năm học {NEXT} đã có lớp" in again.content.decode()
    assert sm.SchoolClass.objects.filter(year=new).count() == 8


def test_the_drafts_page_confirms_one_then_all(demo, login):
    board = demo.user("board")
    client = login("board")
    client.post(reverse("gradebook:rollover", args=[demo.year.pk]), {"reason": "Năm học mới"})
    new = sm.SchoolYear.objects.get(school=demo.school, name=NEXT)
    url = reverse("setup:drafts", args=[new.pk])
    draft = sm.TeachingAssignment.objects.filter(year=new, state="draft").order_by("pk").first()
    client.post(url, {"assignment": draft.pk})
    draft.refresh_from_db()
    assert not draft.is_draft
    assert draft.history.first().history_user == board
    school_class = sm.SchoolClass.objects.filter(year=new, draft_homeroom_teacher__isnull=False).first()
    client.post(url, {"homeroom": school_class.pk})
    school_class.refresh_from_db()
    assert school_class.homeroom_teacher is not None and school_class.draft_homeroom_teacher is None
    client.post(url, {"all": "1"})
    assert not sm.TeachingAssignment.objects.filter(year=new, state="draft").exists()
    assert not sm.SchoolClass.objects.filter(year=new, draft_homeroom_teacher__isnull=False).exists()


def test_another_years_draft_cannot_be_confirmed_through_this_years_page(demo, login, other_school):
    client = login("board")
    client.post(reverse("gradebook:rollover", args=[demo.year.pk]), {"reason": "Năm học mới"})
    new = sm.SchoolYear.objects.get(school=demo.school, name=NEXT)
    draft = sm.TeachingAssignment.objects.filter(year=new, state="draft").first()
    answer = client.post(reverse("setup:drafts", args=[demo.year.pk]), {"assignment": draft.pk})
    assert answer.status_code == 404
    draft.refresh_from_db()
    assert draft.is_draft


def _grow(demo, extra: int) -> None:
    """More students in every class: the preview's queries must not follow the number of students."""
    board = demo.user("board")
    for school_class in sm.SchoolClass.objects.filter(year=demo.year):
        for number in range(extra):
            student = setup.student_save(actor=board, school=demo.school, code=f"X{school_class.name}{number:03d}",
                                         full_name=f"Nguyễn Văn Thêm {number}", gender="male",
                                         date_of_birth=datetime.date(2012, 1, 1))
            setup.enrolment_create(actor=board, student=student, school_class=school_class)


@pytest.mark.parametrize("extra", [0, 15])
def test_the_preview_page_takes_the_same_queries_whatever_the_class_sizes(demo, login, extra):
    client = login("board")
    _grow(demo, extra)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("gradebook:rollover", args=[demo.year.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("<tr") > 300 + 8 * extra
    # The class data per class (its results, the earlier results and the approved individual plans among
    # them) for eight classes, and the page's own (the classes' own subject sets among them): the same at
    # 40 or 55 a class.
    assert len(queries) == 136, "\n".join(q["sql"] for q in queries.captured_queries)
