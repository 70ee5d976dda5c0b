"""Reads of subject remarks and the comment bank: the remarks sheet of an assignment, the phrases a user sees.

The sheet reads in a fixed number of queries whatever the size of the class: the assignment, its
terms, the reader's right (gradebook.policy), the entry rule's facts (gradebook.entry), the
students, their remarks and the phrases.
"""

from dataclasses import dataclass

from django.db.models import Q

from gradebook import entry, lookups, policy
from gradebook.models import RemarkPhrase, SubjectRemark
from gradebook.remarks.services import refusal, remark_students, sheet_term
from gradebook.results.compute import YEAR
from schoolrecords import models as sm
from schoolrecords.permissions import found_or_hidden, user_school
from schoolrecords.selectors import sort_vietnamese


@dataclass
class RemarkRow:
    number: int
    enrolment: sm.Enrolment  # with .student
    text: str
    writable: bool  # the teacher may write it now (the sheet is open and the student has a remark)


@dataclass
class RemarkSheet:
    assignment: sm.TeachingAssignment  # with year, school_class, subject
    number: int  # 1, 2 or YEAR
    term: sm.Term | None  # None: the year
    rows: list[RemarkRow]
    is_teacher: bool
    refusal: str  # why the teacher may not write now ("" when they may)
    frozen: bool  # the class's results of the period are approved
    phrases: list[RemarkPhrase]  # the teacher's own and the school's, for this subject (empty for readers)

    @property
    def can_write(self) -> bool:
        return self.is_teacher and not self.refusal

    @property
    def is_year(self) -> bool:
        return self.number == YEAR

    @property
    def writable_rows(self) -> list[RemarkRow]:
        return [row for row in self.rows if row.writable]


def remark_sheet(*, actor, assignment: sm.TeachingAssignment | int, number: int) -> RemarkSheet:
    """The remarks of an assignment's students for a term (1, 2) or the year (YEAR), as ``actor`` may see them.

    Readers of the scores (gradebook.policy.can_read) read it; the assigned teacher writes it
    while the entry rule lets them. Another school's assignment is a 404.
    """
    assignment = lookups.assignment_for_scores(assignment)
    policy.require_read(actor, assignment)
    terms = {term.number: term for term in sm.Term.objects.filter(year_id=assignment.year_id).order_by("number")}
    decisive = sheet_term(terms, number)
    term = None if number == YEAR else terms[number]
    exempt = entry.exemptions_by_term(assignment, terms.get(2) or decisive)
    state = entry.entry_state(actor, assignment, decisive, regular_required=lookups.regular_required(assignment),
                              exempt=exempt)
    refused = refusal(state, assignment, number) if state.facts.is_teacher else ""
    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=assignment.school_class_id).select_related("student").order_by()
    )
    remarks = SubjectRemark.objects.filter(enrolment__school_class_id=assignment.school_class_id,
                                           subject_id=assignment.subject_id)
    remarks = remarks.filter(term=term) if term is not None else remarks.filter(term__isnull=True)
    texts = dict(remarks.order_by().values_list("enrolment_id", "text"))
    due = remark_students(enrolments, terms, number, exempt)
    writable = state.facts.is_teacher and not refused
    rows = []
    for position, enrolment in enumerate(enrolments, start=1):
        if enrolment.pk not in due and enrolment.pk not in texts:
            continue
        rows.append(RemarkRow(number=position, enrolment=enrolment, text=texts.get(enrolment.pk, ""),
                              writable=writable and enrolment.pk in due))
    return RemarkSheet(
        assignment=assignment, number=number, term=term, rows=rows, is_teacher=state.facts.is_teacher,
        refusal=refused, frozen=state.facts.results_approved,
        phrases=phrases_for(actor, subject_id=assignment.subject_id) if writable else [],
    )


# --- the comment bank -------------------------------------------------------------------------------


def phrases_for(user, *, subject_id: int | None = None) -> list[RemarkPhrase]:
    """The phrases ``user`` sees: their own and the school's, never another teacher's (one query).

    With ``subject_id``: the phrases of that subject and those for every subject. The school's
    come first, then the user's own, each in alphabetical order.
    """
    school = user_school(user)
    if school is None:
        return []
    rows = RemarkPhrase.objects.filter(Q(owner__isnull=True) | Q(owner_id=user.pk), school_id=school.pk)
    if subject_id is not None:
        rows = rows.filter(Q(subject__isnull=True) | Q(subject_id=subject_id))
    return sorted(rows.select_related("subject"), key=lambda phrase: (phrase.owner_id is not None,
                                                                      phrase.text.casefold()))


def phrase_for(user, pk: int) -> RemarkPhrase:
    """A phrase ``user`` may edit; another teacher's or another school's is a logged 404."""
    school = user_school(user)
    visible = RemarkPhrase.objects.filter(Q(owner__isnull=True) | Q(owner_id=user.pk),
                                          school_id=school.pk if school else None).select_related("subject")
    return found_or_hidden(visible, user, "phrase", pk=pk)


def school_subjects(user) -> list[sm.Subject]:
    school = user_school(user)
    return list(sm.Subject.objects.filter(school=school).order_by("order", "name")) if school else []
