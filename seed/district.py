"""A district-sized benchmark fixture: the demo school plus many schools like it, written in bulk with history.

Building 150,000 students through the services would take days, so this module writes the rows
with ``bulk_create_with_history`` / ``bulk_update_with_history`` (simple-history's bulk helpers:
every history-tracked row gets its history row, by the system user with the change reason
``seed_district``) and grants the object permissions as guardian rows, the ones the services
would grant. The demo school itself is built through the services (seed.demo) and then
given the same term-I activity as every other school, so a page of the demo school reads the
same kind of data in a one-school and in a district database.

What a school gets (deterministic: the same arguments give the same rows):
* the demo's current year (seed.demo.demo_year, e.g. 2026-2027) with two terms, five departments, the demo's thirteen subjects and their
  periods in grades 6-9, leaders and enough teachers for the periods (about 18 a week each);
* classes of ``class_size`` students (the students spread evenly), homeroom teachers, a teaching
  assignment for every class and subject, their guardian permissions;
* term I complete: every score slot of every class and subject, conduct and a remark for every
  student, absences for about a quarter of them. A student has 65-66 slots a term (the ĐĐGtx
  that the subject's periods give, 2-4, plus ĐĐGgk and ĐĐGck, in thirteen subjects), so a school
  of 1,500 has 98,240 scores and 100 such schools 9.8 million, each with its history row;
* entry windows (term I closed, term II open), a few column locks and correction requests,
  lesson plans and an education plan per teacher with their versions, reviews and logs, the
  term-I class ledgers and summary tables in the archive, and staff sessions.

Document and archive rows name files that are not written: the pages that list them never open
them. This is a benchmark fixture, never a way to enter data.
"""

import datetime
import hashlib
import math
import multiprocessing
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.utils import timezone
from guardian.models import UserObjectPermission
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from archive.models import ArchivedDocument, Kind, Mode, RenderBatch, RenderJob, scope_key
from eledger.models import Document, DocumentKind, DocumentVersion, Review, Transition
from eledger.services import document_kinds_seed
from gradebook.models import (
    ConductResult,
    CorrectionChange,
    CorrectionRequest,
    EntryWindow,
    LevelChoice,
    MonthlyAbsence,
    Score,
    ScoreLock,
    StudentRemark,
)
from gradebook.rules import tt22 as assessment
from schoolrecords import models as m
from schoolrecords import roles, selectors, services

from . import demo

User = get_user_model()

REASON = "seed_district"
CODE_PREFIX = "DIST-"
BATCH = 2000
PERIODS_PER_TEACHER = 18  # teaching periods a week a full-time teacher carries
WEEKS = 35
TZ = datetime.timezone(datetime.timedelta(hours=7))
# Scores as teachers write them (whole or halves): a table, so no Decimal is parsed per row.
SCORES = [Decimal(f"{tenths / 10:.1f}") for tenths in range(0, 101)]
LESSON_TITLES = ["Ôn tập chương", "Luyện tập", "Bài tập cuối chương", "Thực hành", "Kiểm tra giữa kì",
                 "Mở đầu", "Tìm hiểu bài mới", "Vận dụng", "Trải nghiệm", "Dự án nhỏ"]
REMARKS = ["Chăm chỉ, tiến bộ rõ.", "Cần cố gắng hơn ở môn Toán.", "Ngoan, lễ phép, tích cực phát biểu.",
           "Còn nói chuyện riêng trong giờ.", "Học tốt, cần giữ vững.", "Cần rèn chữ viết cẩn thận hơn."]


@dataclass(frozen=True)
class DistrictSize:
    schools: int = 100
    students_per_school: int = 1500
    class_size: int = 40
    lesson_plans_per_teacher: int = 12
    sessions_per_staff: int = 2
    demo_activity: bool = True  # give the demo school its term-I work too (what the benchmark measures)


@dataclass
class SeedReport:
    schools_built: int = 0
    schools_skipped: int = 0
    demo_activity: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, name: str, number: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + number


def seed_district(size: DistrictSize = DistrictSize(), *, workers: int = 1,
                  progress: Callable[[str], None] | None = None) -> SeedReport:
    """Build the demo school (services), its activity, and ``size.schools`` more schools (bulk).

    ``workers`` > 1 builds that many schools at a time in forked processes (PostgreSQL only).
    """
    started = time.perf_counter()
    report = SeedReport()
    say = progress or (lambda _message: None)
    # build_demo_school() is one transaction: a demo year with classes is a demo school built whole.
    year = m.SchoolYear.objects.filter(school__code=demo.SCHOOL_CODE, name=demo.current_year_name(),
                                       classes__isnull=False).first()
    if year is None:
        year = demo.build_demo_school()["year"]
    context = _Context.load()
    if size.demo_activity and not Score.objects.filter(term__year=year).exists():
        with transaction.atomic():
            _activity(context, year.school, year, rng=random.Random(demo.SCHOOL_CODE), report=report,
                      lessons=size.lesson_plans_per_teacher)
        report.demo_activity = True
        say(f"demo school: activity added ({time.perf_counter() - started:.0f} s)")
    existing = set(m.School.objects.filter(code__startswith=CODE_PREFIX).values_list("code", flat=True))
    missing = [number for number in range(1, size.schools + 1) if school_code(number) not in existing]
    report.schools_skipped = size.schools - len(missing)
    if workers > 1 and len(missing) > 1 and connection.vendor == "postgresql":
        # Each school is its own transaction, so schools can be built side by side: forked
        # processes, each with its own connection (closed here, so none is shared).
        connections.close_all()
        global _inherited
        _inherited = context  # read by the forked children: the same actor, hash and permission ids
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for number, rows in pool.imap_unordered(partial(_school_in_worker, size), missing):
                for name, count in rows.items():
                    report.count(name, count)
                report.schools_built += 1
                say(f"{school_code(number)}: built ({time.perf_counter() - started:.0f} s)")
    else:
        for number in missing:
            _school_retried(context, number, size, report)
            report.schools_built += 1
            say(f"{school_code(number)}: built ({time.perf_counter() - started:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give a live server
            cursor.execute("ANALYZE")
    report.seconds = time.perf_counter() - started
    return report


_inherited: "_Context | None" = None


def _school_in_worker(size: DistrictSize, number: int) -> tuple[int, dict[str, int]]:
    report = SeedReport()
    _school_retried(_inherited, number, size, report)
    return number, report.rows


def _school_retried(context: "_Context", number: int, size: DistrictSize, report: SeedReport,
                    attempts: int = 3) -> None:
    """One school in one transaction, tried again when the server dropped the connection (a restart)."""
    for attempt in range(attempts):
        rows = SeedReport()
        try:
            with transaction.atomic():
                _school(context, number, size, rows)
        except (OperationalError, InterfaceError):
            if attempt == attempts - 1 or connection.in_atomic_block:
                raise
            connection.close()
            time.sleep(10)
            continue
        for name, count in rows.rows.items():
            report.count(name, count)
        return


def school_code(number: int) -> str:
    return f"{CODE_PREFIX}{number:03d}"


# --- what every school shares ---------------------------------------------------------------------


@dataclass
class _Context:
    actor: User
    password: str
    groups: dict[str, Group]
    perms: dict[str, Permission]
    types: dict[str, ContentType]

    @classmethod
    def load(cls) -> "_Context":
        perms = {}
        for codename in ("teach_assignment", "view_schoolclass", "homeroom_schoolclass", "review_department"):
            perms[codename] = Permission.objects.get(content_type__app_label="schoolrecords", codename=codename)
        return cls(
            actor=services.system_user(),
            # One hash for every seeded account (all log in with the demo password): hashing
            # thousands of passwords would be most of the seed's time.
            password=make_password(demo.DEMO_PASSWORD),
            groups={name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL},
            perms=perms,
            types={model._meta.model_name: ContentType.objects.get_for_model(model)
                   for model in (m.TeachingAssignment, m.SchoolClass, m.Department)},
        )

    def bulk(self, objs: list, model, report: SeedReport, *, date: datetime.datetime | None = None) -> list:
        """Insert rows of a history-tracked model with their history rows (seed actor, seed reason)."""
        if not objs:
            return objs
        created = bulk_create_with_history(objs, model, batch_size=BATCH, default_user=self.actor,
                                           default_change_reason=REASON, default_date=date)
        report.count(model._meta.label, len(objs))
        report.count(f"{model._meta.label} history", len(objs))
        return created

    def grant(self, rows: list[UserObjectPermission], user_id: int, codename: str, obj_type: str, pk: int) -> None:
        rows.append(UserObjectPermission(user_id=user_id, permission_id=self.perms[codename].pk,
                                         content_type_id=self.types[obj_type].pk, object_pk=str(pk)))


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


# --- a whole school -------------------------------------------------------------------------------


def _school(context: _Context, number: int, size: DistrictSize, report: SeedReport) -> m.School:
    rng = random.Random(f"district-{number}")
    code = school_code(number)
    prefix = f"d{number:03d}"
    bulk = context.bulk
    school = bulk([m.School(code=code, name=f"Trường THCS số {number}", province="Quảng Ninh",
                            district="Thị xã Đông Triều", address=f"Khu {number}, thị xã Đông Triều")],
                  m.School, report)[0]
    calendar = demo.demo_year()  # the demo's school year: the district's schools live in the same one
    year = bulk([m.SchoolYear(school=school, name=calendar.name, start_date=calendar.start_date,
                              end_date=calendar.end_date, is_current=True)], m.SchoolYear, report)[0]
    terms = bulk([m.Term(year=year, number=number, start_date=start, end_date=end)
                  for number, (start, end) in enumerate(calendar.term_dates, start=1)], m.Term, report)
    departments = dict(zip(demo.DEPARTMENTS, bulk(
        [m.Department(school=school, name=name) for name in demo.DEPARTMENTS.values()], m.Department, report), strict=True))
    subjects = dict(zip([row[0] for row in demo.SUBJECTS], bulk(
        [m.Subject(school=school, code=code_, name=name, assessment_mode=mode, is_foreign_language=foreign,
                   department=departments[dept], order=order)
         for order, (code_, name, mode, foreign, dept, _periods) in enumerate(demo.SUBJECTS, start=1)],
        m.Subject, report), strict=True))
    grades = (6, 7, 8, 9)
    periods = {(grade, code_): per_grade[grade - 6] for code_, *_rest, per_grade in demo.SUBJECTS for grade in grades}
    bulk([m.GradeSubject(year=year, grade=grade, subject=subjects[code_], periods_per_year=value)
          for (grade, code_), value in periods.items()], m.GradeSubject, report)

    # Classes: the students spread evenly over classes of at most ``class_size``.
    per_grade = math.ceil(size.students_per_school / len(grades))
    classes_per_grade = max(1, math.ceil(per_grade / size.class_size))
    class_specs = [(f"{grade}A{index}", grade) for grade in grades for index in range(1, classes_per_grade + 1)]

    # Staff: leaders, then enough teachers of each subject for its periods (homeroom teachers teach HĐTN).
    people: list[tuple[str, str, str | None, tuple[str, ...], str]] = [
        (f"{prefix}_principal", "Hiệu trưởng", None, (roles.PRINCIPAL,), ""),
        (f"{prefix}_vice", "Phó hiệu trưởng", None, (roles.VICE_PRINCIPAL,), ""),
        (f"{prefix}_board", "Ban quản trị hệ thống", None, (roles.ADMIN_BOARD,), ""),
        (f"{prefix}_clerk", "Văn thư - Giáo vụ", None, (roles.CLERK,), ""),
    ]
    teachers_of: dict[str, list[str]] = {}
    for code_, _name, _mode, _foreign, dept, _periods in demo.SUBJECTS:
        if code_ == "hdtn":
            continue
        weekly = sum(periods[grade, code_] / WEEKS * classes_per_grade for grade in grades)
        count = max(1, math.ceil(weekly / PERIODS_PER_TEACHER))
        teachers_of[code_] = [f"{prefix}_gv_{code_}{index}" for index in range(1, count + 1)]
        people.extend((username, "Giáo viên", dept, (roles.SUBJECT_TEACHER,), code_) for username in teachers_of[code_])
    users = bulk([User(username=username, first_name=_person_name(rng), password=context.password,
                       date_joined=_moment(calendar.start_date - datetime.timedelta(days=21)))
                  for username, *_rest in people], User, report)
    by_name = {user.username: user for user in users}
    bulk([m.StaffProfile(user=by_name[username], school=school, full_name=by_name[username].first_name,
                         position=position, department=departments[dept] if dept else None,
                         must_change_password=False)
          for username, position, dept, _roles, _subject in people], m.StaffProfile, report)
    heads = {dept: by_name[teachers_of[code_][0]]
             for dept, code_ in {"toan": "toan", "van": "van", "anh": "anh", "khtn": "khtn", "nk": "gdtc"}.items()}
    for dept, head in heads.items():
        departments[dept].head = head
    bulk_update_with_history(list(departments.values()), m.Department, ["head"], batch_size=BATCH,
                             default_user=context.actor, default_change_reason=REASON)
    report.count("schoolrecords.Department history", len(departments))

    # Homeroom teachers: one class each, taken in turn from the subject teachers.
    subject_teachers = [by_name[username] for username, *_rest, subject in people if subject]
    classes = bulk([m.SchoolClass(year=year, name=name, grade=grade,
                                  homeroom_teacher=subject_teachers[index % len(subject_teachers)])
                    for index, (name, grade) in enumerate(class_specs)], m.SchoolClass, report)

    assignments = []
    for index, school_class in enumerate(classes):
        for code_, *_rest in demo.SUBJECTS:
            if code_ == "hdtn":
                teacher = school_class.homeroom_teacher
            else:  # consecutive classes share a teacher, as a timetable would have it
                pool = teachers_of[code_]
                teacher = by_name[pool[index * len(pool) // len(classes)]]
            assignments.append(m.TeachingAssignment(year=year, school_class=school_class, subject=subjects[code_],
                                                    teacher=teacher, start_date=year.start_date))
    assignments = bulk(assignments, m.TeachingAssignment, report)

    # What the services would grant: roles (groups) and object permissions.
    memberships = set()
    for username, _position, _dept, role_names, _subject in people:
        for name in role_names:
            memberships.add((by_name[username].pk, context.groups[name].pk))
    for assignment in assignments:
        memberships.add((assignment.teacher_id, context.groups[roles.SUBJECT_TEACHER].pk))
    for school_class in classes:
        memberships.add((school_class.homeroom_teacher_id, context.groups[roles.HOMEROOM_TEACHER].pk))
    for head in heads.values():
        memberships.add((head.pk, context.groups[roles.DEPARTMENT_HEAD].pk))
    Through = User.groups.through
    Through.objects.bulk_create([Through(user_id=user_id, group_id=group_id) for user_id, group_id in memberships],
                                batch_size=BATCH)
    grants: list[UserObjectPermission] = []
    seen_views = set()
    for assignment in assignments:
        context.grant(grants, assignment.teacher_id, "teach_assignment", "teachingassignment", assignment.pk)
        seen_views.add((assignment.teacher_id, assignment.school_class_id))
    for school_class in classes:
        context.grant(grants, school_class.homeroom_teacher_id, "homeroom_schoolclass", "schoolclass", school_class.pk)
        seen_views.add((school_class.homeroom_teacher_id, school_class.pk))
    for user_id, class_id in sorted(seen_views):
        context.grant(grants, user_id, "view_schoolclass", "schoolclass", class_id)
    for dept, head in heads.items():
        context.grant(grants, head.pk, "review_department", "department", departments[dept].pk)
    UserObjectPermission.objects.bulk_create(grants, batch_size=BATCH)
    report.count("guardian.UserObjectPermission", len(grants))

    # Students and their enrolments, spread evenly over the classes.
    students, places = [], []
    for index in range(size.students_per_school):
        school_class = classes[index % len(classes)]
        number_in_class = index // len(classes) + 1
        students.append(_student(rng, school, school_class, number_in_class))
        places.append(school_class)
    students = bulk(students, m.Student, report)
    enrolments = []
    last_of_class = {}
    for student, school_class in zip(students, places, strict=True):
        enrolment = m.Enrolment(student=student, school_class=school_class, start_date=year.start_date)
        enrolments.append(enrolment)
        last_of_class[school_class.pk] = enrolment
    for school_class in classes:  # one student of each grade-6 class moved away in term II
        if school_class.grade == 6 and school_class.pk in last_of_class:
            leaving = last_of_class[school_class.pk]
            leaving.status, leaving.end_date = m.Enrolment.Status.TRANSFERRED_OUT, terms[1].start_date + datetime.timedelta(days=35)
            leaving.note = "Chuyển trường theo gia đình"
    bulk(enrolments, m.Enrolment, report)
    _sessions(context, users, size, rng, report)
    _activity(context, school, year, rng=rng, report=report, lessons=size.lesson_plans_per_teacher, terms=terms,
              windows=True)
    return school


def _person_name(rng: random.Random) -> str:
    female = rng.random() < 0.6
    return " ".join((rng.choice(demo.FAMILY), rng.choice(demo.MIDDLE_FEMALE if female else demo.MIDDLE_MALE),
                     rng.choice(demo.GIVEN_FEMALE if female else demo.GIVEN_MALE)))


def _student(rng: random.Random, school: m.School, school_class: m.SchoolClass, number: int) -> m.Student:
    first = school_class.year.start_date.year
    female = rng.random() < 0.5
    family = rng.choice(demo.FAMILY)
    return m.Student(
        school=school, code=f"HS{school_class.name}{number:03d}",
        registration_number=f"{school_class.name}{number:03d}/{first - (school_class.grade - 6)}",
        full_name=" ".join((family, rng.choice(demo.MIDDLE_FEMALE if female else demo.MIDDLE_MALE),
                            rng.choice(demo.GIVEN_FEMALE if female else demo.GIVEN_MALE))),
        date_of_birth=datetime.date(first - school_class.grade - 6, rng.randint(1, 12), rng.randint(1, 28)),
        gender=m.Student.Gender.FEMALE if female else m.Student.Gender.MALE,
        ethnicity=rng.choice(demo.ETHNICITIES), place_of_birth=rng.choice(demo.PLACES),
        address=f"Tổ {rng.randint(1, 12)}, {rng.choice(demo.WARDS)}, Đông Triều, Quảng Ninh",
        father_name=f"{family} Văn {rng.choice(demo.GIVEN_MALE)}", father_phone=f"09{rng.randint(10000000, 99999999)}",
        mother_name=f"{rng.choice(demo.FAMILY)} Thị {rng.choice(demo.GIVEN_FEMALE)}",
        mother_phone=f"03{rng.randint(10000000, 99999999)}",
    )


def _sessions(context: _Context, users: list, size: DistrictSize, rng: random.Random, report: SeedReport) -> None:
    """Logged-in staff: session rows as the database session backend writes them (some expired)."""
    store = SessionStore()
    now = timezone.now()
    rows = []
    for user in users:
        data = store.encode({"_auth_user_id": str(user.pk),
                             "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                             "_auth_user_hash": hashlib.sha256(user.username.encode()).hexdigest()})
        for _index in range(size.sessions_per_staff):
            rows.append(Session(session_key=f"{rng.getrandbits(160):040x}", session_data=data,
                                expire_date=now + datetime.timedelta(hours=rng.randint(-240, 8))))
    Session.objects.bulk_create(rows, batch_size=BATCH)
    report.count("sessions.Session", len(rows))


# --- a school's term I: scores, homeroom work, locks, corrections, documents, archive ------------


def _activity(context: _Context, school: m.School, year: m.SchoolYear, *, rng: random.Random, report: SeedReport,
              lessons: int, terms: list[m.Term] | None = None, windows: bool = False) -> None:
    """Term I's work of a school whose classes, students and assignments exist.

    ``windows``: also close term I and open term II with entry windows, and lock some columns
    (left out for the demo school, whose grid the benchmark saves into). Locks and correction
    requests never touch Toán, for the same reason.
    """
    bulk = context.bulk
    terms = terms or list(m.Term.objects.filter(year=year).order_by("number"))
    term1 = terms[0]
    classes = list(m.SchoolClass.objects.filter(year=year).order_by("grade", "name"))
    assignments = list(m.TeachingAssignment.objects.filter(year=year, end_date__isnull=True)
                       .select_related("subject").order_by("school_class_id", "subject__order"))
    regular_of = {(class_id, each.subject.pk): assessment.regular_assessment_count(
        each.periods_per_year, learning_topics=each.learning_topics)
        for class_id, studied in selectors.subjects_of_classes(classes).items() for each in studied}
    enrolments_of: dict[int, list[m.Enrolment]] = {}
    for enrolment in m.Enrolment.objects.filter(school_class__year=year).order_by("pk"):
        enrolments_of.setdefault(enrolment.school_class_id, []).append(enrolment)
    homeroom_of = {school_class.pk: school_class.homeroom_teacher_id for school_class in classes}

    # Every slot of term I, class by class (one batch of rows at a time keeps memory flat).
    ability = {}
    pending: list[Score] = []
    for assignment in assignments:
        required = regular_of[assignment.school_class_id, assignment.subject_id]
        columns = [("tx", index) for index in range(1, required + 1)] + [("gk", 1), ("ck", 1)]
        commented = assignment.subject.is_commented
        for enrolment in enrolments_of.get(assignment.school_class_id, []):
            mean = ability.setdefault(enrolment.pk, rng.uniform(5.0, 9.3))
            for position, (kind, index) in enumerate(columns):
                day = term1.start_date + datetime.timedelta(days=15) + datetime.timedelta(days=position * 18 + rng.randint(0, 10))
                moment = _moment(day, 8 + rng.randint(0, 9))
                if commented:
                    value, passed = None, rng.random() < 0.96
                else:
                    value, passed = SCORES[max(0, min(100, int(rng.gauss(mean, 1.3) * 2) * 5))], None
                score = Score(enrolment_id=enrolment.pk, subject_id=assignment.subject_id, term_id=term1.pk,
                              kind=kind, index=index, value=value, comment_passed=passed, version=1,
                              updated_at=moment, updated_by_id=assignment.teacher_id)
                score._history_date = moment
                pending.append(score)
        if len(pending) >= 20 * BATCH:
            bulk(pending, Score, report)
            pending = []
    bulk(pending, Score, report)

    end_of_term = _moment(term1.end_date, 16)
    conduct, remarks, absences = [], [], []
    levels = [LevelChoice.TOT] * 6 + [LevelChoice.KHA] * 3 + [LevelChoice.DAT]
    for class_id, enrolments in enrolments_of.items():
        for enrolment in enrolments:
            teacher = homeroom_of[class_id]
            conduct.append(ConductResult(enrolment=enrolment, term=term1, level=rng.choice(levels),
                                         updated_at=end_of_term, updated_by_id=teacher))
            remarks.append(StudentRemark(enrolment=enrolment, term=term1, text=rng.choice(REMARKS),
                                         updated_at=end_of_term, updated_by_id=teacher))
            if rng.random() < 0.25:
                for month in (9, 10, 11, 12):
                    absences.append(MonthlyAbsence(enrolment=enrolment, year=term1.start_date.year, month=month,
                                                   excused=rng.randint(0, 3), unexcused=rng.randint(0, 1),
                                                   updated_at=end_of_term, updated_by_id=teacher))
    bulk(conduct, ConductResult, report, date=end_of_term)
    bulk(remarks, StudentRemark, report, date=end_of_term)
    bulk(absences, MonthlyAbsence, report, date=end_of_term)

    principal = User.objects.filter(profile__school=school, groups__name=roles.PRINCIPAL).order_by("pk").first()
    board = User.objects.filter(profile__school=school, groups__name=roles.ADMIN_BOARD).order_by("pk").first()
    if windows:
        bulk([EntryWindow(term=term1, opens_at=_moment(term1.start_date, 7), closes_at=end_of_term,
                          state=EntryWindow.State.CLOSED, note="Nhập điểm học kì I", created_by=board,
                          created_at=_moment(term1.start_date, 7)),
              EntryWindow(term=terms[1], opens_at=_moment(terms[1].start_date, 7), note="Nhập điểm học kì II",
                          created_by=board, created_at=_moment(terms[1].start_date, 7))], EntryWindow, report)
    not_math = [assignment for assignment in assignments if assignment.subject.code != "toan"]
    if windows:  # teachers who finished a column lock it ("khóa điểm")
        bulk([ScoreLock(term=term1, school_class_id=assignment.school_class_id, subject_id=assignment.subject_id,
                        kind="ck", index=1, locked_by_id=assignment.teacher_id, locked_at=end_of_term)
              for assignment in not_math if rng.random() < 0.5], ScoreLock, report, date=end_of_term)

    # A few correction requests on term I, some decided by the principal, some waiting.
    requests, cells = [], []
    for number, assignment in enumerate(rng.sample(not_math, min(6, len(not_math)))):
        enrolments = enrolments_of.get(assignment.school_class_id, [])
        if not enrolments or principal is None:
            continue
        status = [CorrectionRequest.Status.PENDING, CorrectionRequest.Status.APPROVED][number % 2]
        decided = status == CorrectionRequest.Status.APPROVED
        requests.append(CorrectionRequest(
            school_class_id=assignment.school_class_id, subject_id=assignment.subject_id, term=term1,
            requested_by_id=assignment.teacher_id, requested_at=_moment(term1.end_date - datetime.timedelta(days=5 - number)),
            reason="Nhập nhầm điểm so với sổ điểm cá nhân", status=status,
            decided_by=principal if decided else None,
            decided_at=_moment(term1.end_date - datetime.timedelta(days=4 - number)) if decided else None, witness=board,
        ))
        cells.append((assignment, rng.choice(enrolments)))
    requests = bulk(requests, CorrectionRequest, report)
    slots = {(score.enrolment_id, score.subject_id): score for score in Score.objects.filter(
        term=term1, kind="gk", enrolment_id__in=[enrolment.pk for _a, enrolment in cells])}
    changes = []
    for request, (assignment, enrolment) in zip(requests, cells, strict=True):
        score = slots.get((enrolment.pk, assignment.subject_id))
        if score is None:
            continue
        changes.append(CorrectionChange(request=request, enrolment=enrolment, kind="gk", index=1, score=score,
                                        old_value=score.value, old_comment_passed=score.comment_passed,
                                        new_value=None if score.value is None else SCORES[70],
                                        new_comment_passed=None if score.value is not None else True))
    CorrectionChange.objects.bulk_create(changes)
    report.count("gradebook.CorrectionChange", len(changes))

    _documents(context, school, year, assignments, rng=rng, report=report, lessons=lessons)
    _archive(context, school, year, term1, classes, report=report, actor=board or context.actor)


def _documents(context: _Context, school: m.School, year: m.SchoolYear, assignments: list, *, rng: random.Random,
               report: SeedReport, lessons: int) -> None:
    """Each teacher's education plan and lesson plans of term I, with versions, reviews and the log."""
    kinds = {kind.code: kind for kind in DocumentKind.objects.filter(school=school)}
    if not kinds:
        kinds = {kind.code: kind for kind in document_kinds_seed(actor=context.actor, school=school, reason=REASON)}
    departments = {subject.pk: subject.department_id for subject in m.Subject.objects.filter(school=school)}
    heads = {department.pk: department.head_id for department in m.Department.objects.filter(school=school)}
    teaching: dict[int, list] = {}
    for assignment in assignments:
        teaching.setdefault(assignment.teacher_id, []).append(assignment)
    grades = {c.pk: c.grade for c in m.SchoolClass.objects.filter(year=year)}
    profile_dept = dict(m.StaffProfile.objects.filter(school=school).values_list("user_id", "department_id"))

    documents, plans = [], []  # plans: (owner, status, when uploaded), one per document
    S = Document.Status
    statuses = [S.APPROVED] * 7 + [S.SUBMITTED] * 2 + [S.RETURNED]
    created = _moment(year.start_date - datetime.timedelta(days=4))
    for teacher_id, taught in sorted(teaching.items()):
        pairs = sorted({(assignment.subject, grades[assignment.school_class_id]) for assignment in taught
                        if assignment.subject.code not in ("hdtn",)}, key=lambda pair: (pair[0].order, pair[1]))
        if not pairs:
            continue
        status = rng.choice(statuses)
        documents.append(Document(school=school, year=year, kind=kinds["education_plan"], owner_id=teacher_id,
                                  department_id=profile_dept.get(teacher_id), title="Kế hoạch giáo dục cá nhân",
                                  status=status, is_yearly=True))
        plans.append((teacher_id, status, created))
        for number in range(1, lessons + 1):
            subject, grade = pairs[number % len(pairs)]
            period = number // len(pairs) + 1
            teaching_date = year.start_date + datetime.timedelta(days=3) + datetime.timedelta(days=7 * (number - 1))
            status = rng.choice(statuses)
            documents.append(Document(
                school=school, year=year, kind=kinds["lesson_plan"], owner_id=teacher_id,
                department_id=departments[subject.pk], title=f"{subject.name} {grade}_TIẾT {period}_"
                f"{rng.choice(LESSON_TITLES)}".upper(), subject=subject, grade=grade, period=period,
                lesson_title=rng.choice(LESSON_TITLES), teaching_date=teaching_date, status=status,
                is_late=rng.random() < 0.1,
            ))
            plans.append((teacher_id, status, _moment(teaching_date - datetime.timedelta(days=4))))
    documents = context.bulk(documents, Document, report)
    versions, transitions, reviews = [], [], []
    for document, (teacher_id, _status, moment) in zip(documents, plans, strict=True):
        digest = hashlib.sha256(f"{document.pk}".encode()).hexdigest()
        versions.append(DocumentVersion(
            document=document, number=1, file=f"{school.pk}/{year.pk}/{digest[:32]}.pdf", sha256=digest,
            size=150_000 + document.pk % 90_000, content_type="application/pdf",
            original_name=f"{document.title[:200]}.pdf", is_late=document.is_late, uploaded_by_id=teacher_id,
            uploaded_at=moment))
    DocumentVersion.objects.bulk_create(versions, batch_size=BATCH)
    report.count("eledger.DocumentVersion", len(versions))
    for document, version, (teacher_id, status, moment) in zip(documents, versions, plans, strict=True):
        document.current_version = version
        transitions.append(Transition(document=document, action=Transition.Action.CREATE, from_status="",
                                      to_status=S.DRAFT, version=version, actor_id=teacher_id, at=moment))
        if status in (S.SUBMITTED, S.APPROVED, S.RETURNED):
            reviewer = heads.get(document.department_id) or teacher_id
            submitted = moment + datetime.timedelta(minutes=5)
            transitions.append(Transition(document=document, action=Transition.Action.SUBMIT, from_status=S.DRAFT,
                                          to_status=S.SUBMITTED, version=version, actor_id=teacher_id,
                                          at=submitted))
            if status == S.SUBMITTED:
                reviews.append(Review(document=document, version=version, submitted_by_id=teacher_id,
                                      submitted_at=submitted))
            else:
                decided = submitted + datetime.timedelta(days=1)
                reviews.append(Review(document=document, version=version, submitted_by_id=teacher_id,
                                      submitted_at=submitted, status=status, decided_by_id=reviewer,
                                      decided_at=decided, comment="" if status == S.APPROVED else "Bổ sung mục tiêu"))
                transitions.append(Transition(
                    document=document, action=Transition.Action.APPROVE if status == S.APPROVED
                    else Transition.Action.RETURN, from_status=S.SUBMITTED, to_status=status, version=version,
                    actor_id=reviewer, at=decided))
    bulk_update_with_history(documents, Document, ["current_version"], batch_size=BATCH,
                             default_user=context.actor, default_change_reason=REASON)
    report.count("eledger.Document history", len(documents))
    Transition.objects.bulk_create(transitions, batch_size=BATCH)
    report.count("eledger.Transition", len(transitions))
    context.bulk(reviews, Review, report)


def _archive(context: _Context, school: m.School, year: m.SchoolYear, term1: m.Term, classes: list, *,
             report: SeedReport, actor) -> None:
    """The term-I class ledgers and summary tables, printed in two batches and sealed."""
    printed = _moment(term1.end_date + datetime.timedelta(days=5), 14)
    documents = []
    for kind in (Kind.LEDGER, Kind.SUMMARY):
        batch = RenderBatch.objects.create(
            school=school, year=year, term=term1, kind=kind, mode=Mode.PERIODIC, scope_label="mọi lớp",
            print_date=printed.date(), requested_by=actor, created_at=printed, finished_at=printed,
            total=len(classes), done=len(classes))
        jobs = RenderJob.objects.bulk_create([
            RenderJob(batch=batch, school_class=school_class, status=RenderJob.Status.DONE, attempts=1,
                      scope_key=scope_key(kind=kind, year_id=year.pk, term_number=1, class_id=school_class.pk),
                      started_at=printed, finished_at=printed) for school_class in classes])
        for job, school_class in zip(jobs, classes, strict=True):
            digest = hashlib.sha256(f"{job.scope_key}".encode()).hexdigest()
            documents.append(ArchivedDocument(
                school=school, kind=kind, mode=Mode.PERIODIC, year=year, term=term1, school_class=school_class,
                scope_key=job.scope_key, version=1, path=f"{digest[:2]}/{digest}.pdf",
                file_name=f"{kind}_{year.name}_T1_{school_class.name}_v1.pdf", content_type="application/pdf",
                sha256=digest, size=400_000, pages=48 if kind == Kind.LEDGER else 2, data_hash=digest,
                print_date=printed.date(), created_by=actor, created_at=printed, job=job,
                idempotency_key=f"job{job.pk}:{job.scope_key}"))
        report.count("archive.RenderJob", len(jobs))
    ArchivedDocument.objects.bulk_create(documents, batch_size=BATCH)
    report.count("archive.ArchivedDocument", len(documents))
