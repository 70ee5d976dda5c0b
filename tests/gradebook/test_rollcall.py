"""The daily roll-call: who may take it, which days and students it refuses, and the monthly totals it counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from gradebook.homeroom.selectors import daily_marks, homeroom_sheet, rollcall_home, rollcall_sheet
from gradebook.homeroom.services import HomeroomEntry, homeroom_save, rollcall_save
from gradebook.models import DailyAbsence, MonthlyAbsence, RollCallDay
from gradebook.results.compute import load_class, year_results
from gradebook.results.services import field_key
from gradebook.rules import rollcall as rules
from schoolrecords import models as sm
from seed.demo import demo_year

from .test_results import complete_year, studying, term
from .test_results_services import approve, complete_term

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db

# The first Wednesday of October in the demo's year, the Thursday after it, and the Sunday of that week.
WEDNESDAY = DEMO_YEAR.on(10, 1) + datetime.timedelta(days=(2 - DEMO_YEAR.on(10, 1).weekday()) % 7)
THURSDAY = WEDNESDAY + datetime.timedelta(days=1)
SUNDAY = WEDNESDAY + datetime.timedelta(days=4)
OCTOBER = DEMO_YEAR.month(10)
LATER = WEDNESDAY + datetime.timedelta(days=19)  # a Monday, two weeks and a half later


def day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


def weekdays(month: tuple[int, int]) -> int:
    """Monday to Friday in the month (the school days the reminder counts)."""
    first = datetime.date(*month, 1)
    following = datetime.date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)
    return sum(1 for n in range((following - first).days) if (first + datetime.timedelta(days=n)).weekday() < 5)


def take(demo, day, marks, *, username="homeroom_6a1", class_name="6A1", reason="Điểm danh", today=None):
    return rollcall_save(actor=demo.user(username), school_class=demo.school_class(class_name), day=day, marks=marks,
                         reason=reason, today=today)


def monthly(enrolment, month=OCTOBER):
    row = MonthlyAbsence.objects.filter(enrolment=enrolment, year=month[0], month=month[1]).first()
    return (row.excused, row.unexcused) if row else None


def vietnamese(callable_, *args, **kwargs) -> ValidationError:
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        callable_(*args, **kwargs)
    return caught.value


# --- marks and totals ------------------------------------------------------------------------------------


def test_marks_are_saved_with_who_and_why_and_the_month_totals_are_counted_from_the_days(demo):
    first, second = studying(demo)[:2]
    take(demo, WEDNESDAY, {first.pk: "P", second.pk: "k"})
    result = take(demo, THURSDAY, {first.pk: "K"})

    assert result.totals[first.pk] == (1, 1) and result.totals[second.pk] == (0, 1)
    assert monthly(first) == (1, 1) and monthly(second) == (0, 1)
    mark = DailyAbsence.objects.get(enrolment=second, date=WEDNESDAY)
    assert mark.kind == "K" and mark.updated_by == demo.user("homeroom_6a1")
    [record] = mark.history.all()
    assert (record.history_user, record.history_change_reason) == (demo.user("homeroom_6a1"), "Điểm danh")
    assert MonthlyAbsence.history.filter(history_change_reason="Điểm danh").count() == 3  # two created, one changed
    assert set(RollCallDay.objects.values_list("date", flat=True)) == {WEDNESDAY, THURSDAY}


def test_clearing_a_mark_deletes_it_with_history_and_lowers_the_total(demo):
    enrolment = studying(demo)[0]
    take(demo, WEDNESDAY, {enrolment.pk: "P"})
    take(demo, WEDNESDAY, {enrolment.pk: ""}, reason="Nhầm học sinh")

    assert not DailyAbsence.objects.filter(enrolment=enrolment).exists()
    assert monthly(enrolment) == (0, 0)  # the month keeps its row and its history
    deleted = DailyAbsence.history.get(history_type="-")
    assert deleted.history_change_reason == "Nhầm học sinh"


def test_the_first_day_taken_replaces_the_totals_typed_on_the_month_sheet(demo):
    first, second = studying(demo)[:2]
    homeroom_save(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"), term=term(demo, 1),
                  entries=[HomeroomEntry(first.pk, absences={DEMO_YEAR.month(10): (4, 2)})])

    result = take(demo, WEDNESDAY, {})  # everyone present that day

    assert result.changed == 2  # the day taken, the typed month counted again
    assert monthly(first) == (0, 0) and monthly(second) is None


def test_the_month_sheet_refuses_typed_absences_of_a_month_kept_by_day(demo):
    enrolment = studying(demo)[0]
    take(demo, WEDNESDAY, {enrolment.pk: "P"})

    error = vietnamese(homeroom_save, actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                       term=term(demo, 1), entries=[HomeroomEntry(enrolment.pk, absences={DEMO_YEAR.month(10): (3, 0)})])
    assert error.messages == [f"Số buổi nghỉ của 10/{DEMO_YEAR.first} được tính từ điểm danh hằng ngày: hãy sửa trên bảng điểm danh."]
    assert monthly(enrolment) == (1, 0)
    assert homeroom_sheet(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"),
                          number=1).daily == {DEMO_YEAR.month(10)}


def test_the_years_results_count_the_days_absent(demo):
    complete_year(demo)
    enrolment = studying(demo)[0]
    for day in (WEDNESDAY, THURSDAY):
        take(demo, day, {enrolment.pk: "K"})

    row = next(row for row in year_results(load_class(demo.school_class("6A1"))).rows
               if row.enrolment.pk == enrolment.pk)
    assert row.absent == 2


# --- refusals, each with its reason in Vietnamese ------------------------------------------------------


@pytest.mark.parametrize(("day", "today", "message"), [
    (LATER, LATER - datetime.timedelta(days=3),
     f"Ngày {day(LATER)} chưa đến: điểm danh được ghi trong ngày hoặc sau đó."),
    (SUNDAY, None, f"Ngày {day(SUNDAY)} là Chủ nhật: không có điểm danh."),
    (DEMO_YEAR.on(5, 27), DEMO_YEAR.on(5, 31),
     f"Ngày 27/05/{DEMO_YEAR.first + 1} nằm ngoài các học kì của năm học này."),
    (DEMO_YEAR.on(8, 29), None, f"Ngày 29/08/{DEMO_YEAR.first} nằm ngoài các học kì của năm học này."),
])
def test_a_day_the_roll_call_does_not_cover_is_refused_with_its_reason(demo, day, today, message):
    enrolment = studying(demo)[0]
    error = vietnamese(take, demo, day, {enrolment.pk: "P"}, today=today)

    assert error.messages == [message]
    assert not DailyAbsence.objects.filter(enrolment__school_class__year__is_current=True).exists() and not RollCallDay.objects.exists()


def test_a_day_after_the_student_left_is_refused_at_the_students_mark(demo):
    left = sm.Enrolment.objects.get(school_class=demo.school_class("6A1"), end_date__isnull=False)
    present = studying(demo)[0]
    error = vietnamese(take, demo, DEMO_YEAR.on(2, 17), {present.pk: "P", left.pk: "K"}, today=DEMO_YEAR.on(5, 1))

    assert error.message_dict == {field_key("mark", left.pk): [
        f"{left.student.full_name} đã rời lớp ngày 16/02/{DEMO_YEAR.first + 1}, trước ngày 17/02/{DEMO_YEAR.first + 1}."]}
    assert not DailyAbsence.objects.filter(enrolment__school_class__year__is_current=True).exists()  # all or nothing
    take(demo, DEMO_YEAR.on(2, 16), {left.pk: "K"}, today=DEMO_YEAR.on(5, 1))  # their last day is theirs


def test_a_day_before_the_student_joined_is_refused(demo):
    enrolment = studying(demo)[0]
    sm.Enrolment.objects.filter(pk=enrolment.pk).update(start_date=THURSDAY)  # no history needed
    error = vietnamese(take, demo, WEDNESDAY, {enrolment.pk: "P"})

    assert error.message_dict == {field_key("mark", enrolment.pk): [
        f"{enrolment.student.full_name} vào lớp ngày {day(THURSDAY)}, sau ngày {day(WEDNESDAY)}."]}


def test_a_mark_other_than_p_or_k_is_refused(demo):
    enrolment = studying(demo)[0]
    error = vietnamese(take, demo, WEDNESDAY, {enrolment.pk: "X"})

    assert error.message_dict == {field_key("mark", enrolment.pk): [
        "Gõ P (có phép), K (không phép), hoặc để trống nếu có mặt."]}


def test_an_approved_term_is_changed_only_through_a_correction_request(demo):
    complete_term(demo, 1)
    approve(demo, 1)
    error = vietnamese(take, demo, WEDNESDAY, {studying(demo)[0].pk: "P"})

    assert "“Đề nghị sửa”" in error.messages[0]
    assert not RollCallDay.objects.exists()


@pytest.mark.parametrize("username", ["teacher_math", "principal", "gv_van2"])
def test_only_the_homeroom_teacher_of_the_class_takes_its_roll_call(demo, username):
    with pytest.raises(PermissionDenied):
        take(demo, WEDNESDAY, {studying(demo)[0].pk: "P"}, username=username)


def test_a_student_of_another_class_is_refused(demo):
    other = studying(demo, "8A1")[0]
    with pytest.raises(ValidationError):
        take(demo, WEDNESDAY, {other.pk: "P"})


# --- reads -------------------------------------------------------------------------------------------------


def test_the_sheet_shows_the_days_marks_and_totals_and_which_days_are_open(demo):
    first = studying(demo)[0]
    take(demo, WEDNESDAY, {first.pk: "P"})
    today = WEDNESDAY + datetime.timedelta(days=7)
    sheet = rollcall_sheet(actor=demo.user("homeroom_6a1"), school_class=demo.school_class("6A1"), month=OCTOBER,
                           today=today)

    assert len(sheet.days) == 31 and sheet.term_number == 1
    columns = {column.date.day: column for column in sheet.days}
    taken, saturday, sunday = WEDNESDAY.day, SUNDAY.day - 1, SUNDAY.day
    assert columns[taken].taken and columns[taken].open and not columns[taken].weekend
    assert columns[saturday].weekend and columns[saturday].open  # a Saturday may be marked
    assert not columns[sunday].open and not columns[today.day + 1].open  # a Sunday, a day to come
    # Due: Monday to Friday from 1 October to today, but the day taken.
    school_days = sum(1 for n in range(1, today.day + 1) if datetime.date(*OCTOBER, n).weekday() < 5)
    assert sheet.due == school_days - 1
    row = next(row for row in sheet.rows if row.enrolment.pk == first.pk)
    assert (row.cells[taken - 1].mark, row.excused, row.unexcused) == ("P", 1, 0)
    assert row.cells[taken - 1].label == f"{first.student.full_name}, {WEDNESDAY:%d/%m}"
    assert sheet.previous == DEMO_YEAR.month(9) and sheet.following == DEMO_YEAR.month(11)


def test_the_ledgers_marks_are_only_those_of_months_kept_by_day(demo):
    first = studying(demo)[0]
    take(demo, WEDNESDAY, {first.pk: "K"})

    assert daily_marks(demo.school_class("6A1"), [DEMO_YEAR.month(9), DEMO_YEAR.month(10)]) == {DEMO_YEAR.month(10): {first.pk: {WEDNESDAY.day: "K"}}}


def test_the_reminder_counts_the_school_days_not_taken_on_the_first_three_days_of_the_next_month(demo):
    school_class = demo.school_class("6A1")
    take(demo, WEDNESDAY, {})

    [entry] = rollcall_home(classes=[school_class], today=DEMO_YEAR.on(11, 3))
    assert (entry.reminded, entry.due, entry.deadline) == (DEMO_YEAR.month(10), weekdays(DEMO_YEAR.month(10)) - 1, DEMO_YEAR.on(11, 3))
    assert entry.month == DEMO_YEAR.month(11)
    [entry] = rollcall_home(classes=[school_class], today=DEMO_YEAR.on(11, 4))
    assert (entry.reminded, entry.due, entry.month) == (None, 0, DEMO_YEAR.month(11))
    [entry] = rollcall_home(classes=[school_class], today=DEMO_YEAR.on(9, 2))  # August: no term
    assert (entry.reminded, entry.month) == (None, DEMO_YEAR.month(9))
    [entry] = rollcall_home(classes=[school_class], today=DEMO_YEAR.next.on(12, 2))  # after the year: its last month
    assert (entry.reminded, entry.month) == (None, DEMO_YEAR.month(5))


def test_a_month_fully_taken_has_no_reminder(demo):
    for day in rules.days_to_check(DEMO_YEAR.month(10), terms=demo.year.terms.all(), today=DEMO_YEAR.on(11, 1)):
        take(demo, day, {})

    [entry] = rollcall_home(classes=[demo.school_class("6A1")], today=DEMO_YEAR.on(11, 1))
    assert entry.reminded is None
