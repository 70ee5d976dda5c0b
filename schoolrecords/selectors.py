"""Read queries over the master data, each scoped to a school and free of N+1 loops."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, FilteredRelation, Min, Prefetch, Q, QuerySet, Subquery

from . import models as m
from . import statuscodes
from .permissions import objects_for

User = get_user_model()

CONFIRMED = m.TeachingAssignment.State.CONFIRMED  # a draft (the rollover's proposal) is nobody's assignment yet


def current_year(school: m.School | None) -> m.SchoolYear | None:
    if school is None:
        return None
    years = m.SchoolYear.objects.filter(school=school)
    return years.filter(is_current=True).first() or years.order_by("-start_date").first()


def years_of(school: m.School) -> QuerySet[m.SchoolYear]:
    return m.SchoolYear.objects.filter(school=school).prefetch_related("terms").order_by("-start_date")


def classes_of(year: m.SchoolYear) -> QuerySet[m.SchoolClass]:
    studying = Q(enrolments__status=m.Enrolment.Status.STUDYING)
    return (
        m.SchoolClass.objects.filter(year=year)
        .select_related("homeroom_teacher__profile")
        .annotate(student_count=Count("enrolments", filter=studying, distinct=True))
        .order_by("grade", "name")
    )


def visible_classes(user, year: m.SchoolYear) -> QuerySet[m.SchoolClass]:
    """Classes the user may see: the whole school for leadership, else the granted ones."""
    return objects_for(
        user, "schoolrecords.view_schoolclass", classes_of(year), school_path="year__school"
    )


def staff_of(school: m.School, *, include_left: bool = True) -> QuerySet[m.StaffProfile]:
    qs = (
        m.StaffProfile.objects.filter(school=school)
        .select_related("user", "department")
        .prefetch_related("user__groups")
        .order_by("full_name")
    )
    if not include_left:
        qs = qs.filter(status=m.StaffProfile.Status.ACTIVE)
    return qs


def active_teachers(school: m.School) -> QuerySet[User]:
    return (
        User.objects.filter(profile__school=school, profile__status=m.StaffProfile.Status.ACTIVE, is_active=True)
        .select_related("profile")
        .order_by("profile__full_name")
    )


def subjects_of(school: m.School) -> QuerySet[m.Subject]:
    return m.Subject.objects.filter(school=school).select_related("department").order_by("order", "name")


def grade_subjects(year: m.SchoolYear, grade: int | None = None) -> QuerySet[m.GradeSubject]:
    qs = m.GradeSubject.objects.filter(year=year).select_related("subject")
    if grade is not None:
        qs = qs.filter(grade=grade)
    return qs.order_by("grade", "subject__order", "subject__name")


@dataclass(frozen=True)
class StudiedSubject:
    """A subject a class studies, with its periods per year (from the class's own set or its grade's)."""

    subject: m.Subject
    periods_per_year: int
    learning_topics: bool = False  # the class studies its learning topics (one more regular assessment)


def class_subjects(school_class: m.SchoolClass) -> list[StudiedSubject]:
    """The subjects ``school_class`` studies, in print order: its ClassSubject rows if it has any,
    else its grade's GradeSubject rows (one query)."""
    return subjects_of_classes([school_class])[school_class.pk]


def subjects_of_classes(classes) -> dict[int, list[StudiedSubject]]:
    """``class_subjects`` for many classes at once: {class id: its subjects} (one query, whatever the count).

    Each class needs ``pk``, ``year_id`` and ``grade``. One query over Subject: a subject is studied by a
    class when the class has its own row for it, or has no own rows and its grade has one.
    """
    classes = list(classes)
    if not classes:
        return {}
    # Both joins carry their conditions, so only these classes' rows and these grades' rows are paired.
    rows = (
        m.Subject.objects.annotate(
            own=FilteredRelation("class_subjects", condition=Q(
                class_subjects__school_class__in=[c.pk for c in classes])),
            graded=FilteredRelation("grade_subjects", condition=Q(
                grade_subjects__year_id__in={c.year_id for c in classes},
                grade_subjects__grade__in={c.grade for c in classes})),
        )
        .filter(Q(own__isnull=False) | Q(graded__isnull=False))
        .annotate(
            own_class=F("own__school_class_id"), own_periods=F("own__periods_per_year"),
            own_topics=F("own__learning_topics"),
            grade_year=F("graded__year_id"), grade_grade=F("graded__grade"), grade_periods=F("graded__periods_per_year"),
        )
        .order_by("order", "name", "pk")
    )
    own: dict[int, dict[int, StudiedSubject]] = defaultdict(dict)
    by_grade: dict[tuple[int, int], dict[int, StudiedSubject]] = defaultdict(dict)
    for subject in rows:
        # The two joins multiply: one subject comes back once per (own row, grade row) pair.
        if subject.own_class is not None:
            own[subject.own_class].setdefault(subject.pk, StudiedSubject(subject, subject.own_periods,
                                                                         subject.own_topics))
        if subject.grade_year is not None:
            by_grade[subject.grade_year, subject.grade_grade].setdefault(
                subject.pk, StudiedSubject(subject, subject.grade_periods))
    return {
        c.pk: list((own.get(c.pk) or by_grade.get((c.year_id, c.grade)) or {}).values()) for c in classes
    }


def how_studied(school_class: m.SchoolClass, subject_id: int) -> tuple[int, bool] | None:
    """(periods per year, learning topics) of ``subject_id`` in ``school_class``, None when the class does
    not study it (one query: its own set decides when it has one, else its grade's, without topics)."""
    own_rows = m.ClassSubject.objects.filter(school_class_id=school_class.pk)
    own = own_rows.filter(subject_id=subject_id)
    grade = m.GradeSubject.objects.filter(year_id=school_class.year_id, grade=school_class.grade,
                                          subject_id=subject_id).values("periods_per_year")[:1]
    found = m.SchoolClass.objects.filter(pk=school_class.pk).annotate(
        has_own=Exists(own_rows), own=Subquery(own.values("periods_per_year")[:1]),
        topics=Subquery(own.values("learning_topics")[:1]), graded=Subquery(grade),
    ).values_list("has_own", "own", "topics", "graded").first()
    if found is None:
        return None
    has_own, own_periods, topics, grade_periods = found
    if has_own:
        return None if own_periods is None else (own_periods, bool(topics))
    return None if grade_periods is None else (grade_periods, False)


def studies(school_class: m.SchoolClass, subject) -> bool:
    """Does ``school_class`` study ``subject`` (a Subject or its id) this year? (one query)"""
    return how_studied(school_class, getattr(subject, "pk", subject)) is not None


def studied_ids(school_class: m.SchoolClass):
    """A subquery of the subject ids ``school_class`` studies, for ``subject_id__in=`` filters."""
    own = m.ClassSubject.objects.filter(school_class_id=school_class.pk)
    grade = m.GradeSubject.objects.filter(year_id=school_class.year_id, grade=school_class.grade)
    return m.Subject.objects.filter(
        Q(pk__in=own.values("subject_id"))
        | (Q(pk__in=grade.values("subject_id")) & ~Exists(own))
    ).values("pk")


def grade_periods(year: m.SchoolYear, grade: int, subject) -> int | None:
    """The most periods ``subject`` has in any class of ``grade`` this year (own sets or the grade's),
    None when no class of the grade studies it: a lesson plan is written per grade, not per class."""
    classes = m.SchoolClass.objects.filter(year=year, grade=grade).only("pk", "year_id", "grade")
    subject_id = getattr(subject, "pk", subject)
    found = [each.periods_per_year for studied in subjects_of_classes(classes).values()
             for each in studied if each.subject.pk == subject_id]
    if found:
        return max(found)
    return (m.GradeSubject.objects.filter(year=year, grade=grade, subject_id=subject_id)
            .values_list("periods_per_year", flat=True).first())


def periods_matrix(year: m.SchoolYear) -> dict[tuple[int, int], int]:
    """{(grade, subject_id): periods per year} for the year's set-up screen."""
    return {(gs.grade, gs.subject_id): gs.periods_per_year for gs in m.GradeSubject.objects.filter(year=year)}


def assignments_of_class(school_class: m.SchoolClass) -> QuerySet[m.TeachingAssignment]:
    return (
        m.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True, state=CONFIRMED)
        .select_related("subject", "teacher__profile")
        .order_by("subject__order", "subject__name")
    )


def assignments_of_teacher(user, year: m.SchoolYear | None) -> QuerySet[m.TeachingAssignment]:
    if year is None:
        return m.TeachingAssignment.objects.none()
    studying = Q(school_class__enrolments__status=m.Enrolment.Status.STUDYING)
    return (
        m.TeachingAssignment.objects.filter(teacher=user, year=year, end_date__isnull=True, state=CONFIRMED)
        .select_related("school_class", "subject")
        .annotate(student_count=Count("school_class__enrolments", filter=studying, distinct=True))
        .order_by("school_class__grade", "school_class__name", "subject__order")
    )


def class_roster(school_class: m.SchoolClass) -> QuerySet[m.Enrolment]:
    """Every enrolment of the class, the ones that ended included, in Vietnamese list order."""
    return (
        m.Enrolment.objects.filter(school_class=school_class)
        .select_related("student")
        .order_by("student__full_name")
    )


def sort_vietnamese(enrolments) -> list[m.Enrolment]:
    """Class lists sort by given name, then the whole name, as the printed ledger does."""
    from .text import vietnamese_sort_key

    return sorted(
        enrolments,
        key=lambda e: (vietnamese_sort_key(e.student.given_name), vietnamese_sort_key(e.student.full_name)),
    )


def setup_gaps(year: m.SchoolYear) -> dict:
    """What the admin board still has to do for the year: the home page's to-do list."""
    classes = list(classes_of(year))
    studied = {class_id: [each.subject for each in subjects]
               for class_id, subjects in subjects_of_classes(classes).items() if subjects}
    assigned = set(
        m.TeachingAssignment.objects.filter(year=year, end_date__isnull=True, state=CONFIRMED)
        .values_list("school_class_id", "subject_id")
    )
    unassigned = [
        (school_class, subject)
        for school_class in classes
        for subject in studied.get(school_class.pk, [])
        if (school_class.pk, subject.pk) not in assigned
    ]
    return {
        "classes": classes,
        "classes_without_homeroom": [c for c in classes if c.homeroom_teacher_id is None],
        "empty_classes": [c for c in classes if c.student_count == 0],
        "grades_without_subjects": sorted({c.grade for c in classes if c.pk not in studied}),
        "unassigned": unassigned,
        "terms": list(year.terms.order_by("number")),
    }


def staff_awaiting_first_login(school: m.School) -> QuerySet[m.StaffProfile]:
    return staff_of(school, include_left=False).filter(must_change_password=True)


def department_members(department: m.Department) -> QuerySet[m.StaffProfile]:
    return (
        m.StaffProfile.objects.filter(department=department, status=m.StaffProfile.Status.ACTIVE)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__assignments",
                queryset=m.TeachingAssignment.objects.filter(end_date__isnull=True, state=CONFIRMED).select_related(
                    "school_class", "subject"
                ),
                to_attr="open_assignments",
            )
        )
        .order_by("full_name")
    )


def school_counts(school: m.School, year: m.SchoolYear | None) -> dict:
    if year is None:
        return {"classes": 0, "students": 0, "staff": 0}
    return {
        "classes": m.SchoolClass.objects.filter(year=year).count(),
        "students": m.Enrolment.objects.filter(
            school_class__year=year, status=m.Enrolment.Status.STUDYING
        ).count(),
        "staff": m.StaffProfile.objects.filter(school=school, status=m.StaffProfile.Status.ACTIVE).count(),
    }


def staff_holdings(user) -> dict:
    """What ends when a staff member leaves: open assignments, homeroom classes, headed departments."""
    return {
        "assignments": list(
            m.TeachingAssignment.objects.filter(teacher=user, end_date__isnull=True)
            .select_related("school_class", "subject", "year")
            .order_by("year__start_date", "school_class__grade", "school_class__name", "subject__order")
        ),
        "homeroom_classes": list(
            m.SchoolClass.objects.filter(homeroom_teacher=user).select_related("year").order_by("grade", "name")
        ),
        "departments": list(m.Department.objects.filter(head=user).order_by("name")),
    }


def departments_with_counts(school: m.School) -> QuerySet[m.Department]:
    working = Q(members__status=m.StaffProfile.Status.ACTIVE)
    return (
        m.Department.objects.filter(school=school)
        .select_related("head__profile")
        .annotate(member_count=Count("members", filter=working, distinct=True))
        .order_by("name")
    )


@dataclass(frozen=True)
class RegisterLine:
    """One student of the registration book (sổ đăng bộ): who, since when, where, and how they left."""

    student: m.Student
    entered: datetime.date  # their first day at the school
    classes: list[str]  # the classes of the year, in order
    left: m.Enrolment | None  # the enrolment that ended the year early (transfer, drop-out)


def _register_number_key(number: str) -> tuple:
    head = number.split("/", 1)[0]
    return (0, int(head), number) if head.isdigit() else (1, 0, number)


def registration_book(year: m.SchoolYear) -> list[RegisterLine]:
    """Every student enrolled in the year, by registration number (students without one last, by name)."""
    from .text import vietnamese_sort_key

    enrolments = list(m.Enrolment.objects.filter(school_class__year=year)
                      .select_related("student", "school_class").order_by("start_date", "pk"))
    first_day = dict(m.Enrolment.objects.filter(student__in={e.student_id for e in enrolments})
                     .values("student_id").annotate(first=Min("start_date")).values_list("student_id", "first"))
    by_student: dict[int, list[m.Enrolment]] = {}
    for enrolment in enrolments:
        by_student.setdefault(enrolment.student_id, []).append(enrolment)
    lines = []
    for student_id, own in by_student.items():
        last = own[-1]
        left = last if last.status != m.Enrolment.Status.STUDYING else None
        lines.append(RegisterLine(student=last.student, entered=first_day[student_id],
                                  classes=list(dict.fromkeys(e.school_class.name for e in own)), left=left))
    return sorted(lines, key=lambda line: (
        not line.student.registration_number, _register_number_key(line.student.registration_number),
        vietnamese_sort_key(line.student.given_name), vietnamese_sort_key(line.student.full_name)))


@dataclass(frozen=True)
class Drafts:
    """What the year rollover proposed for a year and the board has not confirmed yet."""

    homerooms: list[m.SchoolClass]  # with draft_homeroom_teacher__profile
    assignments: list[m.TeachingAssignment]  # with school_class, subject, teacher__profile

    @property
    def count(self) -> int:
        return len(self.homerooms) + len(self.assignments)


def drafts_of(year: m.SchoolYear) -> Drafts:
    """The year's draft homeroom teachers and teaching assignments, in class order (two queries)."""
    return Drafts(
        homerooms=list(m.SchoolClass.objects.filter(year=year, draft_homeroom_teacher__isnull=False)
                       .select_related("draft_homeroom_teacher__profile").order_by("grade", "name")),
        assignments=list(m.TeachingAssignment.objects.filter(year=year, state=m.TeachingAssignment.State.DRAFT)
                         .select_related("school_class", "subject", "teacher__profile")
                         .order_by("school_class__grade", "school_class__name", "subject__order", "subject__name")),
    )


# --- movements during the year ---------------------------------------------------------------

def movements_of_year(year: m.SchoolYear) -> QuerySet[m.Movement]:
    """The year's movements in date order, with the classes and the student (one query)."""
    return (m.Movement.objects.filter(year=year)
            .select_related("student", "enrolment__school_class", "previous__school_class",
                            "recorded_by__profile")
            .order_by("date", "pk"))


def movements_of_student(student: m.Student) -> QuerySet[m.Movement]:
    return (m.Movement.objects.filter(student=student)
            .select_related("year", "enrolment__school_class", "previous__school_class", "recorded_by__profile")
            .order_by("year__start_date", "date", "pk"))


def status_code_of(movements, terms) -> str:
    """The sector database's code (01 … 12) of a student's year from their movements of it and the year's terms."""

    ends = {term.number: term.end_date for term in terms}
    if 1 not in ends or 2 not in ends:
        return statuscodes.STUDYING
    return statuscodes.status_code([statuscodes.Event(each.kind, each.date) for each in movements],
                                   term_i_end=ends[1], term_ii_end=ends[2])
