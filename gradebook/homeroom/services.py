"""The homeroom teacher's sheet: conduct, monthly absences and remarks, saved with the acting user and a reason.

All or nothing, as the results services (gradebook.results.services, whose helpers this uses):
the class row locked, the actor's right checked (gradebook.policy), an approved period refused,
everything validated before anything is written, history through simple-history's bulk helpers.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import MAX_SESSIONS_PER_MONTH, SESSIONS_MESSAGE
from gradebook.policy import require_homeroom
from gradebook.results.homeroom_write import homeroom_write
from gradebook.results.services import (
    MAX_REMARK,
    approved_periods,
    check_level,
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
