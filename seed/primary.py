"""The primary demo school (TT27): grades 1-5 for the school year containing today, built beside the
lower-secondary demo through the services, with a year of levels, test scores and traits at the points
already past; idempotent (a second run changes nothing)."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eledger.services import document_kinds_seed
from gradebook.models import PrimaryAssessment, PrimaryTrait, PrimaryTraitAssessment
from gradebook.primary.selectors import point_dates
from gradebook.rules import tt27
from schoolrecords import models as m
from schoolrecords import roles, services

from .demo import (
    DEMO_PASSWORD,
    FAMILY,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    Person,
    demo_year,
)

User = get_user_model()

SCHOOL_CODE = "TH-DEMO"
SCHOOL_NAME = "Trường Tiểu học Lê Quang Định"
REASON = "seed_demo --school primary"
GRADES = (1, 2, 3, 4, 5)

# (code, name, periods per year by grade 1..5; None: not studied in that grade). Subjects with periodic
# tests use tt27.PeriodicTestSubject's codes.
SUBJECTS = [
    ("tv", "Tiếng Việt", (420, 350, 245, 245, 245)),
    ("toan", "Toán", (105, 175, 175, 175, 175)),
    ("dd", "Đạo đức", (35, 35, 35, 35, 35)),
    ("tnxh", "Tự nhiên và Xã hội", (70, 70, 70, None, None)),
    ("nn1", "Ngoại ngữ 1", (None, None, 140, 140, 140)),
    ("tinhoc_cn", "Tin học và Công nghệ", (None, None, 70, 70, 70)),
    ("lsdl", "Lịch sử và Địa lí", (None, None, None, 70, 70)),
    ("khoahoc", "Khoa học", (None, None, None, 70, 70)),
    ("hdtn", "Hoạt động trải nghiệm", (105, 105, 105, 105, 105)),
    ("gdtc", "Giáo dục thể chất", (70, 70, 70, 70, 70)),
    ("amnhac", "Âm nhạc", (35, 35, 35, 35, 35)),
    ("mithuat", "Mĩ thuật", (35, 35, 35, 35, 35)),
]
# Taught by a specialist in every class that studies them; the homeroom teacher teaches the rest.
SPECIALISTS = {"nn1": "th_gv_anh", "tinhoc_cn": "th_gv_tin", "gdtc": "th_gv_gdtc", "amnhac": "th_gv_amnhac",
               "mithuat": "th_gv_mithuat"}

LEADERS = [
    Person("th_principal", "Trần Thị Thanh Bình", "Hiệu trưởng", None, (roles.PRINCIPAL,)),
    Person("th_board", "Nguyễn Văn Hòa", "Ban quản trị hệ thống", None, (roles.ADMIN_BOARD,)),
    Person("th_clerk", "Lê Thị Kim Oanh", "Văn thư - Giáo vụ", None, (roles.CLERK,)),
]
# The homeroom teachers of 1A1, 1A2, 2A1 … in order; th_teacher has 1A1 and teaches all its subjects.
HOMEROOM = [
    ("th_teacher", "Phạm Thị Minh Thư"), ("th_gv_1a2", "Đỗ Thị Hồng"), ("th_gv_2a1", "Vũ Thị Lệ"),
    ("th_gv_2a2", "Hoàng Thị Xuân"), ("th_gv_3a1", "Bùi Văn Nam"), ("th_gv_3a2", "Ngô Thị Hằng"),
    ("th_gv_4a1", "Đặng Thị Tuyết"), ("th_gv_4a2", "Lý Văn Toàn"), ("th_gv_5a1", "Trịnh Thị Mơ"),
    ("th_gv_5a2", "Dương Thị Hiền"),
]
SPECIALIST_NAMES = {"th_gv_anh": "Mai Thị Hương Giang", "th_gv_tin": "Cao Minh Đức", "th_gv_gdtc": "Tạ Văn Cường",
                    "th_gv_amnhac": "Lâm Thị Ngọc Hà", "th_gv_mithuat": "Hồ Văn Tài"}

COMMENTS = {
    "T": ["Hoàn thành tốt nội dung học tập, tích cực phát biểu.", "Nắm vững kiến thức, làm bài cẩn thận.",
          "Học tốt, biết giúp đỡ bạn."],
    "H": ["Hoàn thành nội dung học tập.", "Cần cẩn thận hơn khi làm bài.", "Tiến bộ, cần tích cực phát biểu hơn."],
    "C": ["Chưa hoàn thành một số nội dung, cần được hỗ trợ thêm.", "Cần luyện tập thêm ở nhà."],
}


@dataclass(frozen=True)
class PrimarySize:
    classes_per_grade: int = 2
    students_per_class: int = 35


def class_names(size: PrimarySize) -> list[tuple[str, int]]:
    return [(f"{grade}A{index}", grade) for grade in GRADES for index in range(1, size.classes_per_grade + 1)]


@transaction.atomic
def build_primary_school(size: PrimarySize = PrimarySize(), today: datetime.date | None = None) -> dict:
    """Create whatever of the primary demo is missing; running it again changes nothing."""
    today = today or timezone.localdate()
    actor = services.system_user()
    school, _ = m.School.objects.get_or_create(
        code=SCHOOL_CODE,
        defaults={"name": SCHOOL_NAME, "level": m.School.Level.PRIMARY, "province": "Thành phố Hồ Chí Minh",
                  "district": "Quận Bình Thạnh", "commune": "Phường Bình Thạnh",
                  "address": "Phường 14, quận Bình Thạnh, TP. Hồ Chí Minh"},
    )
    calendar = demo_year(today)  # the one rule of all the demo schools (seed.calendar)
    year = m.SchoolYear.objects.filter(school=school, name=calendar.name).first()
    if year is None:
        year = services.school_year_create(
            actor=actor, school=school, name=calendar.name, start_date=calendar.start_date,
            end_date=calendar.end_date, term_dates=calendar.term_dates, make_current=True, reason=REASON,
        )
    if year.rule_set != m.RuleSet.TT27:
        year = services.school_year_update(actor=actor, year=year, rule_set=m.RuleSet.TT27, reason=REASON)

    subjects = {}
    for order, (code, subject_name, _periods) in enumerate(SUBJECTS, start=1):
        subjects[code] = m.Subject.objects.filter(school=school, code=code).first() or services.subject_save(
            actor=actor, school=school, reason=REASON, code=code, name=subject_name,
            assessment_mode=m.Subject.Mode.LEVELS, is_foreign_language=code == "nn1", order=order,
        )
    for grade in GRADES:
        wanted = {subjects[code].pk: periods[grade - 1] for code, _name, periods in SUBJECTS
                  if periods[grade - 1]}
        services.grade_subjects_set(actor=actor, year=year, grade=grade, periods=wanted, reason=REASON)

    users = {person.username: _staff(actor, school, person) for person in LEADERS}
    for username, full_name in [*HOMEROOM, *SPECIALIST_NAMES.items()]:
        users[username] = _staff(actor, school, Person(username, full_name, "Giáo viên", None,
                                                       (roles.SUBJECT_TEACHER,)))

    classes = {}
    for index, (class_name, grade) in enumerate(class_names(size)):
        homeroom = users[HOMEROOM[index % len(HOMEROOM)][0]]
        classes[class_name] = m.SchoolClass.objects.filter(year=year, name=class_name).first() or \
            services.school_class_save(actor=actor, year=year, name=class_name, grade=grade,
                                       homeroom_teacher=homeroom, reason=REASON)
    taught = set(m.TeachingAssignment.objects.filter(year=year, end_date__isnull=True)
                 .values_list("school_class_id", "subject_id"))
    for school_class in classes.values():
        for code, _name, periods in SUBJECTS:
            if not periods[school_class.grade - 1] or (school_class.pk, subjects[code].pk) in taught:
                continue
            teacher = users[SPECIALISTS[code]] if code in SPECIALISTS else school_class.homeroom_teacher
            services.assignment_create(actor=actor, school_class=school_class, subject=subjects[code],
                                       teacher=teacher, start_date=year.start_date, reason=REASON)
    _students(actor, school, year, classes, size)
    document_kinds_seed(actor=actor, school=school, reason=REASON)
    past = [point for point, day in point_dates(year).items() if day < today]
    _assessments(year, classes, subjects, past, actor)
    return {"school": school, "year": year, "users": users, "classes": classes, "points": past}


def _staff(actor, school, person: Person) -> User:
    profile = m.StaffProfile.objects.filter(user__username=person.username).select_related("user").first()
    if profile is None:
        profile = services.staff_create(
            actor=actor, school=school, username=person.username, full_name=person.full_name,
            password=DEMO_PASSWORD, position=person.position, role_names=person.role_names,
            must_change_password=False, reason=REASON,
        )
    return profile.user


def _students(actor, school, year, classes, size: PrimarySize) -> None:
    existing = set(m.Student.objects.filter(school=school).values_list("code", flat=True))
    for class_name, school_class in classes.items():
        rng = random.Random(f"{SCHOOL_CODE}-{class_name}")
        birth_year = year.start_date.year - school_class.grade - 5
        for number in range(1, size.students_per_class + 1):
            code = f"TH{class_name}{number:03d}"
            female = rng.random() < 0.5
            family = rng.choice(FAMILY)
            fields = {
                "code": code,
                "full_name": f"{family} {rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)} "
                             f"{rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)}",
                "date_of_birth": datetime.date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
                "gender": m.Student.Gender.FEMALE if female else m.Student.Gender.MALE,
                "ethnicity": "Kinh",
                "place_of_birth": "TP. Hồ Chí Minh",
                "address": f"{rng.randint(1, 300)} Nơ Trang Long, phường 14, quận Bình Thạnh",
                "father_name": f"{family} Văn {rng.choice(GIVEN_MALE)}",
                "father_phone": f"09{rng.randint(10000000, 99999999)}",
                "mother_name": f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN_FEMALE)}",
                "mother_phone": f"03{rng.randint(10000000, 99999999)}",
            }
            if code in existing:
                continue
            student = services.student_save(actor=actor, school=school, reason=REASON, **fields)
            services.enrolment_create(actor=actor, student=student, school_class=school_class,
                                      start_date=year.start_date, reason=REASON)


def _level(rng: random.Random, ability: float) -> str:
    roll = rng.random() + ability
    return "T" if roll > 0.9 else "H" if roll > 0.2 else "C"


def _assessments(year, classes, subjects, points, actor) -> None:
    """Realistic levels, test scores, comments and traits at the points already past (seeded, deterministic).

    Only what is missing is created: a row that exists is never changed, so a second run writes nothing.
    """
    if not points:
        return
    enrolments = list(m.Enrolment.objects.filter(school_class__in=classes.values(),
                                                 status=m.Enrolment.Status.STUDYING)
                      .select_related("school_class", "student").order_by("pk"))
    held = set(PrimaryAssessment.objects.filter(enrolment__in=enrolments)
               .values_list("enrolment_id", "subject_id", "point"))
    held_traits = set(PrimaryTraitAssessment.objects.filter(enrolment__in=enrolments)
                      .values_list("enrolment_id", "point", "trait"))
    studied = {}
    for grade in GRADES:
        studied[grade] = [subjects[code] for code, _name, periods in SUBJECTS if periods[grade - 1]]
    now = timezone.now()
    rows, traits = [], []
    for enrolment in enrolments:
        rng = random.Random(f"{SCHOOL_CODE}-{enrolment.student.code}")
        ability = rng.uniform(0.0, 0.7)  # a student's steady level across the year
        grade = enrolment.school_class.grade
        for point in tt27.ASSESSMENT_POINTS:
            if point not in points:
                continue
            tested = set(tt27.periodic_tests(grade, point))
            for subject in studied[grade]:
                level = _level(rng, ability)
                score = None
                if subject.code in tested:
                    base = {"T": 9, "H": 7, "C": 4}[level]
                    score = max(0, min(10, base + rng.choice((-1, 0, 0, 1))))
                comment = rng.choice(COMMENTS[level]) if point.is_mid_term or rng.random() < 0.5 else ""
                if (enrolment.pk, subject.pk, point.value) in held:
                    continue
                rows.append(PrimaryAssessment(enrolment=enrolment, subject=subject, point=point.value, level=level,
                                              test_score=score, comment=comment, updated_at=now, updated_by=actor))
            for trait in PrimaryTrait.values:
                roll = rng.random() + ability
                level = "T" if roll > 0.75 else "D" if roll > 0.15 else "C"
                if (enrolment.pk, point.value, trait) in held_traits:
                    continue
                traits.append(PrimaryTraitAssessment(enrolment=enrolment, point=point.value, trait=trait, level=level,
                                                     updated_at=now, updated_by=actor))
    if rows:
        bulk_create_with_history(rows, PrimaryAssessment, batch_size=2000, default_user=actor,
                                 default_change_reason=REASON, default_date=now)
    if traits:
        bulk_create_with_history(traits, PrimaryTraitAssessment, batch_size=2000, default_user=actor,
                                 default_change_reason=REASON, default_date=now)
