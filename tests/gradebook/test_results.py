"""Class results computed from real scores: the worked examples of docs/assessment.md, exemptions, re-tests, summer training.

Scores are entered through gradebook.scores.services.scores_save as the assigned teachers (one call per
assignment and term), conduct and absences through the homeroom service, so history exists.
"""

from decimal import Decimal

import pytest

from gradebook import assessment
from gradebook.assessment import Level, Outcome, Title
from gradebook.homeroom.services import HomeroomEntry, homeroom_save
from gradebook.models import RetestResult, Score
from gradebook.results.compute import (
    YEAR,
    in_class_at_end,
    load_class,
    results_for,
    term_months,
)
from gradebook.results.services import (
    RetestEntry,
    SummerEntry,
    retests_save,
    summer_save,
)
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as sm
from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

SCORED = ("van", "toan", "anh", "gdcd", "lsdl", "khtn", "cn", "tin")  # the demo's grade 6, in subject order
COMMENTED = ("gdtc", "amnhac", "mithuat", "hdtn", "gddp")


# --- helpers (the other results and homeroom test modules import these) ------------------------------


def term(demo, number: int) -> sm.Term:
    return demo.year.terms.get(number=number)


def due(demo, number: int, class_name: str = "6A1") -> list[sm.Enrolment]:
    """The students whose results of the term are due: in the class when it ended."""
    term_ = term(demo, number)
    return [enrolment for enrolment in sm.Enrolment.objects.filter(school_class=demo.school_class(class_name))
            .select_related("student").order_by("pk") if in_class_at_end(enrolment, term_)]


def studying(demo, class_name: str = "6A1") -> list[sm.Enrolment]:
    return list(sm.Enrolment.objects.filter(school_class=demo.school_class(class_name),
                                            status=sm.Enrolment.Status.STUDYING).select_related("student")
                .order_by("pk"))


def fill_scores(demo, number: int, *, class_name: str = "6A1", students=None, marks=None,
                scored: str = "7", commented: str = "Đ") -> None:
    """Every required cell of every subject for term ``number``: one scores_save per assignment.

    Every slot of a subject gets the same text, so the term average is that value: ``marks``
    ({enrolment pk: {subject code: text}}) overrides the default per student ("" leaves the subject empty).
    """
    marks = marks or {}
    students = due(demo, number, class_name) if students is None else students
    term_ = term(demo, number)
    school_class = demo.school_class(class_name)
    periods = dict(sm.GradeSubject.objects.filter(year=demo.year, grade=school_class.grade)
                   .values_list("subject_id", "periods_per_year"))
    for assignment in (sm.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True)
                       .select_related("subject", "teacher")):
        regular = assessment.regular_assessment_count(periods[assignment.subject_id])
        slots = [(Score.Kind.REGULAR, index) for index in range(1, regular + 1)] + [
            (Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]
        default = commented if assignment.subject.is_commented else scored
        cells = [
            CellInput(enrolment.pk, kind, index, text)
            for enrolment in students
            for text in [marks.get(enrolment.pk, {}).get(assignment.subject.code, default)] if text
            for kind, index in slots
        ]
        result = scores_save(session="test-session", actor=assignment.teacher, assignment=assignment, term=term_, cells=cells, reason="test")
        assert result.ok, [cell.message for cell in result.problems][:3]


def set_conduct(demo, number: int, levels=None, *, class_name: str = "6A1", students=None,
                default: str = "tot") -> None:
    levels = levels or {}
    students = due(demo, number, class_name) if students is None else students
    school_class = demo.school_class(class_name)
    homeroom_save(actor=school_class.homeroom_teacher, school_class=school_class, term=term(demo, number),
                  entries=[HomeroomEntry(enrolment.pk, conduct=levels.get(enrolment.pk, default))
                           for enrolment in students], reason="test")


def complete_year(demo, *, class_name: str = "6A1", marks=None, conduct=None) -> None:
    """Scores of both terms and conduct of both terms for every student due: a class ready for approval."""
    marks, conduct = marks or {}, conduct or {}
    for number in (1, 2):
        fill_scores(demo, number, class_name=class_name, marks=marks)
        set_conduct(demo, number, {pk: levels[number - 1] for pk, levels in conduct.items()}, class_name=class_name)


def results(demo, number: int = YEAR, class_name: str = "6A1"):
    school_class = sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class(class_name).pk)
    return results_for(load_class(school_class), number)


def row_of(class_results, enrolment):
    return next(row for row in class_results.rows if row.enrolment.pk == enrolment.pk)


def subject_of(row, code: str):
    return next(result for result in row.subjects if result.info.subject.code == code)


def marks_of(values, codes=SCORED) -> dict[str, str]:
    return {code: str(value) for code, value in zip(codes, values, strict=True)}


def one_student(demo, values, *, conduct=("tot", "tot"), comments=None):
    """A student of 6A1 with year averages ``values`` (the eight scored subjects), both terms entered."""
    enrolment = studying(demo)[0]
    marks = {enrolment.pk: {**marks_of(values), **(comments or {})}}
    for number in (1, 2):
        fill_scores(demo, number, students=[enrolment], marks=marks)
        set_conduct(demo, number, {enrolment.pk: conduct[number - 1]}, students=[enrolment])
    return enrolment


# --- averages ----------------------------------------------------------------------------------------


def test_term_and_year_averages_follow_domain_example_e2(demo):
    enrolment = studying(demo)[0]
    entries = {1: ["9", "8", "10", "7", "8,5", "9.0"], 2: ["9", "9", "8", "10", "9,5", "9,5"]}
    for number, texts in entries.items():
        kinds = [(Score.Kind.REGULAR, 1), (Score.Kind.REGULAR, 2), (Score.Kind.REGULAR, 3), (Score.Kind.REGULAR, 4),
                 (Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]
        scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=demo.assignment("6A1", "toan"), term=term(demo, number),
                    cells=[CellInput(enrolment.pk, kind, index, text) for (kind, index), text in zip(kinds, texts, strict=True)])

    assert subject_of(row_of(results(demo, 1), enrolment), "toan").value == Decimal("8.7")
    assert subject_of(row_of(results(demo, 2), enrolment), "toan").value == Decimal("9.3")
    year_row = row_of(results(demo), enrolment)
    assert subject_of(year_row, "toan").value == Decimal("9.1")
    assert subject_of(year_row, "toan").display in ("9,1", "9.1")


def test_an_average_stays_empty_and_the_levels_unknown_until_every_required_cell_is_there(demo):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment], marks={enrolment.pk: {"toan": ""}})
    set_conduct(demo, 1, students=[enrolment])

    row = row_of(results(demo, 1), enrolment)
    assert subject_of(row, "toan").value is None
    assert subject_of(row, "van").value == Decimal("7")
    assert row.learning is None and row.learning_before_adjustment is None
    assert row.conduct is Level.TOT


# --- learning levels and titles (the TT22 examples E3–E6) ------------------------------------------------------


def test_e3_six_at_eight_and_two_at_six_and_a_half_with_conduct_tot_is_tot_and_good_student(demo):
    enrolment = one_student(demo, ["8.0", "8.0", "8.0", "6.5", "8.0", "8.0", "8.0", "6.5"])

    row = row_of(results(demo), enrolment)
    assert (row.learning, row.conduct, row.title, row.outcome) == (Level.TOT, Level.TOT, Title.GIOI,
                                                                   Outcome.PROMOTED)


def test_e4_only_five_at_eight_is_kha(demo):
    enrolment = one_student(demo, ["8.0", "8.0", "8.0", "8.0", "8.0", "7.9", "6.5", "6.5"])

    row = row_of(results(demo), enrolment)
    assert row.learning is Level.KHA and row.title is None


def test_e5_tot_but_for_one_subject_at_dat_is_raised_to_kha_and_the_level_before_is_kept(demo):
    enrolment = one_student(demo, ["9.0", "8.5", "8.5", "8.0", "8.0", "8.0", "7.5", "4.8"])

    row = row_of(results(demo), enrolment)
    assert (row.learning_before_adjustment, row.learning) == (Level.DAT, Level.KHA)
    assert row.adjusted


@pytest.mark.parametrize(("values", "level"), [
    (["6.5"] * 6 + ["5.0", "5.0"], Level.KHA),
    (["6.5"] * 6 + ["5.0", "4.9"], Level.DAT),  # a one-level drop is not adjusted
])
def test_e6_a_one_level_drop_is_not_adjusted(demo, values, level):
    enrolment = one_student(demo, values)

    row = row_of(results(demo), enrolment)
    assert row.learning is level and row.learning_before_adjustment is level


def test_six_subjects_at_nine_with_tot_make_an_excellent_student(demo):
    enrolment = one_student(demo, ["9.0"] * 6 + ["8.0", "8.0"])

    assert row_of(results(demo), enrolment).title is Title.XUAT_SAC


def test_a_comment_subject_not_passed_in_term_two_fails_the_year_and_puts_it_on_the_retest_list(demo):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment])
    fill_scores(demo, 2, students=[enrolment], marks={enrolment.pk: {"gdtc": "CĐ", "amnhac": "CĐ"}})
    for number in (1, 2):
        set_conduct(demo, number, students=[enrolment])

    row = row_of(results(demo), enrolment)
    assert subject_of(row, "gdtc").value is False and subject_of(row, "gdtc").display == "CĐ"
    assert row.learning is Level.CHUA_DAT and row.outcome is Outcome.RETEST
    assert [result.info.subject.code for result in row.retest_subjects] == ["gdtc", "amnhac"]


# --- conduct and absences (E7, E8) -----------------------------------------------------------------------


@pytest.mark.parametrize(("terms", "year", "outcome"), [
    (("tot", "dat"), Level.KHA, Outcome.PROMOTED),
    (("chua_dat", "kha"), Level.DAT, Outcome.PROMOTED),
    (("tot", "chua_dat"), Level.CHUA_DAT, Outcome.SUMMER_TRAINING),
])
def test_e7_the_year_conduct_comes_from_the_two_terms(demo, terms, year, outcome):
    enrolment = one_student(demo, ["8.0"] * 8, conduct=terms)

    row = row_of(results(demo), enrolment)
    assert (row.conduct, row.outcome) == (year, outcome)
    assert row.conduct_terms == (Level(terms[0]), Level(terms[1]))


@pytest.mark.parametrize(("unexcused", "outcome"), [(25, Outcome.PROMOTED), (26, Outcome.REPEAT)])
def test_e8_more_than_45_sessions_absent_in_the_year_repeats_the_grade(demo, unexcused, outcome):
    enrolment = one_student(demo, ["8.0"] * 8)
    school_class = demo.school_class("6A1")
    homeroom_save(actor=demo.user("homeroom_6a1"), school_class=school_class, term=term(demo, 1),
                  entries=[HomeroomEntry(enrolment.pk, conduct="tot", absences={DEMO_YEAR.month(10): (20, 0)})])
    homeroom_save(actor=demo.user("homeroom_6a1"), school_class=school_class, term=term(demo, 2),
                  entries=[HomeroomEntry(enrolment.pk, conduct="tot", absences={DEMO_YEAR.month(3): (0, unexcused)})])

    row = row_of(results(demo), enrolment)
    assert (row.excused, row.unexcused) == (20, unexcused)
    assert row.outcome is outcome
    assert row_of(results(demo, 1), enrolment).absent == 20


def test_each_month_counts_in_the_term_holding_most_of_its_days(demo):
    months = term_months(demo.year.terms.all())

    assert months[1] == [DEMO_YEAR.month(9), DEMO_YEAR.month(10), DEMO_YEAR.month(11), DEMO_YEAR.month(12)]
    assert months[2] == [DEMO_YEAR.month(1), DEMO_YEAR.month(2), DEMO_YEAR.month(3), DEMO_YEAR.month(4), DEMO_YEAR.month(5)]


# --- exemptions -----------------------------------------------------------------------------------------


def test_an_exempt_subject_leaves_the_computation(demo):
    from gradebook.results.services import exemption_create

    enrolment = one_student(demo, ["8.0"] * 3 + ["3.0"] + ["8.0"] * 4)
    assert row_of(results(demo), enrolment).learning is Level.DAT  # Tốt but for GDCD, adjusted from Chưa đạt

    exemption_create(actor=demo.user("principal"), enrolment=enrolment, subject=demo.subject("gdcd"), term=None,
                     reason="Sức khỏe", evidence_note="Giấy khám bệnh")

    row = row_of(results(demo), enrolment)
    assert subject_of(row, "gdcd").exempt and subject_of(row, "gdcd").value is None
    assert row.learning is Level.TOT and row.title is Title.GIOI
    assert row_of(results(demo, 1), enrolment).learning is Level.TOT


def test_a_subject_exempt_for_one_term_takes_its_year_value_from_the_other_term(demo):
    from gradebook.results.services import exemption_create

    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment], marks={enrolment.pk: {"toan": ""}})
    fill_scores(demo, 2, students=[enrolment], marks={enrolment.pk: {"toan": "9"}})
    for number in (1, 2):
        set_conduct(demo, number, students=[enrolment])
    exemption_create(actor=demo.user("principal"), enrolment=enrolment, subject=demo.subject("toan"),
                     term=term(demo, 1), reason="Gãy tay")

    assert subject_of(row_of(results(demo, 1), enrolment), "toan").exempt
    year_row = row_of(results(demo), enrolment)
    assert subject_of(year_row, "toan").value == Decimal("9") and not subject_of(year_row, "toan").exempt
    assert year_row.learning is not None


# --- re-tests and summer training --------------------------------------------------------------------------


def test_the_retest_list_names_each_subject_below_five(demo):
    enrolment = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])

    class_results = results(demo)
    row = row_of(class_results, enrolment)
    assert row.learning is Level.CHUA_DAT and row.outcome is Outcome.RETEST
    assert [result.info.subject.code for result in row.retest_subjects] == ["cn", "tin"]
    assert class_results.retest_list == [row] and class_results.summer_list == []


def test_a_retest_replaces_the_year_value_recomputes_the_level_and_keeps_the_original(demo):
    enrolment = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])

    retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                 entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "6,5"),
                          RetestEntry(enrolment.pk, demo.subject("tin").pk, "5")])

    row = row_of(results(demo), enrolment)
    cn = subject_of(row, "cn")
    assert (cn.value, cn.retest, cn.final) == (Decimal("3.0"), Decimal("6.5"), Decimal("6.5"))
    assert row.learning is Level.CHUA_DAT and row.outcome is Outcome.RETEST  # the originals stay
    assert row.learning_after_retest is Level.DAT and row.outcome_after is Outcome.PROMOTED
    assert row.final_outcome is Outcome.PROMOTED
    stored = RetestResult.objects.get(enrolment=enrolment, subject__code="cn")
    assert (stored.value, stored.original_value) == (Decimal("6.5"), Decimal("3.0"))
    assert stored.history.get().history_user == demo.user("homeroom_6a1")


def test_a_retest_still_below_pass_repeats_the_grade(demo):
    enrolment = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])

    retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                 entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "3"),
                          RetestEntry(enrolment.pk, demo.subject("tin").pk, "5")])

    row = row_of(results(demo), enrolment)
    assert row.learning_after_retest is Level.CHUA_DAT and row.outcome_after is Outcome.REPEAT


def test_the_outcome_waits_until_every_retest_subject_has_its_result(demo):
    enrolment = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])

    retests_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                 entries=[RetestEntry(enrolment.pk, demo.subject("cn").pk, "7")])

    row = row_of(results(demo), enrolment)
    assert row.outcome_after is None and row.remedy_pending and row.final_outcome is Outcome.RETEST


@pytest.mark.parametrize(("level", "after"), [("dat", Outcome.PROMOTED), ("chua_dat", Outcome.REPEAT)])
def test_a_summer_reassessment_decides_the_outcome_of_summer_training(demo, level, after):
    enrolment = one_student(demo, ["8.0"] * 8, conduct=("chua_dat", "chua_dat"))
    class_results = results(demo)
    assert class_results.summer_list == [row_of(class_results, enrolment)]

    summer_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                entries=[SummerEntry(enrolment.pk, level)])

    row = row_of(results(demo), enrolment)
    assert row.outcome is Outcome.SUMMER_TRAINING and row.conduct is Level.CHUA_DAT  # the originals stay
    assert row.summer_conduct is Level(level) and row.outcome_after is after


def test_learning_and_conduct_both_not_passed_repeat_without_a_remedy(demo):
    enrolment = one_student(demo, ["3.0"] * 8, conduct=("chua_dat", "chua_dat"))

    class_results = results(demo)
    assert row_of(class_results, enrolment).outcome is Outcome.REPEAT
    assert class_results.retest_list == [] and class_results.summer_list == []


# --- who is listed -----------------------------------------------------------------------------------------


def test_a_student_who_left_in_term_two_has_term_one_results_due_but_not_the_years(demo):
    left = sm.Enrolment.objects.get(school_class=demo.school_class("6A1"), status=sm.Enrolment.Status.TRANSFERRED_OUT)

    assert row_of(results(demo, 1), left).required
    assert not row_of(results(demo, 2), left).required
    assert not row_of(results(demo), left).required
    assert left.end_date == DEMO_YEAR.on(2, 16)
