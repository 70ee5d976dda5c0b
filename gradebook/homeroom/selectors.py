"""Reads of the homeroom sheet: what the homeroom teacher enters for a term or the year."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404

from gradebook.models import ConductResult, HomeroomCorrection, MonthlyAbsence, ResultApproval, StudentRemark
from gradebook.policy import require_homeroom
from gradebook.results.compute import YEAR
from gradebook.rules.slots import Month, studies_during, term_months
from schoolrecords import models as sm
from schoolrecords.selectors import sort_vietnamese


@dataclass
class SheetRow:
    number: int
    enrolment: sm.Enrolment  # with .student
    writable: bool  # in the class during the period (the sheet as a whole may still be frozen)
    conduct: str = ""  # LevelChoice value, "" when none
    absences: dict[Month, tuple[int, int]] = field(default_factory=dict)
    remark: str = ""


@dataclass
class HomeroomSheet:
    school_class: sm.SchoolClass
    number: int  # 1, 2 or YEAR
    term: sm.Term | None
    months: list[Month]  # the term's months (none for the year: only remarks are entered there)
    rows: list[SheetRow]
    approval: ResultApproval | None  # the approval that freezes this sheet, if any
    pending: frozenset[str] = frozenset()  # slots of the class's homeroom corrections waiting for the leadership

    @property
    def frozen(self) -> bool:
        return self.approval is not None

    @property
    def is_year(self) -> bool:
        return self.number == YEAR


def homeroom_sheet(*, actor, school_class: sm.SchoolClass, number: int) -> HomeroomSheet:
    """What the homeroom teacher enters for a term (conduct, absences per month, remark) or the year (remark)."""
    require_homeroom(actor, school_class)
    terms = {term.number: term for term in sm.Term.objects.filter(year_id=school_class.year_id)}
    if number != YEAR and number not in terms:
        raise Http404
    term = terms.get(number)
    months = term_months(terms.values()).get(number, []) if term is not None else []
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=school_class.pk).select_related("student").order_by()
    )
    in_class = {"enrolment__school_class_id": school_class.pk}
    conduct, absences = {}, defaultdict(dict)
    if term is not None:
        conduct = dict(ConductResult.objects.filter(term=term, **in_class).values_list("enrolment_id", "level"))
        wanted = Q()
        for year, month in months:
            wanted |= Q(year=year, month=month)
        if months:
            for row in MonthlyAbsence.objects.filter(wanted, **in_class).values_list(
                "enrolment_id", "year", "month", "excused", "unexcused"
            ):
                absences[row[0]][row[1], row[2]] = (row[3], row[4])
    remarks = dict(
        StudentRemark.objects.filter(term=term, **in_class).values_list("enrolment_id", "text")
        if term is not None
        else StudentRemark.objects.filter(term__isnull=True, **in_class).values_list("enrolment_id", "text")
    )
    approvals = {
        approval.term.number if approval.term_id else YEAR: approval
        for approval in ResultApproval.objects.filter(school_class_id=school_class.pk)
        .select_related("term", "approved_by__profile")
    }
    approval = approvals.get(YEAR) or approvals.get(number)
    rows = []
    for position, enrolment in enumerate(enrolments, start=1):
        present = (
            studies_during(enrolment, term) if term is not None
            else any(studies_during(enrolment, each) for each in terms.values())
        )
        if not present and enrolment.pk not in conduct and enrolment.pk not in remarks:
            continue
        rows.append(SheetRow(number=position, enrolment=enrolment, writable=present,
                             conduct=conduct.get(enrolment.pk, ""), absences=absences.get(enrolment.pk, {}),
                             remark=remarks.get(enrolment.pk, "")))
    pending = frozenset(
        HomeroomCorrection.objects.filter(school_class_id=school_class.pk, status=HomeroomCorrection.Status.PENDING)
        .values_list("slot", flat=True)
    ) if approval is not None else frozenset()
    return HomeroomSheet(school_class=school_class, number=number, term=term, months=months, rows=rows,
                         approval=approval, pending=pending)
