"""Which assessment slots exist: columns of a subject, and when a student has a slot in a term (pure).

A slot is (column kind, index): regular assessments "tx" 1 … 4, the mid-term "gk" and the
end-of-term "ck" (index 1). An enrolment or a term is anything with ``start_date`` and
``end_date`` (dates; an enrolment's ``end_date`` None while the student is in the class).
"""

import datetime
from collections.abc import Iterable

REGULAR, MIDTERM, FINAL = "tx", "gk", "ck"  # gradebook.models.Score.Kind
KINDS = frozenset({REGULAR, MIDTERM, FINAL})
# TT22: at most four regular assessments (ĐĐGtx) per term, for > 70 periods a year; one more where the class
# studies the subject's learning topics (upper secondary, tt22.regular_assessment_count).
MAX_REGULAR = 5

Month = tuple[int, int]  # (calendar year, month)


def slot_key(kind: str, index: int) -> str:
    """The grid's key of a slot: "tx1" … "tx5", "gk", "ck"."""
    return f"tx{index}" if kind == REGULAR else kind


def is_column(kind: str, index: int) -> bool:
    """Is (kind, index) a column of any subject? (The regular count of a subject is checked apart.)"""
    return kind in KINDS and (kind == REGULAR or index == 1) and (kind != REGULAR or 1 <= index <= MAX_REGULAR)


def studies_during(enrolment, term) -> bool:
    """Was the student in the class for at least part of the term? Only then can a slot be written.

    A student who left mid-term keeps the scores of the weeks they were there (they go with the
    transfer record); one who left before the term, or joined after it, has no slot in it.
    """
    return enrolment.start_date <= term.end_date and (
        enrolment.end_date is None or enrolment.end_date >= term.start_date
    )


def in_class_at_end(enrolment, term) -> bool:
    """Was the student in the class when the term ended? Only then are their results of the term due."""
    return enrolment.start_date <= term.end_date and (enrolment.end_date is None or enrolment.end_date >= term.end_date)


def left_before(enrolment, day: datetime.date | None) -> bool:
    """Had the student left the class before ``day`` (a test's date)? Then they have no result of that test."""
    return day is not None and enrolment.end_date is not None and enrolment.end_date < day


def _month_days(month: Month) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(month[0], month[1], 1)
    following = datetime.date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def term_months(terms: Iterable) -> dict[int, list[Month]]:
    """{term number: its months}: every month the terms touch, given to the term holding most of its days.

    Absences are kept per month, so a month split between two terms (January, usually) must count
    in exactly one of them: the one it mostly lies in (the later one on a tie). The year's total is
    then the sum of the two terms' totals. A term is anything with ``number``, ``start_date``, ``end_date``.
    """
    terms = sorted(terms, key=lambda term: term.number)
    owned: dict[int, list[Month]] = {term.number: [] for term in terms}
    if not terms:
        return owned
    month = (terms[0].start_date.year, terms[0].start_date.month)
    last = (terms[-1].end_date.year, terms[-1].end_date.month)
    while month <= last:
        first, end = _month_days(month)
        best, best_days = None, 0
        for term in terms:
            days = (min(end, term.end_date) - max(first, term.start_date)).days + 1
            if days > 0 and days >= best_days:
                best, best_days = term.number, days
        if best is not None:
            owned[best].append(month)
        month = (month[0] + month[1] // 12, month[1] % 12 + 1)
    return owned
