"""Lesson-plan timing rules (eledger.timing); pure date arithmetic, runs with -p no:django."""

from datetime import date, datetime, timedelta

import pytest

from eledger import timing
from eledger.timing import (
    ReviewStatus,
    check_upload_date,
    is_late_upload,
    next_week,
    review_deadline,
    review_status,
    upload_deadline,
    week_of,
)
from schoolrecords.purei18n import RuleError, vietnamese

D = date.fromisoformat
VI_DAYS_BEFORE = "Số ngày phải tải lên trước ngày dạy phải là số nguyên, từ 0 trở lên."


# --- the 3-day upload rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("teaching", "days_before", "deadline"),
    [
        pytest.param("2024-12-12", 3, "2024-12-09", id="thu-12-to-mon-9"),
        pytest.param("2024-12-09", 3, "2024-12-06", id="mon-to-previous-fri"),
        pytest.param("2024-10-01", 3, "2024-09-28", id="month-boundary-sep-oct"),
        pytest.param("2024-03-01", 3, "2024-02-27", id="month-boundary-leap-year"),
        pytest.param("2024-03-02", 3, "2024-02-28", id="leap-year-feb-29-counted"),
        pytest.param("2023-03-02", 3, "2023-02-27", id="non-leap-year"),
        pytest.param("2025-01-02", 3, "2024-12-30", id="year-boundary-thu"),
        pytest.param("2025-01-01", 3, "2024-12-29", id="year-boundary-new-year-day"),
        pytest.param("2025-09-05", 3, "2025-09-02", id="september"),
        pytest.param("2025-01-02", 5, "2024-12-28", id="school-setting-5-days"),
        pytest.param("2025-01-02", 7, "2024-12-26", id="school-setting-a-week"),
        pytest.param("2025-01-02", 0, "2025-01-02", id="school-setting-0-days"),
    ],
)
def test_upload_deadline(teaching, days_before, deadline):
    assert upload_deadline(D(teaching), days_before=days_before) == D(deadline)


def test_upload_deadline_default_is_three_days():
    assert timing.DEFAULT_DAYS_BEFORE == 3
    assert upload_deadline(D("2024-12-12")) == D("2024-12-09")


@pytest.mark.parametrize(
    ("uploaded", "teaching", "late"),
    [
        # Teaching Thursday 12/12/2024: Monday 9th is the last on-time day.
        pytest.param("2024-12-01", "2024-12-12", False, id="well-ahead"),
        pytest.param("2024-12-08", "2024-12-12", False, id="4-days-before"),
        pytest.param("2024-12-09", "2024-12-12", False, id="exactly-3-days-before-on-time"),
        pytest.param("2024-12-10", "2024-12-12", True, id="2-days-before-late"),
        pytest.param("2024-12-11", "2024-12-12", True, id="day-before-late"),
        pytest.param("2024-12-12", "2024-12-12", True, id="teaching-day-late"),
        pytest.param("2024-12-13", "2024-12-12", True, id="after-teaching-late"),
        # Across a year boundary: teaching Thursday 02/01/2025, deadline Monday 30/12/2024.
        pytest.param("2024-12-30", "2025-01-02", False, id="year-boundary-on-time"),
        pytest.param("2024-12-31", "2025-01-02", True, id="year-boundary-late"),
        # Across a month boundary in a leap year: teaching 01/03/2024, deadline 27/02/2024.
        pytest.param("2024-02-27", "2024-03-01", False, id="leap-month-boundary-on-time"),
        pytest.param("2024-02-28", "2024-03-01", True, id="leap-month-boundary-late"),
        pytest.param("2024-02-29", "2024-03-01", True, id="leap-day-late"),
        # Weekends count: teaching Monday 09/12/2024, deadline Friday 06/12/2024.
        pytest.param("2024-12-06", "2024-12-09", False, id="friday-for-monday-on-time"),
        pytest.param("2024-12-07", "2024-12-09", True, id="saturday-for-monday-late"),
    ],
)
def test_is_late_upload(uploaded, teaching, late):
    assert is_late_upload(uploaded_on=D(uploaded), teaching_date=D(teaching)) is late


@pytest.mark.parametrize(
    ("uploaded", "days_before", "late"),
    [
        pytest.param("2024-12-07", 5, False, id="5-days-on-time"),
        pytest.param("2024-12-08", 5, True, id="5-days-late"),
        pytest.param("2024-12-12", 0, False, id="0-days-same-day-on-time"),
        pytest.param("2024-12-13", 0, True, id="0-days-next-day-late"),
    ],
)
def test_is_late_upload_with_school_setting(uploaded, days_before, late):
    assert is_late_upload(uploaded_on=D(uploaded), teaching_date=D("2024-12-12"), days_before=days_before) is late


@pytest.mark.parametrize(
    ("uploaded", "refuse_late", "flag"),
    [
        pytest.param("2024-12-09", False, False, id="on-time-flag-off"),
        pytest.param("2024-12-09", True, False, id="on-time-refusal-on"),
        pytest.param("2024-12-10", False, True, id="late-flagged-not-refused"),
    ],
)
def test_check_upload_date_flags(uploaded, refuse_late, flag):
    assert check_upload_date(uploaded_on=D(uploaded), teaching_date=D("2024-12-12"), refuse_late=refuse_late) is flag


@pytest.mark.parametrize(
    ("uploaded", "teaching", "days_before", "vietnamese_text"),
    [
        pytest.param(
            "2024-12-10",
            "2024-12-12",
            3,
            "Kế hoạch bài dạy cho ngày dạy 12/12/2024 phải được tải lên chậm nhất vào ngày 09/12/2024.",
            id="late-refused",
        ),
        pytest.param(
            "2025-01-01",
            "2025-01-02",
            3,
            "Kế hoạch bài dạy cho ngày dạy 02/01/2025 phải được tải lên chậm nhất vào ngày 30/12/2024.",
            id="late-refused-year-boundary",
        ),
        pytest.param(
            "2024-12-08",
            "2024-12-12",
            5,
            "Kế hoạch bài dạy cho ngày dạy 12/12/2024 phải được tải lên chậm nhất vào ngày 07/12/2024.",
            id="late-refused-school-setting",
        ),
    ],
)
def test_check_upload_date_refuses_when_school_refuses_late(uploaded, teaching, days_before, vietnamese_text):
    with pytest.raises(RuleError) as caught:
        check_upload_date(
            uploaded_on=D(uploaded), teaching_date=D(teaching), days_before=days_before, refuse_late=True
        )
    assert str(caught.value) == vietnamese_text


@pytest.mark.parametrize("days_before", [-1, True, 2.5, "3", None])
def test_days_before_must_be_a_non_negative_int(days_before):
    with pytest.raises(RuleError) as caught:
        upload_deadline(D("2024-12-12"), days_before=days_before)
    assert str(caught.value) == VI_DAYS_BEFORE
    with pytest.raises(RuleError) as caught:
        is_late_upload(uploaded_on=D("2024-12-01"), teaching_date=D("2024-12-12"), days_before=days_before)
    assert str(caught.value) == VI_DAYS_BEFORE


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: upload_deadline(datetime(2024, 12, 12, 8, 0)), id="upload_deadline"),
        pytest.param(
            lambda: is_late_upload(uploaded_on=datetime(2024, 12, 9, 23, 0), teaching_date=D("2024-12-12")),
            id="is_late_upload",
        ),
        pytest.param(lambda: review_deadline(datetime(2024, 12, 12, 8, 0)), id="review_deadline"),
        pytest.param(lambda: week_of("2024-12-12"), id="week_of-string"),
        pytest.param(
            lambda: review_status(today=datetime(2024, 12, 7), teaching_date=D("2024-12-12"), reviewed=False),
            id="review_status",
        ),
    ],
)
def test_datetimes_and_strings_are_refused(call):
    with pytest.raises(TypeError) as caught:
        call()
    assert "date" in str(caught.value)


# --- weeks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "monday", "sunday"),
    [
        pytest.param("2024-12-09", "2024-12-09", "2024-12-15", id="monday"),
        pytest.param("2024-12-12", "2024-12-09", "2024-12-15", id="thursday"),
        pytest.param("2024-12-15", "2024-12-09", "2024-12-15", id="sunday"),
        pytest.param("2024-10-01", "2024-09-30", "2024-10-06", id="month-boundary"),
        pytest.param("2024-02-29", "2024-02-26", "2024-03-03", id="leap-day"),
        pytest.param("2025-01-01", "2024-12-30", "2025-01-05", id="year-boundary"),
        pytest.param("2024-12-29", "2024-12-23", "2024-12-29", id="sunday-before-year-boundary"),
    ],
)
def test_week_of(day, monday, sunday):
    assert week_of(D(day)) == (D(monday), D(sunday))


@pytest.mark.parametrize(
    ("today", "monday", "sunday"),
    [
        pytest.param("2024-12-25", "2024-12-30", "2025-01-05", id="wednesday-into-new-year"),
        pytest.param("2024-12-28", "2024-12-30", "2025-01-05", id="review-saturday"),
        pytest.param("2024-12-29", "2024-12-30", "2025-01-05", id="sunday"),
        pytest.param("2024-12-30", "2025-01-06", "2025-01-12", id="monday-is-a-new-week"),
        pytest.param("2024-09-28", "2024-09-30", "2024-10-06", id="month-boundary"),
        pytest.param("2024-02-24", "2024-02-26", "2024-03-03", id="leap-february"),
    ],
)
def test_next_week(today, monday, sunday):
    assert next_week(D(today)) == (D(monday), D(sunday))


# --- the Saturday review -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teaching", "deadline"),
    [
        # Week Mon 30/12/2024 – Sun 05/01/2025 (year boundary): review Saturday 28/12/2024.
        pytest.param("2024-12-30", "2024-12-28", id="year-mon-two-days-before"),
        pytest.param("2024-12-31", "2024-12-28", id="year-tue"),
        pytest.param("2025-01-01", "2024-12-28", id="year-wed"),
        pytest.param("2025-01-02", "2024-12-28", id="year-thu"),
        pytest.param("2025-01-03", "2024-12-28", id="year-fri"),
        pytest.param("2025-01-04", "2024-12-28", id="year-sat-previous-week"),
        pytest.param("2025-01-05", "2024-12-28", id="year-sun-previous-week"),
        # Week Mon 30/09/2024 – Sun 06/10/2024 (month boundary): review Saturday 28/09/2024.
        pytest.param("2024-09-30", "2024-09-28", id="month-mon"),
        pytest.param("2024-10-01", "2024-09-28", id="month-tue"),
        pytest.param("2024-10-02", "2024-09-28", id="month-wed"),
        pytest.param("2024-10-03", "2024-09-28", id="month-thu"),
        pytest.param("2024-10-04", "2024-09-28", id="month-fri"),
        pytest.param("2024-10-05", "2024-09-28", id="month-sat"),
        pytest.param("2024-10-06", "2024-09-28", id="month-sun"),
        # Week Mon 03/03/2025 – Sun 09/03/2025: review Saturday 01/03/2025.
        pytest.param("2025-03-03", "2025-03-01", id="march-mon"),
        pytest.param("2025-03-08", "2025-03-01", id="march-sat-not-same-day"),
        pytest.param("2025-03-09", "2025-03-01", id="march-sun"),
        # Leap February: week Mon 26/02/2024 – Sun 03/03/2024, review Saturday 24/02/2024.
        pytest.param("2024-02-29", "2024-02-24", id="leap-thu"),
        pytest.param("2024-03-02", "2024-02-24", id="leap-sat"),
    ],
)
def test_review_deadline(teaching, deadline):
    assert review_deadline(D(teaching)) == D(deadline)
    assert D(deadline).weekday() == timing.SATURDAY


def test_review_deadline_over_a_whole_school_year():
    day, checked = D("2024-09-01"), 0
    while day <= D("2025-08-31"):
        deadline = review_deadline(day)
        monday, _ = week_of(day)
        assert deadline.weekday() == timing.SATURDAY
        assert monday - deadline == timedelta(days=2)
        assert timedelta(days=2) <= day - deadline <= timedelta(days=8)
        # On the review Saturday, "next week" is exactly the week being reviewed.
        assert next_week(deadline)[0] == monday
        day += timedelta(days=1)
        checked += 1
    assert checked == 365


@pytest.mark.parametrize(
    ("today", "teaching", "reviewed", "status"),
    [
        # Teaching Thursday 02/01/2025, review by Saturday 28/12/2024.
        pytest.param("2024-12-20", "2025-01-02", False, ReviewStatus.WAITING, id="early-waiting"),
        pytest.param("2024-12-27", "2025-01-02", False, ReviewStatus.WAITING, id="friday-waiting"),
        pytest.param("2024-12-28", "2025-01-02", False, ReviewStatus.WAITING, id="deadline-day-waiting"),
        pytest.param("2024-12-29", "2025-01-02", False, ReviewStatus.OVERDUE, id="sunday-after-overdue"),
        pytest.param("2025-01-02", "2025-01-02", False, ReviewStatus.OVERDUE, id="teaching-day-overdue"),
        pytest.param("2024-12-27", "2025-01-02", True, ReviewStatus.DONE, id="reviewed-early"),
        pytest.param("2024-12-30", "2025-01-02", True, ReviewStatus.DONE, id="reviewed-late-still-done"),
        # Teaching Monday 30/09/2024, review by Saturday 28/09/2024 (month boundary).
        pytest.param("2024-09-28", "2024-09-30", False, ReviewStatus.WAITING, id="month-deadline-day"),
        pytest.param("2024-09-29", "2024-09-30", False, ReviewStatus.OVERDUE, id="month-overdue"),
    ],
)
def test_review_status(today, teaching, reviewed, status):
    assert review_status(today=D(today), teaching_date=D(teaching), reviewed=reviewed) is status


@pytest.mark.parametrize(
    ("status", "value", "vietnamese_label"),
    [
        (ReviewStatus.WAITING, "waiting", "Chờ duyệt"),
        (ReviewStatus.OVERDUE, "overdue", "Quá hạn duyệt"),
        (ReviewStatus.DONE, "done", "Đã duyệt"),
    ],
)
def test_review_status_values_and_labels(status, value, vietnamese_label):
    assert status == value
    assert status.vietnamese_label == vietnamese_label
    assert vietnamese(status.label) == vietnamese_label


# --- the catalogue -------------------------------------------------------------------------

MESSAGES = sorted(
    [value for name, value in vars(timing).items() if name.startswith("MSG_")]
    + [status.label for status in ReviewStatus]
)


@pytest.mark.parametrize("message", MESSAGES)
def test_every_message_has_a_vietnamese_translation(message):
    translated = vietnamese(message)
    assert translated != message
    assert translated.strip()


# --- the review deadline as a database cut-off ------------------------------------------------


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        pytest.param("2024-12-06", "2024-12-09", id="friday-this-weeks-plans-overdue-next-weeks-not"),
        pytest.param("2024-12-07", "2024-12-09", id="saturday-deadline-day-next-week-still-waiting"),
        pytest.param("2024-12-08", "2024-12-16", id="sunday-next-week-overdue"),
        pytest.param("2024-12-09", "2024-12-16", id="monday"),
    ],
)
def test_overdue_before(today, cutoff):
    assert timing.overdue_before(D(today)) == D(cutoff)


def test_overdue_before_agrees_with_review_status_for_every_day_of_a_year():
    start = D("2025-09-01")
    for offset in range(0, 300):
        today = start + timedelta(days=offset)
        cutoff = timing.overdue_before(today)
        for ahead in range(-20, 21):
            teaching = today + timedelta(days=ahead)
            overdue = review_status(today=today, teaching_date=teaching, reviewed=False) is ReviewStatus.OVERDUE
            assert overdue is (teaching < cutoff), (today, teaching)
