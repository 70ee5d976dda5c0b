"""The store's pages: permissions (others' documents are a 404), uploads, review, downloads, filters, settings."""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from eledger import services
from eledger.models import Document, DocumentVersion

from .conftest import PNG, next_weekday, pdf_upload, tiny_pdf

S = Document.Status
NAME = "TOÁN 6_TIẾT 1_TẬP HỢP.pdf"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def plan(store, today):
    return store.lesson_plan(today=today, teaching_date=next_weekday(today, 3))


def post_plan(client, *, today, name=NAME, data=None, period=1, submit=True, subject_grade=None, demo=None):
    payload = {
        "subject_grade": subject_grade or f"{demo.subject('toan').pk}:6",
        "period": str(period),
        "lesson_title": "Tập hợp",
        "teaching_date": next_weekday(today, 3).strftime("%d/%m/%Y"),
        "file": pdf_upload(name, data),
    }
    if submit:
        payload["submit"] = "on"
    return client.post(reverse("eledger:create", args=["lesson_plan"]), payload)


# --- pages open for every role -----------------------------------------------------------


@pytest.mark.parametrize("username", ["teacher_math", "head_math", "vice", "principal", "board", "clerk"])
@pytest.mark.parametrize("url_name", ["eledger:index", "eledger:list", "eledger:my_folder", "eledger:library",
                                      "eledger:choose_kind"])
def test_store_pages_open_for_every_role(demo, store, login, username, url_name):
    assert login(username).get(reverse(url_name)).status_code == 200


def test_the_index_url_name_is_the_document_store_start(demo, store, login):
    assert reverse("eledger:index") == "/documents/"
    response = login("teacher_math").get("/documents/")
    assert b"my-next-week" in response.content


def test_the_store_seeds_a_schools_kinds_on_first_visit(demo, login):
    from eledger.models import DocumentKind

    DocumentKind.objects.filter(school=demo.school).delete()
    login("teacher_math").get(reverse("eledger:choose_kind"))
    assert DocumentKind.objects.filter(school=demo.school, code="lesson_plan").exists()


def test_review_pages_are_for_reviewers_only(demo, store, login):
    assert login("teacher_math").get(reverse("eledger:review_queue")).status_code == 404
    assert login("teacher_math").get(reverse("eledger:overview")).status_code == 404
    for username in ["head_math", "vice", "principal"]:
        assert login(username).get(reverse("eledger:review_queue")).status_code == 200
        assert login(username).get(reverse("eledger:overview")).status_code == 200


# --- uploading through the form ----------------------------------------------------------


def test_a_teacher_uploads_a_lesson_plan_for_next_week(demo, store, login, today):
    response = post_plan(login("teacher_math"), today=today, demo=demo)
    plan = Document.objects.get(owner__username="teacher_math")
    assert response.status_code == 302 and response.url == reverse("eledger:detail", args=[plan.pk])
    assert (plan.status, plan.title, plan.is_late) == (S.SUBMITTED, "TOÁN 6_TIẾT 1_TẬP HỢP", False)


def test_a_disguised_png_is_shown_at_the_file_field_and_nothing_is_saved(demo, store, login, today):
    response = post_plan(login("teacher_math"), today=today, data=PNG + b"\x00" * 50, demo=demo)
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert response.context["form"]["lesson_title"].value() == "Tập hợp"  # what was typed is kept
    assert not Document.objects.filter(owner__username="teacher_math").exists()


def test_an_empty_file_is_refused_at_the_file_field(demo, store, login, today):
    response = post_plan(login("teacher_math"), today=today, data=b"", demo=demo)
    assert "file" in response.context["form"].errors
    assert not DocumentVersion.objects.exists()


def test_a_path_sent_by_the_browser_never_reaches_the_disk(demo, store, login, today, media_root):
    post_plan(login("teacher_math"), today=today, name="..\\..\\" + NAME, demo=demo)
    version = DocumentVersion.objects.get()
    assert "/" not in version.original_name and "\\" not in version.original_name
    assert Path(version.file.path).parent.parent.parent == Path(media_root) / "eledger"


def test_a_wrong_name_is_accepted_with_a_warning_showing_the_right_one(demo, store, login, today):
    response = post_plan(login("teacher_math"), today=today, name="giao an.pdf", demo=demo)
    follow = login("teacher_math").get(response.url)
    assert "TOÁN 6_TIẾT 1_TẬP HỢP.pdf" in follow.content.decode()
    assert DocumentVersion.objects.get().name_ok is False


def test_a_subject_the_teacher_does_not_teach_is_not_offered_nor_accepted(demo, store, login, today):
    client = login("teacher_math")
    page = client.get(reverse("eledger:create", args=["lesson_plan"]))
    choices = [value for value, _label in page.context["form"].fields["subject_grade"].choices]
    assert choices == ["", f"{demo.subject('toan').pk}:6", f"{demo.subject('toan').pk}:7"]
    response = post_plan(client, today=today, subject_grade=f"{demo.subject('toan').pk}:8", demo=demo)
    assert "subject_grade" in response.context["form"].errors
    assert not Document.objects.exists()


def test_the_lesson_name_fragment_builds_and_checks_the_name(demo, store, login):
    client = login("teacher_math")
    url = reverse("eledger:lesson_name")
    params = {"subject_grade": f"{demo.subject('toan').pk}:6", "period": "12", "lesson_title": "Phép cộng"}
    response = client.get(url, params)
    assert response.context["expected"] == "TOÁN 6_TIẾT 12_PHÉP CỘNG.pdf"
    response = client.get(url, {**params, "filename": "toan 6_tiet 12_phep cong.pdf"})
    assert response.context["check"].ok is False
    assert response.context["check"].expected == "TOÁN 6_TIẾT 12_PHÉP CỘNG.pdf"
    assert client.get(url, {"period": "x"}).context["incomplete"] is True
    assert client.get(url, {**params, "lesson_title": "a_b"}).context["error"]


# --- who sees what -----------------------------------------------------------------------


@pytest.mark.parametrize(("username", "status"), [
    ("teacher_math", 200), ("head_math", 200), ("vice", 200), ("principal", 200),
    ("gv_tin", 404), ("gv_van2", 404), ("board", 404), ("clerk", 404),
])
def test_who_sees_a_lesson_plan(demo, login, plan, username, status):
    client = login(username)
    assert client.get(reverse("eledger:detail", args=[plan.pk])).status_code == status
    assert client.get(reverse("eledger:download", args=[plan.pk, 1])).status_code == status


def test_another_schools_teacher_gets_404(demo, login, plan, other_school):
    from schoolrecords.services import password_changed

    password_changed(user=other_school["teacher"])
    client = login("other_teacher")
    assert client.get(reverse("eledger:detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("eledger:download", args=[plan.pk, 1])).status_code == 404
    assert client.get(reverse("eledger:list")).context["page"].paginator.count == 0


def test_department_documents_are_seen_by_the_departments_members_only(demo, store, login):
    doc = services.document_create(actor=demo.user("head_math"), kind=store.kinds["resolution"],
                                   content=pdf_upload("NQ.pdf"), filename="NQ.pdf",
                                   department=demo.subject("toan").department)
    assert login("gv_tin").get(reverse("eledger:detail", args=[doc.pk])).status_code == 200
    assert login("gv_van2").get(reverse("eledger:detail", args=[doc.pk])).status_code == 404


def test_the_library_is_seen_by_everyone_of_the_school(demo, store, login):
    doc = services.document_create(actor=demo.user("board"), kind=store.kinds["content_library"],
                                   content=pdf_upload("Mẫu.pdf"), filename="Mẫu.pdf")
    for username in ["teacher_math", "clerk", "gv_gdtc"]:
        response = login(username).get(reverse("eledger:library"))
        assert doc in response.context["page"].object_list


# --- downloads -----------------------------------------------------------------------------


def test_the_download_carries_the_vietnamese_name_rfc_5987(demo, login, plan):
    response = login("head_math").get(reverse("eledger:download", args=[plan.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(NAME)
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == tiny_pdf()


def test_older_versions_stay_downloadable(demo, store, login, today):
    teacher = demo.user("teacher_math")
    plan = store.lesson_plan(today=today, teaching_date=next_weekday(today, 3), submit=False,
                             data=tiny_pdf("one"))
    services.document_upload(actor=teacher, document=plan, content=pdf_upload(data=tiny_pdf("two")),
                             filename=NAME, today=today)
    client = login("teacher_math")
    assert b"".join(client.get(reverse("eledger:download", args=[plan.pk, 1])).streaming_content) == tiny_pdf("one")
    assert b"".join(client.get(reverse("eledger:download", args=[plan.pk, 2])).streaming_content) == tiny_pdf("two")
    assert client.get(reverse("eledger:download", args=[plan.pk, 3])).status_code == 404


def test_other_documents_download_under_their_uploaded_name(demo, store, login):
    doc = services.document_create(actor=demo.user("teacher_math"), kind=store.kinds["class_observation"],
                                   content=pdf_upload("Phiếu dự giờ lớp 6A1.pdf"), filename="Phiếu dự giờ lớp 6A1.pdf")
    response = login("teacher_math").get(reverse("eledger:download", args=[doc.pk, 1]))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("Phiếu dự giờ lớp 6A1.pdf")


# --- reviewing through the page ------------------------------------------------------------


def test_the_head_approves_from_the_page(demo, login, plan):
    response = login("head_math").post(reverse("eledger:review", args=[plan.pk]),
                                       {"decision": "approve", "comment": "Tốt"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == S.APPROVED


def test_returning_without_a_comment_shows_the_error_at_the_comment(demo, login, plan):
    response = login("head_math").post(reverse("eledger:review", args=[plan.pk]), {"decision": "return"})
    assert response.status_code == 400
    assert "comment" in response.context["review_form"].errors
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED


def test_the_owner_cannot_approve_their_own_plan_from_the_page(demo, login, plan):
    response = login("teacher_math").post(reverse("eledger:review", args=[plan.pk]), {"decision": "approve"})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED


def test_a_head_of_another_department_gets_404_when_reviewing(demo, login, plan):
    response = login("gv_van2").post(reverse("eledger:review", args=[plan.pk]), {"decision": "approve"})
    assert response.status_code == 404


def test_an_approved_file_cannot_be_replaced_from_the_page(demo, login, plan):
    services.document_approve(actor=demo.user("head_math"), document=plan)
    client = login("teacher_math")
    page = client.get(reverse("eledger:detail", args=[plan.pk]))
    assert page.context["version_form"] is None
    response = client.post(reverse("eledger:upload", args=[plan.pk]), {"file": pdf_upload(NAME, tiny_pdf("new"))})
    assert response.status_code == 302
    assert plan.versions.count() == 1


def test_the_teacher_resubmits_a_returned_plan_from_the_page(demo, login, plan, today):
    services.document_return(actor=demo.user("head_math"), document=plan, comment="Bổ sung")
    client = login("teacher_math")
    client.post(reverse("eledger:upload", args=[plan.pk]), {"file": pdf_upload(NAME, tiny_pdf("v2"))})
    client.post(reverse("eledger:submit", args=[plan.pk]), {"comment": "Đã bổ sung"})
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED and plan.versions.count() == 2
    assert plan.transitions.last().comment == "Đã bổ sung"


# --- finding things ------------------------------------------------------------------------


@pytest.fixture
def many(demo, store, today):
    """Plans of two teachers, two subjects, two weeks; an approved one; an observation form."""
    next_thu, later_thu = next_weekday(today, 3), next_weekday(today, 3, weeks_ahead=2)
    docs = {
        "math6": store.lesson_plan(today=today, teaching_date=next_thu),
        "math7": store.lesson_plan(today=today, grade=7, period=2, title="Số hữu tỉ", teaching_date=later_thu),
        "head8": store.lesson_plan("head_math", grade=8, period=3, title="Căn bậc hai", today=today,
                                   teaching_date=next_thu),
        "tin6": services.document_create(
            actor=demo.user("gv_tin"), kind=store.kinds["lesson_plan"], content=pdf_upload(), filename="x.pdf",
            subject=demo.subject("tin"), grade=6, period=1, lesson_title="Thông tin", teaching_date=next_thu,
            today=today),
        "obs": services.document_create(actor=demo.user("teacher_math"), kind=store.kinds["class_observation"],
                                        content=pdf_upload("Phiếu.pdf"), filename="Phiếu.pdf"),
    }
    services.document_approve(actor=demo.user("vice"), document=docs["head8"])
    return docs


def found(client, **params) -> set[str]:
    response = client.get(reverse("eledger:list"), params)
    assert response.status_code == 200
    return {d.title for d in response.context["page"].object_list}


@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"math6", "math7", "head8", "tin6", "obs"}),
    ({"teacher": "teacher_math"}, {"math6", "math7", "obs"}),
    ({"subject": "tin"}, {"tin6"}),
    ({"grade": "7"}, {"math7"}),
    ({"week": "next"}, {"math6", "head8", "tin6"}),
    ({"week": "later"}, {"math7"}),
    ({"kind": "class_observation"}, {"obs"}),
    ({"status": "approved"}, {"head8"}),
    ({"status": "submitted", "teacher": "teacher_math", "grade": "6"}, {"math6"}),
    ({"department": "toan"}, {"math6", "math7", "head8", "tin6", "obs"}),
    ({"department": "van"}, set()),
])
def test_filters(demo, store, login, many, today, params, expected):
    values = {}
    for key, value in params.items():
        if key == "teacher":
            values[key] = demo.user(value).pk
        elif key == "subject":
            values[key] = demo.subject(value).pk
        elif key == "department":
            values[key] = demo.subject(value).department_id
        elif key == "kind":
            values[key] = store.kinds[value].pk
        elif key == "week":
            weeks = 1 if value == "next" else 2
            values[key] = next_weekday(today, 0, weeks_ahead=weeks).strftime("%d/%m/%Y")
        else:
            values[key] = value
    assert found(login("vice"), **values) == {many[name].title for name in expected}


def test_the_list_shows_each_person_only_what_they_may_see(demo, login, many):
    assert found(login("teacher_math")) == {many[n].title for n in ["math6", "math7", "obs"]}
    # The head checks the members' records too (seed 001 art. 13.2), not only what they review.
    assert found(login("head_math")) == {many[n].title for n in ["math6", "math7", "head8", "tin6", "obs"]}
    assert found(login("gv_van2")) == set()


def test_a_bad_week_is_shown_at_its_field(demo, login, many):
    response = login("vice").get(reverse("eledger:list"), {"week": "32/13/2025"})
    assert "week" in response.context["form"].errors


def test_a_teachers_folder_by_year(demo, login, many):
    response = login("teacher_math").get(reverse("eledger:my_folder"))
    groups = {kind.code: [d.title for d in docs] for kind, docs in response.context["groups"]}
    assert groups == {"lesson_plan": [many["math6"].title, many["math7"].title],
                      "class_observation": [many["obs"].title]}
    teacher = demo.user("teacher_math")
    assert login("head_math").get(reverse("eledger:folder", args=[teacher.pk])).status_code == 200
    head_view = login("head_math").get(reverse("eledger:folder", args=[teacher.pk]))
    assert {kind.code for kind, _docs in head_view.context["groups"]} == {"lesson_plan", "class_observation"}
    own = login("gv_tin").get(reverse("eledger:my_folder"))
    assert [d.title for _kind, docs in own.context["groups"] for d in docs] == [many["tin6"].title]
    assert login("gv_tin").get(reverse("eledger:folder", args=[teacher.pk])).status_code == 404
    assert login("gv_van2").get(reverse("eledger:folder", args=[teacher.pk])).status_code == 404
    assert login("teacher_math").get(reverse("eledger:my_folder"), {"year": "999999"}).status_code == 404


# --- settings --------------------------------------------------------------------------------


def test_the_board_sets_the_late_upload_rule(demo, store, login):
    client = login("board")
    response = client.post(reverse("eledger:settings"), {"refuse_late_uploads": "on", "days_before": "3"})
    assert response.status_code == 302
    assert services.settings_for(demo.school).refuse_late_uploads is True
    response = client.post(reverse("eledger:settings"), {"days_before": "45"})
    assert "days_before" in response.context["form"].errors


@pytest.mark.parametrize(("username", "status"), [("board", 200), ("principal", 200), ("vice", 403),
                                                  ("teacher_math", 403)])
def test_who_configures_the_store(demo, store, login, username, status):
    assert login(username).get(reverse("eledger:settings")).status_code == status
    kind = store.kinds["self_study"]
    assert login(username).get(reverse("eledger:kind_edit", args=[kind.pk])).status_code == status


def test_a_kind_is_renamed_from_the_settings(demo, store, login):
    kind = store.kinds["self_study"]
    response = login("board").post(reverse("eledger:kind_edit", args=[kind.pk]),
                                   {"name": "Tự học", "description": "", "is_active": "on"})
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.name == "Tự học"
    assert kind.history.first().history_user.username == "board"


def test_the_head_approves_straight_from_the_queue(demo, login, plan):
    client = login("head_math")
    queue = client.get(reverse("eledger:review_queue"))
    assert [d.pk for d in queue.context["queue"]["waiting"]] == [plan.pk]
    response = client.post(reverse("eledger:review", args=[plan.pk]), {"decision": "approve", "next": "queue"})
    assert response.url == reverse("eledger:review_queue")
    assert client.get(reverse("eledger:review_queue")).context["queue"]["waiting"] == []
