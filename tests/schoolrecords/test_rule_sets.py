"""A year records its rule set: a primary school's years follow TT27 and hold grades 1-5, a secondary
school's TT22; the set-up screens, the services and the import refuse a mismatch at its field."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from schoolrecords import models as m
from schoolrecords import services

from .test_setup_views import DEMO_YEAR, GOOD_YEAR

NEXT = DEMO_YEAR.next  # a year the demo school does not have yet


def _year(school, actor, **more):
    return services.school_year_create(actor=actor, school=school, name=NEXT.name, start_date=NEXT.start_date,
                                       end_date=NEXT.end_date, term_dates=NEXT.term_dates, **more)


@pytest.fixture
def primary_school(demo):
    """The demo's board working for a primary school (the level is all that differs)."""
    school = demo.school
    school.level = m.School.Level.PRIMARY
    school.save(update_fields=["level"])
    return school


def test_a_year_takes_its_school_levels_rule_set(demo, primary_school):
    year = _year(primary_school, demo.user("board"))
    assert year.rule_set == m.RuleSet.TT27 and year.history.get().rule_set == "TT27"


def test_a_secondary_rule_set_for_a_primary_school_is_refused_and_nothing_saved(demo, primary_school):
    with pytest.raises(ValidationError) as caught:
        _year(primary_school, demo.user("board"), rule_set="TT22")
    assert "rule_set" in caught.value.message_dict
    assert not m.SchoolYear.objects.filter(school=demo.school, name=NEXT.name).exists()


def test_the_settings_form_refuses_tt27_for_a_lower_secondary_year(demo, login):
    response = login("board").post(reverse("setup:year_edit", args=[demo.year.pk]),
                                   {"settings": "1", "rule_set": "TT27", "comment_subject_can_adjust": "on"})
    assert response.status_code == 200
    errors = " ".join(response.context["settings_form"].errors["rule_set"])
    assert errors == "Cấp Trung học cơ sở áp dụng TT22: hãy chọn quy định đánh giá đó cho các năm học của trường."
    demo.year.refresh_from_db()
    assert demo.year.rule_set == "TT22"


def test_the_new_year_form_offers_the_school_levels_rule_set(demo, login):
    response = login("board").get(reverse("setup:year_list"))
    assert response.context["form"]["rule_set"].initial == "TT22"
    response = login("board").post(reverse("setup:year_list"), GOOD_YEAR | {"rule_set": "TT27"})
    assert response.status_code == 200 and response.context["form"].errors["rule_set"]
    assert not m.SchoolYear.objects.filter(school=demo.school, name=NEXT.name).exists()


@pytest.mark.parametrize(("level", "grade", "fits"), [
    ("primary", 1, True), ("primary", 5, True), ("primary", 6, False),
    ("lower_secondary", 6, True), ("lower_secondary", 5, False), ("lower_secondary", 10, False),
])
def test_a_class_only_in_a_grade_the_school_and_its_rules_have(demo, level, grade, fits):
    school = demo.school
    school.level = level
    school.save(update_fields=["level"])
    year = _year(school, demo.user("board"))
    if fits:
        services.school_class_save(actor=demo.user("board"), year=year, name=f"{grade}A9", grade=grade)
        assert m.SchoolClass.objects.filter(year=year, name=f"{grade}A9").exists()
    else:
        with pytest.raises(ValidationError) as caught:
            services.school_class_save(actor=demo.user("board"), year=year, name=f"{grade}A9", grade=grade)
        assert "grade" in caught.value.message_dict
        with pytest.raises(ValidationError):
            services.grade_subjects_set(actor=demo.user("board"), year=year, grade=grade, periods={})
        assert not m.SchoolClass.objects.filter(year=year, name=f"{grade}A9").exists()


def test_a_subject_assessed_by_levels_only_in_a_primary_school(demo, primary_school):
    board = demo.user("board")
    subject = services.subject_save(actor=board, school=primary_school, code="tv", name="Tiếng Việt",
                                    assessment_mode=m.Subject.Mode.LEVELS)
    assert subject.is_leveled
    with pytest.raises(ValidationError) as caught:
        services.subject_save(actor=board, school=primary_school, code="toan2", name="Toán",
                              assessment_mode=m.Subject.Mode.SCORES)
    assert "assessment_mode" in caught.value.message_dict
    primary_school.level = m.School.Level.LOWER_SECONDARY
    primary_school.save(update_fields=["level"])
    with pytest.raises(ValidationError):
        services.subject_save(actor=board, school=primary_school, code="mt", name="Mĩ thuật",
                              assessment_mode=m.Subject.Mode.LEVELS)
    assert not m.Subject.objects.filter(code__in=["toan2", "mt"]).exists()
