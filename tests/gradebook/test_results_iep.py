"""Class results of a student with an individual education plan (TT22 art. 11), from real scores.

Each test puts the plan straight into the loaded ClassData (``data.plans``), as load_class fills
it from the approved plans (tests/gradebook/test_plans.py goes through the model and its services);
scores, conduct and exemptions go through the services as everywhere else.
"""

import pytest

from gradebook.assessment import Level, Outcome, PlanMode, Title
from gradebook.models import Score
from gradebook.results.compute import YEAR, _Slot, load_class, missing_cells, results_for
from gradebook.results.services import exemption_create
from schoolrecords import models as sm
from tests.gradebook.test_results import (
    fill_scores,
    one_student,
    row_of,
    set_conduct,
    studying,
    subject_of,
)

pytestmark = pytest.mark.django_db

EXEMPT = ("anh", "cn", "tin")


def class_data(demo, class_name: str = "6A1"):
    return load_class(sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class(class_name).pk))


def exempt_three(demo, enrolment) -> None:
    for code in EXEMPT:
        exemption_create(actor=demo.user("principal"), enrolment=enrolment, subject=demo.subject(code), term=None,
                         reason="Khuyết tật, theo kế hoạch giáo dục cá nhân", evidence_note="Hồ sơ khuyết tật")


def test_three_exempt_subjects_and_9_5_elsewhere_is_tot_when_the_plan_says_so(demo):
    enrolment = one_student(demo, ["9.5"] * 8)
    exempt_three(demo, enrolment)

    data = class_data(demo)
    without_plan = row_of(results_for(data, YEAR), enrolment)
    assert without_plan.learning is Level.CHUA_DAT  # five scored subjects: the literal "6 subjects" count
    assert without_plan.outcome is Outcome.RETEST and without_plan.retest_subjects == []

    data.plans[enrolment.pk] = {}  # the plan assesses the rest as the class
    year = row_of(results_for(data, YEAR), enrolment)
    assert [subject_of(year, code).exempt for code in EXEMPT] == [True, True, True]
    assert year.learning_before_adjustment is Level.TOT and year.learning is Level.TOT
    assert year.title is Title.XUAT_SAC  # five of five assessed scored subjects at ≥ 9.0
    assert year.outcome is Outcome.PROMOTED
    for number in (1, 2):
        assert row_of(results_for(data, number), enrolment).learning is Level.TOT


def test_the_plan_does_not_change_the_other_students(demo):
    enrolment = one_student(demo, ["9.5"] * 8)
    exempt_three(demo, enrolment)
    other = studying(demo)[1]
    for number in (1, 2):
        fill_scores(demo, number, students=[other], marks={other.pk: {code: "" for code in EXEMPT}})
        set_conduct(demo, number, students=[other])
    data = class_data(demo)
    data.plans[enrolment.pk] = {}
    row = row_of(results_for(data, YEAR), other)
    assert row.learning is None  # three subjects still empty for a student without plan or exemption


def test_a_plans_exemption_leaves_the_subject_and_its_cells(demo):
    enrolment = studying(demo)[0]
    marks = {enrolment.pk: {**{code: "9.5" for code in ("van", "toan", "gdcd", "lsdl", "khtn")},
                            **{code: "" for code in EXEMPT}}}
    for number in (1, 2):
        fill_scores(demo, number, students=[enrolment], marks=marks)
        set_conduct(demo, number, students=[enrolment])

    def missing_for_student(data):
        return sorted(info.subject.code for info, _count, students in missing_cells(data, 1) if enrolment in students)

    data = class_data(demo)
    assert missing_for_student(data) == sorted(EXEMPT)
    assert row_of(results_for(data, YEAR), enrolment).learning is None

    data.plans[enrolment.pk] = {demo.subject(code).pk: PlanMode.EXEMPT for code in EXEMPT}
    assert missing_for_student(data) == []
    year = row_of(results_for(data, YEAR), enrolment)
    assert all(subject_of(year, code).exempt for code in EXEMPT)
    assert year.learning is Level.TOT and year.outcome is Outcome.PROMOTED


def test_a_scored_subject_assessed_by_comments_under_the_plan(demo):
    enrolment = one_student(demo, ["9.5"] * 8)
    exempt_three(demo, enrolment)
    data = class_data(demo)
    toan = demo.subject("toan")
    data.plans[enrolment.pk] = {toan.pk: PlanMode.COMMENTS}
    # The grid cannot record Đ/CĐ in a scored subject yet (the plan's pages come later): put the
    # student's Toán cells into the loaded data as such a grid would store them.
    for number in (1, 2):
        held = data.slots[number, enrolment.pk, toan.pk]
        for key in held:
            held[key] = _Slot(None, number == 1 or key != (Score.Kind.FINAL, 1))

    year = row_of(results_for(data, YEAR), enrolment)
    assert subject_of(year, "toan").info.is_commented and subject_of(year, "toan").value is False
    # Four scored subjects at 9.5 and one CĐ: Đạt by the table, Tốt but for that one subject → Khá.
    assert year.learning_before_adjustment is Level.DAT and year.learning is Level.KHA
    assert year.title is None
    assert row_of(results_for(data, 1), enrolment).learning is Level.TOT
    other = row_of(results_for(data, YEAR), studying(demo)[1])
    assert not subject_of(other, "toan").info.is_commented


def test_term_one_of_the_demo_class_still_loads_in_constant_queries(demo, django_assert_num_queries):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment])
    school_class = sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class("6A1").pk)
    with django_assert_num_queries(15):  # thirteen, the results got before joining the class, the approved plans
        data = load_class(school_class)
    assert data.plans == {}
