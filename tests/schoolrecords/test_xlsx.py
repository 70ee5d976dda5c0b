"""Uploaded workbooks are opened safely: no XML entities, every row counted, a time limit (schoolrecords.xlsx).

Each hostile file is built here from a real workbook (openpyxl writes it, then one part is
rewritten), and fed to the shared reader and to both imports that use it: the grid's and the
admin board's student import.
"""

import io
import re
import zipfile

import pytest
from django.utils import translation

from gradebook.scores import spreadsheet
from schoolrecords import importing, xlsx

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows=(("Mã học sinh", "Họ và tên"), ("HS001", "Nguyễn Văn An"))) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, part: str, change) -> bytes:
    """The same zip with ``part`` passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info, change(content) if info.filename == part else content)
    return out.getvalue()


def entity_bomb() -> bytes:
    """A sheet declaring an internal entity of 10 KB, used 1,000 times: 10 MB once expanded, from a 20 KB file."""
    declaration = (b'<!DOCTYPE worksheet [<!ENTITY big "' + b"A" * 10_000 + b'">]>')

    def change(xml: bytes) -> bytes:
        xml = declaration + xml  # before the root element (openpyxl writes no XML declaration)
        cell = b'<c r="A%d" t="inlineStr"><is><t>&big;</t></is></c>'
        rows = b"".join(b'<row r="%d">' % n + cell % n + b"</row>" for n in range(3, 1003))
        return re.sub(rb"</sheetData>", rows + b"</sheetData>", xml, count=1)

    return rewritten(workbook(), SHEET, change)


def blank_rows(last: int) -> bytes:
    """A sheet whose only other row is number ``last``: read-only openpyxl streams every blank row before it."""
    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B%d"' % last, xml, count=1)
        return xml.replace(b"</sheetData>", b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>'
                           b"</sheetData>" % (last, last), 1)

    return rewritten(workbook(), SHEET, change)


def read_all(data: bytes, **limits):
    options = {"max_unpacked": 4 * 1024 * 1024, "max_rows": 1000, "seconds": 10} | limits
    return [list(sheet) for sheet in xlsx.open_sheets(data, **options)]


def test_an_honest_workbook_reads_with_its_formulas_kept_apart():
    data = workbook(rows=(("Mã học sinh", "Điểm"), ("HS001", "=1+1")))

    [rows] = read_all(data)

    assert rows[0] == (1, ["Mã học sinh", "Điểm"])
    assert rows[1][1][0] == "HS001" and isinstance(rows[1][1][1], xlsx.Formula) and str(rows[1][1][1]) == "=1+1"


def test_a_workbook_declaring_an_entity_is_refused_before_it_is_parsed():
    data = entity_bomb()
    assert len(data) < 40_000

    with translation.override("en"), pytest.raises(xlsx.WorkbookError) as refused:
        read_all(data)

    assert "declares XML entities" in str(refused.value)


def test_an_entity_the_scan_would_miss_is_still_refused_by_the_parser(monkeypatch):
    monkeypatch.setattr(xlsx, "_DOCTYPE", re.compile(rb"(?!)"))  # a scan that finds nothing

    with translation.override("en"), pytest.raises(xlsx.WorkbookError) as refused:
        read_all(entity_bomb())

    assert "not a readable Excel workbook" in str(refused.value)  # defusedxml refused the entity


def test_blank_rows_count_toward_the_row_limit():
    assert len(read_all(blank_rows(1000))[0]) == 1000

    with translation.override("en"), pytest.raises(xlsx.WorkbookError) as refused:
        read_all(blank_rows(1_000_000))

    assert "more than 1000 rows (blank rows count too)" in str(refused.value)


def test_reading_stops_at_its_time_limit():
    with translation.override("en"), pytest.raises(xlsx.WorkbookError) as refused:
        read_all(workbook(), seconds=-1)

    assert "took too long to read" in str(refused.value)


def test_a_zip_that_unpacks_beyond_the_cap_is_refused():
    with translation.override("en"), pytest.raises(xlsx.WorkbookError) as refused:
        read_all(workbook(), max_unpacked=1000)

    assert "too large once unpacked" in str(refused.value)


@pytest.mark.parametrize("hostile", [entity_bomb, lambda: blank_rows(1_000_000)])
def test_both_imports_refuse_the_hostile_files_with_a_vietnamese_message(hostile):
    data = hostile()
    with translation.override("vi"):
        with pytest.raises(spreadsheet.SpreadsheetError) as grid:
            spreadsheet.read_file(data)
        with pytest.raises(importing.ImportFileError) as students:
            importing.read_file(data)

    for message in (str(grid.value), str(students.value)):
        assert message and message != "This file is not a readable Excel workbook (.xlsx)."
        assert any(word in message for word in ("tệp", "Tệp", "dòng", "Trang tính", "trang tính"))


def test_a_csv_of_blank_lines_beyond_the_limit_is_refused():
    text = "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Khối,Lớp\nHS001,Nguyễn Văn An,01/01/2014,Nam,6,6A1\n"
    text += "\n" * (importing.MAX_LINES + 10)

    with translation.override("en"), pytest.raises(importing.ImportFileError) as refused:
        importing.read_file(text.encode())

    assert "blank rows count too" in str(refused.value)
