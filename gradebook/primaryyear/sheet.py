"""A primary class's year as the printed forms show it (the primary học bạ, the class summary table): plain values.

Read through gradebook.api (``primary_year_sheet``). One read of the class (gradebook.primary.compute:
a fixed number of queries) plus the approvals; strings are formatted as the forms print them (call it
under the Vietnamese language, as archive.rendering does). No permission is checked here: the
archive's services check their reader first.
"""

import datetime
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from gradebook.models import PrimaryPoint, PrimaryYearRecord, PrimaryYearResult, ResultApproval
from gradebook.primary.compute import POINTS, PrimaryClassData, PrimaryRow, load_primary_class
from gradebook.printed import SchoolHeader, StudentIdentity, identity, school_header
from gradebook.results.compute import staff_name
from gradebook.rules import tt27
from schoolrecords import models as sm


@dataclass(frozen=True)
class PrimarySubjectLine:
    """One subject of one student: its level and test score at each of the four points (gk1, ck1, gk2, cn)."""

    code: str
    name: str
    levels: tuple[str, ...]  # "T" / "H" / "C" / "" per point
    tests: tuple[int | None, ...]  # the periodic test score per point (None: none entered, or no test there)
    tested: tuple[bool, ...]  # does the subject have a periodic test at that point in this grade
    comment: str  # the end-of-year comment


@dataclass(frozen=True)
class PrimaryTraitLine:
    """One quality or competency of one student: its level at each point, printed "T" / "Đ" / "C" / ""."""

    code: str
    name: str  # as the học bạ prints it (tt27.QUALITY_NAMES / COMPETENCY_NAMES)
    is_quality: bool
    levels: tuple[str, ...]


@dataclass(frozen=True)
class PrimaryApprovalLine:
    """The principal's approval of a period: who, when (dd/mm/yyyy) and the note."""

    approved_by: str
    approved_at: datetime.datetime
    date: str
    note: str


@dataclass(frozen=True)
class PrimaryStudentYear:
    enrolment_id: int
    number: int  # the student's number in the class list
    student: StudentIdentity
    status: str  # Enrolment.Status value: "studying", "transferred_out", ...
    subjects: tuple[PrimarySubjectLine, ...]
    qualities: tuple[PrimaryTraitLine, ...]
    competencies: tuple[PrimaryTraitLine, ...]
    result: str  # tt27.YearResult value ("htxs" …) or "" while incomplete: the result that stands
    result_label: str  # "Hoàn thành tốt" …
    computed_result: str  # the result judged from the end-of-year entries (before any re-assessment)
    missing: str  # why there is no year result yet (translated)
    completes_grade: bool | None
    completion: str  # "Hoàn thành chương trình lớp 3" / "Hoàn thành chương trình tiểu học" / ""
    title: str  # tt27.Title value or ""
    title_label: str
    needs_support: bool  # CHT at the end of the year
    proposed_outstanding: bool
    achievements: str
    homeroom_remark: str
    support_plan: str
    reassessed_result: str  # PrimaryYearResult value or ""
    reassessed_label: str
    decision: str  # PrimaryYearRecord.Decision value or ""
    decision_label: str
    decided_by: str
    decided_at: str  # dd/mm/yyyy or ""


@dataclass(frozen=True)
class PrimaryYearSheet:
    """A primary class's year for the printed forms (học bạ, summary table)."""

    school_class_id: int
    class_name: str
    grade: int
    school: SchoolHeader
    homeroom_teacher: str
    points: tuple[str, ...]  # "gk1", "ck1", "gk2", "cn"
    point_labels: tuple[str, ...]
    students: tuple[PrimaryStudentYear, ...]
    term1_approval: PrimaryApprovalLine | None  # the principal's approval of term I (gk1, ck1)
    year_approval: PrimaryApprovalLine | None  # the principal's approval of the year (gk2, cn)
    counts: tuple[tuple[str, str, int], ...]  # (result value, label, students still studying) HTXS…CHT


def _date(value) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


def completion_text(grade: int, completes: bool | None) -> str:
    """What the forms print for a student who completed the grade (grade 5: the primary programme)."""
    if not completes:
        return ""
    if grade == tt27.FINAL_GRADE:
        return _("Completed the primary programme")
    return _("Completed the programme of grade %(grade)s") % {"grade": grade}


def title_label(title: tt27.Title | None) -> str:
    if title is tt27.Title.XUAT_SAC:
        return _("Outstanding student")
    if title is tt27.Title.TIEU_BIEU:
        return _("Exemplary student, completed well in learning and training")
    return ""


def result_label(result: str) -> str:
    return str(PrimaryYearResult(result).label) if result else ""


def _trait_line(trait: str, name: str, is_quality: bool, row: PrimaryRow) -> PrimaryTraitLine:
    levels = []
    for point in POINTS:
        value = row.traits.get(point, {}).get(trait, "")
        levels.append(tt27.Level3(value).letter if value else "")
    return PrimaryTraitLine(code=trait, name=name, is_quality=is_quality, levels=tuple(levels))


def _student(data: PrimaryClassData, number: int, row: PrimaryRow) -> PrimaryStudentYear:
    grade = data.grade
    subjects = []
    for studied in data.subjects:
        subject = studied.subject
        tested = tuple(tt27.has_periodic_test(grade, point, subject.code) for point in POINTS)
        subjects.append(PrimarySubjectLine(
            code=subject.code, name=subject.name,
            levels=tuple(row.levels.get(subject.pk, {}).get(point, "") for point in POINTS),
            tests=tuple(row.tests.get(subject.pk, {}).get(point) for point in POINTS),
            tested=tested, comment=row.comments.get(subject.pk, {}).get(tt27.AssessmentPoint.END_OF_YEAR, "")))
    record = row.record or PrimaryYearRecord()
    result = row.result.value if row.result else ""
    return PrimaryStudentYear(
        enrolment_id=row.enrolment.pk, number=number, student=identity(row.student), status=row.enrolment.status,
        subjects=tuple(subjects),
        qualities=tuple(_trait_line(q.value, tt27.QUALITY_NAMES[q], True, row) for q in tt27.Quality),
        competencies=tuple(_trait_line(c.value, tt27.COMPETENCY_NAMES[c], False, row) for c in tt27.Competency),
        result=result, result_label=result_label(result),
        computed_result=row.computed.value if row.computed else "",
        missing=_(row.missing) if row.missing else "",
        completes_grade=row.completes_grade, completion=completion_text(grade, row.completes_grade),
        title=row.title.value if row.title else "", title_label=title_label(row.title),
        needs_support=row.needs_support, proposed_outstanding=record.proposed_outstanding,
        achievements=record.achievements, homeroom_remark=record.homeroom_remark, support_plan=record.support_plan,
        reassessed_result=record.reassessed_result, reassessed_label=result_label(record.reassessed_result),
        decision=record.decision, decision_label=str(record.get_decision_display()) if record.decision else "",
        decided_by=staff_name(record.decided_by) if record.decided_by_id else "", decided_at=_date(timezone.localtime(record.decided_at) if record.decided_at else None),
    )


def _approval(approval: ResultApproval | None) -> PrimaryApprovalLine | None:
    if approval is None:
        return None
    return PrimaryApprovalLine(approved_by=staff_name(approval.approved_by), approved_at=approval.approved_at,
                               date=_date(timezone.localtime(approval.approved_at)), note=approval.note)


def primary_year_sheet(*, school_class_id: int) -> PrimaryYearSheet:
    """A primary class's year: every student of its list (those who left too), in a fixed number of queries."""
    school_class = (sm.SchoolClass.objects.select_related("year__school", "homeroom_teacher__profile")
                    .get(pk=school_class_id))
    data = load_primary_class(school_class)
    approvals = {a.term.number if a.term_id else None: a for a in ResultApproval.objects.filter(
        school_class_id=school_class.pk).select_related("term", "approved_by__profile")}
    students = tuple(_student(data, number, row) for number, row in enumerate(data.rows, start=1))
    studying = [s for s in students if s.status == sm.Enrolment.Status.STUDYING]
    counts = tuple((value, str(label), sum(1 for s in studying if s.result == value))
                   for value, label in PrimaryYearResult.choices)
    return PrimaryYearSheet(
        school_class_id=school_class.pk, class_name=school_class.name, grade=school_class.grade,
        school=school_header(school_class.year.school, school_class.year),
        homeroom_teacher=staff_name(school_class.homeroom_teacher),
        points=tuple(p.value for p in POINTS), point_labels=tuple(str(PrimaryPoint(p).label) for p in POINTS),
        students=students, term1_approval=_approval(approvals.get(1)), year_approval=_approval(approvals.get(None)),
        counts=counts)


__all__ = ["PrimaryApprovalLine", "PrimarySubjectLine", "PrimaryStudentYear", "PrimaryTraitLine", "PrimaryYearSheet",
           "completion_text", "primary_year_sheet", "result_label", "title_label"]
