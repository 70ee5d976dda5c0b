"""The daily roll-call's rules (pure, no Django): which days may be marked, the month's totals, the reminder.

The homeroom teacher marks each absent student on a day: P excused, K unexcused; a student with no
mark was present. One mark is one session (buổi) of the month's totals (gradebook.models.MonthlyAbsence).
Sunday has no roll-call; Saturday is a weekend day some schools teach on, so it may be marked but
is not counted among the days still to check. Terms and enrolments are anything with ``start_date``
and ``end_date`` (dates; an enrolment's ``end_date`` is its last day in the class, or None).
Messages are English catalogue ids (``gettext_noop``) with ``params``; Django code translates them.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from schoolrecords.purei18n import gettext_noop

EXCUSED, UNEXCUSED = "P", "K"
MARKS = (EXCUSED, UNEXCUSED)
SATURDAY, SUNDAY = 5, 6
DEADLINE_DAY = 3  # seed 003: absences are entered in the first three days of the next month

Month = tuple[int, int]  # (calendar year, month)

MSG_UNKNOWN_MARK = gettext_noop("Type P (excused), K (unexcused), or leave the day empty for present.")
MSG_FUTURE = gettext_noop("%(date)s has not come yet: a roll-call is taken on its day or later.")
MSG_SUNDAY = gettext_noop("%(date)s is a Sunday: there is no roll-call.")
MSG_OUTSIDE_TERMS = gettext_noop("%(date)s is outside the terms of this school year.")
MSG_BEFORE_ENROLMENT = gettext_noop("%(name)s joined the class on %(start)s, after %(date)s.")
MSG_AFTER_LEAVING = gettext_noop("%(name)s left the class on %(end)s, before %(date)s.")


@dataclass(frozen=True)
class Refusal:
    """Why a day (or a student's day) cannot be marked: an English catalogue message and its parameters."""

    message: str
    params: dict = field(default_factory=dict)


def text_date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def normal_mark(text: str) -> str | None:
    """The mark typed ("p", " K ", "") as stored ("P", "K", ""), or None when it is not a mark."""
    mark = (text or "").strip().upper()
    return mark if mark in ("", *MARKS) else None


def month_days(month: Month) -> list[datetime.date]:
    return [datetime.date(month[0], month[1], day) for day in range(1, calendar.monthrange(*month)[1] + 1)]


def month_of(day: datetime.date) -> Month:
    return day.year, day.month


def previous_month(month: Month) -> Month:
    return (month[0], month[1] - 1) if month[1] > 1 else (month[0] - 1, 12)


def next_month(month: Month) -> Month:
    return (month[0], month[1] + 1) if month[1] < 12 else (month[0] + 1, 1)


def is_weekend(day: datetime.date) -> bool:
    return day.weekday() in (SATURDAY, SUNDAY)


def in_terms(day: datetime.date, terms: Iterable) -> bool:
    return any(term.start_date <= day <= term.end_date for term in terms)


def day_refusal(day: datetime.date, *, today: datetime.date, terms: Iterable) -> Refusal | None:
    """May the class's roll-call of ``day`` be written at all? None when it may."""
    params = {"date": text_date(day)}
    if day > today:
        return Refusal(MSG_FUTURE, params)
    if day.weekday() == SUNDAY:
        return Refusal(MSG_SUNDAY, params)
    if not in_terms(day, terms):
        return Refusal(MSG_OUTSIDE_TERMS, params)
    return None


def student_refusal(day: datetime.date, enrolment, name: str) -> Refusal | None:
    """Was the student in the class on ``day``? None when they were."""
    if day < enrolment.start_date:
        return Refusal(MSG_BEFORE_ENROLMENT, {"name": name, "start": text_date(enrolment.start_date),
                                              "date": text_date(day)})
    if enrolment.end_date is not None and day > enrolment.end_date:
        return Refusal(MSG_AFTER_LEAVING, {"name": name, "end": text_date(enrolment.end_date), "date": text_date(day)})
    return None


def in_class_during(enrolment, month: Month) -> bool:
    days = month_days(month)
    return enrolment.start_date <= days[-1] and (enrolment.end_date is None or enrolment.end_date >= days[0])


def totals(marks: Iterable[str]) -> tuple[int, int]:
    """The month's (excused, unexcused) sessions from its days' marks."""
    marks = list(marks)
    return marks.count(EXCUSED), marks.count(UNEXCUSED)


def days_to_check(month: Month, *, terms: Iterable, today: datetime.date) -> list[datetime.date]:
    """The school days of ``month`` whose roll-call is due by ``today``: Monday to Friday, inside a term."""
    terms = list(terms)
    return [day for day in month_days(month) if day <= today and not is_weekend(day) and in_terms(day, terms)]


def reminder_month(today: datetime.date) -> Month | None:
    """On the first three days of a month, the month before (whose absences are due); else None."""
    return previous_month(month_of(today)) if today.day <= DEADLINE_DAY else None


def entry_deadline(today: datetime.date) -> datetime.date:
    """The last day to enter the previous month's absences: the third of ``today``'s month."""
    return today.replace(day=DEADLINE_DAY)


def sheet_month(months: list[Month], today: datetime.date) -> Month | None:
    """The month whose sheet a homeroom teacher opens today: this month, or the year's nearest one."""
    if not months:
        return None
    return min(max(month_of(today), months[0]), months[-1])


def year_months(terms: Iterable) -> list[Month]:
    """Every calendar month the terms touch, in order."""
    terms = sorted(terms, key=lambda term: term.start_date)
    if not terms:
        return []
    month, last = month_of(terms[0].start_date), month_of(max(term.end_date for term in terms))
    months = []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
