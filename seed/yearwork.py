"""A whole school year's results, written in bulk with history: what a school's past year holds.

The demo school looks back on a finished year (seed.demo): every score of both terms, conduct,
absences by month and remarks, the re-tests and summer re-assessments its results call for, and
the principal's approvals of each term and of the year, so that the year rollover decides every
student from the rules alone. Tens of thousands of score rows through the score writer would take
minutes, so the rows are written the way seed.district writes them: ``bulk_create_with_history``,
each row with its history row (the teacher who entered it, the day it was entered, the change
reason ``seed_demo``). Re-test results go through the results' one writer (retests_write), the
summer re-assessments through the results' history-aware bulk helper. The approvals are rows with
their history too, checked first against the rules' approval gaps (nothing may be missing); they
are not sent through results_approve, whose announcement would have the archive seal a snapshot
of every approval of a year the demo only looks back on.

``year_complete`` fills only what is missing (a slot, a conduct result, an approval already there
is kept), so it changes nothing on a year that is complete. Deterministic: the same year and the
same students give the same values. A handful of students are made weak (re-test, one of them
fails it), one per grade-8 class misbehaves (summer training) and one in grade 9 misses too many
sessions (repeats), so the rollover shows every outcome.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from simple_history.utils import bulk_create_with_history

from gradebook.models import (
    ConductResult,
    LevelChoice,
    MonthlyAbsence,
    ResultApproval,
    Score,
    StudentRemark,
    SummerReassessment,
)
from gradebook.results.compute import YEAR, approval_gaps, load_class, year_results
from gradebook.results.services import bulk_with_history, retests_write
from gradebook.rules import tt22
from gradebook.rules.slots import in_class_at_end
from schoolrecords import models as m
from schoolrecords import roles

User = get_user_model()

BATCH = 2000
TZ = datetime.timezone(datetime.timedelta(hours=7))
SCORES = [Decimal(f"{tenths / 10:.1f}") for tenths in range(0, 101)]
REMARKS = ["Chăm chỉ, tiến bộ rõ.", "Cần cố gắng hơn ở môn Toán.", "Ngoan, lễ phép, tích cực phát biểu.",
           "Còn nói chuyện riêng trong giờ.", "Học tốt, cần giữ vững.", "Cần rèn chữ viết cẩn thận hơn."]
GOOD = [LevelChoice.TOT] * 6 + [LevelChoice.KHA] * 3 + [LevelChoice.DAT]
RETEST_PASS = "6,0"
RETEST_FAIL = "3,0"


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def score(value: float) -> Decimal:
    """A score as teachers write it (whole or halves), from 0 to 10."""
    return SCORES[max(0, min(100, int(value * 2) * 5))]


class _Student:
    """How one student's year goes: their ability, and what sets them apart."""

    def __init__(self, rng: random.Random, *, weak: bool, misbehaves: bool, absent: bool, fails_retest: bool):
        self.rng = rng
        self.weak, self.misbehaves, self.absent, self.fails_retest = weak, misbehaves, absent, fails_retest
        self.ability = rng.uniform(3.2, 4.2) if weak else rng.uniform(5.6, 9.3)

    def score(self) -> Decimal:
        return score(self.rng.gauss(self.ability, 0.9))

    def comment(self) -> bool:
        return self.rng.random() < 0.85 if self.weak else True

    def conduct(self) -> str:
        return LevelChoice.CHUA_DAT if self.misbehaves else self.rng.choice(GOOD)


def year_complete(*, year: m.SchoolYear, reason: str) -> dict[str, int]:
    """Fill a past year with a whole year's results and approve them; what is there already is kept.

    Returns the rows written by model name. Raises ImproperlyConfigured when a class still cannot be
    approved afterwards (a seed that no longer matches the rules: a bug, never silently half done).
    """
    principal = (User.objects.filter(profile__school_id=year.school_id, groups__name=roles.PRINCIPAL, is_active=True)
                 .order_by("pk").first())
    if principal is None:
        raise ImproperlyConfigured(f"{year.school} has no principal to approve {year.name}.")
    written: dict[str, int] = {}
    classes = list(m.SchoolClass.objects.filter(year=year).select_related("year").order_by("grade", "name"))
    for school_class in classes:
        for name, count in _class_complete(school_class, principal=principal, reason=reason).items():
            written[name] = written.get(name, 0) + count
    return written


def _class_complete(school_class: m.SchoolClass, *, principal, reason: str) -> dict[str, int]:
    year = school_class.year
    data = load_class(school_class)
    if YEAR in data.approvals:
        return {}
    teacher_of = subject_teachers(school_class)
    users = User.objects.in_bulk(_teacher_ids(school_class, teacher_of))
    homeroom = users.get(school_class.homeroom_teacher_id) or principal
    written: dict[str, int] = {}
    rng = random.Random(f"{year.school_id}-{year.name}-{school_class.name}")
    order = sorted(data.enrolments, key=lambda enrolment: enrolment.student.code)
    # Who stands out: two weak students a class (re-tested); in the upper grades' second classes one of
    # them fails the re-test and one student misses too many sessions (both repeat); one student of
    # each grade-8 class is sent to the summer training. Grades 6 and 7 have no repeater, so the
    # classes that the demo's logins teach keep their forty students.
    weak = set(rng.sample(range(len(order)), min(2, len(order))))
    second = school_class.grade >= 8 and not school_class.name.endswith("1")
    failing = min(weak) if weak and second else None
    others = [position for position in range(len(order)) if position not in weak]
    misbehaving = rng.choice(others) if school_class.grade == 8 and others else None
    absent = rng.choice(others) if second and school_class.grade == 9 and others else None
    people = {
        enrolment.pk: _Student(random.Random(f"{year.name}-{enrolment.student.code}"), weak=position in weak,
                               misbehaves=position == misbehaving, absent=position == absent,
                               fails_retest=position == failing)
        for position, enrolment in enumerate(order)
    }

    scores, conduct, remarks = [], [], []
    for number, term in sorted(data.terms.items()):
        due = [enrolment for enrolment in order if in_class_at_end(enrolment, term)]
        span = max(1, (term.end_date - term.start_date).days - 14)
        for info in data.subjects:
            teacher = users.get(teacher_of.get(info.subject.pk)) or principal
            for enrolment in due:
                person = people[enrolment.pk]
                held = data.slots.get((number, enrolment.pk, info.subject.pk), {})
                slots = info.required_slots
                for position, (kind, index) in enumerate(slots):
                    if (kind, index) in held:
                        continue
                    day = term.start_date + datetime.timedelta(days=span * (position + 1) // (len(slots) + 1)
                                                               + person.rng.randint(0, 6))
                    when = moment(day, 8 + person.rng.randint(0, 8))
                    score = Score(enrolment_id=enrolment.pk, subject_id=info.subject.pk, term_id=term.pk, kind=kind,
                                  index=index, version=1, updated_at=when, updated_by_id=teacher.pk,
                                  value=None if info.is_commented else person.score(),
                                  comment_passed=person.comment() if info.is_commented else None)
                    score._history_date, score._history_user = when, teacher
                    scores.append(score)
        end = moment(term.end_date, 16)
        for enrolment in due:
            if (enrolment.pk, number) not in data.conduct:
                conduct.append(ConductResult(enrolment=enrolment, term=term, level=people[enrolment.pk].conduct(),
                                             updated_at=end, updated_by=homeroom))
            if (enrolment.pk, number) not in data.remarks:
                remarks.append(StudentRemark(enrolment=enrolment, term=term, updated_at=end, updated_by=homeroom,
                                             text=people[enrolment.pk].rng.choice(REMARKS)))
    _bulk(scores, Score, homeroom, reason, None, written)
    end_of_year = moment(year.end_date, 16)
    _bulk(conduct, ConductResult, homeroom, reason, end_of_year, written)
    _bulk(remarks, StudentRemark, homeroom, reason, end_of_year, written)
    _bulk(_absences(data, order, people, homeroom), MonthlyAbsence, homeroom, reason, end_of_year, written)

    # The summer: re-tests for those on the list, re-assessment after the summer training.
    results = year_results(load_class(school_class))
    parsed, originals = {}, {}
    for row in results.retest_list:
        for subject in row.retest_subjects:
            if subject.retest is not None:
                continue
            text = RETEST_FAIL if people[row.enrolment.pk].fails_retest else RETEST_PASS
            if subject.info.is_commented:
                parsed[row.enrolment.pk, subject.info.subject.pk] = (None, text == RETEST_PASS)
            else:
                parsed[row.enrolment.pk, subject.info.subject.pk] = (tt22.parse_score(text), None)
            originals[row.enrolment.pk, subject.info.subject.pk] = subject.value
    summer_day = moment(year.end_date + datetime.timedelta(days=60), 9)
    if parsed:
        written["gradebook.RetestResult"] = retests_write(actor=homeroom, school_class=school_class, parsed=parsed,
                                                          originals=originals, reason=reason, now=summer_day)
    summer = [SummerReassessment(enrolment=row.enrolment, level=LevelChoice.DAT, updated_at=summer_day,
                                 updated_by=homeroom)
              for row in results.summer_list if row.summer_conduct is None]
    if summer:
        bulk_with_history(SummerReassessment, summer, [], [], actor=homeroom, reason=reason, now=summer_day)
        written["gradebook.SummerReassessment"] = len(summer)

    # The principal approves each term and then the year.
    data = load_class(school_class)
    gaps = approval_gaps(data, YEAR)
    if gaps:
        raise ImproperlyConfigured(f"{school_class.name} {year.name} cannot be approved: {gaps}")
    approvals = []
    for number, term in sorted(data.terms.items()):
        if number not in data.approvals:
            approvals.append(ResultApproval(school_class=school_class, term=term, approved_by=principal,
                                            approved_at=moment(term.end_date + datetime.timedelta(days=5), 15)))
    approvals.append(ResultApproval(school_class=school_class, term=None, approved_by=principal,
                                    approved_at=moment(year.end_date + datetime.timedelta(days=70), 15)))
    for approval in approvals:
        approval._history_date = approval.approved_at
    _bulk(approvals, ResultApproval, principal, reason, None, written)
    return written


def _teacher_ids(school_class: m.SchoolClass, teacher_of: dict[int, int]) -> set[int]:
    ids = set(teacher_of.values())
    if school_class.homeroom_teacher_id:
        ids.add(school_class.homeroom_teacher_id)
    return ids


def subject_teachers(school_class: m.SchoolClass) -> dict[int, int]:
    """Subject → the teacher who taught it (the assignment in force at the end, else the last one)."""
    teacher_of: dict[int, int] = {}
    for subject_id, teacher_id in (m.TeachingAssignment.objects.filter(school_class=school_class)
                                   .exclude(state=m.TeachingAssignment.State.DRAFT)
                                   .order_by("start_date", "pk").values_list("subject_id", "teacher_id")):
        teacher_of[subject_id] = teacher_id
    return teacher_of


def _absences(data, order, people, homeroom) -> list[MonthlyAbsence]:
    rows = []
    months = sorted({month for term_months in data.months.values() for month in term_months})
    for enrolment in order:
        person = people[enrolment.pk]
        held = data.absences.get(enrolment.pk, {})
        if not (person.absent or person.rng.random() < 0.3):
            continue
        for calendar_year, month in months:
            if (calendar_year, month) in held:
                continue
            if not (enrolment.start_date <= datetime.date(calendar_year, month, 28)
                    and (enrolment.end_date is None or enrolment.end_date >= datetime.date(calendar_year, month, 1))):
                continue
            excused = person.rng.randint(4, 7) if person.absent else person.rng.randint(0, 2)
            unexcused = person.rng.randint(1, 2) if person.absent else person.rng.randint(0, 1)
            rows.append(MonthlyAbsence(enrolment=enrolment, year=calendar_year, month=month, excused=excused,
                                       unexcused=unexcused, updated_by=homeroom,
                                       updated_at=moment(datetime.date(calendar_year, month, 28), 16)))
    return rows


def _bulk(rows: list, model, actor, reason: str, date, written: dict[str, int]) -> None:
    if not rows:
        return
    bulk_create_with_history(rows, model, batch_size=BATCH, default_user=actor, default_change_reason=reason,
                             default_date=date)
    written[model._meta.label] = written.get(model._meta.label, 0) + len(rows)
