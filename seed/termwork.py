"""This school year's work up to today: what the demo school's teachers have entered by the day the demo runs.

seed.demo builds the current year (classes, students, assignments) and seed.yearwork the finished
year before it. ``enter_so_far`` then enters, as of ``today`` (seed.calendar's notion of the day:
the demo's calendar, whichever clock the caller gives), what a school would hold on that day:

* the regular scores (ĐGTX) whose column has come due: a term's regular columns are spread over
  its weeks (four columns of term I fall at the end of September, in the second half of October,
  around 11 November and in the first days of December, so early December has three of four), and
  the teacher enters a whole column on one day, a few days after its date;
* the mid-term test a little before the middle of the term, entered a week later; the end-of-term
  test twelve days before the term ends, entered within the week;
* the comment subjects' levels (Đ / CĐ) on the same dates;
* the homeroom teacher's monthly absences of the months that are over.

A term that has not begun gets nothing; on a day of term II, term I is complete and term II holds
what has come due. Scores go through the one score writer (gradebook.scores.writer) as the subject's
teacher, dated the day the column was entered, with the reason ``seed_demo``; absences through the
homeroom writer as the homeroom teacher. A slot or a month that already holds a row is kept, so a
second run the same day changes nothing, and a run on a later day adds only what has come due since.
Deterministic: a slot's value depends on the year, the student, the subject and the slot, never on
the day it is entered.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from gradebook.homeroom.selectors import taken_months
from gradebook.models import Score
from gradebook.results.compute import YEAR, ClassData, load_class
from gradebook.results.homeroom_write import homeroom_write
from gradebook.rules.slots import FINAL, MIDTERM, REGULAR, left_before, studies_during
from gradebook.scores import writer
from schoolrecords import models as m
from schoolrecords import roles

from . import yearwork

User = get_user_model()

MIDTERM_AT = 0.45  # the mid-term test, as a share of the term's days
MIDTERM_ENTRY_DAYS = 7
FINAL_BEFORE_END = 12  # the end-of-term test, days before the term ends
FINAL_ENTRY_DAYS = 5
ABSENT_SHARE = 0.3  # students with some sessions missed in a month


def column_days(term: m.Term, slots: list[tuple[str, int]], rng: random.Random) -> dict[tuple[str, int], datetime.date]:
    """The day each column of a subject's term is entered (the whole column on one day)."""
    length = (term.end_date - term.start_date).days
    span = length - 14
    regular = [slot for slot in slots if slot[0] == REGULAR]
    days = {slot: term.start_date + datetime.timedelta(days=span * position // (len(regular) + 1)
                                                       + rng.randint(0, 4))
            for position, slot in enumerate(regular, start=1)}
    days[(MIDTERM, 1)] = term.start_date + datetime.timedelta(days=int(length * MIDTERM_AT) + MIDTERM_ENTRY_DAYS
                                                              + rng.randint(0, 3))
    days[(FINAL, 1)] = term.end_date - datetime.timedelta(days=FINAL_BEFORE_END - FINAL_ENTRY_DAYS - rng.randint(0, 2))
    return days


@transaction.atomic
def enter_so_far(*, year: m.SchoolYear, today: datetime.date, reason: str) -> dict[str, int]:
    """Enter the year's work that has come due by ``today`` (see the module docstring); returns rows by model.

    A term whose results the principal has approved is left as it is, and so is a month the class
    takes by the daily roll-call (its totals are counted from the days).
    """
    principal = (User.objects.filter(profile__school_id=year.school_id, groups__name=roles.PRINCIPAL, is_active=True)
                 .order_by("pk").first())
    written: dict[str, int] = {}
    for school_class in m.SchoolClass.objects.filter(year=year).select_related("year").order_by("grade", "name"):
        data = load_class(school_class)
        teacher_of = yearwork.subject_teachers(school_class)
        users = User.objects.in_bulk({*teacher_of.values(), school_class.homeroom_teacher_id} - {None})
        scores = _scores(data, today=today, teacher_of=teacher_of, users=users, fallback=principal, reason=reason)
        if scores:
            written[Score._meta.label] = written.get(Score._meta.label, 0) + scores
        homeroom = users.get(school_class.homeroom_teacher_id) or principal
        absences = _absences(data, today=today, actor=homeroom, reason=reason)
        if absences:
            written["gradebook.MonthlyAbsence"] = written.get("gradebook.MonthlyAbsence", 0) + absences
    return written


def _scores(data: ClassData, *, today, teacher_of, users, fallback, reason: str) -> int:
    year, school_class = data.year, data.school_class
    count = 0
    for number, term in sorted(data.terms.items()):
        if term.start_date > today or number in data.approvals or YEAR in data.approvals:
            continue
        studying = [enrolment for enrolment in data.enrolments if studies_during(enrolment, term)]
        for info in data.subjects:
            teacher = users.get(teacher_of.get(info.subject.pk)) or fallback
            rng = random.Random(f"{year.name}-{school_class.name}-{info.subject.code}-{number}")
            for slot, day in sorted(column_days(term, info.required_slots, rng).items(), key=lambda item: item[1]):
                if day > today:
                    continue
                writes = []
                for enrolment in studying:
                    if slot in data.slots.get((number, enrolment.pk, info.subject.pk), {}):
                        continue  # entered already (by the demo or by someone trying it): kept
                    if enrolment.start_date > day or left_before(enrolment, day):
                        continue
                    value, passed = _value(year, enrolment, data.subject_for(enrolment.pk, info), number, slot)
                    writes.append(writer.Write(enrolment_id=enrolment.pk, kind=slot[0], index=slot[1], value=value,
                                               comment_passed=passed, status=Score.Status.RECORDED))
                if writes:
                    moment = yearwork.moment(day, 13 + rng.randint(0, 7))
                    saved, _conflicts = writer.scores_write(actor=teacher, subject_id=info.subject.pk,
                                                            term_id=term.pk, writes=writes, reason=reason,
                                                            now=moment)
                    count += len(saved)
    return count


def _value(year, enrolment, info, number: int, slot: tuple[str, int]):
    """(score, None) or (None, Đ/CĐ) of one slot: the student's ability (as seed.yearwork draws it), and the day's form."""
    code = enrolment.student.code
    ability = random.Random(f"{year.name}-{code}").uniform(5.6, 9.3)
    rng = random.Random(f"{year.name}-{code}-{info.subject.code}-{number}-{slot[0]}{slot[1]}")
    if info.is_commented:
        return None, rng.random() < 0.95
    return yearwork.score(rng.gauss(ability, 0.9)), None


def _absences(data: ClassData, *, today, actor, reason: str) -> int:
    """Each month that is over: some students missed a session or two, entered by the homeroom teacher."""
    count = 0
    year = data.year
    for number, term in sorted(data.terms.items()):
        if number in data.approvals or YEAR in data.approvals:
            continue
        months = data.months.get(number, [])
        by_day = taken_months(data.school_class, months)
        for month in months:
            if month in by_day:
                continue
            following = datetime.date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)
            if following > today:
                continue
            first, last = datetime.date(*month, 1), following - datetime.timedelta(days=1)
            wanted = {}
            for enrolment in data.enrolments:
                if month in data.absences.get(enrolment.pk, {}):
                    continue
                if not (enrolment.start_date <= last and (enrolment.end_date is None or enrolment.end_date >= first)
                        and studies_during(enrolment, term)):
                    continue
                rng = random.Random(f"{year.name}-{enrolment.student.code}-{month[0]}-{month[1]}")
                if rng.random() >= ABSENT_SHARE:
                    continue
                sessions = (rng.randint(0, 2), rng.randint(0, 1))
                if sessions != (0, 0):
                    wanted[enrolment.pk] = {month: sessions}
            if wanted:
                count += homeroom_write(actor=actor, term=term, reason=reason, months=[month], absences=wanted,
                                        now=yearwork.moment(last, 16))
    return count
