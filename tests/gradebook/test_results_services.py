"""Exemptions, re-test and summer entry, approval, and what approval freezes: rights, refusals, history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from gradebook import entry as policy
from gradebook.homeroom.services import HomeroomEntry, homeroom_save
from gradebook.models import (
    ConductResult,
    Exemption,
    ResultApproval,
    RetestResult,
    Score,
    SummerReassessment,
)
from gradebook.results.compute import YEAR, load_class, results_for
from gradebook.results.services import (
    RetestEntry,
    SummerEntry,
    exemption_create,
    exemption_revoke,
    field_key,
    results_approve,
    retests_save,
    summer_save,
)
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from seed.demo import demo_year

from .test_results import (
    complete_year,
    fill_scores,
    one_student,
    set_conduct,
    studying,
    term,
)

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db


def exempt(demo, enrolment, code="gdtc", number=None, username="principal", reason="Sức khỏe yếu"):
    return exemption_create(actor=demo.user(username), enrolment=enrolment, subject=demo.subject(code),
                            term=term(demo, number) if number else None, reason=reason, evidence_note="Giấy khám")


def approve(demo, number, username="principal", class_name="6A1"):
    return results_approve(actor=demo.user(username), school_class=demo.school_class(class_name),
                           term=term(demo, number) if number != YEAR else None)


def complete_term(demo, number, class_name="6A1"):
    fill_scores(demo, number, class_name=class_name)
    set_conduct(demo, number, class_name=class_name)


# --- exemptions ------------------------------------------------------------------------------------------


def test_the_principal_exempts_a_student_with_reason_evidence_and_history(demo):
    enrolment = studying(demo)[0]
    exemption = exempt(demo, enrolment, number=1)

    assert (exemption.term.number, exemption.reason, exemption.evidence_note) == (1, "Sức khỏe yếu", "Giấy khám")
    assert exemption.decided_by == demo.user("principal")
    assert exemption.history.get().history_user == demo.user("principal")
    assert policy.exempt_enrolment_ids(demo.assignment("6A1", "gdtc"), term(demo, 1)) == {enrolment.pk}
    assert policy.exempt_enrolment_ids(demo.assignment("6A1", "gdtc"), term(demo, 2)) == frozenset()


@pytest.mark.parametrize("username", ["vice", "homeroom_6a1", "teacher_math", "board"])
def test_only_the_principal_decides_exemptions(demo, username):
    with pytest.raises(PermissionDenied):
        exempt(demo, studying(demo)[0], username=username)
    assert not Exemption.objects.exists()


def test_another_schools_student_cannot_be_exempted(demo, other_school):
    with pytest.raises(Http404):
        exemption_create(actor=demo.user("principal"), enrolment=other_school["enrolment"],
                         subject=other_school["subject"], term=None, reason="x")


def test_an_exemption_needs_a_reason_and_a_subject_the_grade_studies(demo, other_school):
    enrolment = studying(demo)[0]
    with pytest.raises(ValidationError) as refused:
        exempt(demo, enrolment, reason="  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        exemption_create(actor=demo.user("principal"), enrolment=enrolment, subject=other_school["subject"],
                         term=None, reason="x")
    assert "subject" in refused.value.message_dict


def test_overlapping_exemptions_are_refused(demo):
    enrolment = studying(demo)[0]
    exempt(demo, enrolment, number=1)
    with pytest.raises(ValidationError):
        exempt(demo, enrolment, number=1)
    with pytest.raises(ValidationError):
        exempt(demo, enrolment)  # the year, while term I is exempt
    exempt(demo, studying(demo)[1])
    with pytest.raises(ValidationError):
        exempt(demo, studying(demo)[1], number=2)
    assert Exemption.objects.count() == 2


def test_a_revoked_exemption_is_gone_and_its_history_names_who_and_why(demo):
    exemption = exempt(demo, studying(demo)[0])
    with pytest.raises(PermissionDenied):
        exemption_revoke(actor=demo.user("homeroom_6a1"), exemption=exemption, reason="x")
    exemption_revoke(actor=demo.user("principal"), exemption=exemption, reason="Đã khỏi bệnh")

    assert not Exemption.objects.exists()
    revoked = Exemption.history.get(history_type="-")
    assert (revoked.history_user, revoked.history_change_reason) == (demo.user("principal"), "Đã khỏi bệnh")


def test_exempt_cells_are_not_required_for_approval(demo):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, marks={enrolment.pk: {"gdtc": ""}})
    set_conduct(demo, 1)
    with pytest.raises(ValidationError):
        approve(demo, 1)

    exempt(demo, enrolment, number=1)
    assert approve(demo, 1).term.number == 1


# --- re-tests and summer ------------------------------------------------------------------------------------


def test_a_retest_for_a_student_or_subject_not_on_the_list_is_refused(demo):
    enrolment = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])
    with pytest.raises(ValidationError):
        retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                     entries=[RetestEntry(enrolment.pk, demo.subject("toan").pk, "8")])
    with pytest.raises(ValidationError):
        summer_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                    entries=[SummerEntry(enrolment.pk, "dat")])
    assert not RetestResult.objects.filter(enrolment__school_class__year__is_current=True).exists() and not SummerReassessment.objects.filter(enrolment__school_class__year__is_current=True).exists()


def test_a_badly_typed_retest_score_is_refused_at_its_field_and_nothing_is_saved(demo):
    enrolment = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                     entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "6"),
                              RetestEntry(enrolment.pk, demo.subject("tin").pk, "11")])

    assert refused.value.message_dict == {
        field_key("retest", enrolment.pk, demo.subject("tin").pk): ["Điểm phải từ 0 đến 10."]}
    assert not RetestResult.objects.filter(enrolment__school_class__year__is_current=True).exists()


@pytest.mark.parametrize("username", ["principal", "vice", "teacher_math", "gv_anh1"])
def test_only_the_homeroom_teacher_enters_retests_and_summer_reassessments(demo, username):
    enrolment = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])
    with pytest.raises(PermissionDenied):
        retests_save(actor=demo.user(username), school_class=demo.school_class("6A1"),
                     entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "6")])
    with pytest.raises(PermissionDenied):
        summer_save(actor=demo.user(username), school_class=demo.school_class("6A1"), entries=[])


# --- approval ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["vice", "homeroom_6a1", "board", "clerk"])
def test_only_the_principal_approves(demo, username):
    complete_term(demo, 1)
    with pytest.raises(PermissionDenied):
        approve(demo, 1, username=username)
    assert not ResultApproval.objects.filter(school_class__year__is_current=True).exists()


def test_another_schools_class_cannot_be_approved(demo, other_school):
    with pytest.raises(Http404):
        results_approve(actor=demo.user("principal"), school_class=other_school["school_class"], term=None)


def test_approval_is_refused_while_a_required_cell_is_empty_and_the_gaps_name_it(demo):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, marks={enrolment.pk: {"toan": ""}})
    set_conduct(demo, 1, students=studying(demo)[1:])
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        approve(demo, 1)

    messages = refused.value.messages
    assert len(messages) == 2
    assert messages[0].startswith("Toán, Term I: 6 score cells are empty (" + enrolment.student.full_name)
    assert "Đỗ Thị Mai" in messages[0]
    assert messages[1].startswith("Conduct, Term I: 2 students have no result yet")  # one of them left in term II
    assert not ResultApproval.objects.filter(school_class__year__is_current=True).exists()


def test_a_complete_term_is_approved_once_with_who_and_when(demo):
    complete_term(demo, 1)
    approval = approve(demo, 1)

    assert (approval.approved_by, approval.term.number) == (demo.user("principal"), 1)
    assert approval.history.get().history_user == demo.user("principal")
    with pytest.raises(ValidationError):
        approve(demo, 1)
    assert ResultApproval.objects.filter(school_class__year__is_current=True).count() == 1


def test_an_approved_term_freezes_its_conduct_absences_remarks_exemptions_and_scores(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    enrolment = studying(demo)[0]
    homeroom = demo.user("homeroom_6a1")

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        homeroom_save(actor=homeroom, school_class=demo.school_class("6A1"), term=term(demo, 1),
                      entries=[HomeroomEntry(enrolment.pk, conduct="kha", absences={DEMO_YEAR.month(9): (1, 0)})])
    assert "approved the results of class 6A1 for term I" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        exempt(demo, enrolment, number=1)
    with pytest.raises(ValidationError):
        exempt(demo, enrolment)  # a year exemption would change term I too
    with translation.override("en"), pytest.raises(PermissionDenied) as denied:
        scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo, 1),
                    cells=[CellInput(enrolment.pk, Score.Kind.FINAL, 1, "10", expected_version=1)])
    assert str(denied.value) == (
        "The principal has approved this class's results for this period: a change is a correction request, "
        "and approving it reopens the approval.")
    assert not policy.can_write(demo.user("teacher_math"), demo.assignment("6A1", "toan"), term(demo, 1))
    assert ConductResult.objects.get(enrolment=enrolment, term__number=1).level == "tot"
    assert Score.objects.get(enrolment=enrolment, subject__code="toan", term__number=1, kind="ck").value == 7

    # Term II is still open.
    homeroom_save(actor=homeroom, school_class=demo.school_class("6A1"), term=term(demo, 2),
                  entries=[HomeroomEntry(enrolment.pk, conduct="kha")])
    assert policy.can_write(demo.user("teacher_math"), demo.assignment("6A1", "toan"), term(demo, 2))
    exempt(demo, enrolment, number=2)


def test_the_year_needs_both_terms_and_every_remedy_before_approval(demo):
    enrolment = studying(demo)[0]
    marks = {enrolment.pk: {"cn": "3", "tin": "4,5"}}
    for number in (1, 2):
        fill_scores(demo, number, marks=marks)
    set_conduct(demo, 1)
    with pytest.raises(ValidationError):
        approve(demo, YEAR)  # no conduct for term II yet
    set_conduct(demo, 2)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        approve(demo, YEAR)
    assert refused.value.messages == [
        f"Re-test: the result of 1 student is not entered yet ({enrolment.student.full_name})."]

    retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                 entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "5"),
                          RetestEntry(enrolment.pk, demo.subject("tin").pk, "5")])
    assert approve(demo, YEAR).term is None


def test_an_approved_year_freezes_both_terms_and_the_remedies(demo):
    enrolment = studying(demo)[0]
    complete_year(demo, conduct={enrolment.pk: ("chua_dat", "chua_dat")})
    summer_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                entries=[SummerEntry(enrolment.pk, "dat")])
    approve(demo, YEAR)

    with pytest.raises(ValidationError):
        summer_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                    entries=[SummerEntry(enrolment.pk, "chua_dat")])
    for number in (1, 2):
        with pytest.raises(ValidationError):
            homeroom_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                          term=term(demo, number), entries=[HomeroomEntry(enrolment.pk, remark="Sửa")])
        with pytest.raises(PermissionDenied):
            scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"),
                        term=term(demo, number), cells=[CellInput(enrolment.pk, Score.Kind.FINAL, 1, "9",
                                                                  expected_version=1)])
    with pytest.raises(ValidationError):
        homeroom_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"), term=None,
                      entries=[HomeroomEntry(enrolment.pk, remark="Sửa")])
    with pytest.raises(ValidationError):
        approve(demo, 1)  # the year's approval covers the terms
    assert SummerReassessment.objects.get(enrolment=enrolment).level == "dat"
    # Another class is untouched.
    assert policy.can_write(demo.user("teacher_math"), demo.assignment("6A2", "toan"), term(demo, 2))


def test_the_results_show_the_approval_and_the_frozen_state(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    school_class = sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class("6A1").pk)
    data = load_class(school_class)

    assert results_for(data, 1).approval.approved_by == demo.user("principal")
    assert results_for(data, 1).frozen and not results_for(data, 2).frozen
    assert results_for(data, 1).gaps == []
