"""Reads of entry progress that acts: who is behind, a teacher's reminders, the monthly records.

Each read runs a constant number of queries, whatever the number of classes, teachers or rows.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Sum

from gradebook import policy
from gradebook.models import ProgressRecord, ProgressRecordRow, ProgressReminder
from gradebook.results.selectors import Progress, ProgressRow
from schoolrecords.permissions import found_or_hidden, user_school
from schoolrecords.selectors import current_year
from schoolrecords.text import vietnamese_sort_key

from .services import completion, teacher_rows


@dataclass
class TeacherProgress:
    teacher_id: int
    name: str
    rows: list[ProgressRow]
    last_reminded: datetime.datetime | None = None

    @property
    def filled(self) -> int:
        return sum(row.filled for row in self.rows)

    @property
    def required(self) -> int:
        return sum(row.required for row in self.rows)

    @property
    def missing(self) -> int:
        return sum(row.missing for row in self.rows)

    @property
    def percent(self) -> int:
        return completion(self.rows)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass
class Behind:
    """Who is behind in a term: the incomplete rows and the teachers, lowest completion first."""

    rows: list[ProgressRow]
    teachers: list[TeacherProgress]


def _lowest_first(percent: int, missing: int, name: str) -> tuple:
    return percent, -missing, vietnamese_sort_key(name.rsplit(" ", 1)[-1]), vietnamese_sort_key(name)


def behind(report: Progress) -> Behind:
    """Sort a progress report by lowest completion: every incomplete row (per teaching assignment and conduct),
    and every teacher with something to enter, with the date they were last reminded for the term (one query)."""
    rows = sorted((row for row in report.rows if row.missing), key=lambda row: (
        *_lowest_first(row.percent, row.missing, row.teacher), row.school_class.grade, row.school_class.name))
    grouped = teacher_rows(report.rows)
    reminded = dict(
        ProgressReminder.objects.filter(term=report.term, teacher_id__in=list(grouped)).order_by()
        .values("teacher_id").annotate(last=Max("sent_at")).values_list("teacher_id", "last")
    )
    teachers = [TeacherProgress(teacher_id=pk, name=found[0].teacher, rows=found, last_reminded=reminded.get(pk))
                for pk, found in grouped.items() if any(row.missing for row in found)]
    teachers.sort(key=lambda each: _lowest_first(each.percent, each.missing, each.name))
    return Behind(rows=rows, teachers=teachers)


def staff_for(*, actor, pk: int):
    """A staff account of the actor's school (another school's: a logged 404); no permission is implied."""
    school = user_school(actor)
    accounts = get_user_model().objects.filter(profile__school=school) if school else get_user_model().objects.none()
    return found_or_hidden(accounts.select_related("profile"), actor, "progress", pk=pk)


# --- a teacher's reminders --------------------------------------------------------------------------------


def unread_reminders(user) -> list[ProgressReminder]:
    """The reminders ``user`` has not dismissed yet, newest first, with their sender and term (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ProgressReminder.objects.filter(teacher=user, read_at__isnull=True)
                .select_related("sent_by__profile", "term").order_by("-sent_at", "-pk")[:20])


def reminder_for(*, actor, pk: int) -> ProgressReminder:
    """One of the actor's own reminders; anyone else's is a 404 (a reminder is its teacher's only)."""
    return found_or_hidden(ProgressReminder.objects.filter(teacher_id=actor.pk), actor, "reminder", pk=pk)


# --- the monthly records ----------------------------------------------------------------------------------


@dataclass
class RecordLine:
    record: ProgressRecord
    filled: int
    required: int
    rows: int

    @property
    def percent(self) -> int:
        return 100 if not self.required else self.filled * 100 // self.required


def records(*, actor) -> list[RecordLine]:
    """The monthly records of the actor's school's current year, newest first, with their totals (two queries)."""
    policy.require_progress_reader(actor)
    year = current_year(user_school(actor))
    if year is None:
        return []
    found = list(ProgressRecord.objects.filter(year=year).select_related("term", "taken_by__profile")
                 .annotate(filled=Sum("rows__filled"), required=Sum("rows__required"), count=Count("rows"))
                 .order_by("-month"))
    return [RecordLine(record=each, filled=each.filled or 0, required=each.required or 0, rows=each.count)
            for each in found]


def record_for(*, actor, pk: int) -> ProgressRecord:
    """A monthly record of the actor's school (another school's: a logged 404), for its leadership (else 403)."""
    school = user_school(actor)
    found = ProgressRecord.objects.select_related("year__school", "term", "taken_by__profile")
    if not actor.is_superuser:
        found = found.filter(year__school=school) if school else found.none()
    taken = found_or_hidden(found, actor, "progress", pk=pk)
    policy.require_progress_reader(actor)
    return taken


def record_rows(taken: ProgressRecord) -> list[ProgressRecordRow]:
    return list(ProgressRecordRow.objects.filter(record=taken).order_by("position"))
