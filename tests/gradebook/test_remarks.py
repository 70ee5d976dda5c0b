"""Subject remarks and the comment bank: who writes them, when the entry rule refuses, length, all or nothing, scoping."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gradebook.models import RemarkPhrase, SubjectRemark
from gradebook.remarks import selectors, services
from gradebook.remarks.services import remark_key
from gradebook.results.compute import YEAR
from gradebook.windows import services as locks

from .test_results import studying, term
from .test_results_services import approve, complete_term, exempt

pytestmark = pytest.mark.django_db


def save(demo, texts, *, number=1, username="teacher_math", subject="toan", reason="Nhận xét cuối kì"):
    return services.subject_remarks_save(actor=demo.user(username), assignment=demo.assignment("6A1", subject),
                                         term=term(demo, number) if number != YEAR else None, texts=texts,
                                         reason=reason)


def test_the_teacher_writes_remarks_with_who_and_why(demo):
    first, second = studying(demo)[:2]
    changed = save(demo, {first.pk: "  Tiến bộ rõ,\n chăm chỉ  ", second.pk: "Cần cẩn thận hơn"})

    assert changed == 2
    remark = SubjectRemark.objects.get(enrolment=first, subject=demo.subject("toan"), term__number=1)
    assert remark.text == "Tiến bộ rõ, chăm chỉ" and remark.updated_by == demo.user("teacher_math")
    [record] = remark.history.all()
    assert (record.history_user, record.history_change_reason) == (demo.user("teacher_math"), "Nhận xét cuối kì")


def test_the_same_remarks_again_change_nothing_and_a_cleared_one_leaves_history(demo):
    first, second = studying(demo)[:2]
    save(demo, {first.pk: "Tốt", second.pk: "Khá"})

    assert save(demo, {first.pk: "Tốt", second.pk: "Khá"}) == 0
    assert save(demo, {first.pk: "", second.pk: "Khá"}, reason="Nhập nhầm") == 1
    assert not SubjectRemark.objects.filter(enrolment=first).exists()
    deleted = SubjectRemark.history.filter(history_type="-").get()
    assert (deleted.history_user, deleted.history_change_reason) == (demo.user("teacher_math"), "Nhập nhầm")


def test_a_term_and_the_year_keep_their_own_remark(demo):
    enrolment = studying(demo)[0]
    save(demo, {enrolment.pk: "Học kì I tốt"}, number=1)
    save(demo, {enrolment.pk: "Cả năm tiến bộ"}, number=YEAR)

    rows = dict(SubjectRemark.objects.filter(enrolment=enrolment).values_list("term__number", "text"))
    assert rows == {1: "Học kì I tốt", None: "Cả năm tiến bộ"}


@pytest.mark.parametrize("username", ["gv_gdcd", "principal", "homeroom_6a1", "gv_tin"])
def test_only_the_assigned_teacher_writes_remarks(demo, username):
    enrolment = studying(demo)[0]
    with pytest.raises(PermissionDenied):
        save(demo, {enrolment.pk: "Tốt"}, username=username)
    assert not SubjectRemark.objects.exists()


def test_another_schools_teacher_gets_a_404(demo, other_school):
    enrolment = studying(demo)[0]
    with pytest.raises(Http404):
        services.subject_remarks_save(actor=other_school["teacher"], assignment=demo.assignment("6A1", "toan"),
                                      term=term(demo, 1), texts={enrolment.pk: "Tốt"})


def test_a_remark_longer_than_300_characters_refuses_the_whole_sheet_at_its_row(demo):
    first, second = studying(demo)[:2]
    with pytest.raises(ValidationError) as caught:
        save(demo, {first.pk: "Tốt", second.pk: "x" * 301})

    assert set(caught.value.error_dict) == {remark_key(second.pk)}
    assert "300" in caught.value.error_dict[remark_key(second.pk)][0].message
    assert not SubjectRemark.objects.exists()  # all or nothing: the good one is not written either


def test_a_student_of_another_class_or_exempt_refuses_the_whole_sheet(demo):
    first = studying(demo)[0]
    stranger = studying(demo, "8A1")[0]
    with pytest.raises(ValidationError):
        save(demo, {first.pk: "Tốt", stranger.pk: "Tốt"})
    exempt(demo, first, code="toan", number=1)
    with pytest.raises(ValidationError):
        save(demo, {first.pk: "Tốt"})
    assert not SubjectRemark.objects.exists()


def test_approved_results_freeze_the_remarks_and_say_where_a_change_goes(demo):
    enrolment = studying(demo)[0]
    complete_term(demo, 1)
    approve(demo, 1)

    with pytest.raises(ValidationError) as caught:
        save(demo, {enrolment.pk: "Tốt"})
    assert caught.value.code == "frozen"
    assert "phiếu đề nghị sửa" in caught.value.messages[0]  # the correction path, in Vietnamese
    assert save(demo, {enrolment.pk: "Học kì II"}, number=2) == 1  # term II is still open


def test_the_year_remarks_follow_term_twos_book_lock(demo):
    enrolment = studying(demo)[0]
    locks.book_lock(actor=demo.user("principal"), term=term(demo, 2), reason="Khóa sổ")
    with pytest.raises(ValidationError) as caught:
        save(demo, {enrolment.pk: "Cả năm"}, number=YEAR)
    assert caught.value.code == "closed"


def test_a_book_lock_refuses_the_terms_remarks(demo):
    enrolment = studying(demo)[0]
    locks.book_lock(actor=demo.user("principal"), term=term(demo, 1), reason="Khóa sổ")

    with pytest.raises(ValidationError) as caught:
        save(demo, {enrolment.pk: "Tốt"})
    assert caught.value.code == "closed"
    assert not SubjectRemark.objects.exists()


# --- the sheet ---------------------------------------------------------------------------------------


def test_the_sheet_shows_the_remarks_and_is_read_only_for_readers(demo):
    enrolment = studying(demo)[0]
    save(demo, {enrolment.pk: "Tốt"})

    teacher = selectors.remark_sheet(actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                                     number=1)
    reader = selectors.remark_sheet(actor=demo.user("principal"), assignment=demo.assignment("6A1", "toan"),
                                    number=1)
    assert teacher.can_write and not reader.can_write and reader.phrases == []
    assert next(row for row in reader.rows if row.enrolment.pk == enrolment.pk).text == "Tốt"
    assert not any(row.writable for row in reader.rows)
    with pytest.raises(PermissionDenied):
        selectors.remark_sheet(actor=demo.user("gv_gdcd"), assignment=demo.assignment("6A1", "toan"), number=1)


# --- the comment bank --------------------------------------------------------------------------------


def test_a_teacher_sees_their_own_and_the_schools_phrases_never_another_teachers(demo, other_school):
    mine = services.phrase_create(actor=demo.user("teacher_math"), text="Có tiến bộ", subject=demo.subject("toan"))
    services.phrase_create(actor=demo.user("gv_tin"), text="Phrase of gv_tin")
    school = services.phrase_create(actor=demo.user("board"), text="Chăm ngoan, lễ phép", for_school=True)
    services.phrase_create(actor=demo.user("teacher_math"), text="Chỉ cho Tin học", subject=demo.subject("tin"))
    services.phrase_create(actor=other_school["teacher"], text="Another school's")

    seen = selectors.phrases_for(demo.user("teacher_math"), subject_id=demo.subject("toan").pk)
    assert seen == [school, mine]
    assert {p.text for p in selectors.phrases_for(demo.user("teacher_math"))} == {
        "Có tiến bộ", "Chăm ngoan, lễ phép", "Chỉ cho Tin học"}
    assert school.owner is None and school.school == demo.school and mine.owner == demo.user("teacher_math")


def test_another_teachers_phrase_is_a_404_and_the_schools_is_read_only_for_a_teacher(demo):
    theirs = services.phrase_create(actor=demo.user("gv_tin"), text="Của thầy Tin")
    school = services.phrase_create(actor=demo.user("principal"), text="Của trường", for_school=True)
    teacher = demo.user("teacher_math")

    with pytest.raises(Http404):
        selectors.phrase_for(teacher, theirs.pk)
    with pytest.raises(Http404):
        services.phrase_update(actor=teacher, phrase=theirs, text="Đổi")
    with pytest.raises(PermissionDenied):
        services.phrase_delete(actor=teacher, phrase=school)
    with pytest.raises(PermissionDenied):
        services.phrase_create(actor=teacher, text="Cho cả trường", for_school=True)
    assert RemarkPhrase.objects.count() == 2


def test_the_board_edits_and_deletes_the_schools_phrases_with_history(demo):
    board = demo.user("board")
    phrase = services.phrase_create(actor=board, text="Ngoan", for_school=True)
    services.phrase_update(actor=demo.user("vice"), phrase=phrase, text="Ngoan, lễ phép", subject=demo.subject("van"))
    phrase.refresh_from_db()
    assert (phrase.text, phrase.subject, phrase.updated_by) == ("Ngoan, lễ phép", demo.subject("van"),
                                                                demo.user("vice"))
    services.phrase_delete(actor=board, phrase=phrase)
    assert not RemarkPhrase.objects.exists()
    assert RemarkPhrase.history.filter(history_type="-").get().history_user == board


@pytest.mark.parametrize("text", ["   ", "x" * 301])
def test_a_phrase_is_one_to_300_characters(demo, text):
    with pytest.raises(ValidationError) as caught:
        services.phrase_create(actor=demo.user("teacher_math"), text=text)
    assert "text" in caught.value.error_dict
