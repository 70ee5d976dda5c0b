"""The demo school: a lower-secondary school for 2025-2026, built through the services, idempotently."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from eledger.services import document_kinds_seed
from schoolrecords import models as m
from schoolrecords import roles, services

User = get_user_model()

DEMO_PASSWORD = "demo-2026"
SCHOOL_CODE = "THCS-DEMO"
YEAR_NAME = "2025-2026"

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


@dataclass(frozen=True)
class DemoSize:
    classes_per_grade: int = 2
    students_per_class: int = 40
    grades: tuple[int, ...] = (6, 7, 8, 9)


def class_names(size: DemoSize) -> list[tuple[str, int]]:
    return [(f"{grade}A{index}", grade) for grade in size.grades for index in range(1, size.classes_per_grade + 1)]


@transaction.atomic
def build_demo_school(size: DemoSize = DemoSize()) -> dict:
    """Create whatever of the demo school is missing; running it again changes nothing."""
    actor = services.system_user()
    reason = "seed_demo"
    school, _ = m.School.objects.get_or_create(
        code=SCHOOL_CODE,
        defaults={"name": "Trường THCS Nguyễn Du", "province": "Quảng Ninh", "district": "Thị xã Đông Triều",
                  "commune": "Phường Mạo Khê",
                  "address": "Phường Mạo Khê, thị xã Đông Triều, tỉnh Quảng Ninh"},
    )
    year = m.SchoolYear.objects.filter(school=school, name=YEAR_NAME).first() or services.school_year_create(
        actor=actor, school=school, name=YEAR_NAME,
        start_date=datetime.date(2025, 9, 5), end_date=datetime.date(2026, 5, 31),
        term_dates=((datetime.date(2025, 9, 5), datetime.date(2026, 1, 10)),
                    (datetime.date(2026, 1, 12), datetime.date(2026, 5, 25))),
        make_current=True, reason=reason,
    )
    departments = {
        key: m.Department.objects.filter(school=school, name=name).first()
        or services.department_save(actor=actor, school=school, name=name, reason=reason)
        for key, name in DEPARTMENTS.items()
    }
    subjects = {}
    for order, (code, name, mode, foreign, dept, _periods) in enumerate(SUBJECTS, start=1):
        subjects[code] = m.Subject.objects.filter(school=school, code=code).first() or services.subject_save(
            actor=actor, school=school, reason=reason, code=code, name=name, assessment_mode=mode,
            is_foreign_language=foreign, department=departments[dept], order=order,
        )
    for grade in size.grades:
        wanted = {subjects[code].pk: periods[min(grade, 9) - 6] for code, *_rest, periods in SUBJECTS}
        services.grade_subjects_set(actor=actor, year=year, grade=grade, periods=wanted, reason=reason)

    users = {}
    for person in LEADERS:
        users[person.username] = _staff(actor, school, person, departments, reason)
    for username, full_name, dept, _teaches in TEACHERS:
        users[username] = _staff(
            actor, school, Person(username, full_name, "Giáo viên", dept, (roles.SUBJECT_TEACHER,)), departments, reason
        )
    for dept, username in DEPARTMENT_HEADS.items():
        services.department_set_head(actor=actor, department=departments[dept], head=users[username], reason=reason)

    classes = {}
    for index, (name, grade) in enumerate(class_names(size)):
        homeroom = users[HOMEROOM_ORDER[index % len(HOMEROOM_ORDER)]]
        existing = m.SchoolClass.objects.filter(year=year, name=name).first()
        classes[name] = existing or services.school_class_save(
            actor=actor, year=year, name=name, grade=grade, homeroom_teacher=homeroom, reason=reason
        )
    for school_class in classes.values():
        for username, _full, _dept, teaches in TEACHERS:
            for code, grades in teaches.items():
                if school_class.grade in grades:
                    services.assignment_create(actor=actor, school_class=school_class, subject=subjects[code],
                                               teacher=users[username], start_date=year.start_date, reason=reason)
        if school_class.homeroom_teacher is not None:
            services.assignment_create(actor=actor, school_class=school_class, subject=subjects["hdtn"],
                                       teacher=school_class.homeroom_teacher, start_date=year.start_date,
                                       reason=reason)
    _students(actor, school, year, classes, size, reason)
    document_kinds_seed(actor=actor, school=school, reason=reason)
    return {"school": school, "year": year, "users": users, "classes": classes}


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


def _students(actor, school, year, classes, size: DemoSize, reason) -> None:
    existing = set(m.Student.objects.filter(school=school).values_list("code", flat=True))
    for name, school_class in classes.items():
        rng = random.Random(f"{SCHOOL_CODE}-{name}")
        birth_year = 2025 - school_class.grade - 6
        for number in range(1, size.students_per_class + 1):
            code = f"HS{name}{number:03d}"
            female = rng.random() < 0.5
            family = rng.choice(FAMILY)
            middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
            given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
            parent_family = rng.choice(FAMILY)
            fields = {
                "code": code,
                "registration_number": f"{name}{number:03d}/{2025 - (school_class.grade - 6)}",
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
            student = services.student_save(actor=actor, school=school, reason=reason, **fields)
            enrolment = services.enrolment_create(actor=actor, student=student, school_class=school_class,
                                                  start_date=year.start_date, reason=reason)
            # One student per grade-6 class moved away in term II, so lists show a transfer.
            if school_class.grade == 6 and number == size.students_per_class:
                services.enrolment_end(actor=actor, enrolment=enrolment,
                                       status=m.Enrolment.Status.TRANSFERRED_OUT,
                                       end_date=datetime.date(2026, 2, 16),
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
