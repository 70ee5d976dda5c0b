"""The board's import of classes and students from .xlsx and CSV files: preview, refusal, saving, templates."""

import ast
import csv
import datetime
import io
import re
import struct
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from schoolrecords import importing, services
from schoolrecords import models as m
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FRAGMENT_PATH = ROOT / "locale" / "parts" / "import.po"
HEADERS = [column.header for column in importing.COLUMNS]
SESSION_KEY = "schoolrecords_import"

# The Vietnamese texts of locale/parts/import.po written out again on purpose: a changed
# translation has to be a deliberate change here too.
VI_NOT_A_DATE = "Dòng 3, cột Ngày sinh: Ngày 31/02/2012 không có thật."
VI_NOT_UTF8 = ('Tệp CSV không dùng bảng mã UTF-8. Trong Excel, hãy chọn Tệp (File) > Lưu thành (Save As) > '
               '"CSV UTF-8 (Comma delimited)" rồi tải tệp đó lên.')
VI_PNG = "Đây không phải tệp Excel (.xlsx) hay CSV (tệp có vẻ là PNG). Hãy dùng tệp mẫu."
VI_NO_PREVIEW = "Hãy tải tệp lên và xem trước rồi mới xác nhận."
VI_REASON = "Nhập từ tệp {}"


# --- the catalogue -----------------------------------------------------------------------

def read_po(path: Path) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> msgstr of a simple .po file (no plurals), header left out."""
    entries: dict[tuple[str | None, str], str] = {}
    context = msgid = None
    msgstr = field = ""

    def flush():
        if msgid is not None:
            entries[(context, msgid)] = msgstr

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("msgctxt "):
            flush()
            context, msgid, msgstr, field = ast.literal_eval(line[8:]), None, "", "ctx"
        elif line.startswith("msgid "):
            if field != "ctx":
                flush()
                context = None
            msgid, msgstr, field = ast.literal_eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, field = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if field == "id":
                msgid += ast.literal_eval(line)
            elif field == "str":
                msgstr += ast.literal_eval(line)
    flush()
    entries.pop((None, ""), None)
    return entries


FRAGMENT = read_po(FRAGMENT_PATH)


def write_mo(entries: dict[tuple[str | None, str], str], path: Path) -> None:
    """A GNU .mo file of the entries (the layout of CPython's Tools/i18n/msgfmt.py)."""
    messages = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"}
    messages.update({(f"{ctx}\x04{msgid}" if ctx else msgid): text for (ctx, msgid), text in entries.items()})
    keys = sorted(messages, key=lambda k: k.encode())
    ids = strs = b""
    offsets = []
    for key in keys:
        key_bytes, value_bytes = key.encode(), messages[key].encode()
        offsets.append((len(ids), len(key_bytes), len(strs), len(value_bytes)))
        ids += key_bytes + b"\0"
        strs += value_bytes + b"\0"
    count = len(keys)
    key_start = 7 * 4 + 16 * count
    value_start = key_start + len(ids)
    table = []
    for id_offset, id_length, _str_offset, _str_length in offsets:
        table += [id_length, id_offset + key_start]
    for _id_offset, _id_length, str_offset, str_length in offsets:
        table += [str_length, str_offset + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + struct.pack(f"{len(table)}i", *table) + ids + strs)


def _compiled_has_fragment() -> bool:
    with translation.override("vi"):
        return all(
            (translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid)) == text
            for (ctx, msgid), text in FRAGMENT.items()
        )


@pytest.fixture(scope="session")
def fragment_locale(tmp_path_factory):
    directory = tmp_path_factory.mktemp("locale")
    write_mo(FRAGMENT, directory / "vi" / "LC_MESSAGES" / "django.mo")
    return directory


@pytest.fixture(autouse=True)
def vietnamese(settings, fragment_locale):
    """The compiled catalogue when it carries this fragment; else the fragment in front of it.

    The compiled catalogue is a build product (scripts/catalogue.sh); these tests are about the
    import and its Vietnamese messages, not about the build step.
    """
    if not _compiled_has_fragment():
        settings.LOCALE_PATHS = [fragment_locale, *settings.LOCALE_PATHS]
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _used_messages() -> set[tuple[str | None, str]]:
    found = set()
    names = {"_": None, "gettext": None, "gettext_lazy": None, "pgettext": 1, "pgettext_lazy": 1}
    for module in ("importing.py", "import_views.py"):
        tree = ast.parse((ROOT / "schoolrecords" / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                found.add((args[0], args[1]) if names[node.func.id] else (None, args[0]))
    template = (ROOT / "templates" / "schoolrecords" / "setup" / "import.html").read_text(encoding="utf-8")
    for text, context in re.findall(r'{% trans "([^"]+)"(?: context "([^"]+)")? %}', template):
        found.add((context or None, text))
    for body in re.findall(r"{% blocktrans[^%]*%}(.*?){% endblocktrans %}", template, flags=re.S):
        found.add((None, re.sub(r"{{ (\w+) }}", r"%(\1)s", body)))
    return found - {(None, "Yearly set-up")}  # the set-up screens' own message, translated with them


def test_every_import_message_has_a_vietnamese_translation():
    used = _used_messages()
    assert len(used) > 60
    assert used <= set(FRAGMENT), used - set(FRAGMENT)
    for (_ctx, msgid), text in FRAGMENT.items():
        assert text and text != msgid


def test_fragment_header_declares_utf8_and_vietnamese():
    header = FRAGMENT_PATH.read_text(encoding="utf-8")
    assert "Content-Type: text/plain; charset=UTF-8" in header
    assert "Language: vi" in header


# --- building files ----------------------------------------------------------------------

def student(code: str, name: str = "Trần Thị Bích", class_name: str = "6A3", grade: int = 6, **more) -> dict:
    row = {"Lớp": class_name, "Khối": grade, "Mã học sinh": code, "Họ và tên": name,
           "Ngày sinh": "15/03/2014", "Giới tính": "Nữ", "Dân tộc": "Kinh", "Nơi sinh": "Quảng Ninh",
           "Địa chỉ": "Tổ 3, phường Mạo Khê", "Họ tên mẹ": "Lê Thị Hạnh", "SĐT mẹ": "0987654321"}
    return row | more


def xlsx(rows: list[dict], headers=HEADERS, title_rows=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append([title])
    sheet.append(list(headers))
    for number, row in enumerate(rows, start=1):
        sheet.append([number if h == "STT" else row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows: list[dict], headers=HEADERS, delimiter=",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for number, row in enumerate(rows, start=1):
        writer.writerow([number if h == "STT" else row.get(h, "") for h in headers])
    return buffer.getvalue()


def windows_1258(text: str) -> bytes:
    """Text as Excel's "CSV (Comma delimited)" writes it on a Vietnamese Windows: tone marks as combining bytes."""
    data = b""
    for char in unicodedata.normalize("NFC", text):
        try:
            data += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        data += (base + tones).encode("cp1258")
    return data


def good_rows() -> list[dict]:
    return [
        student("NK0001", "Trần Thị Bích", **{"Ngày sinh": datetime.datetime(2014, 3, 15)}),
        student("NK0002", "Phạm Văn Cường", **{"Giới tính": "Nam", "SĐT cha": "+84 912 345 678",
                                              "Họ tên cha": "Phạm Văn Đông"}),
        student("NK0003", "Lê Ngọc Diệp", "7A3", 7, **{"Ngày sinh": "02/11/2013", "Dân tộc": "Tày"}),
    ]


def preview(client, year, name: str, content: bytes):
    return client.post(reverse("setup:import", args=[year.pk]),
                       {"action": "preview", "file": SimpleUploadedFile(name, content)})


def confirm(client, year, token: str | None = None):
    if token is None:
        token = client.session[SESSION_KEY]["token"]
    return client.post(reverse("setup:import", args=[year.pk]), {"action": "confirm", "token": token})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def counts() -> dict[str, int]:
    return {
        "classes": m.SchoolClass.objects.count(), "students": m.Student.objects.count(),
        "enrolments": m.Enrolment.objects.count(),
        "history": (m.SchoolClass.history.count() + m.Student.history.count() + m.Enrolment.history.count()),
    }


# --- end to end --------------------------------------------------------------------------

def test_good_xlsx_creates_classes_students_and_enrolments_with_board_and_file_in_history(demo, login, media):
    client = login("board")
    page = preview(client, demo.year, "lop-moi.xlsx", xlsx(good_rows()))
    assert page.status_code == 200
    plan = page.context["plan"]
    assert not plan.has_errors
    assert [r.status for r in plan.rows] == ["new", "new", "new"]
    assert sorted(name for name, _grade in plan.new_classes.values()) == ["6A3", "7A3"]
    stored = list((media / "imports").iterdir())
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{32}\.xlsx", stored[0].name)

    response = confirm(client, demo.year)

    assert response.status_code == 302 and response.url == reverse("setup:index")
    assert messages_of(response) == [
        "Đã nhập từ tệp lop-moi.xlsx: 2 lớp mới, 3 học sinh mới, 0 học sinh được cập nhật, "
        "3 lượt xếp học sinh vào lớp, 0 học sinh không thay đổi."]
    board, reason = demo.user("board"), VI_REASON.format("lop-moi.xlsx")
    for class_name, grade, codes in (("6A3", 6, ["NK0001", "NK0002"]), ("7A3", 7, ["NK0003"])):
        school_class = m.SchoolClass.objects.get(year=demo.year, name=class_name)
        assert school_class.grade == grade
        created = school_class.history.earliest()
        assert (created.history_user, created.history_change_reason) == (board, reason)
        enrolments = m.Enrolment.objects.filter(school_class=school_class).select_related("student")
        assert sorted(e.student.code for e in enrolments) == codes
        for enrolment in enrolments:
            assert enrolment.status == m.Enrolment.Status.STUDYING
            assert enrolment.start_date == demo.year.start_date
            record = enrolment.history.get()
            assert (record.history_user, record.history_change_reason) == (board, reason)
            record = enrolment.student.history.get()
            assert (record.history_user, record.history_change_reason) == (board, reason)
    bich = m.Student.objects.get(school=demo.school, code="NK0001")
    assert (bich.full_name, bich.date_of_birth, bich.gender) == (
        "Trần Thị Bích", datetime.date(2014, 3, 15), m.Student.Gender.FEMALE)
    cuong = m.Student.objects.get(school=demo.school, code="NK0002")
    assert (cuong.father_phone, cuong.gender) == ("+84912345678", m.Student.Gender.MALE)
    assert m.Student.objects.get(code="NK0003").ethnicity == "Tày"
    assert not list((media / "imports").iterdir())
    assert SESSION_KEY not in client.session


def test_one_bad_row_saves_nothing_and_the_preview_shows_its_vietnamese_error(demo, login):
    rows = good_rows()
    rows[1]["Ngày sinh"] = "31/02/2012"
    client = login("board")
    before = counts()

    page = preview(client, demo.year, "co-loi.xlsx", xlsx(rows))

    html = page.content.decode()
    assert VI_NOT_A_DATE in html
    assert [r.status for r in page.context["plan"].rows] == ["new", "error", "new"]
    assert 'value="confirm"' not in html
    response = confirm(client, demo.year)  # sent anyway, e.g. from an old tab
    assert response.status_code == 200
    assert messages_of(response) == ["Chưa lưu gì: có 1 dòng bị lỗi. Hãy sửa tệp rồi tải lên lại."]
    assert VI_NOT_A_DATE in response.content.decode()
    assert counts() == before
    assert not m.SchoolClass.objects.filter(year=demo.year, name__in=["6A3", "7A3"]).exists()


def test_csv_utf8_with_bom_is_imported(demo, login):
    client = login("board")
    content = csv_text(good_rows()[1:]).encode("utf-8-sig")
    assert content.startswith(b"\xef\xbb\xbf")

    page = preview(client, demo.year, "hoc-sinh.csv", content)
    assert page.context["parsed"].kind == "csv" and not page.context["plan"].has_errors
    confirm(client, demo.year)

    cuong = m.Student.objects.get(school=demo.school, code="NK0002")
    assert cuong.full_name == "Phạm Văn Cường"
    assert cuong.enrolments.get().school_class.name == "6A3"
    assert m.Student.objects.get(code="NK0003").date_of_birth == datetime.date(2013, 11, 2)


def test_csv_with_semicolons_and_plain_utf8_is_read():
    parsed = importing.read_file(csv_text(good_rows(), delimiter=";").encode("utf-8"))
    assert [row.values["code"] for row in parsed.rows] == ["NK0001", "NK0002", "NK0003"]
    assert not any(row.errors for row in parsed.rows)


def test_csv_not_in_utf8_is_refused_with_save_as_csv_utf8(demo, login, media):
    content = windows_1258(csv_text(good_rows()))
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    before = counts()

    page = preview(login("board"), demo.year, "hoc-sinh.csv", content)

    assert page.status_code == 200
    assert page.context["form"].errors["file"] == [VI_NOT_UTF8]
    assert counts() == before
    assert not (media / "imports").exists()


def test_png_renamed_xlsx_is_refused(demo, login):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)
    page = preview(login("board"), demo.year, "danh-sach.xlsx", png)
    assert page.context["form"].errors["file"] == [VI_PNG]
    assert SESSION_KEY not in page.wsgi_request.session


def test_reimporting_the_same_file_is_idempotent(demo, login):
    client = login("board")
    content = xlsx(good_rows())
    preview(client, demo.year, "lop-moi.xlsx", content)
    confirm(client, demo.year)
    after_first = counts()

    page = preview(client, demo.year, "lop-moi.xlsx", content)
    assert [r.status for r in page.context["plan"].rows] == ["unchanged"] * 3
    assert not page.context["plan"].new_classes
    response = confirm(client, demo.year)

    assert counts() == after_first  # no student, enrolment, class or history row added
    assert "0 lớp mới, 0 học sinh mới, 0 học sinh được cập nhật, 0 lượt xếp học sinh vào lớp, " \
           "3 học sinh không thay đổi" in messages_of(response)[0]


def test_reimport_updates_only_the_changed_student_and_keeps_blank_cells(demo, login):
    client = login("board")
    preview(client, demo.year, "lop-moi.xlsx", xlsx(good_rows()))
    confirm(client, demo.year)
    rows = good_rows()
    rows[0]["Địa chỉ"] = "Tổ 9, phường Kim Sơn"
    rows[2]["Họ tên mẹ"] = ""  # blank: keeps what the school has

    page = preview(client, demo.year, "sua.xlsx", xlsx(rows))
    assert [r.status for r in page.context["plan"].rows] == ["update", "unchanged", "unchanged"]
    assert page.context["plan"].rows[0].details == ["Thay đổi: Địa chỉ"]
    confirm(client, demo.year)

    bich = m.Student.objects.get(code="NK0001")
    assert bich.address == "Tổ 9, phường Kim Sơn"
    assert bich.history.latest().history_change_reason == VI_REASON.format("sua.xlsx")
    assert m.Student.objects.get(code="NK0003").mother_name == "Lê Thị Hạnh"
    assert m.Student.objects.get(code="NK0003").history.count() == 1


def test_a_student_already_in_the_class_is_updated_and_not_enrolled_twice(demo, login):
    existing = m.Enrolment.objects.select_related("student").filter(
        school_class=demo.school_class("6A1"), status="studying").first().student
    row = student(existing.code, existing.full_name, "6A1", 6,
                  **{"Ngày sinh": existing.date_of_birth.strftime("%d/%m/%Y"), "Địa chỉ": "Số 5, phố Mới",
                     "Giới tính": "Nam" if existing.gender == "male" else "Nữ"})
    client = login("board")
    page = preview(client, demo.year, "cap-nhat.xlsx", xlsx([row]))
    plan_row = page.context["plan"].rows[0]
    assert plan_row.status == "update" and not plan_row.enrol
    confirm(client, demo.year)
    existing.refresh_from_db()
    assert existing.address == "Số 5, phố Mới"
    assert existing.enrolments.count() == 1


def test_a_student_studying_in_another_class_is_a_row_error_naming_the_class(demo, login):
    existing = m.Enrolment.objects.select_related("student").filter(
        school_class=demo.school_class("6A1"), status="studying").first().student
    row = student(existing.code, existing.full_name, "6A2", 6)
    page = preview(login("board"), demo.year, "chuyen-lop.xlsx", xlsx([good_rows()[0], row]))
    assert page.context["plan"].rows[1].details == [
        f"Dòng 3, cột Lớp: Học sinh {existing.full_name} đang học lớp 6A1 trong năm học này."]


def test_confirm_rechecks_the_file_against_data_changed_since_the_preview(demo, login):
    board = demo.user("board")
    client = login("board")
    page = preview(client, demo.year, "lop-moi.xlsx", xlsx(good_rows()))
    assert not page.context["plan"].has_errors
    # Meanwhile someone enrols NK0003 in 7A1 by hand.
    nk3 = services.student_save(actor=board, school=demo.school, code="NK0003", full_name="Lê Ngọc Diệp",
                                date_of_birth=datetime.date(2013, 11, 2), gender="female")
    services.enrolment_create(actor=board, student=nk3, school_class=demo.school_class("7A1"))
    before = counts()

    response = confirm(client, demo.year)

    assert messages_of(response) == ["Chưa lưu gì: có 1 dòng bị lỗi. Hãy sửa tệp rồi tải lên lại."]
    assert "Dòng 4, cột Lớp: Học sinh Lê Ngọc Diệp đang học lớp 7A1 trong năm học này." in response.content.decode()
    assert counts() == before


def test_confirm_without_a_preview_is_refused(demo, login):
    client = login("board")
    before = counts()
    response = confirm(client, demo.year, token="0" * 32)
    assert response.status_code == 302 and response.url == reverse("setup:import", args=[demo.year.pk])
    assert messages_of(response) == [VI_NO_PREVIEW]
    preview(client, demo.year, "lop-moi.xlsx", xlsx(good_rows()))
    response = confirm(client, demo.year, token="f" * 32)  # not the token of this session's preview
    assert messages_of(response) == [VI_NO_PREVIEW]
    assert counts() == before


def test_cancel_removes_the_kept_file(demo, login, media):
    client = login("board")
    preview(client, demo.year, "lop-moi.xlsx", xlsx(good_rows()))
    assert len(list((media / "imports").iterdir())) == 1
    client.post(reverse("setup:import", args=[demo.year.pk]), {"action": "cancel"})
    assert not list((media / "imports").iterdir())
    assert SESSION_KEY not in client.session


# --- who may ------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["teacher_math", "principal", "clerk"])
def test_only_the_admin_board_may_import(demo, login, username):
    client = login(username)
    url = reverse("setup:import", args=[demo.year.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("setup:import_template", args=["xlsx"])).status_code == 403
    before = counts()
    response = client.post(url, {"action": "preview", "file": SimpleUploadedFile("a.xlsx", xlsx(good_rows()))})
    assert response.status_code == 403
    assert counts() == before


def test_the_service_refuses_a_teacher(demo):
    parsed = importing.read_file(xlsx(good_rows()))
    with pytest.raises(PermissionDenied):
        importing.import_classes_and_students(actor=demo.user("teacher_math"), year=demo.year,
                                              rows=parsed.rows, file_name="x.xlsx")
    assert not m.Student.objects.filter(code="NK0001").exists()


def test_another_schools_year_is_not_found(demo, login):
    system = services.system_user()
    other = m.School.objects.create(code="THCS-KHAC", name="Trường THCS Khác")
    year = services.school_year_create(
        actor=system, school=other, name=f"{DEMO_YEAR.name}", start_date=DEMO_YEAR.on(9, 5),
        end_date=DEMO_YEAR.on(5, 31),
        term_dates=((DEMO_YEAR.on(9, 5), DEMO_YEAR.on(1, 10)),
                    (DEMO_YEAR.on(1, 12), DEMO_YEAR.on(5, 25))))
    client = login("board")
    assert client.get(reverse("setup:import", args=[year.pk])).status_code == 404
    assert preview(client, year, "a.xlsx", xlsx(good_rows())).status_code == 404


# --- templates ----------------------------------------------------------------------------

def test_xlsx_template_opens_with_openpyxl_and_has_the_headers_and_instructions(demo, login):
    response = login("board").get(reverse("setup:import_template", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="mau-nhap-lop-hoc-sinh.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Học sinh", "Hướng dẫn"]
    rows = list(workbook["Học sinh"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][HEADERS.index("Mã học sinh")] == importing.EXAMPLE_CODE
    assert rows[1][HEADERS.index("Ngày sinh")] == datetime.datetime(2014, 3, 15)
    notes = [row[0] for row in workbook["Hướng dẫn"].iter_rows(values_only=True)]
    assert set(HEADERS) <= set(notes)


def test_csv_template_is_utf8_with_bom_and_has_the_headers(demo, login):
    response = login("board").get(reverse("setup:import_template", args=["csv"]))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert rows[1][HEADERS.index("Ngày sinh")] == "15/03/2014"
    assert login("board").get(reverse("setup:import_template", args=["pdf"])).status_code == 404


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_unchanged_template_is_refused_for_its_example_row(demo, login, fmt):
    client = login("board")
    content = client.get(reverse("setup:import_template", args=[fmt])).content
    page = preview(client, demo.year, f"mau.{fmt}", content)
    assert page.context["plan"].rows[0].details == ["Dòng 2: Đây là dòng ví dụ của tệp mẫu; hãy xoá dòng này."]


# --- the preview's cost -------------------------------------------------------------------

def _mixed_rows(count: int, demo) -> list[dict]:
    """Half new students in new classes, half existing ones (one with a changed address)."""
    existing = list(m.Student.objects.filter(enrolments__school_class__year=demo.year,
                                             enrolments__status="studying")
                    .order_by("code")[: count // 2])
    classes = dict(m.Enrolment.objects.filter(student__in=existing).values_list("student__code",
                                                                                "school_class__name"))
    rows = []
    for index, found in enumerate(existing):
        rows.append({"Lớp": classes[found.code], "Khối": int(classes[found.code][0]), "Mã học sinh": found.code,
                     "Họ và tên": found.full_name, "Ngày sinh": found.date_of_birth.strftime("%d/%m/%Y"),
                     "Giới tính": "Nam" if found.gender == "male" else "Nữ",
                     "Địa chỉ": "Đổi địa chỉ" if index == 0 else found.address})
    for index in range(count - len(rows)):
        rows.append(student(f"NEW{index:04d}", class_name=f"6A{3 + index % 3}"))
    return rows


# Session, user, profile with its school, year, two permission lookups, the year's classes, the
# students and enrolments of the file's codes, the page's current year and roles, session save.
PREVIEW_QUERIES = 14


@pytest.mark.parametrize("size", [10, 40])
def test_preview_query_count_does_not_grow_with_rows(demo, login, django_assert_num_queries, size):
    client = login("board")
    content = xlsx(_mixed_rows(size, demo))
    client.get(reverse("setup:import", args=[demo.year.pk]))  # session and caches as a real user has them
    with django_assert_num_queries(PREVIEW_QUERIES):
        page = preview(client, demo.year, "lon.xlsx", content)
    assert len(page.context["plan"].rows) == size
    assert page.context["plan"].count("update") == 1
    assert not page.context["plan"].has_errors



# --- reading and checking cells -------------------------------------------------------------

def errors_of(content: bytes) -> list[list[str]]:
    with translation.override("vi"):
        return [[str(e) for e in row.errors] for row in importing.read_file(content).rows]


def file_error(content: bytes) -> str:
    with translation.override("vi"), pytest.raises(importing.ImportFileError) as caught:
        importing.read_file(content)
    return str(caught.value)


@pytest.mark.parametrize(("change", "expected"), [
    ({"Ngày sinh": "31/02/2012"}, "Dòng 2, cột Ngày sinh: Ngày 31/02/2012 không có thật."),
    ({"Ngày sinh": "2014/15/03"}, "Dòng 2, cột Ngày sinh: Ngày phải ghi theo dạng dd/mm/yyyy, ví dụ 15/03/2014."),
    ({"Ngày sinh": ""}, "Dòng 2, cột Ngày sinh: Ô này không được để trống."),
    ({"Khối": 13, "Lớp": "13A1"}, "Dòng 2, cột Khối: Khối phải là số nguyên từ 1 đến 12."),
    ({"Lớp": "A6"}, "Dòng 2, cột Lớp: Tên lớp phải bắt đầu bằng khối của lớp, ví dụ 6A1."),
    ({"Lớp": "7A1"}, "Dòng 2, cột Lớp: Tên lớp phải bắt đầu bằng khối của lớp, ví dụ 6A1."),
    ({"Giới tính": "Male"}, "Dòng 2, cột Giới tính: Giới tính phải là Nam hoặc Nữ."),
    ({"Họ và tên": "=HYPERLINK(\"http://x\")"},
     "Dòng 2, cột Họ và tên: Ô bắt đầu bằng ký tự =, bảng tính sẽ hiểu là công thức; hãy xoá ký tự này."),
    ({"Số đăng bộ": "-5"},
     "Dòng 2, cột Số đăng bộ: Ô bắt đầu bằng ký tự -, bảng tính sẽ hiểu là công thức; hãy xoá ký tự này."),
    ({"Địa chỉ": "+84 phố Huế"},
     "Dòng 2, cột Địa chỉ: Ô bắt đầu bằng ký tự +, bảng tính sẽ hiểu là công thức; hãy xoá ký tự này."),
    ({"Nơi sinh": "@SUM(A1)"},
     "Dòng 2, cột Nơi sinh: Ô bắt đầu bằng ký tự @, bảng tính sẽ hiểu là công thức; hãy xoá ký tự này."),
    ({"SĐT cha": "=1+2"},
     "Dòng 2, cột SĐT cha: Ô bắt đầu bằng ký tự =, bảng tính sẽ hiểu là công thức; hãy xoá ký tự này."),
    ({"SĐT mẹ": "0912 ABC"}, "Dòng 2, cột SĐT mẹ: Số điện thoại gồm 8 đến 15 chữ số, có thể bắt đầu bằng dấu +, "
                             "ví dụ 0912345678 hoặc +84912345678."),
    ({"Mã học sinh": "X" * 31}, "Dòng 2, cột Mã học sinh: Tối đa 30 ký tự (ô này có 31 ký tự)."),
])
def test_a_bad_cell_gets_a_vietnamese_message_naming_row_and_column(change, expected):
    assert errors_of(csv_text([student("NK0001") | change]).encode()) == [[expected]]


@pytest.mark.parametrize(("change", "expected"), [
    ({"Họ và tên": '=HYPERLINK("http://x","An")'}, "Dòng 2, cột Họ và tên: Ô này chứa công thức; hãy sao chép "
                                                  "cột rồi dán lại chỉ phần giá trị (Dán đặc biệt > Giá trị)."),
    ({"Số đăng bộ": datetime.datetime(2021, 12, 1)},
     "Dòng 2, cột Số đăng bộ: Ô này đang ở dạng ngày tháng; hãy định dạng cột là Văn bản (Text)."),
    ({"Khối": 6.5}, "Dòng 2, cột Khối: Khối phải là số nguyên từ 1 đến 12."),
    ({"Ngày sinh": 41713}, "Dòng 2, cột Ngày sinh: Ngày phải ghi theo dạng dd/mm/yyyy, ví dụ 15/03/2014."),
    ({"Giới tính": True}, "Dòng 2, cột Giới tính: Giá trị trong ô này không đúng kiểu."),
])
def test_a_bad_excel_cell_gets_a_vietnamese_message(change, expected):
    assert errors_of(xlsx([student("NK0001") | change])) == [[expected]]


def test_a_formula_in_the_row_number_column_is_ignored():
    content = xlsx([student("NK0001")], headers=HEADERS)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    workbook.active["A2"] = "=ROW()-1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert errors_of(buffer.getvalue()) == [[]]


@pytest.mark.parametrize(("cell", "stored"), [
    ("+84 912 345 678", "+84912345678"),
    ("0912.345.678", "0912345678"),
    (912345678, "0912345678"),  # a number cell lost its leading 0
    ("(024) 3825 1234", "02438251234"),
])
def test_phone_numbers_are_accepted_and_stored_as_digits(cell, stored):
    row = importing.read_file(xlsx([student("NK0001", **{"SĐT cha": cell})])).rows[0]
    assert not row.errors
    assert row.values["father_phone"] == stored


@pytest.mark.parametrize("cell", ["15/03/2014", "15-03-2014", "15.03.2014", "2014-03-15", "15/3/2014",
                                  datetime.datetime(2014, 3, 15), datetime.date(2014, 3, 15)])
def test_dates_are_read_from_text_and_excel_date_cells(cell):
    row = importing.read_file(xlsx([student("NK0001", **{"Ngày sinh": cell})])).rows[0]
    assert not row.errors
    assert row.values["date_of_birth"] == datetime.date(2014, 3, 15)


def test_headers_are_matched_without_case_or_tone_marks_below_title_rows():
    headers = ["stt", " LỚP ", "khoi", "Ma hoc sinh", "HỌ TÊN", "Ngày sinh (dd/mm/yyyy)", "Giới tính (Nam/Nữ)",
               "Ghi chú"]
    rows = [{"stt": 1, " LỚP ": "6A3", "khoi": "6", "Ma hoc sinh": "NK0001", "HỌ TÊN": "  Trần  Thị Bích ",
             "Ngày sinh (dd/mm/yyyy)": "15/03/2014", "Giới tính (Nam/Nữ)": "nữ", "Ghi chú": "x"}]
    parsed = importing.read_file(xlsx(rows, headers=headers,
                                      title_rows=["TRƯỜNG THCS NGUYỄN DU", "DANH SÁCH HỌC SINH"]))
    row = parsed.rows[0]
    assert not row.errors
    assert row.line == 4
    assert (row.values["class"], row.values["grade"], row.values["full_name"], row.values["gender"]) == (
        "6A3", 6, "Trần Thị Bích", "female")
    assert parsed.ignored == ["Ghi chú"]


def test_blank_rows_are_skipped_and_rows_keep_their_sheet_numbers():
    rows = [student("NK0001"), {}, student("NK0002")]
    parsed = importing.read_file(xlsx(rows))  # the blank row still has its STT number
    assert [row.line for row in parsed.rows] == [2, 4]


def test_duplicate_codes_in_the_file_are_row_errors(demo):
    parsed = importing.read_file(xlsx([student("NK0001"), student("NK0002"), student("NK0001", "Khác")]))
    plan = importing.plan_import(demo.year, parsed.rows)
    assert [r.details for r in plan.rows if r.errors] == [
        ["Dòng 4, cột Mã học sinh: Mã học sinh NK0001 đã có ở dòng 2."]]


def test_existing_classes_are_found_without_case_or_spaces_and_missing_ones_are_new(demo):
    parsed = importing.read_file(xlsx([student("NK0001", class_name="6a1"), student("NK0002", class_name="6 A3"),
                                       student("NK0003", class_name="6A3")]))
    plan = importing.plan_import(demo.year, parsed.rows)
    assert not plan.has_errors
    assert [r.class_name for r in plan.rows] == ["6A1", "6A3", "6A3"]
    assert plan.new_classes == {"6a3": ("6A3", 6)}


def test_a_row_clashing_with_an_existing_class_of_another_grade_is_a_row_error(demo):
    services.school_class_save(actor=demo.user("board"), year=demo.year, name="9CHON", grade=8)
    parsed = importing.read_file(xlsx([student("NK0001", class_name="9 chon", grade=9)]))
    assert importing.plan_import(demo.year, parsed.rows).rows[0].details == [
        "Dòng 2, cột Khối: Lớp 9CHON đã có trong năm học này và thuộc khối 8."]


@pytest.mark.parametrize(("grade", "message"), [
    (5, "Dòng 2, cột Khối: Trường không có khối 5 (chỉ có khối 6 đến 9)."),
    (10, "Dòng 2, cột Khối: Trường không có khối 10 (chỉ có khối 6 đến 9)."),
])
def test_a_grade_the_school_does_not_teach_is_a_row_error(demo, grade, message):
    parsed = importing.read_file(xlsx([student("NK0001", class_name=f"{grade}A1", grade=grade)]))
    plan = importing.plan_import(demo.year, parsed.rows)
    assert plan.rows[0].details == [message] and not plan.new_classes


@pytest.mark.parametrize(("born", "message"), [
    (f"01/01/{DEMO_YEAR.first - 5}",
     "Dòng 2, cột Ngày sinh: Học sinh sẽ 5 tuổi vào đầu năm học; tuổi học sinh phải từ 9 đến 25."),
    (f"04/09/{DEMO_YEAR.first - 26}",
     "Dòng 2, cột Ngày sinh: Học sinh sẽ 26 tuổi vào đầu năm học; tuổi học sinh phải từ 9 đến 25."),
])
def test_an_impossible_age_at_the_start_of_the_year_is_a_row_error(demo, born, message):
    parsed = importing.read_file(xlsx([student("NK0001", **{"Ngày sinh": born})]))
    assert importing.plan_import(demo.year, parsed.rows).rows[0].details == [message]


def test_ages_9_and_25_at_the_start_of_the_year_are_accepted(demo):
    start = demo.year.start_date  # 05/09 of the demo's year
    parsed = importing.read_file(xlsx([
        student("NK0001", **{"Ngày sinh": start.replace(year=start.year - 9).strftime("%d/%m/%Y")}),
        student("NK0002", **{"Ngày sinh": f"06/09/{DEMO_YEAR.first - 26}"}),
    ]))
    assert not importing.plan_import(demo.year, parsed.rows).has_errors


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "File rỗng, không có nội dung."),
    (b"%PDF-1.7\n...", "Đây không phải tệp Excel (.xlsx) hay CSV (tệp có vẻ là PDF). Hãy dùng tệp mẫu."),
    (importing.OLE_MAGIC + bytes(100), "Đây là tệp Excel 97-2003 (.xls) kiểu cũ. Hãy mở tệp bằng Excel và "
                                       'lưu lại dưới dạng "Excel Workbook (.xlsx)".'),
    (b"PK\x03\x04" + bytes(100), "Không đọc được tệp này như một tệp Excel (.xlsx)."),
    (b"x" * (5 * 1024 * 1024 + 1), "Tệp lớn hơn 5 MB."),
    ("Lớp,Khối,Mã học sinh,Họ và tên\r\n6A1,6,X,Y\r\n".encode(), "Thiếu cột bắt buộc: Ngày sinh, Giới tính."),
    ("Lớp,Khối,Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\r\n".encode(), "Cột Lớp xuất hiện hai lần."),
    ("Lớp,Khối,Mã học sinh,Họ và tên,Ngày sinh,Giới tính\r\n,,,,,\r\n".encode(), "Tệp không có dòng học sinh nào."),
    ("Danh sách\r\nTên,Tuổi\r\n".encode(), "Không tìm thấy dòng tiêu đề: dòng đầu tiên phải ghi tên các cột như tệp "
                                           "mẫu (Lớp, Khối, Mã học sinh, Họ và tên, Ngày sinh, Giới tính)."),
])
def test_an_unusable_file_gets_one_clear_vietnamese_message(content, expected):
    assert file_error(content) == expected


def test_a_docx_is_not_taken_for_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert file_error(buffer.getvalue()) == "Không đọc được tệp này như một tệp Excel (.xlsx)."


def test_more_than_3000_rows_are_refused():
    rows = [student(f"NK{index:05d}") for index in range(importing.MAX_ROWS + 1)]
    assert file_error(csv_text(rows).encode()) == (
        "Tệp có hơn 3.000 dòng học sinh; hãy chia thành nhiều tệp nhỏ hơn.")
    assert len(importing.read_file(csv_text(rows[:-1]).encode()).rows) == importing.MAX_ROWS
