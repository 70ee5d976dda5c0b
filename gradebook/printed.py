"""What each printed form shows, as plain values: the class ledger, report card, summary table, parent slip.

The archive renders these (through gradebook.api) into its sealed PDFs.

The builders read a class once (gradebook.results.load_class: a fixed number of queries) and
turn it into dataclasses of strings and numbers, formatted as the forms print them (Vietnamese
dates and decimal comma: call them under the Vietnamese language, as archive.rendering does).
Templates only lay these values out; the archive hashes the same values, so two prints of the
same data have the same hash, whatever their print date. No permission is checked here: the
archive's services do that before a batch starts.
"""

import calendar
import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gradebook.awards.selectors import awards_by_enrolment
from gradebook.corrections.selectors import Correction, approved_corrections
from gradebook.homeroom.selectors import daily_marks
from gradebook.models import Score, StudentAward, column_label, format_average, format_comment, format_result
from gradebook.results.compute import (
    YEAR,
    ClassData,
    ClassResults,
    load_class,
    outcome_label,
    staff_name,
    term_results,
    year_results,
)
from gradebook.rules.slots import in_class_at_end, studies_during
from gradebook.rules.tt22 import Outcome, PlanMode, plan_assesses_by_comments
from schoolrecords import models as sm

# --- shared pieces ---------------------------------------------------------------------------------


def _date(value) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


@dataclass(frozen=True)
class SchoolHeader:
    name: str
    province: str
    district: str
    address: str
    level: str
    year: str
    commune: str = ""  # xã/phường/đặc khu (the 2025 two-level local government)
    registration_suffix: str = ""  # the school's part of a registration number: "THCS" in "125/THCS"
    level_code: str = ""  # School.Level value


def school_header(school: sm.School, year: sm.SchoolYear) -> SchoolHeader:
    return SchoolHeader(name=school.name, province=school.province, district=school.district, address=school.address,
                        level=str(school.get_level_display()), year=year.name, commune=school.commune,
                        registration_suffix=school.registration_suffix or REGISTRATION_SUFFIX.get(school.level, ""),
                        level_code=school.level)


def _phone(name: str, phone: str) -> str:
    return f"{name} ({phone})" if name and phone else name or phone


def _parent(name: str, occupation: str, phone: str) -> str:
    """A parent on the học bạ: the name, their occupation, their phone ("Nguyễn Văn A, nông dân (09…)")."""
    return _phone(f"{name}, {occupation}" if name and occupation else name, phone)


def enrolment_change(enrolment: sm.Enrolment, year: sm.SchoolYear,
                     within: tuple[datetime.date, datetime.date] | None = None) -> str:
    """The changes of a student during the year, as the ledger's student records note them.

    ``within`` (first, last day): only the changes of those days, as a month's attendance page notes them.
    """
    def shown(day) -> bool:
        return within is None or within[0] <= day <= within[1]

    parts = []
    if enrolment.start_date > year.start_date and shown(enrolment.start_date):
        parts.append(_("Joined the class on %(date)s") % {"date": _date(enrolment.start_date)})
    if enrolment.end_date and shown(enrolment.end_date):
        parts.append(_("%(status)s on %(date)s") % {"status": enrolment.get_status_display(),
                                                     "date": _date(enrolment.end_date)})
    if enrolment.note and (parts or within is None):  # a month's page: the note beside the change it explains
        parts.append(enrolment.note)
    return "; ".join(parts)


@dataclass(frozen=True)
class StudentRecord:
    number: int
    enrolment_id: int
    full_name: str
    code: str
    registration_number: str
    date_of_birth: str
    gender: str
    ethnicity: str
    place_of_birth: str
    address: str
    father: str  # "name, occupation (phone)"
    mother: str
    guardian: str
    change: str
    left: bool
    priority_group: str = ""  # đối tượng
    parent_email: str = ""


def student_record(number: int, enrolment: sm.Enrolment, year: sm.SchoolYear) -> StudentRecord:
    student = enrolment.student
    return StudentRecord(
        number=number, enrolment_id=enrolment.pk, full_name=student.full_name, code=student.code,
        registration_number=student.registration_number, date_of_birth=_date(student.date_of_birth),
        gender=str(student.get_gender_display()), ethnicity=student.ethnicity, place_of_birth=student.place_of_birth,
        address=student.address, father=_parent(student.father_name, student.father_occupation, student.father_phone),
        mother=_parent(student.mother_name, student.mother_occupation, student.mother_phone),
        guardian=_parent(student.guardian_name, student.guardian_occupation, student.guardian_phone),
        change=enrolment_change(enrolment, year), left=not enrolment.is_active,
        priority_group=student.priority_group, parent_email=student.parent_email,
    )


def _period_label(number: int) -> str:
    return {1: _("Term I"), 2: _("Term II"), YEAR: _("Whole year")}[number]


# --- summary rows (ledger summaries, the summary table) --------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    number: int
    full_name: str
    values: list[str]  # one per subject: ĐTBmhk / ĐTBmcn, Đ / CĐ, or "Miễn"
    learning: str
    conduct: str
    excused: int
    unexcused: int
    note: str
    due: bool  # in the class at the end of the period: counted in the totals
    # the year only
    learning_before: str = ""
    conduct_terms: str = ""
    retests: str = ""
    learning_after: str = ""
    summer_conduct: str = ""
    outcome: str = ""
    programme: str = ""  # grade 12: completes the upper-secondary programme or not
    exam: str = ""  # grade 12: eligible for the graduation exam or not
    outcome_after: str = ""
    title: str = ""
    # The outcomes' codes (gradebook.rules.tt22.Outcome values): a printed form may word them its own way.
    outcome_code: str = ""
    outcome_after_code: str = ""


@dataclass(frozen=True)
class SummaryPart:
    number: int  # 1, 2 or YEAR (0)
    label: str
    subjects: list[str]
    rows: list[SummaryRow]
    totals: dict[str, list[tuple[str, int]]]
    approval: str
    final_grade: bool = False
    # The totals' outcome labels → their codes (gradebook.rules.tt22.Outcome values): the printed form words them.
    codes: dict[str, str] = dataclasses.field(default_factory=dict)  # grade 12: the year's classification shows the programme and the exam

    @property
    def is_year(self) -> bool:
        return self.number == YEAR


def _approval_text(data: ClassData, number: int) -> str:
    approval = data.approvals.get(number)
    if approval is None:
        return ""
    return _("Approved by %(name)s on %(date)s") % {"name": staff_name(approval.approved_by),
                                                     "date": _date(approval.approved_at.date())}


def summary_part(data: ClassData, results: ClassResults) -> SummaryPart:
    rows = []
    for row in results.rows:
        notes = [enrolment_change(row.enrolment, data.year)] if not row.required else []
        year = {}
        if results.is_year:
            year = {
                "learning_before": row.learning_before_label if row.adjusted else "",
                "conduct_terms": row.conduct_terms_label,
                "retests": ", ".join(f"{result.info.subject.name}: {result.retest_display or '…'}"
                                     for result in row.retest_subjects),
                "learning_after": row.learning_after_retest_label,
                "summer_conduct": row.summer_conduct_label,
                "outcome": row.outcome_label,
                "outcome_after": row.outcome_after_label,
                "outcome_code": row.outcome.value if row.outcome else "",
                "outcome_after_code": row.outcome_after.value if row.outcome_after else "",
                "title": row.title_label,
                "programme": row.completes_programme_label,
                "exam": row.exam_eligible_label,
            }
        rows.append(SummaryRow(
            number=row.number, full_name=row.enrolment.student.full_name,
            values=[result.display for result in row.subjects], learning=row.learning_label,
            conduct=row.conduct_label, excused=row.excused, unexcused=row.unexcused,
            note="; ".join(note for note in notes if note), due=row.required, **year,
        ))
    return SummaryPart(
        number=results.term_number, label=_period_label(results.term_number),
        subjects=[info.subject.name for info in data.subjects], rows=rows,
        totals={key: [(label, count) for label, count in values] for key, values in results.totals.items()},
        codes={outcome_label(value): value.value for value in Outcome},
        approval=_approval_text(data, results.term_number), final_grade=results.is_final_grade,
    )


# --- the class ledger ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCell:
    text: str
    correction: int | None = None  # the number of the approved correction that set this value
    old: str = ""  # the value before that correction


@dataclass(frozen=True)
class SubjectRow:
    number: int
    full_name: str
    cells: list[ScoreCell]
    term: str  # ĐTBmhk (or Đ/CĐ), "Miễn" when exempt
    term1: str = ""  # term II tables: term I's, from which the year is computed
    year: str = ""  # term II tables: ĐTBmcn
    retest: str = ""
    note: str = ""


@dataclass(frozen=True)
class SubjectTable:
    subject: str
    teacher: str
    is_commented: bool
    headings: list[str]  # the assessment columns: ĐĐGtx1 … ĐĐGgk, ĐĐGck (the result columns: archive/wording/ledger.py)
    rows: list[SubjectRow]


DAY_WIDTH_MM = 5  # one day column of the attendance grid (static/archive/pdf/forms.css)


@dataclass(frozen=True)
class AttendanceRow:
    number: int
    full_name: str
    excused: int | None
    unexcused: int | None
    note: str
    # A month kept by day: each absence as (left margin from the previous one, "P" or "K"), in day order.
    marks: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AttendanceMonth:
    label: str
    days: int
    rows: list[AttendanceRow]
    by_day: bool = False  # the daily roll-call was kept this month: the grid shows each day's P and K
    year: int = 0
    month: int = 0

    @property
    def day_numbers(self) -> range:
        return range(1, self.days + 1)

    @property
    def weekdays(self) -> list[int]:
        """Each day's weekday as Vietnamese numbers them: 2 (Monday) … 7 (Saturday), 8 for Sunday (CN)."""
        if not self.year:
            return []
        return [datetime.date(self.year, self.month, day).isoweekday() + 1 for day in self.day_numbers]

    @property
    def grid_width(self) -> str:
        # One 5 mm column per day, drawn as a background (static/archive/pdf/forms.css): 31 empty
        # cells per row would cost a third of the ledger's rendering time.
        return f"{self.days * 5}mm"


@dataclass(frozen=True)
class TermPart:
    number: int
    label: str
    subjects: list[SubjectTable]
    summary: SummaryPart


@dataclass(frozen=True)
class CorrectionLine:
    number: int
    student: str
    subject: str
    term: str
    column: str
    old_value: str
    new_value: str
    reason: str
    requested_by: str
    approved_by: str
    approved_on: str


@dataclass(frozen=True)
class LedgerData:
    school: SchoolHeader
    class_name: str
    grade: int
    term_number: int
    homeroom_teacher: str
    size: int
    girls: int
    subject_teachers: list[tuple[str, str]]
    students: list[StudentRecord]
    attendance: list[AttendanceMonth]
    terms: list[TermPart]
    year: SummaryPart | None
    corrections: list[CorrectionLine]


def _slot_headings(count: int) -> list[str]:
    return [column_label(Score.Kind.REGULAR, index) for index in range(1, count + 1)] + [
        column_label(Score.Kind.MIDTERM), column_label(Score.Kind.FINAL)]


def _corrections_by_cell(corrections: list[Correction]) -> dict[tuple, Correction]:
    return {correction.cell: correction for correction in corrections}


def subject_tables(data: ClassData, number: int, term: ClassResults, year: ClassResults | None,
                   term1: ClassResults | None, corrections: dict[tuple, Correction]) -> list[SubjectTable]:
    """The per-subject tables of one term: every column, the averages, exemptions and corrections marked."""
    term1_rows = {row.enrolment.pk: row for row in term1.rows} if term1 else {}
    year_rows = {row.enrolment.pk: row for row in year.rows} if year else {}
    tables = []
    for position, info in enumerate(data.subjects):
        subject_id = info.subject.pk
        present = max((index for row in term.rows
                       for (kind, index) in data.slots.get((number, row.enrolment.pk, subject_id), {})
                       if kind == Score.Kind.REGULAR), default=0)
        regular = max(info.regular_required, present)
        slots = [(Score.Kind.REGULAR, index) for index in range(1, regular + 1)] + [
            (Score.Kind.MIDTERM, 1), (Score.Kind.FINAL, 1)]
        rows = []
        for row in term.rows:
            enrolment_id = row.enrolment.pk
            held = data.slots.get((number, enrolment_id, subject_id), {})
            cells = []
            for kind, index in slots:
                slot = held.get((kind, index))
                text = format_result(slot.value, slot.comment_passed) if slot else ""
                correction = corrections.get((number, enrolment_id, subject_id, kind, index))
                cells.append(ScoreCell(text=text, correction=correction.number if correction else None,
                                       old=correction.old_value if correction else ""))
            result = row.subjects[position]
            notes = []
            if result.exempt:
                notes.extend(exemption.reason for exemption in data.exemptions.get((enrolment_id, subject_id), ()))
            if not row.required:
                notes.append(enrolment_change(row.enrolment, data.year))
            year = {}
            if number == 2:
                first = term1_rows.get(enrolment_id)
                year["term1"] = first.subjects[position].display if first else ""
                whole = year_rows.get(enrolment_id)
                if whole is not None:
                    year["year"] = whole.subjects[position].display
                    year["retest"] = whole.subjects[position].retest_display
            rows.append(SubjectRow(number=row.number, full_name=row.enrolment.student.full_name, cells=cells,
                                   term=result.display, note="; ".join(note for note in notes if note), **year))
        tables.append(SubjectTable(subject=info.subject.name, teacher=data.teachers.get(subject_id, ""),
                                   is_commented=info.is_commented, headings=_slot_headings(regular), rows=rows))
    # The form's order: the subjects assessed by comments first, then those assessed by scores.
    return sorted(tables, key=lambda table: not table.is_commented)


def _day_marks(marks: dict[int, str]) -> tuple[tuple[str, str], ...]:
    placed, after = [], 0  # ``after``: the day whose column the previous mark ended on
    for day in sorted(marks):
        placed.append((f"{(day - 1 - after) * DAY_WIDTH_MM}mm", marks[day]))
        after = day
    return tuple(placed)


def attendance_months(data: ClassData, numbers: tuple[int, ...],
                      daily: dict | None = None) -> list[AttendanceMonth]:
    """The monthly roll-call pages: each month's P and K, and each day's where the daily roll-call was kept
    (``daily``: gradebook.homeroom.selectors.daily_marks); otherwise the days are ticked on paper."""
    daily = daily or {}
    months = []
    for number in numbers:
        for month in data.months.get(number, []):
            by_day = daily.get(month)
            days = calendar.monthrange(*month)[1]
            start, end = datetime.date(month[0], month[1], 1), datetime.date(month[0], month[1], days)
            rows = []
            for position, enrolment in enumerate(data.enrolments, start=1):
                if enrolment.start_date > end or (enrolment.end_date and enrolment.end_date < start):
                    continue
                counts = data.absences.get(enrolment.pk, {}).get(month)
                # Only this month's change: a student who left in February has no note in September, even
                # when the year (and so their enrolment) began after the 1st.
                note = enrolment_change(enrolment, data.year, within=(start, end))
                rows.append(AttendanceRow(number=position, full_name=enrolment.student.full_name,
                                          excused=counts[0] if counts else None,
                                          unexcused=counts[1] if counts else None, note=note,
                                          marks=_day_marks(by_day.get(enrolment.pk, {})) if by_day else ()))
            label = _("Month %(month)s/%(year)s") % {"month": month[1], "year": month[0]}
            months.append(AttendanceMonth(label=label, days=days, rows=rows, by_day=by_day is not None,
                                          year=month[0], month=month[1]))
    return months


def correction_lines(corrections: list[Correction]) -> list[CorrectionLine]:
    return [
        CorrectionLine(number=c.number, student=c.student_name, subject=c.subject_name, term=_period_label(c.term_number),
                       column=c.column_label, old_value=c.old_value, new_value=c.new_value, reason=c.reason,
                       requested_by=c.requested_by, approved_by=c.approved_by, approved_on=_date(c.approved_on))
        for c in corrections
    ]


def ledger(school_class: sm.SchoolClass, term_number: int, *, data: ClassData | None = None,
           corrections: list[Correction] | None = None) -> LedgerData:
    """The class ledger as printed at the end of term ``term_number`` (term II: the whole year's book).

    ``corrections`` defaults to the approved corrections (gradebook.corrections.selectors); tests pass their own.
    """
    data = data or load_class(school_class)
    numbers = (1,) if term_number == 1 else (1, 2)
    if corrections is None:
        corrections = approved_corrections(school_class, numbers)
    by_cell = _corrections_by_cell(corrections)
    results = {number: term_results(data, number) for number in numbers if number in data.terms}
    whole = year_results(data) if term_number == 2 else None
    terms = []
    for number, term in results.items():
        terms.append(TermPart(
            number=number, label=_period_label(number),
            subjects=subject_tables(data, number, term, whole if number == 2 else None,
                                    results.get(1) if number == 2 else None, by_cell),
            summary=summary_part(data, term),
        ))
    students = [
        student_record(position, enrolment, data.year)
        for position, enrolment in enumerate(data.enrolments, start=1)
        if any(studies_during(enrolment, data.terms[number]) for number in numbers if number in data.terms)
    ]
    return LedgerData(
        school=school_header(data.year.school, data.year), class_name=school_class.name, grade=school_class.grade,
        term_number=term_number, homeroom_teacher=staff_name(school_class.homeroom_teacher),
        size=sum(1 for record in students if not record.left),
        girls=sum(1 for enrolment in data.enrolments
                  if enrolment.is_active and enrolment.student.gender == sm.Student.Gender.FEMALE),
        subject_teachers=[(info.subject.name, data.teachers.get(info.subject.pk, "")) for info in data.subjects],
        students=students, terms=terms,
        attendance=attendance_months(data, numbers, daily_marks(school_class, [
            month for number in numbers for month in data.months.get(number, [])])),
        year=summary_part(data, whole) if whole else None, corrections=correction_lines(corrections),
    )


# --- the class summary table ---------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryData:
    school: SchoolHeader
    class_name: str
    homeroom_teacher: str
    term_number: int
    parts: list[SummaryPart]


def summary(school_class: sm.SchoolClass, term_number: int, *, data: ClassData | None = None) -> SummaryData:
    """The class summary table (Bảng tổng hợp): the term's results; at term II the year's as well."""
    data = data or load_class(school_class)
    parts = [summary_part(data, term_results(data, term_number))]
    if term_number == 2:
        parts.append(summary_part(data, year_results(data)))
    return SummaryData(school=school_header(data.year.school, data.year), class_name=school_class.name,
                       homeroom_teacher=staff_name(school_class.homeroom_teacher), term_number=term_number,
                       parts=parts)


# --- the report card (học bạ) --------------------------------------------------------------------

# The số đăng bộ's part the form prints after the blank ("Số đăng bộ PCGD ……/THCS") when the school set none.
REGISTRATION_SUFFIX = {
    sm.School.Level.PRIMARY: "TH",
    sm.School.Level.LOWER_SECONDARY: "THCS",
    sm.School.Level.UPPER_SECONDARY: "THPT",
}


@dataclass(frozen=True)
class CardCorrection:
    """An approved correction of one of the student's scores that year: the subject page counts and lists them."""

    subject: str
    term: str
    column: str
    old_value: str
    new_value: str
    approved_by: str
    approved_on: str


@dataclass(frozen=True)
class CardSubject:
    name: str
    term1: str
    term2: str
    year: str
    retest: str
    teacher: str
    remark: str = ""  # the subject teacher's remark: the year's, else the printed term's
    # Under an individual education plan: how the plan assesses the subject ("" without a plan).
    plan_mode: str = ""


@dataclass(frozen=True)
class CardYear:
    year: str
    class_name: str
    grade: int
    homeroom_teacher: str
    subjects: list[CardSubject]
    learning: list[str]  # term I, term II, year
    conduct: list[str]
    absences: list[str]  # "P / K" per term I, II, year
    remark: str
    outcome: str
    title: str
    retest_outcome: str
    approval: str
    change: str
    # Results got before joining the class, marked "*" in the table: "* Term I: from THCS Lê Lợi".
    earlier_note: str = ""
    # "Assessed under an individual education plan (…), approved by … on dd/mm/yyyy"; "" without one.
    individual_plan: str = ""
    programme: str = ""  # grade 12: completes the upper-secondary programme or not
    exam: str = ""  # grade 12: eligible for the graduation exam or not
    # Re-assessment (đánh giá lại) after the summer: learning after the re-tests, conduct after the training.
    learning_reassessed: str = ""
    conduct_reassessed: str = ""
    completion: str = ""  # "Hoàn thành chương trình lớp 6" / "… trung học cơ sở"; "" while undecided
    # The approved corrections of the student's scores that year ("Trong trang này có sửa chữa ở … chỗ").
    corrections: list[CardCorrection] = dataclasses.field(default_factory=list)
    # The year's certificates, competition results and awards (gradebook.models.StudentAward), printed lines.
    certificates: list[str] = dataclasses.field(default_factory=list)
    competitions: list[str] = dataclasses.field(default_factory=list)
    awards: list[str] = dataclasses.field(default_factory=list)
    certificate_entries: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (name, level) for the XML

    @property
    def awards_line(self) -> str:
        """The "Khen thưởng" line: the year's title, then the awards entered for the year."""
        return "; ".join(each for each in [self.title, *self.awards] if each)

    @property
    def corrected_subjects(self) -> list[str]:
        return list(dict.fromkeys(correction.subject for correction in self.corrections))


@dataclass(frozen=True)
class StudentIdentity:
    full_name: str
    code: str
    registration_number: str
    gender: str
    date_of_birth: str
    place_of_birth: str
    ethnicity: str
    address: str
    father: str
    mother: str
    guardian: str
    photo: str  # the photo's media URL, "" without one
    hometown: str = ""
    priority_group: str = ""  # đối tượng chính sách
    # The particulars' lines "Họ và tên cha: … Nghề nghiệp: …" (``father`` etc. hold the three in one line).
    father_name: str = ""
    father_occupation: str = ""
    mother_name: str = ""
    mother_occupation: str = ""
    guardian_name: str = ""
    guardian_occupation: str = ""


@dataclass(frozen=True)
class ReportCardData:
    school: SchoolHeader
    student: StudentIdentity
    history: list[tuple[str, str, str]]  # (year, class, school) of every year at this school
    years: list[CardYear]
    blank_years: list[str]  # transfer print: headings of the empty year pages to be filled elsewhere
    transfer: bool
    anchor: str  # the id its first page carries (to split a class's cards out of one document)


LAST_GRADE = {
    sm.School.Level.PRIMARY: 5,
    sm.School.Level.LOWER_SECONDARY: 9,
    sm.School.Level.UPPER_SECONDARY: 12,
}
SPARE_YEAR_PAGES = 2  # seed 000 art. 12.3


def identity(student: sm.Student) -> StudentIdentity:
    return StudentIdentity(
        full_name=student.full_name, code=student.code, registration_number=student.registration_number,
        gender=str(student.get_gender_display()), date_of_birth=_date(student.date_of_birth),
        place_of_birth=student.place_of_birth, ethnicity=student.ethnicity, address=student.address,
        father=_parent(student.father_name, student.father_occupation, student.father_phone),
        mother=_parent(student.mother_name, student.mother_occupation, student.mother_phone),
        guardian=_parent(student.guardian_name, student.guardian_occupation, student.guardian_phone),
        photo=(settings.MEDIA_URL + student.photo.name) if student.photo else "",
        hometown=student.hometown, priority_group=student.priority_group,
        father_name=student.father_name, father_occupation=student.father_occupation,
        mother_name=student.mother_name, mother_occupation=student.mother_occupation,
        guardian_name=student.guardian_name, guardian_occupation=student.guardian_occupation,
    )


def completion_label(grade: int, outcome: Outcome | None) -> str:
    """The học bạ's "Hoàn thành chương trình lớp học/THCS" line from the year's final decision ("" while open).

    Promoted (after any re-test or summer training): the grade's programme is completed; in the last grade
    of lower secondary, the lower-secondary programme. Grade 12 prints its own programme line (``programme``).
    """
    if outcome is None or outcome in (Outcome.RETEST, Outcome.SUMMER_TRAINING) or grade == 12:
        return ""
    if grade == LAST_GRADE[sm.School.Level.LOWER_SECONDARY]:
        return (_("Completes the lower-secondary programme") if outcome == Outcome.PROMOTED
                else _("Does not complete the lower-secondary programme"))
    return (_("Completes the grade %(grade)s programme") if outcome == Outcome.PROMOTED
            else _("Does not complete the grade %(grade)s programme")) % {"grade": grade}


def card_corrections(corrections: list[Correction]) -> list[CardCorrection]:
    return [CardCorrection(subject=each.subject_name, term=_period_label(each.term_number), column=each.column_label,
                           old_value=each.old_value, new_value=each.new_value, approved_by=each.approved_by,
                           approved_on=_date(each.approved_on))
            for each in corrections]


def plan_mode_label(mode: PlanMode | None, *, commented: bool) -> str:
    """How a plan assesses one subject, as the report card prints it; a subject it leaves keeps the class's mode."""
    if mode is PlanMode.EXEMPT:
        return pgettext("plan mode", "Exempt")
    by_comments = plan_assesses_by_comments(commented=commented, mode=mode)
    return pgettext("plan mode", "By comments") if by_comments else pgettext("plan mode", "By scores")


def plan_note(data: ClassData, enrolment: sm.Enrolment) -> str:
    approval = data.plan_approvals.get(enrolment.pk)
    if approval is None:
        return ""
    return _("Assessed under an individual education plan (TT22, art. 11), approved by %(name)s on %(date)s.") % {
        "name": approval.approved_by, "date": _date(timezone.localtime(approval.approved_at).date())}


def _card_year(data: ClassData, enrolment: sm.Enrolment, term_number: int, terms: dict[int, ClassResults],
               whole: ClassResults | None, corrections: list[Correction],
               awards: list[StudentAward] = ()) -> CardYear:
    rows = {number: next((row for row in results.rows if row.enrolment.pk == enrolment.pk), None)
            for number, results in terms.items()}
    year_row = next((row for row in whole.rows if row.enrolment.pk == enrolment.pk), None) if whole else None

    def subject_value(row, position) -> str:
        return row.subjects[position].display if row is not None else ""

    sources: dict[int, str] = {}

    def term_value(number, position, info) -> str:
        if rows.get(number) is not None or number not in terms:
            return subject_value(rows.get(number), position)
        found = data.earlier.get((number, enrolment.pk, info.subject.pk))
        if found is None:
            return ""
        sources.setdefault(number, found[1])
        value = found[0]
        return (format_comment(value) if isinstance(value, bool) else format_average(value)) + "*"

    subjects = []
    modes = data.plans.get(enrolment.pk)
    for position, info in enumerate(data.subjects):
        subjects.append(CardSubject(
            plan_mode="" if modes is None else plan_mode_label(modes.get(info.subject.pk),
                                                                commented=info.subject.is_commented),
            name=info.subject.name, term1=term_value(1, position, info),
            term2=term_value(2, position, info), year=subject_value(year_row, position),
            retest=year_row.subjects[position].retest_display if year_row else "",
            teacher=data.teachers.get(info.subject.pk, ""),
            remark=(data.subject_remarks.get((enrolment.pk, info.subject.pk, YEAR)) if whole else None)
            or data.subject_remarks.get((enrolment.pk, info.subject.pk, term_number), ""),
        ))
    periods = [rows.get(1), rows.get(2), year_row]
    return CardYear(
        year=data.year.name, class_name=data.school_class.name, grade=data.school_class.grade,
        homeroom_teacher=staff_name(data.school_class.homeroom_teacher), subjects=subjects,
        learning=[row.learning_label if row else "" for row in periods],
        conduct=[row.conduct_label if row else "" for row in periods],
        absences=[f"{row.excused} / {row.unexcused}" if row else "" for row in periods],
        remark=(year_row.remark if year_row else "") or (rows[term_number].remark if rows.get(term_number) else ""),
        outcome=year_row.outcome_label if year_row else "", title=year_row.title_label if year_row else "",
        retest_outcome=year_row.outcome_after_label if year_row else "",
        programme=year_row.completes_programme_label if year_row else "",
        exam=year_row.exam_eligible_label if year_row else "",
        approval=_approval_text(data, YEAR) if year_row else _approval_text(data, term_number),
        change=enrolment_change(enrolment, data.year),
        earlier_note="; ".join(_("* %(term)s: from %(source)s") % {"term": _period_label(number), "source": source}
                               for number, source in sorted(sources.items())),
        individual_plan=plan_note(data, enrolment),
        learning_reassessed=year_row.learning_after_retest_label if year_row else "",
        conduct_reassessed=year_row.summer_conduct_label if year_row else "",
        completion=completion_label(data.school_class.grade, year_row.final_outcome) if year_row else "",
        corrections=card_corrections([each for each in corrections if each.enrolment_id == enrolment.pk]),
        certificates=[each.printed for each in awards if each.kind == StudentAward.Kind.CERTIFICATE],
        competitions=[each.printed for each in awards if each.kind == StudentAward.Kind.COMPETITION],
        awards=[each.printed for each in awards if each.kind == StudentAward.Kind.AWARD],
        certificate_entries=[(each.text, each.level) for each in awards if each.kind == StudentAward.Kind.CERTIFICATE],
    )


def only(data: ClassData, enrolment: sm.Enrolment) -> ClassData:
    """The class's data narrowed to one student: a student's form computes that student's results only."""
    return dataclasses.replace(data, enrolments=[each for each in data.enrolments if each.pk == enrolment.pk])


def _year_of(data: ClassData, enrolment: sm.Enrolment, term_number: int,
             corrections: list[Correction] | None = None, awards: list[StudentAward] = ()) -> CardYear:
    data = only(data, enrolment)
    numbers = [number for number in (1, 2) if number <= term_number and number in data.terms]
    if corrections is None:
        corrections = approved_corrections(data.school_class, tuple(numbers))
    terms = {number: term_results(data, number) for number in numbers}
    whole = year_results(data) if term_number == 2 else None
    return _card_year(data, enrolment, term_number, terms, whole, corrections, awards)


# The transfers in that started an enrolment: the học bạ's school history names the school before.
ARRIVALS = Prefetch("movements", queryset=sm.Movement.objects.filter(kind=sm.Movement.Kind.TRANSFER_IN)
                    .order_by("date"), to_attr="arrivals")


def report_card(enrolment: sm.Enrolment, term_number: int, *, transfer: bool = False,
                data: ClassData | None = None, history: list[sm.Enrolment] | None = None,
                corrections: list[Correction] | None = None,
                awards: dict[int, list[StudentAward]] | None = None) -> ReportCardData:
    """A student's report card for the enrolment's year, printed at the end of term ``term_number``.

    The transfer print (``transfer``) holds every year at this school so far, then blank year pages
    for the grades still to come at the school's level and two spare ones (seed 000 art. 12.3).
    ``data`` (the class, loaded once for the whole class) and ``history`` (the student's enrolments,
    with ``school_class__year``) and ``corrections`` (the class's approved corrections of the printed terms)
    save queries when a class's cards are built together.
    """
    school_class = enrolment.school_class
    data = data or load_class(school_class)
    year = data.year
    if history is None:
        history = list(sm.Enrolment.objects.filter(student_id=enrolment.student_id,
                                                   school_class__year__school_id=year.school_id)
                       .select_related("school_class__year", "school_class__homeroom_teacher__profile")
                       .prefetch_related(ARRIVALS))
    history = sorted(history, key=lambda each: (each.school_class.year.start_date, each.start_date))
    if awards is None:
        awards = awards_by_enrolment([enrolment.pk, *(each.pk for each in history)] if transfer else [enrolment.pk])
    years = []
    if transfer:
        for earlier in history:
            if earlier.school_class.year.start_date < year.start_date:
                earlier_data = load_class(earlier.school_class)
                years.append(_year_of(earlier_data, earlier, 2, awards=awards.get(earlier.pk, [])))
    years.append(_year_of(data, enrolment, term_number, corrections, awards.get(enrolment.pk, [])))
    blank = []
    if transfer:
        last = LAST_GRADE.get(year.school.level, 9)
        blank = [_("Grade %(grade)s") % {"grade": grade} for grade in range(school_class.grade + 1, last + 1)]
        blank += [_("Spare page %(number)s") % {"number": number} for number in range(1, SPARE_YEAR_PAGES + 1)]
    shown_history = []
    for each in history:
        if each.school_class.year.start_date <= year.start_date:
            # A student who transferred in spent the first part of the year at the school they came from.
            shown_history += [(each.school_class.year.name, "", arrival.other_school)
                              for arrival in getattr(each, "arrivals", [])]
            shown_history.append((each.school_class.year.name, each.school_class.name, year.school.name))
    return ReportCardData(
        school=school_header(year.school, year), student=identity(enrolment.student), history=shown_history,
        years=years, blank_years=blank, transfer=transfer, anchor=f"student-{enrolment.student_id}",
    )


def report_cards_of_class(school_class: sm.SchoolClass, term_number: int,
                          enrolments: list[sm.Enrolment] | None = None) -> list[tuple[sm.Enrolment, ReportCardData]]:
    """Every due student's report card of a class, reading the class once."""
    data = load_class(school_class)
    enrolments = enrolments if enrolments is not None else due_enrolments(data, term_number)
    corrections = approved_corrections(school_class, tuple(number for number in (1, 2) if number <= term_number))
    histories = defaultdict(list)
    for each in sm.Enrolment.objects.filter(
        student_id__in=[enrolment.student_id for enrolment in enrolments],
        school_class__year__school_id=data.year.school_id,
    ).select_related("school_class__year").prefetch_related(ARRIVALS):
        histories[each.student_id].append(each)
    awards = awards_by_enrolment(enrolment.pk for enrolment in enrolments)
    return [(enrolment, report_card(enrolment, term_number, data=data, history=histories[enrolment.student_id],
                                    corrections=corrections, awards=awards))
            for enrolment in enrolments]


def due_enrolments(data: ClassData, term_number: int) -> list[sm.Enrolment]:
    """The students whose per-student documents a class batch prints: in the class at the term's end.

    A student who left earlier got their transfer print when they left.
    """
    term = data.terms[term_number]
    return [enrolment for enrolment in data.enrolments if in_class_at_end(enrolment, term)]


# --- the parent contact slip (phiếu liên lạc) ----------------------------------------------------


@dataclass(frozen=True)
class SlipSubject:
    name: str
    cells: list[str]
    term: str
    remark: str = ""  # the subject teacher's remark of the term


@dataclass(frozen=True)
class SlipYear:
    """The year's results on a parent's term II page, once the principal has approved them."""

    subjects: list[tuple[str, str]]  # (subject, the year's average or level)
    learning: str
    conduct: str
    title: str
    outcome: str


@dataclass(frozen=True)
class ParentSlipData:
    school: SchoolHeader
    class_name: str
    homeroom_teacher: str
    term_label: str
    student: str
    date_of_birth: str
    headings: list[str]
    subjects: list[SlipSubject]
    learning: str
    conduct: str
    excused: int
    unexcused: int
    months: list[tuple[str, str]]  # ("9/2025", "P 1 · K 0")
    remark: str
    anchor: str = ""
    year: SlipYear | None = None

    @property
    def subject_remarks(self) -> list[tuple[str, str]]:
        """(subject, the subject teacher's remark) of the subjects that have one."""
        return [(subject.name, subject.remark) for subject in self.subjects if subject.remark]


def _slip_year(data: ClassData, enrolment: sm.Enrolment) -> SlipYear | None:
    """The year's results of the student, when the class's year results are approved (None before)."""
    if YEAR not in data.approvals:
        return None
    row = next((each for each in year_results(data).rows if each.enrolment.pk == enrolment.pk), None)
    if row is None:
        return None
    return SlipYear(
        subjects=[(info.subject.name, row.subjects[position].display) for position, info in enumerate(data.subjects)],
        learning=row.learning_label, conduct=row.conduct_label, title=row.title_label,
        outcome=row.final_outcome_label,
    )


def parent_slip(enrolment: sm.Enrolment, term_number: int, *, data: ClassData | None = None) -> ParentSlipData:
    """The contact slip for one student's parents: the term's scores, results, absences and the remark."""
    data = only(data or load_class(enrolment.school_class), enrolment)
    results = term_results(data, term_number)
    row = next((each for each in results.rows if each.enrolment.pk == enrolment.pk), None)
    width = max(info.regular_required for info in data.subjects) if data.subjects else 0
    subjects = []
    for position, info in enumerate(data.subjects):
        held = data.slots.get((term_number, enrolment.pk, info.subject.pk), {})
        cells = []
        for index in range(1, width + 1):
            slot = held.get((Score.Kind.REGULAR, index))
            cells.append(format_result(slot.value, slot.comment_passed) if slot else
                         ("" if index <= info.regular_required else "—"))
        for kind in (Score.Kind.MIDTERM, Score.Kind.FINAL):
            slot = held.get((kind, 1))
            cells.append(format_result(slot.value, slot.comment_passed) if slot else "")
        subjects.append(SlipSubject(name=info.subject.name, cells=cells,
                                    term=row.subjects[position].display if row else "",
                                    remark=data.subject_remarks.get((enrolment.pk, info.subject.pk, term_number), "")))
    absences = data.absences.get(enrolment.pk, {})
    months = []
    for month in data.months.get(term_number, []):
        excused, unexcused = absences.get(month, (0, 0))
        months.append((f"{month[1]}/{month[0]}", pgettext("absences", "P %(excused)s · K %(unexcused)s")
                       % {"excused": excused, "unexcused": unexcused}))
    return ParentSlipData(
        school=school_header(data.year.school, data.year), class_name=data.school_class.name,
        homeroom_teacher=staff_name(data.school_class.homeroom_teacher), term_label=_period_label(term_number),
        student=enrolment.student.full_name, date_of_birth=_date(enrolment.student.date_of_birth),
        headings=_slot_headings(width), subjects=subjects,
        learning=row.learning_label if row else "", conduct=row.conduct_label if row else "",
        excused=row.excused if row else 0, unexcused=row.unexcused if row else 0, months=months,
        remark=data.remarks.get((enrolment.pk, term_number), ""), anchor=f"student-{enrolment.student_id}",
        year=_slip_year(data, enrolment) if term_number == 2 else None,
    )


