"""The remarks sheet page and the comment bank pages: labelled boxes, the pasted column's preview, all-or-nothing save."""

import pytest
from django.urls import reverse

from gradebook.models import RemarkPhrase, SubjectRemark
from gradebook.remarks import services
from gradebook.remarks.services import remark_key

from .test_grid_views import add_students
from .test_results import term
from .test_results_services import approve, complete_term

pytestmark = pytest.mark.django_db


def sheet_url(demo, period=1, subject="toan"):
    return reverse("gradebook:remarks", args=[demo.assignment("6A1", subject).pk, period])


def writable(demo):
    """6A1's students who have a remark box in term I, in the sheet's order."""
    from gradebook.remarks.selectors import remark_sheet

    sheet = remark_sheet(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), number=1)
    return [row.enrolment for row in sheet.writable_rows]


def test_the_teacher_gets_a_labelled_box_per_student_and_the_phrase_picker(demo, login):
    services.phrase_create(actor=demo.user("teacher_math"), text="Có tiến bộ trong giải toán")
    services.phrase_create(actor=demo.user("gv_tin"), text="Cụm từ của thầy Tin")
    client = login("teacher_math")
    page = client.get(sheet_url(demo)).content.decode()

    students = writable(demo)
    assert page.count('class="remark"') == len(students)
    first = students[0]
    assert f'<label for="id_{remark_key(first.pk)}">{first.student.full_name}</label>' in page
    assert "Có tiến bộ trong giải toán" in page and "Cụm từ của thầy Tin" not in page
    assert 'id="phrase-picker"' in page and "remarks.js" in page


def test_saving_writes_every_box_at_once_and_shows_it_again(demo, login):
    first, second = writable(demo)[:2]
    client = login("teacher_math")
    response = client.post(sheet_url(demo), {"action": "save", remark_key(first.pk): "Chăm chỉ",
                                             remark_key(second.pk): "Cần cẩn thận"})

    assert response.status_code == 302
    assert dict(SubjectRemark.objects.values_list("enrolment_id", "text")) == {first.pk: "Chăm chỉ",
                                                                               second.pk: "Cần cẩn thận"}
    assert "Chăm chỉ" in client.get(sheet_url(demo)).content.decode()


def test_one_remark_too_long_saves_nothing_and_is_marked_at_its_row(demo, login):
    first, second = writable(demo)[:2]
    client = login("teacher_math")
    response = client.post(sheet_url(demo), {"action": "save", remark_key(first.pk): "Tốt",
                                             remark_key(second.pk): "x" * 301})

    assert response.status_code == 400
    assert not SubjectRemark.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == [remark_key(second.pk)]
    assert "300" in form.errors[remark_key(second.pk)][0]


def test_a_box_left_out_of_the_post_keeps_its_remark(demo, login):
    first, second = writable(demo)[:2]
    services.subject_remarks_save(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                  term=term(demo, 1), texts={first.pk: "Giữ nguyên"})
    login("teacher_math").post(sheet_url(demo), {"action": "save", remark_key(second.pk): "Mới"})

    assert dict(SubjectRemark.objects.values_list("enrolment_id", "text")) == {first.pk: "Giữ nguyên",
                                                                               second.pk: "Mới"}


def test_a_pasted_column_is_previewed_in_the_boxes_in_order_and_not_saved(demo, login):
    students = writable(demo)
    client = login("teacher_math")
    response = client.post(sheet_url(demo), {"action": "paste", "paste": "Tốt\nKhá\n\"Cần\ncố gắng\"\n"})

    assert response.status_code == 200
    assert not SubjectRemark.objects.exists()
    form = response.context["form"]
    assert [form.data[remark_key(e.pk)] for e in students[:3]] == ["Tốt", "Khá", "Cần cố gắng"]
    assert form.pasted_lines == {students[0].pk: 1, students[1].pk: 2, students[2].pk: 3}
    page = response.content.decode()
    assert f"Đã dán 3 dòng cho {len(students)} học sinh: {len(students) - 3} học sinh cuối" in page
    assert 'data-dirty="1"' in page  # leaving the page now warns


def test_more_lines_than_students_are_dropped_with_a_message(demo, login):
    students = writable(demo)
    client = login("teacher_math")
    lines = "\n".join(f"Dòng {n}" for n in range(1, len(students) + 3))
    response = client.post(sheet_url(demo), {"action": "paste", "paste": lines}, follow=False)

    form = response.context["form"]
    assert form.data[remark_key(students[-1].pk)] == f"Dòng {len(students)}"
    messages = [str(m) for m in response.context["messages"]]
    assert any("2" in m and str(len(students)) in m for m in messages)


def test_a_reader_sees_the_remarks_without_boxes_and_may_not_post(demo, login):
    first = writable(demo)[0]
    services.subject_remarks_save(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                  term=term(demo, 1), texts={first.pk: "Đọc được"})
    client = login("principal")
    page = client.get(sheet_url(demo)).content.decode()
    assert "Đọc được" in page and 'class="remark"' not in page
    assert client.post(sheet_url(demo), {remark_key(first.pk): "Đổi"}).status_code == 403
    assert SubjectRemark.objects.get().text == "Đọc được"


def test_an_approved_period_shows_why_and_the_way_to_the_corrections(demo, login):
    complete_term(demo, 1)
    approve(demo, 1)
    page = login("teacher_math").get(sheet_url(demo)).content.decode()

    assert 'id="remarks-refusal"' in page and 'class="remark"' not in page
    assert reverse("gradebook:corrections") in page


def test_the_grid_and_the_teachers_home_link_to_the_remarks(demo, login):
    client = login("teacher_math")
    grid = client.get(reverse("gradebook:grid", args=[demo.assignment("6A1", "toan").pk, 1])).content.decode()
    home = client.get(reverse("home")).content.decode()

    assert sheet_url(demo, 1) in grid
    for period in (1, 2, "year"):
        assert sheet_url(demo, period) in home
    assert reverse("gradebook:remark_phrases") in home


# The session, its user and profile with its school; the assignment; the reader's roles and object permission
# (two queries, asked again by the entry rule); the terms; the exemptions; the grade's periods; the approval and
# test dates; windows; locks; the students; their remarks; the phrases.
PAGE_QUERIES = 21


def test_the_sheet_costs_the_same_queries_for_40_and_50_students(demo, login, django_assert_num_queries):
    client = login("teacher_math")
    url = sheet_url(demo)
    services.phrase_create(actor=demo.user("teacher_math"), text="Tốt")
    services.subject_remarks_save(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                  term=term(demo, 1), texts={e.pk: "Tốt" for e in writable(demo)})
    pages = []
    for size in (40, 50):
        if size == 50:
            add_students(demo, 10)
            services.phrase_create(actor=demo.user("board"), text="Chăm ngoan", for_school=True)
        with django_assert_num_queries(PAGE_QUERIES):
            pages.append(client.get(url).content.decode())
    assert [page.count('class="remark"') for page in pages] == [40, 50]  # the one who left in term II too
    assert "Chăm ngoan" in pages[1]


# --- the comment bank pages ------------------------------------------------------------------------------


def test_a_teacher_adds_edits_and_deletes_their_own_phrase(demo, login):
    client = login("teacher_math")
    url = reverse("gradebook:remark_phrases")
    assert client.post(url, {"text": "Tiếp thu nhanh", "subject": demo.subject("toan").pk}).status_code == 302
    phrase = RemarkPhrase.objects.get()
    assert (phrase.owner, phrase.subject) == (demo.user("teacher_math"), demo.subject("toan"))
    page = client.get(url).content.decode()
    assert "Tiếp thu nhanh" in page and 'name="for_school"' not in page  # a teacher keeps no school phrases

    edit = reverse("gradebook:remark_phrase", args=[phrase.pk])
    assert client.post(edit, {"action": "save", "text": "Tiếp thu rất nhanh", "subject": ""}).status_code == 302
    phrase.refresh_from_db()
    assert (phrase.text, phrase.subject) == ("Tiếp thu rất nhanh", None)
    assert client.post(edit, {"action": "delete"}).status_code == 302
    assert not RemarkPhrase.objects.exists()


def test_the_board_adds_a_school_phrase_that_every_teacher_sees_but_only_keepers_edit(demo, login):
    board = login("board")
    board.post(reverse("gradebook:remark_phrases"), {"text": "Ngoan, lễ phép", "for_school": "on"})
    phrase = RemarkPhrase.objects.get()
    assert phrase.owner is None

    teacher = login("teacher_math")
    assert "Ngoan, lễ phép" in teacher.get(reverse("gradebook:remark_phrases")).content.decode()
    assert teacher.get(reverse("gradebook:remark_phrase", args=[phrase.pk])).status_code == 403


def test_another_teachers_phrase_page_is_a_404(demo, login):
    phrase = services.phrase_create(actor=demo.user("gv_tin"), text="Riêng của thầy Tin")
    assert login("teacher_math").get(reverse("gradebook:remark_phrase", args=[phrase.pk])).status_code == 404


def test_an_empty_phrase_is_refused_at_the_field_in_vietnamese(demo, login):
    client = login("teacher_math")
    response = client.post(reverse("gradebook:remark_phrases"), {"text": "   "}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    assert "text" in response.context["form"].errors
