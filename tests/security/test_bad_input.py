"""Bad input everywhere (issue #7): every form and upload refuses it clearly, in Vietnamese, and changes nothing.

Each case posts one kind of bad input to one form as the user who may use that form, then checks
that the answer is not a server error, that the refusal is written in Vietnamese at the field
where the input was typed (or as the page's message where the form is a single button), and that
no row and no history row of the school's data was added or changed, and no file was stored.

Coverage. Fed: E empty, O oversized (text past max_length, numbers out of range, files past the limit, too
many rows / cells / files), T wrong type (text for a number or date, unknown choices, .exe or HTML renamed,
corrupt or zip-bomb .xlsx, CSV in cp1258 / latin-1 / invalid bytes, JSON that is not JSON or has the wrong
shape), I injected (HTML, SQL-looking, formula-looking text), P hostile file names (../, absolute, C:\\, NUL,
CR/LF, 400 characters, HTML).

| screen                    | URL name                                             | input                 | fed       |
|---------------------------|------------------------------------------------------|-----------------------|-----------|
| log in                    | login                                                | AuthenticationForm    | E O I     |
| change own password       | password_change                                      | PasswordChangeForm    | E O       |
| school years, terms       | setup:year_list, year_edit                           | SchoolYearForm, …     | E O T I   |
| subjects, periods         | setup:subject_list, subject_edit, periods            | SubjectForm, …        | E O T I   |
| classes, assignments      | setup:class_list, class_edit                         | SchoolClassForm, …    | E O T I   |
| students                  | setup:class_edit, student_edit                       | StudentForm           | E O T I   |
| end an enrolment          | setup:enrolment_end                                  | EnrolmentEndForm      | E O T     |
| import students           | setup:import (preview, confirm)                      | .xlsx / .csv          | E O T I P |
| staff new/edit/password   | setup:staff_create, staff_edit, staff_password       | Staff*Form            | E O T I   |
| staff leave/return        | setup:staff_deactivate, staff_reactivate             | Staff*Form            | E O T     |
| departments, search       | setup:department_list, department_edit, staff_list   | forms, GET            | E O T I   |
| score grid save           | gradebook:grid_save                                  | JSON body             | E O T I   |
| score grid import         | gradebook:grid_import (preview, confirm)             | .xlsx                 | E O T I P |
| cell history, progress    | gradebook:grid_history, progress                     | query string          | T I       |
| homeroom sheet            | gradebook:homeroom                                   | HomeroomForm          | O T I     |
| results, re-tests, summer | gradebook:results_approve, retests_save, summer_save | forms*                | O T I     |
| exemptions                | gradebook:exemptions, exemption_revoke               | ExemptionForm, …      | E O T I   |
| individual education plan | gradebook:plan, plan_approve                         | PlanForm, ApproveForm | E O T I   |
| windows, deadlines        | gradebook:windows, deadlines                         | WindowForm, …         | E O T I   |
| locks                     | gradebook:book_lock, lock_lift, column_lock          | reason, column        | E O T     |
| correction request        | gradebook:correction_new                             | cells, reason, files  | E O T I P |
| correction decision       | gradebook:correction                                 | action, note, witness | E O T     |
| documents, lesson plans   | eledger:create                                       | DocumentForm, …       | E O T I P |
| versions, review          | eledger:upload, review, submit                       | VersionForm, …        | E T       |
| store settings, kinds     | eledger:settings, kind_edit                          | SettingsForm, …       | E O T     |
| document lists            | eledger:list, my_folder, lesson_name                 | query string          | T I P     |
| archive forms             | archive:batch_start, transfer_print, snapshot        | BatchForm, …          | E O T I   |
| archive lists             | archive:index, documents                             | query string          | T I       |
| inspectors, parents       | archive:shares, share, families:parent_close         | ShareForm, …          | E O T I   |
| families                  | families:join, child_add, staff_notices, notice      | AccountForm, …        | E O T I   |
(* the demo has nobody on the re-test and summer lists: garbage fields are posted and ignored)

Exports checked for formula injection (a text cell starting with = + - @, tab or line break is
written with a leading apostrophe by schoolrecords.text.safe_cell): the grid's .xlsx export,
the import templates (.xlsx, .csv), the archive's score snapshot CSV (on demand and when a window
closes, one writer) and the MANIFEST.csv of the archive's zip. Download names (Content-Disposition)
of evidence, documents and exports are checked to be quoted and path-free.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
SQL = "'; DROP TABLE x; --"
# Letters only Vietnamese has (and the tone-marked vowels): an untranslated English message has none.
VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")
APPS = ("schoolrecords", "gradebook", "eledger", "archive", "families", "auth", "guardian")


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def private_folders(settings, tmp_path):
    """Uploads and the archive go to this test's own folders, so stored files can be counted."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    return tmp_path


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Every test here runs its Celery tasks in-process (tests/conftest.py)."""


# --- what "nothing changed" means ------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, int]:
    """Row counts of every table of the school's data (history and many-to-many tables too), and the stored files.

    One query for every table (a sub-select per table), so a case pays one round trip, not sixty.
    """
    models = [model for label in APPS for model in apps.get_app_config(label).get_models(include_auto_created=True)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})"
                                             for model in models))
        row = cursor.fetchone()
    counts = {model._meta.label: count for model, count in zip(models, row, strict=True)}
    counts["files"] = sum(1 for path in root.rglob("*") if path.is_file())
    return counts


def assert_vietnamese(text: str) -> None:
    assert VIETNAMESE.search(text), f"not a Vietnamese message: {text!r}"


def page(response) -> str:
    return response.content.decode()


def assert_not_server_error(response) -> None:
    assert response.status_code < 500, page(response)[:2000]


def alerts(html: str) -> str:
    """The text of the page's alerts (errors shown with role="alert")."""
    found = re.findall(r'<(p|ul|div)[^>]*role="alert"[^>]*>(.*?)</\1>', html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", body) for _tag, body in found)


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the demo school's objects a case needs ----------------------------------------------------------


class Objects:
    """Lazily found demo rows, by the names a case uses."""

    def __init__(self, demo):
        self.demo = demo
        m = demo.models
        self.year = demo.year
        self.term1 = demo.year.terms.get(number=1)
        self.class_6a1 = demo.school_class("6A1")
        self.student = (m.Enrolment.objects.filter(school_class=self.class_6a1, status="studying")
                        .select_related("student").order_by("pk").first().student)
        self.enrolment = m.Enrolment.objects.filter(student=self.student, school_class=self.class_6a1).get()
        self.toan = demo.subject("toan")
        self.teacher = demo.user("teacher_math")
        self.profile = self.teacher.profile
        self.department = m.Department.objects.filter(school=demo.school).order_by("pk").first()
        self.math = demo.assignment("6A1", "toan")


STUDENT = {
    "code": "BAD0001", "registration_number": "", "full_name": "Nguyễn Văn Thử", "date_of_birth": "15/03/2014",
    "gender": "male", "ethnicity": "Kinh", "place_of_birth": "", "address": "", "father_name": "",
    "father_phone": "", "mother_name": "", "mother_phone": "", "guardian_name": "", "guardian_phone": "",
}
YEAR = {
    "name": "2030-2031", "start_date": "05/09/2030", "end_date": "31/05/2031", "term1_start": "05/09/2030",
    "term1_end": "10/01/2031", "term2_start": "12/01/2031", "term2_end": "25/05/2031",
}
STAFF = {"username": "nguoimoi", "full_name": "Người Mới", "position": "Giáo viên", "department": "",
         "phone": "0912345678", "password1": "mat-khau-rat-dai-2026", "password2": "mat-khau-rat-dai-2026"}
WINDOW = {"kind": "", "grade": "", "school_class": "", "subject": "", "opens_at": f"01/10/{DEMO_YEAR.first} 07:00",
          "closes_at": "", "note": ""}
SCHEDULE = {"midterm_test_on": f"01/11/{DEMO_YEAR.first}", "final_test_on": f"20/12/{DEMO_YEAR.first}", "midterm_entry_days": "14",
            "regular_correction_days": "7"}


def student_data(**changes) -> dict:
    return {**STUDENT, **changes}


def prefixed(prefix: str, data: dict) -> dict:
    return {f"{prefix}-{key}": value for key, value in data.items()}


@dataclass(frozen=True)
class Case:
    """One bad input to one form: who posts it where, and where the Vietnamese refusal must appear."""

    id: str
    user: str
    url: Callable[[Objects], str]
    data: Callable[[Objects], dict]
    form: Callable[[dict], object] | None  # the bound form in the page's context; None: a message after a redirect
    field: str | Callable[[Objects], str] | None  # None: the form's own (non-field) error
    expect: str = ""  # a Vietnamese phrase the refusal must contain
    prepare: Callable[[Objects], object] | None = None  # rows the case needs, made before the snapshot


def ctx(name: str) -> Callable[[dict], object]:
    return lambda context: context[name]


def term_form(context) -> object:
    return next(form for _term, form in context["term_forms"] if form.is_bound)


def schedule_form(context) -> object:
    return next(form for _term, form in context["schedule_forms"] if form.is_bound)


def share_data(objects, **change) -> dict:
    import datetime  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    today = timezone.localdate()
    return {"year": objects.year.pk, "scope": "ledger", "school_class": objects.class_6a1.pk,
            "inspector_name": "Phạm Thu Hà", "organisation": "Phòng GD&ĐT", "purpose": "Kiểm tra",
            "starts_on": today.isoformat(), "ends_on": (today + datetime.timedelta(days=6)).isoformat()} | change


def a_share(objects) -> None:
    import datetime  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    from archive.inspection import services as inspection  # noqa: PLC0415

    today = timezone.localdate()
    objects.share, _token = inspection.share_create(
        actor=objects.demo.user("principal"), year=objects.year, scope="year", inspector_name="Phạm Thu Hà",
        organisation="Phòng GD&ĐT", starts_on=today, ends_on=today + datetime.timedelta(days=6), purpose="Kiểm tra")


def a_parent(objects) -> None:
    from families import services as families  # noqa: PLC0415

    _invitation, code = families.invitation_issue(actor=objects.demo.user("board"), student=objects.student)
    objects.parent = families.account_create(code=code, full_name="Lê Thị Hạnh", phone="0912345678", email="",
                                             password="bo-me-an-2026", relation="mother")


def an_invitation(objects) -> None:
    from families import services as families  # noqa: PLC0415

    _invitation, objects.code = families.invitation_issue(actor=objects.demo.user("homeroom_6a1"),
                                                          student=objects.student)


def join_data(objects, **change) -> dict:
    return {"code": getattr(objects, "code", "AAAAA-BBBBB"), "relation": "mother", "full_name": "Lê Thị Hạnh",
            "phone": "0912345678", "email": "", "password1": "bo-me-an-2026", "password2": "bo-me-an-2026"} | change


def a_parents_notice(objects) -> None:
    """A parent (0912345678) and the school's notice they received."""
    from families import services as families  # noqa: PLC0415
    from families.models import NoticeReceipt  # noqa: PLC0415

    a_parent(objects)
    families.notice_write(actor=objects.demo.user("principal"), year=objects.year, audience="school",
                          title="Họp phụ huynh", body="Chủ nhật, 8 giờ.")
    objects.receipt = NoticeReceipt.objects.get(parent=objects.parent)


def plan_url(objects) -> str:
    return reverse("gradebook:plan", args=(objects.class_6a1.pk, objects.student.pk))


def draft_plan(objects):
    from gradebook.plans.services import plan_save

    return plan_save(actor=objects.demo.user("homeroom_6a1"), student=objects.student, year=objects.year, modes={})


def approved_plan(objects):
    from gradebook.plans.services import plan_approve

    return plan_approve(actor=objects.demo.user("principal"), plan=draft_plan(objects))


def year_case(name, data, field_name, expect=""):
    return Case(f"year-{name}", "board", lambda o: reverse("setup:year_list"), lambda o: {**YEAR, **data},
                ctx("form"), field_name, expect)


def student_case(name, changes, field_name, expect=""):
    return Case(f"student-{name}", "board", lambda o: reverse("setup:student_edit", args=(o.student.pk,)),
                lambda o: student_data(**changes), ctx("form"), field_name, expect)


def new_student_case(name, changes, field_name, expect=""):
    return Case(f"class-student-{name}", "board", lambda o: reverse("setup:class_edit", args=(o.class_6a1.pk,)),
                lambda o: {"add_student": "1", **prefixed("student", student_data(**changes))},
                ctx("student_form"), field_name, expect)


def staff_case(name, changes, field_name, expect=""):
    return Case(f"staff-new-{name}", "board", lambda o: reverse("setup:staff_create"), lambda o: {**STAFF, **changes},
                ctx("form"), field_name, expect)


def homeroom_case(name, changes, field_name, expect=""):
    """The homeroom sheet of 6A1, term I: one bad value in the first student's row (September's absences)."""
    def key(o, kind):
        month = (o.term1.start_date.year, o.term1.start_date.month)
        if kind in ("conduct", "remark"):
            return f"{kind}-{o.enrolment.pk}"
        return f"{kind}-{o.enrolment.pk}-{month[0]}-{month[1]}"

    return Case(f"homeroom-{name}", "homeroom_6a1", lambda o: reverse("gradebook:homeroom", args=(o.class_6a1.pk, 1)),
                lambda o: {key(o, kind): value for kind, value in changes.items()}, ctx("form"),
                lambda o: key(o, field_name), expect)


def deactivated(objects: Objects) -> None:
    from schoolrecords import services

    objects.left = objects.demo.user("gv_gdtc").profile
    services.staff_deactivate(actor=objects.demo.user("board"), profile=objects.left,
                              left_on=DEMO_YEAR.on(10, 1), reason="Chuyển trường")


def window_case(name, changes, field_name, expect=""):
    return Case(f"window-{name}", "board", lambda o: reverse("gradebook:windows"),
                lambda o: {**WINDOW, "term": o.term1.pk, **changes}, ctx("form"), field_name, expect)


def schedule_case(name, changes, field_name, expect=""):
    return Case(f"deadline-{name}", "board", lambda o: reverse("gradebook:deadlines"),
                lambda o: {"term": o.term1.pk, **prefixed(f"t{o.term1.pk}", {**SCHEDULE, **changes})},
                schedule_form, field_name, expect)


LONG = "x" * 5000
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name: str = "tai-lieu.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def seed_kinds(objects: Objects) -> None:
    from eledger import services
    from eledger.models import DocumentKind
    from schoolrecords.services import system_user

    services.document_kinds_seed(actor=system_user(), school=objects.demo.school)
    objects.kind = DocumentKind.objects.get(school=objects.demo.school, code="training_topic")


def next_thursday() -> datetime.date:
    today = datetime.date.today()
    return today + datetime.timedelta(days=7 - today.weekday() + 3)


def submitted_plan(objects: Objects) -> None:
    """A lesson plan of teacher_math sent to the head of the mathematics department."""
    from eledger import services
    from eledger.models import DocumentKind

    seed_kinds(objects)
    objects.document = services.document_create(
        actor=objects.teacher, kind=DocumentKind.objects.get(school=objects.demo.school, code="lesson_plan"),
        content=pdf_file("TOÁN 6_TIẾT 1_TẬP HỢP.pdf"), filename="TOÁN 6_TIẾT 1_TẬP HỢP.pdf", subject=objects.toan,
        grade=6, period=1, lesson_title="Tập hợp", teaching_date=next_thursday(), submit=True)


def lesson_case(name, changes, field_name, expect=""):
    def data(o):
        base = {"subject_grade": f"{o.toan.pk}:6", "period": "3", "lesson_title": "Phép cộng",
                "teaching_date": next_thursday().strftime("%d/%m/%Y"), "file": pdf_file("TOÁN 6_TIẾT 3_PHÉP CỘNG.pdf")}
        return {**base, **changes}

    return Case(f"lesson-plan-{name}", "teacher_math", lambda o: reverse("eledger:create", args=("lesson_plan",)),
                data, ctx("form"), field_name, expect, prepare=seed_kinds)


FORM_CASES = [
    # --- log in and password ---
    Case("login-empty", "", lambda o: reverse("login"), lambda o: {"username": "", "password": ""}, ctx("form"),
         "username", "bắt buộc"),
    Case("login-oversized", "", lambda o: reverse("login"), lambda o: {"username": LONG, "password": LONG},
         ctx("form"), None),
    Case("login-sql", "", lambda o: reverse("login"), lambda o: {"username": SQL, "password": "' OR '1'='1"},
         ctx("form"), None),
    Case("password-empty", "teacher_math", lambda o: reverse("password_change"),
         lambda o: {"old_password": "", "new_password1": "", "new_password2": ""}, ctx("form"), "old_password"),
    Case("password-wrong-old", "teacher_math", lambda o: reverse("password_change"),
         lambda o: {"old_password": "sai", "new_password1": "mat-khau-moi-2026", "new_password2": "mat-khau-moi-2026"},
         ctx("form"), "old_password"),
    Case("password-mismatch-oversized", "teacher_math", lambda o: reverse("password_change"),
         lambda o: {"old_password": "demo-2026", "new_password1": LONG, "new_password2": LONG + "y"},
         ctx("form"), "new_password2"),
    # --- school years and terms ---
    year_case("empty-name", {"name": ""}, "name", "bắt buộc"),
    year_case("oversized-name", {"name": LONG}, "name"),
    year_case("script-name", {"name": XSS}, "name"),
    year_case("sql-name", {"name": SQL}, "name"),
    year_case("text-date", {"start_date": "hôm qua"}, "start_date"),
    year_case("impossible-date", {"term1_end": "31/02/2031"}, "term1_end"),
    year_case("huge-year", {"end_date": "31/05/999999"}, "end_date"),
    year_case("far-end", {"end_date": "31/12/9999", "term2_end": "31/12/9999"}, "end_date", "2031"),
    year_case("ends-before-start", {"end_date": "01/09/2030"}, "end_date"),
    Case("term-text-date", "board", lambda o: reverse("setup:year_edit", args=(o.year.pk,)),
         lambda o: {"term": o.term1.pk, **prefixed(f"t{o.term1.pk}", {"start_date": "abc", "end_date": ""})},
         term_form, "start_date"),
    # --- subjects and periods ---
    Case("subject-empty", "board", lambda o: reverse("setup:subject_list"),
         lambda o: {"code": "", "name": "", "assessment_mode": "scores", "order": "1"}, ctx("form"), "code"),
    Case("subject-oversized", "board", lambda o: reverse("setup:subject_list"),
         lambda o: {"code": "moi", "name": LONG, "assessment_mode": "scores", "order": "1"}, ctx("form"), "name"),
    Case("subject-script-code", "board", lambda o: reverse("setup:subject_list"),
         lambda o: {"code": XSS, "name": "Môn", "assessment_mode": "scores", "order": "1"}, ctx("form"), "code"),
    Case("subject-order-text", "board", lambda o: reverse("setup:subject_edit", args=(o.toan.pk,)),
         lambda o: {"code": "toan", "name": "Toán", "assessment_mode": "scores", "order": "mười"}, ctx("form"),
         "order"),
    Case("subject-order-out-of-range", "board", lambda o: reverse("setup:subject_edit", args=(o.toan.pk,)),
         lambda o: {"code": "toan", "name": "Toán", "assessment_mode": "scores", "order": "99999999999"},
         ctx("form"), "order"),
    Case("subject-mode-unknown", "board", lambda o: reverse("setup:subject_edit", args=(o.toan.pk,)),
         lambda o: {"code": "toan", "name": "Toán", "assessment_mode": SQL, "order": "1"}, ctx("form"),
         "assessment_mode"),
    Case("subject-department-text", "board", lambda o: reverse("setup:subject_edit", args=(o.toan.pk,)),
         lambda o: {"code": "toan", "name": "Toán", "assessment_mode": "scores", "order": "1", "department": "abc"},
         ctx("form"), "department"),
    Case("periods-text", "board", lambda o: reverse("setup:periods", args=(o.year.pk,)),
         lambda o: {f"p_6_{o.toan.pk}": "một trăm"}, ctx("form"), "p_6_{toan}"),
    Case("periods-out-of-range", "board", lambda o: reverse("setup:periods", args=(o.year.pk,)),
         lambda o: {f"p_6_{o.toan.pk}": "100000000000000000000"}, ctx("form"), "p_6_{toan}"),
    Case("periods-negative", "board", lambda o: reverse("setup:periods", args=(o.year.pk,)),
         lambda o: {f"p_6_{o.toan.pk}": "-5"}, ctx("form"), "p_6_{toan}"),
    # --- classes, assignments, students ---
    Case("class-empty", "board", lambda o: reverse("setup:class_list", args=(o.year.pk,)),
         lambda o: {"name": "", "grade": "6"}, ctx("form"), "name", "bắt buộc"),
    Case("class-oversized", "board", lambda o: reverse("setup:class_list", args=(o.year.pk,)),
         lambda o: {"name": "6" + LONG, "grade": "6"}, ctx("form"), "name"),
    Case("class-script", "board", lambda o: reverse("setup:class_list", args=(o.year.pk,)),
         lambda o: {"name": XSS, "grade": "6"}, ctx("form"), "name"),
    Case("class-grade-text", "board", lambda o: reverse("setup:class_list", args=(o.year.pk,)),
         lambda o: {"name": "6A9", "grade": "sáu"}, ctx("form"), "grade"),
    Case("class-teacher-text", "board", lambda o: reverse("setup:class_list", args=(o.year.pk,)),
         lambda o: {"name": "6A9", "grade": "6", "homeroom_teacher": SQL}, ctx("form"), "homeroom_teacher"),
    Case("class-teacher-unknown", "board", lambda o: reverse("setup:class_edit", args=(o.class_6a1.pk,)),
         lambda o: {"save_class": "1", "name": "6A1", "grade": "6", "homeroom_teacher": "999999999"},
         ctx("class_form"), "homeroom_teacher"),
    Case("assignment-teacher-text", "board", lambda o: reverse("setup:class_edit", args=(o.class_6a1.pk,)),
         lambda o: {"save_assignments": "1", f"s_{o.toan.pk}": "abc"}, ctx("assignments_form"), "s_{toan}"),
    new_student_case("empty", {"code": "", "full_name": ""}, "code", "bắt buộc"),
    new_student_case("oversized-name", {"full_name": LONG}, "full_name"),
    new_student_case("text-birth-date", {"date_of_birth": "mười lăm tháng ba"}, "date_of_birth"),
    new_student_case("gender-unknown", {"gender": XSS}, "gender"),
    student_case("empty-name", {"code": "X", "full_name": "   "}, "full_name", "bắt buộc"),
    student_case("oversized-code", {"full_name": "A", "code": "C" * 31}, "code"),
    student_case("impossible-birth-date", {"full_name": "A", "code": "X", "date_of_birth": "30/02/2014"},
                 "date_of_birth"),
    student_case("oversized-address", {"full_name": "A", "code": "X", "address": LONG}, "address"),
    student_case("phone-letters", {"full_name": "A", "code": "X", "father_phone": "gọi mẹ"}, "father_phone"),
    student_case("phone-script", {"full_name": "A", "code": "X", "mother_phone": "<b>1</b>"}, "mother_phone"),
    Case("enrolment-end-empty", "board", lambda o: reverse("setup:enrolment_end", args=(o.enrolment.pk,)),
         lambda o: {"status": "", "end_date": "", "reason": ""}, None, None, "bắt buộc"),
    Case("enrolment-end-text-date", "board", lambda o: reverse("setup:enrolment_end", args=(o.enrolment.pk,)),
         lambda o: {"status": "dropped", "end_date": "abc", "reason": "Lý do"}, None, None),
    Case("enrolment-end-oversized", "board", lambda o: reverse("setup:enrolment_end", args=(o.enrolment.pk,)),
         lambda o: {"status": "dropped", "end_date": f"01/10/{DEMO_YEAR.first}", "reason": LONG}, None, None),
    # --- staff and departments ---
    staff_case("empty", {"username": "", "full_name": ""}, "username", "bắt buộc"),
    staff_case("oversized-username", {"username": "u" * 200}, "username"),
    staff_case("script-username", {"username": XSS}, "username"),
    staff_case("sql-username", {"username": SQL}, "username"),
    staff_case("taken-username", {"username": "teacher_math"}, "username"),
    staff_case("blank-name", {"full_name": "    "}, "full_name"),
    staff_case("phone-letters", {"phone": "không có"}, "phone"),
    staff_case("role-unknown", {"roles": ["superuser"]}, "roles"),
    staff_case("department-text", {"department": "abc"}, "department"),
    staff_case("password-short", {"password1": "1", "password2": "1"}, "password1"),
    staff_case("password-mismatch", {"password2": "khac"}, "password2"),
    Case("staff-edit-oversized", "board", lambda o: reverse("setup:staff_edit", args=(o.profile.pk,)),
         lambda o: {"full_name": "Tên", "position": LONG, "phone": "", "reason": LONG}, ctx("form"), "position"),
    Case("staff-password-empty", "board", lambda o: reverse("setup:staff_password", args=(o.profile.pk,)),
         lambda o: {"password1": "", "password2": "", "reason": ""}, ctx("form"), "password1", "bắt buộc"),
    Case("staff-deactivate-future", "board", lambda o: reverse("setup:staff_deactivate", args=(o.profile.pk,)),
         lambda o: {"left_on": "2999-01-01", "reason": "Chuyển trường", "confirmed": "1"}, ctx("form"), "left_on"),
    Case("staff-deactivate-text-date", "board", lambda o: reverse("setup:staff_deactivate", args=(o.profile.pk,)),
         lambda o: {"left_on": "hôm nay", "reason": "Chuyển trường", "confirmed": "1"}, ctx("form"), "left_on"),
    Case("staff-deactivate-blank-reason", "board", lambda o: reverse("setup:staff_deactivate", args=(o.profile.pk,)),
         lambda o: {"left_on": f"{DEMO_YEAR.first}-10-01", "reason": "   ", "confirmed": "1"}, ctx("form"), "reason"),
    Case("staff-reactivate-oversized", "board", lambda o: reverse("setup:staff_reactivate", args=(o.left.pk,)),
         lambda o: {"reason": LONG}, ctx("form"), "reason", prepare=deactivated),
    Case("department-empty", "board", lambda o: reverse("setup:department_list"), lambda o: {"name": ""},
         ctx("form"), "name", "bắt buộc"),
    Case("department-oversized", "board", lambda o: reverse("setup:department_list"), lambda o: {"name": LONG},
         ctx("form"), "name"),
    Case("department-duplicate", "board", lambda o: reverse("setup:department_list"),
         lambda o: {"name": o.department.name.upper()}, ctx("form"), "name"),
    Case("department-head-text", "board", lambda o: reverse("setup:department_edit", args=(o.department.pk,)),
         lambda o: {"action": "head", "head": SQL, "reason": ""}, ctx("head_form"), "head"),
    # --- gradebook forms ---
    window_case("empty-opening", {"opens_at": ""}, "opens_at", "bắt buộc"),
    window_case("text-opening", {"opens_at": "sáng mai"}, "opens_at"),
    window_case("impossible-opening", {"opens_at": f"31/02/{DEMO_YEAR.first + 1} 07:00"}, "opens_at"),
    window_case("closes-before-opening", {"closes_at": f"01/09/{DEMO_YEAR.first} 07:00"}, "closes_at"),
    window_case("oversized-note", {"note": LONG}, "note"),
    window_case("ancient-opening", {"opens_at": "01/01/0001 00:00"}, "opens_at", f"{DEMO_YEAR.name}"),
    window_case("far-closing", {"closes_at": "31/12/9999 23:59"}, "closes_at", f"{DEMO_YEAR.name}"),
    window_case("unknown-column", {"kind": SQL}, "kind"),
    window_case("unknown-grade", {"grade": "13"}, "grade"),
    window_case("class-text", {"school_class": "abc"}, "school_class"),
    Case("window-term-text", "board", lambda o: reverse("gradebook:windows"),
         lambda o: {**WINDOW, "term": "một"}, ctx("form"), "term"),
    schedule_case("text-date", {"midterm_test_on": "abc"}, "midterm_test_on"),
    schedule_case("days-out-of-range", {"midterm_entry_days": "61"}, "midterm_entry_days"),
    schedule_case("days-text", {"regular_correction_days": "bảy"}, "regular_correction_days"),
    schedule_case("final-before-midterm", {"final_test_on": f"01/10/{DEMO_YEAR.first}"}, "final_test_on"),
    schedule_case("far-test-date", {"midterm_test_on": "31/12/9999", "final_test_on": ""}, "midterm_test_on"),
    schedule_case("ancient-test-date", {"final_test_on": "01/01/0001", "midterm_test_on": ""}, "final_test_on"),
    Case("exemption-empty", "principal", lambda o: reverse("gradebook:exemptions", args=(o.class_6a1.pk,)),
         lambda o: {"enrolment": "", "subject": "", "period": "", "reason": ""}, ctx("form"), "reason", "bắt buộc"),
    Case("exemption-oversized", "principal", lambda o: reverse("gradebook:exemptions", args=(o.class_6a1.pk,)),
         lambda o: {"enrolment": o.enrolment.pk, "subject": o.toan.pk, "period": "1", "reason": LONG,
                    "evidence_note": LONG}, ctx("form"), "reason"),
    Case("exemption-wrong-type", "principal", lambda o: reverse("gradebook:exemptions", args=(o.class_6a1.pk,)),
         lambda o: {"enrolment": "abc", "subject": o.toan.pk, "period": "1", "reason": "Sức khỏe"}, ctx("form"),
         "enrolment"),
    Case("exemption-unknown-period", "principal", lambda o: reverse("gradebook:exemptions", args=(o.class_6a1.pk,)),
         lambda o: {"enrolment": o.enrolment.pk, "subject": o.toan.pk, "period": "3", "reason": SQL},
         ctx("form"), "period"),
    Case("plan-mode-unknown", "homeroom_6a1", plan_url, lambda o: {f"mode-{o.toan.pk}": SQL}, ctx("form"),
         "mode-{toan}"),
    Case("plan-note-oversized", "homeroom_6a1", plan_url, lambda o: {"note": LONG, "reason": XSS}, ctx("form"),
         "note"),
    Case("plan-reason-oversized", "homeroom_6a1", plan_url, lambda o: {"reason": LONG}, ctx("form"), "reason"),
    Case("plan-approved-change-without-reason", "homeroom_6a1", plan_url,
         lambda o: {f"mode-{o.toan.pk}": "exempt", "reason": "  "}, ctx("form"), "reason", "lý do",
         prepare=approved_plan),
    Case("plan-approve-note-oversized", "principal",
         lambda o: reverse("gradebook:plan_approve", args=(o.class_6a1.pk, o.student.pk)),
         lambda o: {"note": LONG}, ctx("approve_form"), "note", prepare=draft_plan),
    homeroom_case("sessions-text", {"excused": "hai"}, "excused"),
    homeroom_case("sessions-negative", {"excused": "-1"}, "excused"),
    homeroom_case("sessions-out-of-range", {"unexcused": "99999999999"}, "unexcused"),
    homeroom_case("month-over-full", {"excused": "40", "unexcused": "40"}, "unexcused"),
    homeroom_case("conduct-unknown", {"conduct": SQL}, "conduct"),
    homeroom_case("remark-oversized", {"remark": LONG}, "remark"),
    # --- document store ---
    Case("document-settings-text", "principal", lambda o: reverse("eledger:settings"),
         lambda o: {"days_before": "ba", "refuse_late_uploads": ""}, ctx("form"), "days_before"),
    Case("document-settings-out-of-range", "principal", lambda o: reverse("eledger:settings"),
         lambda o: {"days_before": "99999999999"}, ctx("form"), "days_before"),
    Case("document-settings-negative", "principal", lambda o: reverse("eledger:settings"),
         lambda o: {"days_before": "-1"}, ctx("form"), "days_before"),
    lesson_case("subject-unknown", {"subject_grade": "abc"}, "subject_grade"),
    lesson_case("period-text", {"period": "một"}, "period"),
    lesson_case("period-out-of-range", {"period": "100000000000"}, "period"),
    lesson_case("title-empty", {"lesson_title": ""}, "lesson_title", "bắt buộc"),
    lesson_case("title-oversized", {"lesson_title": LONG}, "lesson_title"),
    lesson_case("title-path", {"lesson_title": "../../etc/passwd"}, "lesson_title"),
    lesson_case("date-text", {"teaching_date": "thứ hai"}, "teaching_date"),
    lesson_case("no-file", {"file": ""}, "file", "bắt buộc"),
    Case("document-title-oversized", "teacher_math", lambda o: reverse("eledger:create", args=("training_topic",)),
         lambda o: {"title": LONG, "file": pdf_file()}, ctx("form"), "title", prepare=seed_kinds),
    Case("review-decision-unknown", "head_math", lambda o: reverse("eledger:review", args=(o.document.pk,)),
         lambda o: {"decision": XSS, "comment": ""}, ctx("review_form"), "decision", prepare=submitted_plan),
    Case("review-return-without-comment", "head_math", lambda o: reverse("eledger:review", args=(o.document.pk,)),
         lambda o: {"decision": "return", "comment": "   "}, ctx("review_form"), "comment", prepare=submitted_plan),
    Case("kind-empty-name", "principal", lambda o: reverse("eledger:kind_edit", args=(o.kind.pk,)),
         lambda o: {"name": "", "description": ""}, ctx("form"), "name", "bắt buộc", prepare=seed_kinds),
    Case("kind-oversized", "principal", lambda o: reverse("eledger:kind_edit", args=(o.kind.pk,)),
         lambda o: {"name": "Tên", "description": LONG}, ctx("form"), "description", prepare=seed_kinds),
    # --- archive ---
    Case("batch-empty", "clerk", lambda o: reverse("archive:batch_start"),
         lambda o: {"year": o.year.pk, "kind": "", "term": "", "mode": ""}, ctx("batch_form"), "kind", "bắt buộc"),
    Case("batch-no-class", "clerk", lambda o: reverse("archive:batch_start"),
         lambda o: {"year": o.year.pk, "kind": "ledger", "term": "1", "mode": "periodic"}, ctx("batch_form"),
         "classes"),
    Case("batch-wrong-types", "clerk", lambda o: reverse("archive:batch_start"),
         lambda o: {"year": o.year.pk, "kind": SQL, "term": "ba", "mode": "periodic", "classes": ["abc"]},
         ctx("batch_form"), "term"),
    Case("batch-oversized", "clerk", lambda o: reverse("archive:batch_start"),
         lambda o: {"year": o.year.pk, "kind": "ledger", "term": "1", "mode": "ad_hoc", "all_classes": "on",
                    "reason": LONG, "token": LONG}, ctx("batch_form"), "reason"),
    Case("transfer-empty", "clerk", lambda o: reverse("archive:transfer_print"),
         lambda o: {"year": o.year.pk, "student_code": ""}, ctx("transfer_form"), "student_code", "bắt buộc"),
    Case("transfer-oversized", "clerk", lambda o: reverse("archive:transfer_print"),
         lambda o: {"year": o.year.pk, "student_code": LONG}, ctx("transfer_form"), "student_code"),
    Case("transfer-sql", "clerk", lambda o: reverse("archive:transfer_print"),
         lambda o: {"year": o.year.pk, "student_code": SQL}, ctx("transfer_form"), "student_code"),
    Case("snapshot-term-text", "clerk", lambda o: reverse("archive:snapshot"),
         lambda o: {"year": o.year.pk, "term": "ba"}, ctx("snapshot_form"), "term"),
    # --- inspectors' access and closing a parent's account (issue 18) ---
    Case("share-empty", "principal", lambda o: reverse("archive:shares"), lambda o: {"year": o.year.pk},
         ctx("form"), "scope", "bắt buộc"),
    Case("share-date-text", "principal", lambda o: reverse("archive:shares"),
         lambda o: share_data(o, starts_on="thứ hai"), ctx("form"), "starts_on"),
    Case("share-ends-in-the-past", "principal", lambda o: reverse("archive:shares"),
         lambda o: share_data(o, starts_on="2020-01-01", ends_on="2020-01-07"), ctx("form"), "ends_on"),
    Case("share-scope-sql", "principal", lambda o: reverse("archive:shares"),
         lambda o: share_data(o, scope=SQL), ctx("form"), "scope"),
    Case("share-name-oversized", "principal", lambda o: reverse("archive:shares"),
         lambda o: share_data(o, inspector_name=LONG), ctx("form"), "inspector_name"),
    Case("share-class-unknown", "principal", lambda o: reverse("archive:shares"),
         lambda o: share_data(o, school_class="abc"), ctx("form"), "school_class"),
    Case("share-revoke-blank", "principal", lambda o: reverse("archive:share", args=(o.share.pk,)),
         lambda o: {"reason": "   "}, ctx("form"), "reason", "bắt buộc", prepare=a_share),
    Case("share-revoke-oversized", "principal", lambda o: reverse("archive:share", args=(o.share.pk,)),
         lambda o: {"reason": LONG}, ctx("form"), "reason", prepare=a_share),
    Case("parent-close-blank", "homeroom_6a1",
         lambda o: reverse("families:parent_close", args=(o.class_6a1.pk, o.parent.pk)),
         lambda o: {"reason": " "}, ctx("form"), "reason", "bắt buộc", prepare=a_parent),
    Case("parent-close-oversized", "homeroom_6a1",
         lambda o: reverse("families:parent_close", args=(o.class_6a1.pk, o.parent.pk)),
         lambda o: {"reason": LONG}, ctx("form"), "reason", prepare=a_parent),
    # --- the families' own forms (issue 18): joining, adding a child, notices and replies ---
    Case("join-empty", "", lambda o: reverse("families:join"), lambda o: {}, ctx("form"), "code", "bắt buộc"),
    Case("join-code-wrong", "", lambda o: reverse("families:join"), lambda o: join_data(o, code="AAAAA-BBBBB"),
         ctx("form"), "code"),
    Case("join-code-sql", "", lambda o: reverse("families:join"), lambda o: join_data(o, code=SQL), ctx("form"),
         "code"),
    Case("join-phone-text", "", lambda o: reverse("families:join"), lambda o: join_data(o, phone="mười hai"),
         ctx("form"), "phone", prepare=an_invitation),
    Case("join-name-oversized", "", lambda o: reverse("families:join"), lambda o: join_data(o, full_name=LONG),
         ctx("form"), "full_name", prepare=an_invitation),
    Case("join-email-xss", "", lambda o: reverse("families:join"),
         lambda o: join_data(o, phone="", email=XSS), ctx("form"), "email", prepare=an_invitation),
    Case("join-passwords-differ", "", lambda o: reverse("families:join"),
         lambda o: join_data(o, password2="khac-han-2026"), ctx("form"), "password2", prepare=an_invitation),
    Case("join-relation-unknown", "", lambda o: reverse("families:join"), lambda o: join_data(o, relation=XSS),
         ctx("form"), "relation", prepare=an_invitation),
    Case("child-add-code-wrong", "0912345678", lambda o: reverse("families:child_add"),
         lambda o: {"code": "AAAAA-BBBBB", "relation": "mother"}, ctx("form"), "code", prepare=a_parent),
    Case("notice-empty", "homeroom_6a1", lambda o: reverse("families:staff_notices"), lambda o: {},
         ctx("form"), "title", "bắt buộc"),
    Case("notice-title-oversized", "homeroom_6a1", lambda o: reverse("families:staff_notices"),
         lambda o: {"to": f"class:{o.class_6a1.pk}", "title": LONG, "body": "Họp"}, ctx("form"), "title"),
    Case("notice-to-another-class", "homeroom_6a1", lambda o: reverse("families:staff_notices"),
         lambda o: {"to": "class:999999", "title": "Họp", "body": "Họp"}, ctx("form"), "to"),
    Case("notice-reply-oversized", "0912345678", lambda o: reverse("families:notice", args=(o.receipt.pk,)),
         lambda o: {"reply": LONG}, ctx("form"), "reply", prepare=a_parents_notice),
]


def _field(case: Case, objects: Objects) -> str | None:
    if case.field is None:
        return None
    if callable(case.field):
        return case.field(objects)
    return case.field.format(toan=objects.toan.pk)


def _prepared(case: Case, demo, client) -> Objects:
    """The case's objects, made ready, and the client logged in as the case's user (if any)."""
    objects = Objects(demo)
    if case.prepare:
        case.prepare(objects)
    if case.user:
        client.force_login(demo.user(case.user))
    return objects


@pytest.mark.parametrize("case", FORM_CASES, ids=[case.id for case in FORM_CASES])
def test_a_form_refuses_bad_input_at_its_field_in_vietnamese_and_saves_nothing(case, demo, client, private_folders):
    objects = _prepared(case, demo, client)
    url, data = case.url(objects), case.data(objects)
    before = snapshot(private_folders)

    response = client.post(url, data)

    assert_not_server_error(response)
    if case.form is None:
        assert response.status_code == 302, page(response)[:2000]
        shown = " ".join(shown_messages(response))
        assert_vietnamese(shown)
        assert case.expect in shown
    else:
        assert response.status_code in (200, 400), response.status_code
        form = case.form(response.context)
        name = _field(case, objects)
        errors = form.errors.get(name or "__all__")
        assert errors, f"no error at {name!r}: {form.errors.as_data()}"
        message = " ".join(errors)
        assert_vietnamese(message)
        assert case.expect in message
        html = page(response)
        assert '<html lang="vi">' in html
        assert escape(errors[0]) in html, "the error is not shown on the page"
        assert XSS not in html, "typed text is shown back unescaped"
    assert snapshot(private_folders) == before


# A POST with no fields at all (not even the empty ones a browser sends) is a bound form too: it says at the field
# what is missing, instead of coming back as a blank form that says nothing. (Not the class page's forms: the
# button pressed, a field of the POST, says which of its three forms is sent.)
NO_FIELD_CASES = [case for case in FORM_CASES
                  if "empty" in case.id and case.form is not None and case.field and case.expect == "bắt buộc"
                  and not case.id.startswith("class-student-")]


@pytest.mark.parametrize("case", NO_FIELD_CASES, ids=[case.id for case in NO_FIELD_CASES])
def test_a_form_posted_with_no_fields_at_all_says_at_the_field_what_is_missing(case, demo, client, private_folders):
    objects = _prepared(case, demo, client)
    before = snapshot(private_folders)

    response = client.post(case.url(objects), {})

    assert response.status_code in (200, 400), response.status_code
    errors = case.form(response.context).errors.get(_field(case, objects))
    assert errors and "bắt buộc" in " ".join(errors), errors
    assert snapshot(private_folders) == before


# --- text that looks like code is kept as text and shown escaped ---------------------------------------


@dataclass(frozen=True)
class Echo:
    """A text field that accepts any words: what was typed is saved as typed and shown escaped."""

    id: str
    user: str
    url: Callable[[Objects], str]
    data: Callable[[Objects, str], dict]
    stored: Callable[[Objects], str]  # the saved text, read back from the database
    shown_at: Callable[[Objects], str]  # a page that shows it


def _fresh(obj):
    obj.refresh_from_db()
    return obj


ECHOES = [
    Echo("student-name", "board", lambda o: reverse("setup:student_edit", args=(o.student.pk,)),
         lambda o, text: student_data(code=o.student.code, full_name=text, address=text),
         lambda o: _fresh(o.student).full_name, lambda o: reverse("setup:class_edit", args=(o.class_6a1.pk,))),
    Echo("staff-name", "board", lambda o: reverse("setup:staff_edit", args=(o.profile.pk,)),
         lambda o, text: {"full_name": text, "position": text, "phone": "", "reason": text,
                          "roles": [group.name for group in o.teacher.groups.all()]},
         lambda o: _fresh(o.profile).full_name, lambda o: reverse("setup:staff_list")),
    Echo("department-name", "board", lambda o: reverse("setup:department_list"),
         lambda o, text: {"name": text},
         lambda o: o.demo.models.Department.objects.filter(school=o.demo.school).latest("pk").name,
         lambda o: reverse("setup:department_list")),
    Echo("window-note", "board", lambda o: reverse("gradebook:windows"),
         lambda o, text: {**WINDOW, "term": o.term1.pk, "note": text},
         lambda o: apps.get_model("gradebook", "EntryWindow").objects.latest("pk").note,
         lambda o: reverse("gradebook:windows")),
    Echo("exemption-reason", "principal", lambda o: reverse("gradebook:exemptions", args=(o.class_6a1.pk,)),
         lambda o, text: {"enrolment": o.enrolment.pk, "subject": o.toan.pk, "period": "1", "reason": text,
                          "evidence_note": text},
         lambda o: apps.get_model("gradebook", "Exemption").objects.latest("pk").reason,
         lambda o: reverse("gradebook:exemptions", args=(o.class_6a1.pk,))),
    Echo("homeroom-remark", "homeroom_6a1", lambda o: reverse("gradebook:homeroom", args=(o.class_6a1.pk, 1)),
         lambda o, text: {f"remark-{o.enrolment.pk}": text},
         lambda o: apps.get_model("gradebook", "StudentRemark").objects.get(enrolment=o.enrolment, term=o.term1).text,
         lambda o: reverse("gradebook:homeroom", args=(o.class_6a1.pk, 1))),
]


@pytest.mark.parametrize("text", [XSS, SQL, "=HYPERLINK(\"http://x.invalid\",\"bấm\")"], ids=["html", "sql", "formula"])
@pytest.mark.parametrize("echo", ECHOES, ids=[echo.id for echo in ECHOES])
def test_text_that_looks_like_code_is_saved_as_typed_and_shown_escaped(echo, text, demo, client):
    objects = Objects(demo)
    client.force_login(demo.user(echo.user))

    response = client.post(echo.url(objects), echo.data(objects, text))

    assert response.status_code == 302, page(response)[:3000]
    assert echo.stored(objects) == text
    shown = page(client.get(echo.shown_at(objects)))
    assert escape(text) in shown
    assert XSS not in shown


# --- query strings and single buttons ------------------------------------------------------------------


def _lock_first_column(objects: Objects):
    """ĐĐGtx1 of the first student holds 6, and the teacher has locked the column."""
    from gradebook.scores.services import CellInput, scores_save
    from gradebook.windows import services as locks

    result = scores_save(session="test-session", actor=objects.teacher, assignment=objects.math, term=objects.term1,
                         cells=[CellInput(objects.enrolment.pk, "tx", 1, "6")])
    assert result.ok
    locks.column_lock(actor=objects.teacher, assignment=objects.math, term=objects.term1, kind="tx", index=1)


GETS = [
    ("archive-year-superscript", "clerk", lambda o: reverse("archive:index") + "?year=²"),
    ("archive-year-huge", "clerk", lambda o: reverse("archive:index") + "?year=" + "9" * 40),
    ("archive-documents", "clerk", lambda o: reverse("archive:documents") + f"?year=²&class=³&kind={XSS}&page=-1"),
    ("archive-documents-huge-class", "clerk", lambda o: reverse("archive:documents") + "?class=" + "9" * 40),
    ("document-list", "principal",
     lambda o: reverse("eledger:list") + f"?week=abc&teacher=x&grade=99&kind={SQL}&year=²&page=abc"),
    ("document-folder", "teacher_math", lambda o: reverse("eledger:my_folder") + "?year=" + SQL),
    ("lesson-name-superscript", "teacher_math",
     lambda o: reverse("eledger:lesson_name") + f"?subject_grade=²:6&period=1&lesson_title={XSS}"),
    ("lesson-name-text", "teacher_math",
     lambda o: reverse("eledger:lesson_name") + f"?subject_grade={o.toan.pk}:²&period=abc&filename=../../x.pdf"),
    ("grid-history-column", "teacher_math",
     lambda o: reverse("gradebook:grid_history", args=(o.math.pk, 1)) + f"?column=tx²&enrolment={o.enrolment.pk}"),
    ("grid-history-enrolment", "teacher_math",
     lambda o: reverse("gradebook:grid_history", args=(o.math.pk, 1)) + "?column=tx1&enrolment=" + "9" * 40),
    ("progress-term", "vice", lambda o: reverse("gradebook:progress") + f"?term={XSS}"),
    ("staff-search", "board", lambda o: reverse("setup:staff_list") + f"?q={'x' * 500}{XSS}&department=abc&status=z"),
    ("correction-cells", "teacher_math",
     lambda o: reverse("gradebook:correction_new", args=(o.math.pk, 1)) + "?cell=²:tx:1&cell=1:tx:²&cell=" + SQL),
]


@pytest.mark.parametrize("name, user, url", GETS, ids=[case[0] for case in GETS])
def test_garbage_in_a_query_string_is_never_a_server_error(name, user, url, demo, client):
    client.force_login(demo.user(user))

    response = client.get(url(Objects(demo)))

    assert_not_server_error(response)
    assert XSS not in page(response)


@dataclass(frozen=True)
class Button:
    """A one-button form (no page of its own): a refusal comes back as a Vietnamese message after a redirect."""

    id: str
    user: str
    url: Callable[[Objects], str]
    data: Callable[[Objects], dict]
    prepare: Callable[[Objects], None] | None = None
    expect: str = ""


def _correction_request(objects: Objects):
    from gradebook.corrections import services as corrections

    _lock_first_column(objects)
    return corrections.correction_submit(
        actor=objects.teacher, assignment=objects.math, term=objects.term1,
        changes=[corrections.ChangeInput(objects.enrolment.pk, "tx", 1, "8")], reason="Nhập nhầm",
        files=[SimpleUploadedFile("bai-kiem-tra.pdf", PDF, content_type="application/pdf")])


def _exemption(objects: Objects):
    from gradebook.results import services as results_services

    return results_services.exemption_create(actor=objects.demo.user("principal"), enrolment=objects.enrolment,
                                             subject=objects.toan, term=objects.term1, reason="Sức khỏe")


def _last(app_label: str, model: str):
    return apps.get_model(app_label, model).objects.latest("pk")


BUTTONS = [
    Button("column-lock-superscript", "teacher_math",
           lambda o: reverse("gradebook:column_lock", args=(o.math.pk, 1)), lambda o: {"column": "tx²"}),
    Button("column-lock-unknown", "teacher_math",
           lambda o: reverse("gradebook:column_lock", args=(o.math.pk, 1)), lambda o: {"column": SQL}),
    Button("book-lock-oversized-reason", "principal",
           lambda o: reverse("gradebook:book_lock", args=(o.term1.pk,)), lambda o: {"reason": LONG}),
    Button("lock-lift-empty-reason", "board",
           lambda o: reverse("gradebook:lock_lift", args=(_last("gradebook", "ScoreLock").pk,)),
           lambda o: {"reason": "   "}, _lock_first_column, "lý do"),
    Button("lock-lift-oversized-reason", "board",
           lambda o: reverse("gradebook:lock_lift", args=(_last("gradebook", "ScoreLock").pk,)),
           lambda o: {"reason": LONG}, _lock_first_column),
    Button("correction-witness-text", "principal",
           lambda o: reverse("gradebook:correction", args=(_last("gradebook", "CorrectionRequest").pk,)),
           lambda o: {"action": "approve", "witness": SQL}, _correction_request, "Ban quản trị"),
    Button("correction-witness-unknown", "principal",
           lambda o: reverse("gradebook:correction", args=(_last("gradebook", "CorrectionRequest").pk,)),
           lambda o: {"action": "approve", "witness": "9" * 40}, _correction_request, "Ban quản trị"),
    Button("correction-action-unknown", "principal",
           lambda o: reverse("gradebook:correction", args=(_last("gradebook", "CorrectionRequest").pk,)),
           lambda o: {"action": XSS, "note": LONG}, _correction_request),
    Button("correction-reject-oversized-note", "principal",
           lambda o: reverse("gradebook:correction", args=(_last("gradebook", "CorrectionRequest").pk,)),
           lambda o: {"action": "reject", "note": LONG}, _correction_request, "2000"),
    Button("correction-reject-empty-note", "principal",
           lambda o: reverse("gradebook:correction", args=(_last("gradebook", "CorrectionRequest").pk,)),
           lambda o: {"action": "reject", "note": "  "}, _correction_request),
    Button("exemption-revoke-empty", "principal",
           lambda o: reverse("gradebook:exemption_revoke", args=(o.class_6a1.pk, _last("gradebook", "Exemption").pk)),
           lambda o: {"reason": ""}, _exemption),
    Button("exemption-revoke-oversized", "principal",
           lambda o: reverse("gradebook:exemption_revoke", args=(o.class_6a1.pk, _last("gradebook", "Exemption").pk)),
           lambda o: {"reason": LONG}, _exemption),
    Button("results-approve-oversized-note", "principal",
           lambda o: reverse("gradebook:results_approve", args=(o.class_6a1.pk, 1)), lambda o: {"note": LONG}),
    Button("retests-garbage", "homeroom_6a1", lambda o: reverse("gradebook:retests_save", args=(o.class_6a1.pk,)),
           lambda o: {f"retest-{o.enrolment.pk}-{o.toan.pk}": XSS, "retest-abc": SQL}),
    Button("summer-garbage", "homeroom_6a1", lambda o: reverse("gradebook:summer_save", args=(o.class_6a1.pk,)),
           lambda o: {f"summer-{o.enrolment.pk}": SQL}),
    Button("correction-cells-garbage", "teacher_math",
           lambda o: reverse("gradebook:correction_new", args=(o.math.pk, 1)),
           lambda o: {"cell": ["²:tx:1", "1:tx:²", SQL], "reason": "x"}),
    Button("document-submit-unknown", "teacher_math", lambda o: reverse("eledger:submit", args=(999999999,)),
           lambda o: {"comment": LONG}),
    Button("archive-batch-year-superscript", "clerk", lambda o: reverse("archive:batch_start"),
           lambda o: {"year": "²", "kind": "ledger", "term": "1", "mode": "periodic", "all_classes": "on"}),
]


@pytest.mark.parametrize("button", BUTTONS, ids=[button.id for button in BUTTONS])
def test_a_button_with_bad_input_says_why_in_vietnamese_and_changes_nothing(button, demo, client, private_folders):
    objects = Objects(demo)
    if button.prepare:
        button.prepare(objects)
    client.force_login(demo.user(button.user))
    url, data = button.url(objects), button.data(objects)
    before = snapshot(private_folders)

    response = client.post(url, data)

    assert_not_server_error(response)
    assert snapshot(private_folders) == before
    if response.status_code == 302:
        shown = " ".join(shown_messages(response))
        assert_vietnamese(shown)
        assert button.expect in shown
    elif response.status_code == 200:  # the page itself shows the refusal
        assert '<html lang="vi">' in page(response)
        shown = alerts(page(response))
        assert_vietnamese(shown)
        assert button.expect in shown
    else:
        assert response.status_code in (400, 403, 404), response.status_code


# --- the score grid's JSON save ------------------------------------------------------------------------


def _cells(objects: Objects, **changes) -> dict:
    return {"source": "typed", "cells": [{"enrolment": objects.enrolment.pk, "kind": "tx", "index": 1, "text": "7",
                                          "version": None, **changes}]}


BODIES = [
    ("empty", lambda o: b""),
    ("not-json", lambda o: b"scores=7&x=1"),
    ("invalid-utf8", lambda o: b'{"cells": "\xff\xfe"}'),
    ("cp1258", lambda o: json.dumps(_cells(o, text="Đạt"), ensure_ascii=False).encode("utf-16")),
    ("a-list", lambda o: b"[]"),
    ("no-cells", lambda o: b'{"cells": []}'),
    ("cells-not-a-list", lambda o: b'{"cells": "7"}'),
    ("deeply-nested", lambda o: b"[" * 100_000 + b"]" * 100_000),
    ("enrolment-as-text", lambda o: json.dumps(_cells(o, enrolment=str(o.enrolment.pk))).encode()),
    ("enrolment-huge", lambda o: json.dumps(_cells(o, enrolment=10**30)).encode()),
    ("index-huge", lambda o: json.dumps(_cells(o, index=10**30)).encode()),
    ("version-huge", lambda o: json.dumps(_cells(o, version=10**30)).encode()),
    ("kind-injected", lambda o: json.dumps(_cells(o, kind=SQL)).encode()),
    ("status-unknown", lambda o: json.dumps(_cells(o, status=XSS)).encode()),
    ("text-oversized", lambda o: json.dumps(_cells(o, text="7" * 101)).encode()),
    ("text-a-number", lambda o: json.dumps(_cells(o, text=7.5)).encode()),
    ("too-many-cells", lambda o: json.dumps({"cells": _cells(o)["cells"] * 1001}).encode()),
    ("infinity", lambda o: b'{"cells": [{"enrolment": 1e400, "kind": "tx", "index": 1, "text": "7"}]}'),
]


@pytest.mark.parametrize("name, body", BODIES, ids=[case[0] for case in BODIES])
def test_a_grid_save_that_is_not_what_the_grid_sends_is_refused_in_vietnamese(name, body, demo, client,
                                                                                private_folders):
    objects = Objects(demo)
    client.force_login(objects.teacher)
    before = snapshot(private_folders)

    response = client.post(reverse("gradebook:grid_save", args=(objects.math.pk, 1)), data=body(objects),
                           content_type="application/json")

    assert response.status_code == 400, page(response)[:500]
    assert_vietnamese(response.json()["error"])
    assert snapshot(private_folders) == before


def test_a_grid_save_larger_than_the_upload_limit_is_refused_without_a_server_error(demo, client, settings):
    objects = Objects(demo)
    client.force_login(objects.teacher)
    body = json.dumps(_cells(objects, text=" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))).encode()

    response = client.post(reverse("gradebook:grid_save", args=(objects.math.pk, 1)), data=body,
                           content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("text", ["11", "-1", "abc", "7,55", "1e3", "NaN", "Infinity", "０７", "7.5.1", XSS, SQL,
                                  "=1+1", "\x00"])
def test_a_score_that_is_not_a_score_is_refused_at_its_cell_in_vietnamese(text, demo, client, private_folders):
    objects = Objects(demo)
    client.force_login(objects.teacher)
    before = snapshot(private_folders)

    response = client.post(reverse("gradebook:grid_save", args=(objects.math.pk, 1)),
                           data=json.dumps(_cells(objects, text=text)), content_type="application/json")

    assert response.status_code == 200
    (cell,) = response.json()["cells"]
    assert cell["outcome"] in ("invalid", "refused"), cell
    assert_vietnamese(cell["message"])
    assert snapshot(private_folders) == before


# --- uploads -------------------------------------------------------------------------------------------


BOUNDARY = "h2-bad-input-boundary"


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> bytes:
    """A multipart body written by hand, so a file name reaches the server exactly as a hostile client sends it."""
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode())
    for name, filename, content in files:
        head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def post_files(client, url: str, fields: dict, files: list[tuple[str, str, bytes]]):
    return client.post(url, data=multipart(fields, files), content_type=f"multipart/form-data; boundary={BOUNDARY}")


_CACHE: dict[str, bytes] = {}


def zip_bomb(unpacked: int) -> bytes:
    """An .xlsx-looking zip (its first member a worksheet) that unpacks to ``unpacked`` bytes of zeros."""
    key = f"bomb-{unpacked}"
    if key not in _CACHE:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            with archive.open("xl/worksheets/sheet1.xml", "w") as member:
                chunk = b"\0" * (1024 * 1024)
                for _ in range(unpacked // len(chunk) + 1):
                    member.write(chunk)
        _CACHE[key] = buffer.getvalue()
    return _CACHE[key]


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Text in Windows-1258, the old Vietnamese code page: a toned letter is its base letter and a combining mark."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
            out += (base + "".join(c for c in decomposed if c in TONE_MARKS)).encode("cp1258")
    return bytes(out)


IMPORT_HEADER = "STT,Lớp,Khối,Mã học sinh,Họ và tên,Ngày sinh,Giới tính\r\n"
IMPORT_ROW = "1,6A1,6,HS-NEW-1,Trần Thị Mới,01/02/2014,Nữ\r\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def _import_rows(count: int) -> bytes:
    return (IMPORT_HEADER + "".join(f"{n},6A1,6,HS{n:05d},Học Sinh {n},01/02/2014,Nam\r\n"
                                    for n in range(1, count + 1))).encode("utf-8-sig")


IMPORT_FILES = [
    ("empty", "hoc-sinh.csv", lambda: b"", "rỗng"),
    ("oversized", "hoc-sinh.csv", lambda: b"a" * (5 * 1024 * 1024 + 1), "5 MB"),
    ("exe-renamed-xlsx", "hoc-sinh.xlsx", lambda: EXE, ""),
    ("html-renamed-csv", "hoc-sinh.csv", lambda: HTML, ""),
    ("corrupt-xlsx", "hoc-sinh.xlsx", lambda: b"PK\x03\x04" + b"\x00garbage" * 50, ""),
    ("zip-bomb", "hoc-sinh.xlsx", lambda: zip_bomb(101 * 1024 * 1024), ""),
    ("old-excel", "hoc-sinh.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    ("cp1258-csv", "hoc-sinh.csv", lambda: cp1258(IMPORT_HEADER + IMPORT_ROW), "UTF-8"),
    ("latin1-csv", "hoc-sinh.csv", lambda: "Lop,Khoi,Mã,Họ\r\n".encode().replace(b"\xc3\xa3", b"\xe3"), "UTF-8"),
    ("invalid-bytes", "hoc-sinh.csv", lambda: b"\xff\xfe\xfa\xfb\x81\x82" * 10, ""),
    ("no-header", "hoc-sinh.csv", lambda: b"a,b,c\r\n1,2,3\r\n", ""),
    ("too-many-rows", "hoc-sinh.csv", lambda: _import_rows(3001), "3.000"),
]


@pytest.mark.parametrize("name, filename, content, expect", IMPORT_FILES, ids=[case[0] for case in IMPORT_FILES])
def test_an_import_file_that_cannot_be_read_is_refused_at_the_file_field(name, filename, content, expect, demo,
                                                                         client, private_folders):
    objects = Objects(demo)
    client.force_login(demo.user("board"))
    before = snapshot(private_folders)

    response = post_files(client, reverse("setup:import", args=(objects.year.pk,)), {"action": "preview"},
                          [("file", filename, content())])

    assert_not_server_error(response)
    message = " ".join(response.context["form"].errors["file"])
    assert_vietnamese(message)
    assert expect in message
    assert escape(message) in page(response)
    assert snapshot(private_folders) == before


def test_an_imported_cell_starting_like_a_formula_is_refused_and_the_confirm_saves_nothing(demo, client,
                                                                                          private_folders):
    objects = Objects(demo)
    client.force_login(demo.user("board"))
    content = (IMPORT_HEADER + IMPORT_ROW.replace("Trần Thị Mới", "=HYPERLINK(\"http://x.invalid\")")).encode()
    before = snapshot(private_folders)

    preview = post_files(client, reverse("setup:import", args=(objects.year.pk,)), {"action": "preview"},
                         [("file", "../../hoc-sinh.csv", content)])
    token = client.session["schoolrecords_import"]["token"]
    confirm = client.post(reverse("setup:import", args=(objects.year.pk,)), {"action": "confirm", "token": token})

    assert preview.status_code == confirm.status_code == 200
    assert "công thức" in page(preview)  # "spreadsheets read it as a formula"
    assert_vietnamese(" ".join(shown_messages(confirm)))
    after = snapshot(private_folders)
    assert {k: v for k, v in after.items() if k != "files"} == {k: v for k, v in before.items() if k != "files"}
    # The preview keeps the upload under a server-made name only: the client's path never reaches the disk.
    stored = [path.relative_to(private_folders) for path in private_folders.rglob("*") if path.is_file()]
    assert all(re.fullmatch(r"media/imports/[0-9a-f]{32}\.csv", str(path)) for path in stored), stored


def _export(client, objects: Objects, class_name: str = "6A1") -> bytes:
    assignment = objects.demo.assignment(class_name, "toan")
    return client.get(reverse("gradebook:grid_export", args=(assignment.pk, 1))).content


def _too_many_rows(client, objects: Objects) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(_export(client, objects)))
    sheet = workbook.active
    for number in range(301):
        sheet.append([number, f"KHONGCO{number:04d}", "Ai Đó", 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GRID_FILES = [
    ("empty", "diem.xlsx", lambda c, o: b"", "rỗng"),
    ("oversized", "diem.xlsx", lambda c, o: b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024), "2 MB"),
    ("exe-renamed-xlsx", "diem.xlsx", lambda c, o: EXE, ""),
    ("html-renamed-xlsx", "diem.xlsx", lambda c, o: HTML, ""),
    ("csv-renamed-xlsx", "diem.xlsx", lambda c, o: cp1258("Mã học sinh,ĐĐGtx1\r\nHS1,7\r\n"), ""),
    ("corrupt-xlsx", "diem.xlsx", lambda c, o: b"PK\x03\x04" + b"\x00garbage" * 50, ""),
    ("zip-bomb", "diem.xlsx", lambda c, o: zip_bomb(41 * 1024 * 1024), ""),
    ("another-class", "diem.xlsx", lambda c, o: _export(c, o, "6A2"), "6A2"),
    ("too-many-rows", "diem.xlsx", _too_many_rows, "300"),
]


@pytest.mark.parametrize("name, filename, content, expect", GRID_FILES, ids=[case[0] for case in GRID_FILES])
def test_a_grid_file_that_cannot_be_imported_is_refused_at_the_file_field(name, filename, content, expect, demo,
                                                                          client, private_folders):
    objects = Objects(demo)
    client.force_login(objects.teacher)
    data = content(client, objects)
    before = snapshot(private_folders)

    response = post_files(client, reverse("gradebook:grid_import", args=(objects.math.pk, 1)),
                          {"action": "preview"}, [("file", filename, data)])

    assert_not_server_error(response)
    message = " ".join(response.context["form"].errors["file"])
    assert_vietnamese(message)
    assert expect in message
    assert snapshot(private_folders) == before


def test_grid_cells_with_words_formulas_or_code_are_refused_cell_by_cell_and_nothing_is_saved(demo, client,
                                                                                              private_folders):
    from openpyxl import load_workbook

    objects = Objects(demo)
    client.force_login(objects.teacher)
    workbook = load_workbook(io.BytesIO(_export(client, objects)))
    sheet = workbook.active
    bad = ["mười", "=1+1", "11", XSS, SQL, "-3"]
    for offset, value in enumerate(bad):
        sheet.cell(row=11 + offset, column=4, value=value)  # ĐĐGtx1 of the first students
    sheet.cell(row=17, column=4).value = "=SUM(1,2)"  # a real formula cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = snapshot(private_folders)

    preview = post_files(client, reverse("gradebook:grid_import", args=(objects.math.pk, 1)),
                         {"action": "preview"}, [("file", "../../diem.xlsx", buffer.getvalue())])
    token = client.session["gradebook_grid_import"]["token"]
    confirm = client.post(reverse("gradebook:grid_import", args=(objects.math.pk, 1)),
                          {"action": "confirm", "token": token})

    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert {(problem.line, problem.column) for problem in plan.problems} == {(line, "ĐĐGtx1") for line in range(11, 18)}
    for problem in plan.problems:
        assert_vietnamese(problem.message)
        assert escape(str(problem)) in page(preview)
    assert plan.changes == []
    assert XSS not in page(preview)
    assert confirm.status_code == 302
    assert snapshot(private_folders) == before


DOCUMENT_FILES = [
    ("empty", "training_topic", "bao-cao.pdf", b"", "rỗng"),
    ("exe-renamed-pdf", "other_plan", "ke-hoach.pdf", EXE, "PDF"),
    ("html-renamed-pdf", "other_plan", "ke-hoach.pdf", HTML, "PDF"),
    ("html-renamed-docx", "training_topic", "bao-cao.docx", HTML, ""),
    ("zip-renamed-docx", "training_topic", "bao-cao.docx", b"PK\x03\x04" + b"\0" * 200, ""),
    ("exe-renamed-png", "training_topic", "anh.png", EXE, ""),
    ("oversized", "training_topic", "bao-cao.pdf", PDF + b"\0" * (20 * 1024 * 1024), "20"),
    ("name-too-long", "training_topic", "ả" * 200 + ".pdf", PDF, "255"),
]


@pytest.mark.parametrize("name, kind, filename, content, expect", DOCUMENT_FILES,
                         ids=[case[0] for case in DOCUMENT_FILES])
def test_a_document_upload_is_judged_by_its_content_and_refused_at_the_file_field(name, kind, filename, content,
                                                                                  expect, demo, client,
                                                                                  private_folders):
    objects = Objects(demo)
    seed_kinds(objects)
    client.force_login(objects.teacher)
    before = snapshot(private_folders)

    response = post_files(client, reverse("eledger:create", args=(kind,)), {"title": ""},
                          [("file", filename, content)])

    assert_not_server_error(response)
    message = " ".join(response.context["form"].errors["file"])
    assert_vietnamese(message)
    assert expect in message
    assert snapshot(private_folders) == before


def test_a_new_version_that_is_not_a_pdf_is_refused_at_the_file_field(demo, client, private_folders):
    objects = Objects(demo)
    submitted_plan(objects)
    from eledger import services

    services.document_return(actor=demo.user("head_math"), document=objects.document, comment="Sửa lại")
    client.force_login(objects.teacher)
    before = snapshot(private_folders)

    response = post_files(client, reverse("eledger:upload", args=(objects.document.pk,)), {},
                          [("file", "TOÁN 6_TIẾT 1_TẬP HỢP.pdf", HTML)])

    assert response.status_code == 400
    assert_vietnamese(" ".join(response.context["version_form"].errors["file"]))
    assert snapshot(private_folders) == before


EVIDENCE_FILES = [
    ("empty", [("bai.pdf", b"")], "rỗng"),
    ("exe-renamed-pdf", [("bai.pdf", EXE)], "PDF"),
    ("html-renamed-png", [("anh.png", HTML)], "PDF"),
    ("oversized", [("bai.pdf", PDF + b"\0" * (10 * 1024 * 1024))], "10 MB"),
    ("too-many", [(f"bai-{n}.pdf", PDF) for n in range(11)], "10"),
    ("none", [], ""),
]


def _correction_form(objects: Objects, reason: str = "Nhập nhầm điểm") -> dict:
    key = f"{objects.enrolment.pk}:tx:1"
    return {"cell": key, f"new-{key}": "8", "reason": reason}


@pytest.mark.parametrize("name, files, expect", EVIDENCE_FILES, ids=[case[0] for case in EVIDENCE_FILES])
def test_correction_evidence_is_judged_by_its_content_and_refused_at_the_evidence_field(name, files, expect, demo,
                                                                                        client, private_folders):
    objects = Objects(demo)
    _lock_first_column(objects)
    client.force_login(objects.teacher)
    before = snapshot(private_folders)

    response = post_files(client, reverse("gradebook:correction_new", args=(objects.math.pk, 1)),
                          _correction_form(objects), [("evidence", filename, data) for filename, data in files])

    assert response.status_code == 200
    message = " ".join(response.context["errors"]["evidence"])
    assert_vietnamese(message)
    assert expect in message
    assert escape(response.context["errors"]["evidence"][0]) in page(response)
    assert snapshot(private_folders) == before


@pytest.mark.parametrize("reason, field_name", [("", "reason"), ("x" * 2001, "reason"), ("   ", "reason")])
def test_a_correction_without_a_fit_reason_is_refused_at_the_reason(reason, field_name, demo, client,
                                                                   private_folders):
    objects = Objects(demo)
    _lock_first_column(objects)
    client.force_login(objects.teacher)
    before = snapshot(private_folders)

    response = post_files(client, reverse("gradebook:correction_new", args=(objects.math.pk, 1)),
                          _correction_form(objects, reason), [("evidence", "bai.pdf", PDF)])

    assert response.status_code == 200
    assert_vietnamese(" ".join(response.context["errors"][field_name]))
    assert snapshot(private_folders) == before


@pytest.mark.parametrize("text", ["11", "mười", XSS, SQL, "=1+1", "1" * 200])
def test_a_correction_to_a_value_that_is_no_score_is_refused_at_the_cells(text, demo, client, private_folders):
    objects = Objects(demo)
    _lock_first_column(objects)
    client.force_login(objects.teacher)
    key = f"{objects.enrolment.pk}:tx:1"
    before = snapshot(private_folders)

    response = post_files(client, reverse("gradebook:correction_new", args=(objects.math.pk, 1)),
                          {**_correction_form(objects), f"new-{key}": text}, [("evidence", "bai.pdf", PDF)])

    assert response.status_code == 200
    assert_vietnamese(" ".join(response.context["errors"]["cells"]))
    assert XSS not in page(response)
    assert snapshot(private_folders) == before


# File names as a hostile client sends them: the stored file keeps a server-made name under its root, the
# name kept as data has no path, and the download's Content-Disposition is quoted and path-free.
HOSTILE_NAMES = [
    ("parent-path", "../../etc/passwd.pdf"),
    ("absolute-path", "/etc/passwd.pdf"),
    ("windows-path", "C:\\Windows\\System32\\evil.pdf"),
    ("nul-byte", "bai\x00.exe.pdf"),
    ("control-characters", "bai\r\nContent-Type: text/html\r\n.pdf"),
    ("very-long", "b" * 400 + ".pdf"),
    ("html", "<img src=x onerror=alert(1)>.pdf"),
]
# Django quotes a name (a quote or backslash escaped) or, beyond ASCII, percent-encodes it (RFC 5987).
SAFE_DISPOSITION = re.compile(
    r"""(inline|attachment); filename(="(?:[^"\\/\r\n]|\\["\\])*"|\*=utf-8''[A-Za-z0-9%._~!$&'()*+,;=:@-]+)""")


def _assert_safe_download(response) -> None:
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert SAFE_DISPOSITION.fullmatch(disposition), disposition
    assert ".." not in disposition and "/" not in disposition.split("filename", 1)[1]


def _assert_stored_under(root: Path, folder: str, before: set[Path]) -> list[Path]:
    new = [path for path in root.rglob("*") if path.is_file() and path not in before]
    assert new, "nothing was stored"
    for path in new:
        relative = path.relative_to(root)
        assert str(relative).startswith(f"media/{folder}/"), relative
        assert re.fullmatch(r"[\w.-]+", path.name, flags=re.ASCII), path.name
        assert len(str(path.relative_to(root / "media"))) <= 255
    return new


@pytest.mark.parametrize("name, filename", HOSTILE_NAMES, ids=[case[0] for case in HOSTILE_NAMES])
def test_a_hostile_document_file_name_never_becomes_a_path(name, filename, demo, client, private_folders):
    from eledger.models import Document

    objects = Objects(demo)
    seed_kinds(objects)
    client.force_login(objects.teacher)
    before = {path for path in private_folders.rglob("*")}

    response = post_files(client, reverse("eledger:create", args=("training_topic",)), {"title": ""},
                          [("file", filename, PDF)])

    assert_not_server_error(response)
    if response.status_code != 302:  # refused: a Vietnamese reason at the file field, and nothing stored
        assert_vietnamese(" ".join(response.context["form"].errors["file"]))
        assert {path for path in private_folders.rglob("*")} == before
        return
    document = Document.objects.filter(owner=objects.teacher).latest("pk")
    version = document.current_version
    assert not re.search(r"[/\\\x00-\x1f]", version.original_name + document.title)
    _assert_stored_under(private_folders, "eledger", before)
    _assert_safe_download(client.get(reverse("eledger:download", args=(document.pk, 1))))
    assert "<img src=x" not in page(client.get(reverse("eledger:detail", args=(document.pk,))))


@pytest.mark.parametrize("name, filename", HOSTILE_NAMES, ids=[case[0] for case in HOSTILE_NAMES])
def test_a_hostile_evidence_file_name_never_becomes_a_path(name, filename, demo, client, private_folders):
    from gradebook.models import CorrectionRequest

    objects = Objects(demo)
    _lock_first_column(objects)
    client.force_login(objects.teacher)
    before = {path for path in private_folders.rglob("*")}

    response = post_files(client, reverse("gradebook:correction_new", args=(objects.math.pk, 1)),
                          _correction_form(objects), [("evidence", filename, PDF)])

    assert_not_server_error(response)
    if response.status_code != 302:
        assert_vietnamese(" ".join(response.context["errors"]["evidence"]))
        assert {path for path in private_folders.rglob("*")} == before
        return
    request = CorrectionRequest.objects.latest("pk")
    evidence = request.evidence.get()
    assert not re.search(r"[/\\\x00-\x1f]", evidence.original_name)
    _assert_stored_under(private_folders, "corrections", before)
    _assert_safe_download(client.get(reverse("gradebook:correction_evidence", args=(request.pk, evidence.pk))))


# --- exports: a text cell never starts a formula -----------------------------------------------------------


FORMULAS = ["=HYPERLINK(\"http://x.invalid\",\"bấm\")", "+1+2", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1"]


def _formula_names(objects: Objects) -> dict[str, str]:
    """Give the first students of 6A1 names that spreadsheets would run as formulas; code -> name."""
    from gradebook.scores.services import CellInput, scores_save
    from schoolrecords import services

    board = objects.demo.user("board")
    enrolments = list(objects.demo.models.Enrolment.objects.filter(school_class=objects.class_6a1, status="studying")
                      .select_related("student").order_by("pk")[:len(FORMULAS)])
    for enrolment, name in zip(enrolments, FORMULAS, strict=True):
        services.student_save(actor=board, school=objects.demo.school, student=enrolment.student, full_name=name)
    result = scores_save(session="test-session", actor=objects.teacher, assignment=objects.math, term=objects.term1,
                         cells=[CellInput(enrolment.pk, "tx", 1, "7") for enrolment in enrolments])
    assert result.ok
    return {enrolment.student.code: name for enrolment, name in zip(enrolments, FORMULAS, strict=True)}


def test_the_grid_export_writes_formula_like_names_as_text(demo, client):
    from openpyxl import load_workbook

    objects = Objects(demo)
    names = _formula_names(objects)
    client.force_login(objects.teacher)

    response = client.get(reverse("gradebook:grid_export", args=(objects.math.pk, 1)))
    sheet = load_workbook(io.BytesIO(response.content)).active

    written = {row[1].value: row[2] for row in sheet.iter_rows(min_row=11) if row[1].value in names}
    assert set(written) == set(names)
    for code, cell in written.items():
        assert cell.data_type == "s"
        assert cell.value.replace("\r", "\n") == ("'" + names[code]).replace("\r", "\n")  # XML reads CR as LF
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    _assert_safe_download(response)


def test_the_import_templates_hold_no_formula(demo, client):
    from openpyxl import load_workbook

    from schoolrecords.text import FORMULA_PREFIXES

    client.force_login(demo.user("board"))
    xlsx, csv_file = (client.get(reverse("setup:import_template", args=(fmt,))) for fmt in ("xlsx", "csv"))
    workbook = load_workbook(io.BytesIO(xlsx.content))
    text = csv_file.content.decode("utf-8-sig")
    _assert_safe_download(xlsx)
    _assert_safe_download(csv_file)

    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells and all(cell.data_type != "f" for cell in cells)
    assert not any(isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES) for cell in cells)
    values = [value for row in csv.reader(io.StringIO(text)) for value in row]
    assert values and not any(value.startswith(FORMULA_PREFIXES) for value in values)


def test_the_archive_snapshot_and_zip_manifest_write_formula_like_text_with_an_apostrophe(demo, client):
    from archive import services as archive
    from archive import storage
    from schoolrecords import services

    objects = Objects(demo)
    names = _formula_names(objects)
    clerk = services.staff_create(actor=services.system_user(), school=demo.school, username="@van_thu",
                                  full_name="-Văn thư", password="mat-khau-van-thu-2026", role_names=["clerk"],
                                  must_change_password=False).user

    document = archive.snapshot_take(actor=clerk, term=objects.term1, key="request:formula")
    with open(storage.absolute(document.path), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    client.force_login(clerk)
    response = client.get(reverse("archive:zip_year", args=(objects.year.pk,)))
    _assert_safe_download(response)
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archived:
        manifest = list(csv.DictReader(io.StringIO(archived.read("MANIFEST.csv").decode("utf-8-sig"))))

    snapshot_names = {row["student_code"]: row["full_name"] for row in rows if row["student_code"] in names}
    assert snapshot_names == {code: "'" + name for code, name in names.items()}
    assert [row["made_by"] for row in manifest if row["kind"] == "snapshot"] == ["'@van_thu"]
    for value in [value for row in rows + manifest for value in row.values()]:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), value
