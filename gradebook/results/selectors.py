"""Reads of class results: a class and its terms, its results, exemptions, and the school's entry progress.

Who may read what is gradebook.policy's answer (another school's class is a 404 everywhere;
anyone else gets a 403). Every read runs a constant number of queries, whatever the size of
the class or school.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from gradebook.models import (
    ConductResult,
    CorrectionChange,
    CorrectionRequest,
    Exemption,
    ResultApproval,
    Score,
)
from gradebook.policy import (
    require_principal,
    require_progress_reader,
    require_results_reader,
)
from gradebook.results.compute import YEAR, ClassResults, load_class, period_label, results_for, staff_name
from gradebook.rules import tt22
from schoolrecords import models as sm
from schoolrecords.permissions import found_or_hidden, user_school
from schoolrecords.selectors import class_subjects, current_year, sort_vietnamese, subjects_of_classes
from schoolrecords.text import vietnamese_sort_key

# --- lookups -------------------------------------------------------------------------------------


def class_for(user, pk: int) -> sm.SchoolClass:
    """The class, if it is in the user's school (else 404); no permission is implied."""
    classes = sm.SchoolClass.objects.select_related("year", "homeroom_teacher__profile")
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        classes = classes.filter(year__school=user_school(user))
    return found_or_hidden(classes, user, "results", pk=pk)


def term_of(school_class: sm.SchoolClass, number: int) -> sm.Term | None:
    """The class's term ``number``, or None for YEAR; 404 for a term the year does not have."""
    if number == YEAR:
        return None
    term = sm.Term.objects.filter(year_id=school_class.year_id, number=number).first()
    if term is None:
        raise Http404
    return term


def current_term_number(terms: list[sm.Term], today: datetime.date | None = None) -> int:
    """The term under way today; before the year the first, between or after terms the last begun."""
    today = today or timezone.localdate()
    ordered = sorted(terms, key=lambda term: term.number)
    if not ordered:
        raise Http404
    begun = [term for term in ordered if term.start_date <= today]
    return (begun[-1] if begun else ordered[0]).number


# --- the class results ---------------------------------------------------------------------------


def class_results(*, actor, school_class: sm.SchoolClass, number: int) -> ClassResults:
    """A class's results for term ``number`` or the year (YEAR), with the gaps that block approval."""
    require_results_reader(actor, school_class)
    data = load_class(school_class)
    if number != YEAR and number not in data.terms:
        raise Http404
    return results_for(data, number)


# --- an approval a correction withdrew ----------------------------------------------------------


@dataclass(frozen=True)
class ChangedValue:
    """One value a correction changed after the period was approved: where, old → new, by which request."""

    student: str
    subject: str
    period: str  # "Term I" …
    column: str  # "Reg. 2", "Mid-term" …
    old: str
    new: str
    request_number: int
    decided_by: str
    decided_at: datetime.datetime


@dataclass(frozen=True)
class Reopened:
    """The class's last approval of a period that a correction withdrew, and every value changed since it was given."""

    approved_by: str
    approved_at: datetime.datetime
    note: str
    withdrawn_by: str
    withdrawn_at: datetime.datetime
    reason: str
    changes: list[ChangedValue]


def reopened_approval(school_class: sm.SchoolClass, number: int) -> Reopened | None:
    """What the principal approves again: the withdrawn approval of term ``number`` (or YEAR) and the changes since.

    The approval comes from its history (gradebook.results.services.approval_reopen deletes it with
    history); the changes are the approved correction requests of the class decided after it was
    given, in the period's term (both terms for the year), with their old and new values. None when
    the period was never approved before. Two queries. No permission is checked: the results page's
    reader may see it.
    """
    period = Q(term__isnull=True) if number == YEAR else Q(term__number=number)
    withdrawn = (ResultApproval.history.filter(period, school_class_id=school_class.pk, history_type="-")
                 .select_related("approved_by__profile", "history_user__profile")
                 .order_by("-history_date", "-history_id").first())
    if withdrawn is None:
        return None
    requests = Q(request__school_class_id=school_class.pk, request__status=CorrectionRequest.Status.APPROVED,
                 request__decided_at__gt=withdrawn.approved_at)
    if number != YEAR:
        requests &= Q(request__term__number=number)
    changes = (CorrectionChange.objects.filter(requests)
               .select_related("enrolment__student", "request__subject", "request__term",
                               "request__decided_by__profile")
               .order_by("request__decided_at", "request_id", "pk"))
    return Reopened(
        approved_by=staff_name(withdrawn.approved_by), approved_at=withdrawn.approved_at, note=withdrawn.note,
        withdrawn_by=staff_name(withdrawn.history_user), withdrawn_at=withdrawn.history_date,
        reason=withdrawn.history_change_reason or "",
        changes=[
            ChangedValue(student=change.enrolment.student.full_name, subject=change.request.subject.name,
                         period=period_label(change.request.term.number), column=change.slot_label,
                         old=change.old_display, new=change.new_display, request_number=change.request_id,
                         decided_by=staff_name(change.request.decided_by), decided_at=change.request.decided_at)
            for change in changes
        ],
    )


# --- exemptions ----------------------------------------------------------------------------------


def class_exemptions(*, actor, school_class: sm.SchoolClass) -> list[Exemption]:
    """Every exemption of the class's students, for the principal's page."""
    require_principal(actor, school_class)
    exemptions = (
        Exemption.objects.filter(enrolment__school_class_id=school_class.pk)
        .select_related("enrolment__student", "subject", "term", "decided_by__profile")
        .order_by("subject__order", "subject__name", "term__number")
    )
    return sorted(exemptions, key=lambda exemption: (
        vietnamese_sort_key(exemption.enrolment.student.given_name),
        vietnamese_sort_key(exemption.enrolment.student.full_name),
    ))


def exemption_choices(school_class: sm.SchoolClass) -> dict:
    """The students (still studying) and the grade's subjects the exemption form offers (two queries)."""
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=school_class.pk, status=sm.Enrolment.Status.STUDYING)
        .select_related("student").order_by()
    )
    subjects = [row.subject for row in class_subjects(school_class)]
    return {"enrolments": enrolments, "subjects": subjects}


def exemption_for(*, actor, school_class: sm.SchoolClass, pk: int) -> Exemption:
    require_principal(actor, school_class)
    return found_or_hidden(
        Exemption.objects.select_related("enrolment__school_class__year", "term").filter(
            enrolment__school_class_id=school_class.pk),
        actor, "exemptions", pk=pk,
    )


# --- entry progress ------------------------------------------------------------------------------


@dataclass
class ProgressRow:
    teacher: str
    school_class: sm.SchoolClass
    subject: sm.Subject | None  # None: the homeroom teacher's conduct results
    filled: int
    required: int
    teacher_id: int | None = None  # the assigned (or homeroom) teacher's user id, None when nobody is
    assignment_id: int | None = None  # the teaching assignment; None for conduct and an unassigned subject

    @property
    def complete(self) -> bool:
        return self.filled >= self.required

    @property
    def missing(self) -> int:
        """The required cells still empty."""
        return max(0, self.required - self.filled)

    @property
    def percent(self) -> int:
        return 100 if not self.required else min(100, self.filled * 100 // self.required)


@dataclass
class Progress:
    year: sm.SchoolYear
    terms: list[sm.Term]
    term: sm.Term
    rows: list[ProgressRow]

    @property
    def filled(self) -> int:
        return sum(row.filled for row in self.rows)

    @property
    def required(self) -> int:
        return sum(row.required for row in self.rows)

    @property
    def percent(self) -> int:
        return 100 if not self.required else min(100, self.filled * 100 // self.required)

    @property
    def by_teacher(self) -> list[tuple[str, list[ProgressRow]]]:
        groups: dict[str, list[ProgressRow]] = defaultdict(list)
        for row in self.rows:
            groups[row.teacher].append(row)
        return list(groups.items())


def progress(*, actor, number: int | None = None, today: datetime.date | None = None) -> Progress:
    """Filled / required cells per teacher, class and subject for one term of the actor's school.

    Required: every student in the class at the term's end × every column of the subject for the
    term (its ĐĐGtx count, ĐĐGgk, ĐĐGck), leaving out exempt students; and, for the homeroom
    teacher, one conduct result per such student. The term defaults to the one under way.
    A constant number of queries, whatever the number of classes and students.
    """
    require_progress_reader(actor)
    school = user_school(actor)
    year = current_year(school)
    if year is None:
        raise Http404
    terms = list(sm.Term.objects.filter(year=year).order_by("number"))
    number = number or current_term_number(terms, today)
    term = next((each for each in terms if each.number == number), None)
    if term is None:
        raise Http404
    return Progress(year=year, terms=terms, term=term, rows=progress_rows(year=year, term=term))


def progress_rows(*, year: sm.SchoolYear, term: sm.Term) -> list[ProgressRow]:
    """The rows of ``progress`` for one term of a year, without a permission check (the callers check).

    Eight queries, whatever the number of classes and students.
    """
    classes = list(
        sm.SchoolClass.objects.filter(year=year).select_related("homeroom_teacher__profile").order_by("grade", "name")
    )
    due = Q(start_date__lte=term.end_date) & (Q(end_date__isnull=True) | Q(end_date__gte=term.end_date))
    due_counts = dict(
        sm.Enrolment.objects.filter(due, school_class__year=year).order_by()
        .values("school_class_id").annotate(n=Count("pk")).values_list("school_class_id", "n")
    )
    subjects_of_class = {
        class_id: [(row.subject, tt22.regular_assessment_count(row.periods_per_year,
                                                               learning_topics=row.learning_topics))
                   for row in studied]
        for class_id, studied in subjects_of_classes(classes).items()
    }
    teachers = {
        (assignment.school_class_id, assignment.subject_id): assignment
        for assignment in sm.TeachingAssignment.objects.filter(year=year, end_date__isnull=True, state=sm.TeachingAssignment.State.CONFIRMED)
        .select_related("teacher__profile").order_by()
    }
    due_enrolment = {"enrolment__school_class__year": year, "enrolment__start_date__lte": term.end_date}
    still_there = Q(enrolment__end_date__isnull=True) | Q(enrolment__end_date__gte=term.end_date)
    period = Q(term=term) | Q(term__isnull=True)
    exempt_counts = {
        (class_id, subject_id): n
        for class_id, subject_id, n in Exemption.objects.filter(period, still_there, **due_enrolment).order_by()
        .values("enrolment__school_class_id", "subject_id").annotate(n=Count("enrolment_id", distinct=True))
        .values_list("enrolment__school_class_id", "subject_id", "n")
    }
    exempt = Exemption.objects.filter(
        Q(term=term) | Q(term__isnull=True), enrolment_id=OuterRef("enrolment_id"), subject_id=OuterRef("subject_id")
    )
    filled: dict[tuple[int, int], dict[tuple[str, int], int]] = defaultdict(dict)
    for class_id, subject_id, kind, index, n in (
        Score.objects.filter(still_there, Q(value__isnull=False) | Q(comment_passed__isnull=False), term=term,
                             **due_enrolment)
        .filter(~Exists(exempt)).order_by()
        .values("enrolment__school_class_id", "subject_id", "kind", "index").annotate(n=Count("pk"))
        .values_list("enrolment__school_class_id", "subject_id", "kind", "index", "n")
    ):
        filled[class_id, subject_id][kind, index] = n
    conduct_counts = dict(
        ConductResult.objects.filter(still_there, term=term, **due_enrolment).order_by()
        .values("enrolment__school_class_id").annotate(n=Count("pk"))
        .values_list("enrolment__school_class_id", "n")
    )

    rows = []
    for school_class in classes:
        students = due_counts.get(school_class.pk, 0)
        for subject, regular in subjects_of_class.get(school_class.pk, []):
            columns = [(Score.Kind.REGULAR, index) for index in range(1, regular + 1)] + [
                (Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]
            counts = filled.get((school_class.pk, subject.pk), {})
            assignment = teachers.get((school_class.pk, subject.pk))
            rows.append(ProgressRow(
                teacher=staff_name(assignment.teacher) if assignment else "", school_class=school_class,
                subject=subject, filled=sum(counts.get(column, 0) for column in columns),
                required=(students - exempt_counts.get((school_class.pk, subject.pk), 0)) * len(columns),
                teacher_id=assignment.teacher_id if assignment else None,
                assignment_id=assignment.pk if assignment else None,
            ))
        rows.append(ProgressRow(
            teacher=staff_name(school_class.homeroom_teacher), school_class=school_class, subject=None,
            filled=conduct_counts.get(school_class.pk, 0), required=students,
            teacher_id=school_class.homeroom_teacher_id,
        ))
    # Per teacher (Vietnamese order of the given name; unassigned subjects last), then class, then subject.
    rows.sort(key=lambda row: (
        not row.teacher, vietnamese_sort_key(row.teacher.rsplit(" ", 1)[-1]), vietnamese_sort_key(row.teacher),
        row.school_class.grade, row.school_class.name, row.subject is None,
        row.subject.order if row.subject else 0,
    ))
    return rows
