"""The class ledger and the correction minutes follow TT22's appendix: their sections, headings and column labels
in the form's order, read back from the PDFs' text (issue 17 items 1-2)."""

import calendar
import dataclasses
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from pypdf import PdfReader

from archive import codes, rendering
from archive.models import Kind
from archive.wording import minutes as minutes_wording
from gradebook import api as seams
from gradebook import printed
from schoolrecords import services

from .conftest import SMALL_YEAR, pdf_text

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    """The PDF's text with its line breaks and runs of spaces as single spaces (table headings wrap)."""
    return " ".join(text.split())


def assert_in_order(text: str, labels: list[str]) -> None:
    position = 0
    for label in labels:
        found = text.find(label, position)
        assert found >= 0, f"{label!r} missing after …{text[max(0, position - 120):position]}"
        position = found + len(label)


def weekday_row(year: int, month: int) -> str:
    """The weekday row of a month's attendance grid, as the form numbers the days: 2 … 7, CN."""
    days = calendar.monthrange(year, month)[1]
    return " ".join("CN" if day.isoweekday() == 7 else str(day.isoweekday() + 1)
                    for day in (datetime.date(year, month, number) for number in range(1, days + 1)))


def test_the_ledger_has_the_forms_sections_headings_and_columns_in_order(small):
    first = small.enrolments["ARC001"]
    services.student_save(actor=services.system_user(), school=small.demo.school, student=first.student,
                          priority_group="Con thương binh", father_name="Nguyễn Văn Nam", father_occupation="Nông dân",
                          father_phone="0912345678", mother_name="Trần Thị Lan", mother_occupation="Giáo viên",
                          parent_email="gia.dinh.duong@example.vn")
    rendered = rendering.class_document(Kind.LEDGER, small.school_class, 2)
    pages = [flat(page.extract_text()) for page in PdfReader(io.BytesIO(rendered.pdf.content)).pages]
    text = flat(pdf_text(rendered.pdf.content))
    start, end = small.year.start_date, small.year.end_date
    homeroom = printed.staff_name(small.homeroom)

    # The cover: no Ministry line, the class and its homeroom teacher, the year.
    assert "BỘ GIÁO DỤC" not in text
    assert_in_order(pages[0], [
        "Trường: TRƯỜNG THCS", "Tỉnh/Thành phố:",
        "(Mẫu ban hành kèm theo Thông tư số 22/2021/TT-BGDĐT ngày 20 tháng 7 năm 2021)",
        "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH", "(Theo lớp học)", "CẤP TRUNG HỌC CƠ SỞ",
        "Lớp: 6A1", f"Giáo viên chủ nhiệm: {homeroom}", f"NĂM HỌC {small.year.name}",
    ])
    months = [(start.year, month) for month in range(start.month, 13)] + [
        (end.year, month) for month in range(1, end.month + 1)]
    assert_in_order(text, [
        # the usage guide
        "HƯỚNG DẪN SỬ DỤNG SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH (THEO LỚP HỌC)", "1. Quy định chung",
        "2. Giáo viên chủ nhiệm", "3. Giáo viên môn học", "4. Hiệu trưởng", "5. Sửa chữa",
        "6. Bản in từ sổ điểm điện tử",
        # the inner cover
        "LỚP 6A1", "Giáo viên môn học STT Môn học Giáo viên Chữ ký",
        # part I: the student records, with the priority group, the parents' occupations and e-mail
        "PHẦN I – SƠ YẾU LÝ LỊCH VÀ THEO DÕI CHUYÊN CẦN", "SƠ YẾU LÝ LỊCH HỌC SINH",
        "STT Họ và tên Mã học sinh Ngày sinh Giới tính Dân tộc Đối tượng Nơi sinh Chỗ ở hiện nay "
        "Cha (nghề nghiệp, điện thoại) Mẹ (nghề nghiệp, điện thoại) Người giám hộ (nghề nghiệp, điện thoại) "
        "Email cha mẹ Những thay đổi trong năm học",
        "Nguyễn Thị Ánh Dương", "Con thương binh", "Nguyễn Văn Nam, Nông dân (0912345678)",
        "Trần Thị Lan, Giáo viên",
        # part I: one attendance page a month, its weekday row under the day numbers
        *[label for year, month in months for label in (
            f"THEO DÕI CHUYÊN CẦN – THÁNG {month}/{year}", "STT Họ và tên Ngày trong tháng Số buổi nghỉ Ghi chú",
            " ".join(str(day) for day in range(1, calendar.monthrange(year, month)[1] + 1)), "P K Tổng",
            weekday_row(year, month))],
        # part II, term I: the comment-assessed subject first, then the scored one, then the term's summary
        "PHẦN II – GHI ĐIỂM HỌC KÌ I", "MÔN: GIÁO DỤC THỂ CHẤT — HỌC KÌ I",
        "STT Họ và tên ĐĐGtx1 ĐĐGtx2 ĐĐGtx3 ĐĐGgk ĐĐGck Mức ĐG HK Ghi chú",
        "Giáo viên chủ nhiệm (Ký và ghi rõ họ tên)", "Giáo viên môn học (Ký và ghi rõ họ tên)",
        "MÔN: TOÁN — HỌC KÌ I", "STT Họ và tên ĐĐGtx1 ĐĐGtx2 ĐĐGtx3 ĐĐGtx4 ĐĐGgk ĐĐGck ĐTBmhk Ghi chú",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ HỌC KÌ I", "Hiệu trưởng (Ký, ghi rõ họ tên và đóng dấu)",
        # part II, term II: the year's columns and the re-assessment
        "PHẦN II – GHI ĐIỂM HỌC KÌ II", "MÔN: GIÁO DỤC THỂ CHẤT — HỌC KÌ II",
        "ĐĐGck Mức ĐG HK Mức ĐG HK I Mức ĐG CN Mức đánh giá lại Ghi chú",
        "MÔN: TOÁN — HỌC KÌ II", "ĐĐGck ĐTBmhk ĐTBmhk I ĐTBmcn Đánh giá lại Ghi chú",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ HỌC KÌ II",
        # the year's summary and classification
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ CẢ NĂM HỌC", "Xếp loại cuối năm",
        "Trước khi đánh giá lại, rèn luyện trong kì nghỉ hè", "Sau khi đánh giá lại, rèn luyện trong kì nghỉ hè",
        "Danh hiệu", "Kết quả đánh giá lại", "Khen thưởng Học sinh Xuất sắc",
        # the principal's monthly table
        "NHẬN XÉT CỦA HIỆU TRƯỞNG", "Tháng Nhận xét Ký tên, đóng dấu",
        *[f"{month}/{year}" for year, month in months],
        # what the electronic book adds
        "DANH SÁCH CÁC LẦN SỬA ĐIỂM ĐƯỢC DUYỆT",
    ])
    records = next(page for page in pages if "SƠ YẾU LÝ LỊCH HỌC SINH" in page)
    assert "Con thương binh" in records and "gia.dinh.duong@example.vn" in records.replace(" ", "")  # it may wrap
    assert "KT lại" not in text and "Tiêu đề" not in text  # "Đánh giá lại", "Danh hiệu" as the form says
    # The averages are still right after the reordering: TT22 example E2 (8,7 / 9,3 / 9,1).
    assert_in_order(text, ["MÔN: TOÁN — HỌC KÌ I", "Nguyễn Thị Ánh Dương 9 8 10 7 8,5 9 8,7",
                           "MÔN: TOÁN — HỌC KÌ II", "Nguyễn Thị Ánh Dương 9 9 8 10 9,5 9,5 9,3 8,7 9,1"])
    assert rendered.pdf.pages == len(pages)

    # The class summary table shares the year's classification with the ledger, and its wording.
    summary = flat(pdf_text(rendering.class_document(Kind.SUMMARY, small.school_class, 2).pdf.content))
    assert_in_order(summary, ["Trước khi đánh giá lại, rèn luyện trong kì nghỉ hè", "Sau khi đánh giá lại",
                              "Danh hiệu", "Kết quả đánh giá lại", "Khen thưởng"])
    assert "KT lại" not in summary and "Tiêu đề" not in summary


def test_a_transferred_students_note_is_only_on_the_month_page_of_the_transfer(small):
    """The year (and so the enrolment) began after the 1st of its first month: that is no change to note."""
    leaving = small.enrolments["ARC003"]
    assert small.year.start_date.day > 1
    with translation.override("vi"):
        data = printed.ledger(small.school_class, 2)
    notes = {(month.year, month.month): row.note for month in data.attendance for row in month.rows
             if row.full_name == leaving.student.full_name}
    left = (leaving.end_date.year, leaving.end_date.month)
    assert notes[left] == f"Chuyển trường ngày {SMALL_YEAR.on(2, 16):%d/%m/%Y}; Chuyển trường theo gia đình"
    assert {month: note for month, note in notes.items() if note} == {left: notes[left]}
    assert max(notes) == left  # no page after the month they left
    assert all(not row.note for month in data.attendance for row in month.rows
               if row.full_name != leaving.student.full_name)
    # The student records keep the whole change.
    assert next(s.change for s in data.students if s.code == "ARC003") == notes[left]


def test_a_student_who_joined_mid_year_has_the_note_on_the_month_they_joined(small):
    joined_on = small.term2.start_date + datetime.timedelta(days=20)
    student = services.student_save(actor=services.system_user(), school=small.demo.school, code="ARC004",
                                    full_name="Phạm Minh Khôi", registration_number=f"ARC004/{SMALL_YEAR.first}", gender="male",
                                    date_of_birth=datetime.date(2014, 5, 2))
    services.enrolment_create(actor=services.system_user(), student=student, school_class=small.school_class,
                              start_date=joined_on)
    with translation.override("vi"):
        data = printed.ledger(small.school_class, 2)
    notes = {(month.year, month.month): row.note for month in data.attendance for row in month.rows
             if row.full_name == "Phạm Minh Khôi"}
    month = (joined_on.year, joined_on.month)
    assert min(notes) == month  # no page before they joined
    assert {each: note for each, note in notes.items() if note} == {month: f"Vào lớp ngày {joined_on:%d/%m/%Y}"}


@pytest.mark.parametrize(("day", "expected"), [
    (datetime.date(2027, 2, 3), "Trường THCS Nguyễn Du, ngày 03 tháng 02 năm 2027"),
    (datetime.date(2026, 12, 15), "Trường THCS Nguyễn Du, ngày 15 tháng 12 năm 2026"),
    (datetime.date(2026, 9, 5), "Trường THCS Nguyễn Du, ngày 05 tháng 9 năm 2026"),
    (None, "……, ngày …… tháng …… năm ……"),
])
def test_the_minutes_date_line_is_written_as_administrative_documents_write_it(day, expected):
    with translation.override("vi"):
        assert minutes_wording.place_date_line("Trường THCS Nguyễn Du", day) == expected


def _approved_minutes(demo, settings, tmp_path):
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
    corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"),
                                   place="Trường THCS Nguyễn Du")
    return seams.correction_minutes(request.pk), enrolment


def test_the_minutes_have_their_number_place_and_date_then_the_forms_parts_in_order(demo, settings, tmp_path):
    data, enrolment = _approved_minutes(demo, settings, tmp_path)
    today = timezone.localdate()
    with translation.override("vi"):
        date_line = minutes_wording.place_date_line("Trường THCS Nguyễn Du", today)
    code = codes.new_code()
    printed_on = today + datetime.timedelta(days=1)
    text = flat(pdf_text(rendering.correction_minutes(data, printed_on=printed_on, code=code).content))
    assert_in_order(text, [
        demo.school.name.upper(), f"Số: {data.number}/{demo.year.name}/BB-SĐ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", date_line,
        "BIÊN BẢN SỬA ĐIỂM", "Hiệu trưởng:", "Thành viên Ban quản trị chứng kiến:", "Giáo viên đề nghị sửa điểm:",
        "STT Học sinh Cột điểm Điểm cũ Điểm mới", f"1 {enrolment.student.full_name} ĐĐGtx1 6 8,5",
        "Lý do: Cộng nhầm điểm", "Minh chứng: bai.pdf",
        "GIÁO VIÊN (Ký và ghi rõ họ tên)", "THÀNH VIÊN BAN QUẢN TRỊ (Ký và ghi rõ họ tên)",
        "HIỆU TRƯỞNG (Ký, ghi rõ họ tên và đóng dấu)",
        # what the archive adds: an ad-hoc print's date, and the verification code on the page
        f"In ngày {printed_on:%d/%m/%Y}",
    ])
    assert codes.display(code) in text

    # Minutes of an older decision, taken before they were numbered and dated: the form's dotted blanks.
    older = flat(pdf_text(rendering.correction_minutes(dataclasses.replace(data, number=None, date=None)).content))
    assert_in_order(older, ["Số: ……/BB-SĐ", "……, ngày …… tháng …… năm ……", "BIÊN BẢN SỬA ĐIỂM"])
