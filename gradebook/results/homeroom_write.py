"""The one writer of conduct, monthly absences and remarks, and the name of a value a correction asks for.

Below both the homeroom sheet (gradebook.homeroom.services) and the corrections of an approved
sheet (gradebook.corrections.homeroom), which each check rights and periods before calling it.
"""

from collections.abc import Iterable, Mapping

from django.db.models import Q
from django.utils import timezone

from gradebook.models import ConductResult, MonthlyAbsence, StudentRemark
from gradebook.results.services import bulk_with_history, delete_with_history
from gradebook.rules.slots import Month
from schoolrecords import models as sm


def correction_slot(*, field: str, enrolment_id: int, term_id: int | None, subject_id: int | None = None,
                    month: Month | None = None) -> str:
    """The name of one correctable value ("conduct:12:t3", "absences:12:t3:2025-9", "retest:12:y:s4"):
    one open homeroom correction per value (gradebook.models.HomeroomCorrection.slot)."""
    parts = [field, str(enrolment_id), f"t{term_id}" if term_id else "y"]
    if subject_id:
        parts.append(f"s{subject_id}")
    if month:
        parts.append(f"{month[0]}-{month[1]}")
    return ":".join(parts)


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
