"""The correction log (seed 000 art. 8.6): what it lists, month by month in the school's time, who reads it, its
pages, its PDF and the links that lead to it."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from gradebook.corrections import selectors
from gradebook.corrections import services as corrections
from gradebook.corrections.services import ChangeInput
from gradebook.models import CorrectionChange, CorrectionEvidence, CorrectionRequest, Score
from gradebook.scores.services import CellInput, scores_save
from gradebook.windows import services as locks
from schoolrecords import models as sm
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)
OCTOBER = DEMO_YEAR.month(10)

TX = Score.Kind.REGULAR
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCHOOL_TIME = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def at(*parts) -> datetime.datetime:
    """A moment of the school's clock."""
    return datetime.datetime(*parts, tzinfo=SCHOOL_TIME)


def enrolments(demo, class_name="6A1", count=3):
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class(class_name),
                                            status=sm.Enrolment.Status.STUDYING).order_by("pk")[:count])


def logged(demo, *, teacher="teacher_math", class_name="6A1", subject="toan", status="approved", when,
           kind=CorrectionRequest.Kind.CORRECTION, late=False, cells=1, decided=True, evidence="bai-kiem-tra.pdf",
           witness="board", minutes_number=None, reason="Typed 6 instead of 8") -> CorrectionRequest:
    """A request as the services leave it, dated ``when``: the log is read by date, so the test sets the date.

    An approved request has its decider and decision time; an applied re-entry has a decision time when
    ``decided`` (and never a decider), else only the time it was filed.
    """
    school_class = demo.school_class(class_name)
    applied = status == CorrectionRequest.Status.APPLIED
    request = CorrectionRequest.objects.create(
        school_class=school_class, subject=demo.subject(subject), term=demo.year.terms.get(number=1),
        requested_by=demo.user(teacher), requested_at=when - datetime.timedelta(hours=2), kind=kind, late=late,
        reason=reason, status=status,
        decided_by=None if applied or status == "pending" else demo.user("principal"),
        decided_at=when if decided and status != "pending" else None,
        decision_note="Checked the paper" if status == "approved" else ("No paper" if status == "rejected" else ""),
        witness=demo.user(witness) if witness and status == "approved" else None, minutes_number=minutes_number)
    if applied and not decided:
        CorrectionRequest.objects.filter(pk=request.pk).update(requested_at=when)
    for number, enrolment in enumerate(enrolments(demo, class_name, cells), start=1):
        CorrectionChange.objects.create(request=request, enrolment=enrolment, kind=TX, index=number,
                                        old_value=Decimal(6), new_value=Decimal("8.5"))
    if evidence:
        item = CorrectionEvidence(request=request, original_name=evidence, content_type="application/pdf",
                                  size=len(PDF), uploaded_by=demo.user(teacher))
        item.file.save(evidence, SimpleUploadedFile(evidence, PDF), save=False)
        item.save()
    return request


def ids(log) -> list[int]:
    return [entry.request_id for entry in log.entries]


def teacher_log(demo, reader, teacher="teacher_math", month=OCTOBER):
    return selectors.teacher_log(actor=demo.user(reader), teacher_id=demo.user(teacher).pk, year=month[0],
                                 month=month[1])


def department_log(demo, reader, department="Tổ Toán - Tin", month=OCTOBER):
    return selectors.department_log(actor=demo.user(reader), department_id=sm.Department.objects.get(
        school=demo.school, name=department).pk, year=month[0], month=month[1])


# --- what it lists ----------------------------------------------------------------------------------


def test_approved_requests_and_applied_reentries_are_logged_but_not_open_rejected_or_withdrawn_ones(demo):
    """Built through the services for the decisions they have, so the log reads what they really leave."""
    math, teacher = demo.assignment("6A1", "toan"), demo.user("teacher_math")
    term = demo.year.terms.get(number=1)
    students = enrolments(demo, count=3)
    scores_save(actor=teacher, assignment=math, term=term, cells=[CellInput(e.pk, TX, 1, "6") for e in students])
    locks.column_lock(actor=teacher, assignment=math, term=term, kind=TX, index=1)

    def filed(enrolment):
        return corrections.correction_submit(actor=teacher, assignment=math, term=term,
                                             changes=[ChangeInput(enrolment.pk, TX, 1, "8")], reason="Typed 6",
                                             files=[SimpleUploadedFile("scan.pdf", PDF)])

    approved = corrections.correction_approve(actor=demo.user("principal"), request=filed(students[0]),
                                              witness=demo.user("board"))
    corrections.correction_reject(actor=demo.user("principal"), request=filed(students[1]), note="No paper")
    corrections.correction_withdraw(actor=teacher, request=filed(students[2]))
    pending = filed(students[2])
    now = timezone.localtime()
    applied = logged(demo, status="applied", kind="reentry", when=now, decided=False)

    log = teacher_log(demo, "principal", month=(now.year, now.month))

    assert ids(log) == [approved.pk, applied.pk]
    assert pending.pk not in ids(log)
    first = log.entries[0]
    assert (first.cells[0].old_value, first.cells[0].new_value, first.decided_by, first.witness) == (
        "6", "8", demo.user("principal").profile.full_name, demo.user("board").profile.full_name)
    assert [item.name for item in first.evidence] == ["scan.pdf"]
    assert log.entries[1].applied_without_approval and log.entries[1].decided_by == ""


@pytest.mark.parametrize("moment, month", [
    (at(DEMO_YEAR.on(10, 1).year, 10, 1, 0, 0), DEMO_YEAR.month(10)),  # the first instant of October, school time
    (at(DEMO_YEAR.on(9, 30).year, 9, 30, 23, 59), DEMO_YEAR.month(9)),  # 16:59 UTC on the 30th: still September
    (at(DEMO_YEAR.on(10, 31).year, 10, 31, 23, 30), DEMO_YEAR.month(10)),  # 16:30 UTC on the 31st
    (at(DEMO_YEAR.on(11, 1).year, 11, 1, 0, 30), DEMO_YEAR.month(11)),  # 17:30 UTC on 31 October, but November for the school
    (at(DEMO_YEAR.on(12, 31).year, 12, 31, 23, 59), DEMO_YEAR.month(12)),
    (at(DEMO_YEAR.on(1, 1).year, 1, 1, 0, 0), DEMO_YEAR.month(1)),  # December's next month is January of the next year
])
@pytest.mark.parametrize("status, decided", [("approved", True), ("applied", True), ("applied", False)])
def test_a_change_belongs_to_the_month_of_the_schools_clock_when_it_took_effect(demo, moment, month, status,
                                                                                 decided):
    request = logged(demo, status=status, kind="reentry" if status == "applied" else "correction", when=moment,
                     decided=decided)
    before = (month[0] - (month[1] == 1), (month[1] - 2) % 12 + 1)
    after = (month[0] + (month[1] == 12), month[1] % 12 + 1)

    assert ids(teacher_log(demo, "principal", month=month)) == [request.pk]
    assert ids(teacher_log(demo, "principal", month=before)) == []
    assert ids(teacher_log(demo, "principal", month=after)) == []
    assert teacher_log(demo, "principal", month=month).entries[0].changed_at == moment


def test_a_log_is_in_the_order_the_changes_took_effect_with_each_requests_cells(demo):
    later = logged(demo, when=at(DEMO_YEAR.on(10, 20).year, 10, 20, 9), cells=3)
    earlier = logged(demo, status="applied", kind="reentry", when=at(DEMO_YEAR.on(10, 3).year, 10, 3, 9), decided=False)

    log = teacher_log(demo, "principal")

    assert ids(log) == [earlier.pk, later.pk]
    assert [cell.student_name for cell in log.entries[1].cells] == [e.student.full_name for e in enrolments(demo)]
    assert len({cell.column_label for cell in log.entries[1].cells}) == 3 and log.cell_count == 4


def test_a_teachers_log_holds_their_own_requests_and_a_departments_log_the_changes_of_its_subjects(demo):
    math = logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    tin = logged(demo, teacher="gv_tin", subject="tin", when=at(DEMO_YEAR.on(10, 6).year, 10, 6, 9))
    literature = logged(demo, teacher="homeroom_6a1", subject="van", when=at(DEMO_YEAR.on(10, 7).year, 10, 7, 9))
    hdtn = logged(demo, subject="hdtn", when=at(DEMO_YEAR.on(10, 8).year, 10, 8, 9))  # teacher_math's homeroom activity: not Toán - Tin

    assert ids(teacher_log(demo, "principal")) == [math.pk, hdtn.pk]
    assert ids(teacher_log(demo, "principal", teacher="gv_tin")) == [tin.pk]
    assert ids(department_log(demo, "principal")) == [math.pk, tin.pk]
    assert ids(department_log(demo, "principal", department="Tổ Ngữ văn - Lịch sử - GDCD")) == [literature.pk]
    assert ids(department_log(demo, "principal", department="Tổ Năng khiếu - Hoạt động")) == [hdtn.pk]


def test_each_entry_says_its_kind_lateness_minutes_and_who_decided(demo):
    logged(demo, late=True, minutes_number=7, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    logged(demo, status="applied", kind="reentry", when=at(DEMO_YEAR.on(10, 6).year, 10, 6, 9))

    late, applied = teacher_log(demo, "principal").entries

    assert (late.kind, late.late, late.minutes_number, late.decision_note) == ("correction", True, 7,
                                                                               "Checked the paper")
    assert (applied.kind, applied.late, applied.applied_without_approval, applied.witness) == (
        "reentry", False, True, "")
    assert (late.class_name, late.subject_name, late.department_name) == ("6A1", "Toán", "Tổ Toán - Tin")


# --- who reads it ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["principal", "vice", "board", "teacher_math"])
def test_the_leadership_the_board_and_the_teacher_read_the_teachers_whole_log(demo, reader):
    math = logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    hdtn = logged(demo, subject="hdtn", when=at(DEMO_YEAR.on(10, 8).year, 10, 8, 9))

    log = teacher_log(demo, reader)

    assert ids(log) == [math.pk, hdtn.pk] and log.linkable and log.only_departments == ()


def test_a_department_head_reads_a_members_log_of_the_departments_subjects_only(demo):
    math = logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    logged(demo, subject="hdtn", when=at(DEMO_YEAR.on(10, 8).year, 10, 8, 9))

    log = teacher_log(demo, "head_math")

    assert ids(log) == [math.pk]
    assert log.only_departments == ("Tổ Toán - Tin",) and not log.linkable
    assert ids(teacher_log(demo, "head_math", teacher="gv_tin")) == []


@pytest.mark.parametrize("reader", ["gv_tin", "homeroom_6a1", "clerk", "gv_van2"])
def test_a_colleague_the_clerk_and_another_departments_head_are_refused_a_teachers_log(demo, reader):
    logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    with pytest.raises(PermissionDenied):
        teacher_log(demo, reader)


@pytest.mark.parametrize("reader, allowed", [("principal", True), ("vice", True), ("board", True),
                                             ("head_math", True), ("gv_van2", False), ("teacher_math", False),
                                             ("clerk", False)])
def test_a_departments_log_is_for_the_leadership_and_its_head(demo, reader, allowed):
    math = logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    if allowed:
        assert ids(department_log(demo, reader)) == [math.pk]
    else:
        with pytest.raises(PermissionDenied):
            department_log(demo, reader)


def test_another_schools_teacher_or_department_is_a_404(demo, other_school):
    from schoolrecords import services

    department = services.department_save(actor=services.system_user(), school=other_school["school"], name="Tổ Toán")
    for actor in (demo.user("principal"), other_school["teacher"]):
        with pytest.raises(Http404):
            selectors.teacher_log(actor=actor, teacher_id=(other_school["teacher"] if actor.pk != other_school[
                "teacher"].pk else demo.user("teacher_math")).pk, year=OCTOBER[0], month=10)
    with pytest.raises(Http404):
        selectors.department_log(actor=demo.user("principal"), department_id=department.pk, year=OCTOBER[0], month=10)


def test_the_pickers_offer_what_each_reader_may_open(demo):
    principal = selectors.log_choices(actor=demo.user("principal"))
    head = selectors.log_choices(actor=demo.user("head_math"))
    teacher = selectors.log_choices(actor=demo.user("teacher_math"))

    assert principal.school_wide and len(principal.departments) == sm.Department.objects.filter(
        school=demo.school).count()
    assert {"teacher_math", "gv_tin", "homeroom_6a1"} <= {user.username for user in principal.teachers}
    assert "clerk" not in {user.username for user in principal.teachers}
    assert [d.name for d in head.departments] == ["Tổ Toán - Tin"]
    assert {user.username for user in head.teachers} == {"teacher_math", "head_math", "gv_tin"}
    assert teacher.own_only and [user.username for user in teacher.teachers] == ["teacher_math"]


# --- the pages ------------------------------------------------------------------------------------------


def test_the_teachers_page_shows_every_part_of_each_entry(demo, login):
    request = logged(demo, late=True, minutes_number=12, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9, 15), evidence="so-diem-ca-nhan.pdf",
                     reason="Nhập nhầm cột")
    applied = logged(demo, status="applied", kind="reentry", when=at(DEMO_YEAR.on(10, 9).year, 10, 9, 14, 0), decided=False)
    student = enrolments(demo, count=1)[0].student

    page = login("principal").get(reverse("gradebook:correction_log_teacher", args=(demo.user("teacher_math").pk,)),
                                  {"month": f"{DEMO_YEAR.first}-10"})

    html = page.content.decode()
    assert page.status_code == 200
    for text in (f"05/10/{DEMO_YEAR.first} 09:15", f"09/10/{DEMO_YEAR.first} 14:00", "6A1", "Toán", student.full_name, "6 → <b>8,5</b>",
                 "Nhập nhầm cột", "so-diem-ca-nhan.pdf", demo.user("principal").profile.full_name,
                 demo.user("board").profile.full_name, "12",
                 reverse("gradebook:correction_evidence", args=(request.pk, request.evidence.get().pk)),
                 reverse("gradebook:correction", args=(applied.pk,)),
                 reverse("archive:correction_log", args=(demo.user("teacher_math").pk, *OCTOBER))):
        assert text in html, text
    assert 'class="log-entry kind-reentry"' in html and 'class="log-entry kind-correction"' in html
    assert 'class="badge warn"' in html  # the late mark


def test_a_head_sees_the_evidence_names_of_a_department_log_without_links(demo, login):
    request = logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9), evidence="bai-kiem-tra.pdf")
    department = sm.Department.objects.get(school=demo.school, name="Tổ Toán - Tin")

    html = login("head_math").get(reverse("gradebook:correction_log_department", args=(department.pk,)),
                                  {"month": f"10/{DEMO_YEAR.first}"}).content.decode()

    assert "bai-kiem-tra.pdf" in html and demo.user("teacher_math").profile.full_name in html
    assert reverse("gradebook:correction_evidence", args=(request.pk, request.evidence.get().pk)) not in html
    assert reverse("archive:department_correction_log", args=(department.pk, *OCTOBER)) in html


def test_the_overview_counts_the_months_changes_per_department_and_teacher(demo, login):
    logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9), cells=2)
    logged(demo, teacher="gv_tin", subject="tin", when=at(DEMO_YEAR.on(10, 6).year, 10, 6, 9))
    logged(demo, when=at(DEMO_YEAR.on(11, 1).year, 11, 1, 0, 5))  # November

    overview = selectors.log_overview(actor=demo.user("principal"),
                                      choices=selectors.log_choices(actor=demo.user("principal")), year=OCTOBER[0],
                                      month=10)

    assert [(row.name, row.requests, row.cells) for row in overview.teachers] == [
        (demo.user("gv_tin").profile.full_name, 1, 1), (demo.user("teacher_math").profile.full_name, 1, 2)]
    math = next(row for row in overview.departments if row.name == "Tổ Toán - Tin")
    assert (math.requests, math.cells) == (2, 3)
    html = login("principal").get(reverse("gradebook:correction_log"), {"month": f"{DEMO_YEAR.first}-10"}).content.decode()
    assert reverse("gradebook:correction_log_teacher", args=(demo.user("gv_tin").pk,)) + f"?month={DEMO_YEAR.first}-10" in html
    assert reverse("archive:department_correction_log", args=(math.pk, *OCTOBER)) in html


def test_the_picker_leads_to_the_chosen_log_and_a_teacher_straight_to_their_own(demo, login):
    gv_tin = demo.user("gv_tin")
    picked = login("principal").get(reverse("gradebook:correction_log"), {"month": f"{DEMO_YEAR.first}-10",
                                                                          "of": f"teacher-{gv_tin.pk}"})
    assert picked.status_code == 302
    assert picked["Location"] == reverse("gradebook:correction_log_teacher", args=(gv_tin.pk,)) + f"?month={DEMO_YEAR.first}-10"
    own = login("teacher_math").get(reverse("gradebook:correction_log"), {"month": f"10/{DEMO_YEAR.first}"})
    assert own["Location"] == reverse("gradebook:correction_log_teacher", args=(demo.user("teacher_math").pk,)) + (
        f"?month=10%2F{DEMO_YEAR.first}")


def test_a_month_that_cannot_be_read_says_so_and_shows_this_month(demo, login):
    page = login("teacher_math").get(reverse("gradebook:correction_log_teacher", args=(demo.user("teacher_math").pk,)),
                                     {"month": f"13/{DEMO_YEAR.first}"})
    assert page.status_code == 200
    assert 'id="log-error"' in page.content.decode()
    assert page.context["month"] == timezone.localdate().replace(day=1)


@pytest.mark.parametrize("reader, status", [("principal", 200), ("head_math", 200), ("teacher_math", 200),
                                            ("gv_tin", 403), ("clerk", 403)])
def test_the_teachers_page_answers_by_the_same_rule(demo, login, reader, status):
    url = reverse("gradebook:correction_log_teacher", args=(demo.user("teacher_math").pk,))
    assert login(reader).get(url).status_code == status


# --- the links that lead to it ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["principal", "vice"])
def test_the_leaderships_home_page_links_to_the_log(demo, login, username):
    html = login(username).get(reverse("home")).content.decode()
    assert f'id="home-correction-log" href="{reverse("gradebook:correction_log")}"' in html


def test_a_heads_home_page_links_to_their_departments_log(demo, login):
    department = sm.Department.objects.get(school=demo.school, head=demo.user("head_math"))
    html = login("head_math").get(reverse("home")).content.decode()
    assert reverse("gradebook:correction_log_department", args=(department.pk,)) in html
    assert 'id="home-correction-log"' not in html


def test_the_teachers_corrections_list_links_to_their_own_log(demo, login):
    html = login("teacher_math").get(reverse("gradebook:corrections")).content.decode()
    assert f'id="correction-log-link" href="{reverse("gradebook:correction_log")}"' in html
    assert 'id="home-correction-log"' not in login("teacher_math").get(reverse("home")).content.decode()


# --- the PDF -------------------------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """The text of every page without its spaces and line breaks: a narrow column breaks a name where it can."""
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_the_printed_logs_carry_the_entries(demo, login):
    logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9), minutes_number=4, reason="Nhầm cột")
    logged(demo, teacher="gv_tin", subject="tin", status="applied", kind="reentry", when=at(DEMO_YEAR.on(10, 9).year, 10, 9, 9),
           decided=False)
    student = enrolments(demo, count=1)[0].student
    department = sm.Department.objects.get(school=demo.school, name="Tổ Toán - Tin")
    client = login("principal")

    teacher = client.get(reverse("archive:correction_log", args=(demo.user("teacher_math").pk, *OCTOBER)))
    whole = client.get(reverse("archive:department_correction_log", args=(department.pk, *OCTOBER)))

    for response in (teacher, whole):
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    text = pdf_text(teacher.content)
    for expected in ("NHẬT KÝ SỬA ĐIỂM", demo.user("teacher_math").profile.full_name, student.full_name,
                     f"05/10/{DEMO_YEAR.first}", "Nhầm cột", "Biên bản số 4",
                     "bai-kiem-tra.pdf", f"10/{DEMO_YEAR.first}", demo.user("board").profile.full_name):
        assert squeezed(expected) in text, expected
    assert squeezed(demo.user("gv_tin").profile.full_name) not in text
    department_text = pdf_text(whole.content)
    assert squeezed("Tổ Toán - Tin") in department_text
    assert squeezed(demo.user("gv_tin").profile.full_name) in department_text
    assert 'filename="nhat-ky-sua-diem-to-' in whole["Content-Disposition"]


def test_the_printed_log_answers_by_the_same_rule(demo, login, other_school):
    url = reverse("archive:correction_log", args=(demo.user("teacher_math").pk, *OCTOBER))
    assert login("gv_tin").get(url).status_code == 403
    assert login("head_math").get(url).status_code == 200
    assert login("principal").get(reverse("archive:correction_log", args=(other_school["teacher"].pk, 2025,
                                                                          10))).status_code == 404
    assert login("principal").get(reverse("archive:correction_log", args=(demo.user("teacher_math").pk, 2025,
                                                                          13))).status_code == 404


# --- query counts ----------------------------------------------------------------------------------------------

# Every page: the session, the user, their profile (and school), the roles, the site's context processor (the
# current year, the user's and their groups' permissions): 7. A log adds the teacher (with profile and department)
# or the department, the requests (with class, subject and department, term, requester), their cells (with
# students), evidence, deciders and witnesses, and the pickers' teachers and departments: 8; the homeroom
# corrections of the month (one query, everything joined): 1.
TEACHER_PAGE_QUERIES = 16
DEPARTMENT_PAGE_QUERIES = 16
# The pickers' teachers and departments, one count of the month grouped by teacher and department, and the
# month's homeroom corrections.
OVERVIEW_QUERIES = 11
# The session, the user, their profile, the roles; the teacher; the requests and the four reads they prefetch;
# the homeroom corrections.
PDF_QUERIES = 11


def grow(demo):
    """Two more requests of each teacher of Toán - Tin, with more cells: the second size."""
    for day in (12, 13):
        logged(demo, when=at(OCTOBER[0], 10, day, 9), cells=3)
        logged(demo, teacher="gv_tin", subject="tin", when=at(OCTOBER[0], 10, day, 10), cells=2, witness="board",
               evidence="so-diem.pdf")
        logged(demo, status="applied", kind="reentry", when=at(OCTOBER[0], 10, day, 11), decided=False)


@pytest.mark.parametrize("reader, page, expected", [
    ("principal", "teacher", TEACHER_PAGE_QUERIES), ("principal", "department", DEPARTMENT_PAGE_QUERIES),
    ("principal", "overview", OVERVIEW_QUERIES),
    # A head: the departments they head, read once, stand for the pickers' departments.
    ("head_math", "teacher", TEACHER_PAGE_QUERIES), ("head_math", "department", DEPARTMENT_PAGE_QUERIES),
    ("head_math", "overview", OVERVIEW_QUERIES),
])
def test_the_log_pages_cost_the_same_queries_for_one_change_or_many(demo, login, django_assert_num_queries, reader,
                                                                     page, expected):
    logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    department = sm.Department.objects.get(school=demo.school, name="Tổ Toán - Tin")
    url = {"teacher": reverse("gradebook:correction_log_teacher", args=(demo.user("teacher_math").pk,)),
           "department": reverse("gradebook:correction_log_department", args=(department.pk,)),
           "overview": reverse("gradebook:correction_log")}[page]
    client = login(reader)
    client.get(url)  # once, for what the process keeps (the content types guardian looks up)
    with django_assert_num_queries(expected):
        assert client.get(url, {"month": f"{DEMO_YEAR.first}-10"}).status_code == 200
    grow(demo)
    with django_assert_num_queries(expected):
        response = client.get(url, {"month": f"{DEMO_YEAR.first}-10"})
    assert response.status_code == 200
    if page != "overview":
        assert len(response.context["log"].entries) >= 5


def test_the_printed_log_costs_the_same_queries_for_one_change_or_many(demo, login, django_assert_num_queries):
    logged(demo, when=at(DEMO_YEAR.on(10, 5).year, 10, 5, 9))
    url = reverse("archive:correction_log", args=(demo.user("teacher_math").pk, *OCTOBER))
    client = login("principal")
    with django_assert_num_queries(PDF_QUERIES):
        client.get(url)
    grow(demo)
    with django_assert_num_queries(PDF_QUERIES):
        assert client.get(url).content.startswith(b"%PDF")

