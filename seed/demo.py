"""The demo school: a lower-secondary school in the school year that contains today, idempotently.

The demo lives in the current school year (``demo_year``), and looks back on the one before:

* the first time, the year before is built through the services (classes, students, teaching
  assignments), then given a whole year of results in bulk with history (seed.yearwork: every
  score of both terms, conduct, absences, re-tests, summer re-assessments, the principal's
  approvals), so the year is closed and every student's outcome is decided by the rules;
* the current year is then made BY the year rollover (gradebook.rollover.services.apply, acting
  user the demo's board member, with a reason): promoted students move up, repeaters stay, grade 9
  completes; the demo then confirms the rollover's proposals the way the board would (the
  teachers keep their subjects and grades, the homeroom teachers their class names), enrols the
  new grade-6 students and makes the year current. ``build_demo_school`` enters nothing of the
  current year: the classes, the assignments and the students only (what the test database holds,
  so that tests type into empty cells). ``manage.py seed_demo`` then enters this year's work up to
  today (seed.termwork.enter_so_far: the scores whose columns have come due, absences).

Run again in the same school year it changes nothing. Run in a later school year, it rolls the
demo forward one year at a time: the year that was current is completed (what was entered in it
is kept; only what is missing is filled) and rolled over into the next, until the demo is in the
school year of today. A clock set back, to a year before the demo's latest, is not followed: the
demo stays where it is (build it on an empty database for an earlier year).
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from eledger.services import document_kinds_seed
from gradebook.rollover import services as rollover
from schoolrecords import models as m
from schoolrecords import roles, services

from . import yearwork
from .calendar import DemoYear, school_year_of

User = get_user_model()

DEMO_PASSWORD = "demo-2026"
SCHOOL_CODE = "THCS-DEMO"
REASON = "seed_demo"
ROLLOVER_REASON = "seed_demo: chuyển năm học theo kết quả cả năm"
FIRST_GRADE = 6

# (code, name, mode, foreign language, department key, periods per year by grade 6..9)
SUBJECTS = [
    ("van", "Ngữ văn", "scores", False, "van", (140, 140, 140, 140)),
    ("toan", "Toán", "scores", False, "toan", (140, 140, 140, 140)),
    ("anh", "Tiếng Anh", "scores", True, "anh", (105, 105, 105, 105)),
    ("gdcd", "Giáo dục công dân", "scores", False, "van", (35, 35, 35, 35)),
    ("lsdl", "Lịch sử và Địa lí", "scores", False, "van", (105, 105, 105, 105)),
    ("khtn", "Khoa học tự nhiên", "scores", False, "khtn", (140, 140, 140, 140)),
    ("cn", "Công nghệ", "scores", False, "khtn", (35, 35, 52, 52)),
    ("tin", "Tin học", "scores", False, "toan", (35, 35, 35, 35)),
    ("gdtc", "Giáo dục thể chất", "comments", False, "nk", (70, 70, 70, 70)),
    ("amnhac", "Âm nhạc", "comments", False, "nk", (35, 35, 35, 35)),
    ("mithuat", "Mĩ thuật", "comments", False, "nk", (35, 35, 35, 35)),
    ("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "comments", False, "nk", (105, 105, 105, 105)),
    ("gddp", "Nội dung giáo dục của địa phương", "comments", False, "nk", (35, 35, 35, 35)),
]
DEPARTMENTS = {
    "toan": "Tổ Toán - Tin",
    "van": "Tổ Ngữ văn - Lịch sử - GDCD",
    "anh": "Tổ Ngoại ngữ",
    "khtn": "Tổ Khoa học tự nhiên - Công nghệ",
    "nk": "Tổ Năng khiếu - Hoạt động",
}


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    position: str
    department: str | None
    role_names: tuple[str, ...]


LEADERS = [
    Person("principal", "Nguyễn Văn Thành", "Hiệu trưởng", None, (roles.PRINCIPAL,)),
    Person("vice", "Trần Thị Hương", "Phó hiệu trưởng", None, (roles.VICE_PRINCIPAL,)),
    Person("board", "Lê Minh Quang", "Ban quản trị hệ thống", None, (roles.ADMIN_BOARD,)),
    Person("clerk", "Phạm Thị Lan", "Văn thư - Giáo vụ", None, (roles.CLERK,)),
]
# Teachers: login, name, department, and what they teach as {subject code: grades}.
TEACHERS = [
    ("teacher_math", "Đỗ Thị Mai", "toan", {"toan": (6, 7)}),
    ("head_math", "Hoàng Văn Long", "toan", {"toan": (8, 9)}),
    ("gv_tin", "Vũ Đức Anh", "toan", {"tin": (6, 7, 8, 9)}),
    ("homeroom_6a1", "Ngô Thị Thu Hà", "van", {"van": (6, 7)}),
    ("gv_van2", "Bùi Thị Ngọc", "van", {"van": (8, 9)}),
    ("gv_lsdl1", "Đặng Văn Hùng", "van", {"lsdl": (6, 7)}),
    ("gv_lsdl2", "Phan Thị Yến", "van", {"lsdl": (8, 9)}),
    ("gv_gdcd", "Lý Thị Hạnh", "van", {"gdcd": (6, 7, 8, 9)}),
    ("gv_anh1", "Huỳnh Thị Kim Ngân", "anh", {"anh": (6, 7)}),
    ("gv_anh2", "Dương Minh Tuấn", "anh", {"anh": (8, 9)}),
    ("gv_khtn1", "Võ Thị Thảo", "khtn", {"khtn": (6, 7)}),
    ("gv_khtn2", "Hồ Văn Phúc", "khtn", {"khtn": (8, 9)}),
    ("gv_cn", "Trịnh Văn Sơn", "khtn", {"cn": (6, 7, 8, 9)}),
    ("gv_gdtc", "Cao Văn Dũng", "nk", {"gdtc": (6, 7, 8, 9)}),
    ("gv_amnhac", "Mai Thị Quỳnh", "nk", {"amnhac": (6, 7, 8, 9)}),
    ("gv_mithuat", "Lâm Văn Khoa", "nk", {"mithuat": (6, 7, 8, 9)}),
    ("gv_gddp", "Tạ Thị Uyên", "nk", {"gddp": (6, 7, 8, 9)}),
]
DEPARTMENT_HEADS = {"toan": "head_math", "van": "gv_van2", "anh": "gv_anh1", "khtn": "gv_khtn1", "nk": "gv_gdtc"}
# Homeroom teachers teach the class its "Hoạt động trải nghiệm, hướng nghiệp" as well.
HOMEROOM_ORDER = ["homeroom_6a1", "gv_anh1", "gv_khtn1", "gv_lsdl1", "gv_van2", "gv_anh2", "gv_khtn2", "gv_lsdl2",
                  "gv_gdcd", "gv_cn", "gv_tin", "gv_gddp", "gv_amnhac", "gv_mithuat", "gv_gdtc", "teacher_math"]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương"]
MIDDLE_MALE = ["Văn", "Minh", "Đức", "Quốc", "Gia", "Hữu", "Thanh", "Bảo", "Hoàng", "Anh"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Phương", "Thanh", "Khánh", "Minh", "Bảo", "Hoài", "Diệu"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khang", "Khoa", "Long", "Nam",
              "Nghĩa", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Trí", "Tuấn", "Việt", "Vinh", "Kiên"]
GIVEN_FEMALE = ["Anh", "Châu", "Chi", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "My", "Ngân",
                "Nhi", "Nhung", "Quỳnh", "Tâm", "Thảo", "Trang", "Trâm", "Uyên", "Vy", "Yến", "Ánh"]
PLACES = ["Quảng Ninh", "Hải Phòng", "Hà Nội", "Hải Dương", "Bắc Giang", "Thái Bình", "Nam Định"]
WARDS = ["phường Mạo Khê", "phường Xuân Sơn", "phường Kim Sơn", "xã Hồng Thái", "phường Yên Thọ", "xã Tràng An"]
ETHNICITIES = ["Kinh"] * 18 + ["Tày", "Dao"]


def demo_year(today: datetime.date | None = None) -> DemoYear:
    """The school year the demo lives in on ``today`` (default: today in the school's time zone).

    The one place the demo's year is decided (seed.calendar.school_year_of has the rule).
    """
    return school_year_of(today or timezone.localdate())


def current_year_name(today: datetime.date | None = None) -> str:
    """The name of the demo's school year today, e.g. "2026-2027" (what tests and docs read)."""
    return demo_year(today).name


def previous_year_name(today: datetime.date | None = None) -> str:
    return demo_year(today).previous.name


@dataclass(frozen=True)
class DemoSize:
    classes_per_grade: int = 2
    students_per_class: int = 40
    grades: tuple[int, ...] = (6, 7, 8, 9)


def class_names(size: DemoSize) -> list[tuple[str, int]]:
    return [(f"{grade}A{index}", grade) for grade in size.grades for index in range(1, size.classes_per_grade + 1)]


def student_code(cohort: int, section: str, number: int) -> str:
    """A student's code: the year they entered grade 6, their first class's section and number.

    ``student_code(2026, "A1", 40)`` → "HS26A1040": the 40th student who entered 6A1 in 2026. The
    code stays with the student as they move up (7A1, 8A1 …), and never names two students.
    """
    return f"HS{cohort % 100:02d}{section}{number:03d}"


def newcomer_code(year_name: str, class_name: str, number: int) -> str:
    """The code of the ``number``-th new student of a grade-6 class in the year named ``year_name``."""
    return student_code(int(year_name[:4]), class_name[1:], number)


@transaction.atomic
def build_demo_school(size: DemoSize = DemoSize(), *, today: datetime.date | None = None) -> dict:
    """Create whatever of the demo school is missing for ``today``'s school year; again, it changes nothing.

    Returns the school, the current year, the year before it, the staff by login and the current
    year's classes by name.
    """
    actor = services.system_user()
    target = demo_year(today)
    school, departments, subjects, users = _foundations(actor)
    year = m.SchoolYear.objects.filter(school=school, name=target.name).first()
    if year is None or not year.classes.exists():
        year = _reach(actor, school, target, size, subjects, users)
    _grade_subjects(actor, year, size)
    _classes(actor, year, size, users)
    classes = _staff_the_year(actor, year, subjects, users)
    _newcomers(actor, school, year, classes, size)
    _fill_new_classes(actor, school, year, classes, size)
    if not year.is_current:
        services.school_year_make_current(actor=actor, year=year, reason=REASON)
        year.refresh_from_db()
    document_kinds_seed(actor=actor, school=school, reason=REASON)
    previous = (m.SchoolYear.objects.filter(school=school, start_date__lt=year.start_date)
                .order_by("-start_date").first())
    return {"school": school, "year": year, "previous": previous, "users": users, "classes": classes}


def _foundations(actor):
    school, _ = m.School.objects.get_or_create(
        code=SCHOOL_CODE,
        defaults={"name": "Trường THCS Nguyễn Du", "province": "Quảng Ninh", "district": "Thị xã Đông Triều",
                  "commune": "Phường Mạo Khê",
                  "address": "Phường Mạo Khê, thị xã Đông Triều, tỉnh Quảng Ninh"},
    )
    departments = {
        key: m.Department.objects.filter(school=school, name=name).first()
        or services.department_save(actor=actor, school=school, name=name, reason=REASON)
        for key, name in DEPARTMENTS.items()
    }
    subjects = {}
    for order, (code, name, mode, foreign, dept, _periods) in enumerate(SUBJECTS, start=1):
        subjects[code] = m.Subject.objects.filter(school=school, code=code).first() or services.subject_save(
            actor=actor, school=school, reason=REASON, code=code, name=name, assessment_mode=mode,
            is_foreign_language=foreign, department=departments[dept], order=order,
        )
    users = {}
    for person in LEADERS:
        users[person.username] = _staff(actor, school, person, departments, REASON)
    for username, full_name, dept, _teaches in TEACHERS:
        users[username] = _staff(
            actor, school, Person(username, full_name, "Giáo viên", dept, (roles.SUBJECT_TEACHER,)), departments, REASON
        )
    for dept, username in DEPARTMENT_HEADS.items():
        services.department_set_head(actor=actor, department=departments[dept], head=users[username], reason=REASON)
    return school, departments, subjects, users


def _reach(actor, school, target: DemoYear, size: DemoSize, subjects, users) -> m.SchoolYear:
    """The demo's year ``target``, made by rolling the latest year before it over, one year at a time."""
    latest = (m.SchoolYear.objects.filter(school=school, start_date__lt=target.start_date, classes__isnull=False)
              .distinct().order_by("-start_date").first())
    if latest is None:
        latest = _first_year(actor, school, target.previous, size, subjects, users)
    while latest.start_date < target.start_date:
        yearwork.year_complete(year=latest, reason=REASON)
        following = rollover.next_year_name(latest.name)
        # The board rolls the year over, as it would from the rollover page.
        done = rollover.apply(actor=users["board"], from_year=latest, to_year=following, reason=ROLLOVER_REASON)
        latest = done.year
        _grade_subjects(actor, latest, size)
        _newcomers(actor, school, latest, _staff_the_year(actor, latest, subjects, users), size)
    return latest


def _first_year(actor, school, calendar: DemoYear, size: DemoSize, subjects, users) -> m.SchoolYear:
    """The demo's first year, built through the services: classes, assignments, students of every grade."""
    year = m.SchoolYear.objects.filter(school=school, name=calendar.name).first() or services.school_year_create(
        actor=actor, school=school, name=calendar.name, start_date=calendar.start_date,
        end_date=calendar.end_date, term_dates=calendar.term_dates, reason=REASON,
    )
    _grade_subjects(actor, year, size)
    _classes(actor, year, size, users)
    classes = _staff_the_year(actor, year, subjects, users)
    _newcomers(actor, school, year, classes, size)
    _fill_new_classes(actor, school, year, classes, size)
    return year


def _classes(actor, year: m.SchoolYear, size: DemoSize, users) -> None:
    """The classes of ``size`` the year lacks (a larger demo asked for: 6A3, 7A3 …)."""
    for index, (name, grade) in enumerate(class_names(size)):
        if not m.SchoolClass.objects.filter(year=year, name=name).exists():
            services.school_class_save(actor=actor, year=year, name=name, grade=grade,
                                       homeroom_teacher=users[HOMEROOM_ORDER[index % len(HOMEROOM_ORDER)]],
                                       reason=REASON)


def _fill_new_classes(actor, school, year: m.SchoolYear, classes: dict[str, m.SchoolClass], size: DemoSize) -> None:
    """A class with nobody in it (the first year's, or one added for a larger demo) gets its students.

    They are the cohort of its grade: the students who entered grade 6 ``grade - 6`` years before.
    """
    filled = set(m.Enrolment.objects.filter(school_class__year=year).values_list("school_class_id", flat=True))
    for name, school_class in classes.items():
        if school_class.pk not in filled and school_class.grade != FIRST_GRADE:
            cohort = year.start_date.year - (school_class.grade - FIRST_GRADE)
            _students(actor, school, year, school_class, size, cohort, name[1:])


def _grade_subjects(actor, year: m.SchoolYear, size: DemoSize) -> None:
    grades = sorted(set(size.grades) | set(m.SchoolClass.objects.filter(year=year).values_list("grade", flat=True)))
    subjects = {s.code: s for s in m.Subject.objects.filter(school_id=year.school_id)}
    for grade in grades:
        wanted = {subjects[code].pk: periods[min(grade, 9) - 6] for code, *_rest, periods in SUBJECTS}
        services.grade_subjects_set(actor=actor, year=year, grade=grade, periods=wanted, reason=REASON)


def _staff_the_year(actor, year: m.SchoolYear, subjects, users) -> dict[str, m.SchoolClass]:
    """Every class of the year has the demo's homeroom teacher and teachers, whatever the rollover proposed.

    The homeroom teachers go by the class's place in the school (6A1 has homeroom_6a1 every year);
    the subject teachers by the grades they teach. A proposal of the rollover that agrees is
    confirmed (assignment_create confirms it), one that does not is replaced.
    """
    classes = {c.name: c for c in m.SchoolClass.objects.filter(year=year).order_by("grade", "name")}
    for index, school_class in enumerate(classes.values()):
        homeroom = users[HOMEROOM_ORDER[index % len(HOMEROOM_ORDER)]]
        if school_class.homeroom_teacher_id != homeroom.pk or school_class.draft_homeroom_teacher_id is not None:
            classes[school_class.name] = services.homeroom_assign(actor=actor, school_class=school_class,
                                                                  teacher=homeroom, reason=REASON)
    for school_class in classes.values():
        for username, _full, _dept, teaches in TEACHERS:
            for code, grades in teaches.items():
                if school_class.grade in grades:
                    services.assignment_create(actor=actor, school_class=school_class, subject=subjects[code],
                                               teacher=users[username], start_date=year.start_date, reason=REASON)
        if school_class.homeroom_teacher_id is not None:
            services.assignment_create(actor=actor, school_class=school_class, subject=subjects["hdtn"],
                                       teacher=school_class.homeroom_teacher, start_date=year.start_date,
                                       reason=REASON)
    for draft in m.TeachingAssignment.objects.filter(year=year, state=m.TeachingAssignment.State.DRAFT):
        services.assignment_end(actor=actor, assignment=draft, reason=REASON)  # a proposal nobody takes up
    return classes


def _newcomers(actor, school, year: m.SchoolYear, classes: dict[str, m.SchoolClass], size: DemoSize) -> None:
    """The new students of the first grade: a class's worth for each grade-6 class of the year."""
    cohort = year.start_date.year
    for name, school_class in classes.items():
        if school_class.grade == FIRST_GRADE:
            _students(actor, school, year, school_class, size, cohort, name[1:])


def _staff(actor, school, person: Person, departments, reason) -> User:
    profile = m.StaffProfile.objects.filter(user__username=person.username).select_related("user").first()
    if profile is None:
        profile = services.staff_create(
            actor=actor, school=school, username=person.username, full_name=person.full_name,
            password=DEMO_PASSWORD, position=person.position,
            department=departments[person.department] if person.department else None,
            role_names=person.role_names, must_change_password=False, reason=reason,
        )
    return profile.user


def _students(actor, school, year: m.SchoolYear, school_class: m.SchoolClass, size: DemoSize, cohort: int,
              section: str) -> None:
    """``size.students_per_class`` students of the ``cohort`` (the year they entered grade 6) in the class."""
    existing = set(m.Student.objects.filter(school=school, code__startswith=student_code(cohort, section, 0)[:-3])
                   .values_list("code", flat=True))
    rng = random.Random(f"{SCHOOL_CODE}-{cohort}-{section}")
    birth_year = cohort - 11  # grade 6 at eleven
    for number in range(1, size.students_per_class + 1):
        code = student_code(cohort, section, number)
        female = rng.random() < 0.5
        family = rng.choice(FAMILY)
        middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        parent_family = rng.choice(FAMILY)
        fields = {
            "code": code,
            "registration_number": f"{FIRST_GRADE}{section}{number:03d}/{cohort}",
            "full_name": f"{family} {middle} {given}",
            "date_of_birth": datetime.date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
            "gender": m.Student.Gender.FEMALE if female else m.Student.Gender.MALE,
            "ethnicity": rng.choice(ETHNICITIES),
            "place_of_birth": rng.choice(PLACES),
            "address": f"Tổ {rng.randint(1, 12)}, {rng.choice(WARDS)}, Đông Triều, Quảng Ninh",
            "father_name": f"{family} Văn {rng.choice(GIVEN_MALE)}",
            "father_phone": f"09{rng.randint(10000000, 99999999)}",
            "mother_name": f"{parent_family} Thị {rng.choice(GIVEN_FEMALE)}",
            "mother_phone": f"03{rng.randint(10000000, 99999999)}",
        }
        if code in existing:
            continue
        student = services.student_save(actor=actor, school=school, reason=REASON, **fields)
        enrolment = services.enrolment_create(actor=actor, student=student, school_class=school_class,
                                              start_date=year.start_date, reason=REASON)
        # The last newcomer of each grade-6 class moves away in term II (16 February), so lists show a transfer.
        if school_class.grade == FIRST_GRADE and cohort == year.start_date.year and number == size.students_per_class:
            term2 = year.terms.get(number=2)
            services.enrolment_end(actor=actor, enrolment=enrolment, status=m.Enrolment.Status.TRANSFERRED_OUT,
                                   end_date=term2.start_date + datetime.timedelta(days=35),
                                   reason="Chuyển trường theo gia đình")


def build_demo_signing(built: dict) -> dict[str, str] | None:
    """The demo PKI (archive.signing.demo): a SoftHSM2 token for each staff member and the school seal, under
    SIGNING_DIR (var/signing), their certificates registered; idempotent. None when SoftHSM2 is not installed."""
    import shutil
    from pathlib import Path

    from django.conf import settings

    from archive.signing import demo as signing_demo

    if not Path(settings.SIGNING_PKCS11_MODULE).exists() or shutil.which("softhsm2-util") is None:
        return None
    people = [user for user in built["users"].values() if user.is_active and hasattr(user, "profile")]
    return signing_demo.setup(school=built["school"], people=people, actor=services.system_user())
