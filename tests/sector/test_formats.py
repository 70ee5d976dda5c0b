"""The sector database's column maps (schoolrecords.formats.csdl): one test per template, header matching, codes.

Pure: no database, no Django.
"""

import pytest

from schoolrecords.formats import csdl
from schoolrecords.purei18n import RuleError

# Each template's map written out again on purpose: a changed map has to be a deliberate change here too.
EXPECTED = {
    ("students", "2025"): {
        "STT": "number", "Mã học sinh": "code", "Mã định danh": "national_id", "Họ và tên": "full_name",
        "Ngày sinh": "date_of_birth", "Giới tính": "gender", "Dân tộc": "ethnicity", "Quốc tịch": "nationality",
        "Khối": "grade", "Lớp": "class", "Trạng thái": "status", "Số đăng bộ": "registration_number",
        "Nơi sinh": "place_of_birth", "Quê quán": "hometown", "Nơi ở hiện nay": "address",
        "Đối tượng chính sách": "priority_group", "Họ tên cha": "father_name", "Nghề nghiệp cha": "father_occupation",
        "Họ tên mẹ": "mother_name", "Nghề nghiệp mẹ": "mother_occupation", "Họ tên người giám hộ": "guardian_name",
        "Nghề nghiệp người giám hộ": "guardian_occupation",
    },
    ("students", "2023"): {
        "STT": "number", "Mã HS": "code", "Họ tên học sinh": "full_name", "Ngày tháng năm sinh": "date_of_birth",
        "Giới tính": "gender", "Dân tộc": "ethnicity", "Tên lớp": "class", "Trạng thái học sinh": "status",
        "Nơi sinh": "place_of_birth", "Địa chỉ": "address", "Họ tên cha": "father_name", "Họ tên mẹ": "mother_name",
    },
    ("results", "2025"): {
        "STT": "number", "Mã học sinh": "code", "Họ và tên": "full_name", "Lớp": "class",
        "Kết quả học tập HK1": "learning_1", "Kết quả học tập HK2": "learning_2",
        "Kết quả học tập cả năm": "learning_year", "Kết quả rèn luyện HK1": "conduct_1",
        "Kết quả rèn luyện HK2": "conduct_2", "Kết quả rèn luyện cả năm": "conduct_year",
        "Kết quả học tập lại": "learning_after_retest", "Kết quả rèn luyện lại": "summer_conduct",
        "Số buổi nghỉ": "absences", "Được lên lớp": "promoted", "Danh hiệu": "title",
    },
}


def test_every_template_has_its_test_and_no_two_share_a_version():
    assert sorted((t.kind, t.version) for t in csdl.TEMPLATES) == sorted(EXPECTED)
    assert set(csdl.CURRENT.values()) <= set(csdl.TEMPLATES)


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda key: "-".join(key))
def test_the_column_map_of_each_template(key):
    template = next(t for t in csdl.TEMPLATES if (t.kind, t.version) == key)
    assert dict(zip(template.headers, template.fields, strict=True)) == EXPECTED[key]
    found = csdl.match(template, list(template.headers))
    assert found.complete
    assert found.positions == {field: index for index, field in enumerate(template.fields)}


@pytest.mark.parametrize("template", [t for t in csdl.TEMPLATES if t.kind == "students"], ids=lambda t: t.version)
def test_a_students_file_is_recognised_as_its_version_with_its_columns_in_any_order(template):
    headers = list(reversed(template.headers))
    found = csdl.detect("students", headers)
    assert found.template is template
    assert {field: headers[index] for field, index in found.positions.items()} == dict(
        zip(template.fields, template.headers, strict=True))


def test_headers_match_without_case_spaces_or_notes_and_then_without_tone_marks():
    headers = ["  mã HỌC   sinh ", "Ho va ten", "Ngày sinh (dd/mm/yyyy)", "GIOI TINH", "Lop", "trang thai"]
    found = csdl.detect("students", headers)
    assert found.template is csdl.STUDENTS_2025
    assert found.positions == {"code": 0, "full_name": 1, "date_of_birth": 2, "gender": 3, "class": 4, "status": 5}


def test_a_file_whose_headers_match_no_template_is_refused_with_the_headers_that_matched_none():
    headers = ["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trạng thái", "Điểm thi vào 10", "Sở thích"]
    with pytest.raises(RuleError) as refused:
        csdl.detect("students", headers)
    assert refused.value.params["unknown"] == "Điểm thi vào 10, Sở thích"
    assert refused.value.params["missing"] == csdl.NOTHING


def test_a_file_without_a_required_column_is_refused_naming_it():
    with pytest.raises(RuleError) as refused:
        csdl.detect("students", ["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"])
    assert refused.value.params["missing"] == "Trạng thái"


def test_a_column_given_twice_is_refused():
    with pytest.raises(RuleError) as refused:
        csdl.match(csdl.STUDENTS_2025, ["Mã học sinh", "Họ và tên", "Ho va ten"])
    assert refused.value.params == {"column": "Họ và tên"}


def test_the_results_layout_puts_the_subjects_after_the_class():
    layout = csdl.RESULTS_2025.layout(["Toán", "Ngữ văn"])
    assert layout[:6] == ["STT", "Mã học sinh", "Họ và tên", "Lớp", "Toán", "Ngữ văn"]
    assert layout[6:] == list(csdl.RESULTS_2025.headers[4:])


@pytest.mark.parametrize(("status", "arrived", "left", "code"), [
    ("studying", None, None, "01"),
    ("studying", csdl.TERM1, None, "02"),
    ("studying", csdl.TERM2, None, "06"),
    ("studying", csdl.SUMMER, None, "10"),
    ("transferred_out", None, csdl.TERM1, "04"),
    ("transferred_out", csdl.TERM1, csdl.TERM2, "08"),
    ("transferred_out", None, csdl.SUMMER, "11"),
    ("dropped", None, csdl.TERM1, "05"),
    ("dropped", None, csdl.TERM2, "09"),
    ("dropped", None, csdl.SUMMER, "12"),
])
def test_the_status_code_of_each_way_a_year_goes(status, arrived, left, code):
    assert csdl.status_code(status, arrived=arrived, left=left) == code


def test_the_portals_twelve_status_codes():
    assert list(csdl.STATUSES) == [f"{n:02d}" for n in range(1, 13)]
    assert csdl.STATUSES["01"] == "Đang học" and csdl.STATUSES["12"] == "Thôi học trong hè"
    assert csdl.status_label("02") == "02 - Chuyển đến kỳ 1"


@pytest.mark.parametrize(("cell", "code"), [
    ("01 - Đang học", "01"), ("01", "01"), (1, "01"), (5.0, "05"), ("Chuyển đi kỳ 2", "08"), ("thoi hoc trong he", "12"),
    ("13", None), ("Đã tốt nghiệp", None), (None, None), (True, None), (1.5, None),
])
def test_a_status_cell_is_read_as_code_code_and_name_or_name(cell, code):
    assert csdl.read_status(cell) == code
