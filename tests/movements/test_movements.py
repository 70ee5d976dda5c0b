"""Movements during the year: transfer in mid-term, transfer out, class change, drop-out, return; refusals; pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gradebook.models import Score
from gradebook.results.compute import load_class, missing_cells, results_for
from schoolrecords import models as sm
from schoolrecords import selectors, services
from seed.demo import demo_year
from tests.gradebook.test_results import fill_scores, set_conduct, studying, term

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db
D = datetime.date
ARRIVAL = DEMO_YEAR.on(2, 2)


def board(demo):
    return demo.user("board")


def new_student(demo, code="HS-MOVE-1", name="Trần Thị Mới"):
    return services.student_save(actor=board(demo), school=demo.school, code=code, full_name=name,
                                 date_of_birth=D(2014, 3, 4), gender=sm.Student.Gender.FEMALE)


def transfer_in(demo, student=None, on=ARRIVAL, class_name="6A1", from_school="THCS Lê Lợi"):
    return services.student_transfer_in(actor=board(demo), student=student or new_student(demo),
                                        school_class=demo.school_class(class_name), on=on,
                                        reason="Gia đình chuyển nơi ở", from_school=from_school)


def backdate_scores(enrolment, day):
    # The demo year is over by the test clock: date the scores inside it, as a teacher typing then would have.
    Score.objects.filter(enrolment=enrolment).update(
        entered_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC))


# --- transfer in -------------------------------------------------------------------------------------------

def test_a_transfer_in_during_term_ii_is_due_for_term_ii_only_and_does_not_block_term_i(demo):
    movement = transfer_in(demo)
    arrived = movement.enrolment
    assert arrived.start_date == DEMO_YEAR.on(2, 2) and movement.other_school == "THCS Lê Lợi"
    school_class = sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class("6A1").pk)
    fill_scores(demo, 1)
    set_conduct(demo, 1)
    data = load_class(school_class)
    term_i = results_for(data, 1)
    assert term_i.gaps == []
    assert arrived.pk not in {row.enrolment.pk for row in term_i.rows}
    assert all(arrived in students for _info, _count, students in missing_cells(data, 2))
    assert services_status(demo, arrived.student) == "06"


def test_a_transfer_in_during_term_i_is_due_for_both_terms_with_the_term_i_arrival_code(demo):
    arrived = transfer_in(demo, on=DEMO_YEAR.on(11, 2)).enrolment
    school_class = sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class("6A1").pk)
    data = load_class(school_class)
    for number in (1, 2):  # in the class at the end of each term: its scores are due, typed here or brought
        assert all(arrived in students for _info, _count, students in missing_cells(data, number))
    assert services_status(demo, arrived.student) == "02"


def services_status(demo, student):
    return selectors.status_code_of(sm.Movement.objects.filter(student=student, year=demo.year),
                                    demo.year.terms.all())


def test_the_ledger_and_report_card_show_the_transfer_in_with_the_other_school(demo):
    from django.utils import translation

    from gradebook import printed

    arrived = transfer_in(demo).enrolment
    with translation.override("vi"):
        ledger = printed.ledger(demo.school_class("6A1"), 2)
        record = next(s for s in ledger.students if s.enrolment_id == arrived.pk)
        assert "THCS Lê Lợi" in record.change and f"02/02/{DEMO_YEAR.first + 1}" in record.change
        card = printed.report_card(sm.Enrolment.objects.select_related("school_class__year").get(pk=arrived.pk), 2)
        assert card.history[0] == (f"{DEMO_YEAR.name}", "", "THCS Lê Lợi")
        assert card.history[1][1] == "6A1"


def test_a_student_placed_twice_or_a_date_outside_the_year_is_refused_at_the_field(demo):
    placed = studying(demo)[0]
    with pytest.raises(ValidationError) as refused:
        transfer_in(demo, student=placed.student, class_name="8A1")
    assert "school_class" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        transfer_in(demo, on=DEMO_YEAR.next.on(7, 1))
    assert "date" in refused.value.message_dict
    assert not sm.Student.objects.filter(code="HS-MOVE-1", enrolments__isnull=False).exists()
    with pytest.raises(ValidationError) as refused:
        transfer_in(demo, from_school=" ", student=new_student(demo, code="HS-MOVE-2"))
    assert "other_school" in refused.value.message_dict


# --- transfer out, drop-out, return -------------------------------------------------------------------------

def test_a_transfer_out_before_the_last_recorded_score_is_refused_and_nothing_is_saved(demo):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment])
    backdate_scores(enrolment, DEMO_YEAR.on(12, 1))
    with pytest.raises(ValidationError) as refused:
        services.student_transfer_out(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(11, 30),
                                      reason="Chuyển nhà", to_school="THCS Nguyễn Du")
    assert f"01/12/{DEMO_YEAR.first}" in refused.value.message_dict["date"][0]
    enrolment.refresh_from_db()
    assert enrolment.is_active and not sm.Movement.objects.filter(student=enrolment.student).exists()
    movement = services.student_transfer_out(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(12, 1),
                                             reason="Chuyển nhà", to_school="THCS Nguyễn Du")
    enrolment.refresh_from_db()
    assert enrolment.status == sm.Enrolment.Status.TRANSFERRED_OUT and movement.other_school == "THCS Nguyễn Du"
    assert services_status(demo, enrolment.student) == "04"


def test_a_drop_out_and_a_return_reopen_the_place_and_keep_both_dates(demo):
    enrolment = studying(demo)[0]
    services.student_drop_out(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(10, 6), reason="Hoàn cảnh khó khăn")
    with pytest.raises(ValidationError) as refused:
        services.student_return(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(10, 6), reason="Đi học lại")
    assert "date" in refused.value.message_dict
    services.student_return(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(2, 9), reason="Đi học lại")
    enrolment.refresh_from_db()
    assert enrolment.is_active and enrolment.end_date is None
    kinds = list(sm.Movement.objects.filter(student=enrolment.student).values_list("kind", "date"))
    assert kinds == [("drop_out", DEMO_YEAR.on(10, 6)), ("return", DEMO_YEAR.on(2, 9))]
    assert services_status(demo, enrolment.student) == "07"


def test_the_ledger_shows_a_drop_out_and_the_return_with_both_dates(demo):
    from django.utils import translation

    from gradebook import printed

    enrolment = studying(demo)[0]
    services.student_drop_out(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(10, 6), reason="Hoàn cảnh khó khăn")
    with translation.override("vi"):
        ledger = printed.ledger(enrolment.school_class, 1)
        left = next(s for s in ledger.students if s.enrolment_id == enrolment.pk)
        assert f"06/10/{DEMO_YEAR.first}" in left.change and "Hoàn cảnh khó khăn" in left.change and left.left
        services.student_return(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(2, 9), reason="Đi học lại")
        ledger = printed.ledger(enrolment.school_class, 2)
        back = next(s for s in ledger.students if s.enrolment_id == enrolment.pk)
    assert f"06/10/{DEMO_YEAR.first}" in back.change and f"09/02/{DEMO_YEAR.first + 1}" in back.change
    assert not back.left


# --- class change ------------------------------------------------------------------------------------------

def test_a_class_change_carries_the_term_in_progress_and_keeps_the_history(demo):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment])
    fill_scores(demo, 2, students=[enrolment])
    backdate_scores(enrolment, DEMO_YEAR.on(1, 5))
    term_ii_scores = set(Score.objects.filter(enrolment=enrolment, term=term(demo, 2)).values_list("pk", flat=True))
    movement = services.student_class_change(actor=board(demo), enrolment=enrolment,
                                             to_class=demo.school_class("6A2"), on=DEMO_YEAR.on(2, 2),
                                             reason="Cân đối sĩ số")
    new = movement.enrolment
    enrolment.refresh_from_db()
    assert enrolment.status == sm.Enrolment.Status.CLASS_CHANGED and enrolment.end_date == DEMO_YEAR.on(2, 2)
    assert new.school_class.name == "6A2" and movement.previous_id == enrolment.pk
    # term II follows the student; term I stays with the old class's (approved or not) results
    assert set(Score.objects.filter(enrolment=new).values_list("pk", flat=True)) == term_ii_scores
    assert Score.objects.filter(enrolment=enrolment, term=term(demo, 1)).exists()
    moved = Score.objects.get(pk=next(iter(term_ii_scores)))
    assert moved.history.first().history_change_reason == "Cân đối sĩ số"
    assert moved.history.count() >= 2
    # the new class's grid shows them
    from gradebook.scores.selectors import grid
    shown = grid(actor=demo.user("principal"), assignment=demo.assignment("6A2", "toan"), term=term(demo, 2))
    row = next(r for r in shown.rows if r.enrolment.pk == new.pk)
    assert row.term_result is not None
    assert services_status(demo, new.student) == "01"


def test_a_class_change_to_the_same_class_or_another_year_is_refused(demo):
    enrolment = studying(demo)[0]
    with pytest.raises(ValidationError) as refused:
        services.student_class_change(actor=board(demo), enrolment=enrolment, to_class=enrolment.school_class,
                                      on=DEMO_YEAR.on(2, 2), reason="x")
    assert "school_class" in refused.value.message_dict
    enrolment.refresh_from_db()
    assert enrolment.is_active


# --- pages -------------------------------------------------------------------------------------------------

def test_the_student_page_shows_the_status_code_and_records_a_movement_with_errors_at_the_field(demo, login):
    client = login("board")
    enrolment = studying(demo)[0]
    url = reverse("setup:student_edit", args=[enrolment.student_id])
    page = client.get(url).content.decode()
    assert 'id="movements"' in page and "01 —" in page
    answer = client.post(reverse("setup:student_movement", args=[enrolment.student_id]), {
        "kind": "transfer_out", "transfer_out-date": f"01/07/{DEMO_YEAR.first + 1}", "transfer_out-reason": "Chuyển nhà",
        "transfer_out-other_school": "THCS Nguyễn Du"})
    assert answer.status_code == 200
    assert "Ngày phải nằm trong năm học" in answer.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.is_active
    answer = client.post(reverse("setup:student_movement", args=[enrolment.student_id]), {
        "kind": "transfer_out", "transfer_out-date": f"02/03/{DEMO_YEAR.first + 1}", "transfer_out-reason": "Chuyển nhà",
        "transfer_out-other_school": "THCS Nguyễn Du"})
    assert answer.status_code == 302
    assert "08 —" in client.get(url).content.decode()


def test_the_year_list_transfers_in_a_new_student_and_is_reached_from_the_setup_tabs(demo, login):
    client = login("board")
    url = reverse("setup:movements", args=[demo.year.pk])
    assert url in client.get(reverse("setup:index")).content.decode()
    answer = client.post(url, {
        "transfer_in-code": "HS-NEW-9", "transfer_in-full_name": "Lê Văn Đến", "transfer_in-date_of_birth": "02/02/2014",
        "transfer_in-gender": "male", "transfer_in-school_class": demo.school_class("6A1").pk,
        "transfer_in-date": f"02/02/{DEMO_YEAR.first + 1}", "transfer_in-other_school": "THCS Lê Lợi", "transfer_in-reason": "Chuyển nhà"})
    assert answer.status_code == 302
    assert "Lê Văn Đến" in client.get(url).content.decode()


def test_the_year_list_reads_in_a_constant_number_of_queries(demo, login, django_assert_num_queries,
                                                             django_assert_max_num_queries):
    client = login("board")
    url = reverse("setup:movements", args=[demo.year.pk])
    transfer_in(demo)
    client.get(url)
    with django_assert_max_num_queries(50) as few:
        client.get(url)
    for number in range(2, 6):
        transfer_in(demo, student=new_student(demo, code=f"HS-MOVE-{number}", name=f"Học Sinh {number}"))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


# --- results from before the arrival -------------------------------------------------------------------------

def _year_row(demo, enrolment, class_name="6A1"):
    from gradebook.results.compute import YEAR
    school_class = sm.SchoolClass.objects.select_related("year").get(pk=demo.school_class(class_name).pk)
    return next(row for row in results_for(load_class(school_class), YEAR).rows if row.enrolment.pk == enrolment.pk)


def _subject(row, code):
    return next(result for result in row.subjects if result.info.subject.code == code)


def test_term_i_results_typed_from_the_previous_school_make_the_year_average_and_are_marked_on_the_card(demo):

    from django.utils import translation

    from gradebook import printed
    from gradebook.results.earlier import earlier_results_save, earlier_terms, field_name

    arrived = transfer_in(demo).enrolment
    terms, source = earlier_terms(arrived)
    assert [each.term.number for each in terms] == [1] and source == "THCS Lê Lợi"
    texts = {field_name(1, subject.pk): ("Đ" if subject.is_commented else "8") for subject, _text in terms[0].subjects}
    with pytest.raises(ValidationError) as refused:
        earlier_results_save(actor=board(demo), enrolment=arrived, texts={**texts, field_name(1, terms[0].subjects[0][0].pk): "11"},
                             source=source)
    assert field_name(1, terms[0].subjects[0][0].pk) in refused.value.message_dict
    assert not arrived.earlier_results.exists()
    assert earlier_results_save(actor=board(demo), enrolment=arrived, texts=texts, source=source) == len(texts)
    fill_scores(demo, 2, students=[arrived], scored="5")
    row = _year_row(demo, arrived)
    assert _subject(row, "toan").value == Decimal("6.0")  # (8 + 2 × 5) / 3
    with translation.override("vi"):
        card = printed.report_card(sm.Enrolment.objects.select_related("school_class__year").get(pk=arrived.pk), 2)
    year = card.years[-1]
    toan = next(s for s in year.subjects if s.name == demo.subject("toan").name)
    assert toan.term1 == "8,0*" and toan.year == "6,0"
    assert "THCS Lê Lợi" in year.earlier_note


def test_earlier_results_are_refused_for_a_student_who_was_in_the_class_all_year(demo):
    from gradebook.results.earlier import earlier_results_save

    with pytest.raises(ValidationError):
        earlier_results_save(actor=board(demo), enrolment=studying(demo)[0], texts={}, source="THCS Lê Lợi")


def test_a_class_change_in_term_ii_carries_term_i_results_so_the_new_class_has_the_year_average(demo):

    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment], scored="9")
    fill_scores(demo, 2, students=[enrolment], scored="6")
    backdate_scores(enrolment, DEMO_YEAR.on(1, 5))
    new = services.student_class_change(actor=board(demo), enrolment=enrolment, to_class=demo.school_class("6A2"),
                                        on=DEMO_YEAR.on(2, 2), reason="Cân đối sĩ số").enrolment
    assert new.earlier_results.filter(term__number=1, source__endswith=" 6A1").exists()  # "lớp 6A1"
    assert _subject(_year_row(demo, new, "6A2"), "toan").value == Decimal("7.0")  # (9 + 2 × 6) / 3


def test_the_earlier_results_page_saves_and_shows_a_bad_value_at_its_field(demo, login):
    from gradebook.results.earlier import earlier_terms, field_name

    client = login("board")
    arrived = transfer_in(demo).enrolment
    url = reverse("gradebook:earlier_results", args=[arrived.pk])
    assert url in client.get(reverse("setup:student_edit", args=[arrived.student_id])).content.decode()
    subject = next(s for s, _t in earlier_terms(arrived)[0][0].subjects if not s.is_commented)
    answer = client.post(url, {"source": "THCS Lê Lợi", field_name(1, subject.pk): "7,55"})
    assert answer.status_code == 200 and not arrived.earlier_results.exists()
    assert "errorlist" in answer.content.decode()
    answer = client.post(url, {"source": "THCS Lê Lợi", field_name(1, subject.pk): "7,5"})
    assert answer.status_code == 302
    assert arrived.earlier_results.get().value == Decimal("7.5")


def test_the_rollover_reads_a_student_who_changed_class_once_from_the_new_class(demo):
    from gradebook.results.outcomes import year_outcomes

    enrolment = studying(demo)[0]
    new = services.student_class_change(actor=board(demo), enrolment=enrolment, to_class=demo.school_class("6A2"),
                                        on=DEMO_YEAR.on(2, 2), reason="Cân đối sĩ số").enrolment
    rows = [row for row in year_outcomes(demo.year) if row.student_id == enrolment.student_id]
    assert [(row.enrolment_id, row.class_name) for row in rows] == [(new.pk, "6A2")]


def test_the_sector_export_reads_the_codes_from_the_movements(demo):
    from schoolrecords import sector

    enrolment = studying(demo)[0]
    services.student_drop_out(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(10, 6), reason="Hoàn cảnh khó khăn")
    services.student_return(actor=board(demo), enrolment=enrolment, on=DEMO_YEAR.on(2, 9), reason="Đi học lại")
    arrived = transfer_in(demo).enrolment
    codes = {line.enrolment.student_id: line.code for line in sector.student_lines(demo.year)}
    assert codes[enrolment.student_id] == "07" and codes[arrived.student_id] == "06"
