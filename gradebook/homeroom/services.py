"""The homeroom teacher's sheet: conduct, monthly absences and remarks, saved with the acting user and a reason.

All or nothing, as the results services (gradebook.results.services, whose helpers this uses):
the class row locked, the actor's right checked (gradebook.policy), an approved period refused,
everything validated before anything is written, history through simple-history's bulk helpers.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import (
    MAX_SESSIONS_PER_MONTH,
    SESSIONS_MESSAGE,
    ConductResult,
    MonthlyAbsence,
    StudentRemark,
)
from gradebook.policy import require_homeroom
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


def homeroom_write(*, actor, term: sm.Term | None, reason: str, now=None,
                   conduct: Mapping[int, str] | None = None,
                   absences: Mapping[int, Mapping[Month, tuple[int, int]]] | None = None,
                   remarks: Mapping[int, str] | None = None, months: Iterable[Month] = ()) -> int:
    """The one writer of conduct, monthly absences and remarks, with history (who, when, ``reason``).

    Only the values given are touched: ``conduct`` {enrolment: level, "" clears}, ``absences``
    {enrolment: {month: (excused, unexcused)}} (only ``months``), ``remarks`` {enrolment: text, ""
    clears}. The caller has locked the class, checked the actor's right and validated the values:
    homeroom_save for the sheet, gradebook.corrections.homeroom for an approved correction.
    Returns how many rows were created, changed or cleared.
    """
    now = now or timezone.now()
    changed = 0
    if conduct:
        changed += _save_conduct(conduct, term, actor=actor, reason=reason, now=now)
    if absences:
        changed += _save_absences(absences, list(months), actor=actor, reason=reason, now=now)
    if remarks:
        changed += _save_remarks(remarks, term, actor=actor, reason=reason, now=now)
    return changed


def _save_conduct(levels: Mapping[int, str], term, *, actor, reason, now) -> int:
    current = {
        row.enrolment_id: row
        for row in ConductResult.objects.select_for_update().filter(term=term, enrolment_id__in=list(levels))
        .order_by("pk")
    }
    create, update, clear = [], [], []
    for enrolment_id, level in levels.items():
        row = current.get(enrolment_id)
        if not level:
            if row is not None:
                clear.append(row)
        elif row is None:
            create.append(ConductResult(enrolment_id=enrolment_id, term=term, level=level,
                                        updated_at=now, updated_by=actor))
        elif row.level != level:
            row.level, row.updated_at, row.updated_by = level, now, actor
            update.append(row)
    bulk_with_history(ConductResult, create, update, ["level", "updated_at", "updated_by"], actor=actor, reason=reason,
                      now=now)
    delete_with_history(clear, actor=actor, reason=reason)
    return len(create) + len(update) + len(clear)


def _save_absences(absences: Mapping[int, Mapping[Month, tuple[int, int]]], months, *, actor, reason, now) -> int:
    if not months:
        return 0
    wanted = Q()
    for year, month in months:
        wanted |= Q(year=year, month=month)
    current = {
        (row.enrolment_id, (row.year, row.month)): row
        for row in MonthlyAbsence.objects.select_for_update().filter(wanted, enrolment_id__in=list(absences))
        .order_by("pk")
    }
    create, update = [], []
    for enrolment_id, per_month in absences.items():
        for month, (excused, unexcused) in per_month.items():
            row = current.get((enrolment_id, month))
            if row is None:
                if excused or unexcused:
                    create.append(MonthlyAbsence(enrolment_id=enrolment_id, year=month[0], month=month[1],
                                                 excused=excused, unexcused=unexcused, updated_at=now,
                                                 updated_by=actor))
            elif (row.excused, row.unexcused) != (excused, unexcused):
                # A month set back to none keeps its row at 0 / 0, so its history goes on.
                row.excused, row.unexcused, row.updated_at, row.updated_by = excused, unexcused, now, actor
                update.append(row)
    bulk_with_history(MonthlyAbsence, create, update, ["excused", "unexcused", "updated_at", "updated_by"],
                      actor=actor, reason=reason, now=now)
    return len(create) + len(update)


def _save_remarks(texts: Mapping[int, str], term, *, actor, reason, now) -> int:
    rows = StudentRemark.objects.select_for_update().filter(enrolment_id__in=list(texts))
    rows = rows.filter(term=term) if term is not None else rows.filter(term__isnull=True)
    current = {row.enrolment_id: row for row in rows.order_by("pk")}
    create, update, clear = [], [], []
    for enrolment_id, raw in texts.items():
        text = raw.strip()
        row = current.get(enrolment_id)
        if not text:
            if row is not None:
                clear.append(row)
        elif row is None:
            create.append(StudentRemark(enrolment_id=enrolment_id, term=term, text=text, updated_at=now,
                                        updated_by=actor))
        elif row.text != text:
            row.text, row.updated_at, row.updated_by = text, now, actor
            update.append(row)
    bulk_with_history(StudentRemark, create, update, ["text", "updated_at", "updated_by"], actor=actor, reason=reason,
                      now=now)
    delete_with_history(clear, actor=actor, reason=reason)
    return len(create) + len(update) + len(clear)
