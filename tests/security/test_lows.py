"""Item 8 of issue 20, the lows: each test fails without its fix."""

import os
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schoolrecords.text import ascii_part, download_name, is_class_name, name_matches_type
from tests.eledger.conftest import pdf_upload, tiny_pdf

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def kinds(demo):
    from eledger import services
    from eledger.models import DocumentKind
    from schoolrecords.services import system_user

    services.document_kinds_seed(actor=system_user(), school=demo.school)
    return {kind.code: kind for kind in DocumentKind.objects.filter(school=demo.school)}


# --- downloads carry the extension of what they are -----------------------------------------------


@pytest.mark.parametrize(("name", "content_type", "expected"), [
    ("bien-ban.pdf", PDF, "bien-ban.pdf"),
    ("bien-ban.PDF", PDF, "bien-ban.PDF"),
    ("trick.hta", PDF, "trick.pdf"),
    ("trick.html", PDF, "trick.pdf"),
    ("chay.js", "image/png", "chay.png"),
    ("anh.jpeg", "image/jpeg", "anh.jpeg"),
    ("khong-duoi", DOCX, "khong-duoi.docx"),
    (".hta", PDF, ".hta.pdf"),
])
def test_a_download_name_ends_in_the_extension_of_its_content(name, content_type, expected):
    assert download_name(name, content_type) == expected
    assert name_matches_type(download_name(name, content_type), content_type)


def test_a_pdf_uploaded_under_an_hta_name_is_refused_at_the_file_field(demo, kinds):
    from eledger import services
    from eledger.models import DocumentVersion

    with pytest.raises(ValidationError) as refused:
        services.document_create(actor=demo.user("teacher_math"), kind=kinds["class_observation"],
                                 content=pdf_upload("phieu-du-gio.hta"), filename="phieu-du-gio.hta")

    assert refused.value.message_dict["file"] == [
        "Tên tệp không khớp với nội dung tệp (PDF): tên tệp phải kết thúc bằng .pdf."]
    assert not DocumentVersion.objects.exists()


def test_a_stored_file_with_a_foreign_name_downloads_under_its_types_extension(demo, kinds, login):
    from eledger import selectors, services
    from eledger.models import DocumentVersion

    document = services.document_create(actor=demo.user("teacher_math"), kind=kinds["class_observation"],
                                        content=pdf_upload("phieu.pdf"), filename="phieu.pdf")
    old = DocumentVersion(document=document, number=9, original_name="phieu.html", content_type=PDF)  # an older upload
    assert selectors.download_name(old) == "phieu.pdf"

    response = login("teacher_math").get(reverse("eledger:download", args=[document.pk, 1]))
    assert response["Content-Disposition"] == 'attachment; filename="phieu.pdf"'
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_evidence_whose_name_does_not_match_its_content_is_refused():
    from gradebook.corrections.services import evidence_type

    assert evidence_type(SimpleUploadedFile("scan.pdf", tiny_pdf())) == PDF
    with pytest.raises(ValidationError) as refused:
        evidence_type(SimpleUploadedFile("scan.html", tiny_pdf()))
    assert refused.value.messages == [
        "scan.html: tên tệp không khớp với nội dung tệp (PDF); tên tệp phải kết thúc bằng .pdf."]


# --- class names and zip names ---------------------------------------------------------------------

MESSAGE = "Tên lớp chỉ gồm chữ cái không dấu, chữ số, dấu chấm và dấu gạch ngang, ví dụ 6A1."


@pytest.mark.parametrize("name", ["6A/1", "6A1\\..", "6Ă1", "6A1<b>", "6 A1 ;", "6A1\u202e"])
def test_a_class_name_with_other_characters_is_refused_at_its_field(demo, name):
    from schoolrecords import services
    from schoolrecords.forms import SchoolClassForm

    form = SchoolClassForm({"name": name, "grade": "6"}, grades=[6], teachers=[], year=demo.year)
    assert not form.is_valid()
    assert form.errors["name"] == [MESSAGE]
    with pytest.raises(ValidationError) as refused:
        services.school_class_save(actor=demo.user("board"), year=demo.year, name=name, grade=6)
    assert refused.value.message_dict["name"] == [MESSAGE]
    assert not demo.models.SchoolClass.objects.filter(year=demo.year, name=name).exists()


def test_usual_class_names_pass():
    assert all(is_class_name(name) for name in ("6A1", "10.2", "12-CLC", "9a"))


def test_an_imported_class_name_with_other_characters_is_a_row_error(demo):
    from schoolrecords import importing

    rows = ("Lớp,Khối,Mã học sinh,Họ và tên,Ngày sinh,Giới tính\r\n"
            "6A/../x,6,HS9001,Trần Thị Mới,01/02/2014,Nữ\r\n").encode()
    plan = importing.plan_import(demo.year, importing.read_file(rows).rows)

    assert plan.has_errors
    assert any(MESSAGE in detail for detail in plan.rows[0].details)


@pytest.mark.parametrize("text", ["../../etc/passwd", "6A1/..", "C:\\x", "..", "a\x00b"])
def test_a_zip_entry_part_never_leaves_its_folder(text):
    part = ascii_part(text, keep="_")
    assert "/" not in part and "\\" not in part and part not in {".", ".."} and "\x00" not in part


# --- the Content-Security-Policy, and no inline script ------------------------------------------


def test_pages_carry_a_policy_that_runs_no_inline_script(demo, login):
    response = login("teacher_math").get(reverse("home"))

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy.get("default-src", "") and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", response.text)


def test_no_template_holds_an_inline_script_or_event_handler():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text) or \
                re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_language_and_year_pickers_still_send_their_form_from_a_static_file(demo, login):
    page = login("clerk").get(reverse("home")).text
    assert 'data-autosubmit' in page and "js/site.js" in page
    assert "data-autosubmit" in (ROOT / "static/js/site.js").read_text()


# --- the archive's files and folders -------------------------------------------------------------------


def test_archive_files_are_0440_and_their_folders_0750(settings, tmp_path):
    from archive import storage

    settings.ARCHIVE_ROOT = tmp_path / "archive"
    stored = storage.put(b"%PDF-1.4 sealed", suffix=".pdf")

    path = storage.absolute(stored.path)
    assert os.stat(path).st_mode & 0o777 == 0o440
    assert os.stat(path.parent).st_mode & 0o777 == 0o750
    assert os.stat(path.parent.parent).st_mode & 0o777 == 0o750
