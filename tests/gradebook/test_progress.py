"""Entry progress that acts (issue 13, item 7): who is behind, reminders (home card, e-mail), the monthly record."""

import email
import email.policy

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from gradebook.models import ProgressRecord, ProgressRecordRow, ProgressReminder
from gradebook.progress import selectors, services
from gradebook.results.selectors import progress
from schoolrecords import services as setup
from schoolrecords.services import system_user
from seed.demo import demo_year

from .test_correction_log import pdf_text
from .test_results import fill_scores, studying
from .test_results_views import _counted_get, add_students

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

NOVEMBER = DEMO_YEAR.on(11, 1)


def remind(demo, teacher="teacher_math", sender="vice", **kwargs):
    return services.reminder_send(actor=demo.user(sender), teacher=demo.user(teacher), term_number=1, **kwargs)


# --- who is behind ----------------------------------------------------------------------------------------


def test_who_is_behind_is_sorted_by_lowest_completion_with_the_empty_cells(demo):
    fill_scores(demo, 1, students=studying(demo)[:20])  # half of 6A1, every subject of it
    behind = selectors.behind(progress(actor=demo.user("vice"), number=1))

    percents = [teacher.percent for teacher in behind.teachers]
    assert percents == sorted(percents) and percents[0] == 0
    assert [row.percent for row in behind.rows] == sorted(row.percent for row in behind.rows)
    assert all(row.missing == row.required - row.filled > 0 for row in behind.rows)
    for teacher in behind.teachers:
        assert teacher.missing == sum(row.missing for row in teacher.rows) > 0
    toan = next(row for row in behind.rows if row.school_class.name == "6A1" and row.subject
                and row.subject.code == "toan")
    # 40 students due in term I, 20 of them scored in the 6 columns.
    assert (toan.filled, toan.missing, toan.assignment_id) == (120, 120, demo.assignment("6A1", "toan").pk)


def test_the_progress_page_lists_the_teachers_behind_with_a_reminder_button_each(demo, login):
    html = login("vice").get(reverse("gradebook:progress") + "?term=1").content.decode()

    assert 'id="behind-teachers"' in html and 'id="remind-all"' in html
    teacher = demo.user("teacher_math")
    assert f'action="{reverse("gradebook:progress_remind", args=[teacher.pk])}"' in html
    assert f'href="{reverse("gradebook:progress_records")}"' in html


# --- reminders -----------------------------------------------------------------------------------------------


def test_the_vice_principal_reminds_a_teacher_of_what_is_missing_with_history(demo):
    reminder = remind(demo, message="Hạn chót thứ Sáu")

    assert reminder.sent_by == demo.user("vice") and reminder.read_at is None
    toan = next(line for line in reminder.lines if line["subject"] == "Toán" and line["school_class"] == "6A1")
    assert toan["missing"] == 40 * 6 and toan["assignment"] == demo.assignment("6A1", "toan").pk
    assert demo.assignment("6A1", "toan") in reminder.assignments.all()
    history = reminder.history.get()
    assert history.history_user == demo.user("vice") and history.history_change_reason


@pytest.mark.parametrize("sender", ["teacher_math", "homeroom_6a1", "board", "clerk", "head_math"])
def test_only_the_leadership_sends_reminders(demo, sender):
    with pytest.raises(PermissionDenied):
        remind(demo, teacher="gv_tin", sender=sender)
    with pytest.raises(PermissionDenied):
        services.reminders_send_below(actor=demo.user(sender), school=demo.school, threshold=100, term_number=1)
    assert not ProgressReminder.objects.exists()


def test_a_teacher_posting_a_reminder_is_refused_and_another_schools_teacher_is_hidden(demo, login):
    from tests.conftest import build_other_school

    other = build_other_school()
    assert login("teacher_math").post(reverse("gradebook:progress_remind", args=[demo.user("gv_tin").pk]),
                                      {"term": "1"}).status_code == 403
    assert login("principal").post(reverse("gradebook:progress_remind", args=[other["teacher"].pk]),
                                   {"term": "1"}).status_code == 404
    assert not ProgressReminder.objects.exists()


def test_a_teacher_with_nothing_missing_gets_no_reminder(demo):
    fill_scores(demo, 1)  # every subject of 6A1
    gv_tin_rows = services.teacher_rows(progress(actor=demo.user("vice"), number=1).rows)[demo.user("gv_tin").pk]
    if all(not row.missing for row in gv_tin_rows):
        assert remind(demo, teacher="gv_tin") is None


def test_the_reminder_to_all_below_the_threshold_reaches_exactly_those_below(demo, login):
    fill_scores(demo, 1, students=studying(demo)[:20])
    report = progress(actor=demo.user("vice"), number=1)
    below = {pk for pk, rows in services.teacher_rows(report.rows).items()
             if services.completion(rows) < 50 and pk != demo.user("principal").pk}

    response = login("principal").post(reverse("gradebook:progress_remind_all"),
                                       {"term": "1", "threshold": "50", "message": ""})

    assert response.status_code == 302
    assert set(ProgressReminder.objects.values_list("teacher_id", flat=True)) == below
    assert ProgressReminder.objects.filter(sent_by=demo.user("principal")).count() == len(below) > 0


def test_a_bad_threshold_is_refused_at_the_field(demo, login):
    response = login("vice").post(reverse("gradebook:progress_remind_all"), {"term": "1", "threshold": "0"})

    assert response.status_code == 400 and not ProgressReminder.objects.exists()
    assert "Nhập một tỉ lệ phần trăm từ 1 đến 100." in response.content.decode()


# --- the home card ---------------------------------------------------------------------------------------


def test_the_reminder_is_a_card_on_the_teachers_home_page_until_dismissed(demo, login):
    reminder = remind(demo, message="Hạn chót thứ Sáu")
    client = login("teacher_math")

    html = client.get(reverse("home")).content.decode()
    assert f'id="reminder-{reminder.pk}"' in html and "Hạn chót thứ Sáu" in html
    assert "6A1 Toán Học kì I — 240 điểm còn thiếu" in html

    response = client.post(reverse("gradebook:reminder_dismiss", args=[reminder.pk]))
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.read_at is not None
    assert f'id="reminder-{reminder.pk}"' not in client.get(reverse("home")).content.decode()


def test_only_the_teacher_reminded_dismisses_it(demo, login):
    reminder = remind(demo)
    for username in ("gv_tin", "vice"):
        assert login(username).post(reverse("gradebook:reminder_dismiss", args=[reminder.pk])).status_code == 404
    reminder.refresh_from_db()
    assert reminder.read_at is None
    with pytest.raises(PermissionDenied):
        services.reminder_dismiss(actor=demo.user("gv_tin"), reminder=reminder)


# --- e-mail ----------------------------------------------------------------------------------------------


def test_the_reminder_is_e_mailed_through_the_smtp_server_once(demo, smtp_server, eager_celery,
                                                               django_capture_on_commit_callbacks):
    teacher = demo.user("teacher_math")
    teacher.email = "mai@truong.test"
    teacher.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        reminder = remind(demo, message="Hạn chót thứ Sáu")

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["to"] == ["mai@truong.test"] and "so-diem@truong.test" in message["from"]
    parsed = email.message_from_bytes(message["data"], policy=email.policy.default)
    body = parsed.get_content()
    assert parsed["Subject"] == "Nhắc nhập điểm" and parsed["To"] == "mai@truong.test"
    assert "6A1 Toán Học kì I — 240 ô còn thiếu" in body and "Hạn chót thứ Sáu" in body
    reminder.refresh_from_db()
    assert reminder.emailed_at is not None
    assert services.reminder_email(reminder_id=reminder.pk) is False  # a second delivery sends nothing
    assert len(smtp_server.messages) == 1


def test_without_an_smtp_server_the_reminder_is_only_on_the_home_page(demo, eager_celery,
                                                                     django_capture_on_commit_callbacks):
    teacher = demo.user("teacher_math")
    teacher.email = "mai@truong.test"
    teacher.save(update_fields=["email"])
    with override_settings(EMAIL_HOST=""), django_capture_on_commit_callbacks(execute=True):
        reminder = remind(demo)
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.emailed_at is None


# --- the monthly record -------------------------------------------------------------------------------------


def test_the_monthly_record_is_taken_once_per_month(demo):
    fill_scores(demo, 1, students=studying(demo)[:10])
    first = services.progress_record_take(actor=system_user(), school=demo.school, month=NOVEMBER)
    rows = ProgressRecordRow.objects.filter(record=first).count()
    fill_scores(demo, 1)  # later entries do not change a month already recorded

    again = services.progress_record_take(actor=system_user(), school=demo.school,
                                          month=DEMO_YEAR.on(11, 20))
    call_command("progress_snapshot", month=f"{DEMO_YEAR.first}-11")

    assert again.pk == first.pk and ProgressRecord.objects.filter(month=NOVEMBER).count() == 1
    assert ProgressRecordRow.objects.filter(record=first).count() == rows > 0
    assert first.term.number == 1 and first.history.count() == 1


def test_beat_records_last_month_on_the_first(demo, settings):
    from gradebook import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["gradebook-progress-monthly"]
    assert entry["task"] == "gradebook.tasks.progress_records_monthly"
    taken = services.progress_records_due(actor=system_user(), today=DEMO_YEAR.on(12, 1))
    assert [each.month for each in taken] == [NOVEMBER]
    assert tasks.progress_records_monthly.name == entry["task"]


def test_a_teacher_cannot_take_the_monthly_record(demo):
    with pytest.raises(PermissionDenied):
        services.progress_record_take(actor=demo.user("teacher_math"), school=demo.school, month=NOVEMBER)


def test_the_months_page_and_the_pdf_carry_the_numbers(demo, login):
    fill_scores(demo, 1, students=studying(demo)[:20])
    taken = services.progress_record_take(actor=system_user(), school=demo.school, month=NOVEMBER)
    toan = ProgressRecordRow.objects.get(record=taken, class_name="6A1", subject_name="Toán")
    client = login("vice")

    html = client.get(reverse("gradebook:progress_records")).content.decode()
    assert f"11/{DEMO_YEAR.first}" in html and f'href="{reverse("archive:progress_record", args=[taken.pk])}"' in html

    response = client.get(reverse("archive:progress_record", args=[taken.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"Tien-do-nhap-diem-11-{DEMO_YEAR.first}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert (toan.filled, toan.required) == (120, 240)
    assert "120/240" in text and "BẢNGTHEODÕITIẾNĐỘNHẬPĐIỂMHẰNGTHÁNG" in text.upper()
    total_filled = sum(ProgressRecordRow.objects.filter(record=taken).values_list("filled", flat=True))
    assert f"{total_filled:,}".replace(",", ".") in text  # the thousands separator of Vietnamese


# --- query counts --------------------------------------------------------------------------------------------

# Session and user; the actor's school (profile with school) and roles; the current year; terms, classes,
# students due per class, subjects per grade, assignments with teachers, exemptions, filled cells,
# conduct; the last reminder per teacher; the base template's current year and set-up right.
PROGRESS_QUERIES = 17
RECORDS_QUERIES = 9


def test_the_progress_page_with_the_teachers_behind_costs_the_same_with_more_classes(demo, login,
                                                                                   django_assert_num_queries):
    client = login("vice")
    remind(demo)
    _counted_get(client, reverse("gradebook:progress") + "?term=1", django_assert_num_queries, PROGRESS_QUERIES)
    board = demo.user("board")
    for name in ("6A3", "6A4"):
        school_class = setup.school_class_save(actor=board, year=demo.year, name=name, grade=6,
                                               homeroom_teacher=demo.user("gv_cn"))
        setup.assignment_create(actor=board, school_class=school_class, subject=demo.subject("toan"),
                                teacher=demo.user("gv_tin"), start_date=demo.year.start_date)
        add_students(demo, 3, class_name=name)
    remind(demo, teacher="gv_tin")
    response = _counted_get(client, reverse("gradebook:progress") + "?term=1", django_assert_num_queries,
                            PROGRESS_QUERIES)
    assert "6A4" in response.content.decode()


def test_the_months_page_costs_the_same_with_more_months(demo, login, django_assert_num_queries):
    client = login("vice")
    services.progress_record_take(actor=system_user(), school=demo.school, month=NOVEMBER)
    _counted_get(client, reverse("gradebook:progress_records"), django_assert_num_queries, RECORDS_QUERIES)
    for month in (9, 10, 12):
        services.progress_record_take(actor=system_user(), school=demo.school, month=DEMO_YEAR.on(month, 1))
    response = _counted_get(client, reverse("gradebook:progress_records"), django_assert_num_queries,
                            RECORDS_QUERIES)
    assert response.content.decode().count("progress-record-pdf") == 4
