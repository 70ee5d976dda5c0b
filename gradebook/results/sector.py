"""A class's year results in the sector database's template (schoolrecords.formats.csdl): one workbook per class.

One row per student in the class at the end of the year: the subjects' year averages (or Đ/CĐ,
"Miễn" when exempt), the learning and conduct levels of each term and of the year, the summer
remedies' results, the absences, whether the student moves up, and the title. A result that is not
complete yet is a blank cell. No permission is checked here: the view does (schoolrecords.sector).
"""

from decimal import Decimal

from gradebook.results.compute import ClassResults, StudentResult, load_class, term_results, year_results
from gradebook.rules.tt22 import Level, Outcome
from schoolrecords import models as sm
from schoolrecords import sector
from schoolrecords.formats import csdl


def _level(level: Level | None) -> str:
    return "" if level is None else csdl.LEVELS[str(level)]


def _subject(value: Decimal | bool | None, *, exempt: bool) -> Decimal | str:
    if exempt:
        return csdl.EXEMPT
    if isinstance(value, bool):
        return csdl.COMMENTS[value]
    return "" if value is None else value


def _promoted(row: StudentResult) -> int | str:
    outcome = row.final_outcome
    if outcome is Outcome.PROMOTED:
        return 1
    if outcome is Outcome.REPEAT:
        return 0
    return ""  # a re-test or the summer training still to come


def rows(school_class: sm.SchoolClass) -> tuple[list[str], list[list]]:
    """The header row and the rows of the class (the thirteen queries of load_class)."""
    data = load_class(school_class)
    year: ClassResults = year_results(data)
    terms = {number: {row.enrolment.pk: row for row in term_results(data, number).rows}
             for number in (1, 2) if number in data.terms}
    template = csdl.CURRENT["results"]
    headers = template.layout([info.subject.name for info in data.subjects])
    lines = []
    for number, row in enumerate(year.due, start=1):
        first, second = (terms.get(term, {}).get(row.enrolment.pk) for term in (1, 2))
        values = {
            "number": number, "code": row.enrolment.student.code, "full_name": row.enrolment.student.full_name,
            "class": school_class.name,
            "learning_1": _level(first.learning if first else None),
            "learning_2": _level(second.learning if second else None),
            "learning_year": _level(row.learning),
            "conduct_1": _level(row.conduct_terms[0]), "conduct_2": _level(row.conduct_terms[1]),
            "conduct_year": _level(row.conduct),
            "learning_after_retest": _level(row.learning_after_retest), "summer_conduct": _level(row.summer_conduct),
            "absences": row.absent, "promoted": _promoted(row),
            "title": csdl.TITLES.get(str(row.title), "") if row.title else "",
        }
        line = []
        for column in template.columns:
            line.append(values[column.field])
            if column.field == template.subjects_after:
                line.extend(_subject(result.final, exempt=result.exempt) for result in row.subjects)
        lines.append(line)
    return headers, lines


def results_workbook(school_class: sm.SchoolClass) -> bytes:
    headers, lines = rows(school_class)
    code = next(column.header for column in csdl.CURRENT["results"].columns if column.field == "code")
    return sector.workbook(headers, lines, title=f"KetQua {school_class.name}", text_headers={code})


def file_name(school_class: sm.SchoolClass) -> str:
    return sector.file_name(school_class.year, f"ket-qua-{school_class.name}")
