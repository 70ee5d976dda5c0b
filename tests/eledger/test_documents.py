"""Uploads through the services: file checks, storage, lesson-plan rules, kinds, scopes and settings."""

import datetime
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from eledger import naming, services
from eledger.models import Document, DocumentKind, DocumentVersion
from schoolrecords.services import system_user

from .conftest import PNG, pdf_upload, tiny_pdf

S = Document.Status
TODAY = datetime.date(2025, 10, 1)  # a Wednesday of the demo year
THURSDAY_NEXT_WEEK = datetime.date(2025, 10, 9)


def stored_files(media_root) -> list[Path]:
    root = Path(media_root) / "eledger"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def create_observation(demo, store, upload, filename=None):
    return services.document_create(actor=demo.user("teacher_math"), kind=store.kinds["class_observation"],
                                    content=upload, filename=filename or upload.name)


# --- file checks ---------------------------------------------------------------------------


def _refusal(callable_) -> str:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        callable_()
    return caught.value.message_dict["file"][0]


def test_a_pdf_that_is_really_a_png_is_refused_and_nothing_is_kept(demo, store, media_root):
    fake = SimpleUploadedFile("TOÁN 6_TIẾT 1_TẬP HỢP.pdf", PNG + b"\x00" * 100, content_type="application/pdf")
    message = _refusal(lambda: store.lesson_plan(data=fake.read()))
    assert message == naming.MSG_NOT_PDF
    assert not Document.objects.filter(owner__username="teacher_math").exists()
    assert stored_files(media_root) == []


def test_an_oversized_file_is_refused(demo, store, media_root):
    big = tiny_pdf() + b"\x00" * (20 * 1024 * 1024 + 1 - len(tiny_pdf()))
    assert len(big) == 20 * 1024 * 1024 + 1
    message = _refusal(lambda: store.lesson_plan(data=big))
    assert message == naming.MSG_FILE_TOO_LARGE % {"size": "20,1", "limit": "20"}
    assert stored_files(media_root) == []


def test_a_file_of_exactly_20_mb_is_accepted(demo, store):
    exact = tiny_pdf() + b"\x00" * (20 * 1024 * 1024 - len(tiny_pdf()))
    assert store.lesson_plan(data=exact).current_version.size == 20 * 1024 * 1024


def test_an_empty_file_is_refused(demo, store, media_root):
    message = _refusal(lambda: store.lesson_plan(data=b""))
    assert message == naming.MSG_FILE_EMPTY
    assert stored_files(media_root) == []


@pytest.mark.parametrize("filename", ["../../etc/TOÁN 6_TIẾT 1_TẬP HỢP.pdf", "C:\\Users\\gv\\giao an.pdf",
                                      "thư mục/giáo án.pdf"])
def test_a_name_with_a_path_in_it_is_refused(demo, store, media_root, filename):
    message = _refusal(lambda: store.lesson_plan(filename=filename))
    assert message == naming.MSG_NAME_PATH
    assert stored_files(media_root) == []


def test_the_refusal_is_in_vietnamese_for_a_vietnamese_user(demo, store):
    with pytest.raises(ValidationError) as caught, translation.override("vi"):
        store.lesson_plan(data=b"")
    with translation.override("vi"):
        assert caught.value.message_dict["file"] == [gettext(naming.MSG_FILE_EMPTY)]


def test_the_file_is_stored_under_a_server_made_name_with_its_hash_size_and_uploader(demo, store, media_root):
    data = tiny_pdf("hash me")
    plan = store.lesson_plan(data=data)
    version = plan.current_version
    path = Path(version.file.path)
    assert path.is_relative_to(Path(media_root) / "eledger")
    assert path.read_bytes() == data
    assert "TIẾT" not in version.file.name and version.file.name.endswith(".pdf")
    assert (version.sha256, version.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert version.uploaded_by.username == "teacher_math"
    assert version.original_name == "TOÁN 6_TIẾT 1_TẬP HỢP.pdf"
    assert version.content_type == "application/pdf"


def test_a_new_upload_is_a_new_version_and_the_old_one_stays(demo, store):
    teacher = demo.user("teacher_math")
    plan = store.lesson_plan(submit=False, data=tiny_pdf("one"))
    first = plan.current_version
    second = services.document_upload(actor=teacher, document=plan, content=pdf_upload(data=tiny_pdf("two")),
                                      filename="TOÁN 6_TIẾT 1_TẬP HỢP.pdf", today=TODAY)
    plan.refresh_from_db()
    assert plan.current_version == second and second.number == 2
    assert Path(first.file.path).read_bytes() == tiny_pdf("one")
    assert Path(second.file.path).read_bytes() == tiny_pdf("two")
    assert first.file.name != second.file.name


def test_other_kinds_take_office_documents_and_pictures_by_content(demo, store):
    doc = create_observation(demo, store, SimpleUploadedFile("ảnh phiếu.png", PNG + b"\x00" * 64))
    assert doc.current_version.content_type == "image/png"
    assert doc.current_version.file.name.endswith(".png")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr("word/document.xml", "<w:document/>")
    doc = create_observation(demo, store, SimpleUploadedFile("phiếu dự giờ.docx", buffer.getvalue()))
    assert doc.current_version.content_type.endswith("wordprocessingml.document")


def test_other_kinds_refuse_programs_even_named_pdf(demo, store):
    with pytest.raises(ValidationError) as caught:
        create_observation(demo, store, SimpleUploadedFile("phiếu.pdf", b"MZ\x90\x00" + b"\x00" * 200))
    assert "file" in caught.value.message_dict


def test_the_education_plan_is_pdf_only(demo, store):
    with pytest.raises(ValidationError):
        services.document_create(actor=demo.user("teacher_math"), kind=store.kinds["education_plan"],
                                 content=SimpleUploadedFile("kh.png", PNG + b"\x00" * 64), filename="kh.png")


# --- lesson-plan rules ---------------------------------------------------------------------


def test_a_wrongly_named_plan_is_kept_under_the_right_name(demo, store):
    plan = store.lesson_plan(filename="giao an toan 6 tiet 1.pdf")
    assert plan.title == "TOÁN 6_TIẾT 1_TẬP HỢP"
    assert plan.current_version.name_ok is False
    assert plan.current_version.original_name == "giao an toan 6 tiet 1.pdf"


@pytest.mark.parametrize(("today", "teaching", "late"), [
    ("2025-10-06", "2025-10-09", False),  # Monday for Thursday: exactly 3 days
    ("2025-10-07", "2025-10-09", True),   # Tuesday for Thursday: 2 days
    ("2025-10-10", "2025-10-09", True),   # after teaching
])
def test_late_uploads_are_flagged_when_the_school_accepts_them(demo, store, today, teaching, late):
    plan = store.lesson_plan(today=datetime.date.fromisoformat(today),
                             teaching_date=datetime.date.fromisoformat(teaching))
    assert plan.is_late is late
    assert plan.current_version.is_late is late


def test_late_uploads_are_refused_when_the_school_says_so(demo, store, media_root):
    services.document_settings_save(actor=demo.user("board"), school=demo.school, refuse_late_uploads=True,
                                    days_before=3)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        store.lesson_plan(today=datetime.date(2025, 10, 7), teaching_date=datetime.date(2025, 10, 9))
    assert caught.value.message_dict["teaching_date"] == [
        "The lesson plan for 09/10/2025 had to be uploaded by 06/10/2025 at the latest."]
    assert stored_files(media_root) == []
    on_time = store.lesson_plan(today=datetime.date(2025, 10, 6), teaching_date=datetime.date(2025, 10, 9))
    assert on_time.is_late is False


def test_a_returned_late_plan_can_still_be_mended_when_late_uploads_are_refused(demo, store):
    plan = store.lesson_plan(today=datetime.date(2025, 10, 6), teaching_date=datetime.date(2025, 10, 9))
    services.document_settings_save(actor=demo.user("board"), school=demo.school, refuse_late_uploads=True,
                                    days_before=3)
    services.document_return(actor=demo.user("head_math"), document=plan, comment="Sửa")
    version = services.document_upload(actor=demo.user("teacher_math"), document=plan, content=pdf_upload(),
                                       filename="TOÁN 6_TIẾT 1_TẬP HỢP.pdf", today=datetime.date(2025, 10, 8))
    assert version.is_late is True


def test_the_school_sets_how_many_days_before(demo, store):
    services.document_settings_save(actor=demo.user("principal"), school=demo.school, refuse_late_uploads=False,
                                    days_before=5)
    plan = store.lesson_plan(today=datetime.date(2025, 10, 6), teaching_date=datetime.date(2025, 10, 9))
    assert plan.is_late is True


def test_a_teacher_cannot_change_the_settings(demo):
    with pytest.raises(PermissionDenied):
        services.document_settings_save(actor=demo.user("teacher_math"), school=demo.school,
                                        refuse_late_uploads=True, days_before=3)


def test_a_plan_for_a_subject_the_teacher_does_not_teach_is_refused(demo, store):
    with pytest.raises(ValidationError) as caught:
        store.lesson_plan(grade=8)  # teacher_math teaches Toán 6 and 7
    assert "subject" in caught.value.message_dict


def test_one_plan_per_period(demo, store):
    store.lesson_plan()
    with pytest.raises(ValidationError) as caught:
        store.lesson_plan(title="Tập hợp (bản khác)")
    assert "period" in caught.value.message_dict


def test_a_teaching_date_far_away_is_refused(demo, store):
    with pytest.raises(ValidationError) as caught:
        store.lesson_plan(teaching_date=datetime.date(2062, 10, 9))
    assert "teaching_date" in caught.value.message_dict


@pytest.mark.parametrize(("field", "value", "key"), [
    ("title", "", "lesson_title"),
    ("title", "Tập_hợp", "lesson_title"),
    ("period", 0, "period"),
])
def test_bad_lesson_fields_are_refused_at_their_field(demo, store, field, value, key):
    with pytest.raises(ValidationError) as caught:
        store.lesson_plan(**{field: value}, filename="x.pdf")
    assert key in caught.value.message_dict


def test_a_foreign_language_plan_keeps_its_title_as_typed(demo, store):
    plan = services.document_create(
        actor=demo.user("gv_anh1"), kind=store.kinds["lesson_plan"], content=pdf_upload(),
        filename="TIẾNG ANH 6_TIẾT 3_Unit 1 - My new school.pdf", subject=demo.subject("anh"), grade=6, period=3,
        lesson_title="Unit 1 - My new school", teaching_date=THURSDAY_NEXT_WEEK, today=TODAY,
    )
    assert plan.title == "TIẾNG ANH 6_TIẾT 3_Unit 1 - My new school"
    assert plan.current_version.name_ok is True


# --- kinds, scopes, yearly documents -------------------------------------------------------


def test_seeding_kinds_is_idempotent_and_keeps_the_schools_changes(demo, store):
    kind = store.kinds["self_study"]
    services.document_kind_update(actor=demo.user("board"), kind=kind, name="Tự bồi dưỡng", description="",
                                  requires_review=True, is_active=True)
    before = DocumentKind.objects.filter(school=demo.school).count()
    services.document_kinds_seed(actor=system_user(), school=demo.school)
    assert DocumentKind.objects.filter(school=demo.school).count() == before == len(services.SEED_KINDS)
    kind.refresh_from_db()
    assert (kind.name, kind.requires_review) == ("Tự bồi dưỡng", True)


def test_lesson_plans_are_always_reviewed(demo, store):
    with pytest.raises(ValidationError):
        services.document_kind_update(actor=demo.user("board"), kind=store.kinds["lesson_plan"],
                                      name="Giáo án", description="", requires_review=False, is_active=True)


def test_a_teacher_may_not_seed_kinds(demo):
    with pytest.raises(PermissionDenied):
        services.document_kinds_seed(actor=demo.user("teacher_math"), school=demo.school)


def test_one_education_plan_per_teacher_per_year(demo, store):
    teacher = demo.user("teacher_math")
    kind = store.kinds["education_plan"]
    doc = services.document_create(actor=teacher, kind=kind, content=pdf_upload("KHGD.pdf"), filename="KHGD.pdf",
                                   title="Kế hoạch giáo dục cá nhân 2025-2026")
    assert (doc.status, doc.year, doc.department) == (S.DRAFT, demo.year, teacher.profile.department)
    with pytest.raises(ValidationError):
        services.document_create(actor=teacher, kind=kind, content=pdf_upload("KHGD2.pdf"), filename="KHGD2.pdf")


def test_a_department_head_keeps_the_departments_documents(demo, store):
    head = demo.user("head_math")
    department = demo.subject("toan").department
    doc = services.document_create(actor=head, kind=store.kinds["resolution"], content=pdf_upload("NQ.pdf"),
                                   filename="NQ.pdf", title="Nghị quyết tháng 10", department=department)
    assert (doc.department, doc.status) == (department, S.FILED)


def test_a_teacher_cannot_add_to_a_departments_folder(demo, store):
    with pytest.raises(PermissionDenied):
        services.document_create(actor=demo.user("teacher_math"), kind=store.kinds["resolution"],
                                 content=pdf_upload("NQ.pdf"), filename="NQ.pdf",
                                 department=demo.subject("toan").department)


def test_a_head_cannot_add_to_another_departments_folder(demo, store):
    with pytest.raises(PermissionDenied):
        services.document_create(actor=demo.user("head_math"), kind=store.kinds["resolution"],
                                 content=pdf_upload("NQ.pdf"), filename="NQ.pdf",
                                 department=demo.subject("van").department)


def test_a_resolution_draft_is_reviewed_by_the_leadership_not_its_author(demo, store):
    head = demo.user("head_math")
    draft = services.document_create(actor=head, kind=store.kinds["resolution_draft"], content=pdf_upload("DT.pdf"),
                                     filename="DT.pdf", department=demo.subject("toan").department, submit=True)
    with pytest.raises(PermissionDenied):
        services.document_approve(actor=head, document=draft)
    assert services.document_approve(actor=demo.user("principal"), document=draft).status == S.APPROVED


def test_only_the_leadership_and_board_publish_to_the_library(demo, store):
    kind = store.kinds["content_library"]
    doc = services.document_create(actor=demo.user("board"), kind=kind, content=pdf_upload("Mẫu KHBD.pdf"),
                                   filename="Mẫu KHBD.pdf")
    assert (doc.status, doc.department) == (S.FILED, None)
    with pytest.raises(PermissionDenied):
        services.document_create(actor=demo.user("teacher_math"), kind=kind, content=pdf_upload("x.pdf"),
                                 filename="x.pdf")


def test_an_inactive_kind_takes_no_new_documents(demo, store):
    kind = store.kinds["self_study"]
    services.document_kind_update(actor=demo.user("board"), kind=kind, name=kind.name, description="",
                                  requires_review=False, is_active=False)
    kind.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.document_create(actor=demo.user("teacher_math"), kind=kind, content=pdf_upload("x.pdf"),
                                 filename="x.pdf")


def test_another_schools_kind_is_not_found(demo, store, other_school):
    from django.http import Http404

    services.document_kinds_seed(actor=system_user(), school=other_school["school"])
    kind = DocumentKind.objects.get(school=other_school["school"], code="self_study")
    with pytest.raises(Http404):
        services.document_create(actor=demo.user("teacher_math"), kind=kind, content=pdf_upload("x.pdf"),
                                 filename="x.pdf")
    assert not DocumentVersion.objects.exists()


def test_a_period_beyond_the_programme_is_refused(demo, store):
    with pytest.raises(ValidationError) as caught:
        store.lesson_plan(period=141)  # Toán 6 has 140 periods in the demo year
    assert "period" in caught.value.message_dict
    assert store.lesson_plan(period=140).period == 140
