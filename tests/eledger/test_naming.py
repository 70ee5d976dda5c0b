"""Lesson-plan naming rule and upload checks (eledger.naming); pure, runs with -p no:django."""

import unicodedata

import pytest

from eledger import naming
from eledger.naming import (
    NameCheck,
    check_lesson_plan_filename,
    check_upload,
    is_pdf,
    lesson_plan_name,
    safe_upload_name,
)
from schoolrecords.purei18n import RuleError, vietnamese

MB = 1024 * 1024
EXAMPLE = "SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC"  # the regulation's own example
BIOLOGY = dict(subject="Sinh học", grade=9, period=1, title="Men Đen và di truyền học")
ENGLISH = dict(subject="Tiếng Anh", grade=6, period=3, title="Unit 1 - My new school", foreign_language=True)
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# Vietnamese texts, written out here on purpose: the test checks the catalogue, not itself.
VI_SUBJECT_EMPTY = "Chưa nhập tên môn học."
VI_TITLE_EMPTY = "Chưa nhập tên bài dạy."
VI_SUBJECT_BAD_CHAR = 'Tên môn học có ký tự không được dùng trong tên file (_ / \\ : * ? " < > | hoặc ký tự điều khiển).'
VI_TITLE_BAD_CHAR = 'Tên bài dạy có ký tự không được dùng trong tên file (_ / \\ : * ? " < > | hoặc ký tự điều khiển).'
VI_GRADE = "Khối lớp phải là số nguyên từ 1 đến 12."
VI_PERIOD_RANGE = "Tiết theo phân phối chương trình phải là số nguyên từ 1 trở lên."
VI_NAME_EMPTY = "Tên file đang để trống."
VI_NAME_PATH = "Tên file không được chứa đường dẫn thư mục."
VI_NAME_CONTROL = "Tên file có ký tự điều khiển không hợp lệ."
VI_NAME_TOO_LONG = "Tên file quá dài (tối đa 255 byte)."
VI_FILE_EMPTY = "File rỗng, không có nội dung."
VI_NOT_PDF = (
    "Chỉ nhận file PDF; nội dung file này không phải PDF "
    "(hệ thống kiểm tra nội dung file, không dựa vào đuôi tên file)."
)

VI_PROBLEMS = {
    naming.PROBLEM_EXTENSION: "Tên file phải có đuôi .pdf.",
    naming.PROBLEM_STRUCTURE: (
        "Tên file phải gồm ba phần, cách nhau bằng dấu gạch dưới: môn và khối, tiết, tên bài "
        "(ví dụ SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC)."
    ),
    naming.PROBLEM_LOWER_CASE: "Tên file phải viết bằng chữ in hoa.",
    naming.PROBLEM_DIACRITICS: "Tên file thiếu dấu hoặc sai dấu tiếng Việt (viết HỌC, không viết HOC).",
    naming.PROBLEM_SPACING: "Tên file thừa hoặc thiếu dấu cách.",
    naming.PROBLEM_SUBJECT: "Môn học trong tên file không khớp với kế hoạch bài dạy.",
    naming.PROBLEM_GRADE: "Khối lớp trong tên file không khớp với kế hoạch bài dạy.",
    naming.PROBLEM_PERIOD_LABEL: "Phần thứ hai phải là chữ “TIẾT” và số tiết.",
    naming.PROBLEM_PERIOD: "Số tiết trong tên file không khớp với kế hoạch bài dạy.",
    naming.PROBLEM_TITLE: "Tên bài trong tên file không khớp với kế hoạch bài dạy.",
    naming.PROBLEM_MISMATCH: "Tên file chưa đúng quy định.",
}


# --- building the canonical name -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(BIOLOGY, EXAMPLE, id="regulation-example"),
        pytest.param(
            dict(subject=nfd("Sinh học"), grade=9, period=1, title=nfd("Men Đen và di truyền học")),
            EXAMPLE,
            id="nfd-input",
        ),
        pytest.param(
            dict(subject="  Sinh \t học ", grade=9, period=1, title=" Men  Đen và\ndi truyền học  "),
            EXAMPLE,
            id="whitespace-collapsed",
        ),
        pytest.param(
            dict(subject="Sinh học", grade=9, period=1, title="Bài 1. Men Đen và di truyền học"),
            EXAMPLE,
            id="lesson-number-dropped-as-in-example",
        ),
        pytest.param(
            dict(subject="SINH HỌC", grade=9, period=1, title="MEN ĐEN VÀ DI TRUYỀN HỌC"),
            EXAMPLE,
            id="already-capitals",
        ),
        pytest.param(
            dict(subject="Ngữ văn", grade=6, period=12, title="Bài học đường đời đầu tiên"),
            "NGỮ VĂN 6_TIẾT 12_BÀI HỌC ĐƯỜNG ĐỜI ĐẦU TIÊN",
            id="title-starting-with-bai-word-kept",
        ),
        pytest.param(
            dict(subject="Lịch sử và Địa lí", grade=7, period=25, title="bài 3: đồng bằng sông Cửu Long"),
            "LỊCH SỬ VÀ ĐỊA LÍ 7_TIẾT 25_ĐỒNG BẰNG SÔNG CỬU LONG",
            id="lower-case-d-stroke-and-colon-prefix",
        ),
        pytest.param(
            dict(subject="Toán", grade=12, period=105, title="Ôn tập chương 1"),
            "TOÁN 12_TIẾT 105_ÔN TẬP CHƯƠNG 1",
            id="grade-12-three-digit-period",
        ),
        pytest.param(ENGLISH, "TIẾNG ANH 6_TIẾT 3_Unit 1 - My new school", id="foreign-title-as-typed"),
        pytest.param(
            dict(subject="tiếng Pháp", grade=8, period=7, title="  Leçon  2 - À l'école ", foreign_language=True),
            "TIẾNG PHÁP 8_TIẾT 7_Leçon 2 - À l'école",
            id="foreign-subject-still-capitals",
        ),
    ],
)
def test_lesson_plan_name_builds_canonical_name(fields, expected):
    name = lesson_plan_name(**fields)
    assert name == expected
    assert unicodedata.is_normalized("NFC", name)


@pytest.mark.parametrize(
    ("change", "vietnamese_text"),
    [
        pytest.param(dict(subject=""), VI_SUBJECT_EMPTY, id="subject-empty"),
        pytest.param(dict(subject=" \t "), VI_SUBJECT_EMPTY, id="subject-blank"),
        pytest.param(dict(title=""), VI_TITLE_EMPTY, id="title-empty"),
        pytest.param(dict(title="   "), VI_TITLE_EMPTY, id="title-blank"),
        pytest.param(dict(subject="Sinh_học"), VI_SUBJECT_BAD_CHAR, id="subject-underscore"),
        pytest.param(dict(subject="Sinh/học"), VI_SUBJECT_BAD_CHAR, id="subject-slash"),
        pytest.param(dict(title="Men Đen_di truyền"), VI_TITLE_BAD_CHAR, id="title-underscore"),
        pytest.param(dict(title="../../etc/passwd"), VI_TITLE_BAD_CHAR, id="title-path"),
        pytest.param(dict(title="Men Đen\\di truyền"), VI_TITLE_BAD_CHAR, id="title-backslash"),
        pytest.param(dict(title="Lai một cặp tính trạng: F1"), VI_TITLE_BAD_CHAR, id="title-colon"),
        pytest.param(dict(title="Men Đen?"), VI_TITLE_BAD_CHAR, id="title-question-mark"),
        pytest.param(dict(title="Men\x00Đen"), VI_TITLE_BAD_CHAR, id="title-nul"),
        pytest.param(dict(grade=0), VI_GRADE, id="grade-0"),
        pytest.param(dict(grade=13), VI_GRADE, id="grade-13"),
        pytest.param(dict(grade=True), VI_GRADE, id="grade-bool"),
        pytest.param(dict(grade="9"), VI_GRADE, id="grade-str"),
        pytest.param(dict(period=0), VI_PERIOD_RANGE, id="period-0"),
        pytest.param(dict(period=-1), VI_PERIOD_RANGE, id="period-negative"),
        pytest.param(dict(period=1.0), VI_PERIOD_RANGE, id="period-float"),
    ],
)
def test_lesson_plan_name_refuses_bad_fields(change, vietnamese_text):
    with pytest.raises(RuleError) as caught:
        lesson_plan_name(**{**BIOLOGY, **change})
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == vietnamese_text


# --- checking an uploaded name -------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "fields"),
    [
        pytest.param(EXAMPLE + ".pdf", BIOLOGY, id="exact"),
        pytest.param(EXAMPLE + ".PDF", BIOLOGY, id="upper-case-extension"),
        pytest.param(EXAMPLE + ".Pdf", BIOLOGY, id="mixed-case-extension"),
        pytest.param(nfd(EXAMPLE + ".pdf"), BIOLOGY, id="nfd-from-macos"),
        pytest.param("TIẾNG ANH 6_TIẾT 3_Unit 1 - My new school.pdf", ENGLISH, id="foreign-as-typed"),
        pytest.param("TIẾNG ANH 6_TIẾT 3_UNIT 1 - MY NEW SCHOOL.pdf", ENGLISH, id="foreign-title-capitals"),
        pytest.param("TIẾNG ANH 6_TIẾT 3_unit 1 - my new school.pdf", ENGLISH, id="foreign-title-lower"),
    ],
)
def test_check_accepts_correct_names(filename, fields):
    check = check_lesson_plan_filename(filename, **fields)
    assert check == NameCheck(ok=True, expected=lesson_plan_name(**fields) + ".pdf", problems=())


@pytest.mark.parametrize(
    ("filename", "fields", "problems"),
    [
        pytest.param(
            "SINH HOC 9_TIET 1_MEN DEN VA DI TRUYEN HOC.pdf", BIOLOGY, (naming.PROBLEM_DIACRITICS,),
            id="no-diacritics",
        ),
        pytest.param(
            "SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HOC.pdf", BIOLOGY, (naming.PROBLEM_DIACRITICS,),
            id="one-diacritic-missing",
        ),
        pytest.param(
            "SINH HỌC 9_TIẾT 1_MEN DEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_DIACRITICS,),
            id="d-instead-of-d-stroke",
        ),
        pytest.param(
            "sinh học 9_tiết 1_men đen và di truyền học.pdf", BIOLOGY, (naming.PROBLEM_LOWER_CASE,),
            id="lower-case",
        ),
        pytest.param(
            "Sinh học 9_Tiết 1_Men Đen và di truyền học.pdf", BIOLOGY, (naming.PROBLEM_LOWER_CASE,),
            id="sentence-case",
        ),
        pytest.param(
            "sinh hoc 9_tiet 1_men den va di truyen hoc.pdf",
            BIOLOGY,
            (naming.PROBLEM_LOWER_CASE, naming.PROBLEM_DIACRITICS),
            id="lower-case-and-no-diacritics",
        ),
        pytest.param(
            "SINH HỌC 9_TIẾT 2_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_PERIOD,),
            id="wrong-period",
        ),
        pytest.param(
            "SINH HỌC 9_TIẾT 01_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_PERIOD,),
            id="period-leading-zero",
        ),
        pytest.param(
            "SINH HOC 9_TIET 2_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf",
            BIOLOGY,
            (naming.PROBLEM_DIACRITICS, naming.PROBLEM_PERIOD),
            id="wrong-period-and-no-diacritics",
        ),
        pytest.param(
            "SINH HỌC 8_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_GRADE,),
            id="wrong-grade",
        ),
        pytest.param(
            "HÓA HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_SUBJECT,),
            id="wrong-subject",
        ),
        pytest.param(
            "SINH HỌC 9_TIẾT 1_LAI MỘT CẶP TÍNH TRẠNG.pdf", BIOLOGY, (naming.PROBLEM_TITLE,),
            id="wrong-title",
        ),
        pytest.param(
            "SINH HỌC 9_BÀI 1_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_PERIOD_LABEL,),
            id="bai-instead-of-tiet",
        ),
        pytest.param(
            "SINH HỌC_9_TIẾT_1_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_STRUCTURE,),
            id="structure-line-read-literally",
        ),
        pytest.param("giáo án sinh 9.pdf", BIOLOGY, (naming.PROBLEM_STRUCTURE, naming.PROBLEM_LOWER_CASE), id="free-text"),
        pytest.param("GIÁO ÁN.pdf", BIOLOGY, (naming.PROBLEM_STRUCTURE,), id="free-text-capitals"),
        pytest.param(
            "SINH HỌC 9_TIẾT 1_MEN  ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_SPACING,),
            id="double-space",
        ),
        pytest.param(
            "SINH HỌC9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", BIOLOGY, (naming.PROBLEM_SPACING,),
            id="no-space-before-grade",
        ),
        pytest.param(EXAMPLE + ".docx", BIOLOGY, (naming.PROBLEM_EXTENSION,), id="word-extension"),
        pytest.param(EXAMPLE, BIOLOGY, (naming.PROBLEM_EXTENSION,), id="no-extension"),
        pytest.param(
            nfd("sinh hoc 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC.PDF"),
            BIOLOGY,
            (naming.PROBLEM_LOWER_CASE, naming.PROBLEM_DIACRITICS),
            id="nfd-still-checked",
        ),
        pytest.param(
            "Tiếng Anh 6_TIẾT 3_Unit 1 - My new school.pdf", ENGLISH, (naming.PROBLEM_LOWER_CASE,),
            id="foreign-subject-not-capitals",
        ),
        pytest.param(
            "TIENG ANH 6_TIET 3_Unit 1 - My new school.pdf", ENGLISH, (naming.PROBLEM_DIACRITICS,),
            id="foreign-subject-no-diacritics",
        ),
        pytest.param(
            "TIẾNG ANH 6_TIẾT 4_Unit 1 - My new school.pdf", ENGLISH, (naming.PROBLEM_PERIOD,),
            id="foreign-wrong-period",
        ),
        pytest.param(
            "TIẾNG ANH 6_TIẾT 3_Unit 2 - My home.pdf", ENGLISH, (naming.PROBLEM_TITLE,),
            id="foreign-wrong-title",
        ),
    ],
)
def test_check_flags_problems_and_suggests_the_right_name(filename, fields, problems):
    check = check_lesson_plan_filename(filename, **fields)
    assert check.ok is False
    assert check.expected == lesson_plan_name(**fields) + ".pdf"
    assert check.problems == problems
    assert check.vietnamese_problems() == tuple(VI_PROBLEMS[p] for p in problems)


def test_check_suggestion_for_the_regulation_example():
    check = check_lesson_plan_filename("SINH HOC 9_TIET 1_MEN DEN VA DI TRUYEN HOC.pdf", **BIOLOGY)
    assert check.expected == "SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf"
    assert unicodedata.is_normalized("NFC", check.expected)


def test_name_check_is_frozen():
    check = check_lesson_plan_filename(EXAMPLE + ".pdf", **BIOLOGY)
    with pytest.raises(AttributeError):
        check.ok = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("filename", "vietnamese_text"),
    [
        pytest.param("../" + EXAMPLE + ".pdf", VI_NAME_PATH, id="parent-path"),
        pytest.param("", VI_NAME_EMPTY, id="empty"),
        pytest.param(EXAMPLE + "\x00.pdf", VI_NAME_CONTROL, id="nul"),
    ],
)
def test_check_refuses_unsafe_file_names(filename, vietnamese_text):
    with pytest.raises(RuleError) as caught:
        check_lesson_plan_filename(filename, **BIOLOGY)
    assert str(caught.value) == vietnamese_text


def test_check_refuses_bad_fields():
    with pytest.raises(RuleError) as caught:
        check_lesson_plan_filename(EXAMPLE + ".pdf", **{**BIOLOGY, "period": 0})
    assert str(caught.value) == VI_PERIOD_RANGE


# --- safe names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "vietnamese_text"),
    [
        pytest.param("../x.pdf", VI_NAME_PATH, id="dot-dot"),
        pytest.param("a/b.pdf", VI_NAME_PATH, id="slash"),
        pytest.param("/etc/passwd", VI_NAME_PATH, id="absolute"),
        pytest.param("C:\\x\\y.pdf", VI_NAME_PATH, id="windows-path"),
        pytest.param("x\\y.pdf", VI_NAME_PATH, id="backslash"),
        pytest.param("C:y.pdf", VI_NAME_PATH, id="drive-relative"),
        pytest.param("..", VI_NAME_PATH, id="dot-dot-alone"),
        pytest.param(".", VI_NAME_PATH, id="dot-alone"),
        pytest.param("x\x00.pdf", VI_NAME_CONTROL, id="nul"),
        pytest.param("x\n.pdf", VI_NAME_CONTROL, id="newline"),
        pytest.param("x\x1b[31m.pdf", VI_NAME_CONTROL, id="escape"),
        pytest.param("x\x7f.pdf", VI_NAME_CONTROL, id="delete"),
        pytest.param("giáo án\u202efdp.exe", VI_NAME_CONTROL, id="bidi-override"),
        pytest.param("", VI_NAME_EMPTY, id="empty"),
        pytest.param("   ", VI_NAME_EMPTY, id="spaces"),
        pytest.param("a" * 252 + ".pdf", VI_NAME_TOO_LONG, id="256-bytes"),
        pytest.param("Ọ" * 86, VI_NAME_TOO_LONG, id="258-bytes-vietnamese"),
    ],
)
def test_safe_upload_name_refuses(filename, vietnamese_text):
    with pytest.raises(RuleError) as caught:
        safe_upload_name(filename)
    assert str(caught.value) == vietnamese_text


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        pytest.param(EXAMPLE + ".pdf", EXAMPLE + ".pdf", id="canonical"),
        pytest.param(nfd(EXAMPLE + ".pdf"), EXAMPLE + ".pdf", id="nfd-made-nfc"),
        pytest.param("  giáo án.pdf ", "giáo án.pdf", id="stripped"),
        pytest.param("a" * 251 + ".pdf", "a" * 251 + ".pdf", id="255-bytes"),
        pytest.param("Ọ" * 85, "Ọ" * 85, id="255-bytes-vietnamese"),
        pytest.param(nfd("Ế" * 85), "Ế" * 85, id="long-in-nfd-fits-in-nfc"),
        pytest.param("..hidden.pdf", "..hidden.pdf", id="leading-dots-are-not-a-path"),
    ],
)
def test_safe_upload_name_accepts(filename, expected):
    assert safe_upload_name(filename) == expected


# --- content sniffing and upload checks ----------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(PDF_HEAD, True, id="pdf-1.7"),
        pytest.param(b"%PDF-1.4\n", True, id="pdf-1.4"),
        pytest.param(b"%PDF-2.0\r\n", True, id="pdf-2.0"),
        pytest.param(bytearray(PDF_HEAD), True, id="bytearray"),
        pytest.param(PNG_HEAD, False, id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", False, id="jpeg"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00", False, id="docx-zip"),
        pytest.param(b"", False, id="empty"),
        pytest.param(b"%PDF", False, id="truncated"),
        pytest.param(b"%PDF-", False, id="no-version"),
        pytest.param(b"%pdf-1.7", False, id="lower-case-magic"),
        pytest.param(b"junk\n%PDF-1.7\n", False, id="leading-junk-refused"),
        pytest.param(b"\xef\xbb\xbf%PDF-1.7", False, id="bom-refused"),
    ],
)
def test_is_pdf(head, expected):
    assert is_pdf(head) is expected


@pytest.mark.parametrize(
    ("kwargs", "vietnamese_text"),
    [
        pytest.param(dict(size=0, head=b""), VI_FILE_EMPTY, id="empty"),
        pytest.param(dict(size=0, head=PDF_HEAD), VI_FILE_EMPTY, id="empty-with-header"),
        pytest.param(
            dict(size=20 * MB + 1, head=PDF_HEAD),
            "File có dung lượng 20,1 MB, vượt quá giới hạn 20 MB.",
            id="20MB-plus-one-byte",
        ),
        pytest.param(
            dict(size=35 * MB, head=PDF_HEAD),
            "File có dung lượng 35 MB, vượt quá giới hạn 20 MB.",
            id="35MB",
        ),
        pytest.param(
            dict(size=5 * MB + MB // 2, head=PDF_HEAD, max_bytes=5 * MB),
            "File có dung lượng 5,5 MB, vượt quá giới hạn 5 MB.",
            id="school-limit-5MB",
        ),
        pytest.param(dict(size=12_345, head=PNG_HEAD), VI_NOT_PDF, id="png-renamed-pdf"),
        pytest.param(dict(size=12_345, head=b""), VI_NOT_PDF, id="no-head"),
        pytest.param(dict(filename="../x.pdf", size=12_345, head=PDF_HEAD), VI_NAME_PATH, id="path-in-name"),
        pytest.param(dict(filename="C:\\x\\y.pdf", size=12_345, head=PDF_HEAD), VI_NAME_PATH, id="windows-path"),
        pytest.param(dict(filename="", size=12_345, head=PDF_HEAD), VI_NAME_EMPTY, id="empty-name"),
        pytest.param(dict(filename="x\x00.pdf", size=12_345, head=PDF_HEAD), VI_NAME_CONTROL, id="nul-in-name"),
    ],
)
def test_check_upload_refuses(kwargs, vietnamese_text):
    kwargs = {"filename": EXAMPLE + ".pdf", **kwargs}
    with pytest.raises(RuleError) as caught:
        check_upload(**kwargs)
    assert str(caught.value) == vietnamese_text


def test_check_upload_size_message_params():
    with pytest.raises(RuleError) as caught:
        check_upload(filename="a.pdf", size=20 * MB + 1, head=PDF_HEAD)
    assert caught.value.message == naming.MSG_FILE_TOO_LARGE
    assert caught.value.params == {"size": "20,1", "limit": "20"}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(dict(size=20 * MB), EXAMPLE + ".pdf", id="exactly-20MB"),
        pytest.param(dict(size=1), EXAMPLE + ".pdf", id="one-byte"),
        pytest.param(dict(size=5 * MB, max_bytes=5 * MB), EXAMPLE + ".pdf", id="exactly-school-limit"),
        pytest.param(dict(filename=nfd(EXAMPLE + ".PDF"), size=1000), EXAMPLE + ".PDF", id="nfd-name"),
        pytest.param(dict(filename="scan.bin", size=1000), "scan.bin", id="extension-not-trusted-either-way"),
    ],
)
def test_check_upload_accepts(kwargs, expected):
    kwargs = {"filename": EXAMPLE + ".pdf", "head": PDF_HEAD, **kwargs}
    assert check_upload(**kwargs) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param(dict(size=-1), id="negative-size"),
        pytest.param(dict(size=True), id="bool-size"),
        pytest.param(dict(size=10, max_bytes=0), id="zero-limit"),
    ],
)
def test_check_upload_programming_errors_are_not_rule_errors(kwargs):
    with pytest.raises(ValueError) as caught:
        check_upload(filename="a.pdf", head=PDF_HEAD, **kwargs)
    assert not isinstance(caught.value, RuleError)


# --- the catalogue -------------------------------------------------------------------------

MESSAGES = sorted(
    value for name, value in vars(naming).items() if name.startswith(("MSG_", "PROBLEM_")) and isinstance(value, str)
)


@pytest.mark.parametrize("message", MESSAGES)
def test_every_message_has_a_vietnamese_translation(message):
    translated = vietnamese(message)
    assert translated != message
    assert translated.strip()


def test_module_does_not_import_django():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(naming.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "django" not in imported
    assert imported  # the walk did see the imports
