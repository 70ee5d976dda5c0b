"""Conduct, absences, remarks, exemptions and re-test results of an approved class change only by a correction:
filed by the homeroom teacher with reason and evidence, decided by the leadership, applied with history, the
approval reopened, the minutes numbered with the score corrections'."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from gradebook import signals
from gradebook.corrections import delegation
from gradebook.corrections import homeroom as hc
from gradebook.corrections.minutes import next_minutes_number
from gradebook.homeroom.services import HomeroomEntry, homeroom_save
from gradebook.models import (
    ConductResult,
    Exemption,
    HomeroomCorrection,
    MonthlyAbsence,
    ResultApproval,
    RetestResult,
    StudentRemark,
)
from gradebook.results.compute import YEAR
from gradebook.results.services import RetestEntry, retests_save
from gradebook.rules.slots import term_months

from .test_results import complete_year, studying, term
from .test_results_services import approve, complete_term

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
Field = HomeroomCorrection.Field


def scan(name="bien-ban.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


def submit(demo, field, *, enrolment=None, number=1, shown=None, new=None, reason="Ghi nhầm khi nhập",
           evidence="default", subject=None, month=None, username="homeroom_6a1"):
    enrolment = enrolment or studying(demo)[0]
    return hc.homeroom_correction_submit(
        actor=demo.user(username), school_class=demo.school_class("6A1"), enrolment_id=enrolment.pk, field=field,
        term=term(demo, number) if number != YEAR else None, subject=demo.subject(subject) if subject else None,
        month=month, shown=shown, new=new, reason=reason, evidence=scan() if evidence == "default" else evidence)


def decide(demo, request, username="principal", witness="board", **kwargs):
    return hc.homeroom_correction_approve(actor=demo.user(username), request=request,
                                          witness=demo.user(witness) if witness else None, **kwargs)


def first_month(demo, number=1):
    return term_months(demo.year.terms.all())[number][0]


@pytest.fixture
def applied(demo):
    heard = []

    def hear(sender, **kwargs):
        heard.append(kwargs)

    signals.homeroom_correction_applied.connect(hear)
    yield heard
    signals.homeroom_correction_applied.disconnect(hear)


# --- the sheet itself refuses, pointing to the correction -------------------------------------------


def test_an_approved_term_refuses_the_sheet_with_a_message_pointing_to_the_correction(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    enrolment = studying(demo)[0]
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        homeroom_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"), term=term(demo, 1),
                      entries=[HomeroomEntry(enrolment.pk, conduct="kha")])
    assert "Đề nghị sửa" in refused.value.messages[0]
    assert ConductResult.objects.get(enrolment=enrolment, term=term(demo, 1)).level == "tot"


def test_a_request_before_approval_is_refused_the_sheet_applies(demo):
    complete_term(demo, 1)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        submit(demo, Field.CONDUCT, shown="tot", new="kha")
    assert "not approved" in refused.value.message_dict["__all__"][0]
    assert not HomeroomCorrection.objects.exists()


# --- each kind: filed, approved, applied with history, approval reopened ---------------------------------


def test_a_conduct_correction_is_applied_by_the_decider_reopens_the_term_and_is_announced(
        demo, applied, django_capture_on_commit_callbacks):
    complete_term(demo, 1)
    approve(demo, 1)
    enrolment = studying(demo)[0]
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    assert (request.status, request.old_value, request.new_value) == ("pending", "tot", "kha")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        decide(demo, request, place="Phòng họp")
    request.refresh_from_db()
    row = ConductResult.objects.get(enrolment=enrolment, term=term(demo, 1))
    assert row.level == "kha" and row.updated_by == demo.user("principal")
    assert row.history.first().history_change_reason == f"Homeroom correction no. {request.pk} approved"
    assert not ResultApproval.objects.filter(school_class=demo.school_class("6A1")).exists()
    assert (request.status, request.witness, request.minutes_place, request.minutes_number) == (
        "approved", demo.user("board"), "Phòng họp", 1)
    assert applied == [{"signal": signals.homeroom_correction_applied, "request_id": request.pk,
                        "school_class_id": demo.school_class("6A1").pk, "term_id": term(demo, 1).pk,
                        "actor_id": demo.user("principal").pk}]


def test_an_absence_correction_changes_only_its_month(demo):
    complete_term(demo, 1)
    enrolment = studying(demo)[0]
    month = first_month(demo)
    homeroom_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"), term=term(demo, 1),
                  entries=[HomeroomEntry(enrolment.pk, conduct="tot", absences={month: (2, 1)})])
    approve(demo, 1)
    request = submit(demo, Field.ABSENCES, month=month, shown=["2", "1"], new=("3", "0"))
    decide(demo, request)
    row = MonthlyAbsence.objects.get(enrolment=enrolment, year=month[0], month=month[1])
    assert (row.excused, row.unexcused) == (3, 0)
    assert MonthlyAbsence.objects.filter(enrolment=enrolment).count() == 1


def test_a_year_remark_correction_reopens_only_the_year(demo):
    complete_year(demo)
    approve(demo, 1)
    approve(demo, YEAR)
    enrolment = studying(demo)[0]
    request = submit(demo, Field.REMARK, number=YEAR, shown="", new="Chăm ngoan, tiến bộ")
    decide(demo, request)
    assert StudentRemark.objects.get(enrolment=enrolment, term__isnull=True).text == "Chăm ngoan, tiến bộ"
    assert {a.term.number if a.term_id else YEAR for a in ResultApproval.objects.filter(school_class__year__is_current=True)} == {1}


def test_an_exemption_can_be_granted_and_withdrawn_by_correction(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    enrolment = studying(demo)[1]
    request = submit(demo, Field.EXEMPTION, enrolment=enrolment, subject="gdtc", shown=False, new=True,
                     reason="Giấy khám sức khoẻ nộp muộn")
    decide(demo, request)
    exemption = Exemption.objects.get(enrolment=enrolment, subject=demo.subject("gdtc"), term=term(demo, 1))
    assert exemption.decided_by == demo.user("principal") and exemption.reason == "Giấy khám sức khoẻ nộp muộn"

    approve(demo, 1)
    again = submit(demo, Field.EXEMPTION, enrolment=enrolment, subject="gdtc", shown=True, new=False)
    decide(demo, again)
    assert not Exemption.objects.filter(enrolment=enrolment).exists()
    assert Exemption.history.filter(id=exemption.pk, history_type="-").exists()


def test_a_retest_correction_replaces_the_result_and_reopens_the_year(demo):
    enrolment = studying(demo)[0]
    complete_year(demo, marks={enrolment.pk: {"cn": "3", "tin": "4,5"}})
    retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                 entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "5"),
                          RetestEntry(enrolment.pk, demo.subject("tin").pk, "5")])
    approve(demo, YEAR)
    with pytest.raises(ValidationError):  # the sheet refuses now
        retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                     entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "6")])
    request = submit(demo, Field.RETEST, number=YEAR, subject="cn", shown="5.0", new="6,5")
    assert request.new_value == "6.5"
    decide(demo, request)
    row = RetestResult.objects.get(enrolment=enrolment, subject=demo.subject("cn"))
    assert row.value == Decimal("6.5") and row.original_value == Decimal("3.0")
    assert not ResultApproval.objects.filter(school_class__year__is_current=True).exists()


def test_a_delegated_vice_principal_decides_and_minutes_share_the_score_corrections_numbers(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    delegation.delegation_grant(actor=demo.user("principal"), year=demo.year, delegate=demo.user("vice"),
                                starts_on=demo.year.start_date, note="Đi công tác")
    request = submit(demo, Field.REMARK, shown="", new="Cần cố gắng hơn")
    decided = decide(demo, request, username="vice")
    assert decided.decided_by == demo.user("vice") and decided.minutes_number == 1
    assert next_minutes_number(demo.year.pk) == 2


def test_a_rejection_needs_its_reason_and_changes_nothing(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    request = submit(demo, Field.CONDUCT, shown="tot", new="dat")
    with pytest.raises(ValidationError) as refused:
        hc.homeroom_correction_reject(actor=demo.user("principal"), request=request, note="  ")
    assert "note" in refused.value.message_dict
    hc.homeroom_correction_reject(actor=demo.user("principal"), request=request, note="Không có minh chứng")
    request.refresh_from_db()
    assert request.status == "rejected"
    assert ConductResult.objects.get(enrolment=studying(demo)[0], term=term(demo, 1)).level == "tot"
    assert ResultApproval.objects.filter(school_class__year__is_current=True).exists()


# --- refusals: each with its field, nothing changed ---------------------------------------------------


@pytest.fixture
def approved_term(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    return demo


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"reason": "   "}, "reason"),
    ({"evidence": None}, "evidence"),
    ({"evidence": SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf")}, "evidence"),
    ({"shown": "kha"}, "shown"),  # a stale old value
    ({"new": "tot"}, "new"),  # the same as the old one
    ({"new": "xuat_sac"}, "new"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(approved_term, kwargs, key):
    demo = approved_term
    arguments = {"shown": "tot", "new": "kha", **kwargs}
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        submit(demo, Field.CONDUCT, **arguments)
    assert key in refused.value.message_dict
    assert not HomeroomCorrection.objects.exists()


def test_bad_absences_are_refused(approved_term):
    demo = approved_term
    with pytest.raises(ValidationError) as refused:
        submit(demo, Field.ABSENCES, month=first_month(demo), new=("-1", "0"))
    assert "new" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        submit(demo, Field.ABSENCES, month=first_month(demo, 2), new=("1", "0"))
    assert "month" in refused.value.message_dict


def test_a_second_open_request_for_the_same_value_is_refused(approved_term):
    demo = approved_term
    submit(demo, Field.CONDUCT, shown="tot", new="kha")
    with pytest.raises(ValidationError) as refused:
        submit(demo, Field.CONDUCT, shown="tot", new="dat")
    assert "__all__" in refused.value.message_dict
    assert HomeroomCorrection.objects.count() == 1


def test_only_the_homeroom_teacher_files(approved_term):
    with pytest.raises(PermissionDenied):
        submit(approved_term, Field.CONDUCT, shown="tot", new="kha", username="teacher_math")


def test_nobody_decides_their_own_request_and_only_deciders_decide(approved_term):
    demo = approved_term
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    for username in ("homeroom_6a1", "vice", "board", "teacher_math"):
        with pytest.raises(PermissionDenied):
            decide(demo, request, username=username, witness="board")
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_delegate_whose_delegation_ended_is_refused_with_its_date(approved_term):
    demo = approved_term
    start = demo.year.start_date
    delegation.delegation_grant(actor=demo.user("principal"), year=demo.year, delegate=demo.user("vice"),
                                starts_on=start, ends_on=start)  # one day, long past
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    with translation.override("en"), pytest.raises(PermissionDenied, match=f"ended on {start:%d/%m/%Y}"):
        decide(demo, request, username="vice")
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_witness_is_required_and_a_decided_request_cannot_be_decided_again(approved_term):
    demo = approved_term
    request = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    with pytest.raises(ValidationError) as refused:
        decide(demo, request, witness=None)
    assert "witness" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        decide(demo, request, witness="teacher_math")
    assert "witness" in refused.value.message_dict
    decide(demo, request)
    with pytest.raises(ValidationError):
        decide(demo, request)
    with pytest.raises(ValidationError):
        hc.homeroom_correction_reject(actor=demo.user("principal"), request=request, note="Sai")
    assert ConductResult.objects.get(enrolment=studying(demo)[0], term=term(demo, 1)).level == "kha"


def test_a_value_changed_since_the_request_refuses_the_approval(approved_term):
    demo = approved_term
    enrolment = studying(demo)[0]
    first = submit(demo, Field.CONDUCT, shown="tot", new="kha")
    # Another way the value changed meanwhile: the approval was withdrawn and the sheet saved again.
    remark = submit(demo, Field.REMARK, shown="", new="Ngoan")
    decide(demo, remark)
    homeroom_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"), term=term(demo, 1),
                  entries=[HomeroomEntry(enrolment.pk, conduct="dat", remark="Ngoan")])
    approve(demo, 1)
    with pytest.raises(ValidationError) as refused:
        decide(demo, first)
    assert "__all__" in refused.value.message_dict
    first.refresh_from_db()
    assert first.status == "pending"
    assert ConductResult.objects.get(enrolment=enrolment, term=term(demo, 1)).level == "dat"
    assert ResultApproval.objects.filter(school_class__year__is_current=True).exists()


# --- the monthly correction log lists them ------------------------------------------------------------


def test_the_correction_log_lists_an_applied_homeroom_correction_for_its_teacher_and_department(demo):
    from django.utils import timezone

    from gradebook.corrections import selectors

    complete_term(demo, 1)
    approve(demo, 1)
    pending = submit(demo, Field.CONDUCT, shown="tot", new="kha", reason="Nhập nhầm mức rèn luyện")
    rejected = submit(demo, Field.REMARK, shown="", new="Ngoan")
    hc.homeroom_correction_reject(actor=demo.user("principal"), request=rejected, note="Không cần")
    approved = decide(demo, pending)
    month = timezone.localdate(approved.decided_at)
    homeroom_teacher = demo.user("homeroom_6a1")
    with translation.override("vi"):
        log = selectors.teacher_log(actor=demo.user("principal"), teacher_id=homeroom_teacher.pk, year=month.year,
                                    month=month.month)
    [entry] = [entry for entry in log.entries if entry.homeroom]
    assert (entry.request_id, entry.cells[0].old_value, entry.cells[0].new_value, entry.reason,
            entry.decided_by, entry.witness, entry.minutes_number, entry.evidence[0].name) == (
        approved.pk, "Tốt", "Khá", "Nhập nhầm mức rèn luyện", demo.user("principal").profile.full_name,
        demo.user("board").profile.full_name, 1, "bien-ban.pdf")
    department = homeroom_teacher.profile.department
    department_log = selectors.department_log(actor=demo.user("principal"), department_id=department.pk,
                                              year=month.year, month=month.month)
    assert [e.request_id for e in department_log.entries if e.homeroom] == [approved.pk]
    own = selectors.teacher_log(actor=homeroom_teacher, teacher_id=homeroom_teacher.pk, year=month.year,
                                month=month.month)
    assert [e.request_id for e in own.entries if e.homeroom] == [approved.pk]
    choices = selectors.log_choices(actor=demo.user("principal"))
    overview = selectors.log_overview(actor=demo.user("principal"), choices=choices, year=month.year,
                                      month=month.month)
    assert any(count.pk == department.pk and count.requests == 1 for count in overview.departments)
