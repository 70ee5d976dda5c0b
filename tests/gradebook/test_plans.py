"""Individual education plans (TT22 art. 11, issue 14 item 6): the model, the services, the results through the DB."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from gradebook.assessment import Level, Outcome, PlanMode, Title
from gradebook.entry import exemptions_by_term
from gradebook.models import IndividualPlan, IndividualPlanSubject
from gradebook.plans.services import plan_approve, plan_save
from gradebook.results.compute import YEAR, load_class, missing_cells, results_for
from gradebook.results.services import results_approve
from schoolrecords import models as sm
from tests.gradebook.test_results import (
    complete_year,
    fill_scores,
    one_student,
    row_of,
    set_conduct,
    studying,
    subject_of,
)

pytestmark = pytest.mark.django_db

EXEMPT = ("anh", "cn", "tin")


def loaded(demo, class_name: str = "6A1"):
    return load_class(sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class(class_name).pk))


def exempt_modes(demo, codes=EXEMPT) -> dict[int, str]:
    return {demo.subject(code).pk: "exempt" for code in codes}


def draft(demo, enrolment, modes=None, **kwargs) -> IndividualPlan:
    return plan_save(actor=demo.user("homeroom_6a1"), student=enrolment.student, year=demo.year,
                     modes=exempt_modes(demo) if modes is None else modes, note="Khuyết tật vận động", **kwargs)


# --- the model ----------------------------------------------------------------------------------------


def test_one_plan_per_student_and_year(demo):
    enrolment = studying(demo)[0]
    plan = draft(demo, enrolment)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndividualPlan.objects.create(student=enrolment.student, year=demo.year, created_by=plan.created_by,
                                      updated_by=plan.created_by)


def test_one_row_per_subject_and_a_known_mode(demo):
    plan = draft(demo, studying(demo)[0])
    anh = demo.subject("anh")
    with pytest.raises(IntegrityError), transaction.atomic():
        IndividualPlanSubject.objects.create(plan=plan, subject=anh, mode="comments")
    with pytest.raises(IntegrityError), transaction.atomic():
        IndividualPlanSubject.objects.create(plan=plan, subject=demo.subject("toan"), mode="half")


def test_an_approved_plan_names_its_approver(demo):
    user = demo.user("board")
    with pytest.raises(IntegrityError), transaction.atomic():
        IndividualPlan.objects.create(student=studying(demo)[0].student, year=demo.year, state="approved",
                                      created_by=user, updated_by=user)


# --- the services -----------------------------------------------------------------------------------------


def test_the_homeroom_teacher_drafts_and_the_principal_approves_with_history(demo):
    enrolment = studying(demo)[0]
    plan = draft(demo, enrolment, reason="Hồ sơ khuyết tật số 12")
    assert plan.state == IndividualPlan.State.DRAFT
    assert dict(plan.subjects.values_list("subject__code", "mode")) == {code: "exempt" for code in EXEMPT}
    assert plan.history.get().history_change_reason == "Hồ sơ khuyết tật số 12"
    assert plan.history.get().history_user == demo.user("homeroom_6a1")

    plan_approve(actor=demo.user("principal"), plan=plan, note="Đồng ý")
    plan.refresh_from_db()
    assert plan.is_approved and plan.approved_by == demo.user("principal") and plan.approval_note == "Đồng ý"
    assert plan.history.order_by("history_date").last().history_user == demo.user("principal")


def test_the_board_drafts_too_but_not_a_subject_teacher_nor_the_principal_approves_twice(demo):
    enrolment = studying(demo)[0]
    plan = plan_save(actor=demo.user("board"), student=enrolment.student, year=demo.year, modes={})
    with pytest.raises(PermissionDenied):
        plan_save(actor=demo.user("teacher_math"), student=enrolment.student, year=demo.year, modes={})
    with pytest.raises(PermissionDenied):
        plan_approve(actor=demo.user("homeroom_6a1"), plan=plan)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=demo.user("vice"), plan=plan)
    plan_approve(actor=demo.user("principal"), plan=plan)
    with pytest.raises(ValidationError):
        plan_approve(actor=demo.user("principal"), plan=plan)


def test_the_homeroom_teacher_of_another_class_may_not_draft(demo):
    enrolment = studying(demo, "8A1")[0]
    with pytest.raises(PermissionDenied):
        plan_save(actor=demo.user("homeroom_6a1"), student=enrolment.student, year=demo.year, modes={})
    assert not IndividualPlan.objects.exists()


def _refused(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    assert not IndividualPlan.objects.exists() and not IndividualPlanSubject.objects.exists()
    return caught.value.message_dict


def test_a_student_of_another_school_is_refused_at_the_field(demo, other_school):
    errors = _refused(lambda: plan_save(actor=demo.user("homeroom_6a1"), student=other_school["student"],
                                        year=demo.year, modes={}))
    assert errors == {"student": ["Học sinh này không thuộc trường của bạn."]}


def test_a_year_the_student_does_not_study_in_is_refused_at_the_field(demo, other_school):
    student = studying(demo)[0].student
    errors = _refused(lambda: plan_save(actor=demo.user("homeroom_6a1"), student=student,
                                        year=other_school["year"], modes={}))
    assert list(errors) == ["year"]
    system_year = sm.SchoolYear.objects.create(school=demo.school, name="2030-2031",
                                               start_date=demo.year.end_date.replace(year=2030),
                                               end_date=demo.year.end_date.replace(year=2031))
    errors = _refused(lambda: plan_save(actor=demo.user("homeroom_6a1"), student=student, year=system_year, modes={}))
    assert errors["year"][0].startswith(student.full_name)


def test_a_subject_the_class_does_not_study_and_an_unknown_mode_are_refused_at_their_field(demo, other_school):
    enrolment = studying(demo)[0]
    foreign = other_school["subject"]
    toan = demo.subject("toan")
    errors = _refused(lambda: draft(demo, enrolment, modes={foreign.pk: "exempt", toan.pk: "sometimes"}))
    assert errors == {f"mode-{foreign.pk}": ["Lớp 6A1 không học môn này trong năm học này."],
                      f"mode-{toan.pk}": ["Chọn đánh giá bằng điểm số, bằng nhận xét hoặc miễn."]}


def test_changing_an_approved_plan_needs_a_reason_and_the_principal_again(demo):
    enrolment = studying(demo)[0]
    plan = draft(demo, enrolment)
    plan_approve(actor=demo.user("principal"), plan=plan)
    assert draft(demo, enrolment).is_approved  # nothing changes: a no-op keeps the approval
    with pytest.raises(ValidationError) as caught:
        draft(demo, enrolment, modes=exempt_modes(demo, ("anh", "cn")))
    assert list(caught.value.message_dict) == ["reason"]
    assert IndividualPlanSubject.objects.filter(plan=plan).count() == 3

    plan = draft(demo, enrolment, modes=exempt_modes(demo, ("anh", "cn")), reason="Em học lại được Tin học")
    assert plan.state == IndividualPlan.State.DRAFT and plan.approved_by is None
    assert sorted(plan.subjects.values_list("subject__code", flat=True)) == ["anh", "cn"]
    deleted = IndividualPlanSubject.history.filter(plan_id=plan.pk, history_type="-").get()
    assert deleted.history_change_reason == "Em học lại được Tin học"
    assert enrolment.pk not in loaded(demo).plans  # a draft counts nowhere


def test_approving_a_plan_is_refused_once_the_class_results_are_approved(demo):
    complete_year(demo)
    results_approve(actor=demo.user("principal"), school_class=demo.school_class("6A1"),
                    term=demo.year.terms.get(number=1))
    plan = draft(demo, studying(demo)[0])
    with pytest.raises(ValidationError) as caught:
        plan_approve(actor=demo.user("principal"), plan=plan)
    assert "6A1" in caught.value.messages[0]
    plan.refresh_from_db()
    assert plan.state == IndividualPlan.State.DRAFT


# --- the results, through the database ------------------------------------------------------------------


def test_three_exempt_subjects_and_9_5_elsewhere_is_tot_under_the_approved_plan(demo):
    enrolment = studying(demo)[0]
    marks = {enrolment.pk: {**{code: "9.5" for code in ("van", "toan", "gdcd", "lsdl", "khtn")},
                            **{code: "" for code in EXEMPT}}}
    for number in (1, 2):
        fill_scores(demo, number, students=[enrolment], marks=marks)
        set_conduct(demo, number, students=[enrolment])
    plan = draft(demo, enrolment)
    assert row_of(results_for(loaded(demo), YEAR), enrolment).learning is None  # the draft does not count

    plan_approve(actor=demo.user("principal"), plan=plan)
    data = loaded(demo)
    assert data.plans[enrolment.pk] == {demo.subject(code).pk: PlanMode.EXEMPT for code in EXEMPT}
    year = row_of(results_for(data, YEAR), enrolment)
    assert all(subject_of(year, code).exempt for code in EXEMPT)
    assert year.learning is Level.TOT and year.outcome is Outcome.PROMOTED and year.retest_subjects == []
    assert year.title is Title.XUAT_SAC
    assert not [info for info, _count, students in missing_cells(data, 1) if enrolment in students]


def test_a_plan_that_changes_no_subject_still_counts_the_assessed_subjects_only(demo):
    enrolment = one_student(demo, ["9.5"] * 8)
    plan = draft(demo, enrolment, modes={})
    plan_approve(actor=demo.user("principal"), plan=plan)
    assert loaded(demo).plans == {enrolment.pk: {}}


def test_the_grid_treats_a_plans_exempt_subject_as_exempt(demo):
    enrolment = studying(demo)[0]
    assignment = demo.assignment("6A1", "anh")
    term = demo.year.terms.get(number=2)
    plan = draft(demo, enrolment)
    assert enrolment.pk not in exemptions_by_term(assignment, term)[2]
    plan_approve(actor=demo.user("principal"), plan=plan)
    assert exemptions_by_term(assignment, term) == {1: frozenset({enrolment.pk}), 2: frozenset({enrolment.pk})}
    assert enrolment.pk not in exemptions_by_term(demo.assignment("6A1", "toan"), term)[2]


def test_the_grid_takes_pass_or_not_yet_from_a_student_the_plan_assesses_by_comments(demo):
    from gradebook.models import Score
    from gradebook.scores.selectors import grid
    from gradebook.scores.services import CellInput, scores_save

    enrolment, other = studying(demo)[:2]
    toan = demo.subject("toan")
    plan = draft(demo, enrolment, modes={**exempt_modes(demo), toan.pk: "comments"})
    plan_approve(actor=demo.user("principal"), plan=plan)
    assignment, term = demo.assignment("6A1", "toan"), demo.year.terms.get(number=1)
    teacher = assignment.teacher
    slots = [(Score.Kind.REGULAR, index) for index in range(1, 5)] + [(Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]

    saved = scores_save(session="test-session", actor=teacher, assignment=assignment, term=term,
                        cells=[CellInput(enrolment.pk, kind, index, "Đ") for kind, index in slots]
                        + [CellInput(other.pk, Score.Kind.REGULAR, 1, "Đ")])
    outcomes = [cell.outcome.value for cell in saved.cells]
    assert outcomes[:-1] == ["saved"] * len(slots) and outcomes[-1] == "invalid"  # the class is scored
    assert Score.objects.get(enrolment=enrolment, subject=toan, term=term, kind="ck").comment_passed is True
    assert [row.term_result for row in saved.rows if row.enrolment_id == enrolment.pk] == [True]

    refused = scores_save(session="test-session", actor=teacher, assignment=assignment, term=term,
                          cells=[CellInput(enrolment.pk, Score.Kind.REGULAR, 1, "8")])
    assert refused.cells[0].outcome.value == "invalid"

    shown = grid(actor=teacher, assignment=assignment, term=term)
    row = next(row for row in shown.rows if row.enrolment.pk == enrolment.pk)
    assert row.by_plan and row.term_result is True
    assert not next(row for row in shown.rows if row.enrolment.pk == other.pk).by_plan
    result = row_of(results_for(loaded(demo), 1), enrolment)
    assert subject_of(result, "toan").info.is_commented and subject_of(result, "toan").value is True
