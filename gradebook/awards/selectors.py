"""Reads of a class's certificates, competition results and awards: one row per student, a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from gradebook.models import StudentAward
from gradebook.policy import may_enter_awards, require_results_reader
from gradebook.results.compute import YEAR
from gradebook.results.services import approved_periods
from gradebook.rules.slots import studies_during
from schoolrecords import models as sm
from schoolrecords.selectors import sort_vietnamese


@dataclass
class AwardRow:
    number: int
    enrolment: sm.Enrolment  # with .student
    in_year: bool  # in the class during the year: entries may be added
    awards: list[StudentAward] = field(default_factory=list)


@dataclass
class AwardSheet:
    school_class: sm.SchoolClass
    rows: list[AwardRow]
    frozen: bool  # the year's results are approved
    writable: bool  # the reader may add and remove entries now

    @property
    def count(self) -> int:
        return sum(len(row.awards) for row in self.rows)

    @property
    def students(self) -> list[AwardRow]:
        return [row for row in self.rows if row.in_year]


def awards_by_enrolment(enrolment_ids) -> dict[int, list[StudentAward]]:
    """{enrolment id: its entries in the printed order}, in one query."""
    found: dict[int, list[StudentAward]] = defaultdict(list)
    for award in StudentAward.objects.filter(enrolment_id__in=list(enrolment_ids)).order_by(
            "enrolment_id", "kind", "awarded_on", "pk"):
        found[award.enrolment_id].append(award)
    return found


def awards_sheet(*, actor, school_class: sm.SchoolClass) -> AwardSheet:
    """The class's students with their entries for the class's school year (homeroom teacher or leadership)."""
    require_results_reader(actor, school_class)
    terms = list(sm.Term.objects.filter(year_id=school_class.year_id))
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=school_class.pk).select_related("student").order_by())
    awards = awards_by_enrolment(enrolment.pk for enrolment in enrolments)
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        in_year = any(studies_during(enrolment, term) for term in terms)
        if in_year or awards.get(enrolment.pk):
            rows.append(AwardRow(number=number, enrolment=enrolment, in_year=in_year,
                                 awards=awards.get(enrolment.pk, [])))
    frozen = YEAR in approved_periods(school_class)
    return AwardSheet(school_class=school_class, rows=rows, frozen=frozen,
                      writable=not frozen and may_enter_awards(actor, school_class))
