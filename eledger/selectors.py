"""Reads of the document store: lists, folders, review queues and dashboards, each in a fixed number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from schoolrecords import models as sm
from schoolrecords.permissions import user_school
from schoolrecords.selectors import current_year
from schoolrecords.text import download_name as name_of_type

from . import naming, timing
from .models import Document, DocumentKind, DocumentVersion, Transition
from .permissions import access_for
from .services import ensure_kinds, settings_for

S = Document.Status


def kinds_for(school: sm.School, *, active_only: bool = True) -> list[DocumentKind]:
    """The school's document kinds, seeded on the school's first visit to the store."""
    kinds = DocumentKind.objects.filter(school=school).order_by("order", "name")
    found = list(kinds)
    if not found:
        ensure_kinds(school)
        found = list(kinds.all())
    return [kind for kind in found if kind.is_active or not active_only]


def documents() -> QuerySet[Document]:
    """Documents with what every list shows, in one query."""
    return Document.objects.select_related(
        "kind", "owner__profile", "department", "subject", "current_version", "year"
    )


# --- finding documents ---------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentFilter:
    teacher: int | None = None
    department: int | None = None
    subject: int | None = None
    grade: int | None = None
    week: datetime.date | None = None  # any day of the week
    kind: int | None = None
    status: str | None = None
    year: int | None = None


def search(user, criteria: DocumentFilter) -> QuerySet[Document]:
    """The documents the user may see that match every given criterion."""
    qs = access_for(user).visible(documents())
    if criteria.teacher:
        qs = qs.filter(owner_id=criteria.teacher)
    if criteria.department:
        qs = qs.filter(department_id=criteria.department)
    if criteria.subject:
        qs = qs.filter(subject_id=criteria.subject)
    if criteria.grade:
        qs = qs.filter(grade=criteria.grade)
    if criteria.kind:
        qs = qs.filter(kind_id=criteria.kind)
    if criteria.status:
        qs = qs.filter(status=criteria.status)
    if criteria.year:
        qs = qs.filter(year_id=criteria.year)
    if criteria.week:
        monday, sunday = timing.week_of(criteria.week)
        # A lesson plan belongs to the week it is taught in, another document to the week it was made.
        qs = qs.filter(
            Q(teaching_date__range=(monday, sunday))
            | Q(teaching_date__isnull=True, created_at__date__range=(monday, sunday))
        )
    return qs.order_by(F("teaching_date").desc(nulls_last=True), "-updated_at", "-pk")


def filter_choices(user) -> dict:
    """The options of the filter form: only people, departments and subjects of the user's school."""
    school = user_school(user)
    if school is None:
        return {"teachers": [], "departments": [], "subjects": [], "kinds": [], "years": []}
    access = access_for(user)
    teachers = sm.StaffProfile.objects.filter(school=school).select_related("user").order_by("full_name")
    if not access.is_leader:
        teachers = teachers.filter(
            Q(user=user) | Q(department_id__in=access.review_department_ids)
            | Q(user__documents__department_id__in=access.review_department_ids)
        ).distinct()
    return {
        "teachers": [(p.user_id, p.full_name) for p in teachers],
        "departments": list(sm.Department.objects.filter(school=school).order_by("name").values_list("pk", "name")),
        "subjects": list(sm.Subject.objects.filter(school=school).order_by("order", "name").values_list("pk", "name")),
        "kinds": [(k.pk, k.name) for k in kinds_for(school, active_only=False)],
        "years": list(sm.SchoolYear.objects.filter(school=school).order_by("-start_date").values_list("pk", "name")),
    }


def folder(user, owner, year: sm.SchoolYear) -> list[tuple[DocumentKind, list[Document]]]:
    """A teacher's folder for one year: their documents the viewer may see, grouped by kind."""
    docs = (
        access_for(user).visible(documents())
        .filter(owner=owner, year=year)
        .order_by("kind__order", F("teaching_date").asc(nulls_last=True), "period", "title")
    )
    grouped: dict[int, list[Document]] = defaultdict(list)
    kinds: dict[int, DocumentKind] = {}
    for doc in docs:
        grouped[doc.kind_id].append(doc)
        kinds[doc.kind_id] = doc.kind
    return [(kinds[kind_id], grouped[kind_id]) for kind_id in grouped]


def document_detail(user, pk: int) -> Document:
    """One document the user may see, with versions and log; ``Document.DoesNotExist`` otherwise."""
    return (
        access_for(user).visible(documents())
        .prefetch_related(
            Prefetch("versions", queryset=DocumentVersion.objects.select_related("uploaded_by__profile")
                     .order_by("-number")),
            Prefetch("transitions", queryset=Transition.objects.select_related("actor__profile", "version")
                     .order_by("at", "pk")),
        )
        .get(pk=pk)
    )


def version_for_download(user, pk: int, number: int) -> DocumentVersion:
    """A version of a document the user may see; ``DocumentVersion.DoesNotExist`` otherwise."""
    visible = access_for(user).visible(Document.objects.all())
    return (
        DocumentVersion.objects.select_related("document__kind", "document__subject")
        .filter(document__in=visible)
        .get(document_id=pk, number=number)
    )


def download_name(version: DocumentVersion) -> str:
    """The name the file downloads under: a lesson plan's canonical name, else the uploaded name."""
    document = version.document
    if document.is_lesson_plan and version.content_type == "application/pdf":
        return document.title + naming.PDF_EXTENSION
    return name_of_type(version.original_name, version.content_type)  # the extension of its content


def upload_deadline_of(document: Document) -> datetime.date:
    """The last on-time day of a lesson plan's upload under the school's setting."""
    return timing.upload_deadline(document.teaching_date, days_before=settings_for(document.school).days_before)


def name_check(document: Document, version: DocumentVersion) -> naming.NameCheck | None:
    """How the uploaded name of a lesson plan's version compares with the rule (None for other documents)."""
    if not document.is_lesson_plan:
        return None
    return naming.check_lesson_plan_filename(
        version.original_name, subject=document.subject.name, grade=document.grade, period=document.period,
        title=document.lesson_title, foreign_language=document.subject.is_foreign_language,
    )


def teaching_pairs(user, year: sm.SchoolYear | None) -> list[tuple[int, str, int]]:
    """(subject id, subject name, grade) the teacher teaches this year: the lesson-plan form's choices."""
    if year is None:
        return []
    rows = (
        sm.TeachingAssignment.objects.filter(teacher=user, year=year, end_date__isnull=True,
                                            state=sm.TeachingAssignment.State.CONFIRMED)
        .values_list("subject_id", "subject__name", "school_class__grade", "subject__order")
        .distinct()
        .order_by("school_class__grade", "subject__order", "subject__name")
    )
    return [(subject_id, name, grade) for subject_id, name, grade, _order in rows]


# --- what is due ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    subject_name: str
    grade: int
    department_id: int | None


@dataclass(frozen=True)
class PlanRow:
    pk: int
    owner_id: int
    department_id: int | None
    subject_name: str
    grade: int
    period: int
    teaching_date: datetime.date
    status: str
    is_late: bool


@dataclass
class TeacherWeek:
    """One teacher's lesson plans for a week against the (subject, grade) pairs they teach."""

    teacher_id: int
    name: str
    expected: list[Expected] = field(default_factory=list)
    plans: list[PlanRow] = field(default_factory=list)

    @property
    def missing(self) -> list[Expected]:
        covered = {(p.subject_name, p.grade) for p in self.plans}
        return [e for e in self.expected if (e.subject_name, e.grade) not in covered]

    @property
    def department_ids(self) -> set[int | None]:
        return {e.department_id for e in self.expected} | {p.department_id for p in self.plans}

    def for_department(self, department_id: int) -> "TeacherWeek":
        return TeacherWeek(
            teacher_id=self.teacher_id, name=self.name,
            expected=[e for e in self.expected if e.department_id == department_id],
            plans=[p for p in self.plans if p.department_id == department_id],
        )

    def count(self, status: str) -> int:
        return sum(1 for p in self.plans if p.status == status)

    @property
    def approved(self) -> int:
        return self.count(S.APPROVED)

    @property
    def submitted(self) -> int:
        return self.count(S.SUBMITTED)

    @property
    def returned(self) -> int:
        return self.count(S.RETURNED)

    @property
    def late(self) -> int:
        return sum(1 for p in self.plans if p.is_late)


def _week_coverage(school: sm.School, year: sm.SchoolYear | None, monday: datetime.date, sunday: datetime.date,
                   *, department_ids=None, teacher=None) -> list[TeacherWeek]:
    """Per teacher: the (subject, grade) pairs they teach and their lesson plans of the week (two queries).

    Without a timetable the store cannot know which periods fall in a week; every subject a
    teacher teaches in a grade has periods every week, so each pair expects at least one plan.
    """
    if school is None or year is None:
        return []
    assignments = sm.TeachingAssignment.objects.filter(year=year, end_date__isnull=True,
                                                     state=sm.TeachingAssignment.State.CONFIRMED)
    plans = Document.objects.filter(school=school, period__isnull=False, teaching_date__range=(monday, sunday))
    if department_ids is not None:
        assignments = assignments.filter(subject__department_id__in=department_ids)
        plans = plans.filter(department_id__in=department_ids)
    if teacher is not None:
        assignments = assignments.filter(teacher=teacher)
        plans = plans.filter(owner=teacher)
    rows: dict[int, TeacherWeek] = {}
    pairs = (
        assignments.values_list("teacher_id", "teacher__profile__full_name", "subject__name", "school_class__grade",
                                "subject__department_id", "subject__order")
        .distinct()
        .order_by("teacher__profile__full_name", "school_class__grade", "subject__order")
    )
    for teacher_id, name, subject_name, grade, department_id, _order in pairs:
        week = rows.setdefault(teacher_id, TeacherWeek(teacher_id=teacher_id, name=name or ""))
        expected = Expected(subject_name, grade, department_id)
        if expected not in week.expected:
            week.expected.append(expected)
    for *values, name in plans.values_list(
        "pk", "owner_id", "department_id", "subject__name", "grade", "period", "teaching_date", "status", "is_late",
        "owner__profile__full_name",
    ).order_by("teaching_date", "period"):
        plan = PlanRow(*values)
        rows.setdefault(plan.owner_id, TeacherWeek(teacher_id=plan.owner_id, name=name or "")).plans.append(plan)
    return sorted(rows.values(), key=lambda w: w.name)


def teacher_week(user, today: datetime.date | None = None) -> dict:
    """A teacher's next week: lesson plans uploaded, missing and late; plus returned and unsent documents."""
    today = today or timezone.localdate()
    school = user_school(user)
    monday, sunday = timing.next_week(today)
    days_before = settings_for(school).days_before if school else timing.DEFAULT_DAYS_BEFORE
    year = current_year(school)
    expected = [(name, grade) for _id, name, grade in teaching_pairs(user, year)]
    plans = list(
        documents().filter(owner=user, period__isnull=False, teaching_date__range=(monday, sunday))
        .order_by("teaching_date", "subject__order", "period")
    )
    covered = {(p.subject.name, p.grade) for p in plans}
    pending = list(
        documents().filter(owner=user, status__in=[S.RETURNED, S.DRAFT])
        .order_by(F("teaching_date").asc(nulls_last=True), "-updated_at")
    )
    return {
        "monday": monday,
        "sunday": sunday,
        "upload_by": timing.upload_deadline(monday, days_before=days_before),
        "review_by": timing.review_deadline(monday),
        "days_before": days_before,
        "plans": plans,
        "missing": [pair for pair in expected if pair not in covered],
        "late": [p for p in plans if p.is_late],
        "returned": [d for d in pending if d.status == S.RETURNED],
        "drafts": [d for d in pending if d.status == S.DRAFT],
        "teaches": bool(expected),
    }


def review_queue(user, today: datetime.date | None = None) -> dict:
    """What waits for this reviewer: waiting (deadline ahead) and overdue (the Saturday has passed)."""
    today = today or timezone.localdate()
    access = access_for(user)
    if not access.is_reviewer and not access.is_superuser:
        return {"waiting": [], "overdue": [], "cutoff": timing.overdue_before(today)}
    pending = list(
        access.reviewable(documents().filter(status=S.SUBMITTED))
        .order_by(F("teaching_date").asc(nulls_last=True), "updated_at")
    )
    waiting, overdue = [], []
    for doc in pending:
        if doc.teaching_date is not None:
            doc.review_by = timing.review_deadline(doc.teaching_date)
            late = timing.review_status(today=today, teaching_date=doc.teaching_date, reviewed=False)
            (overdue if late is timing.ReviewStatus.OVERDUE else waiting).append(doc)
        else:
            doc.review_by = None
            waiting.append(doc)
    return {"waiting": waiting, "overdue": overdue, "cutoff": timing.overdue_before(today)}


def department_week(user, today: datetime.date | None = None) -> list[tuple[sm.Department, list[TeacherWeek]]]:
    """For a department head: each of their departments' teachers and next week's lesson plans."""
    today = today or timezone.localdate()
    access = access_for(user)
    if not access.review_department_ids:
        return []
    school = access.school
    monday, sunday = timing.next_week(today)
    departments = list(sm.Department.objects.filter(pk__in=access.review_department_ids).order_by("name"))
    weeks = _week_coverage(school, current_year(school), monday, sunday,
                           department_ids=access.review_department_ids)
    result = []
    for department in departments:
        members = [w.for_department(department.pk) for w in weeks if department.pk in w.department_ids]
        result.append((department, members))
    return result


@dataclass
class DepartmentCounts:
    department: sm.Department
    waiting: int = 0
    overdue: int = 0
    returned: int = 0
    next_week_plans: int = 0
    next_week_approved: int = 0
    next_week_late: int = 0
    next_week_missing: int = 0


def school_overview(user, today: datetime.date | None = None) -> dict:
    """For the vice principal and principal: per department, what waits, is overdue or missing next week."""
    today = today or timezone.localdate()
    access = access_for(user)
    school = access.school
    monday, sunday = timing.next_week(today)
    if school is None:
        return {"monday": monday, "sunday": sunday, "rows": []}
    cutoff = timing.overdue_before(today)
    departments = list(access.reviewable_departments().select_related("head__profile").order_by("name"))
    rows = {d.pk: DepartmentCounts(department=d) for d in departments}
    next_week = Q(period__isnull=False, teaching_date__range=(monday, sunday))
    submitted = Q(status=S.SUBMITTED)
    overdue = submitted & Q(teaching_date__lt=cutoff)
    counts = (
        Document.objects.filter(school=school, department_id__in=rows)
        .exclude(owner=user)
        .values("department_id")
        .annotate(
            waiting=Count("pk", filter=submitted & ~Q(teaching_date__lt=cutoff)),
            overdue=Count("pk", filter=overdue),
            returned=Count("pk", filter=Q(status=S.RETURNED)),
            plans=Count("pk", filter=next_week),
            approved=Count("pk", filter=next_week & Q(status=S.APPROVED)),
            late=Count("pk", filter=next_week & Q(is_late=True)),
        )
        .order_by()
    )
    for c in counts:
        row = rows[c["department_id"]]
        row.waiting, row.overdue, row.returned = c["waiting"], c["overdue"], c["returned"]
        row.next_week_plans, row.next_week_approved, row.next_week_late = c["plans"], c["approved"], c["late"]
    for week in _week_coverage(school, current_year(school), monday, sunday, department_ids=list(rows)):
        for missing in week.missing:
            if missing.department_id in rows:
                rows[missing.department_id].next_week_missing += 1
    return {"monday": monday, "sunday": sunday, "rows": list(rows.values())}


# --- the home page -------------------------------------------------------------------------


def home_summary(user, today: datetime.date | None = None) -> dict | None:
    """What this person has to do in the store, for the home page card (None: nothing to show).

    teacher: next week's lesson plans missing and late, returned and unsent documents;
    reviewer: waiting and overdue reviews; leader: per-department counts.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    access = access_for(user)
    if access.school is None:
        return None
    today = today or timezone.localdate()
    summary = {"teacher": None, "review": None, "departments": None}
    week = teacher_week(user, today)
    if week["teaches"] or week["returned"] or week["drafts"]:
        summary["teacher"] = {
            "monday": week["monday"], "sunday": week["sunday"], "upload_by": week["upload_by"],
            "missing": week["missing"], "late": len(week["late"]), "planned": len(week["plans"]),
            "returned": week["returned"], "drafts": len(week["drafts"]),
        }
    if access.is_reviewer:
        queue = review_queue(user, today)
        summary["review"] = {"waiting": len(queue["waiting"]), "overdue": len(queue["overdue"])}
    if access.is_leader:
        summary["departments"] = school_overview(user, today)["rows"]
    if not any(summary.values()):
        return None
    return summary
