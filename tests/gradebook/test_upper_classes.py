"""Upper secondary (issue 14, item 5): a class with its own elective combination is read, entered, counted,
approved and printed over its own subjects only, and grade 12 says completion and exam eligibility."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from guardian.shortcuts import assign_perm

from gradebook import lookups, printed
from gradebook.models import ResultApproval, Score
from gradebook.results.compute import YEAR, approval_gaps, load_class, results_for
from gradebook.results.selectors import progress_rows
from gradebook.results.services import results_approve
from gradebook.scores.services import CellInput, scores_save
from schoolrecords import models as m
from schoolrecords import selectors
from schoolrecords.services import record, system_user

from .upper_world import world

pytestmark = pytest.mark.django_db

NATURAL = ["van", "toan", "anh", "su", "gdtc", "gdqp", "hdtn", "gddp", "li", "hoa", "sinh", "tin"]
SOCIAL = ["van", "toan", "anh", "su", "gdtc", "gdqp", "hdtn", "gddp", "dia", "gdktpl", "cn", "mithuat"]


@pytest.fixture(scope="module")
def upper(django_db_setup, django_db_blocker):
    yield from world(django_db_blocker)


def test_each_class_studies_its_own_combination(upper):
    assert [info.subject.code for info in load_class(upper.school_class("10A1")).subjects] == NATURAL
    assert [info.subject.code for info in load_class(upper.school_class("10A2")).subjects] == SOCIAL


def test_music_and_fine_arts_are_comment_subjects_and_defence_education_is_scored(upper):
    assert upper.subject("amnhac").is_commented and upper.subject("mithuat").is_commented
    assert not upper.subject("gdqp").is_commented


def test_the_results_page_of_10a1_shows_only_its_subjects(upper, client):
    client.force_login(upper.user("pt_principal"))
    html = client.get(reverse("gradebook:results", args=[upper.school_class("10A1").pk, 1])).content.decode()
    assert 'title="Vật lí"' in html and 'title="Sinh học"' in html
    assert 'title="Địa lí"' not in html and 'title="Mĩ thuật"' not in html


def test_the_grid_takes_its_columns_from_the_classs_periods(upper, client):
    # Vật lí: 70 periods, 3 regular columns; 10A1 studies its learning topics: one more.
    physics = lookups.assignment_for_scores(upper.assignment("10A1", "li"))
    assert lookups.regular_required(physics) == 4
    # Toán: 105 periods, 4 regular columns; 5 in 10A1 (its learning topics), 4 in 10A2 (none).
    assert lookups.regular_required(lookups.assignment_for_scores(upper.assignment("10A1", "toan"))) == 5
    assert lookups.regular_required(lookups.assignment_for_scores(upper.assignment("10A2", "toan"))) == 4
    client.force_login(upper.user("pt_gv_li"))
    page = client.get(reverse("gradebook:grid", args=[physics.pk, 1]))
    assert page.status_code == 200 and page.context["grid"].regular_required == 4
    client.force_login(upper.user("pt_teacher_math"))
    page = client.get(reverse("gradebook:grid", args=[upper.assignment("10A1", "toan").pk, 1]))
    keys = [column.key for column in page.context["grid"].columns]
    assert [key for key in keys if key.startswith("tx")] == ["tx1", "tx2", "tx3", "tx4", "tx5"]


def test_a_class_with_its_own_set_has_no_gaps_and_is_approved(upper):
    school_class = upper.school_class("10A1")
    data = load_class(school_class)
    assert approval_gaps(data, 1) == [] and approval_gaps(data, 2) == []
    principal = upper.user("pt_principal")
    for number in (1, 2):
        results_approve(actor=principal, school_class=school_class, term=upper.term(number), reason="test")
    assert ResultApproval.objects.filter(school_class=school_class).count() == 2


def test_progress_counts_only_the_subjects_each_class_studies(upper):
    rows = progress_rows(year=upper.year, term=upper.term(1))
    by_class = {}
    for row in rows:
        if row.subject is not None:
            by_class.setdefault(row.school_class.name, []).append(row.subject.code)
    assert sorted(by_class["10A1"]) == sorted(NATURAL) and sorted(by_class["10A2"]) == sorted(SOCIAL)
    assert all(row.complete for row in rows if row.school_class.name in ("10A1", "10A2"))
    # Vật lí in 10A1: 3 students × (4 regular + mid-term + end-of-term).
    physics = next(row for row in rows if row.school_class.name == "10A1" and row.subject
                   and row.subject.code == "li")
    assert physics.required == 3 * 6


def test_grade_12_results_say_completion_and_exam_eligibility_beside_promotion(upper, client):
    school_class = upper.school_class("12A1")
    year = results_for(load_class(school_class), YEAR)
    assert year.is_final_grade
    decided = [row for row in year.due if not row.remedy_pending]
    assert decided and all(row.graduation is not None for row in decided)
    # Promoted (learning and conduct at least Đạt, at most 45 sessions absent): completes and may sit the exam.
    assert all(row.graduation.completes_programme == row.graduation.exam_eligible
               == (row.final_outcome == "promoted") for row in decided)
    client.force_login(upper.user("pt_principal"))
    html = client.get(reverse("gradebook:results", args=[school_class.pk, "year"])).content.decode()
    assert 'id="col-exam"' in html
    assert "Hoàn thành chương trình trung học phổ thông" in html
    assert "Đủ điều kiện dự thi tốt nghiệp trung học phổ thông" in html


def test_grade_11_results_say_nothing_of_the_exam(upper, client):
    client.force_login(upper.user("pt_principal"))
    html = client.get(reverse("gradebook:results", args=[upper.school_class("11A1").pk, "year"])).content.decode()
    assert 'id="col-exam"' not in html
    assert all(row.graduation is None for row in results_for(load_class(upper.school_class("11A1")), YEAR).rows)


def test_the_grade_12_report_card_and_ledger_print_completion_and_eligibility(upper):
    school_class = upper.school_class("12A1")
    enrolment = m.Enrolment.objects.filter(school_class=school_class).order_by("pk").first()
    row = next(row for row in results_for(load_class(school_class), YEAR).rows if row.enrolment.pk == enrolment.pk)
    assert row.graduation is not None and row.graduation.exam_eligible  # the seed's first student of 12A1
    card = printed.report_card(enrolment, 2)
    assert card.years[-1].programme == "Hoàn thành chương trình trung học phổ thông"
    assert card.years[-1].exam == "Đủ điều kiện dự thi tốt nghiệp trung học phổ thông"
    ledger = printed.ledger(school_class, 2, corrections=[])
    assert ledger.year.final_grade and "Đủ điều kiện dự thi tốt nghiệp trung học phổ thông" in {
        row.exam for row in ledger.year.rows}
    eligible = dict(ledger.year.totals["graduation"])["Đủ điều kiện dự thi tốt nghiệp trung học phổ thông"]
    assert eligible == sum(1 for row in ledger.year.rows if row.exam.startswith("Đủ"))
    assert not printed.ledger(upper.school_class("11A1"), 2, corrections=[]).year.final_grade


# --- bad input: a subject outside the class's set ------------------------------------------------


@pytest.fixture
def stale_geography(upper):
    """An assignment of Địa lí in 10A1, which does not study it (made past the service, as old data would be)."""
    teacher = upper.user("pt_gv_dia")
    school_class = upper.school_class("10A1")
    assignment = record(m.TeachingAssignment(year=upper.year, school_class=school_class, subject=upper.subject("dia"),
                                             teacher=teacher, start_date=upper.year.start_date),
                        actor=system_user(), reason="test")
    assign_perm("schoolrecords.teach_assignment", teacher, assignment)
    return assignment


def test_the_grid_save_of_a_subject_outside_the_set_says_why_in_vietnamese_and_saves_nothing(upper, client,
                                                                                           stale_geography):
    enrolment = m.Enrolment.objects.filter(school_class=stale_geography.school_class_id).first()
    client.force_login(upper.user("pt_gv_dia"))
    response = client.post(
        reverse("gradebook:grid_save", args=[stale_geography.pk, 1]), content_type="application/json",
        data=json.dumps({"source": "typed", "cells": [
            {"enrolment": enrolment.pk, "kind": "tx", "index": 1, "text": "8", "version": None}]}))
    assert response.status_code == 400
    assert "Lớp 10A1 không học môn Địa lí" in response.json()["error"]
    assert not Score.objects.filter(subject__code="dia", enrolment=enrolment).exists()


def test_the_score_writer_refuses_a_subject_outside_the_set_at_the_subject(upper, stale_geography):
    enrolment = m.Enrolment.objects.filter(school_class=stale_geography.school_class_id).first()
    with pytest.raises(ValidationError) as refused:
        scores_save(actor=upper.user("pt_gv_dia"), assignment=stale_geography, term=upper.term(1),
                    cells=[CellInput(enrolment.pk, "tx", 1, "8")], reason="test", session="s")
    assert "subject" in refused.value.message_dict


def test_the_import_of_a_subject_outside_the_set_says_why_at_the_file(upper, client, stale_geography):
    client.force_login(upper.user("pt_gv_dia"))
    response = client.get(reverse("gradebook:grid_import", args=[stale_geography.pk, 1]))
    assert response.status_code == 200
    assert "Lớp 10A1 không học môn Địa lí" in " ".join(response.context["form"].errors["file"])


def test_another_teacher_learns_nothing_of_a_subject_outside_the_set(upper, client, stale_geography):
    client.force_login(upper.user("pt_gv_li"))
    assert client.get(reverse("gradebook:grid_import", args=[stale_geography.pk, 1])).status_code == 403


# --- query counts ---------------------------------------------------------------------------------


def _count(client, path, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        response = client.get(path)
    assert response.status_code == 200
    return response


# The class results page of an own-set class costs what a grade-set class's does (test_results_views),
# the approved individual plans (one query) included.
UPPER_RESULTS_QUERIES = 24


def test_the_results_page_of_an_own_set_class_costs_the_same_at_3_and_8_students(upper, client,
                                                                                 django_assert_num_queries):
    client.force_login(upper.user("pt_principal"))
    path = reverse("gradebook:results", args=[upper.school_class("10A2").pk, 1])
    first = _count(client, path, django_assert_num_queries, UPPER_RESULTS_QUERIES)
    upper.add_students("10A2", 5)
    second = _count(client, path, django_assert_num_queries, UPPER_RESULTS_QUERIES)
    assert first.content.decode().count('class="name"') + 5 == second.content.decode().count('class="name"')


PROGRESS_QUERIES = 17


def test_the_progress_page_costs_the_same_at_3_and_8_students(upper, client, django_assert_num_queries):
    client.force_login(upper.user("pt_principal"))
    path = reverse("gradebook:progress") + "?term=1"
    _count(client, path, django_assert_num_queries, PROGRESS_QUERIES)
    upper.add_students("10A1", 5)
    _count(client, path, django_assert_num_queries, PROGRESS_QUERIES)


def test_the_class_subjects_of_the_whole_year_are_one_query(upper, django_assert_num_queries):
    classes = list(m.SchoolClass.objects.filter(year=upper.year))
    with django_assert_num_queries(1):
        studied = selectors.subjects_of_classes(classes)
    assert {len(each) for each in studied.values()} == {12}
