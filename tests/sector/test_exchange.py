"""The sector database exchange: exports read back by openpyxl against the templates, the import of a portal export."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schoolrecords import models as m
from schoolrecords import sector, services
from schoolrecords.formats import csdl

pytestmark = pytest.mark.django_db


def _sheet(content: bytes) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def _book(headers: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["SỞ GIÁO DỤC VÀ ĐÀO TẠO — DANH SÁCH HỌC SINH"])  # the portal's title row above the table
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _preview(client, year, content: bytes):
    return client.post(reverse("setup:sector", args=[year.pk]), {
        "action": "preview", "file": SimpleUploadedFile("csdl-hoc-sinh.xlsx", content)})


def _confirm(client, year):
    token = client.session[("schoolrecords_sector_import")]["token"]
    return client.post(reverse("setup:sector", args=[year.pk]), {"action": "confirm", "token": token}, follow=True)


def _new_student(demo, code: str, class_name: str, start: datetime.date) -> m.Student:
    board = demo.user("board")
    student = services.student_save(actor=board, school=demo.school, code=code, full_name=f"Lê Thị {code}",
                                    date_of_birth=datetime.date(2014, 5, 2), gender="female")
    services.enrolment_create(actor=board, student=student, school_class=demo.school_class(class_name),
                              start_date=start)
    return student


# --- the students' export -----------------------------------------------------------------------------------


def test_the_students_export_read_back_has_the_templates_headers_and_a_status_code_for_every_student(demo, login):
    term2 = demo.year.terms.get(number=2)
    _new_student(demo, "HSDEN01", "7A1", term2.start_date + datetime.timedelta(days=10))
    response = login("board").get(reverse("setup:sector_students", args=[demo.year.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="csdl-hoc-sinh-')
    rows = _sheet(response.content)
    assert rows[0] == list(csdl.CURRENT["students"].layout())
    column = {header: index for index, header in enumerate(rows[0])}
    students = m.Enrolment.objects.filter(school_class__year=demo.year).values("student").distinct().count()
    assert len(rows) - 1 == students
    by_code = {row[column["Mã học sinh"]]: row for row in rows[1:]}
    assert by_code["HSDEN01"][column["Trạng thái"]] == "06 - Chuyển đến kỳ 2"
    assert by_code["HSDEN01"][column["Lớp"]] == "7A1" and by_code["HSDEN01"][column["Khối"]] == 7
    assert by_code["HSDEN01"][column["Giới tính"]] == "Nữ"
    assert by_code["HSDEN01"][column["Ngày sinh"]] == datetime.datetime(2014, 5, 2)
    left = m.Enrolment.objects.get(school_class__year=demo.year, student=demo.newcomer("6A1", 40))
    assert left.status == m.Enrolment.Status.TRANSFERRED_OUT
    expected = "04" if left.end_date <= demo.year.terms.get(number=1).end_date else "08"
    assert by_code[left.student.code][column["Trạng thái"]] == csdl.status_label(expected)
    assert {row[column["Trạng thái"]] for row in rows[1:]} <= {csdl.status_label(code) for code in csdl.STATUSES}
    assert [row[0] for row in rows[1:]] == list(range(1, students + 1))


def test_the_students_export_takes_the_same_queries_for_more_students(demo):
    with CaptureQueriesContext(connection) as small:
        sector.students_workbook(demo.year)
    for number in range(6):
        _new_student(demo, f"HSTHEM{number}", "6A2", demo.year.start_date)
    with CaptureQueriesContext(connection) as large:
        sector.students_workbook(demo.year)
    assert len(large) == len(small) == 3  # terms, enrolments, movements


# --- the year results' export -------------------------------------------------------------------------------


def test_the_results_export_of_a_class_read_back_has_the_templates_headers_with_the_classs_subjects(demo, login):
    school_class = demo.school_class("6A1")
    subjects = [row.subject.name for row in m.GradeSubject.objects.filter(year=demo.year, grade=6)
                .select_related("subject").order_by("subject__order", "subject__name")]
    response = login("clerk").get(reverse("gradebook:sector_results", args=[school_class.pk]))
    assert response.status_code == 200
    rows = _sheet(response.content)
    assert rows[0] == csdl.RESULTS_2025.layout(subjects)
    assert rows[0][:4] == ["STT", "Mã học sinh", "Họ và tên", "Lớp"] and rows[0][4:4 + len(subjects)] == subjects
    column = {header: index for index, header in enumerate(rows[0])}
    at_end = m.Enrolment.objects.filter(school_class=school_class, status=m.Enrolment.Status.STUDYING).count()
    assert len(rows) - 1 == at_end  # the student who transferred out is not in the class at the year's end
    assert demo.newcomer("6A1", 40).code not in {row[column["Mã học sinh"]] for row in rows[1:]}
    assert {row[column["Lớp"]] for row in rows[1:]} == {"6A1"}
    levels = set(csdl.LEVELS.values()) | {None}
    assert {row[column["Kết quả rèn luyện HK1"]] for row in rows[1:]} <= levels
    assert {row[column["Được lên lớp"]] for row in rows[1:]} <= {0, 1, None}


def test_the_results_export_takes_the_same_queries_for_a_larger_class(demo):
    from gradebook.results import sector as results_sector

    school_class = m.SchoolClass.objects.select_related("year").get(pk=demo.school_class("6A2").pk)
    with CaptureQueriesContext(connection) as small:
        results_sector.results_workbook(school_class)
    for number in range(4):
        _new_student(demo, f"HSLON{number}", "6A2", demo.year.start_date)
    with CaptureQueriesContext(connection) as large:
        results_sector.results_workbook(school_class)
    assert len(large) == len(small)


# --- the import -----------------------------------------------------------------------------------------------


def test_a_portal_export_with_its_columns_reordered_imports_the_students_still_at_school(demo, login):
    headers = list(reversed(csdl.STUDENTS_2023.headers))  # the 2023 template, its columns the other way round
    values = [
        {"STT": 1, "Mã HS": "0101234567", "Họ tên học sinh": "Đỗ Minh Khang", "Ngày tháng năm sinh": "2014-09-01",
         "Giới tính": "Nam", "Dân tộc": "Tày", "Tên lớp": "6A9", "Trạng thái học sinh": "01 - Đang học",
         "Nơi sinh": "Lạng Sơn", "Địa chỉ": "Thôn 3", "Họ tên cha": "Đỗ Văn Hải", "Họ tên mẹ": ""},
        {"STT": 2, "Mã HS": "0101234568", "Họ tên học sinh": "Vi Thu Hà", "Ngày tháng năm sinh": "12/03/2014",
         "Giới tính": 2, "Dân tộc": "Nùng", "Tên lớp": "6A1", "Trạng thái học sinh": "02",
         "Nơi sinh": "", "Địa chỉ": "", "Họ tên cha": "", "Họ tên mẹ": "Hoàng Thị Lụa"},
        {"STT": 3, "Mã HS": "0101234569", "Họ tên học sinh": "Lý Văn Đi", "Ngày tháng năm sinh": "01/01/2014",
         "Giới tính": "Nam", "Dân tộc": "Kinh", "Tên lớp": "6A1", "Trạng thái học sinh": "04 - Chuyển đi kỳ 1",
         "Nơi sinh": "", "Địa chỉ": "", "Họ tên cha": "", "Họ tên mẹ": ""},
    ]
    content = _book(headers, [[row[header] for header in headers] for row in values])
    client = login("board")
    page = _preview(client, demo.year, content)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đỗ Minh Khang" in html and "Vi Thu Hà" in html
    assert 'id="skipped"' in html and "Lý Văn Đi" in html and "04 - Chuyển đi kỳ 1" in html
    assert not m.Student.objects.filter(code__startswith="010123456").exists()  # a preview saves nothing

    done = _confirm(client, demo.year)
    assert done.status_code == 200
    khang = m.Student.objects.get(school=demo.school, code="0101234567")
    assert (khang.full_name, khang.date_of_birth, khang.gender, khang.ethnicity, khang.place_of_birth) == (
        "Đỗ Minh Khang", datetime.date(2014, 9, 1), "male", "Tày", "Lạng Sơn")
    assert khang.enrolments.get().school_class.name == "6A9"  # a new class, its grade read from its name
    ha = m.Student.objects.get(school=demo.school, code="0101234568")
    assert ha.gender == "female" and ha.mother_name == "Hoàng Thị Lụa"
    assert ha.enrolments.get().school_class == demo.school_class("6A1")
    assert not m.Student.objects.filter(code="0101234569").exists()  # transferred out: not imported
    assert khang.history.first().history_change_reason == "Nhập từ tệp csdl-hoc-sinh.xlsx"


def test_a_student_code_of_another_school_is_refused_in_vietnamese_and_nothing_is_saved(demo, login, other_school):
    template = csdl.STUDENTS_2025
    row = {"Mã học sinh": "X001", "Họ và tên": "Trần Văn Xa", "Ngày sinh": "01/03/2014", "Giới tính": "Nam",
           "Lớp": "6A1", "Trạng thái": "01 - Đang học"}
    fine = dict(row, **{"Mã học sinh": "HSMOI001", "Họ và tên": "Phan Văn Mới"})
    content = _book(list(template.headers), [[r.get(h, "") for h in template.headers] for r in (fine, row)])
    client = login("board")
    page = _preview(client, demo.year, content)
    html = page.content.decode()
    assert "Mã học sinh X001 là của một học sinh trường khác" in html
    assert "Xác nhận nhập dữ liệu" not in html  # no confirmation while a row has an error
    done = _confirm(client, demo.year)
    assert "Chưa lưu gì" in done.content.decode()
    assert not m.Student.objects.filter(school=demo.school, code__in=["X001", "HSMOI001"]).exists()


def test_a_file_whose_headers_match_no_template_is_refused_with_the_list_of_them(demo, login):
    headers = ["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trạng thái", "Điểm thi vào 10", "Năng khiếu"]
    content = _book(headers, [["HS1", "An", "01/01/2014", "Nam", "6A1", "01", "8", "Vẽ"]])
    page = _preview(login("board"), demo.year, content)
    html = page.content.decode()
    assert page.status_code == 200
    assert "không khớp với mẫu nào" in html and "Điểm thi vào 10, Năng khiếu" in html
    assert not m.Student.objects.filter(school=demo.school, code="HS1").exists()


def test_a_status_that_is_not_a_portal_code_is_an_error_at_its_row(demo, login):
    template = csdl.STUDENTS_2025
    row = {"Mã học sinh": "HSLA01", "Họ và tên": "Hà Văn Lạ", "Ngày sinh": "01/03/2014", "Giới tính": "Nam",
           "Lớp": "6A1", "Trạng thái": "Đã tốt nghiệp"}
    page = _preview(login("board"), demo.year, _book(list(template.headers), [[row.get(h, "") for h in template.headers]]))
    assert "mã của cổng, từ 01 đến 12" in page.content.decode()


# --- who, and the links ---------------------------------------------------------------------------------------


def test_the_office_downloads_but_may_not_import_and_a_teacher_may_do_neither(demo, login):
    url = reverse("setup:sector", args=[demo.year.pk])
    clerk = login("clerk")
    page = clerk.get(url)
    assert page.status_code == 200 and 'id="sector-import"' not in page.content.decode()
    assert clerk.get(reverse("setup:sector_students", args=[demo.year.pk])).status_code == 200
    assert clerk.post(url, {"action": "preview"}).status_code == 403
    teacher = login("teacher_math")
    assert teacher.get(url).status_code == 403
    assert teacher.get(reverse("gradebook:sector_results", args=[demo.school_class("6A1").pk])).status_code == 403


def test_the_boards_set_up_pages_and_the_clerks_home_link_to_the_exchange(demo, login):
    url = reverse("setup:sector", args=[demo.year.pk])
    board = login("board")
    assert url in board.get(reverse("setup:index")).content.decode()
    assert url in board.get(reverse("setup:year_list")).content.decode()  # the set-up's tabs
    assert url in login("clerk").get(reverse("home")).content.decode()
