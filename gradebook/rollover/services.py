"""The year rollover: the next school year built from this one, previewed first, then made in one go.

``preview`` reads the year (its classes, every student's year outcome) and returns the plan of
gradebook.rules.rollover with what the page shows; it writes nothing. ``apply`` carries the
plan out in one transaction through schoolrecords' services, with the acting board member and
the reason in every row's history: the new year and its terms (the same days a year later),
the subjects and periods of every grade, the classes, the enrolments, and the homeroom teachers
and teaching assignments as drafts that grant nothing until the board confirms them
(setup:drafts). The old year is only read. A target year that already has classes is refused,
so a second run changes nothing.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gradebook.policy import require_setup
from gradebook.results.outcomes import StudentOutcome, year_outcomes
from gradebook.rules import rollover as rules
from gradebook.rules.rollover import Move, MoveKind, NewClass, Plan, YearOutcome
from schoolrecords import models as sm
from schoolrecords import services as records

GRADES = {
    sm.School.Level.PRIMARY: (1, 5),
    sm.School.Level.LOWER_SECONDARY: (6, 9),
    sm.School.Level.UPPER_SECONDARY: (10, 12),
}


def outcome_text(outcome: YearOutcome) -> str:
    return {
        YearOutcome.PROMOTED: pgettext("rollover outcome", "Promoted"),
        YearOutcome.REPEATS: pgettext("rollover outcome", "Repeats the grade"),
        YearOutcome.COMPLETED: pgettext("rollover outcome", "Completed the programme"),
        YearOutcome.PENDING_RETEST: pgettext("rollover outcome", "Waiting for the re-test"),
        YearOutcome.PENDING_SUMMER: pgettext("rollover outcome", "Waiting for the summer training"),
        YearOutcome.PENDING_RESULTS: pgettext("rollover outcome", "Results not complete"),
        YearOutcome.LEFT: pgettext("rollover outcome", "Left the school"),
        YearOutcome.TRANSFERRED: pgettext("rollover outcome", "Transferred out"),
    }[outcome]


def move_text(move: Move) -> str:
    if move.kind is MoveKind.NEXT_GRADE:
        return _("Moves up to %(class)s") % {"class": move.to_class} if move.to_class else _("Not placed")
    if move.kind is MoveKind.SAME_GRADE:
        if move.needs_decision:
            return _("Stays in %(class)s until the decision") % {"class": move.to_class}
        return _("Stays in the grade: %(class)s") % {"class": move.to_class}
    if move.kind is MoveKind.COMPLETED:
        return _("Completes the programme: not carried")
    return _("Not carried")


def next_year_name(name: str) -> str | None:
    """"2025-2026" → "2026-2027"; None for a name of another shape."""
    first, sep, second = name.partition("-")
    if not (sep and first.isdigit() and second.isdigit() and len(first) == 4 and int(second) == int(first) + 1):
        return None
    return f"{int(first) + 1}-{int(second) + 1}"


def _a_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class MoveRow:
    move: Move
    outcome: str
    text: str

    @property
    def needs_decision(self) -> bool:
        return self.move.needs_decision


@dataclass(frozen=True)
class ClassRow:
    new_class: NewClass
    homeroom: str  # the proposed homeroom teacher's name, "" for none
    assignments: int  # teaching assignments proposed
    students: int


@dataclass(frozen=True)
class Preview:
    from_year: sm.SchoolYear
    to_name: str
    to_year: sm.SchoolYear | None  # None: the year is created
    start_date: datetime.date
    end_date: datetime.date
    term_dates: tuple[tuple[datetime.date, datetime.date], ...]
    plan: Plan
    errors: tuple[str, ...]  # in the reader's language
    rows: tuple[MoveRow, ...]
    classes: tuple[ClassRow, ...]
    outcomes: tuple[StudentOutcome, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def decisions(self) -> tuple[MoveRow, ...]:
        return tuple(row for row in self.rows if row.needs_decision)

    @property
    def counts(self) -> list[tuple[str, int]]:
        labels = {MoveKind.NEXT_GRADE: _("Move up a grade"), MoveKind.SAME_GRADE: _("Stay in their grade"),
                  MoveKind.COMPLETED: _("Complete the programme"), MoveKind.NOT_CARRIED: _("Not carried")}
        counts = self.plan.counts()
        return [(labels[kind], counts[kind]) for kind in MoveKind]


def _text(problem: rules.Problem) -> str:
    message = _(problem.message)
    return message % problem.params if problem.params else message


def _active_staff(school: sm.School) -> dict[int, str]:
    """The school's working staff: user id → full name (a leaver's proposal is dropped)."""
    return dict(sm.StaffProfile.objects.filter(school=school, status=sm.StaffProfile.Status.ACTIVE,
                                               user__is_active=True).values_list("user_id", "full_name"))


def _sources(from_year: sm.SchoolYear) -> tuple[dict[str, sm.SchoolClass], dict[int, list[sm.TeachingAssignment]]]:
    classes = {c.name: c for c in sm.SchoolClass.objects.filter(year=from_year).order_by("grade", "name")}
    assignments: dict[int, list[sm.TeachingAssignment]] = {}
    for assignment in (sm.TeachingAssignment.objects.filter(year=from_year, end_date__isnull=True,
                                                            state=sm.TeachingAssignment.State.CONFIRMED)
                       .select_related("subject").order_by("subject__order", "subject__name")):
        assignments.setdefault(assignment.school_class_id, []).append(assignment)
    return classes, assignments


def _studied(year: sm.SchoolYear) -> dict[int, set[int]]:
    studied: dict[int, set[int]] = {}
    for grade, subject_id in sm.GradeSubject.objects.filter(year=year).values_list("grade", "subject_id"):
        studied.setdefault(grade, set()).add(subject_id)
    return studied


def _own_sets(from_year: sm.SchoolYear) -> dict[int, dict[int, tuple[int, bool]]]:
    """{class id: {subject id: (periods, learning topics)}} for the classes of ``from_year`` that study their
    own set.

    A class's own set (an upper-secondary elective combination) carries over to the class it becomes
    next year: students keep their combination from grade 10 to 12, so 10A1's subjects are 11A1's.
    """
    own: dict[int, dict[int, tuple[int, bool]]] = {}
    for class_id, subject_id, count, topics in sm.ClassSubject.objects.filter(
            school_class__year=from_year).values_list("school_class_id", "subject_id", "periods_per_year",
                                                      "learning_topics"):
        own.setdefault(class_id, {})[subject_id] = (count, topics)
    return own


def preview(*, actor, from_year: sm.SchoolYear, to_year: str) -> Preview:
    """The rollover of ``from_year`` into the year named ``to_year``, as it would be made; writes nothing."""
    require_setup(actor, from_year)
    school = from_year.school
    errors: list[str] = []
    expected = next_year_name(from_year.name)
    if to_year != expected:
        errors.append(_("The year after %(year)s is %(next)s: the rollover goes one year forward.")
                      % {"year": from_year.name, "next": expected or "—"})
    target = sm.SchoolYear.objects.filter(school=school, name=to_year).first()
    outcomes = tuple(year_outcomes(from_year))
    classes, assignments = _sources(from_year)
    first_grade, final_grade = GRADES[school.level]
    plan = rules.plan(
        classes=[rules.ClassIn(c.name, c.grade) for c in classes.values()],
        students=[rules.StudentIn(o.code, o.full_name, o.class_name, o.outcome) for o in outcomes],
        first_grade=first_grade, final_grade=final_grade, target_year=to_year,
        target_has_classes=target is not None and sm.SchoolClass.objects.filter(year=target).exists(),
    )
    errors.extend(_text(problem) for problem in plan.errors)
    if not classes:
        errors.append(_("School year %(year)s has no classes to roll over.") % {"year": from_year.name})
    staff = _active_staff(school)
    studied = _studied(from_year)
    own_sets = _own_sets(from_year)
    class_rows = []
    for new_class in plan.classes:
        source = classes.get(new_class.source) if new_class.source else None
        homeroom = staff.get(source.homeroom_teacher_id, "") if source and source.homeroom_teacher_id else ""
        will_study = set(own_sets[source.pk]) if source and source.pk in own_sets else studied.get(
            new_class.grade, set())
        proposed = [a for a in assignments.get(source.pk, []) if a.teacher_id in staff
                    and a.subject_id in will_study] if source else []
        class_rows.append(ClassRow(new_class=new_class, homeroom=homeroom, assignments=len(proposed),
                                   students=len(plan.placed_in(new_class.name))))
    if target is not None:
        start, end = target.start_date, target.end_date
        terms = tuple((t.start_date, t.end_date) for t in target.terms.order_by("number"))
    else:
        start, end = _a_year_later(from_year.start_date), _a_year_later(from_year.end_date)
        terms = tuple((_a_year_later(t.start_date), _a_year_later(t.end_date))
                      for t in from_year.terms.order_by("number"))
    return Preview(
        from_year=from_year, to_name=to_year, to_year=target, start_date=start, end_date=end, term_dates=terms,
        plan=plan, errors=tuple(errors), classes=tuple(class_rows), outcomes=outcomes,
        rows=tuple(MoveRow(move=move, outcome=outcome_text(move.outcome), text=move_text(move))
                   for move in plan.moves),
    )


@dataclass(frozen=True)
class Applied:
    year: sm.SchoolYear
    classes: int
    enrolments: int
    draft_assignments: int
    draft_homerooms: int
    decisions: int  # students placed until the board's decision


@transaction.atomic
def apply(*, actor, from_year: sm.SchoolYear, to_year: str, reason: str) -> Applied:
    """Make the year named ``to_year`` from ``from_year`` as ``preview`` shows it, all or nothing.

    Raises ValidationError (nothing saved) when the plan has errors, among them a target year that
    already has classes: running the rollover twice changes nothing the second time.
    """
    require_setup(actor, from_year)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    # One rollover of a school at a time: the second waits, then finds the classes and is refused.
    school = sm.School.objects.select_for_update().get(pk=from_year.school_id)
    seen = preview(actor=actor, from_year=from_year, to_year=to_year)
    if not seen.ok:
        raise ValidationError(list(seen.errors))
    target = seen.to_year or records.school_year_create(
        actor=actor, school=school, name=to_year, start_date=seen.start_date, end_date=seen.end_date,
        term_dates=seen.term_dates, reason=reason,
    )
    _copy_periods(actor, from_year, target, reason)
    classes, assignments = _sources(from_year)
    staff = _active_staff(school)
    studied = _studied(target)
    own_sets = _own_sets(from_year)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=staff)}
    made: dict[str, sm.SchoolClass] = {}
    draft_assignments = draft_homerooms = 0
    for new_class in seen.plan.classes:
        made[new_class.name] = records.school_class_save(actor=actor, year=target, name=new_class.name,
                                                         grade=new_class.grade, reason=reason)
        source = classes.get(new_class.source) if new_class.source else None
        if source is None:
            continue
        will_study = studied.get(new_class.grade, set())
        if source.pk in own_sets:
            own = own_sets[source.pk]
            # Exactly the source's set: the grade's subjects it did not study are named as not studied.
            records.class_subjects_set(
                actor=actor, school_class=made[new_class.name], reason=reason,
                periods={subject_id: None for subject_id in will_study} | {k: count for k, (count, _t) in own.items()},
                topics={subject_id for subject_id, (_count, topics) in own.items() if topics})
            will_study = set(own)
        if source.homeroom_teacher_id in staff:
            records.homeroom_draft_set(actor=actor, school_class=made[new_class.name],
                                       teacher=users[source.homeroom_teacher_id], reason=reason)
            draft_homerooms += 1
        for assignment in assignments.get(source.pk, []):
            if assignment.teacher_id in staff and assignment.subject_id in will_study:
                records.assignment_draft_create(actor=actor, school_class=made[new_class.name],
                                                subject=assignment.subject, teacher=users[assignment.teacher_id],
                                                start_date=target.start_date, reason=reason)
                draft_assignments += 1
    students = {o.code: o.student_id for o in seen.outcomes}
    by_id = sm.Student.objects.in_bulk(set(students.values()))
    enrolments = 0
    for move in seen.plan.moves:
        if move.to_class is None:
            continue
        records.enrolment_create(actor=actor, student=by_id[students[move.code]], school_class=made[move.to_class],
                                 start_date=target.start_date, reason=reason)
        enrolments += 1
    return Applied(year=target, classes=len(made), enrolments=enrolments, draft_assignments=draft_assignments,
                   draft_homerooms=draft_homerooms, decisions=len(seen.plan.decisions))


def _copy_periods(actor, from_year: sm.SchoolYear, target: sm.SchoolYear, reason: str) -> None:
    """Every grade studies next year what it studied this year, unless the new year already says otherwise."""
    periods: dict[int, dict[int, int]] = {}
    for grade, subject_id, count in sm.GradeSubject.objects.filter(year=from_year).values_list(
            "grade", "subject_id", "periods_per_year"):
        periods.setdefault(grade, {})[subject_id] = count
    already = set(sm.GradeSubject.objects.filter(year=target).values_list("grade", flat=True))
    for grade, wanted in sorted(periods.items()):
        if grade not in already:
            records.grade_subjects_set(actor=actor, year=target, grade=grade, periods=wanted, reason=reason)
