"""What is due: the teacher's next week, the head's review queue, the per-department overview, the home card,
and the query counts of every list and dashboard at two sizes."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from eledger import selectors, services
from eledger.models import Document

from .conftest import next_weekday, pdf_upload

S = Document.Status
WEDNESDAY = datetime.date(2025, 10, 1)
NEXT_THURSDAY = datetime.date(2025, 10, 9)


def test_teacher_sees_what_is_missing_for_next_week(demo, store):
    teacher = demo.user("teacher_math")
    week = selectors.teacher_week(teacher, WEDNESDAY)
    assert (week["monday"], week["sunday"]) == (datetime.date(2025, 10, 6), datetime.date(2025, 10, 12))
    assert week["upload_by"] == datetime.date(2025, 10, 3)  # Monday's lessons: by Friday
    assert week["review_by"] == datetime.date(2025, 10, 4)  # the Saturday before
    assert week["missing"] == [("Toán", 6), ("Toán", 7)]
    store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    week = selectors.teacher_week(teacher, WEDNESDAY)
    assert week["missing"] == [("Toán", 7)]
    assert [p.title for p in week["plans"]] == ["TOÁN 6_TIẾT 1_TẬP HỢP"]


def test_a_plan_for_the_week_after_does_not_count_for_next_week(demo, store):
    store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY + datetime.timedelta(days=7))
    assert selectors.teacher_week(demo.user("teacher_math"), WEDNESDAY)["missing"] == [("Toán", 6), ("Toán", 7)]


def test_teacher_sees_late_returned_and_unsent(demo, store):
    saturday, next_monday = datetime.date(2025, 10, 4), datetime.date(2025, 10, 6)
    late = store.lesson_plan(today=saturday, teaching_date=next_monday)  # 2 days before
    returned = store.lesson_plan(grade=7, period=2, title="Số hữu tỉ", today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    services.document_return(actor=demo.user("head_math"), document=returned, comment="Sửa")
    draft = store.lesson_plan(period=3, title="Phần tử", today=WEDNESDAY, teaching_date=NEXT_THURSDAY, submit=False)
    week = selectors.teacher_week(demo.user("teacher_math"), saturday)
    assert week["late"] == [late]
    assert week["returned"] == [returned]
    assert week["drafts"] == [draft]


@pytest.mark.parametrize(("today", "where"), [
    (datetime.date(2025, 10, 1), "waiting"),   # Wednesday before
    (datetime.date(2025, 10, 4), "waiting"),   # the Saturday deadline itself
    (datetime.date(2025, 10, 5), "overdue"),   # Sunday: the Saturday has passed
    (datetime.date(2025, 10, 9), "overdue"),   # the teaching day
])
def test_the_heads_queue_splits_waiting_and_overdue_by_the_saturday_rule(demo, store, today, where):
    plan = store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    queue = selectors.review_queue(demo.user("head_math"), today)
    assert queue[where] == [plan]
    assert queue["waiting" if where == "overdue" else "overdue"] == []


def test_the_queue_holds_only_what_this_reviewer_may_review(demo, store):
    own = store.lesson_plan("head_math", grade=8, today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    member = store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    assert selectors.review_queue(demo.user("head_math"), WEDNESDAY)["waiting"] == [member]
    assert set(selectors.review_queue(demo.user("vice"), WEDNESDAY)["waiting"]) == {own, member}
    assert selectors.review_queue(demo.user("gv_van2"), WEDNESDAY)["waiting"] == []
    assert selectors.review_queue(demo.user("teacher_math"), WEDNESDAY)["waiting"] == []


def test_the_department_week_lists_each_teacher(demo, store):
    store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    [(department, members)] = selectors.department_week(demo.user("head_math"), WEDNESDAY)
    assert department == demo.subject("toan").department
    rows = {w.name: w for w in members}
    assert set(rows) == {"Đỗ Thị Mai", "Hoàng Văn Long", "Vũ Đức Anh"}
    mai = rows["Đỗ Thị Mai"]
    assert (len(mai.plans), mai.submitted, [(e.subject_name, e.grade) for e in mai.missing]) == (1, 1, [("Toán", 7)])
    assert [(e.subject_name, e.grade) for e in rows["Vũ Đức Anh"].missing] == [("Tin học", g) for g in (6, 7, 8, 9)]


def test_the_vice_principal_sees_every_department(demo, store):
    store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    late = store.lesson_plan(grade=7, period=2, title="Số hữu tỉ", today=datetime.date(2025, 10, 8),
                             teaching_date=NEXT_THURSDAY)
    services.document_approve(actor=demo.user("head_math"), document=late)
    overview = selectors.school_overview(demo.user("vice"), datetime.date(2025, 10, 8))
    rows = {r.department.name: r for r in overview["rows"]}
    assert len(rows) == 5
    math = rows["Tổ Toán - Tin"]
    # On Wednesday 8th the review of the submitted plan for Thursday 9th is overdue.
    assert (math.waiting, math.overdue) == (0, 1)
    overview = selectors.school_overview(demo.user("vice"), WEDNESDAY)
    math = {r.department.name: r for r in overview["rows"]}["Tổ Toán - Tin"]
    assert (math.waiting, math.overdue, math.next_week_plans, math.next_week_approved, math.next_week_late) == (
        1, 0, 2, 1, 1)
    # Toán 8, Toán 9 (the head), Tin học 6-9 have no plan; Toán 6 and 7 have.
    assert math.next_week_missing == 6
    assert rows["Tổ Ngoại ngữ"].next_week_missing == 4  # Tiếng Anh 6, 7 (gv_anh1) and 8, 9 (gv_anh2)


def test_overdue_counts_agree_between_overview_and_queue(demo, store):
    store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    sunday = datetime.date(2025, 10, 5)
    math = {r.department.name: r for r in selectors.school_overview(demo.user("vice"), sunday)["rows"]}["Tổ Toán - Tin"]
    queue = selectors.review_queue(demo.user("vice"), sunday)
    assert (math.waiting, math.overdue) == (len(queue["waiting"]), len(queue["overdue"])) == (0, 1)


# --- the home page hook --------------------------------------------------------------------------


def test_home_summary_for_a_teacher(demo, store):
    summary = selectors.home_summary(demo.user("teacher_math"), WEDNESDAY)
    assert summary["teacher"]["missing"] == [("Toán", 6), ("Toán", 7)]
    assert summary["review"] is None and summary["departments"] is None


def test_home_summary_for_a_head(demo, store):
    store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    summary = selectors.home_summary(demo.user("head_math"), datetime.date(2025, 10, 5))
    assert summary["review"] == {"waiting": 0, "overdue": 1}
    assert summary["teacher"]["missing"] == [("Toán", 8), ("Toán", 9)]


def test_home_summary_for_the_vice_principal(demo, store):
    summary = selectors.home_summary(demo.user("vice"), WEDNESDAY)
    assert summary["teacher"] is None
    assert summary["review"] == {"waiting": 0, "overdue": 0}
    assert len(summary["departments"]) == 5


@pytest.mark.parametrize("username", ["clerk", "board"])
def test_home_summary_is_none_for_whoever_has_nothing_to_do_in_the_store(demo, store, username):
    assert selectors.home_summary(demo.user(username), WEDNESDAY) is None


def test_home_card_renders_inside_its_section(demo, store, rf):
    store.lesson_plan(today=WEDNESDAY, teaching_date=NEXT_THURSDAY)
    summary = selectors.home_summary(demo.user("head_math"), datetime.date(2025, 10, 5))
    html = render_to_string("eledger/_home_card.html", {"summary": summary})
    assert '<section class="card" id="todo-documents">' in html
    assert 'data-todo="review"' in html and 'data-todo="missing"' in html
    assert reverse("eledger:review_queue") in html
    assert render_to_string("eledger/_home_card.html", {"summary": None}).strip() == ""


# --- query counts at two sizes ------------------------------------------------------------------


def _grow(demo, store):
    """Plans of several teachers and departments in every state, this week and next."""
    today = timezone.localdate()
    thursday = next_weekday(today, 3)
    head, vice = demo.user("head_math"), demo.user("vice")
    plans = [
        store.lesson_plan(today=today, teaching_date=thursday, period=10),
        store.lesson_plan(today=today, teaching_date=thursday, period=11, grade=7),
        store.lesson_plan("head_math", today=today, teaching_date=thursday, period=12, grade=8),
        store.lesson_plan(today=today, teaching_date=thursday + datetime.timedelta(days=7), period=13),
        store.lesson_plan(today=today, teaching_date=thursday, period=14, submit=False),
    ]
    services.document_approve(actor=head, document=plans[0])
    services.document_return(actor=head, document=plans[1], comment="Sửa")
    services.document_approve(actor=vice, document=plans[2])
    for username, code in [("gv_anh1", "anh"), ("gv_van2", "van")]:
        services.document_create(
            actor=demo.user(username), kind=store.kinds["lesson_plan"], content=pdf_upload(), filename="x.pdf",
            subject=demo.subject(code), grade=8 if code == "van" else 6, period=5, lesson_title="Bài đọc",
            teaching_date=thursday, today=today, submit=True)
    for username in ["teacher_math", "gv_tin"]:
        services.document_create(actor=demo.user(username), kind=store.kinds["class_observation"],
                                 content=pdf_upload("Phiếu.pdf"), filename="Phiếu.pdf")
    services.document_create(actor=demo.user("board"), kind=store.kinds["content_library"],
                             content=pdf_upload("Mẫu.pdf"), filename="Mẫu.pdf")
    services.document_create(actor=head, kind=store.kinds["resolution"], content=pdf_upload("NQ.pdf"),
                             filename="NQ.pdf", department=demo.subject("toan").department)


def _one_of_each(demo, store):
    """The small size: one lesson plan, one library document, one department document."""
    store.lesson_plan(today=timezone.localdate(), teaching_date=next_weekday(timezone.localdate(), 3))
    services.document_create(actor=demo.user("board"), kind=store.kinds["content_library"],
                             content=pdf_upload("Mẫu 1.pdf"), filename="Mẫu 1.pdf")
    services.document_create(actor=demo.user("head_math"), kind=store.kinds["resolution"],
                             content=pdf_upload("NQ 1.pdf"), filename="NQ 1.pdf",
                             department=demo.subject("toan").department)


PAGES = [
    ("teacher_math", "eledger:index"), ("head_math", "eledger:index"), ("vice", "eledger:index"),
    ("vice", "eledger:list"), ("head_math", "eledger:list"), ("teacher_math", "eledger:list"),
    ("teacher_math", "eledger:my_folder"), ("teacher_math", "eledger:library"),
    ("head_math", "eledger:review_queue"), ("vice", "eledger:review_queue"),
    ("head_math", "eledger:overview"), ("vice", "eledger:overview"),
]


@pytest.mark.parametrize(("username", "url_name"), PAGES)
def test_lists_and_dashboards_take_the_same_queries_whatever_their_length(
        demo, store, login, django_assert_num_queries, username, url_name):
    client = login(username)
    url = reverse(url_name)
    _one_of_each(demo, store)
    client.get(url)  # warm-up: kinds seeded, content types cached
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(demo, store)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200


def test_a_heads_folder_view_of_a_teacher_takes_the_same_queries(demo, store, login, django_assert_num_queries):
    client = login("head_math")
    url = reverse("eledger:folder", args=[demo.user("teacher_math").pk])
    _one_of_each(demo, store)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _grow(demo, store)
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_the_document_page_takes_the_same_queries_whatever_its_history(demo, store, login,
                                                                       django_assert_num_queries):
    today = timezone.localdate()
    plan = store.lesson_plan(today=today, teaching_date=next_weekday(today, 3))
    client = login("head_math")
    url = reverse("eledger:detail", args=[plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for round_ in range(3):
        services.document_return(actor=demo.user("head_math"), document=plan, comment=f"Sửa lần {round_}")
        services.document_upload(actor=demo.user("teacher_math"), document=plan, content=pdf_upload(),
                                  filename="x.pdf", today=today)
        services.document_submit(actor=demo.user("teacher_math"), document=plan)
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("username", ["teacher_math", "head_math", "vice"])
def test_home_summary_takes_the_same_queries_whatever_the_numbers(demo, store, django_assert_num_queries, username):
    from django.contrib.auth import get_user_model

    def fresh():
        return get_user_model().objects.get(username=username)

    _one_of_each(demo, store)
    selectors.home_summary(fresh())
    with CaptureQueriesContext(connection) as small:
        selectors.home_summary(fresh())
    _grow(demo, store)
    with django_assert_num_queries(len(small)):
        selectors.home_summary(fresh())
