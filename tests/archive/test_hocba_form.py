"""The học bạ follows the TT22 appendix: its pages, headings and column labels in the form's order, read back
from the PDFs (a grade-6 and a grade-9 student, and the primary card that shares the particulars page)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archive import hocba, rendering
from archive.models import Kind
from gradebook import printed
from gradebook.rules.tt22 import Outcome

from .conftest import SMALL_YEAR, pdf_text
from .test_primary_prints import PrimaryYear

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def flat(content: bytes) -> str:
    """The PDF's text on one line; pypdf reads a line broken after "/" as "/ "."""
    return " ".join(pdf_text(content).split()).replace("/ ", "/")


def _pages(content: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def flat_page(text: str) -> str:
    return " ".join(text.split())


def assert_in_order(text: str, labels: list[str]) -> None:
    """Each label is found after the one before it."""
    position = 0
    for label in labels:
        found = text.find(label, position)
        assert found >= 0, f"{label!r} missing after …{text[max(0, position - 80):position]!r}"
        position = found + len(label)


# The secondary học bạ, page by page.
COVER = ["BỘ GIÁO DỤC VÀ ĐÀO TẠO", "HỌC BẠ", "TRUNG HỌC CƠ SỞ", "Họ và tên học sinh:", "Trường:",
         "Xã/Phường/Đặc khu:", "Phường Mạo Khê", "Tỉnh/Thành phố:", "Quảng Ninh", "Số đăng bộ PCGD:"]
GUIDE = ["HƯỚNG DẪN SỬ DỤNG HỌC BẠ", "1. Học bạ học sinh được nhà trường quản lý", "2. Giáo viên môn học",
         "3. Giáo viên chủ nhiệm", "4. Hiệu trưởng", "5. Chỗ sửa chữa", "6. Trong học bạ điện tử"]
PARTICULARS = ["Họ và tên:", "Giới tính:", "Ngày sinh", "Dân tộc:", "Nơi sinh:", "Quê quán:", "Nơi ở hiện nay:",
               "Đối tượng (con liệt sĩ, con thương binh, …):", "Họ và tên cha:", "Nghề nghiệp:", "Họ và tên mẹ:",
               "Nghề nghiệp:", "Họ và tên người giám hộ:", "Nghề nghiệp:", "QUÁ TRÌNH HỌC TẬP", "Năm học", "Lớp",
               "Trường"]
# Table headings read row by row: a heading spanning two rows comes before the second row's.
SUBJECT_PAGE = ["Năm học:", "Lớp:", "Môn học", "Điểm trung bình môn học hoặc mức đánh giá",
                "Điểm trung bình môn học hoặc mức đánh giá sau đánh giá lại (nếu có)",
                "Nhận xét sự tiến bộ, ưu điểm nổi bật, hạn chế chủ yếu (nếu có) và chữ ký của giáo viên môn học",
                "Học kì I", "Học kì II", "Cả năm", "Toán", "Trong trang này có sửa chữa ở",
                "Xác nhận của giáo viên chủ nhiệm", "Xác nhận của Hiệu trưởng"]
SUMMARY_PAGE = ["KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP", "Mức đánh giá", "Đánh giá lại", "Học kì I", "Học kì II", "Cả năm",
                "Mức đánh giá lại", "Kết quả rèn luyện", "Kết quả học tập",
                "Tổng số buổi nghỉ học cả năm học", "Lên lớp:", "Hoàn thành chương trình lớp học/THCS:",
                "Chứng chỉ (nếu có):", "Kết quả tham gia các cuộc thi (nếu có):", "Khen thưởng (nếu có):",
                "NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM", "PHÊ DUYỆT CỦA HIỆU TRƯỞNG", "Hiệu trưởng"]


SCORED = ("van", "toan", "anh", "gdcd", "lsdl", "khtn")  # six scored subjects: the TT22 thresholds can be met


class GradeNine:
    """Class 9A1 of the small year: one student with every term's scores and conduct, and one approved correction."""

    def __init__(self, small):
        from gradebook.corrections import services as corrections
        from gradebook.corrections.services import ChangeInput
        from gradebook.homeroom import services as homeroom_services
        from gradebook.scores.services import CellInput, scores_save
        from gradebook.windows import services as locks
        from schoolrecords import services

        demo, system = small.demo, services.system_user()
        scored = [demo.subject(code) for code in SCORED]
        services.grade_subjects_set(actor=system, year=small.year, grade=9,
                                    periods={**{subject.pk: 140 for subject in scored}, small.gdtc.pk: 70})
        self.school_class = services.school_class_save(actor=system, year=small.year, name="9A1", grade=9,
                                                       homeroom_teacher=demo.user("homeroom_6a1"))
        teacher = demo.user("teacher_math")
        assignments = [services.assignment_create(actor=system, school_class=self.school_class, subject=subject,
                                                  teacher=teacher, start_date=small.year.start_date)
                       for subject in scored]
        toan = next(each for each in assignments if each.subject_id == small.toan.pk)
        gdtc = services.assignment_create(actor=system, school_class=self.school_class, subject=small.gdtc,
                                          teacher=demo.user("gv_gdtc"), start_date=small.year.start_date)
        student = services.student_save(
            actor=system, school=demo.school, code="ARC901", full_name="Phạm Minh Khôi", gender="male",
            registration_number="ARC901/THCS", date_of_birth=small.year.start_date.replace(year=small.year.start_date.year - 14),
            place_of_birth="Quảng Ninh", hometown="Hải Dương", address="Tổ 5, phường Mạo Khê",
            priority_group="Con thương binh", father_name="Phạm Văn Hải", father_occupation="Thợ mỏ",
            mother_name="Đỗ Thị Lan", mother_occupation="Giáo viên")
        self.enrolment = services.enrolment_create(actor=system, student=student, school_class=self.school_class,
                                                   start_date=small.year.start_date)
        kinds = [("tx", 1), ("tx", 2), ("tx", 3), ("tx", 4), ("gk", 1), ("ck", 1)]
        for term in (small.term1, small.term2):
            for assignment in assignments:
                assert scores_save(session="test-session", actor=teacher, assignment=assignment, term=term,
                                   cells=[CellInput(self.enrolment.pk, kind, index, "8") for kind, index in kinds]).ok
            assert scores_save(session="test-session", actor=demo.user("gv_gdtc"), assignment=gdtc, term=term,
                               cells=[CellInput(self.enrolment.pk, kind, index, "Đ") for kind, index in kinds
                                      if (kind, index) != ("tx", 4)]).ok
            homeroom_services.homeroom_save(
                actor=demo.user("homeroom_6a1"), school_class=self.school_class, term=term,
                entries=[homeroom_services.HomeroomEntry(self.enrolment.pk, conduct="tot",
                                                         remark="Ngoan, tiến bộ rõ.")])
        locks.column_lock(actor=teacher, assignment=toan, term=small.term1, kind="tx", index=2)
        request = corrections.correction_submit(
            actor=teacher, assignment=toan, term=small.term1, changes=[ChangeInput(self.enrolment.pk, "tx", 2, "9")],
            reason="Nhập nhầm", files=[SimpleUploadedFile("bai.pdf", PDF, content_type="application/pdf")])
        corrections.correction_approve(actor=demo.user("principal"), request=request, witness=demo.user("board"))


@pytest.fixture
def nine(small, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return GradeNine(small)


def test_a_grade_6_report_card_has_the_forms_pages_headings_and_columns_in_order(small):
    first = small.enrolments["ARC001"]
    [card] = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2, enrolments=[first])
    text = flat(card.pdf.content)
    assert_in_order(text, COVER + GUIDE + PARTICULARS + SUBJECT_PAGE + SUMMARY_PAGE)
    assert f"ARC001/{SMALL_YEAR.first}" in text  # the registration number on the cover
    assert "Huyện" not in text  # the 2025 reform: no district on the cover any more
    assert "Trong trang này có sửa chữa ở 0 chỗ, thuộc các môn: —" in text
    # cover, guide, particulars, then the year's subjects and its results each on a page of their own
    pages = [flat_page(page) for page in _pages(card.pdf.content)]
    assert len(pages) >= 5
    assert "HƯỚNG DẪN SỬ DỤNG HỌC BẠ" in pages[1]
    subjects = next(number for number, page in enumerate(pages) if "Trong trang này có sửa chữa" in page)
    assert "KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP" not in pages[subjects]
    assert "KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP" in pages[subjects + 1]


def test_a_grade_9_report_card_fills_occupations_priority_group_corrections_and_programme_completion(nine):
    [card] = rendering.student_documents(Kind.REPORT_CARD, nine.school_class, 2, enrolments=[nine.enrolment])
    text = flat(card.pdf.content)
    assert_in_order(text, COVER + GUIDE + PARTICULARS + SUBJECT_PAGE + SUMMARY_PAGE)
    assert_in_order(text, ["Số đăng bộ PCGD:", "ARC901/THCS",
                           "Đối tượng (con liệt sĩ, con thương binh, …):", "Con thương binh",
                           "Họ và tên cha:", "Phạm Văn Hải", "Nghề nghiệp:", "Thợ mỏ",
                           "Họ và tên mẹ:", "Đỗ Thị Lan", "Nghề nghiệp:", "Giáo viên"])
    # one approved correction of Toán: counted and listed on the subject page, before its signatures
    assert_in_order(text, ["Trong trang này có sửa chữa ở 1 chỗ, thuộc các môn: Toán",
                           "Các sửa chữa đã được phê duyệt", "Toán", "Học kì I", "ĐĐGtx2", "8 → 9",
                           "Xác nhận của giáo viên chủ nhiệm", "KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP"])
    assert_in_order(text, ["Hoàn thành chương trình lớp học/THCS:", "Hoàn thành chương trình trung học cơ sở",
                           "Chứng chỉ (nếu có):"])
    assert_in_order(text, ["NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM", "Ngoan, tiến bộ rõ."])


def test_the_hocba_xml_carries_the_new_schema_fields(nine):
    import xml.etree.ElementTree as ET

    [card] = rendering.student_documents(Kind.REPORT_CARD, nine.school_class, 2, enrolments=[nine.enrolment])
    data = printed.report_card(nine.enrolment, 2)
    xml = hocba.report_card_xml(data, rendering.card_context(nine.school_class, nine.enrolment.student, code="X",
                                                             version=1))
    ns = {"h": hocba.NAMESPACE}
    root = ET.fromstring(xml)
    assert root.findtext("h:truong/h:thongtintruong_diachi_tenxa", namespaces=ns) == "Phường Mạo Khê"
    assert root.findtext("h:hocsinh/h:hotencha", namespaces=ns) == "Phạm Văn Hải"
    assert root.findtext("h:hocsinh/h:nghenghiepcha", namespaces=ns) == "Thợ mỏ"
    assert root.findtext("h:hocsinh/h:nghenghiepme", namespaces=ns) == "Giáo viên"
    assert root.findtext("h:ketquanamhoc/h:ndunghoanthanh", namespaces=ns) == "Hoàn thành chương trình trung học cơ sở"
    assert card.pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(("grade", "outcome", "expected"), [
    (6, Outcome.PROMOTED, "Hoàn thành chương trình lớp 6"),
    (8, Outcome.REPEAT, "Chưa hoàn thành chương trình lớp 8"),
    (9, Outcome.PROMOTED, "Hoàn thành chương trình trung học cơ sở"),
    (9, Outcome.REPEAT, "Chưa hoàn thành chương trình trung học cơ sở"),
    (9, Outcome.RETEST, ""),  # decided after the re-test
    (7, None, ""),
    (12, Outcome.PROMOTED, ""),  # grade 12 prints its own programme and exam lines
])
def test_the_programme_completion_line_follows_the_final_decision(grade, outcome, expected):
    from django.utils import translation

    with translation.override("vi"):
        assert printed.completion_label(grade, outcome) == expected


def test_a_transfer_print_repeats_the_forms_two_pages_blank_for_the_years_to_come(small):
    leaving = small.enrolments["ARC003"]
    [card] = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2, enrolments=[leaving],
                                         transfer=True)
    text = flat(card.pdf.content)
    blank = ["NĂM HỌC ........", "Trong trang này có sửa chữa ở …… chỗ", "KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP",
             "Mức đánh giá lại", "Chứng chỉ (nếu có):", "PHÊ DUYỆT CỦA HIỆU TRƯỞNG"]
    assert_in_order(text, COVER[:4] + SUBJECT_PAGE[:3] + SUMMARY_PAGE[:3] + blank * 5)


def test_a_primary_report_card_still_renders_with_the_shared_particulars_page(db):
    prim = PrimaryYear()
    card = rendering.student_documents(Kind.PRIMARY_REPORT_CARD, prim.school_class, 2)[0]
    text = flat(card.pdf.content)
    assert_in_order(text, ["BỘ GIÁO DỤC VÀ ĐÀO TẠO", "HỌC BẠ", "TIỂU HỌC", "Xã/Phường/Đặc khu:", "……",
                           "Tỉnh/Thành phố:"] + PARTICULARS)
    assert "Huyện" not in text
