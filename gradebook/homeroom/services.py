"""The homeroom teacher's sheets: conduct, monthly absences and remarks; the daily roll-call; saved with who and why.

All or nothing, as the results services (gradebook.results.services, whose helpers this uses):
the class row locked, the actor's right checked (gradebook.policy), an approved period refused,
everything validated before anything is written, history through simple-history's bulk helpers.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.homeroom.selectors import taken_months
from gradebook.models import MAX_SESSIONS_PER_MONTH, SESSIONS_MESSAGE, DailyAbsence, RollCallDay
from gradebook.policy import require_homeroom
from gradebook.results.homeroom_write import homeroom_write
from gradebook.results.services import (
    MAX_REMARK,
    approved_periods,
    bulk_with_history,
    check_level,
    delete_with_history,
    field_key,
    history_reason,
    lock_class,
    period_of,
    refuse_if_frozen,
)
from gradebook.rules import rollcall as rules
from gradebook.rules.slots import Month, studies_during, term_months
from schoolrecords import models as sm


@dataclass(frozen=True)
class HomeroomEntry:
    """One student's line of the homeroom sheet.

    ``conduct`` is a LevelChoice value ("" clears it); ``absences`` maps each of the term's months
    to (excused, unexcused) sessions, where (0, 0) means none; ``remark`` "" clears the remark.
    For the year sheet only ``remark`` is used.
    """

    enrolment_id: int
    conduct: str = ""
    absences: Mapping[Month, tuple[int, int]] = field(default_factory=dict)
    remark: str = ""


@transaction.atomic
def homeroom_save(*, actor, school_class: sm.SchoolClass, term: sm.Term | None, entries: Iterable[HomeroomEntry],
                  reason: str = "") -> int:
    """Save the homeroom sheet of a term (conduct, absences per month, remark) or of the year (remarks).

    All or nothing: any bad entry raises ValidationError (keyed by ``field_key``) and nothing is
    written. Returns how many rows were created, changed or cleared.
    """
    school_class = lock_class(school_class)
    require_homeroom(actor, school_class)
    number = period_of(school_class, term)
    refuse_if_frozen(school_class, approved_periods(school_class), number, correctable=True)
    entries = list(entries)
    reason = history_reason(reason, _("Homeroom sheet saved"))
    months: list[Month] = []
    if term is not None:
        months = term_months(sm.Term.objects.filter(year_id=school_class.year_id)).get(number, [])
    enrolments = {
        enrolment.pk: enrolment
        for enrolment in sm.Enrolment.objects.filter(
            school_class_id=school_class.pk, pk__in={entry.enrolment_id for entry in entries}
        ).select_related("student")
    }
    daily = taken_months(school_class, months) if any(entry.absences for entry in entries) else set()
    terms = list(sm.Term.objects.filter(year_id=school_class.year_id)) if term is None else [term]

    errors: dict[str, str] = {}
    problems: list[str] = []
    seen: set[int] = set()
    for entry in entries:
        enrolment = enrolments.get(entry.enrolment_id)
        if enrolment is None or not any(studies_during(enrolment, each) for each in terms):
            problems.append(_("A student in this sheet is not in the class during this period."))
            continue
        if entry.enrolment_id in seen:
            problems.append(_("%(name)s appears twice in the sheet.") % {"name": enrolment.student.full_name})
        seen.add(entry.enrolment_id)
        if term is None and (entry.conduct or any(entry.absences.values())):
            problems.append(_("Conduct and absences are entered per term."))
        check_level(entry.conduct, field_key("conduct", entry.enrolment_id), errors)
        for month, (excused, unexcused) in entry.absences.items():
            if month not in months:
                problems.append(_("Absences can only be entered for the months of this term."))
                continue
            if month in daily:
                problems.append(_("The absences of %(month)s are counted from the daily roll-call: change them on "
                                  "its sheet.") % {"month": f"{month[1]:02d}/{month[0]}"})
                continue
            key = field_key("unexcused", entry.enrolment_id, month)
            if excused < 0 or unexcused < 0:
                errors[key if unexcused < 0 else field_key("excused", entry.enrolment_id, month)] = _(
                    "The number of sessions absent cannot be negative.")
            elif excused + unexcused > MAX_SESSIONS_PER_MONTH:
                errors[key] = str(SESSIONS_MESSAGE) % {"max": MAX_SESSIONS_PER_MONTH}
        if len(entry.remark.strip()) > MAX_REMARK:
            errors[field_key("remark", entry.enrolment_id)] = _(
                "A remark has at most %(max)s characters.") % {"max": MAX_REMARK}
    if problems:
        raise ValidationError(sorted(set(problems)))
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    if term is None:
        return homeroom_write(actor=actor, term=None, remarks={entry.enrolment_id: entry.remark for entry in entries},
                              reason=reason, now=now)
    return homeroom_write(actor=actor, term=term, months=months, reason=reason, now=now,
                          conduct={entry.enrolment_id: entry.conduct for entry in entries},
                          absences={entry.enrolment_id: dict(entry.absences) for entry in entries},
                          remarks={entry.enrolment_id: entry.remark for entry in entries})


# --- the daily roll-call -------------------------------------------------------------------------------


def _refuse(refusal: rules.Refusal, code: str) -> ValidationError:
    return ValidationError(_(refusal.message) % refusal.params, code=code)


@dataclass(frozen=True)
class RollCallResult:
    """What a roll-call save left: the day's marks of the students given, and the month's totals of the class."""

    day: datetime.date
    marks: dict[int, str]  # enrolment -> "P", "K" or "" (present)
    totals: dict[int, tuple[int, int]]  # enrolment -> the month's (excused, unexcused) sessions
    changed: int  # rows created, changed or cleared (the day taken, absences, monthly totals)


@transaction.atomic
def rollcall_save(*, actor, school_class: sm.SchoolClass, day: datetime.date, marks: Mapping[int, str],
                  reason: str = "", today: datetime.date | None = None) -> RollCallResult:
    """Take the class's roll-call of ``day``: mark the students given absent (P, K) or present (""), all or nothing.

    Marks no student (``marks`` empty) to record that everyone was present. The day is then taken,
    the class keeps the month by day, and every student's totals of the month (MonthlyAbsence) are
    counted again from the days, in the same transaction. Refused, with the reason: another class's
    homeroom teacher; a future day (``today`` defaults to the school's date), a Sunday, a day outside
    the year's terms; a student not in the class that day; an approved period (a correction request
    of the month's absences instead). Bad marks raise ValidationError keyed ``mark-<enrolment>``.
    """
    school_class = lock_class(school_class)
    require_homeroom(actor, school_class)
    today = today or timezone.localdate()
    terms = list(sm.Term.objects.filter(year_id=school_class.year_id))
    refusal = rules.day_refusal(day, today=today, terms=terms)
    if refusal is not None:
        raise _refuse(refusal, "day")
    month = rules.month_of(day)
    owner = next(number for number, months in term_months(terms).items() if month in months)
    refuse_if_frozen(school_class, approved_periods(school_class), owner, correctable=True)
    reason = history_reason(reason, _("Roll-call of %(date)s") % {"date": rules.text_date(day)})
    enrolments = {enrolment.pk: enrolment
                  for enrolment in sm.Enrolment.objects.filter(school_class_id=school_class.pk).select_related("student")}

    wanted: dict[int, str] = {}
    errors: dict[str, str] = {}
    for enrolment_id, text in marks.items():
        enrolment = enrolments.get(enrolment_id)
        if enrolment is None:
            raise ValidationError(_("A student in this sheet is not in the class during this period."))
        key = field_key("mark", enrolment_id)
        mark = rules.normal_mark(text)
        if mark is None:
            errors[key] = _(rules.MSG_UNKNOWN_MARK)
            continue
        refusal = rules.student_refusal(day, enrolment, enrolment.student.full_name)
        if refusal is not None:
            errors[key] = _(refusal.message) % refusal.params
            continue
        wanted[enrolment_id] = mark
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    changed = 0
    if not RollCallDay.objects.filter(school_class_id=school_class.pk, date=day).exists():
        taken = RollCallDay(school_class=school_class, date=day, taken_at=now, taken_by=actor)
        taken._history_user, taken._change_reason = actor, reason
        taken.save()
        changed += 1
    current = {row.enrolment_id: row for row in DailyAbsence.objects.select_for_update()
               .filter(enrolment_id__in=list(wanted), date=day).order_by("pk")}
    create, update, clear = [], [], []
    for enrolment_id, mark in wanted.items():
        row = current.get(enrolment_id)
        if not mark:
            if row is not None:
                clear.append(row)
        elif row is None:
            create.append(DailyAbsence(enrolment_id=enrolment_id, date=day, kind=mark, updated_at=now,
                                       updated_by=actor))
        elif row.kind != mark:
            row.kind, row.updated_at, row.updated_by = mark, now, actor
            update.append(row)
    bulk_with_history(DailyAbsence, create, update, ["kind", "updated_at", "updated_by"], actor=actor, reason=reason,
                      now=now)
    delete_with_history(clear, actor=actor, reason=reason)
    changed += len(create) + len(update) + len(clear)

    totals = _month_totals(school_class, month, enrolments.values())
    changed += homeroom_write(actor=actor, term=next(term for term in terms if term.number == owner), months=[month],
                              absences={pk: {month: counts} for pk, counts in totals.items()}, reason=reason, now=now)
    return RollCallResult(day=day, marks=wanted, totals=totals, changed=changed)


def _month_totals(school_class: sm.SchoolClass, month: Month, enrolments: Iterable[sm.Enrolment]
                  ) -> dict[int, tuple[int, int]]:
    """Every student's (excused, unexcused) sessions of ``month`` counted from the days (none for one not there)."""
    days = rules.month_days(month)
    counted = Counter(DailyAbsence.objects.filter(enrolment__school_class_id=school_class.pk,
                                                  date__range=(days[0], days[-1]))
                      .values_list("enrolment_id", "kind"))
    return {
        enrolment.pk: (counted[enrolment.pk, rules.EXCUSED], counted[enrolment.pk, rules.UNEXCUSED])
        for enrolment in enrolments
        if rules.in_class_during(enrolment, month) or counted[enrolment.pk, rules.EXCUSED]
        or counted[enrolment.pk, rules.UNEXCUSED]
    }
