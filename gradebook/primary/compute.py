"""A primary class's year, read in a fixed number of queries and judged by gradebook.rules.tt27.

The one place the pages (class results), the prints (học bạ, summary table) and the approval read a
primary student's year result from: ``load_primary_class``.
"""

from dataclasses import dataclass, field

from schoolrecords import models as sm
from schoolrecords import selectors as records

from .. import models as m
from ..rules import tt27

POINTS = tuple(tt27.AssessmentPoint)
END = tt27.AssessmentPoint.END_OF_YEAR


@dataclass
class PrimaryRow:
    """One student of the class: what was entered at each point, and the year judged from it."""

    enrolment: sm.Enrolment
    levels: dict[int, dict[str, str]] = field(default_factory=dict)  # subject id → point → T/H/C
    tests: dict[int, dict[str, int]] = field(default_factory=dict)  # subject id → point → 0-10
    comments: dict[int, dict[str, str]] = field(default_factory=dict)  # subject id → point → text
    traits: dict[str, dict[str, str]] = field(default_factory=dict)  # point → trait → T/D/C
    record: m.PrimaryYearRecord | None = None
    computed: tt27.YearResult | None = None  # from the end-of-year record; None while incomplete
    missing: str = ""  # why there is no year result yet (English message of the rule)

    @property
    def student(self) -> sm.Student:
        return self.enrolment.student

    @property
    def result(self) -> tt27.YearResult | None:
        """The year result that stands: the re-assessment's for a CHT student who was re-assessed."""
        if self.computed is tt27.YearResult.CHT and self.record and self.record.reassessed_result:
            return tt27.YearResult(self.record.reassessed_result)
        return self.computed

    @property
    def completes_grade(self) -> bool | None:
        return None if self.result is None else tt27.completes_grade(self.result)

    @property
    def needs_support(self) -> bool:
        return self.computed is not None and tt27.needs_support(self.computed)

    @property
    def title(self) -> tt27.Title | None:
        if self.result is None:
            return None
        return tt27.title(self.result, proposed_by_class=bool(self.record and self.record.proposed_outstanding))


@dataclass
class PrimaryClassData:
    school_class: sm.SchoolClass
    subjects: list[records.StudiedSubject]
    rows: list[PrimaryRow]

    @property
    def grade(self) -> int:
        return self.school_class.grade

    def tested(self, point: str) -> set[str]:
        """The subject codes with a periodic test at ``point`` in this class's grade."""
        return set(tt27.periodic_tests(self.grade, point))

    def completes_primary(self, row: PrimaryRow) -> bool:
        return row.result is not None and tt27.completes_primary(self.grade, row.result)


def judge(data: PrimaryClassData, row: PrimaryRow) -> None:
    """Set ``row.computed`` (or ``row.missing``) from the end-of-year levels, traits and tests."""
    subjects = {s.subject.code: row.levels.get(s.subject.pk, {}).get(END) or None for s in data.subjects}
    by_code = {s.subject.code: s.subject.pk for s in data.subjects}
    tests = {}
    for code in data.tested(END):
        if code not in by_code:
            continue  # the class does not study it
        score = row.tests.get(by_code[code], {}).get(END)
        if score is None:
            row.computed, row.missing = None, tt27.MSG_TEST_MISSING
            return
        tests[code] = score
    traits = row.traits.get(END, {})
    try:
        row.computed = tt27.year_result(
            subjects=subjects,
            qualities={k: v for k, v in traits.items() if k in tt27.Quality._value2member_map_},
            competencies={k: v for k, v in traits.items() if k in tt27.Competency._value2member_map_},
            tests=tests,
        )
        row.missing = ""
    except tt27.RuleError as error:
        row.computed, row.missing = None, error.message


def load_primary_class(school_class: sm.SchoolClass, *, studying_only: bool = False) -> PrimaryClassData:
    """The class's subjects, roster and every entry of the year, judged (five or six queries)."""
    roster = records.class_roster(school_class)
    if studying_only:
        roster = roster.filter(status=sm.Enrolment.Status.STUDYING)
    enrolments = records.sort_vietnamese(roster)
    rows = {e.pk: PrimaryRow(enrolment=e) for e in enrolments}
    data = PrimaryClassData(school_class=school_class, subjects=records.class_subjects(school_class),
                            rows=list(rows.values()))
    ids = list(rows)
    for a in m.PrimaryAssessment.objects.filter(enrolment_id__in=ids):
        row = rows[a.enrolment_id]
        if a.level:
            row.levels.setdefault(a.subject_id, {})[a.point] = a.level
        if a.test_score is not None:
            row.tests.setdefault(a.subject_id, {})[a.point] = a.test_score
        if a.comment:
            row.comments.setdefault(a.subject_id, {})[a.point] = a.comment
    for t in m.PrimaryTraitAssessment.objects.filter(enrolment_id__in=ids):
        rows[t.enrolment_id].traits.setdefault(t.point, {})[t.trait] = t.level
    for record in m.PrimaryYearRecord.objects.filter(enrolment_id__in=ids):
        rows[record.enrolment_id].record = record
    for row in data.rows:
        judge(data, row)
    return data
