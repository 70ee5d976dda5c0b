"""Reminders to teachers behind on entry, and the monthly record of entry progress: every change, with who and why.

The leadership (principal, vice principal) sends a reminder to one teacher, or to every teacher
below a completion threshold; it names what is missing, as the progress page counts it
(gradebook.results.selectors.progress_rows), is shown on the teacher's home page until they
dismiss it and, when the site has an SMTP server (settings.EMAIL_HOST), is e-mailed by a Celery
task (gradebook.tasks.progress_reminder_email) once the reminder is committed.

The monthly record keeps each class subject's completion in the term under way at the end of a
month (seed 000 art. 9.3 rates each month by it); taken on the first of the next month by Celery
beat or ``manage.py progress_snapshot``, once per school year and month: a second run finds it.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gradebook import policy, signals
from gradebook.models import ProgressRecord, ProgressRecordRow, ProgressReminder
from gradebook.results.compute import staff_name
from gradebook.results.selectors import ProgressRow, current_term_number, progress_rows
from schoolrecords import models as sm
from schoolrecords.selectors import current_year
from schoolrecords.services import record

MAX_MESSAGE = 1000


# --- who is behind ------------------------------------------------------------------------------------------


def teacher_rows(rows: Iterable[ProgressRow]) -> dict[int, list[ProgressRow]]:
    """The progress rows of each teacher (by user id); rows nobody is assigned to are left out."""
    found: dict[int, list[ProgressRow]] = defaultdict(list)
    for row in rows:
        if row.teacher_id is not None:
            found[row.teacher_id].append(row)
    return found


def completion(rows: Iterable[ProgressRow]) -> int:
    """The percentage of the rows' required cells filled (100 when nothing is required)."""
    rows = list(rows)
    required = sum(row.required for row in rows)
    return 100 if not required else min(100, sum(row.filled for row in rows) * 100 // required)


def reminder_lines(rows: Iterable[ProgressRow]) -> list[dict]:
    """What a reminder names: every incomplete row, as plain values."""
    return [
        {"assignment": row.assignment_id, "school_class": row.school_class.name,
         "subject": row.subject.name if row.subject else "", "missing": row.missing}
        for row in rows if row.missing
    ]


# --- reminders ----------------------------------------------------------------------------------------------


def _term(year: sm.SchoolYear, number: int | None, today: datetime.date | None) -> sm.Term:
    """The year's term ``number``, or (None) the one under way."""
    terms = list(sm.Term.objects.filter(year=year).order_by("number"))
    number = number or current_term_number(terms, today)
    term = next((each for each in terms if each.number == number), None)
    if term is None:
        raise ValidationError(_("This school year has no such term."))
    return term


def _message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise ValidationError({"message": _("A message has at most %(max)s characters.") % {"max": MAX_MESSAGE}})
    return message


def _require_sender(actor, teacher) -> None:
    profile = getattr(teacher, "profile", None)
    if profile is None:
        raise ValidationError(_("Only a staff member of the school can be reminded."))
    policy.require_progress_leader(actor, profile)


def _create(*, actor, teacher, term: sm.Term, rows: list[ProgressRow], message: str) -> ProgressReminder | None:
    lines = reminder_lines(rows)
    if not lines or teacher.pk == actor.pk:
        return None
    reminder = record(ProgressReminder(teacher=teacher, sent_by=actor, term=term, message=message, lines=lines,
                                       sent_at=timezone.now()),
                      actor=actor, reason=_("Entry reminder sent"))
    reminder.assignments.set([line["assignment"] for line in lines if line["assignment"]])
    if teacher.email:
        signals.send_on_commit(signals.reminder_sent, reminder_id=reminder.pk, teacher_id=teacher.pk,
                               actor_id=actor.pk)
    return reminder


@transaction.atomic
def reminder_send(*, actor, teacher, term_number: int | None = None, message: str = "",
                  today: datetime.date | None = None) -> ProgressReminder | None:
    """Remind ``teacher`` of what they have not entered yet in term ``term_number`` (default: the term under way).

    The principal and the vice principal only (PermissionDenied otherwise; another school's teacher
    is a 404). Returns the reminder, or None when the teacher has nothing missing (nothing is sent).
    """
    _require_sender(actor, teacher)
    year = current_year(teacher.profile.school)
    if year is None:
        raise ValidationError(_("No school year has been set up yet."))
    term = _term(year, term_number, today)
    rows = teacher_rows(progress_rows(year=year, term=term)).get(teacher.pk, [])
    return _create(actor=actor, teacher=teacher, term=term, rows=rows, message=_message(message))


@transaction.atomic
def reminders_send_below(*, actor, school: sm.School, threshold: int, term_number: int | None = None,
                         message: str = "", today: datetime.date | None = None) -> list[ProgressReminder]:
    """Remind every teacher of ``school`` whose completion in the term is below ``threshold`` percent."""
    policy.require_progress_leader(actor, school)
    if not 1 <= threshold <= 100:
        raise ValidationError({"threshold": _("Give a percentage from 1 to 100.")})
    year = current_year(school)
    if year is None:
        raise ValidationError(_("No school year has been set up yet."))
    term = _term(year, term_number, today)
    message = _message(message)
    by_teacher = teacher_rows(progress_rows(year=year, term=term))
    behind = [pk for pk, rows in by_teacher.items() if completion(rows) < threshold]
    teachers = get_user_model().objects.filter(pk__in=behind, is_active=True).order_by("pk")
    sent = []
    for teacher in teachers:
        reminder = _create(actor=actor, teacher=teacher, term=term, rows=by_teacher[teacher.pk], message=message)
        if reminder is not None:
            sent.append(reminder)
    return sent


@transaction.atomic
def reminder_dismiss(*, actor, reminder: ProgressReminder) -> ProgressReminder:
    """The teacher has read the reminder: it leaves their home page. Nobody else dismisses it."""
    reminder = ProgressReminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.teacher_id != actor.pk:
        raise PermissionDenied(_("Only the teacher reminded may dismiss this reminder."))
    if reminder.read_at is not None:
        return reminder
    reminder.read_at = timezone.now()
    return record(reminder, actor=actor, reason=_("Entry reminder read"), update_fields=["read_at"])


def reminder_text(reminder: ProgressReminder) -> str:
    """The reminder as one line per missing item, for the e-mail."""
    term = reminder.term.get_number_display()
    lines = [
        _("%(class)s %(subject)s %(term)s — %(count)s cells missing") % {
            "class": line["school_class"], "subject": line["subject"] or _("conduct"), "term": term,
            "count": line["missing"]}
        for line in reminder.lines
    ]
    body = [_("%(sender)s reminds you to enter:") % {"sender": staff_name(reminder.sent_by)}, *lines]
    if reminder.message:
        body += ["", reminder.message]
    return "\n".join(body)


def reminder_email(*, reminder_id: int) -> bool:
    """E-mail a reminder to its teacher (once: a second delivery of the task sends nothing); True when sent."""
    with transaction.atomic():
        reminder = (ProgressReminder.objects.select_for_update(of=("self",))
                    .select_related("teacher", "sent_by__profile", "term").filter(pk=reminder_id).first())
        if reminder is None or reminder.emailed_at is not None or not reminder.teacher.email:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Score entry reminder")
            body = reminder_text(reminder)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reminder.teacher.email])
        reminder.emailed_at = timezone.now()
        record(reminder, actor=reminder.sent_by, reason=_("Entry reminder e-mailed"), update_fields=["emailed_at"])
    return True


# --- the monthly record --------------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before ``day``'s."""
    return month_start(month_start(day) - datetime.timedelta(days=1))


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


@transaction.atomic
def progress_record_take(*, actor, school: sm.School, month: datetime.date) -> ProgressRecord | None:
    """Keep the entry progress of ``month`` (its first day) for the school's current year; idempotent.

    The term recorded is the one under way at the month's end. Returns the month's record (the one
    taken before, if any), or None when the school has no current year or the month is outside it.
    """
    policy.require_progress_leader(actor, school)
    month = month_start(month)
    year = current_year(school)
    if year is None or not (month_start(year.start_date) <= month <= year.end_date):
        return None
    existing = ProgressRecord.objects.filter(year=year, month=month).first()
    if existing is not None:
        return existing
    terms = list(sm.Term.objects.filter(year=year).order_by("number"))
    number = current_term_number(terms, _month_end(month))
    term = next(each for each in terms if each.number == number)
    rows = progress_rows(year=year, term=term)
    try:
        with transaction.atomic():  # a run at the same moment (beat and the command): the constraint decides
            taken = record(ProgressRecord(year=year, month=month, term=term, taken_by=actor, taken_at=timezone.now()),
                           actor=actor, reason=_("Monthly entry progress recorded"))
    except (IntegrityError, ValidationError):
        return ProgressRecord.objects.get(year=year, month=month)
    ProgressRecordRow.objects.bulk_create([
        ProgressRecordRow(record=taken, teacher_id=row.teacher_id, teacher_name=row.teacher,
                          class_name=row.school_class.name, subject_name=row.subject.name if row.subject else "",
                          filled=min(row.filled, row.required), required=row.required, position=position)
        for position, row in enumerate(rows, start=1)
    ])
    return taken


def progress_records_due(*, actor, today: datetime.date | None = None) -> list[ProgressRecord]:
    """The record of last month for every school with a current year (Celery beat, on the first of the month)."""
    today = today or timezone.localdate()
    taken = []
    for school in sm.School.objects.order_by("pk"):
        found = progress_record_take(actor=actor, school=school, month=previous_month(today))
        if found is not None:
            taken.append(found)
    return taken
