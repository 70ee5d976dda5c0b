"""Lesson-plan timing rules (3-day upload rule, Saturday-before review) over plain dates; no Django."""

import enum
from datetime import date, datetime, timedelta

from schoolrecords.purei18n import RuleError, gettext_noop, vietnamese

# Seed 000, "Quy định lưu trữ": “Kế hoạch bài dạy phải được cập nhật lên hệ thống theo từng
# tiết/chủ đề trước khi thực hiện giảng dạy ít nhất 03 ngày.”  Read as calendar days (the text
# says “ngày”, not “ngày làm việc”), with the upload day counted: teaching on Thursday the 12th,
# an upload on Monday the 9th is 3 days before (on time), Tuesday the 10th is only 2 (late).
# So the deadline is teaching_date - days_before, and "late" means uploaded after that day.
DEFAULT_DAYS_BEFORE = 3

# Seed 000, "Giáo viên bộ môn": “Việc ký duyệt Kế hoạch bài dạy vào thứ Bảy của tuần liền
# trước để được tổ chuyên môn ký duyệt/xác nhận.”  Weeks run Monday–Sunday (Thứ Hai–Chủ nhật),
# so the deadline is the Saturday just before the Monday of the teaching week.
SATURDAY = 5  # date.weekday()

MSG_DAYS_BEFORE = gettext_noop("The number of days before teaching must be a whole number, 0 or more.")
MSG_LATE_UPLOAD = gettext_noop(
    "The lesson plan for %(teaching_date)s had to be uploaded by %(deadline)s at the latest."
)


def _check_date(value: object, name: str) -> date:
    # datetime is a subclass of date but compares badly with it and drags in time zones:
    # callers convert to the school's local date first.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {type(value).__name__}")
    return value


def _check_days_before(days_before: object) -> int:
    if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before < 0:
        raise RuleError(MSG_DAYS_BEFORE)
    return days_before


def format_date(d: date) -> str:
    """Vietnamese date format, dd/mm/yyyy."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def upload_deadline(teaching_date: date, *, days_before: int = DEFAULT_DAYS_BEFORE) -> date:
    """The last day a lesson plan may be uploaded on time: ``teaching_date - days_before`` days."""
    _check_date(teaching_date, "teaching_date")
    return teaching_date - timedelta(days=_check_days_before(days_before))


def is_late_upload(*, uploaded_on: date, teaching_date: date, days_before: int = DEFAULT_DAYS_BEFORE) -> bool:
    """Whether an upload on ``uploaded_on`` is after the deadline (uploading on the deadline is on time)."""
    _check_date(uploaded_on, "uploaded_on")
    return uploaded_on > upload_deadline(teaching_date, days_before=days_before)


def check_upload_date(
    *, uploaded_on: date, teaching_date: date, days_before: int = DEFAULT_DAYS_BEFORE, refuse_late: bool = False
) -> bool:
    """Apply the school's setting: return True if the upload is late (to flag it), or raise
    ``RuleError`` instead when the school refuses late uploads (``refuse_late``)."""
    late = is_late_upload(uploaded_on=uploaded_on, teaching_date=teaching_date, days_before=days_before)
    if late and refuse_late:
        raise RuleError(
            MSG_LATE_UPLOAD,
            teaching_date=format_date(teaching_date),
            deadline=format_date(upload_deadline(teaching_date, days_before=days_before)),
        )
    return late


def week_of(d: date) -> tuple[date, date]:
    """The Monday and the Sunday of the week containing ``d``."""
    _check_date(d, "d")
    monday = d - timedelta(days=d.weekday())
    return monday, monday + timedelta(days=6)


def next_week(today: date) -> tuple[date, date]:
    """The Monday and the Sunday of the week after the one containing ``today``."""
    _check_date(today, "today")
    return week_of(today + timedelta(days=7))


def review_deadline(teaching_date: date) -> date:
    """The Saturday of the week before the week containing ``teaching_date``: the day the
    department head signs off the next week's lesson plans."""
    monday, _ = week_of(teaching_date)
    return monday - timedelta(days=2)


class ReviewStatus(enum.StrEnum):
    """A lesson plan's review state on the department head's dashboard."""

    WAITING = "waiting"  # not reviewed, deadline today or later
    OVERDUE = "overdue"  # not reviewed, deadline passed
    DONE = "done"  # reviewed (late or not)

    @property
    def label(self) -> str:
        """English catalogue label; ``vietnamese_label`` or Django's gettext translates it."""
        return _STATUS_LABELS[self]

    @property
    def vietnamese_label(self) -> str:
        return vietnamese(self.label)


_STATUS_LABELS = {
    ReviewStatus.WAITING: gettext_noop("Waiting for review"),
    ReviewStatus.OVERDUE: gettext_noop("Review overdue"),
    ReviewStatus.DONE: gettext_noop("Reviewed"),
}


def review_status(*, today: date, teaching_date: date, reviewed: bool) -> ReviewStatus:
    """DONE if reviewed; otherwise OVERDUE once ``today`` is after the review deadline
    (the Saturday itself is still WAITING), else WAITING."""
    _check_date(today, "today")
    if reviewed:
        return ReviewStatus.DONE
    return ReviewStatus.OVERDUE if today > review_deadline(teaching_date) else ReviewStatus.WAITING


def overdue_before(today: date) -> date:
    """Plans taught before this date whose review is still missing are overdue ``today``.

    The same rule as ``review_status`` in a form a database filter can use
    (``teaching_date < overdue_before(today)``): overdue means the Monday of the teaching week is at
    most the Monday on or before ``today + 1``, i.e. the Saturday deadline is already behind us.
    """
    _check_date(today, "today")
    monday, _ = week_of(today + timedelta(days=1))
    return monday + timedelta(days=7)
