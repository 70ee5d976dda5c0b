"""Reads of the homeroom sheets: what the homeroom teacher enters for a term or the year, and the daily roll-call."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import (
    ConductResult,
    DailyAbsence,
    HomeroomCorrection,
    MonthlyAbsence,
    ResultApproval,
    RollCallDay,
    StudentRemark,
)
from gradebook.policy import require_homeroom
from gradebook.results.compute import YEAR
from gradebook.rules import rollcall as rules
from gradebook.rules.slots import Month, studies_during, term_months
from schoolrecords import models as sm
from schoolrecords.selectors import sort_vietnamese


@dataclass
class SheetRow:
    number: int
    enrolment: sm.Enrolment  # with .student
    writable: bool  # in the class during the period (the sheet as a whole may still be frozen)
    conduct: str = ""  # LevelChoice value, "" when none
    absences: dict[Month, tuple[int, int]] = field(default_factory=dict)
    remark: str = ""


@dataclass
class HomeroomSheet:
    school_class: sm.SchoolClass
    number: int  # 1, 2 or YEAR
    term: sm.Term | None
    months: list[Month]  # the term's months (none for the year: only remarks are entered there)
    rows: list[SheetRow]
    approval: ResultApproval | None  # the approval that freezes this sheet, if any
    pending: frozenset[str] = frozenset()  # slots of the class's homeroom corrections waiting for the leadership
    daily: frozenset[Month] = frozenset()  # the months kept by day: their totals are counted from the roll-call
    months_elsewhere: tuple[Month, ...] = ()  # months the term touches whose absences the other term's sheet holds

    @property
    def frozen(self) -> bool:
        return self.approval is not None

    @property
    def is_year(self) -> bool:
        return self.number == YEAR


def homeroom_sheet(*, actor, school_class: sm.SchoolClass, number: int) -> HomeroomSheet:
    """What the homeroom teacher enters for a term (conduct, absences per month, remark) or the year (remark)."""
    require_homeroom(actor, school_class)
    terms = {term.number: term for term in sm.Term.objects.filter(year_id=school_class.year_id)}
    if number != YEAR and number not in terms:
        raise Http404
    term = terms.get(number)
    months = term_months(terms.values()).get(number, []) if term is not None else []
    elsewhere = tuple(month for month in term_months([term]).get(number, []) if month not in months) if term else ()
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=school_class.pk).select_related("student").order_by()
    )
    in_class = {"enrolment__school_class_id": school_class.pk}
    conduct, absences = {}, defaultdict(dict)
    if term is not None:
        conduct = dict(ConductResult.objects.filter(term=term, **in_class).values_list("enrolment_id", "level"))
        wanted = Q()
        for year, month in months:
            wanted |= Q(year=year, month=month)
        if months:
            for row in MonthlyAbsence.objects.filter(wanted, **in_class).values_list(
                "enrolment_id", "year", "month", "excused", "unexcused"
            ):
                absences[row[0]][row[1], row[2]] = (row[3], row[4])
    remarks = dict(
        StudentRemark.objects.filter(term=term, **in_class).values_list("enrolment_id", "text")
        if term is not None
        else StudentRemark.objects.filter(term__isnull=True, **in_class).values_list("enrolment_id", "text")
    )
    approvals = {
        approval.term.number if approval.term_id else YEAR: approval
        for approval in ResultApproval.objects.filter(school_class_id=school_class.pk)
        .select_related("term", "approved_by__profile")
    }
    approval = approvals.get(YEAR) or approvals.get(number)
    rows = []
    for position, enrolment in enumerate(enrolments, start=1):
        present = (
            studies_during(enrolment, term) if term is not None
            else any(studies_during(enrolment, each) for each in terms.values())
        )
        if not present and enrolment.pk not in conduct and enrolment.pk not in remarks:
            continue
        rows.append(SheetRow(number=position, enrolment=enrolment, writable=present,
                             conduct=conduct.get(enrolment.pk, ""), absences=absences.get(enrolment.pk, {}),
                             remark=remarks.get(enrolment.pk, "")))
    pending = frozenset(
        HomeroomCorrection.objects.filter(school_class_id=school_class.pk, status=HomeroomCorrection.Status.PENDING)
        .values_list("slot", flat=True)
    ) if approval is not None else frozenset()
    return HomeroomSheet(school_class=school_class, number=number, term=term, months=months, rows=rows,
                         approval=approval, pending=pending, daily=frozenset(taken_months(school_class, months)),
                         months_elsewhere=elsewhere)


def taken_months(school_class: sm.SchoolClass, months: Iterable[Month]) -> set[Month]:
    """The months the class keeps its roll-call by day (a day of them taken): their totals come from the days."""
    months = list(months)
    if not months:
        return set()
    first, last = datetime.date(*min(months), 1), rules.month_days(max(months))[-1]
    taken = RollCallDay.objects.filter(school_class_id=school_class.pk, date__range=(first, last)).dates("date",
                                                                                                       "month")
    return {(day.year, day.month) for day in taken} & set(months)


# --- the daily roll-call -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollCallDayColumn:
    date: datetime.date
    weekend: bool
    open: bool  # the class's roll-call of this day may be written (not future, not Sunday, inside a term)
    taken: bool
    refusal: str  # why not, when not open (translated)

    @property
    def due(self) -> bool:
        """A school day (Monday to Friday) open and not taken yet: what the reminder counts."""
        return self.open and not self.weekend and not self.taken


@dataclass(frozen=True)
class RollCallCell:
    date: datetime.date
    mark: str  # "P", "K" or ""
    writable: bool
    label: str  # the input's accessible name: "student, day"


@dataclass
class RollCallRow:
    number: int
    enrolment: sm.Enrolment  # with .student
    cells: list[RollCallCell]
    excused: int
    unexcused: int


@dataclass
class RollCallSheet:
    school_class: sm.SchoolClass
    month: Month
    term_number: int  # the term the month's totals belong to
    days: list[RollCallDayColumn]
    rows: list[RollCallRow]
    months: list[Month]  # the year's months, for the month links
    approval: ResultApproval | None

    @property
    def frozen(self) -> bool:
        return self.approval is not None

    @property
    def due(self) -> int:
        return sum(1 for day in self.days if day.due)

    @property
    def previous(self) -> Month | None:
        position = self.months.index(self.month)
        return self.months[position - 1] if position else None

    @property
    def following(self) -> Month | None:
        position = self.months.index(self.month)
        return self.months[position + 1] if position + 1 < len(self.months) else None


def rollcall_sheet(*, actor, school_class: sm.SchoolClass, month: Month,
                   today: datetime.date | None = None) -> RollCallSheet:
    """The class × month roll-call: a row per student in the class that month, a column per day (a fixed number of
    queries: terms, class list, the month's marks, the days taken, approvals)."""
    require_homeroom(actor, school_class)
    today = today or timezone.localdate()
    terms = list(sm.Term.objects.filter(year_id=school_class.year_id))
    months = rules.year_months(terms)
    if month not in months:
        raise Http404
    owner = next(number for number, owned in term_months(terms).items() if month in owned)
    days = rules.month_days(month)
    taken = set(RollCallDay.objects.filter(school_class_id=school_class.pk, date__range=(days[0], days[-1]))
                .values_list("date", flat=True))
    columns = []
    for day in days:
        refusal = rules.day_refusal(day, today=today, terms=terms)
        columns.append(RollCallDayColumn(date=day, weekend=rules.is_weekend(day), open=refusal is None,
                                         taken=day in taken,
                                         refusal=_(refusal.message) % refusal.params if refusal else ""))
    marks: dict[int, dict[datetime.date, str]] = defaultdict(dict)
    for enrolment_id, day, kind in DailyAbsence.objects.filter(
            enrolment__school_class_id=school_class.pk, date__range=(days[0], days[-1])).values_list(
            "enrolment_id", "date", "kind"):
        marks[enrolment_id][day] = kind
    approvals = {approval.term.number if approval.term_id else YEAR: approval
                 for approval in ResultApproval.objects.filter(school_class_id=school_class.pk)
                 .select_related("term", "approved_by__profile")}
    approval = approvals.get(YEAR) or approvals.get(owner)
    rows = []
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=school_class.pk).select_related("student").order_by())
    for position, enrolment in enumerate(enrolments, start=1):
        held = marks.get(enrolment.pk, {})
        if not rules.in_class_during(enrolment, month) and not held:
            continue
        name = enrolment.student.full_name
        cells = [RollCallCell(date=column.date, mark=held.get(column.date, ""),
                              writable=column.open and approval is None
                              and rules.student_refusal(column.date, enrolment, name) is None,
                              label=f"{name}, {column.date:%d/%m}")
                 for column in columns]
        excused, unexcused = rules.totals(held.values())
        rows.append(RollCallRow(number=position, enrolment=enrolment, cells=cells, excused=excused,
                                unexcused=unexcused))
    return RollCallSheet(school_class=school_class, month=month, term_number=owner, days=columns, rows=rows,
                         months=months, approval=approval)


def daily_marks(school_class: sm.SchoolClass, months: Iterable[Month]) -> dict[Month, dict[int, dict[int, str]]]:
    """The marks of the months the class keeps by day: {month: {enrolment: {day of month: "P" | "K"}}} (two queries).

    A month whose roll-call has no day taken is not in the answer: its totals were typed on the month sheet.
    """
    months = list(months)
    if not months:
        return {}
    first, last = datetime.date(*min(months), 1), rules.month_days(max(months))[-1]
    kept = taken_months(school_class, months)
    found: dict[Month, dict[int, dict[int, str]]] = {month: defaultdict(dict) for month in sorted(kept)}
    for enrolment_id, day, kind in DailyAbsence.objects.filter(
            enrolment__school_class_id=school_class.pk, date__range=(first, last)).values_list(
            "enrolment_id", "date", "kind"):
        month = (day.year, day.month)
        if month in found:
            found[month][enrolment_id][day.day] = kind
    return {month: dict(rows) for month, rows in found.items()}


@dataclass(frozen=True)
class RollCallHome:
    """A homeroom class's roll-call on the home page: the month to open, and the reminder of the month before."""

    school_class: sm.SchoolClass
    month: Month  # the sheet to open today
    reminded: Month | None = None  # the month before, on the 1st to 3rd, when days of it are not checked
    due: int = 0  # its school days not checked
    deadline: datetime.date | None = None


def rollcall_home(*, classes: Iterable[sm.SchoolClass], today: datetime.date | None = None) -> list[RollCallHome]:
    """Each homeroom class's roll-call month and, on the 1st to 3rd of a month, how many school days of the month
    before are not checked (seed 003: absences are entered in the first three days of the next month).

    One query for any number of classes (their terms), and one more on the reminder's days (the days taken).
    """
    today = today or timezone.localdate()
    classes = list(classes)
    if not classes:
        return []
    terms: dict[int, list[sm.Term]] = defaultdict(list)
    for term in sm.Term.objects.filter(year_id__in={c.year_id for c in classes}):
        terms[term.year_id].append(term)
    reminded = rules.reminder_month(today)
    taken: dict[int, set[datetime.date]] = defaultdict(set)
    if reminded is not None:
        days = rules.month_days(reminded)
        for class_id, day in RollCallDay.objects.filter(school_class__in=classes, date__range=(days[0], days[-1])
                                                        ).values_list("school_class_id", "date"):
            taken[class_id].add(day)
    entries = []
    for school_class in classes:
        year_terms = terms[school_class.year_id]
        month = rules.sheet_month(rules.year_months(year_terms), today)
        if month is None:
            continue
        due = [day for day in rules.days_to_check(reminded, terms=year_terms, today=today)
               if day not in taken[school_class.pk]] if reminded is not None else []
        entries.append(RollCallHome(school_class=school_class, month=month, reminded=reminded if due else None,
                                    due=len(due), deadline=rules.entry_deadline(today) if due else None))
    return entries
