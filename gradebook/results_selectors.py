"""Reads for homeroom work and class results, and who may do what with them.

Who may do what (another school's class is a 404 everywhere; anyone else gets a 403):
- the homeroom teacher of the class (django-guardian "schoolrecords.homeroom_schoolclass") enters
  conduct, absences, remarks, re-test results and summer re-assessments;
- the principal decides exemptions and approves results;
- the principal, the vice principal and the homeroom teacher read the class results;
- the principal and the vice principal see the entry progress of the whole school.
Every read runs a constant number of queries, whatever the size of the class or school.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import OtherSchool, allowed, found_or_hidden, has_role, same_school, user_school
from schoolrecords.selectors import current_year, sort_vietnamese
from schoolrecords.text import vietnamese_sort_key

from . import assessment
from .models import (
    ConductResult,
    Exemption,
    MonthlyAbsence,
    ResultApproval,
    Score,
    StudentRemark,
)
from .results import (
    YEAR,
    ClassResults,
    Month,
    load_class,
    results_for,
    staff_name,
    term_months,
)
from .selectors import studies_during

HOMEROOM = "schoolrecords.homeroom_schoolclass"

# --- who may do what -----------------------------------------------------------------------------


def _usable(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _wall(user, school_class: sm.SchoolClass) -> None:
    if _usable(user) and not same_school(user, school_class):
        raise OtherSchool(user, "results", school_class)


def is_homeroom(user, school_class: sm.SchoolClass) -> bool:
    """Is ``user`` the homeroom teacher of the class (``school_class`` with ``year`` selected)?

    The answer is kept on the user object for the request, as schoolrecords.permissions keeps
    the roles: a page asks it more than once, and each object-permission check costs two queries.
    """
    if not (_usable(user) and school_class.homeroom_teacher_id == user.pk):
        return False
    cache = user.__dict__.setdefault("_homeroom_cache", {})
    if school_class.pk not in cache:
        cache[school_class.pk] = allowed(user, HOMEROOM, school_class)
    return cache[school_class.pk]


def is_principal(user) -> bool:
    return _usable(user) and (user.is_superuser or has_role(user, roles.PRINCIPAL))


def is_leader(user) -> bool:
    return _usable(user) and (user.is_superuser or has_role(user, roles.PRINCIPAL, roles.VICE_PRINCIPAL))


def require_homeroom(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not is_homeroom(user, school_class):
        raise PermissionDenied(_("Only the homeroom teacher of the class may enter this."))


def require_principal(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not is_principal(user):
        raise PermissionDenied(_("Only the principal may do this."))


def can_read_results(user, school_class: sm.SchoolClass) -> bool:
    return _usable(user) and same_school(user, school_class) and (
        is_leader(user) or is_homeroom(user, school_class)
    )


def require_results_reader(user, school_class: sm.SchoolClass) -> None:
    _wall(user, school_class)
    if not can_read_results(user, school_class):
        raise PermissionDenied(_("You do not have permission to see the results of this class."))


def require_progress_reader(user) -> None:
    if not is_leader(user):
        raise PermissionDenied(_("Only the principal and the vice principal see the entry progress."))


# --- lookups -------------------------------------------------------------------------------------


def class_for(user, pk: int) -> sm.SchoolClass:
    """The class, if it is in the user's school (else 404); no permission is implied."""
    classes = sm.SchoolClass.objects.select_related("year", "homeroom_teacher__profile")
    if not (_usable(user) and user.is_superuser):
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


# --- the homeroom sheet ----------------------------------------------------------------------------


@dataclass
class SheetRow:
    number: int
    enrolment: sm.Enrolment  # with .student
    writable: bool  # in the class during the period (the sheet as a whole may still be frozen)
    conduct: str = ""  # LevelChoice value, "" when none
    absences: dict[Month, tuple[int, int]] = field(default_factory=dict)
    remark: str = ""


@dataclass
class HomeroomSheet:
    school_class: sm.SchoolClass
    number: int  # 1, 2 or YEAR
    term: sm.Term | None
    months: list[Month]  # the term's months (none for the year: only remarks are entered there)
    rows: list[SheetRow]
    approval: ResultApproval | None  # the approval that freezes this sheet, if any

    @property
    def frozen(self) -> bool:
        return self.approval is not None

    @property
    def is_year(self) -> bool:
        return self.number == YEAR


def homeroom_sheet(*, actor, school_class: sm.SchoolClass, number: int) -> HomeroomSheet:
    """What the homeroom teacher enters for a term (conduct, absences per month, remark) or the year (remark)."""
    require_homeroom(actor, school_class)
    terms = {term.number: term for term in sm.Term.objects.filter(year_id=school_class.year_id)}
    if number != YEAR and number not in terms:
        raise Http404
    term = terms.get(number)
    months = term_months(terms.values()).get(number, []) if term is not None else []
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=school_class.pk).select_related("student").order_by()
    )
    in_class = {"enrolment__school_class_id": school_class.pk}
    conduct, absences = {}, defaultdict(dict)
    if term is not None:
        conduct = dict(ConductResult.objects.filter(term=term, **in_class).values_list("enrolment_id", "level"))
        wanted = Q()
        for year, month in months:
            wanted |= Q(year=year, month=month)
        if months:
            for row in MonthlyAbsence.objects.filter(wanted, **in_class).values_list(
                "enrolment_id", "year", "month", "excused", "unexcused"
            ):
                absences[row[0]][row[1], row[2]] = (row[3], row[4])
    remarks = dict(
        StudentRemark.objects.filter(term=term, **in_class).values_list("enrolment_id", "text")
        if term is not None
        else StudentRemark.objects.filter(term__isnull=True, **in_class).values_list("enrolment_id", "text")
    )
    approvals = {
        approval.term.number if approval.term_id else YEAR: approval
        for approval in ResultApproval.objects.filter(school_class_id=school_class.pk)
        .select_related("term", "approved_by__profile")
    }
    approval = approvals.get(YEAR) or approvals.get(number)
    rows = []
    for position, enrolment in enumerate(enrolments, start=1):
        present = (
            studies_during(enrolment, term) if term is not None
            else any(studies_during(enrolment, each) for each in terms.values())
        )
        if not present and enrolment.pk not in conduct and enrolment.pk not in remarks:
            continue
        rows.append(SheetRow(number=position, enrolment=enrolment, writable=present,
                             conduct=conduct.get(enrolment.pk, ""), absences=absences.get(enrolment.pk, {}),
                             remark=remarks.get(enrolment.pk, "")))
    return HomeroomSheet(school_class=school_class, number=number, term=term, months=months, rows=rows,
                         approval=approval)


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
    subjects = [
        row.subject for row in sm.GradeSubject.objects.filter(year_id=school_class.year_id, grade=school_class.grade)
        .select_related("subject").order_by("subject__order", "subject__name")
    ]
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

    @property
    def complete(self) -> bool:
        return self.filled >= self.required

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
    classes = list(
        sm.SchoolClass.objects.filter(year=year).select_related("homeroom_teacher__profile").order_by("grade", "name")
    )
    due = Q(start_date__lte=term.end_date) & (Q(end_date__isnull=True) | Q(end_date__gte=term.end_date))
    due_counts = dict(
        sm.Enrolment.objects.filter(due, school_class__year=year).order_by()
        .values("school_class_id").annotate(n=Count("pk")).values_list("school_class_id", "n")
    )
    subjects_by_grade: dict[int, list[tuple[sm.Subject, int]]] = defaultdict(list)
    for row in (
        sm.GradeSubject.objects.filter(year=year).select_related("subject").order_by("subject__order", "subject__name")
    ):
        subjects_by_grade[row.grade].append((row.subject, assessment.regular_assessment_count(row.periods_per_year)))
    teachers = {
        (assignment.school_class_id, assignment.subject_id): staff_name(assignment.teacher)
        for assignment in sm.TeachingAssignment.objects.filter(year=year, end_date__isnull=True)
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
        for subject, regular in subjects_by_grade.get(school_class.grade, []):
            columns = [(Score.Kind.REGULAR, index) for index in range(1, regular + 1)] + [
                (Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]
            counts = filled.get((school_class.pk, subject.pk), {})
            rows.append(ProgressRow(
                teacher=teachers.get((school_class.pk, subject.pk), ""), school_class=school_class, subject=subject,
                filled=sum(counts.get(column, 0) for column in columns),
                required=(students - exempt_counts.get((school_class.pk, subject.pk), 0)) * len(columns),
            ))
        rows.append(ProgressRow(
            teacher=staff_name(school_class.homeroom_teacher), school_class=school_class, subject=None,
            filled=conduct_counts.get(school_class.pk, 0), required=students,
        ))
    # Per teacher (Vietnamese order of the given name; unassigned subjects last), then class, then subject.
    rows.sort(key=lambda row: (
        not row.teacher, vietnamese_sort_key(row.teacher.rsplit(" ", 1)[-1]), vietnamese_sort_key(row.teacher),
        row.school_class.grade, row.school_class.name, row.subject is None,
        row.subject.order if row.subject else 0,
    ))
    return Progress(year=year, terms=terms, term=term, rows=rows)
