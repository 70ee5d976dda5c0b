"""The grid as an .xlsx file: export, import back with a preview, the same rules, and conflicts."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gradebook.models import Score
from gradebook.scores import spreadsheet
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from schoolrecords import services as setup
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

TX, GK, CK = Score.Kind.REGULAR, Score.Kind.MIDTERM, Score.Kind.FINAL
HEADINGS = ["STT", "Mã học sinh", "Họ và tên", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGtx4", "ĐĐGgk", "ĐĐGck", "ĐTBmhk",
            "Ghi chú"]
COLUMN = {heading: index for index, heading in enumerate(HEADINGS, start=1)}


def url(name: str, assignment, number: int = 1) -> str:
    return reverse(f"gradebook:{name}", args=(assignment.pk, number))


def studying(demo, class_name: str = "6A1") -> list[sm.Enrolment]:
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class(class_name),
                                            status=sm.Enrolment.Status.STUDYING).select_related("student")
                .order_by("pk"))


def save(demo, cells, *, username="teacher_math", subject="toan", number=1, reason="test"):
    result = scores_save(session="test-session", actor=demo.user(username), assignment=demo.assignment("6A1", subject),
                         term=demo.year.terms.get(number=number), cells=cells, reason=reason)
    assert result.ok, [problem.message for problem in result.problems]


def export(client, assignment, number: int = 1):
    response = client.get(url("grid_export", assignment, number))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def line_of(sheet, code: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(min_row=spreadsheet.HEADING_ROW + 1)
                if row[COLUMN["Mã học sinh"] - 1].value == code)


def as_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, assignment, content: bytes, *, name: str = "diem-6A1.xlsx", number: int = 1):
    return client.post(url("grid_import", assignment, number),
                       {"action": "preview", "file": SimpleUploadedFile(name, content)})


def confirm(client, assignment, preview, number: int = 1):
    token = preview.content.decode().split('name="token" value="', 1)[1].split('"', 1)[0]
    return client.post(url("grid_import", assignment, number), {"action": "confirm", "token": token})


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- export ------------------------------------------------------------------------------------


def test_the_export_has_the_header_block_the_headings_and_one_row_per_student(demo, login):
    first = studying(demo)[0]
    save(demo, [CellInput(first.pk, kind, index, text) for kind, index, text in
                [(TX, 1, "7,5"), (TX, 2, "8"), (TX, 3, "9"), (TX, 4, "6"), (GK, 1, "7"), (CK, 1, "8")]])

    sheet = export(login("head_math"), demo.assignment("6A1", "toan")).active

    meta = {sheet.cell(row=line, column=1).value: sheet.cell(row=line, column=3).value for line in range(2, 8)}
    assert sheet["A1"].value == "BẢNG ĐIỂM MÔN HỌC"
    assert meta == {"Trường": "Trường THCS Nguyễn Du", "Năm học": f"{DEMO_YEAR.name}", "Lớp": "6A1", "Môn học": "Toán",
                    "Học kì": "I", "Giáo viên": "Đỗ Thị Mai"}
    assert [cell.value for cell in sheet[spreadsheet.HEADING_ROW]] == HEADINGS
    assert sheet.max_row == spreadsheet.HEADING_ROW + 40
    line = line_of(sheet, first.student.code)
    values = [sheet.cell(row=line, column=COLUMN[h]).value for h in HEADINGS[2:10]]
    assert values == [first.student.full_name, 7.5, 8, 9, 6, 7, 8, 7.6]
    assert sheet.cell(row=line, column=COLUMN["ĐTBmhk"]).number_format == "0.0"


def test_the_term_two_export_adds_the_year_average_and_notes_the_transfer(demo, login):
    sheet = export(login("teacher_math"), demo.assignment("6A1", "toan"), 2).active

    headings = [cell.value for cell in sheet[spreadsheet.HEADING_ROW]]
    assert headings[-3:] == ["ĐTBmhk", "ĐTBmcn", "Ghi chú"]
    notes = [row[-1].value for row in sheet.iter_rows(min_row=spreadsheet.HEADING_ROW + 1) if row[-1].value]
    assert notes == [f"Chuyển trường 16/02/{DEMO_YEAR.first + 1}"]


def test_a_comment_subjects_export_writes_pass_and_not_yet(demo, login):
    first, second = studying(demo)[:2]
    save(demo, [CellInput(first.pk, GK, 1, "d"), CellInput(second.pk, GK, 1, "cd")], username="gv_gdtc",
         subject="gdtc")

    sheet = export(login("gv_gdtc"), demo.assignment("6A1", "gdtc")).active

    headings = [cell.value for cell in sheet[spreadsheet.HEADING_ROW]]
    assert headings[3:9] == ["ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGgk", "ĐĐGck", "KQ học kì"]
    midterm = headings.index("ĐĐGgk") + 1
    assert sheet.cell(row=line_of(sheet, first.student.code), column=midterm).value == "Đ"
    assert sheet.cell(row=line_of(sheet, second.student.code), column=midterm).value == "CĐ"


@pytest.mark.parametrize(("text", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+84 912", "'+84 912"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tTab", "'\tTab"), ("Nguyễn Văn An", "Nguyễn Văn An"), ("6A1", "6A1"),
])
def test_text_a_spreadsheet_would_read_as_a_formula_is_neutralised(text, written):
    assert spreadsheet.safe_text(text) == written


def test_a_students_name_that_looks_like_a_formula_is_exported_as_text(demo, login):
    student = studying(demo)[0].student
    setup.student_save(actor=demo.user("board"), school=demo.school, student=student,
                       full_name='=HYPERLINK("http://evil.example","Bấm")')

    response = login("teacher_math").get(url("grid_export", demo.assignment("6A1", "toan")))

    sheet = load_workbook(io.BytesIO(response.content)).active
    name = sheet.cell(row=line_of(sheet, student.code), column=COLUMN["Họ và tên"])
    assert name.value == "'=HYPERLINK(\"http://evil.example\",\"Bấm\")" and name.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    assert response["Content-Disposition"] == 'attachment; filename="diem-6A1-toan-hk1.xlsx"'


# --- import ------------------------------------------------------------------------------------


def test_an_unchanged_export_imports_back_changing_nothing(demo, login):
    first = studying(demo)[0]
    save(demo, [CellInput(first.pk, TX, 1, "7,5")])
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")

    preview = upload(client, math, as_bytes(export(client, math)))

    page = preview.content.decode()
    assert preview.status_code == 200 and 'id="import-nothing"' in page and 'id="import-confirm"' not in page
    assert Score.history.filter(enrolment__school_class__year__is_current=True).count() == 1


def test_the_preview_shows_old_to_new_per_cell_and_each_error_with_its_row_and_column(demo, login):
    first, second, third = studying(demo)[:3]
    save(demo, [CellInput(first.pk, TX, 1, "7,5"), CellInput(second.pk, TX, 1, "6")])
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math)
    sheet = workbook.active
    one, two, three = (line_of(sheet, enrolment.student.code) for enrolment in (first, second, third))
    sheet.cell(row=one, column=COLUMN["ĐĐGtx1"], value=8)  # 7,5 → 8
    sheet.cell(row=one, column=COLUMN["ĐĐGgk"], value="6,5")  # empty → 6,5, typed with a decimal comma
    sheet.cell(row=two, column=COLUMN["ĐĐGtx2"], value=11)
    sheet.cell(row=two, column=COLUMN["ĐĐGck"], value="=1+2")
    sheet.cell(row=three, column=COLUMN["ĐĐGtx3"], value=7.25)
    sheet.append([99, "KHONG-CO", "Người Lạ", 5])

    preview = upload(client, math, as_bytes(workbook))

    page = preview.content.decode()
    assert preview.status_code == 200
    assert f'<td class="num">{one}</td><td class="num">' in page
    assert '<td class="num old">7,5</td><td class="num new"><b>8</b></td>' in page
    assert '<td class="num old">—</td><td class="num new"><b>6,5</b></td>' in page
    assert f"Dòng {two}, cột ĐĐGtx2: Điểm phải từ 0 đến 10." in page
    assert f"Dòng {two}, cột ĐĐGck:" in page
    assert f"Dòng {three}, cột ĐĐGtx3: Điểm chỉ được có tối đa một chữ số sau dấu thập phân" in page
    assert f"Dòng {spreadsheet.HEADING_ROW + 41}, cột Mã học sinh:" in page
    assert page.count('<td class="num new">') == 2
    assert Score.objects.filter(enrolment=first, kind=GK).count() == 0  # nothing saved before the confirm


def test_confirming_saves_the_changes_with_the_file_name_as_the_history_reason(demo, login):
    first = studying(demo)[0]
    save(demo, [CellInput(first.pk, TX, 1, "7,5")])
    client = english(login("teacher_math"))
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math)
    line = line_of(workbook.active, first.student.code)
    workbook.active.cell(row=line, column=COLUMN["ĐĐGtx1"], value="9")
    workbook.active.cell(row=line, column=COLUMN["ĐĐGck"], value=10)

    preview = upload(client, math, as_bytes(workbook), name="C:\\Users\\mai\\Desktop\\diem 6A1.xlsx")
    response = confirm(client, math, preview)

    assert response.status_code == 302 and response["Location"] == url("grid", math)
    scores = {score.slot_label: score.value for score in Score.objects.filter(enrolment=first)}
    assert scores == {"Reg. 1": Decimal("9.0"), "End-term": Decimal("10.0")}
    assert set(Score.history.filter(history_type__in=["~", "+"], history_user__username="teacher_math",
                                    enrolment__school_class__year__is_current=True)
               .exclude(history_change_reason="test").values_list("history_change_reason", flat=True)) == {
        "Imported from diem 6A1.xlsx"}


def test_a_blank_cell_in_the_file_keeps_the_score(demo, login):
    first = studying(demo)[0]
    save(demo, [CellInput(first.pk, TX, 1, "7,5")])
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math)
    line = line_of(workbook.active, first.student.code)
    workbook.active.cell(row=line, column=COLUMN["ĐĐGtx1"]).value = None
    workbook.active.cell(row=line, column=COLUMN["ĐĐGtx2"], value=5)

    confirm(client, math, upload(client, math, as_bytes(workbook)))

    assert {score.index: score.value for score in Score.objects.filter(enrolment=first)} == {
        1: Decimal("7.5"), 2: Decimal(5)}


def test_a_cell_changed_after_the_preview_is_reported_as_a_conflict_and_not_overwritten(demo, login):
    first, second = studying(demo)[:2]
    save(demo, [CellInput(first.pk, TX, 1, "6")])
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math)
    workbook.active.cell(row=line_of(workbook.active, first.student.code), column=COLUMN["ĐĐGtx1"], value=8)
    workbook.active.cell(row=line_of(workbook.active, second.student.code), column=COLUMN["ĐĐGtx1"], value=9)
    preview = upload(client, math, as_bytes(workbook))
    save(demo, [CellInput(first.pk, TX, 1, "7", expected_version=1)])  # another screen, after the preview

    response = confirm(client, math, preview)

    page = response.content.decode()
    assert response.status_code == 200 and 'id="import-problems"' in page
    assert "Đỗ Thị Mai" in page and first.student.full_name in page
    assert Score.objects.get(enrolment=first).value == 7
    assert Score.objects.get(enrolment=second).value == 9


def test_a_comment_subject_imports_pass_and_not_yet_in_any_spelling(demo, login):
    first, second = studying(demo)[:2]
    client = login("gv_gdtc")
    gdtc = demo.assignment("6A1", "gdtc")
    workbook = export(client, gdtc)
    headings = [cell.value for cell in workbook.active[spreadsheet.HEADING_ROW]]
    midterm = headings.index("ĐĐGgk") + 1
    workbook.active.cell(row=line_of(workbook.active, first.student.code), column=midterm, value="d")
    workbook.active.cell(row=line_of(workbook.active, second.student.code), column=midterm, value="Chưa đạt")

    confirm(client, gdtc, upload(client, gdtc, as_bytes(workbook)))

    assert dict(Score.objects.filter(enrolment__school_class__year__is_current=True)
                .values_list("enrolment_id", "comment_passed")) == {first.pk: True, second.pk: False}


def test_a_file_of_another_term_is_refused_whole(demo, login):
    client = english(login("teacher_math"))
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math, 2)
    workbook.active.cell(row=line_of(workbook.active, studying(demo)[0].student.code), column=COLUMN["ĐĐGtx1"],
                         value=8)

    response = upload(client, math, as_bytes(workbook))

    assert f"This file holds the scores of class 6A1, Toán, term II, {DEMO_YEAR.name}, not of class 6A1, Toán, term I" in (
        response.content.decode())
    assert 'id="import-preview"' not in response.content.decode()


def test_a_file_without_the_header_block_is_refused(demo, login):
    client = english(login("teacher_math"))
    workbook = Workbook()
    workbook.active.append(["Mã học sinh", "Họ và tên", "ĐĐGtx1", "ĐĐGgk", "ĐĐGck"])
    workbook.active.append([studying(demo)[0].student.code, "x", 8])

    response = upload(client, demo.assignment("6A1", "toan"), as_bytes(workbook))

    assert "header (class, subject, term, school year) is missing" in response.content.decode()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    (b"%PDF-1.7\n1 0 obj\n", "This is not an Excel workbook (.xlsx)."),
    ("Mã học sinh,ĐĐGtx1\nHS6A1001,8\n".encode(), "This is not an Excel workbook (.xlsx)."),
    (b"PK\x03\x04not really a zip", "This file is not a readable Excel workbook (.xlsx)."),
])
def test_a_file_that_is_not_an_xlsx_is_refused_by_its_content_whatever_its_name(demo, login, content, message):
    response = upload(english(login("teacher_math")), demo.assignment("6A1", "toan"), content, name="diem.xlsx")

    assert message in response.content.decode()


def test_a_word_document_renamed_xlsx_is_refused(demo, login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    response = upload(english(login("teacher_math")), demo.assignment("6A1", "toan"), buffer.getvalue())

    assert "This file is not a readable Excel workbook (.xlsx)." in response.content.decode()


def test_a_file_over_two_megabytes_is_refused(demo, login):
    content = spreadsheet.XLSX_MAGIC + b"\0" * (2 * 1024 * 1024)

    response = upload(english(login("teacher_math")), demo.assignment("6A1", "toan"), content)

    assert "The file is larger than 2 MB." in response.content.decode()


@pytest.mark.parametrize("username", ["homeroom_6a1", "principal", "head_math"])
def test_readers_may_export_but_not_import(demo, login, username):
    client = login(username)
    math = demo.assignment("6A1", "toan")
    content = as_bytes(export(client, math))

    assert client.get(url("grid_import", math)).status_code == 403
    assert upload(client, math, content).status_code == 403


def test_a_confirm_without_its_preview_saves_nothing(demo, login):
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")

    response = client.post(url("grid_import", math), {"action": "confirm", "token": "0" * 32})

    assert response.status_code == 302 and response["Location"] == url("grid_import", math)
    assert not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_preview_confirmed_for_another_term_saves_nothing(demo, login):
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math)
    workbook.active.cell(row=line_of(workbook.active, studying(demo)[0].student.code), column=COLUMN["ĐĐGtx1"],
                         value=8)
    preview = upload(client, math, as_bytes(workbook))

    response = confirm(client, math, preview, number=2)

    assert response.status_code == 302 and not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_student_who_left_before_the_term_cannot_be_imported_into(demo, login):
    leaving = studying(demo)[0]
    setup.enrolment_end(actor=demo.user("board"), enrolment=leaving, status=sm.Enrolment.Status.DROPPED,
                        end_date=DEMO_YEAR.on(12, 1), reason="Nghỉ học")
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math, 2)
    line = line_of(workbook.active, leaving.student.code)
    workbook.active.cell(row=line, column=COLUMN["ĐĐGtx1"], value=8)

    response = upload(client, math, as_bytes(workbook), number=2)

    assert f"Dòng {line}, cột ĐĐGtx1: Học sinh này không học ở lớp trong học kì này." in response.content.decode()


def test_cancelling_a_preview_forgets_it(demo, login):
    client = login("teacher_math")
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math)
    workbook.active.cell(row=line_of(workbook.active, studying(demo)[0].student.code), column=COLUMN["ĐĐGtx1"],
                         value=8)
    preview = upload(client, math, as_bytes(workbook))

    client.post(url("grid_import", math), {"action": "cancel"})
    response = confirm(client, math, preview)

    assert response.status_code == 302 and not Score.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_recorded_score_retyped_in_an_import_after_logging_in_again_is_refused_with_its_path(demo, login):
    """The import is one more write path of the entry rule: a score from an earlier login session is recorded."""
    first, second = studying(demo)[:2]
    save(demo, [CellInput(first.pk, TX, 1, "7,5")])  # entered in the session "test-session"
    client = login("teacher_math", session=None)  # logged out and in again: a new session
    math = demo.assignment("6A1", "toan")
    workbook = export(client, math)
    workbook.active.cell(row=line_of(workbook.active, first.student.code), column=COLUMN["ĐĐGtx1"], value=9)
    workbook.active.cell(row=line_of(workbook.active, second.student.code), column=COLUMN["ĐĐGtx1"], value=6)

    preview = upload(client, math, as_bytes(workbook))
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "ghi nhận" in page and "lý do và minh chứng" in page  # the preview says the cell's way: a re-entry

    response = confirm(client, math, preview)

    assert response.status_code == 302
    assert Score.objects.get(enrolment=first).value == Decimal("7.5")
    assert not Score.history.filter(enrolment=first, history_change_reason__startswith="Imported").exists()
    assert Score.objects.get(enrolment=second).value == 6  # the new cell of the same file is saved
