"""The access matrix: every URL of the URL conf × every demo role × own / a colleague's / the other school's object.

Each page has a row in MATRIX giving, per role, the status a GET (and a POST, for pages that
change state, sent with empty or minimal data) must answer for each of its objects. A URL
that has no row fails the test, and so does a row whose URL is gone, so no new page escapes.
The Django admin is covered by rules over its registry ("the Django admin, by rule" below), so
a newly registered model's pages are checked without a new row.

Besides the status, every GET and every refused request must write nothing to the database
(the session and django-axes's own tables aside): a GET that changes state, or a refused POST
that changes something before refusing, fails here too. And every 403 and every 404 of an
existing object (another school's, or one the user may not see) must be logged as a refusal.
"""

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

# --- who and what ---------------------------------------------------------------------------------

# "gv_gdcd" is a plain subject teacher: no homeroom class, no department to head, nothing of
# teacher_math's. "other_teacher" teaches at the other school (tests/conftest.build_other_school).
ROLES = ("anonymous", "principal", "vice", "board", "clerk", "head_math", "teacher_math", "homeroom_6a1", "gv_gdcd",
         "other_teacher")
ROLE_HEADER = "anon prin vice board clerk head tmath home plain other"

# What each letter of an expected-status group means. "l" is the login page (the site's, or the
# admin's for admin URLs) with ?next=; "r" any other redirect.
STATUS = {"o": 200, "r": 302, "l": 302, "b": 400, "u": 401, "d": 403, "n": 404, "x": 405}
REFUSED = set("ldnxu")

# The objects a URL's arguments are built from. "own": teacher_math's (the 6A1 Toán assignment,
# their correction request, document, lock, profile); for classes homeroom_6a1's 6A1 (and their
# homeroom correction request of it), for departments head_math's Toán - Tin. "other": a
# colleague's in the same school (gv_tin teaches Tin in 6A1 and belongs to Toán - Tin; class 8A1,
# and its homeroom teacher gv_van2's request; department Ngữ văn). "foreign": the other school's.
# Families with no owner inside the school compare "ours" with "foreign"; a URL without an
# object has one letter per role.
THREE = ("own", "other", "foreign")
ONE = ("-",)


# --- the world every request is tried against -------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class World:
    """The demo school plus, built through the services, what the demo lacks: scores, locks, approved
    correction requests with evidence, pending homeroom correction requests, windows, exemptions,
    documents, archived files and batches, and the other school with the same."""

    def __init__(self):
        from archive import jobs as archive_jobs
        from archive import services as archive_services
        from archive.models import Kind, Mode
        from eledger import services as eledger_services
        from eledger.models import DocumentKind
        from gradebook.corrections import delegation
        from gradebook.corrections import services as corrections
        from gradebook.corrections.services import ChangeInput
        from gradebook.homeroom import services as homeroom_services
        from gradebook.models import Score
        from gradebook.results import services as results_services
        from gradebook.scores.services import CellInput, scores_save
        from gradebook.windows import services as locks
        from schoolrecords import models as sm
        from schoolrecords import services
        from tests.conftest import Demo, build_other_school
        from tests.eledger.conftest import tiny_pdf

        system = services.system_user()
        demo = Demo()
        other = build_other_school()
        services.password_changed(user=other["teacher"])
        self.demo, self.other = demo, other
        user = demo.user
        self.users = {name: user(name) for name in ROLES if name not in ("anonymous", "other_teacher")}
        self.users["other_teacher"] = other["teacher"]
        self.superuser = get_user_model().objects.create_superuser("matrix_admin", "", "matrix-admin-2026")

        terms = {number: demo.year.terms.get(number=number) for number in (1, 2)}
        foreign_terms = {number: other["year"].terms.get(number=number) for number in (1, 2)}
        assignments = {"own": demo.assignment("6A1", "toan"), "other": demo.assignment("6A1", "tin"),
                       "foreign": other["assignment"]}
        teachers = {"own": user("teacher_math"), "other": user("gv_tin"), "foreign": other["teacher"]}
        classes = {"own": demo.school_class("6A1"), "other": demo.school_class("8A1"), "foreign": other["school_class"]}
        enrolments = {name: sm.Enrolment.objects.filter(school_class=classes[name]).order_by("pk").first()
                      for name in THREE}  # the first student of each class

        # The other school's admin board member and vice principal: the minutes name a witness, the
        # principal delegates to a vice principal.
        foreign_staff = {role: services.staff_create(
            actor=system, school=other["school"], username=f"other_{role}", full_name=f"Người Khác {number}",
            password="another-pass-2026", role_names=[role]).user
            for number, role in enumerate(("admin_board", "vice_principal"))}
        # A pending homeroom correction request per homeroom teacher: 6A1's by homeroom_6a1, 8A1's by gv_van2, the
        # other school's class's by other_teacher. Built first, before any score of the world: a request needs its
        # class's term approved, and approving needs every score cell and conduct of the term.
        homeroom_requests = {
            name: self._homeroom_request(classes[name], foreign_terms[1] if name == "foreign" else terms[1],
                                         principal=system if name == "foreign" else user("principal"))
            for name in THREE}
        # Scores, a locked column and an approved correction request per teacher.
        requests, scores_locks = {}, {}
        tx = Score.Kind.REGULAR
        for name in THREE:
            assignment, teacher = assignments[name], teachers[name]
            enrolment = sm.Enrolment.objects.filter(school_class=assignment.school_class).order_by("pk").first()
            term = foreign_terms[1] if name == "foreign" else terms[1]
            result = scores_save(session="test-session", actor=teacher, assignment=assignment, term=term,
                                 cells=[CellInput(enrolment.pk, tx, 1, "6")])
            assert result.ok, result.problems
            scores_locks[name] = locks.column_lock(actor=teacher, assignment=assignment, term=term, kind=tx, index=1)
            request = corrections.correction_submit(
                actor=teacher, assignment=assignment, term=term, changes=[ChangeInput(enrolment.pk, tx, 1, "8")],
                reason="Typed 6 instead of 8", files=[SimpleUploadedFile("bai-kiem-tra.pdf", PDF)])
            decider = system if name == "foreign" else user("principal")
            witness = foreign_staff["admin_board"] if name == "foreign" else user("board")
            requests[name] = corrections.correction_approve(actor=decider, request=request, note="", witness=witness)
        delegations = {
            "ours": delegation.delegation_grant(actor=user("principal"), year=demo.year, delegate=user("vice"),
                                                starts_on=demo.year.start_date),
            "foreign": delegation.delegation_grant(actor=system, year=other["year"],
                                                   delegate=foreign_staff["vice_principal"],
                                                   starts_on=other["year"].start_date),
        }

        windows = {
            "ours": locks.window_create(actor=user("board"), term=terms[2], opens_at=timezone.now(),
                                        closes_at=timezone.now() + datetime.timedelta(days=30)),
            "foreign": locks.window_create(actor=system, term=foreign_terms[2], opens_at=timezone.now(),
                                           closes_at=timezone.now() + datetime.timedelta(days=30)),
        }
        exemptions = {
            "own": results_services.exemption_create(actor=user("principal"), enrolment=enrolments["own"],
                                                     subject=demo.subject("gdtc"), term=None, reason="Giấy khám"),
            "other": results_services.exemption_create(actor=user("principal"), enrolment=enrolments["other"],
                                                       subject=demo.subject("gdtc"), term=None, reason="Giấy khám"),
            "foreign": results_services.exemption_create(actor=system, enrolment=enrolments["foreign"],
                                                         subject=other["subject"], term=foreign_terms[2],
                                                         reason="Giấy khám"),
        }
        from gradebook.plans.services import plan_save  # noqa: PLC0415

        # A draft individual education plan of each class's first student: by 6A1's homeroom teacher, by the board
        # for 8A1, by the other school's homeroom teacher; the principal approves drafts of their school.
        for name, drafter in (("own", user("homeroom_6a1")), ("other", user("board")), ("foreign", other["teacher"])):
            plan_save(actor=drafter, student=enrolments[name].student, year=classes[name].year, modes={})
        homeroom_services.homeroom_save(actor=user("homeroom_6a1"), school_class=classes["own"], term=terms[1],
                                       entries=[homeroom_services.HomeroomEntry(enrolments["own"].pk, conduct="tot")])

        departments = {
            "own": sm.Department.objects.get(school=demo.school, head=user("head_math")),
            "other": sm.Department.objects.get(school=demo.school, head=user("gv_van2")),
            "foreign": services.department_save(actor=system, school=other["school"], name="Tổ Toán"),
        }

        eledger_services.document_kinds_seed(actor=system, school=other["school"])
        eledger_services.document_settings_save(actor=user("board"), school=demo.school, refuse_late_uploads=False,
                                                days_before=3)
        documents = {}
        for name in THREE:
            kind = DocumentKind.objects.get(school=teachers[name].profile.school, code="training_report")
            documents[name] = eledger_services.document_create(
                actor=teachers[name], kind=kind, content=SimpleUploadedFile("bao-cao.pdf", tiny_pdf()),
                filename="bao-cao.pdf", title="Báo cáo BDTX học kì I", submit=True)
        kinds = {"ours": DocumentKind.objects.get(school=demo.school, code="training_report"),
                 "foreign": DocumentKind.objects.get(school=other["school"], code="training_report")}

        archived = {"ours": archive_services.snapshot_take(actor=user("clerk"), term=terms[1], key="matrix"),
                    "foreign": archive_services.snapshot_take(actor=system, term=foreign_terms[1],
                                                              key="matrix-foreign")}
        batches = {
            "ours": archive_jobs.batch_start(actor=user("clerk"), year=demo.year, term_number=1, kind=Kind.SUMMARY,
                                                 mode=Mode.AD_HOC, classes=[classes["own"]], dispatch=False),
            "foreign": archive_jobs.batch_start(actor=system, year=other["year"], term_number=1,
                                                    kind=Kind.SUMMARY, mode=Mode.AD_HOC, dispatch=False),
        }

        # A signing batch of each signer (the worker's progress is the signer's own to follow); its one
        # document is still waiting, so the progress answers 200 (a finished batch stops the polling with 286).
        from archive.models import SigningBatch, SigningRole  # noqa: PLC0415

        signing_batches = {
            name: SigningBatch.objects.create(
                school=classes[name].year.school, school_class=classes[name], term=foreign_terms[1] if name == "foreign"
                else terms[1], kind=Kind.REPORT_CARD, role=SigningRole.SUBJECT_TEACHERS, requested_by=teachers[name],
                total=1)
            for name in THREE}

        from gradebook.remarks import services as remarks_services  # noqa: PLC0415

        # A personal phrase of each teacher's comment bank: another teacher's is a 404 like another school's.
        phrases = {name: remarks_services.phrase_create(actor=teachers[name], text=f"Câu mẫu của {name}")
                   for name in THREE}

        from gradebook.progress import services as progress_services  # noqa: PLC0415

        # An entry reminder to each teacher (an unread card on their home page), and a monthly record of entry
        # progress per school: a reminder is its teacher's only, a record the leadership's of its school.
        reminders = {
            "own": progress_services.reminder_send(actor=user("vice"), teacher=teachers["own"], term_number=2),
            "other": progress_services.reminder_send(actor=user("vice"), teacher=teachers["other"], term_number=2),
            "foreign": progress_services.reminder_send(actor=system, teacher=teachers["foreign"], term_number=2),
        }
        month = datetime.date(demo.year.start_date.year, demo.year.start_date.month, 1)
        progress_records = {
            "ours": progress_services.progress_record_take(actor=system, school=demo.school, month=month),
            "foreign": progress_services.progress_record_take(actor=system, school=other["school"], month=datetime.date(
                other["year"].start_date.year, other["year"].start_date.month, 1)),
        }

        from tests.schoolrecords.test_photos import png  # noqa: PLC0415

        services.student_photo_set(actor=user("board"), student=enrolments["own"].student, content=png(60, 80))
        services.student_photo_set(actor=system, student=enrolments["foreign"].student, content=png(60, 80))

        # A publication of term I for 6A1 and for the other school's class (its withdrawal is a POST).
        from families.models import Publication  # noqa: PLC0415

        publications = {
            name: services.record(Publication(school_class=classes[name], term=(foreign_terms if name == "foreign"
                                                                                 else terms)[1],
                                              published_by=user("principal") if name == "own" else system),
                                  actor=system, reason="matrix")
            for name in ("own", "foreign")}
        from families.models import Guardianship, Notice, Parent  # noqa: PLC0415

        # A parent's account linked to the first student of each class (whose account staff may close).
        self.parents = {}
        for number, name in enumerate(THREE):
            account = get_user_model().objects.create_user(f"09123400{number}0", password="bo-me-2026")
            parent = services.record(Parent(user=account, full_name=f"Phụ Huynh {number}", phone=account.username),
                                     actor=system, reason="matrix")
            self.parents[name] = parent
            services.record(Guardianship(parent=parent, student=enrolments[name].student, relation="mother"),
                            actor=system, reason="matrix")

        notices = {name: services.record(Notice(
            school=school_class.year.school, year=school_class.year, audience="class", school_class=school_class,
            title="Họp phụ huynh", body="Chủ nhật", author=user("principal") if name == "ours" else other["teacher"],
            state="waiting"), actor=system, reason="matrix")
            for name, school_class in (("ours", classes["own"]), ("foreign", classes["foreign"]))}
        from families.models import NoticeReceipt  # noqa: PLC0415

        # The receipts of a notice: the 6A1 parent's own, and another parent's (of the other school's class).
        self.receipts = {name: services.record(NoticeReceipt(
            notice=notices[notice], parent=self.parents[parent], student=enrolments[parent].student),
            actor=system, reason="matrix") for name, notice, parent in (("own", "ours", "own"),
                                                                       ("foreign", "foreign", "foreign"))}
        from archive.models import InspectionShare  # noqa: PLC0415

        # An inspector's access to each school's year archive (open this week), shared by its principal.
        today = timezone.localdate()
        shares = {name: services.record(InspectionShare(
            school=year.school, year=year, scope="year", inspector_name="Phạm Thu Hà", organisation="Phòng GD&ĐT",
            starts_on=today, ends_on=today + datetime.timedelta(days=6), token_hash=f"{number}" * 64,
            purpose="Kiểm tra", created_by=user("principal") if name == "ours" else system), actor=system,
            reason="matrix") for number, (name, year) in enumerate((("ours", demo.year), ("foreign", other["year"])))}
        # A link that was open last month and is over (its token known, as the inspector holds it).
        from archive.inspection.services import token_hash  # noqa: PLC0415

        self.expired_token = "het-han-thang-truoc-matrix"
        services.record(InspectionShare(
            school=demo.school, year=demo.year, scope="year", inspector_name="Phạm Thu Hà",
            organisation="Phòng GD&ĐT", starts_on=today - datetime.timedelta(days=40),
            ends_on=today - datetime.timedelta(days=10), token_hash=token_hash(self.expired_token),
            purpose="Kiểm tra", created_by=user("principal")), actor=system, reason="matrix")
        # A parent of two children (6A1's first student and the other school's), as siblings in two schools are.
        sibling = services.record(Parent(user=get_user_model().objects.create_user("0912340090", password="bo-me-2026"),
                                         full_name="Phụ Huynh Hai Con", phone="0912340090"), actor=system,
                                  reason="matrix")
        for name in ("own", "foreign"):
            services.record(Guardianship(parent=sibling, student=enrolments[name].student, relation="father"),
                            actor=system, reason="matrix")
        self.parents["sibling"] = sibling
        self.objects: dict[str, dict[str, object]] = {
            "share": shares,
            "publication": {"ours": publications["own"], "foreign": publications["foreign"]},
            "notice": notices,
            "assignment": assignments,
            "teacher": teachers,
            "class": classes,
            "correction": requests,
            "homeroom_correction": homeroom_requests,
            "lock": scores_locks,
            "exemption": exemptions,
            "department": departments,
            "profile": {name: teacher.profile for name, teacher in teachers.items()},
            "document": documents,
            "year": {"ours": demo.year, "foreign": other["year"]},
            "term": {"ours": terms[1], "foreign": foreign_terms[1]},
            "enrolment": {"ours": enrolments["own"], "foreign": enrolments["foreign"]},
            "student": {"ours": enrolments["own"].student, "foreign": enrolments["foreign"].student},
            "subject": {"ours": demo.subject("toan"), "foreign": other["subject"]},
            "window": windows,
            "kind": kinds,
            "archived": archived,
            "batch": batches,
            "signing_batch": signing_batches,
            "delegation": delegations,
            "phrase": phrases,
            "reminder": reminders,
            "progress_record": progress_records,
        }
        self.sessions = {name: self._session(each) for name, each in self.users.items()}
        self.sessions["superuser"] = self._session(self.superuser)
        self.sessions["parent"] = self._session(self.parents["own"].user)  # the parent of 6A1's first student
        self.sessions["parent_of_8a1"] = self._session(self.parents["other"].user)  # another family of the school
        self.sessions["parent_of_two"] = self._session(sibling.user)
        self._client = Client()
        self._axes_rows()

    @staticmethod
    def _homeroom_request(school_class, term, *, principal):
        """A conduct correction filed by the class's homeroom teacher for ``term``, waiting for the leadership.

        The term is completed (every required score cell through scores_save, every conduct through
        homeroom_save) and approved, the request filed, and the approval then withdrawn again
        (approval_reopen, as an applied correction withdraws it), so that the other rows see the term
        open, as before; the request stays pending.
        """
        from gradebook import assessment
        from gradebook.corrections import homeroom as hc
        from gradebook.homeroom.services import HomeroomEntry, homeroom_save
        from gradebook.models import HomeroomCorrection, Score
        from gradebook.results.compute import in_class_at_end
        from gradebook.results.services import approval_reopen, results_approve
        from gradebook.scores.services import CellInput, scores_save
        from schoolrecords import models as sm

        due = [enrolment for enrolment in sm.Enrolment.objects.filter(school_class=school_class).order_by("pk")
               if in_class_at_end(enrolment, term)]
        periods = dict(sm.GradeSubject.objects.filter(year_id=school_class.year_id, grade=school_class.grade)
                       .values_list("subject_id", "periods_per_year"))
        for assignment in (sm.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True)
                           .select_related("subject", "teacher")):
            slots = [(Score.Kind.REGULAR, index)
                     for index in range(1, assessment.regular_assessment_count(periods[assignment.subject_id]) + 1)]
            slots += [(Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]
            text = "Đ" if assignment.subject.is_commented else "6"  # the world's own scores below are 6: unchanged
            result = scores_save(session="test-session", actor=assignment.teacher, assignment=assignment, term=term,
                                 cells=[CellInput(enrolment.pk, kind, index, text)
                                        for enrolment in due for kind, index in slots])
            assert result.ok, result.problems[:3]
        homeroom = school_class.homeroom_teacher
        homeroom_save(actor=homeroom, school_class=school_class, term=term,
                      entries=[HomeroomEntry(enrolment.pk, conduct="tot") for enrolment in due])
        results_approve(actor=principal, school_class=school_class, term=term)
        request = hc.homeroom_correction_submit(
            actor=homeroom, school_class=school_class, enrolment_id=due[0].pk, field=HomeroomCorrection.Field.CONDUCT,
            term=term, shown="tot", new="kha", reason="Ghi nhầm khi nhập",
            evidence=SimpleUploadedFile("bien-ban.pdf", PDF, "application/pdf"))
        approval_reopen(actor=principal, school_class=school_class, term=term, reason="Kiểm tra lại")
        return request

    @staticmethod
    def _session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    @staticmethod
    def _axes_rows() -> None:
        """A failed and a successful log-in, so django-axes's admin pages have rows to show."""
        from seed.demo import DEMO_PASSWORD

        Client().post(reverse("login"), {"username": "nobody", "password": "wrong-password"})
        Client().post(reverse("login"), {"username": "clerk", "password": DEMO_PASSWORD})

    def variants(self, family: str | None) -> tuple[str, ...]:
        return ONE if family is None else tuple(self.objects[family])

    def client(self, role: str) -> Client:
        """The one test client (a new one would load the middleware again), holding only ``role``'s session."""
        self._client.cookies = SimpleCookie()
        if role != "anonymous":
            self._client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return self._client


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction that is rolled back at its end (tests nest savepoints)."""
    root = tmp_path_factory.mktemp("matrix")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=root / "media", ARCHIVE_ROOT=root / "archive"):
        with transaction.atomic():
            yield World()
            transaction.set_rollback(True)


# --- one request -------------------------------------------------------------------------------------

# The public verification page logs every question asked of it (its rate limit counts them), as axes logs log-ins.
# So does an inspector's link (archive_shareaccess: every view and download, for the principal to see).
IGNORED_TABLES = ("django_session", "axes_", "archive_verificationattempt", "archive_shareaccess")


class WriteWatch:
    """Notes the INSERT / UPDATE / DELETE statements run, outside the session's and django-axes's tables."""

    def __init__(self):
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        head = sql.lstrip()[:6].upper()
        if head in ("INSERT", "UPDATE", "DELETE") and not any(table in sql for table in IGNORED_TABLES):
            self.writes.append(sql[:160])
        return execute(sql, params, many, context)


class RefusalWatch(logging.Handler):
    """Counts the refusals the site logs (schoolrecords.signals.log_refusal)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.refusals = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("refused "):
            self.refusals += 1


@dataclass
class Outcome:
    status: int
    location: str
    writes: list[str]
    refusals: int = 0  # refusal lines logged


def send(world: World, role: str, method: str, url: str, data=None, content_type: str | None = None) -> Outcome:
    """One request as ``role``, in a savepoint rolled back afterwards, so every request sees the same world."""
    client = world.client(role)
    watch, refusals = WriteWatch(), RefusalWatch()
    security = logging.getLogger("schoolrecords.security")
    security.addHandler(refusals)
    with connection.execute_wrapper(watch), transaction.atomic():
        if method == "GET":
            response = client.get(url, data or {})
        elif content_type:
            response = client.post(url, data, content_type=content_type)
        else:
            response = client.post(url, data or {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # the test client closes the response at the end
        transaction.set_rollback(True)
    security.removeHandler(refusals)
    return Outcome(response.status_code, response.get("Location", ""), watch.writes, refusals.refusals)


def letter_of(outcome: Outcome, *, admin_login: bool = False) -> str:
    """The matrix letter an outcome shows ("?" for a status the legend has no letter for)."""
    if outcome.status == 302:
        parts = urlsplit(outcome.location)
        login = reverse("admin:login") if admin_login else reverse("login")
        return "l" if parts.path == login and "next" in parse_qs(parts.query) else "r"
    return next((letter for letter, status in STATUS.items() if status == outcome.status and letter not in "lr"),
                f"?{outcome.status}")


def check(world: World, role: str, method: str, url: str, expected: str, *, data=None, content_type=None,
          admin_login: bool = False, logged: bool = False) -> tuple[str, list[str]]:
    """Send one request; the letter seen, and what is wrong with it (empty when all is well).

    ``logged``: the object exists, so a 403 or 404 is a refusal and must be in the security log.
    """
    outcome = send(world, role, method, url, data, content_type)
    seen = letter_of(outcome, admin_login=admin_login)
    problems = []
    if seen != expected:
        problems.append(f"{method} {url} as {role}: expected {expected} ({STATUS.get(expected)}), "
                        f"got {seen} ({outcome.status} {outcome.location})")
    if outcome.writes and (method == "GET" or seen in REFUSED):
        problems.append(f"{method} {url} as {role} ({outcome.status}) wrote to the database: {outcome.writes}")
    if logged and seen in ("d", "n") and seen == expected and not outcome.refusals:
        problems.append(f"{method} {url} as {role} ({outcome.status}) was refused without a line in the security log")
    return seen, problems


# --- the matrix ----------------------------------------------------------------------------------------


def _pk(obj) -> dict:
    return {"pk": obj.pk}


@dataclass(frozen=True)
class Row:
    """One URL: where its arguments come from and the statuses each role must get.

    ``get`` / ``post``: one group per role in ROLES order (ROLE_HEADER), one letter per object
    variant of ``family`` (own, other, foreign; ours, foreign; or one). ``post`` None: the
    page changes nothing, so only GET is tried.
    """

    family: str | None
    get: str
    post: str | None = None
    kwargs: Callable[[object], dict] = _pk
    query: Callable[[object], dict] | None = None  # for the GET
    query_posted: bool = False  # the query is part of the page's address: its form posts back to it, query included
    json: Callable[[object], dict] | None = None  # the POST's body, for a JSON view; else the POST is empty

    def groups(self, method: str) -> list[str]:
        return (self.get if method == "GET" else self.post).split()


def _none(_obj) -> dict:
    return {}


def _assignment(obj) -> dict:
    return {"assignment_id": obj.pk, "term": 1}


def _period(obj) -> dict:
    return {"pk": obj.pk, "period": 1}


def _period_of_assignment(obj) -> dict:
    return {"assignment_id": obj.pk, "period": 1}


def _month(obj) -> dict:
    from seed.demo import demo_year

    return {"pk": obj.pk, "year": demo_year().on(10, 1).year, "month": 10}  # October of the demo's year


def _year_id(obj) -> dict:
    return {"year_id": obj.pk}


def _exemption(obj) -> dict:
    return {"pk": obj.enrolment.school_class_id, "exemption_pk": obj.pk}


def _plan(obj) -> dict:
    """A class's first student's plan (the world drafts one per class)."""
    from schoolrecords.models import Enrolment

    return {"pk": obj.pk, "student_pk": Enrolment.objects.filter(school_class=obj).order_by("pk").first().student_id}


def _evidence(obj) -> dict:
    return {"pk": obj.pk, "evidence_id": obj.evidence.get().pk}


def _log(obj) -> dict:
    today = timezone.localdate()
    return {"user_id": obj.pk, "year": today.year, "month": today.month}


def _department_log(obj) -> dict:
    today = timezone.localdate()
    return {"department_id": obj.pk, "year": today.year, "month": today.month}


def _history_query(obj) -> dict:
    from schoolrecords.models import Enrolment

    enrolment = Enrolment.objects.filter(school_class_id=obj.school_class_id).order_by("pk").first()
    return {"enrolment": enrolment.pk, "column": "tx1"}


def _homeroom_target(obj) -> dict:
    """What the approved sheet's "Request a correction" link names: the conduct of the class's first student, term I."""
    from schoolrecords.models import Enrolment

    enrolment = Enrolment.objects.filter(school_class=obj).order_by("pk").first()
    return {"field": "conduct", "enrolment": enrolment.pk, "period": 1}


def _grid_cell(obj) -> dict:
    from schoolrecords.models import Enrolment

    enrolment = Enrolment.objects.filter(school_class_id=obj.school_class_id).order_by("pk").first()
    return {"source": "typed", "cells": [{"enrolment": enrolment.pk, "kind": "tx", "index": 2, "text": "5"}]}


def _point(obj) -> dict:
    return {"assignment_id": obj.pk, "point": "ck1"}


def _primary_cell(obj) -> dict:
    from schoolrecords.models import Enrolment

    enrolment = Enrolment.objects.filter(school_class_id=obj.school_class_id).order_by("pk").first()
    return {"source": "typed", "cells": [{"enrolment": enrolment.pk, "kind": "level", "index": 1, "text": "T"}]}


def _primary_history_query(obj) -> dict:
    return {**_history_query(obj), "column": "level"}


def _parent_of_class(school_class) -> int:
    from families.models import Parent  # noqa: PLC0415

    return Parent.objects.filter(links__student__enrolments__school_class=school_class).values_list(
        "pk", flat=True).first()


# One group per role, in this order; one letter per object (see STATUS and THREE above):
#   anon prin vice board clerk head tmath home plain other
MATRIX: dict[str, Row] = {
    # the families' pages (issue 18): a staff account is not a parent's; tests/families checks the parents'
    "families:home": Row(None, "l d d d d d d d d d", kwargs=_none),
    "families:join": Row(None, "o r r r r r r r r r", "o r r r r r r r r r", kwargs=_none),
    "families:child_add": Row(None, "l d d d d d d d d d", "l d d d d d d d d d", kwargs=_none),
    "families:child": Row("student", "ll dd dd dd dd dd dd dd dd dd", kwargs=lambda o: {"student_id": o.pk}),
    "families:class_families": Row("class", "lll oon oon oon ddn ddn ddn odn ddn nno",
                                   "lll ddn ddn rrn ddn ddn ddn rdn ddn nnr", kwargs=lambda o: {"class_id": o.pk}),
    "families:parent_close": Row("class", "lll oon oon oon ddn ddn ddn odn ddn nno",
                                 "lll bbn bbn bbn ddn ddn ddn bdn ddn nnb", kwargs=lambda o: {
                                     "class_id": o.pk, "parent_id": _parent_of_class(o)}),
    "families:publications": Row(None, "l r r d d d d d d d", kwargs=_none),
    "families:publications_year": Row("year", "ll on on dn dn dn dn dn dn nd", "ll rn rn dn dn dn dn dn dn nd",
                                      kwargs=lambda o: {"year_id": o.pk}),
    "families:class_slips": Row("class", "lll ddn ddn oon ddn ddn ddn odn ddn nno",
                                "lll ddn ddn rrn ddn ddn ddn rdn ddn nnr",
                                kwargs=lambda o: {"class_id": o.pk, "term_number": 1, "occasion": "mid"}),
    "families:notices": Row(None, "l d d d d d d d d d", kwargs=_none),
    "families:notice": Row(None, "l d d d d d d d d d", "l d d d d d d d d d", kwargs=lambda _o: {"pk": 1}),
    "families:staff_notices": Row(None, "l o o d d d d o d o", "l o o d d d d o d o", kwargs=_none),
    "families:staff_notice": Row("notice", "ll on on dn dn dn dn dn dn no", "ll on on dn dn dn dn dn dn no"),
    "families:withdraw": Row("publication", "ll xx xx xx xx xx xx xx xx xx", "ll rn rn dn dn dn dn dn dn nd"),
    # the site's own pages
    "home": Row(None, "l o o o o o o o o o", kwargs=_none),
    "login": Row(None, "o r r r r r r r r r", "o r r r r r r r r r", kwargs=_none),
    "logout": Row(None, "x x x x x x x x x x", "r r r r r r r r r r", kwargs=_none),
    "password_change": Row(None, "l o o o o o o o o o", "l o o o o o o o o o", kwargs=_none),
    "password_change_done": Row(None, "l o o o o o o o o o", kwargs=_none),
    "favicon": Row(None, "r r r r r r r r r r", kwargs=_none),
    "set_language": Row(None, "r r r r r r r r r r", "r r r r r r r r r r", kwargs=_none),
    "class_detail": Row("class", "lll oon oon oon oon don odn odn oon nno"),
    # the admin board's set-up: the role is checked first, so a teacher gets a 403 before any object is looked up
    "setup:index": Row(None, "l d d o d d d d d d", kwargs=_none),
    "setup:year_list": Row(None, "l d d o d d d d d d", "l d d o d d d d d d", kwargs=_none),
    "setup:year_edit": Row("year", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    "setup:periods": Row("year", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    "setup:drafts": Row("year", "ll dd dd on dd dd dd dd dd dd", "ll dd dd rn dd dd dd dd dd dd"),
    "setup:class_list": Row("year", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    "setup:class_edit": Row("class", "lll ddd ddd oon ddd ddd ddd ddd ddd ddd",
                            "lll ddd ddd oon ddd ddd ddd ddd ddd ddd"),
    # an empty post names neither save nor reset: the page again, nothing written
    "setup:class_subjects": Row("class", "lll ddd ddd oon ddd ddd ddd ddd ddd ddd",
                                "lll ddd ddd oon ddd ddd ddd ddd ddd ddd"),
    "setup:enrolment_end": Row("enrolment", "ll xx xx xx xx xx xx xx xx xx", "ll dd dd rn dd dd dd dd dd dd"),
    "setup:student_edit": Row("student", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    # an empty post names no movement: the page says so and sends the board back to the student
    "setup:student_movement": Row("student", "ll xx xx xx xx xx xx xx xx xx", "ll dd dd rn dd dd dd dd dd dd"),
    "gradebook:earlier_results": Row("enrolment", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    "setup:movements": Row("year", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    "archive:progress_record": Row("progress_record", "ll on on dn dn dn dn dn dn nd"),
    "archive:registration_book": Row("year", "ll on on on on dn dn dn dn nd", "ll xx xx xx xx xx xx xx xx xx",
                                     kwargs=_pk),
    "setup:student_photo": Row("student", "ll dd dd on dd dd dd dd dd dd", "ll xx xx xx xx xx xx xx xx xx"),
    "setup:student_photo_upload": Row("student", "ll xx xx xx xx xx xx xx xx xx", "ll dd dd on dd dd dd dd dd dd"),
    "setup:class_photos": Row("class", "lll ddd ddd oon ddd ddd ddd ddd ddd ddd",
                              "lll ddd ddd oon ddd ddd ddd ddd ddd ddd"),
    "setup:subject_list": Row(None, "l d d o d d d d d d", "l d d o d d d d d d", kwargs=_none),
    "setup:subject_edit": Row("subject", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    "setup:import": Row("year", "ll dn dn on dn dn dn dn dn nd", "ll dn dn on dn dn dn dn dn nd", kwargs=_year_id),
    "setup:import_template": Row(None, "l d d o d d d d d d", kwargs=lambda _obj: {"fmt": "xlsx"}),
    # the sector database exchange: the board and the office download, only the board imports
    "setup:sector": Row("year", "ll dn dn on on dn dn dn dn nd", "ll dn dn on dn dn dn dn dn nd", kwargs=_year_id),
    "setup:sector_students": Row("year", "ll dn dn on on dn dn dn dn nd", kwargs=_year_id),
    "setup:staff_list": Row(None, "l d d o d d d d d d", kwargs=_none),
    "setup:staff_create": Row(None, "l d d o d d d d d d", "l d d o d d d d d d", kwargs=_none),
    "setup:staff_edit": Row("profile", "lll ddd ddd oon ddd ddd ddd ddd ddd ddd",
                            "lll ddd ddd oon ddd ddd ddd ddd ddd ddd"),
    "setup:staff_password": Row("profile", "lll ddd ddd oon ddd ddd ddd ddd ddd ddd",
                                "lll ddd ddd oon ddd ddd ddd ddd ddd ddd"),
    "setup:staff_deactivate": Row("profile", "lll ddd ddd oon ddd ddd ddd ddd ddd ddd",
                                  "lll ddd ddd oon ddd ddd ddd ddd ddd ddd"),
    "setup:staff_reactivate": Row("profile", "lll ddd ddd rrn ddd ddd ddd ddd ddd ddd",
                                  "lll ddd ddd rrn ddd ddd ddd ddd ddd ddd"),
    "setup:department_list": Row(None, "l d d o d d d d d d", "l d d o d d d d d d", kwargs=_none),
    "setup:department_edit": Row("department", "lll ddd ddd oon ddd ddd ddd ddd ddd ddd",
                                 "lll ddd ddd oon ddd ddd ddd ddd ddd ddd"),
    # the score grid
    "gradebook:grid": Row("assignment", "lll oon oon ddn ddn oon odn oon ddn nno", kwargs=_assignment),
    "gradebook:grid_save": Row("assignment", "xxx xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                               "uuu ddn ddn ddn ddn ddn odn ddn ddn nno", kwargs=_assignment, json=_grid_cell),
    "gradebook:grid_history": Row("assignment", "lll oon oon ddn ddn oon odn oon ddn nno", kwargs=_assignment,
                                  query=_history_query),
    "gradebook:grid_export": Row("assignment", "lll oon oon ddn ddn oon odn oon ddn nno", kwargs=_assignment),
    "gradebook:grid_import": Row("assignment", "lll ddn ddn ddn ddn ddn odn ddn ddn nno",
                                 "lll ddn ddn ddn ddn ddn odn ddn ddn nno", kwargs=_assignment),
    # the primary grid (TT27): the demo's assignments are TT22, so every one of them is the wrong grid, a 404 that
    # says so (logged), and another school's a 404 before anything is said; tests/gradebook/test_primary_grid.py
    # checks the primary school's own roles
    "gradebook:primary_grid": Row("assignment", "lll nnn nnn nnn nnn nnn nnn nnn nnn nnn", kwargs=_point),
    "gradebook:primary_grid_save": Row("assignment", "xxx xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                       "uuu nnn nnn nnn nnn nnn nnn nnn nnn nnn", kwargs=_point,
                                       json=_primary_cell),
    "gradebook:primary_grid_history": Row("assignment", "lll nnn nnn nnn nnn nnn nnn nnn nnn nnn", kwargs=_point,
                                          query=_primary_history_query),
    # subject remarks: read as the scores are, written by the assigned teacher only (an empty POST saves nothing);
    # the comment bank: every staff member keeps their own phrases, another teacher's phrase is a 404
    "gradebook:remarks": Row("assignment", "lll oon oon ddn ddn oon odn oon ddn nno",
                             "lll ddn ddn ddn ddn ddn rdn ddn ddn nnr", kwargs=_period_of_assignment),
    "gradebook:remark_phrases": Row(None, "l o o o d o o o o o", "l b b b d b b b b b", kwargs=_none),
    "gradebook:remark_phrase": Row("phrase", "lll nnn nnn nnn nnn nnn onn nnn nnn nno",
                                   "lll nnn nnn nnn nnn nnn bnn nnn nnn nnb"),
    # homeroom work and class results
    "gradebook:homeroom": Row("class", "lll ddn ddn ddn ddn ddn ddn odn ddn nno",
                              "lll ddn ddn ddn ddn ddn ddn rdn ddn nnr", kwargs=_period),
    # the daily roll-call of a month: the homeroom teacher's, as the sheet; its JSON save takes a day (no marks:
    # everyone present)
    "gradebook:rollcall": Row("class", "lll ddn ddn ddn ddn ddn ddn odn ddn nno", kwargs=_month),
    "gradebook:rollcall_save": Row("class", "xxx xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                   "uuu ddn ddn ddn ddn ddn ddn odn ddn nno", kwargs=_month,
                                   json=lambda _obj: {"day": 1, "marks": {}}),
    # the year's certificates, competition results and awards: the homeroom teacher or the leadership; an empty
    # POST names no student: the page again with the errors at the fields
    "gradebook:awards": Row("class", "lll oon oon ddn ddn ddn ddn odn ddn nno", "lll bbn bbn ddn ddn ddn ddn bdn ddn nnb"),
    "gradebook:results": Row("class", "lll oon oon ddn ddn ddn ddn odn ddn nno", kwargs=_period),
    "gradebook:results_approve": Row("class", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                     "lll rrn ddn ddn ddn ddn ddn ddn ddn nnd", kwargs=_period),
    # a primary class's year (TT27): the matrix's classes are secondary, so whoever may read or act gets a 404 (a
    # logged refusal) and everyone else the 403 or the school wall's 404 first; tests/gradebook/test_primary_year.py
    # opens the same pages on a primary class. Qualities and competencies: read by the homeroom teacher, the
    # leadership and the board, written (the JSON save) by the homeroom teacher; the results likewise; approval and
    # the decision on a student: the principal's; the year record: read as the results, written by the homeroom
    # teacher.
    "gradebook:primary_traits": Row("class", "lll nnn nnn nnn ddn ddn ddn ndn ddn nnn",
                                    "lll nnn nnn nnn ddn ddn ddn ndn ddn nnn",
                                    kwargs=lambda obj: {"pk": obj.pk, "point": "gk1"}),
    "gradebook:primary_traits_save": Row("class", "xxx xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                         "uuu ddn ddn ddn ddn ddn ddn ndn ddn nnn",
                                         kwargs=lambda obj: {"pk": obj.pk, "point": "gk1"},
                                         json=lambda _obj: {"cells": {}}),
    "gradebook:primary_results": Row("class", "lll nnn nnn nnn ddn ddn ddn ndn ddn nnn"),
    "gradebook:primary_approve": Row("class", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                     "lll nnn ddn ddn ddn ddn ddn ddn ddn nnd", kwargs=_period),
    "gradebook:primary_record": Row("enrolment", "ll nn nn nn dn dn dn nn dn nn", "ll dn dn dn dn dn dn nn dn nn"),
    "gradebook:primary_decision": Row("enrolment", "ll xx xx xx xx xx xx xx xx xx", "ll nn dn dn dn dn dn dn dn nd"),
    "gradebook:retests_save": Row("class", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                  "lll ddn ddn ddn ddn ddn ddn rdn ddn nnr"),
    "gradebook:summer_save": Row("class", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                 "lll ddn ddn ddn ddn ddn ddn rdn ddn nnr"),
    "gradebook:exemptions": Row("class", "lll oon ddn ddn ddn ddn ddn ddn ddn nnd",
                                "lll bbn ddn ddn ddn ddn ddn ddn ddn nnd"),
    "gradebook:exemption_revoke": Row("exemption", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                      "lll rrn ddn ddn ddn ddn ddn ddn ddn nnd", kwargs=_exemption),
    # individual education plans: read by the class's homeroom teacher, the board and the leadership; drafted by the
    # first two (an empty POST changes nothing: back to the page); approved by the principal; the principal's queue
    "gradebook:class_plans": Row("class", "lll oon oon oon ddn ddn ddn odn ddn nno"),
    "gradebook:plan": Row("class", "lll oon oon oon ddn ddn ddn odn ddn nno",
                          "lll ddn ddn rrn ddn ddn ddn rdn ddn nnr", kwargs=_plan),
    "gradebook:plan_approve": Row("class", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                  "lll rrn ddn ddn ddn ddn ddn ddn ddn nnd", kwargs=_plan),
    "gradebook:plans_pending": Row(None, "l o d d d d d d d d", kwargs=_none),
    "gradebook:rollover": Row("year", "ll dd dd on dd dd dd dd dd dd", "ll dd dd on dd dd dd dd dd dd"),
    "gradebook:sector_results": Row("class", "lll ddn ddn oon oon ddn ddn ddn ddn nnd"),
    "gradebook:progress": Row(None, "l o o d d d d d d d", kwargs=_none),
    # entry progress that acts: the leadership reminds a teacher of their school (another school's is a 404), or
    # every teacher below a threshold (an empty POST: the threshold is missing, a 400 at the field); a reminder is
    # dismissed by its teacher only (anyone else's is a 404); the monthly records are the leadership's
    "gradebook:progress_remind": Row("teacher", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                     "lll rrn rrn ddn ddn ddn ddn ddn ddn nnd", kwargs=lambda obj: {"user_id": obj.pk}),
    "gradebook:progress_remind_all": Row(None, "l x x x x x x x x x", "l b b d d d d d d d", kwargs=_none),
    "gradebook:reminder_dismiss": Row("reminder", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                      "lll nnn nnn nnn nnn nnn rnn nnn nnn nnr"),
    "gradebook:progress_records": Row(None, "l o o d d d d d d d", kwargs=_none),
    # entry windows and locks
    "gradebook:windows": Row(None, "l o o o d d d d d d", "l d d o d d d d d d", kwargs=_none),
    "gradebook:window_close": Row("window", "ll xx xx xx xx xx xx xx xx xx", "ll dn dn rn dn dn dn dn dn nd"),
    "gradebook:window_reopen": Row("window", "ll xx xx xx xx xx xx xx xx xx", "ll dn dn rn dn dn dn dn dn nd"),
    "gradebook:lock_lift": Row("lock", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                               "lll ddn ddn rrn ddn ddn ddn ddn ddn nnd"),
    "gradebook:book_lock": Row("term", "ll xx xx xx xx xx xx xx xx xx", "ll rn dn dn dn dn dn dn dn nd",
                               kwargs=lambda obj: {"term_id": obj.pk}),
    "gradebook:deadlines": Row(None, "l o o o d d d d d d", "l d d o d d d d d d", kwargs=_none),
    "gradebook:column_lock": Row("assignment", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                 "lll ddn ddn ddn ddn ddn rdn ddn ddn nnr", kwargs=_assignment),
    # correction requests
    "gradebook:correction_new": Row("assignment", "lll ddn ddn ddn ddn ddn rdn ddn ddn nnr",
                                    "lll ddn ddn ddn ddn ddn rdn ddn ddn nnr", kwargs=_assignment),
    "gradebook:corrections": Row(None, "l o o o o o o o o o", kwargs=_none),
    "gradebook:correction": Row("correction", "lll oon oon oon ddn ddn odn ddn ddn nno",
                                "lll oon oon oon ddn ddn odn ddn ddn nno"),
    "gradebook:correction_evidence": Row("correction", "lll oon oon oon ddn ddn odn ddn ddn nno", kwargs=_evidence),
    # homeroom correction requests: the homeroom teacher files one for their class (own: homeroom_6a1's 6A1, other:
    # gv_van2's 8A1); a request is read by its requester and the leadership and the board (policy.reads_corrections),
    # decided by POST on its page (an empty POST decides nothing); the list is the leadership's queue, everyone
    # else's own requests
    # the matrix's classes are not approved: the homeroom teacher is sent back to the sheet, which takes the change
    "gradebook:homeroom_correction_new": Row("class", "lll ddn ddn ddn ddn ddn ddn rdn ddn nnr",
                                             "lll ddn ddn ddn ddn ddn ddn rdn ddn nnr", query=_homeroom_target,
                                             query_posted=True),
    "gradebook:homeroom_corrections": Row(None, "l o o o o o o o o o", kwargs=_none),
    "gradebook:homeroom_correction": Row("homeroom_correction", "lll oon oon oon ddn ddn ddn odn ddn nno",
                                         "lll oon oon oon ddn ddn ddn odn ddn nno"),
    "gradebook:homeroom_correction_evidence": Row("homeroom_correction", "lll oon oon oon ddn ddn ddn odn ddn nno"),
    "archive:correction_minutes": Row("correction", "lll oon oon oon ddn ddn odn ddn ddn nno"),
    # the correction log: the teacher their own, the leadership and the board everyone's, a head their members'
    # (teacher_math and gv_tin are of head_math's Toán - Tin) and their department's; a reader of their own log
    # only is sent to it
    "gradebook:correction_log": Row(None, "l o o o r o r r r r", kwargs=_none),
    "gradebook:correction_log_teacher": Row("teacher", "lll oon oon oon ddn oon odn ddn ddn nno",
                                            kwargs=lambda obj: {"user_id": obj.pk}),
    "gradebook:correction_log_department": Row("department", "lll oon oon oon ddn odn ddn ddn ddn nnd",
                                               kwargs=lambda obj: {"department_id": obj.pk}),
    "archive:correction_log": Row("teacher", "lll oon oon oon ddn oon odn ddn ddn nno", kwargs=_log),
    "archive:department_correction_log": Row("department", "lll oon oon oon ddn odn ddn ddn ddn nnd",
                                             kwargs=_department_log),
    # who decides correction requests (the principal delegates) and the score change rules (the principal sets)
    "gradebook:delegations": Row(None, "l o o o d d d d d d", "l b d d d d d d d d", kwargs=_none),
    "gradebook:delegation_revoke": Row("delegation", "ll xx xx xx xx xx xx xx xx xx",
                                       "ll rn dn dn dn dn dn dn dn nd"),
    "gradebook:entry_settings": Row(None, "l o o o d d d d d d", "l b d d d d d d d d", kwargs=_none),
    # the document store: a document or folder the user may not see is a 404, as another school's is
    # (eledger.permissions); so are the review pages for someone who reviews nothing
    "eledger:index": Row(None, "l o o o o o o o o o", kwargs=_none),
    "eledger:list": Row(None, "l o o o o o o o o o", kwargs=_none),
    "eledger:my_folder": Row(None, "l o o o o o o o o o", kwargs=_none),
    "eledger:folder": Row("teacher", "lll oon oon nnn nnn oon onn nnn nnn nno", kwargs=lambda obj: {"user_id": obj.pk}),
    "eledger:library": Row(None, "l o o o o o o o o o", kwargs=_none),
    "eledger:review_queue": Row(None, "l o o n n o n n n n", kwargs=_none),
    "eledger:overview": Row(None, "l o o n n o n n n n", kwargs=_none),
    "eledger:choose_kind": Row(None, "l o o o o o o o o o", kwargs=_none),
    "eledger:create": Row(None, "l o o o o o o o o o", "l o o o o o o o o o",
                          kwargs=lambda _obj: {"code": "training_report"}),
    "eledger:lesson_name": Row(None, "l o o o o o o o o o", kwargs=_none),
    "eledger:detail": Row("document", "lll oon oon nnn nnn oon onn nnn nnn nno"),
    "eledger:upload": Row("document", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                          "lll ddn ddn nnn nnn ddn bnn nnn nnn nnb"),
    "eledger:submit": Row("document", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                          "lll ddn ddn nnn nnn ddn rnn nnn nnn nnr"),
    "eledger:review": Row("document", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                          "lll bbn bbn nnn nnn bbn dnn nnn nnn nnd"),
    "eledger:download": Row("document", "lll oon oon nnn nnn oon onn nnn nnn nno",
                            kwargs=lambda obj: {"pk": obj.pk, "number": 1}),
    "eledger:settings": Row(None, "l o d o d d d d d d", "l o d o d d d d d d", kwargs=_none),
    "eledger:kind_edit": Row("kind", "ll on dd on dd dd dd dd dd dd", "ll on dd on dd dd dd dd dd dd"),
    # the archive
    "archive:index": Row(None, "l o o d o d d d d d", kwargs=_none),
    "archive:batch_start": Row(None, "l x x x x x x x x x", "l d d d b d d d d d", kwargs=_none),
    "archive:batch": Row("batch", "ll on on dn on dn dn dn dn nd"),
    "archive:batch_progress": Row("batch", "ll on on dn on dn dn dn dn nd"),
    "archive:transfer_print": Row(None, "l x x x x x x x x x", "l d d d b d d d d d", kwargs=_none),
    "archive:snapshot": Row(None, "l x x x x x x x x x", "l d d d b d d d d d", kwargs=_none),
    "archive:documents": Row(None, "l o o d o d d d d d", kwargs=_none),
    "archive:download": Row("archived", "ll on on dn on dn dn dn dn nd"),
    "archive:zip_class": Row("class", "lll oon oon ddn oon ddn ddn ddn ddn nnd"),
    "archive:zip_year": Row("year", "ll on on dn on dn dn dn dn nd"),
    # the principal revokes a version (a reason is required: the empty POST is a 400)
    # inspectors' access (issue 18, item 6): the principal's pages; the link itself (no log-in) is tried with an
    # unknown token here, and live, expired, revoked and another class's links in tests/archive/test_inspection.py
    "archive:shares": Row(None, "l o d d d d d d d d", "l b d d d d d d d d", kwargs=_none),
    "archive:share": Row("share", "ll on dn dn dn dn dn dn dn nd", "ll bn dn dn dn dn dn dn dn nd"),
    "inspect:home": Row(None, "n n n n n n n n n n", kwargs=lambda _o: {"token": "no-such-link"}),
    "inspect:download": Row(None, "n n n n n n n n n n", kwargs=lambda _o: {"token": "no-such-link", "pk": 1}),
    "archive:revoke": Row("archived", "ll on dn dn dn dn dn dn dn nd", "ll bn dn dn dn dn dn dn dn nd"),
    # the public verification page: anyone, logged in or not, any school's document by its code; the empty
    # POST is a 400 (type a code or choose a file)
    "verify:index": Row(None, "o o o o o o o o o o", "b b b b b b b b b b", kwargs=_none),
    "verify:code": Row("archived", "oo oo oo oo oo oo oo oo oo oo", kwargs=lambda obj: {"code": obj.code}),
    # signed records: the board is for the class's teachers, the leadership and the clerk
    "archive:signing_board": Row("class", "lll oon oon ddn oon don odn odn oon nno",
                                 "lll bbn bbn ddn bbn dbn bdn bdn bbn nnb"),
    "archive:signing_waiting": Row(None, "l o o o o o o o o o", kwargs=_none),
    "archive:signing_certificate": Row(None, "l o o o o o o o o o", "l b b b b b b b b b", kwargs=_none),
    # the order of signatures: every staff member reads it, the principal changes it (the empty POST: a 400)
    "archive:signing_plan": Row(None, "l o o o o o o o o o", "l b d d d d d d d d", kwargs=_none),
    # a signing batch's progress: the signer's own
    "archive:signing_batch_progress": Row("signing_batch", "lll nnn nnn nnn nnn nnn onn nnn nnn nno"),
    # signing with my USB token: the board's button prepares a batch (POST only; the empty POST is the board
    # again with the form's errors); the signing agent's endpoint answers only a one-time code, never a session
    "archive:signing_agent_prepare": Row("class", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                         "lll bbn bbn ddn bbn dbn bdn bdn bbn nnb"),
    "archive:signing_agent_api": Row(None, "d d d d d d d d d d", "d d d d d d d d d d", kwargs=_none),
    # the signing agent itself, downloaded from the agent page: every staff member (anyone of a school)
    "archive:signing_agent_download": Row(None, "l o o o o o o o o o", kwargs=_none),
    # remote signing (CSC): the principal sets the school's service up; each staff member registers their credential
    # (the world's school has no service: the POST is answered at the form); the board's form signs remotely
    "archive:signing_remote_settings": Row(None, "l o d d d d d d d d", "l b d d d d d d d d", kwargs=_none),
    "archive:signing_remote_credential": Row(None, "l o o o o o o o o o", "l b b b b b b b b b", kwargs=_none),
    "archive:signing_remote_sign": Row("class", "lll xxx xxx xxx xxx xxx xxx xxx xxx xxx",
                                       "lll bbn bbn ddn bbn dbn bdn bdn bbn nnb"),
}


# --- running it -----------------------------------------------------------------------------------


def url_patterns(resolver=None, prefix: str = "", namespace: str = ""):
    """(key, route) of every URL pattern, through every include; the key is "namespace:name", or the route."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield (name or route), route


def _is_admin(key: str, route: str) -> bool:
    return key.startswith("admin:") or route.startswith("admin/")


def site_patterns(urlconf=None) -> dict[str, str]:
    return {key: route for key, route in url_patterns(get_resolver(urlconf)) if not _is_admin(key, route)}


def matrix_gaps(urlconf=None) -> tuple[list[str], list[str]]:
    """The site's URLs with no row in MATRIX, and the rows whose URL is gone."""
    patterns = site_patterns(urlconf)
    missing = sorted(f"{key} ({route})" for key, route in patterns.items() if key not in MATRIX)
    return missing, sorted(set(MATRIX) - set(patterns))


def observe_row(world: World, key: str, method: str) -> tuple[str, list[str]]:
    """The row a URL shows now, in MATRIX's notation, and what differs from its expected row."""
    row = MATRIX[key]
    variants = world.variants(row.family)
    expected = row.groups(method)
    assert len(expected) == len(ROLES), f"{key}: {method} needs one group per role ({ROLE_HEADER})"
    seen_groups, problems = [], []
    for role, group in zip(ROLES, expected, strict=True):
        assert len(group) == len(variants), f"{key}: {role}'s {method} group needs one letter per {variants}"
        seen = ""
        for variant, letter in zip(variants, group, strict=True):
            got, wrong = try_row(world, key, method, role, variant, letter)
            seen += got
            problems += [f"[{variant}] {problem}" for problem in wrong]
        seen_groups.append(seen)
    return " ".join(seen_groups), problems


def try_row(world: World, key: str, method: str, role: str, variant: str, letter: str,
            url: str | None = None) -> tuple[str, list[str]]:
    """One request of a MATRIX row as ``role`` on one object variant (``url`` instead of the row's own)."""
    row = MATRIX[key]
    obj = world.objects[row.family][variant] if row.family else None
    url = url or reverse(key, kwargs=row.kwargs(obj))
    if method == "POST" and row.query_posted:
        url += "?" + urlencode(row.query(obj))
    if method == "GET":
        return check(world, role, "GET", url, letter, data=row.query(obj) if row.query else None, logged=True)
    if row.json:
        return check(world, role, "POST", url, letter, data=json.dumps(row.json(obj)),
                     content_type="application/json", logged=True)
    return check(world, role, "POST", url, letter, logged=True)


def test_every_url_of_the_site_has_a_row_and_every_row_a_url():
    names = [key for key, route in url_patterns() if not _is_admin(key, route)]
    assert len(names) == len(set(names)), f"URL names used twice: {sorted({n for n in names if names.count(n) > 1})}"
    missing, gone = matrix_gaps()
    assert not missing, f"URLs with no row in the access matrix (name them and add a row to MATRIX): {missing}"
    assert not gone, f"Rows of the access matrix for URLs that no longer exist: {gone}"


def test_a_new_page_without_a_row_is_named_by_the_coverage_check():
    from django.urls import include, path

    from portal import views

    urlconf = type("urlconf", (), {"urlpatterns": [
        path("reports/", include(([path("new/", views.home, name="new_page")], "reports"))),
        path("", include("schoolrecords.urls")),
    ]})
    missing, gone = matrix_gaps(urlconf)
    assert missing == ["reports:new_page (reports/new/)"] and gone == []


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_access(world, db, key):
    problems = []
    for method in ("GET", "POST") if MATRIX[key].post else ("GET",):
        seen, wrong = observe_row(world, key, method)
        if wrong:
            problems.append(f"{method} row seen: {seen!r}")
            problems += wrong
    assert not problems, f"{key}\n" + "\n".join(problems)


# --- a parent's session ---------------------------------------------------------------------------------
#
# A parent (of 6A1's first student, the "own" and "ours" student) is not a role of the school: their session
# reaches only the families' pages and logging in and out, the password and the language
# (families.middleware); every other page is a 404 logged as a refusal, whatever the parent's children.
# The families' own pages, per object variant as in MATRIX ("-" for a URL without an object):

PARENT_ROWS: dict[str, tuple[str, str | None]] = {
    "families:home": ("o", None),
    "families:child": ("on", None),  # their own child; another school's student
    "families:child_add": ("o", "o"),  # the POST without a code: the form again, with its message
    "families:join": ("r", "r"),  # already logged in: to their page
    "families:notices": ("o", None),
    # their own receipt of a notice (a POST without a reply acknowledges it); another parent's. Opening their own
    # marks it read (the one GET that writes: the teacher sees who has read the notice), allowed below.
    "families:notice": ("on", "rn"),
    # the school's pages about families: refused
    "families:publications": ("d", None),
    "families:staff_notices": ("d", "d"),
    "families:withdraw": ("xx", "nn"),
    # what every account may do (families.middleware.OPEN_TO_PARENTS)
    "home": ("r", None),  # to the families' page
    "login": ("r", "r"),
    "logout": ("x", "r"),
    "password_change": ("o", "o"),
    "password_change_done": ("o", None),
    "set_language": ("r", "r"),
    "favicon": ("r", None),
}


def _marks_read(problem: str) -> bool:
    """A parent's GET of their own notice wrote its read mark (the receipt and its history row) and nothing else."""
    if "wrote to the database" not in problem:
        return False
    statements = problem.split(": ", 1)[1]
    return all(('"families_noticereceipt"' in statement or '"families_historicalnoticereceipt"' in statement)
               for statement in statements.strip("[]").split("', '"))


def _parent_expected(key: str, method: str, variants: tuple[str, ...]) -> str:
    if key in PARENT_ROWS:
        get, post = PARENT_ROWS[key]
        return get if method == "GET" else post
    return "n" * len(variants)  # every other page, the families' staff pages among them


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_a_parents_session_reaches_only_the_families_pages(world, db, key):
    row = MATRIX[key]
    variants = ("own", "foreign") if key == "families:notice" else world.variants(row.family)
    problems, seen_all = [], []
    for method in ("GET", "POST") if row.post else ("GET",):
        expected = _parent_expected(key, method, variants)
        seen = ""
        for variant, letter in zip(variants, expected, strict=True):
            if key == "families:notice":  # MATRIX's row has no object (staff are refused any): the receipts
                got, wrong = try_row(world, key, method, "parent", "-", letter,
                                     url=reverse(key, kwargs={"pk": world.receipts[variant].pk}))
            else:
                got, wrong = try_row(world, key, method, "parent", variant, letter)
            if key == "families:notice" and variant == "own" and method == "GET":
                wrong = [problem for problem in wrong if not _marks_read(problem)]
            seen += got
            problems += [f"[{variant}] {problem}" for problem in wrong]
        seen_all.append(f"{method} {seen}")
    assert not problems, f"{key}: seen {seen_all}\n" + "\n".join(problems)


@pytest.mark.parametrize(("role", "expected"), [("parent", "on"), ("parent_of_two", "oo"), ("parent_of_8a1", "nn")])
def test_a_parent_opens_the_pages_of_their_own_children_only(world, db, role, expected):
    """6A1's first student ("ours") and the other school's first student ("foreign"): the parent of the first sees
    one, the parent of both (siblings in two schools) both, another family of the same school neither."""
    seen, problems = "", []
    for variant, letter in zip(("ours", "foreign"), expected, strict=True):
        url = reverse("families:child", kwargs={"student_id": world.objects["student"][variant].pk})
        got, wrong = check(world, role, "GET", url, letter, logged=True)
        seen += got
        problems += wrong
    assert not problems, f"{role}: seen {seen}\n" + "\n".join(problems)


def test_an_expired_inspectors_link_is_gone_for_everyone_and_only_the_refusal_is_kept(world, db):
    urls = [reverse("inspect:home", kwargs={"token": world.expired_token}),
            reverse("inspect:download", kwargs={"token": world.expired_token, "pk": 1})]
    for role in ROLES:  # (a parent's session reaches no page outside the families' own: a 404, above)
        for url in urls:
            outcome = send(world, role, "GET", url)
            assert (outcome.status, outcome.writes) == (410, []), (role, url, outcome)  # beside the refusal's row
    from archive.models import ShareAccess  # noqa: PLC0415

    with transaction.atomic():
        before = ShareAccess.objects.filter(action=ShareAccess.Action.REFUSED).count()
        assert world.client("anonymous").get(urls[0]).status_code == 410
        assert ShareAccess.objects.filter(action=ShareAccess.Action.REFUSED).count() == before + 1
        transaction.set_rollback(True)


# --- the Django admin, by rule ------------------------------------------------------------------------
#
# Only superusers are staff: no school role sets is_staff (the services never do), so the admin
# is the superuser's. Everyone else, anonymous or logged in, is sent to the admin's log-in page
# ("l"), and a POST from them changes nothing. A superuser sees every registered model's pages;
# what the model's admin refuses (add, change or delete on a read-only admin) is a 403 for them
# too, and so is a POST to a history page, since reverting from the history is disabled
# (SIMPLE_HISTORY_REVERT_DISABLED).

ADMIN_ROLES = ("anonymous", "teacher_math", "superuser")


@dataclass(frozen=True)
class AdminCase:
    key: str  # as url_patterns() names the pattern
    url: str
    superuser_get: str
    superuser_post: str | None = None  # None: POST is not tried as the superuser (it is allowed)
    post: bool = False  # try a POST (refused for anonymous and teacher_math)
    anonymous_get: str = "l"
    teacher_get: str = "l"


def _allowed(flag: bool) -> str:
    return "o" if flag else "d"


def _admin_request(world: World):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = world.superuser
    return request


def model_admin_cases(world: World, model, model_admin) -> list[AdminCase]:
    """The cases of one registered model's admin pages."""
    from simple_history.admin import SimpleHistoryAdmin

    app, name = model._meta.app_label, model._meta.model_name
    base = f"admin/{app}/{name}/"
    request = _admin_request(world)
    obj = model._default_manager.order_by("pk").first()
    object_id = str(obj.pk) if obj is not None else "0"
    exists = obj is not None
    keeps_history = isinstance(model_admin, SimpleHistoryAdmin)
    can_delete = model_admin.has_delete_permission(request, obj)
    can_change = exists and model_admin.has_change_permission(request, obj)
    cases = [
        AdminCase(f"admin:{app}_{name}_changelist", reverse(f"admin:{app}_{name}_changelist"),
                  _allowed(model_admin.has_view_or_change_permission(request))),
        AdminCase(f"admin:{app}_{name}_add", reverse(f"admin:{app}_{name}_add"),
                  _allowed(model_admin.has_add_permission(request)),
                  None if model_admin.has_add_permission(request) else "d", post=True),
        # A missing object's pages send the superuser back to the admin's index.
        AdminCase(f"admin:{app}_{name}_change", reverse(f"admin:{app}_{name}_change", args=[object_id]),
                  "o" if exists else "r", None if can_change or not exists else "d", post=True),
        # The delete permission is asked before the object is looked up.
        AdminCase(f"admin:{app}_{name}_delete", reverse(f"admin:{app}_{name}_delete", args=[object_id]),
                  ("o" if exists else "r") if can_delete else "d", None if can_delete else "d", post=True),
        # simple-history lists a missing object's history only if it has one: a 404.
        AdminCase(f"admin:{app}_{name}_history", reverse(f"admin:{app}_{name}_history", args=[object_id]),
                  "o" if exists else ("n" if keeps_history else "r")),
        AdminCase(base + "<path:object_id>/", f"/{base}{object_id}/", "r"),
    ]
    if keeps_history:
        record = model.history.filter(**{model._meta.pk.attname: obj.pk}).first() if exists else None
        args = [object_id, record.history_id if record else 0]
        cases.append(AdminCase(f"admin:{app}_{name}_simple_history",
                               reverse(f"admin:{app}_{name}_simple_history", args=args),
                               "o" if record else "n", "d", post=True))
    if model is get_user_model():
        cases.append(AdminCase("admin:auth_user_password_change",
                               reverse("admin:auth_user_password_change", args=[world.superuser.pk]), "o",
                               post=True))
    return cases


def site_admin_cases(world: World) -> list[AdminCase]:
    """The admin site's own pages."""
    from django.contrib.contenttypes.models import ContentType

    from schoolrecords.models import School

    school_type = ContentType.objects.get_for_model(School)
    return [
        AdminCase("admin:index", reverse("admin:index"), "o"),
        AdminCase("admin:login", reverse("admin:login"), "r", anonymous_get="o", teacher_get="o"),
        AdminCase("admin:logout", reverse("admin:logout"), "x", anonymous_get="r", teacher_get="r"),
        AdminCase("admin:password_change", reverse("admin:password_change"), "o", post=True),
        AdminCase("admin:password_change_done", reverse("admin:password_change_done"), "o"),
        AdminCase("admin:autocomplete", reverse("admin:autocomplete"), "d"),
        AdminCase("admin:jsi18n", reverse("admin:jsi18n"), "o"),
        AdminCase("admin:view_on_site", reverse("admin:view_on_site", args=[school_type.pk, world.demo.school.pk]),
                  "n"),
        AdminCase("admin:app_list", reverse("admin:app_list", kwargs={"app_label": "schoolrecords"}), "o"),
        AdminCase("admin/(?P<url>.*)$", "/admin/no-such-page/", "n"),
    ]


ADMIN_GROUPS = ["site"] + sorted(model._meta.label for model in admin.site._registry)


def admin_cases(world: World, group: str) -> list[AdminCase]:
    if group == "site":
        return site_admin_cases(world)
    model = next(model for model in admin.site._registry if model._meta.label == group)
    return model_admin_cases(world, model, admin.site._registry[model])


def test_every_admin_url_has_a_rule(world, db):
    patterns = {key: route for key, route in url_patterns() if _is_admin(key, route)}
    covered = {case.key for group in ADMIN_GROUPS for case in admin_cases(world, group)}
    missing = sorted(f"{key} ({route})" for key, route in patterns.items() if key not in covered)
    gone = sorted(covered - set(patterns))
    assert not missing, f"admin URLs no rule covers (extend the ADMIN rules): {missing}"
    assert not gone, f"admin rules for URLs that do not exist: {gone}"


def test_only_superusers_are_staff(world, db):
    staff = get_user_model().objects.filter(is_staff=True)
    assert set(staff.values_list("is_superuser", flat=True)) <= {True}
    assert not any(user.is_staff for user in world.users.values())


@pytest.mark.parametrize("group", ADMIN_GROUPS)
def test_admin_access(world, db, group):
    problems = []
    for case in admin_cases(world, group):
        for role, expected in (("anonymous", case.anonymous_get), ("teacher_math", case.teacher_get),
                               ("superuser", case.superuser_get)):
            problems += check(world, role, "GET", case.url, expected, admin_login=True)[1]
        if case.post:
            for role in ("anonymous", "teacher_math"):
                problems += check(world, role, "POST", case.url, "l", admin_login=True)[1]
            if case.superuser_post:
                problems += check(world, "superuser", "POST", case.url, case.superuser_post, admin_login=True)[1]
    assert not problems, "\n".join(problems)


def test_a_read_only_admin_cannot_be_changed_through_its_history_page(world, db):
    """simple-history's history form saves a POST without asking for the change permission; ours refuses it."""
    from django.forms.models import model_to_dict

    from gradebook.models import Score

    score = Score.objects.filter(value__isnull=False).order_by("pk").first()
    record = score.history.order_by("history_id").first()
    data = {key: "" if value is None else value for key, value in model_to_dict(score).items()}
    changed_at = timezone.localtime(data.pop("updated_at"))  # the admin splits it into a date and a time
    data.update(value="1.0", updated_at_0=changed_at.strftime("%d/%m/%Y"), updated_at_1=changed_at.strftime("%H:%M:%S"))
    url = reverse("admin:gradebook_score_simple_history", args=[score.pk, record.history_id])
    outcome = send(world, "superuser", "POST", url, data)
    assert outcome.status == 403 and not outcome.writes, outcome


def test_the_write_watch_sees_what_an_allowed_post_changes_and_the_savepoint_undoes_it(world, db):
    from gradebook.models import ScoreLock

    locks_before = ScoreLock.objects.count()
    term = world.objects["term"]["ours"]
    outcome = send(world, "principal", "POST", reverse("gradebook:book_lock", args=[term.pk]), {"reason": "end"})
    assert outcome.status == 302 and any("INSERT" in sql.upper() for sql in outcome.writes), outcome
    assert ScoreLock.objects.count() == locks_before
