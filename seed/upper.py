"""The upper demo: an upper-secondary school (THPT, grades 10-12) beside the demo school, built through the
services, idempotently: the year containing today, classes with different elective combinations, scores.

Every class studies the compulsory subjects plus the four electives of its combination, and the learning
topics (cụm chuyên đề học tập) of three subjects: each is one more regular assessment of its subject.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eledger.services import document_kinds_seed
from gradebook.models import ConductResult, LevelChoice, Score
from gradebook.rules import tt22
from schoolrecords import models as m
from schoolrecords import roles, selectors, services

from . import demo

User = get_user_model()

DEMO_PASSWORD = demo.DEMO_PASSWORD
SCHOOL_CODE = "THPT-DEMO"
REASON = "seed_demo --school upper"

# (code, name, mode, foreign language, department key, periods per year)
COMPULSORY = [
    ("van", "Ngữ văn", "scores", False, "van", 105),
    ("toan", "Toán", "scores", False, "toan", 105),
    ("anh", "Tiếng Anh", "scores", True, "anh", 105),
    ("su", "Lịch sử", "scores", False, "van", 52),
    ("gdtc", "Giáo dục thể chất", "comments", False, "nk", 70),
    ("gdqp", "Giáo dục quốc phòng và an ninh", "scores", False, "nk", 35),
    ("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "comments", False, "nk", 105),
    ("gddp", "Nội dung giáo dục của địa phương", "comments", False, "nk", 35),
]
ELECTIVES = [
    ("li", "Vật lí", "scores", False, "khtn", 70),
    ("hoa", "Hoá học", "scores", False, "khtn", 70),
    ("sinh", "Sinh học", "scores", False, "khtn", 70),
    ("dia", "Địa lí", "scores", False, "van", 70),
    ("gdktpl", "Giáo dục kinh tế và pháp luật", "scores", False, "van", 70),
    ("cn", "Công nghệ", "scores", False, "khtn", 70),
    ("tin", "Tin học", "scores", False, "toan", 70),
    ("amnhac", "Âm nhạc", "comments", False, "nk", 70),
    ("mithuat", "Mĩ thuật", "comments", False, "nk", 70),
]
SUBJECTS = COMPULSORY + ELECTIVES
DEPARTMENTS = {
    "toan": "Tổ Toán - Tin",
    "van": "Tổ Ngữ văn - Lịch sử - Địa lí - GDKT&PL",
    "anh": "Tổ Ngoại ngữ",
    "khtn": "Tổ Vật lí - Hoá học - Sinh học - Công nghệ",
    "nk": "Tổ Thể chất - Quốc phòng - Nghệ thuật",
}


@dataclass(frozen=True)
class Combination:
    """An elective combination (tổ hợp môn lựa chọn): four electives and the subjects of its learning topics."""

    electives: tuple[str, ...]
    topics: tuple[str, ...]


NATURAL = Combination(("li", "hoa", "sinh", "tin"), ("toan", "li", "hoa"))
SOCIAL = Combination(("dia", "gdktpl", "cn", "mithuat"), ("van", "su", "dia"))
SOCIAL_ARTS = Combination(("dia", "gdktpl", "tin", "amnhac"), ("van", "su", "dia"))
# The grade's own list (what a class without its own set studies): the compulsory subjects and the
# natural-sciences electives without learning topics.
GRADE_DEFAULT = Combination(("li", "hoa", "sinh", "tin"), ())
CLASSES = [
    ("10A1", 10, NATURAL), ("10A2", 10, SOCIAL),
    ("11A1", 11, NATURAL), ("11A2", 11, SOCIAL_ARTS),
    ("12A1", 12, NATURAL), ("12A2", 12, SOCIAL),
]
STUDENTS_PER_CLASS = 30

LEADERS = [
    demo.Person("pt_principal", "Trịnh Quang Vinh", "Hiệu trưởng", None, (roles.PRINCIPAL,)),
    demo.Person("pt_vice", "Đoàn Thị Thu Trang", "Phó hiệu trưởng", None, (roles.VICE_PRINCIPAL,)),
    demo.Person("pt_board", "Lương Văn Tâm", "Ban quản trị hệ thống", None, (roles.ADMIN_BOARD,)),
    demo.Person("pt_clerk", "Đinh Thị Hồng", "Văn thư - Giáo vụ", None, (roles.CLERK,)),
]
# Teachers: login, name, department, and what they teach as {subject code: class names} ("*": every class).
TEACHERS = [
    ("pt_teacher_math", "Nguyễn Thị Thanh Hoa", "toan", {"toan": ("10A1", "10A2")}),
    ("pt_gv_toan2", "Phạm Văn Đông", "toan", {"toan": ("11A1", "11A2", "12A1", "12A2")}),
    ("pt_homeroom_10a1", "Lê Thị Ngọc Ánh", "van", {"van": ("10A1", "10A2", "11A1")}),
    ("pt_gv_van2", "Vũ Thị Bích", "van", {"van": ("11A2", "12A1", "12A2")}),
    ("pt_gv_anh", "Hoàng Minh Châu", "anh", {"anh": "*"}),
    ("pt_gv_su", "Bùi Văn Hải", "van", {"su": "*"}),
    ("pt_gv_dia", "Trần Thị Lệ", "van", {"dia": "*", "gddp": "*"}),
    ("pt_gv_gdktpl", "Ngô Văn Bình", "van", {"gdktpl": "*"}),
    ("pt_gv_li", "Đặng Quốc Huy", "khtn", {"li": "*"}),
    ("pt_gv_hoa", "Phan Thị Mỹ", "khtn", {"hoa": "*"}),
    ("pt_gv_sinh", "Võ Văn Lực", "khtn", {"sinh": "*", "cn": "*"}),
    ("pt_gv_tin", "Hồ Thị Thu", "toan", {"tin": "*"}),
    ("pt_gv_gdtc", "Cao Minh Khôi", "nk", {"gdtc": "*", "gdqp": "*"}),
    ("pt_gv_nghethuat", "Mai Thu Hương", "nk", {"amnhac": "*", "mithuat": "*"}),
]
DEPARTMENT_HEADS = {"toan": "pt_gv_toan2", "van": "pt_gv_van2", "anh": "pt_gv_anh", "khtn": "pt_gv_li",
                    "nk": "pt_gv_gdtc"}
# Homeroom teachers, class by class; each teaches its class's Hoạt động trải nghiệm, hướng nghiệp.
HOMEROOMS = {"10A1": "pt_homeroom_10a1", "10A2": "pt_teacher_math", "11A1": "pt_gv_li", "11A2": "pt_gv_dia",
             "12A1": "pt_gv_hoa", "12A2": "pt_gv_su"}

LOGINS = [
    ("pt_principal", "Hiệu trưởng"), ("pt_board", "Ban quản trị"), ("pt_clerk", "Văn thư"),
    ("pt_teacher_math", "Giáo viên Toán 10A1, 10A2"), ("pt_homeroom_10a1", "Giáo viên chủ nhiệm 10A1"),
]


def studied_periods(combination: Combination) -> dict[str, int]:
    """{subject code: periods per year} of a class of this combination."""
    periods = {code: count for code, *_rest, count in COMPULSORY}
    return periods | {code: count for code, *_rest, count in ELECTIVES if code in combination.electives}


@transaction.atomic
def build_upper_school(*, students_per_class: int = STUDENTS_PER_CLASS, today: datetime.date | None = None) -> dict:
    """Create whatever of the upper demo is missing; running it again changes nothing."""
    today = today or timezone.localdate()
    actor = services.system_user()
    school, _ = m.School.objects.get_or_create(
        code=SCHOOL_CODE,
        defaults={"name": "Trường THPT Hoàng Quốc Việt", "province": "Quảng Ninh", "district": "Thị xã Đông Triều",
                  "commune": "Phường Đông Triều", "address": "Phường Kim Sơn, thị xã Đông Triều, tỉnh Quảng Ninh",
                  "level": m.School.Level.UPPER_SECONDARY},
    )
    calendar = demo.demo_year(today)  # the one rule of all the demo schools (seed.calendar)
    year = m.SchoolYear.objects.filter(school=school, name=calendar.name).first() or services.school_year_create(
        actor=actor, school=school, name=calendar.name, start_date=calendar.start_date, end_date=calendar.end_date,
        term_dates=calendar.term_dates, make_current=True, reason=REASON,
    )
    departments = {
        key: m.Department.objects.filter(school=school, name=title).first()
        or services.department_save(actor=actor, school=school, name=title, reason=REASON)
        for key, title in DEPARTMENTS.items()
    }
    subjects = {}
    for order, (code, title, mode, foreign, dept, _periods) in enumerate(SUBJECTS, start=1):
        subjects[code] = m.Subject.objects.filter(school=school, code=code).first() or services.subject_save(
            actor=actor, school=school, reason=REASON, code=code, name=title, assessment_mode=mode,
            is_foreign_language=foreign, department=departments[dept], order=order,
        )
    grade_default = {subjects[code].pk: count for code, count in studied_periods(GRADE_DEFAULT).items()}
    for grade in (10, 11, 12):
        if not m.GradeSubject.objects.filter(year=year, grade=grade).exists():
            services.grade_subjects_set(actor=actor, year=year, grade=grade, periods=grade_default, reason=REASON)

    users = {person.username: demo._staff(actor, school, person, departments, REASON) for person in LEADERS}
    for username, full_name, dept, _teaches in TEACHERS:
        users[username] = demo._staff(
            actor, school, demo.Person(username, full_name, "Giáo viên", dept, (roles.SUBJECT_TEACHER,)),
            departments, REASON)
    for dept, username in DEPARTMENT_HEADS.items():
        services.department_set_head(actor=actor, department=departments[dept], head=users[username], reason=REASON)

    classes = {}
    for class_name, grade, combination in CLASSES:
        school_class = m.SchoolClass.objects.filter(year=year, name=class_name).first() or services.school_class_save(
            actor=actor, year=year, name=class_name, grade=grade, homeroom_teacher=users[HOMEROOMS[class_name]],
            reason=REASON)
        classes[class_name] = school_class
        if not m.ClassSubject.objects.filter(school_class=school_class).exists():
            wanted = studied_periods(combination)
            services.class_subjects_set(
                actor=actor, school_class=school_class, reason=REASON,
                periods={subject.pk: wanted.get(code) for code, subject in subjects.items()},
                topics={subjects[code].pk for code in combination.topics})
    for school_class in classes.values():
        studied = {each.subject.pk for each in selectors.class_subjects(school_class)}
        for username, _full, _dept, teaches in TEACHERS:
            for code, class_names in teaches.items():
                if (class_names == "*" or school_class.name in class_names) and subjects[code].pk in studied:
                    services.assignment_create(actor=actor, school_class=school_class, subject=subjects[code],
                                               teacher=users[username], start_date=year.start_date, reason=REASON)
        services.assignment_create(actor=actor, school_class=school_class, subject=subjects["hdtn"],
                                   teacher=school_class.homeroom_teacher, start_date=year.start_date, reason=REASON)
    _students(actor, school, year, classes, students_per_class)
    _scores(actor, year, today)
    document_kinds_seed(actor=actor, school=school, reason=REASON)
    return {"school": school, "year": year, "users": users, "classes": classes}


def _students(actor, school, year, classes, per_class: int) -> None:
    existing = set(m.Student.objects.filter(school=school).values_list("code", flat=True))
    first_year = year.start_date.year
    for name, school_class in classes.items():
        rng = random.Random(f"{SCHOOL_CODE}-{name}")
        for number in range(1, per_class + 1):
            code = f"PT{name}{number:03d}"
            female = rng.random() < 0.5
            family = rng.choice(demo.FAMILY)
            fields = {
                "code": code,
                "registration_number": f"{name}{number:03d}/{first_year - (school_class.grade - 10)}",
                "full_name": f"{family} {rng.choice(demo.MIDDLE_FEMALE if female else demo.MIDDLE_MALE)} "
                             f"{rng.choice(demo.GIVEN_FEMALE if female else demo.GIVEN_MALE)}",
                "date_of_birth": datetime.date(first_year - school_class.grade - 5, rng.randint(1, 12),
                                               rng.randint(1, 28)),
                "gender": m.Student.Gender.FEMALE if female else m.Student.Gender.MALE,
                "ethnicity": rng.choice(demo.ETHNICITIES),
                "place_of_birth": rng.choice(demo.PLACES),
                "address": f"Tổ {rng.randint(1, 12)}, {rng.choice(demo.WARDS)}, Đông Triều, Quảng Ninh",
                "father_name": f"{family} Văn {rng.choice(demo.GIVEN_MALE)}",
                "father_phone": f"09{rng.randint(10000000, 99999999)}",
                "mother_name": f"{rng.choice(demo.FAMILY)} Thị {rng.choice(demo.GIVEN_FEMALE)}",
                "mother_phone": f"03{rng.randint(10000000, 99999999)}",
            }
            if code in existing:
                continue
            student = services.student_save(actor=actor, school=school, reason=REASON, **fields)
            services.enrolment_create(actor=actor, student=student, school_class=school_class,
                                      start_date=year.start_date, reason=REASON)


def _column_days(term: m.Term, regular: int) -> list[tuple[str, int, datetime.date]]:
    """The term's columns and the day each is assessed: the regular ones spread over the term, the
    mid-term test halfway, the end-of-term test a week before the term ends."""
    length = (term.end_date - term.start_date).days
    days = [("tx", index, term.start_date + datetime.timedelta(days=length * index // (regular + 2)))
            for index in range(1, regular + 1)]
    return days + [("gk", 1, term.start_date + datetime.timedelta(days=length // 2)),
                   ("ck", 1, term.end_date - datetime.timedelta(days=7))]


def _scores(actor, year: m.SchoolYear, today: datetime.date) -> None:
    """Every column already assessed by ``today`` gets its scores (Đ / CĐ for comment subjects), and a term
    that is over gets its conduct results; what exists is kept, so a second run adds nothing."""
    terms = list(m.Term.objects.filter(year=year).order_by("number"))
    classes = list(m.SchoolClass.objects.filter(year=year).order_by("grade", "name"))
    studied = selectors.subjects_of_classes(classes)
    teacher_of = {(a.school_class_id, a.subject_id): a.teacher_id for a in m.TeachingAssignment.objects.filter(
        year=year, end_date__isnull=True, state=m.TeachingAssignment.State.CONFIRMED)}
    enrolments: dict[int, list[m.Enrolment]] = {}
    for enrolment in m.Enrolment.objects.filter(school_class__year=year).select_related("student").order_by("pk"):
        enrolments.setdefault(enrolment.school_class_id, []).append(enrolment)
    held = set(Score.objects.filter(term__year=year).values_list("enrolment_id", "subject_id", "term_id", "kind",
                                                                  "index"))
    rng = random.Random(f"{SCHOOL_CODE}-{year.name}-scores")
    pending: list[Score] = []
    for school_class in classes:
        for each in studied[school_class.pk]:
            subject, teacher = each.subject, teacher_of.get((school_class.pk, each.subject.pk))
            if teacher is None:
                continue
            regular = tt22.regular_assessment_count(each.periods_per_year, learning_topics=each.learning_topics)
            for term in terms:
                for kind, index, day in _column_days(term, regular):
                    if day > today:
                        continue
                    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
                    for enrolment in enrolments.get(school_class.pk, []):
                        if (enrolment.pk, subject.pk, term.pk, kind, index) in held:
                            continue
                        ability = random.Random(enrolment.student.code).uniform(5.5, 9.3)
                        if subject.is_commented:
                            value, passed = None, rng.random() < 0.97
                        else:
                            value = Decimal(max(0, min(20, round(rng.gauss(ability, 1.2) * 2)))) / 2
                            passed = None
                        score = Score(enrolment=enrolment, subject=subject, term=term, kind=kind, index=index,
                                      value=value, comment_passed=passed, entered_at=moment, updated_at=moment,
                                      updated_by_id=teacher)
                        score._history_date = moment
                        pending.append(score)
    bulk_create_with_history(pending, Score, batch_size=500, default_user=actor, default_change_reason=REASON)

    conduct = []
    levels = [LevelChoice.TOT] * 6 + [LevelChoice.KHA] * 3 + [LevelChoice.DAT]
    done = set(ConductResult.objects.filter(term__year=year).values_list("enrolment_id", "term_id"))
    for term in terms:
        if term.end_date > today:
            continue
        moment = timezone.make_aware(datetime.datetime.combine(term.end_date, datetime.time(16)))
        for school_class in classes:
            for enrolment in enrolments.get(school_class.pk, []):
                if (enrolment.pk, term.pk) not in done:
                    conduct.append(ConductResult(enrolment=enrolment, term=term, level=rng.choice(levels),
                                                 updated_at=moment, updated_by_id=school_class.homeroom_teacher_id))
    bulk_create_with_history(conduct, ConductResult, batch_size=500, default_user=actor,
                             default_change_reason=REASON)
