"""The printed forms: what the PDFs say, read back from the PDF text."""


import pytest

from archive import pdf, rendering
from archive.models import Kind
from gradebook import api as seams
from gradebook import printed
from seed.demo import demo_year

from .conftest import pdf_text

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db


def test_ledger_shows_every_student_with_vietnamese_names_scores_averages_exemption_and_transfer(small):
    rendered = rendering.class_document(Kind.LEDGER, small.school_class, 2)
    text = pdf_text(rendered.pdf.content)
    assert rendered.pdf.pages > 10
    for name in ("Nguyễn Thị Ánh Dương", "Trần Văn Đức", "Lê Hoàng Yến"):
        assert name in text
    # TT22 example E2: term I 8,7, term II 9,3, year 9,1; the second student 6,6 / 7,0 / 6,9.
    for average in ("8,7", "9,3", "9,1", "6,6", "7,0", "6,9", "8,5", "9,5"):
        assert average in text
    assert "Giấy khám sức khoẻ" in text  # the exemption's reason, beside "Miễn"
    assert f"16/02/{DEMO_YEAR.first + 2}" in text  # the transfer date
    assert embedded_fonts(rendered.pdf.content) >= {"Form-Serif", "Form-Sans-Bold"}  # DejaVu, under the forms' names


def embedded_fonts(content: bytes) -> set[str]:
    """The fonts whose file is inside the PDF (a subset prefix such as ABCDEF+ dropped)."""
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            if descriptor is not None and any(key in descriptor.get_object()
                                              for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]).split("+", 1)[-1].lstrip("/"))
    return names


def test_report_card_and_parent_slip_show_the_students_results_remark_and_absences(small):
    cards = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2)
    assert [card.student.code for card in cards] == ["ARC001", "ARC002"]  # the one who left got a transfer print
    text = pdf_text(cards[0].pdf.content)
    assert "Nguyễn Thị Ánh Dương" in text and "8,7" in text and "9,3" in text and "9,1" in text
    slips = rendering.student_documents(Kind.PARENT_SLIP, small.school_class, 1)
    text = pdf_text(slips[0].pdf.content)
    assert "Nguyễn Thị Ánh Dương" in text and "8,7" in text and "Chăm ngoan, học tốt." in text
    assert f"10/{DEMO_YEAR.first + 1}" in text


def test_transfer_print_has_the_years_so_far_then_blank_years_and_two_spare_pages(small):
    leaving = small.enrolments["ARC003"]
    data = printed.report_card(leaving, 2, transfer=True)
    assert [year.year for year in data.years] == [f"{DEMO_YEAR.next.name}"]
    # grades 7, 8 and 9 still to come at a lower-secondary school, then two spare pages (seed 000 art. 12.3)
    assert len(data.blank_years) == 3 + 2
    assert [label[-1] for label in data.blank_years[:3]] == ["7", "8", "9"]
    rendered = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2, enrolments=[leaving],
                                           transfer=True, print_date=DEMO_YEAR.next.on(2, 16))[0]
    text = pdf_text(rendered.pdf.content)
    assert "Lê Hoàng Yến" in text and "5,0" in text
    assert text.count(f"16/02/{DEMO_YEAR.first + 2}") >= rendered.pdf.pages  # the print date on every page


def test_ledger_marks_corrected_cells_and_lists_the_approved_corrections(small):
    correction = seams.Correction(
        number=1, enrolment_id=small.enrolments["ARC002"].pk, student_name="Trần Văn Đức", subject_id=small.toan.pk,
        subject_name="Toán", term_number=1, kind="ck", index=1, column_label="ĐĐGck", old_value="4", new_value="7",
        reason="Cộng sai điểm bài kiểm tra", requested_by="Đỗ Thị Mai", approved_by="Nguyễn Văn Thành",
        approved_on=DEMO_YEAR.next.on(1, 8),
    )
    data = printed.ledger(small.school_class, 1, corrections=[correction])
    toan = next(table for table in data.terms[0].subjects if table.subject == "Toán")
    row = next(row for row in toan.rows if row.full_name == "Trần Văn Đức")
    assert [(cell.text, cell.correction, cell.old) for cell in row.cells if cell.correction] == [("7", 1, "4")]
    text = pdf_text(pdf.html_to_pdf(rendering._html(Kind.LEDGER, {"data": data})).content)
    assert "Cộng sai điểm bài kiểm tra" in text and f"08/01/{DEMO_YEAR.first + 2}" in text


def test_no_correction_is_invented_without_an_approved_request(small):
    assert seams.approved_corrections(small.school_class, (1, 2)) == []



def test_a_printed_form_reads_only_its_fonts_static_files_and_students_photos(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    photos = tmp_path / "media" / "students" / "photos"
    photos.mkdir(parents=True)
    (photos / "hs001.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    evidence = tmp_path / "media" / "corrections"
    evidence.mkdir()
    (evidence / "bai-kiem-tra.pdf").write_bytes(b"%PDF-1.4")
    (photos / "trick.html").write_text("<script></script>")
    fetcher = pdf.LocalFetcher()

    assert fetcher.fetch(f"{pdf.BASE_URL}media/students/photos/hs001.png").read().startswith(b"\x89PNG")
    assert fetcher.fetch((pdf.font_dir() / "DejaVuSans.ttf").as_uri()).read()
    assert fetcher.fetch(f"{pdf.BASE_URL}static/archive/pdf/forms.css").read()
    for url in (f"{pdf.BASE_URL}media/corrections/bai-kiem-tra.pdf", f"{pdf.BASE_URL}media/students/photos/trick.html",
                (evidence / "bai-kiem-tra.pdf").as_uri(), "file:///etc/passwd",
                f"{pdf.BASE_URL}media/students/photos/../../corrections/bai-kiem-tra.pdf",
                "https://example.org/x.png"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_report_card_fills_the_subject_teachers_remark_column(small):
    from gradebook.remarks.services import subject_remarks_save

    first = small.enrolments["ARC001"]
    teacher = small.demo.user("teacher_math")
    subject_remarks_save(actor=teacher, assignment=small.toan_assignment, term=small.term1,
                         texts={first.pk: "Học kì I: nắm vững phân số."})
    subject_remarks_save(actor=teacher, assignment=small.toan_assignment, term=None,
                         texts={first.pk: "Cả năm: tư duy tốt, trình bày gọn."})

    at_term1 = printed.report_card(first, 1)
    [toan] = [s for s in at_term1.years[-1].subjects if s.name == "Toán"]
    assert toan.remark == "Học kì I: nắm vững phân số."
    cards = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2)
    text = " ".join(pdf_text(cards[0].pdf.content).split())
    assert "Cả năm: tư duy tốt, trình bày gọn." in text  # the year's remark wins at the year's end
    second = " ".join(pdf_text(cards[1].pdf.content).split())
    assert "tư duy tốt" not in second  # another student's card has no such remark
