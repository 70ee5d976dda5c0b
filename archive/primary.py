"""What the primary (TT27) printed forms show, as plain values: the primary học bạ and the class summary table.

Built from gradebook.api.primary_year_sheet (a primary class's year, read once per class) and the
school's own records (the students' enrolments, for the school history and who is still in the
class). Strings are formatted as the forms print them: call these under the Vietnamese language, as
archive.rendering does. The archive hashes these values, so two prints of the same data have the
same hash whatever their print date. No permission is checked here: the services check first.

A print at the end of term I shows the two points of term I (mid-term I, end of term I); a print at
the end of term II the four points of the year with the year result, the title and the completion.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gradebook import api
from schoolrecords import models as sm
from schoolrecords.levels import FINAL_GRADE_OF_LEVEL, PRIMARY

SPARE_YEAR_PAGES = 2  # seed 000 art. 12.3, as the secondary report card
POINTS_OF_TERM = {1: 2, 2: 4}  # how many of the four points (gk1, ck1, gk2, cn) a print at a term's end shows
END_OF_YEAR = 3  # the index of the end-of-year point
# The sheet lists the ten competencies in gradebook's order (tt27.Competency): the three general ones
# (năng lực chung) first, then the seven specific ones (năng lực đặc thù).
GENERAL_COMPETENCIES = 3


def point_abbreviations() -> tuple[str, ...]:
    """The column headings of the four points, short enough for a level column."""
    return (pgettext("primary point", "MT I"), pgettext("primary point", "ET I"),
            pgettext("primary point", "MT II"), pgettext("primary point", "EY"))


def _date(value) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


def _score(value: int | None) -> str:
    return "" if value is None else str(value)


def _approval(line: api.PrimaryApprovalLine | None) -> str:
    if line is None:
        return ""
    return _("Approved by %(name)s on %(date)s") % {"name": line.approved_by, "date": line.date}


def _period_approval(sheet: api.PrimaryYearSheet, term_number: int) -> str:
    return _approval(sheet.year_approval if term_number == 2 else sheet.term1_approval or sheet.year_approval)


def enrolment_note(enrolment: sm.Enrolment, year_start: datetime.date) -> str:
    """A student's changes during the year, as the forms note them ("Transferred out on 16/02/2027")."""
    parts = []
    if enrolment.start_date > year_start:
        parts.append(_("Joined the class on %(date)s") % {"date": _date(enrolment.start_date)})
    if enrolment.end_date:
        parts.append(_("%(status)s on %(date)s") % {"status": enrolment.get_status_display(),
                                                     "date": _date(enrolment.end_date)})
    if enrolment.note:
        parts.append(enrolment.note)
    return "; ".join(parts)


def _test_points(student: api.PrimaryStudentYear, shown: int) -> tuple[int, ...]:
    """The points (indices) at which some subject of the student's grade has a periodic test."""
    return tuple(index for index in range(shown) if any(line.tested[index] for line in student.subjects))


# --- the primary học bạ ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardSubjectLine:
    name: str
    levels: tuple[str, ...]  # T / H / C at each shown point
    tests: tuple[str, ...]  # the test score at each test point ("" none; "—" no test of this subject there)
    comment: str


@dataclass(frozen=True)
class CardTraitLine:
    name: str
    levels: tuple[str, ...]  # T / Đ / C at each shown point


@dataclass(frozen=True)
class PrimaryCardYear:
    year: str
    class_name: str
    grade: int
    homeroom_teacher: str
    term_number: int
    point_headings: tuple[str, ...]
    test_headings: tuple[str, ...]
    point_legend: str
    subjects: tuple[CardSubjectLine, ...]
    qualities: tuple[CardTraitLine, ...]
    general_competencies: tuple[CardTraitLine, ...]
    specific_competencies: tuple[CardTraitLine, ...]
    result: str  # the year result that stands ("Hoàn thành tốt"), "" at term I or while incomplete
    missing: str  # why there is no year result yet
    reassessed: str  # "Chưa hoàn thành → Hoàn thành (after re-assessment)" for a re-assessed CHT
    title: str
    achievements: str
    completion: str
    decision: str  # the principal's decision on a CHT student's promotion
    homeroom_remark: str
    approval: str
    change: str


@dataclass(frozen=True)
class PrimaryCardData:
    school: api.SchoolHeader
    student: api.StudentIdentity
    history: tuple[tuple[str, str, str], ...]  # (year, class, school) of every year at this school
    years: tuple[PrimaryCardYear, ...]
    blank_years: tuple[str, ...]  # transfer print: the empty year pages to be filled elsewhere
    transfer: bool
    anchor: str  # the id its first page carries (to split a class's cards out of one document)


def _trait(line: api.PrimaryTraitLine, shown: int) -> CardTraitLine:
    return CardTraitLine(name=line.name, levels=line.levels[:shown])


def card_year(sheet: api.PrimaryYearSheet, student: api.PrimaryStudentYear, term_number: int, *,
              change: str = "") -> PrimaryCardYear:
    """One school year of a student's primary học bạ, as printed at the end of ``term_number``."""
    shown = POINTS_OF_TERM[term_number]
    abbreviations = point_abbreviations()
    test_points = _test_points(student, shown)
    subjects = tuple(
        CardSubjectLine(
            name=line.name, levels=line.levels[:shown],
            tests=tuple(_score(line.tests[index]) if line.tested[index] else "—" for index in test_points),
            comment=line.comment if shown > END_OF_YEAR else "",
        )
        for line in student.subjects
    )
    year_end = shown > END_OF_YEAR
    reassessed = ""
    if year_end and student.reassessed_result and student.computed_result != student.result:
        computed = next((label for value, label, _count in sheet.counts if value == student.computed_result), "")
        reassessed = _("%(before)s at the end of the year; %(after)s after the re-assessment") % {
            "before": computed, "after": student.reassessed_label}
    decision = ""
    if year_end and student.decision:
        decision = student.decision_label
        if student.decided_by:
            decision = _("%(decision)s (decided by %(name)s on %(date)s)") % {
                "decision": student.decision_label, "name": student.decided_by, "date": student.decided_at}
    return PrimaryCardYear(
        year=sheet.school.year, class_name=sheet.class_name, grade=sheet.grade,
        homeroom_teacher=sheet.homeroom_teacher, term_number=term_number,
        point_headings=abbreviations[:shown], test_headings=tuple(abbreviations[index] for index in test_points),
        point_legend="; ".join(f"{short}: {label}" for short, label in zip(abbreviations[:shown],
                                                                             sheet.point_labels[:shown], strict=True)),
        subjects=subjects,
        qualities=tuple(_trait(line, shown) for line in student.qualities),
        general_competencies=tuple(_trait(line, shown) for line, general in zip(
            student.competencies, _general_flags(student), strict=True) if general),
        specific_competencies=tuple(_trait(line, shown) for line, general in zip(
            student.competencies, _general_flags(student), strict=True) if not general),
        result=student.result_label if year_end else "", missing=student.missing if year_end else "",
        reassessed=reassessed, title=student.title_label if year_end else "",
        achievements=student.achievements if year_end else "",
        completion=student.completion if year_end else "", decision=decision,
        homeroom_remark=student.homeroom_remark if year_end else "",
        approval=_period_approval(sheet, term_number), change=change,
    )


def _general_flags(student: api.PrimaryStudentYear) -> tuple[bool, ...]:
    return tuple(index < GENERAL_COMPETENCIES for index in range(len(student.competencies)))


# The transfers in that started an enrolment: the học bạ's school history names the school before.
ARRIVALS = Prefetch("movements", queryset=sm.Movement.objects.filter(kind=sm.Movement.Kind.TRANSFER_IN)
                    .order_by("date"), to_attr="arrivals")


def _histories(student_ids: list[int], school_id: int) -> dict[int, list[sm.Enrolment]]:
    """Every enrolment of these students at the school, oldest first (two queries)."""
    histories: dict[int, list[sm.Enrolment]] = defaultdict(list)
    found = (sm.Enrolment.objects.filter(student_id__in=student_ids, school_class__year__school_id=school_id)
             .select_related("student", "school_class__year").prefetch_related(ARRIVALS)
             .order_by("school_class__year__start_date", "start_date", "pk"))
    for enrolment in found:
        histories[enrolment.student_id].append(enrolment)
    return histories


def _shown_history(history: list[sm.Enrolment], year: sm.SchoolYear, school_name: str) -> tuple:
    shown = []
    for each in history:
        if each.school_class.year.start_date <= year.start_date:
            # A student who transferred in spent the first part of the year at the school they came from.
            shown += [(each.school_class.year.name, "", arrival.other_school) for arrival in getattr(each, "arrivals", [])]
            shown.append((each.school_class.year.name, each.school_class.name, school_name))
    return tuple(shown)


def _blank_years(grade: int) -> tuple[str, ...]:
    last = FINAL_GRADE_OF_LEVEL[PRIMARY]
    blank = [_("Grade %(grade)s") % {"grade": later} for later in range(grade + 1, last + 1)]
    blank += [_("Spare page %(number)s") % {"number": number} for number in range(1, SPARE_YEAR_PAGES + 1)]
    return tuple(blank)


def _student_of(sheet: api.PrimaryYearSheet, enrolment_id: int) -> api.PrimaryStudentYear | None:
    return next((student for student in sheet.students if student.enrolment_id == enrolment_id), None)


def report_card(sheet: api.PrimaryYearSheet, enrolment: sm.Enrolment, history: list[sm.Enrolment],
                term_number: int, *, transfer: bool = False) -> PrimaryCardData:
    """A student's primary học bạ for the sheet's year, printed at the end of ``term_number``.

    The transfer print holds every year at this school so far, then blank year pages for the
    grades still to come (up to grade 5) and two spare ones (seed 000 art. 12.3).
    """
    school_class = enrolment.school_class
    year = school_class.year
    student = _student_of(sheet, enrolment.pk)
    if student is None:
        raise ValueError(f"enrolment {enrolment.pk} is not in the sheet of class {sheet.class_name}")
    years = []
    if transfer:
        for earlier in history:
            if earlier.school_class.year.start_date < year.start_date and earlier.school_class.grade <= 5:
                earlier_sheet = api.primary_year_sheet(school_class_id=earlier.school_class_id)
                found = _student_of(earlier_sheet, earlier.pk)
                if found is not None:
                    years.append(card_year(earlier_sheet, found, 2,
                                           change=enrolment_note(earlier, earlier.school_class.year.start_date)))
    years.append(card_year(sheet, student, term_number, change=enrolment_note(enrolment, year.start_date)))
    return PrimaryCardData(
        school=sheet.school, student=student.student, history=_shown_history(history, year, sheet.school.name),
        years=tuple(years), blank_years=_blank_years(school_class.grade) if transfer else (), transfer=transfer,
        anchor=f"student-{enrolment.student_id}",
    )


def class_enrolments(school_class: sm.SchoolClass) -> list[sm.Enrolment]:
    """The class's enrolments (those that ended too), with their students, in no particular order."""
    return list(sm.Enrolment.objects.filter(school_class=school_class).select_related("student", "school_class__year")
                .order_by())


def due_enrolments(sheet: api.PrimaryYearSheet, enrolments: list[sm.Enrolment], term: sm.Term) -> list[sm.Enrolment]:
    """The students whose học bạ a class batch prints, in the class list's order: in the class at the term's end.

    A student who left earlier got their transfer print when they left.
    """
    by_id = {enrolment.pk: enrolment for enrolment in enrolments}
    return [by_id[student.enrolment_id] for student in sheet.students
            if student.enrolment_id in by_id and api.in_class_at_end(by_id[student.enrolment_id], term)]


def report_cards_of_class(school_class: sm.SchoolClass, term_number: int,
                          enrolments: list[sm.Enrolment] | None = None, *, transfer: bool = False,
                          ) -> list[tuple[sm.Enrolment, PrimaryCardData]]:
    """The primary học bạ of some students of a class (None: every student in the class at the term's end).

    Reads the class once, whatever its size (gradebook.api.primary_year_sheet, the enrolments, the
    students' school history); a transfer print reads each earlier year's class as well.
    """
    sheet = api.primary_year_sheet(school_class_id=school_class.pk)
    if enrolments is None:
        term = sm.Term.objects.get(year_id=school_class.year_id, number=term_number)
        enrolments = due_enrolments(sheet, class_enrolments(school_class), term)
    histories = _histories([enrolment.student_id for enrolment in enrolments], school_class.year.school_id)
    return [(enrolment, report_card(sheet, enrolment, histories[enrolment.student_id], term_number, transfer=transfer))
            for enrolment in enrolments]


# --- the class summary table (Bảng tổng hợp kết quả đánh giá giáo dục của lớp) -------------------------


@dataclass(frozen=True)
class SummarySubject:
    name: str
    tested: bool  # a periodic test column at this point


@dataclass(frozen=True)
class PrimarySummaryRow:
    number: int
    full_name: str
    cells: tuple[str, ...]  # per subject its level, and its test score where it has a test at this point
    competencies: tuple[str, ...]  # T / Đ / C, the ten competencies in the form's order
    qualities: tuple[str, ...]  # T / Đ / C, the five qualities
    result: str  # end of year only
    title: str
    completion: str
    note: str
    due: bool  # in the class at the end of the period: counted in the totals


@dataclass(frozen=True)
class PrimarySummaryPart:
    point: str  # "gk1" … "cn"
    label: str
    subjects: tuple[SummarySubject, ...]
    rows: tuple[PrimarySummaryRow, ...]
    is_year_end: bool
    counts: tuple[tuple[str, int], ...]  # year end: (label, how many) per result, then titles and completions
    approval: str

    @property
    def subject_columns(self) -> int:
        return sum(2 if subject.tested else 1 for subject in self.subjects)


@dataclass(frozen=True)
class PrimarySummaryData:
    school: api.SchoolHeader
    class_name: str
    grade: int
    homeroom_teacher: str
    term_number: int
    general_competencies: tuple[str, ...]
    specific_competencies: tuple[str, ...]
    qualities: tuple[str, ...]
    parts: tuple[PrimarySummaryPart, ...]

    @property
    def competency_count(self) -> int:
        return len(self.general_competencies) + len(self.specific_competencies)


def _trait_names(sheet: api.PrimaryYearSheet) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    if not sheet.students:
        return (), (), ()
    first = sheet.students[0]
    flags = _general_flags(first)
    return (tuple(line.name for line, general in zip(first.competencies, flags, strict=True) if general),
            tuple(line.name for line, general in zip(first.competencies, flags, strict=True) if not general),
            tuple(line.name for line in first.qualities))


def _summary_part(sheet: api.PrimaryYearSheet, index: int, notes: dict[int, str], due: dict[int, bool],
                  term_number: int) -> PrimarySummaryPart:
    year_end = index == END_OF_YEAR
    first = sheet.students[0] if sheet.students else None
    subjects = tuple(SummarySubject(name=line.name, tested=line.tested[index]) for line in first.subjects) \
        if first else ()
    rows = []
    for student in sheet.students:
        rows.append(PrimarySummaryRow(
            number=student.number, full_name=student.student.full_name,
            cells=tuple(cell for line in student.subjects for cell in (
                (line.levels[index], _score(line.tests[index])) if line.tested[index] else (line.levels[index],))),
            competencies=tuple(line.levels[index] for line in student.competencies),
            qualities=tuple(line.levels[index] for line in student.qualities),
            result=student.result_label if year_end else "", title=student.title_label if year_end else "",
            completion=student.completion if year_end else "",
            note=notes.get(student.enrolment_id, ""), due=due.get(student.enrolment_id, True),
        ))
    counts: list[tuple[str, int]] = []
    if year_end:
        counted = [student for student in sheet.students if due.get(student.enrolment_id, True)]
        counts = [(label, sum(1 for student in counted if student.result == value))
                  for value, label, _count in sheet.counts]
        titles = sorted({student.title_label for student in counted if student.title_label})
        counts += [(title, sum(1 for student in counted if student.title_label == title)) for title in titles]
        counts.append((_("Completed the grade's programme") if sheet.grade < FINAL_GRADE_OF_LEVEL[PRIMARY] else
                       _("Completed the primary programme"),
                       sum(1 for student in counted if student.completes_grade)))
    return PrimarySummaryPart(point=sheet.points[index], label=sheet.point_labels[index], subjects=subjects,
                              rows=tuple(rows), is_year_end=year_end, counts=tuple(counts),
                              approval=_period_approval(sheet, term_number))


def summary(school_class: sm.SchoolClass, term_number: int) -> PrimarySummaryData:
    """The class summary table of a primary class: the two points of the term, and at term II the year's result."""
    sheet = api.primary_year_sheet(school_class_id=school_class.pk)
    year = school_class.year
    enrolments = class_enrolments(school_class)
    term = sm.Term.objects.get(year_id=year.pk, number=term_number)
    notes = {enrolment.pk: enrolment_note(enrolment, year.start_date) for enrolment in enrolments}
    due = {enrolment.pk: api.in_class_at_end(enrolment, term) for enrolment in enrolments}
    shown = POINTS_OF_TERM[term_number]
    general, specific, qualities = _trait_names(sheet)
    return PrimarySummaryData(
        school=sheet.school, class_name=sheet.class_name, grade=sheet.grade, homeroom_teacher=sheet.homeroom_teacher,
        term_number=term_number, general_competencies=general, specific_competencies=specific, qualities=qualities,
        parts=tuple(_summary_part(sheet, index, notes, due, term_number) for index in range(shown - 2, shown)),
    )
