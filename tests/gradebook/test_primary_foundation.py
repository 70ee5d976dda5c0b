"""The primary models speak tt27's values; the class's subjects come from its own set or its grade's;
the year of a primary class is judged from what was entered at the end of the year."""

import datetime

import pytest

from gradebook import models as m
from gradebook.primary.compute import load_primary_class
from gradebook.rules import tt27
from schoolrecords import levels
from schoolrecords import models as sm
from schoolrecords import selectors as records


def test_choices_are_the_rules_values():
    assert set(m.PrimaryPoint.values) == {p.value for p in tt27.AssessmentPoint}
    assert set(m.PrimaryLevel.values) == {v.value for v in tt27.SubjectLevel}
    assert set(m.PrimaryTraitLevel.values) == {v.value for v in tt27.Level3}
    assert set(m.PrimaryYearResult.values) == {v.value for v in tt27.YearResult}
    assert set(m.PrimaryTrait.values) == {v.value for v in tt27.Quality} | {v.value for v in tt27.Competency}


@pytest.mark.parametrize(("grade", "rule_set"), [(1, "TT27"), (5, "TT27"), (6, "TT22"), (12, "TT22")])
def test_rule_set_for_grade(grade, rule_set):
    assert levels.rule_set_for_grade(grade) == rule_set


def test_grade_fits():
    assert levels.grade_fits(level=levels.PRIMARY, rule_set="TT27", grade=3) is None
    assert levels.grade_fits(level=levels.PRIMARY, rule_set="TT22", grade=3) == levels.MSG_GRADE_OF_RULE_SET
    assert levels.grade_fits(level=levels.LOWER_SECONDARY, rule_set="TT22", grade=10) == levels.MSG_GRADE_OF_SCHOOL
    assert levels.rule_set_fits(level=levels.PRIMARY, rule_set="TT27")
    assert not levels.rule_set_fits(level=levels.UPPER_SECONDARY, rule_set="TT27")


@pytest.fixture
def primary(django_user_model):
    school = sm.School.objects.create(code="TH1", name="TH Một", level=sm.School.Level.PRIMARY)
    year = sm.SchoolYear.objects.create(school=school, name="2026-2027", start_date=datetime.date(2026, 9, 5),
                                        end_date=datetime.date(2027, 5, 31), rule_set="TT27", is_current=True)
    codes = {"tv": "Tiếng Việt", "toan": "Toán", "dd": "Đạo đức"}
    subjects = {code: sm.Subject.objects.create(school=school, code=code, name=name, order=i,
                                                assessment_mode=sm.Subject.Mode.LEVELS)
                for i, (code, name) in enumerate(codes.items())}
    for subject in subjects.values():
        sm.GradeSubject.objects.create(year=year, grade=1, subject=subject, periods_per_year=35)
    klass = sm.SchoolClass.objects.create(year=year, name="1A1", grade=1)
    student = sm.Student.objects.create(school=school, code="HS1", full_name="Nguyễn An",
                                        date_of_birth=datetime.date(2020, 3, 1), gender="female")
    enrolment = sm.Enrolment.objects.create(student=student, school_class=klass, start_date=year.start_date)
    user = django_user_model.objects.create_user("gv")
    return klass, subjects, enrolment, user


def _enter(enrolment, subjects, user, levels_, tests, trait_level="T"):
    for code, level in levels_.items():
        m.PrimaryAssessment.objects.create(enrolment=enrolment, subject=subjects[code], point="cn", level=level,
                                           test_score=tests.get(code), updated_by=user)
    for trait in m.PrimaryTrait.values:
        m.PrimaryTraitAssessment.objects.create(enrolment=enrolment, point="cn", trait=trait, level=trait_level,
                                                updated_by=user)


@pytest.mark.django_db
def test_class_subjects_own_set_overrides_the_grade(primary):
    klass, subjects, *_ = primary
    assert [s.subject.code for s in records.class_subjects(klass)] == ["tv", "toan", "dd"]
    sm.ClassSubject.objects.create(school_class=klass, subject=subjects["toan"], periods_per_year=105)
    assert [(s.subject.code, s.periods_per_year) for s in records.class_subjects(klass)] == [("toan", 105)]


@pytest.mark.django_db
def test_year_result_from_the_end_of_year(primary, django_assert_max_num_queries):
    klass, subjects, enrolment, user = primary
    _enter(enrolment, subjects, user, {"tv": "T", "toan": "T", "dd": "T"}, {"tv": 9, "toan": 10})
    with django_assert_max_num_queries(6):
        data = load_primary_class(klass)
    row = data.rows[0]
    assert row.result is tt27.YearResult.HTXS and row.title is tt27.Title.XUAT_SAC and row.completes_grade


@pytest.mark.django_db
def test_missing_test_gives_no_result_and_cht_can_be_reassessed(primary):
    klass, subjects, enrolment, user = primary
    _enter(enrolment, subjects, user, {"tv": "T", "toan": "C", "dd": "H"}, {"tv": 8})
    row = load_primary_class(klass).rows[0]
    assert row.result is None and row.missing == tt27.MSG_TEST_MISSING
    m.PrimaryAssessment.objects.filter(subject=subjects["toan"]).delete()
    m.PrimaryAssessment.objects.create(enrolment=enrolment, subject=subjects["toan"], point="cn", level="C",
                                       test_score=4, updated_by=user)
    row = load_primary_class(klass).rows[0]
    assert row.computed is tt27.YearResult.CHT and row.needs_support and not row.completes_grade
    m.PrimaryYearRecord.objects.create(enrolment=enrolment, reassessed_result="ht", updated_by=user)
    row = load_primary_class(klass).rows[0]
    assert row.result is tt27.YearResult.HT and row.completes_grade and row.needs_support
