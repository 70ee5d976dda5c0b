"""Archive test set-up: a small class with real results (built through the services), a private archive folder,
and Celery run in-process (CI configures a broker)."""

import datetime

import pytest

from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year; the small year here is the one after it
SMALL_YEAR = DEMO_YEAR.next
YEAR_NAME = SMALL_YEAR.name
STUDENTS = [
    # code, full name, gender
    ("ARC001", "Nguyễn Thị Ánh Dương", "female"),
    ("ARC002", "Trần Văn Đức", "male"),
    ("ARC003", "Lê Hoàng Yến", "female"),
]
# Toán, 140 periods: four ĐĐGtx. (tx1..tx4, gk, ck) per term; TT22 example E2 for the first student.
TOAN = {
    "ARC001": {1: ["9", "8", "10", "7", "8,5", "9"], 2: ["9", "9", "8", "10", "9,5", "9,5"]},  # 8,7 / 9,3 / 9,1
    "ARC002": {1: ["6", "7", "8", "5", "6", "7"], 2: ["7", "7", "7", "7", "7", "7"]},  # 6,6 / 7,0 / 6,9
    "ARC003": {1: ["5", "5", "5", "5", "5", "5"]},  # 5,0; left in term II
}


@pytest.fixture(autouse=True)
def archive_root(settings, tmp_path):
    """Every test seals into its own folder."""
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    return settings.ARCHIVE_ROOT


@pytest.fixture(autouse=True)
def _eager(eager_celery):
    """Every test here runs its Celery tasks in-process (tests/conftest.py)."""


class SmallSchoolYear:
    """The year after the demo's (SMALL_YEAR, e.g. 2027-2028) in the demo school: grade 6 studies Toán and Giáo dục thể chất; class 6A1 has three students.

    Nguyễn Thị Ánh Dương has every score (TT22 example E2 in Toán); Trần Văn Đức is exempt from
    Giáo dục thể chất for the year; Lê Hoàng Yến transferred out on 16 February (in term II).
    """

    def __init__(self, demo):
        from gradebook.homeroom import services as homeroom_services
        from gradebook.results import services as results_services
        from gradebook.scores.services import CellInput, scores_save
        from schoolrecords import models as sm
        from schoolrecords import services

        system = services.system_user()
        self.demo = demo
        self.year = services.school_year_create(
            actor=system, school=demo.school, name=YEAR_NAME, start_date=DEMO_YEAR.next.on(9, 5),
            end_date=DEMO_YEAR.next.on(5, 31),
            term_dates=((DEMO_YEAR.next.on(9, 5), DEMO_YEAR.next.on(1, 10)),
                        (DEMO_YEAR.next.on(1, 12), DEMO_YEAR.next.on(5, 25))),
        )
        self.term1, self.term2 = sm.Term.objects.filter(year=self.year).order_by("number")
        self.toan, self.gdtc = demo.subject("toan"), demo.subject("gdtc")
        services.grade_subjects_set(actor=system, year=self.year, grade=6,
                                    periods={self.toan.pk: 140, self.gdtc.pk: 70})
        self.homeroom = demo.user("homeroom_6a1")
        self.school_class = services.school_class_save(actor=system, year=self.year, name="6A1", grade=6,
                                                       homeroom_teacher=self.homeroom)
        self.toan_assignment = services.assignment_create(
            actor=system, school_class=self.school_class, subject=self.toan, teacher=demo.user("teacher_math"),
            start_date=self.year.start_date)
        self.gdtc_assignment = services.assignment_create(
            actor=system, school_class=self.school_class, subject=self.gdtc, teacher=demo.user("gv_gdtc"),
            start_date=self.year.start_date)
        self.enrolments = {}
        for code, name, gender in STUDENTS:
            student = services.student_save(actor=system, school=demo.school, code=code, full_name=name,
                                            registration_number=f"{code}/{DEMO_YEAR.first + 1}", gender=gender,
                                            date_of_birth=datetime.date(2014, 3, 1), place_of_birth="Quảng Ninh",
                                            address="Tổ 3, phường Mạo Khê")
            self.enrolments[code] = services.enrolment_create(actor=system, student=student,
                                                              school_class=self.school_class,
                                                              start_date=self.year.start_date)
        leaving = self.enrolments["ARC003"]
        self.enrolments["ARC003"] = services.enrolment_end(
            actor=system, enrolment=leaving, status=sm.Enrolment.Status.TRANSFERRED_OUT,
            end_date=DEMO_YEAR.next.on(2, 16), reason="Chuyển trường theo gia đình")
        principal = demo.user("principal")
        results_services.exemption_create(actor=principal, enrolment=self.enrolments["ARC002"], subject=self.gdtc,
                                          term=None, reason="Giấy khám sức khoẻ", evidence_note="GCN số 12")
        kinds = [("tx", 1), ("tx", 2), ("tx", 3), ("tx", 4), ("gk", 1), ("ck", 1)]
        for number, term in ((1, self.term1), (2, self.term2)):
            cells = [CellInput(self.enrolments[code].pk, kind, index, text)
                     for code, terms in TOAN.items() if number in terms
                     for (kind, index), text in zip(kinds, terms[number], strict=True)]
            result = scores_save(session="test-session", actor=demo.user("teacher_math"), assignment=self.toan_assignment, term=term,
                                 cells=cells)
            assert result.ok, result.problems
            takers = ["ARC001", "ARC003"] if number == 1 else ["ARC001"]
            cells = [CellInput(self.enrolments[code].pk, kind, index, "Đ") for code in takers
                     for kind, index in kinds if (kind, index) != ("tx", 4)]  # 70 periods: three ĐĐGtx
            result = scores_save(session="test-session", actor=demo.user("gv_gdtc"), assignment=self.gdtc_assignment, term=term, cells=cells)
            assert result.ok, result.problems
        entries = [
            homeroom_services.HomeroomEntry(self.enrolments["ARC001"].pk, conduct="tot",
                                           absences={(SMALL_YEAR.first, 10): (2, 1)}, remark="Chăm ngoan, học tốt."),
            homeroom_services.HomeroomEntry(self.enrolments["ARC002"].pk, conduct="kha"),
            homeroom_services.HomeroomEntry(self.enrolments["ARC003"].pk, conduct="kha"),
        ]
        homeroom_services.homeroom_save(actor=self.homeroom, school_class=self.school_class, term=self.term1,
                                       entries=entries)
        self.principal = principal

    def approve_term1(self):
        from gradebook.results import services as results_services

        return results_services.results_approve(actor=self.principal, school_class=self.school_class,
                                                term=self.term1)


@pytest.fixture
def small(demo):
    return SmallSchoolYear(demo)


def pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# The signing tests' fixtures (a session's SoftHSM2 tokens, the demo PKI): tests/archive/signing_support.py.
from .signing_support import pki_ready  # noqa: E402, F401 — signing_dir is the session's (tests/conftest.py)
