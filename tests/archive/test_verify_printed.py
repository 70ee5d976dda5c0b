"""What the printed documents carry for verification (issue 15, items 5 and 6).

Every page of every archived kind shows its verification code and links the public page of that
code (the QR code encodes the same address); each version has its own code, stored on its row.
The report card is PDF/A-3b with its data attached as hocba.xml, read back here with pypdf and
defusedxml and checked field by field against what the page shows.
"""

import io

import pytest
from defusedxml import ElementTree
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from archive import codes, hocba, marks, storage, tasks
from archive import jobs as archive_jobs
from archive.models import ArchivedDocument, Kind, Mode

from .conftest import SMALL_YEAR, pdf_text

pytestmark = pytest.mark.django_db

NS = {"h": hocba.NAMESPACE}


def seal(small, kind, term=2):
    batch = archive_jobs.batch_start(actor=small.demo.user("clerk"), year=small.year, term_number=term, kind=kind,
                                     mode=Mode.AD_HOC, classes=[small.school_class], dispatch=False)
    for job in batch.jobs.order_by("pk"):
        tasks.render_job.apply(args=[job.pk])
    batch.refresh_from_db()
    assert (batch.done, batch.failed) == (batch.total, 0), [job.error for job in batch.jobs.all()]
    return list(ArchivedDocument.objects.filter(job__batch=batch).select_related("student").order_by("pk"))


def assert_marked_on_every_page(document: ArchivedDocument) -> None:
    content = storage.read(document.path)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == document.pages
    url = marks.verify_url(document.code)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Mã xác thực" in text and codes.display(document.code) in text, (document.file_name, number)
        links = [annotation.get_object()["/A"]["/URI"] for annotation in page.get("/Annots", [])
                 if "/A" in annotation.get_object()]
        assert url in links, (document.file_name, number)


def test_every_page_of_every_printed_kind_carries_its_own_code_and_link(small):
    documents = seal(small, Kind.LEDGER) + seal(small, Kind.SUMMARY) + seal(small, Kind.PARENT_SLIP)
    assert {document.kind for document in documents} == {Kind.LEDGER, Kind.SUMMARY, Kind.PARENT_SLIP}
    for document in documents:
        assert codes.normalise(document.code) == document.code
        assert_marked_on_every_page(document)
    assert len({document.code for document in documents}) == len(documents)
    # the QR code is drawn from the same address (segno); the link and the text name the public page
    assert marks.verify_url(documents[0].code).endswith(f"/verify/{documents[0].code}/")
    assert marks.mark(documents[0].code).qr.startswith("data:image/svg+xml")


def test_a_new_version_gets_a_new_code(small):
    [first] = seal(small, Kind.SUMMARY)
    [second] = seal(small, Kind.SUMMARY)
    assert (second.version, second.supersedes_id) == (2, first.pk)
    assert second.code != first.code
    assert_marked_on_every_page(second)


def test_the_report_card_is_pdf_a_3b_with_its_data_as_hocba_xml(small):
    cards = seal(small, Kind.REPORT_CARD)
    card = next(document for document in cards if document.student.code == "ARC001")
    assert_marked_on_every_page(card)
    content = storage.read(card.path)
    reader = PdfReader(io.BytesIO(content))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert list(reader.attachments) == [hocba.FILE_NAME]
    [xml] = reader.attachments[hocba.FILE_NAME]
    root = ElementTree.fromstring(xml)

    def text(path, node=root):
        found = node.find(path, NS)
        assert found is not None, path
        return found.text or ""

    assert text("h:maxacthuc") == card.code
    assert (text("h:trangthaithongtinhocba"), text("h:phienbanthongtinhocba")) == ("1", "1")
    assert (text("h:namhoc"), text("h:thongtu")) == (SMALL_YEAR.name, "TT22")
    assert (text("h:truong/h:matruong"), text("h:truong/h:tentruong"), text("h:truong/h:macaphoc")) == (
        "THCS-DEMO", "Trường THCS Nguyễn Du", "2")
    assert (text("h:hocsinh/h:hovaten"), text("h:hocsinh/h:mahocsinh"), text("h:hocsinh/h:gioitinh"),
            text("h:hocsinh/h:ngaythangnamsinh"), text("h:hocsinh/h:sosodangbo")) == (
        "Nguyễn Thị Ánh Dương", "ARC001", "2", "2014-03-01", f"ARC001/{SMALL_YEAR.first}")
    [year] = root.findall("h:ketquanamhoc", NS)
    assert (text("h:tenlop", year), text("h:makhoi", year), text("h:tengvcn", year)) == (
        "6A1", "6", small.homeroom.profile.full_name)
    subjects = {text("h:tenmonhoc", row): row for row in year.findall("h:bangdiem/h:monhoc", NS)}
    toan = subjects["Toán"]
    # TT22 example E2: 8,7 in term I, 9,3 in term II, 9,1 for the year (tests/archive/conftest.py)
    assert (text("h:diemhocky1", toan), text("h:diemhocky2", toan), text("h:diemcanam", toan)) == (
        "8,7", "9,3", "9,1")
    assert text("h:gvbm", toan) == small.demo.user("teacher_math").profile.full_name
    assert text("h:renluyenhocky1", year) == "T"  # conduct "tot" in term I
    assert text("h:sobuoinghi", year) == "3"  # 2 excused + 1 unexcused in October
    # every result field is the printed form's own value (gradebook.api.report_card, as rendered)
    from django.utils import translation

    from gradebook import api
    with translation.override("vi"):
        printed = api.report_card(small.enrolments["ARC001"], 2).years[0]
    assert [text(f"h:{name}", year) for name in ("hocky1", "hocky2", "canam")] == [
        hocba.LEVEL_CODES.get(label, label) for label in printed.learning]
    assert [text(f"h:{name}", year) for name in ("renluyenhocky1", "renluyenhocky2", "renluyencanam")] == [
        hocba.LEVEL_CODES.get(label, label) for label in printed.conduct]
    assert (text("h:ndungduoclenlop", year), text("h:ndungkhenthuong", year), text("h:nxetgvcn", year)) == (
        printed.outcome, printed.title, printed.remark)
    # the signers are empty until the document is signed
    assert root.find("h:chuky", NS) is not None and root.findall("h:chuky/h:nguoiky", NS) == []
    # the attachment says what the page shows
    page_text = pdf_text(content)
    for value in ("Nguyễn Thị Ánh Dương", "8,7", "9,3", "9,1"):
        assert value in page_text
    # and it is built from the data the PDF was rendered from: the other student's card has their data only
    other = next(document for document in cards if document.student.code == "ARC002")
    [other_xml] = PdfReader(io.BytesIO(storage.read(other.path))).attachments[hocba.FILE_NAME]
    assert "Nguyễn Thị Ánh Dương" not in other_xml.decode() and "Trần Văn Đức" in other_xml.decode()


def test_a_second_print_of_a_report_card_names_its_version_in_the_xml(small):
    seal(small, Kind.REPORT_CARD)
    again = [document for document in seal(small, Kind.REPORT_CARD) if document.student.code == "ARC001"][0]
    [xml] = PdfReader(io.BytesIO(storage.read(again.path))).attachments[hocba.FILE_NAME]
    root = ElementTree.fromstring(xml)
    assert again.version == 2
    assert root.find("h:phienbanthongtinhocba", NS).text == "2"
    assert root.find("h:maxacthuc", NS).text == again.code


def test_the_sealed_correction_minutes_carry_their_code_on_every_page(demo, django_capture_on_commit_callbacks,
                                                                      settings, tmp_path):
    from gradebook.corrections import services as corrections
    from gradebook.corrections.services import ChangeInput
    from gradebook.scores.services import CellInput, scores_save
    from gradebook.windows import services as locks
    from schoolrecords import models as sm

    settings.MEDIA_ROOT = tmp_path / "media"
    math, term = demo.assignment("6A1", "toan"), demo.year.terms.get(number=1)
    enrolment = sm.Enrolment.objects.filter(school_class=math.school_class, status="studying").order_by("pk").first()
    teacher = demo.user("teacher_math")
    scores_save(actor=teacher, assignment=math, term=term, cells=[CellInput(enrolment.pk, "tx", 1, "6")])
    locks.column_lock(actor=teacher, assignment=math, term=term, kind="tx", index=1)
    request = corrections.correction_submit(
        actor=teacher, assignment=math, term=term, changes=[ChangeInput(enrolment.pk, "tx", 1, "8,5")],
        reason="Cộng nhầm điểm", files=[SimpleUploadedFile("bai.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")])
    with django_capture_on_commit_callbacks(execute=True):
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"),
                                       place="Trường THCS Nguyễn Du")
    [minutes] = ArchivedDocument.objects.filter(kind=Kind.CORRECTION_MINUTES)
    assert minutes.code
    assert_marked_on_every_page(minutes)


def test_a_file_that_names_its_version_is_not_sealed_as_another(small):
    """A report card's XML names the version it will be sealed as; if another version was sealed while it
    rendered, the seal fails (the task renders again) rather than seal a file that names the wrong version."""
    from django.db import transaction

    from archive import services

    [first] = seal(small, Kind.SUMMARY)
    with pytest.raises(services.StaleRender), transaction.atomic():
        services._seal(content=b"%PDF-1.7 other", suffix=".pdf", content_type="application/pdf", pages=1,
                       data_hash=first.data_hash, school_id=first.school_id, kind=first.kind, variant="",
                       mode=first.mode, year=small.year, term=first.term, school_class=small.school_class,
                       student=None, key=first.scope_key, print_date=first.print_date, actor=first.created_by,
                       job=None, idempotency_key="test:stale", expected_version=1)
    assert ArchivedDocument.objects.filter(scope_key=first.scope_key).count() == 1
