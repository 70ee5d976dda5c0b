"""Lookups every sub-domain shares: an assignment with what the policy reads, its terms, its columns.

Each raises Http404 for what does not exist; whether the actor may see it is gradebook.policy's
answer, asked by the caller.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolrecords import models as sm
from schoolrecords.selectors import how_studied

from .rules import tt22

PRIMARY_MESSAGE = gettext_lazy(
    "This class follows TT27 (primary): its subjects are entered in the primary grid, by assessment point, "
    "not in the score grid."
)


class PrimaryAssignment(Http404):
    """A score-grid path asked for a primary (TT27) class or a subject assessed by levels: a 404 that says so."""

    def __init__(self, assignment: sm.TeachingAssignment):
        super().__init__(str(PRIMARY_MESSAGE))
        self.message = str(PRIMARY_MESSAGE)
        self.assignment = assignment


def assignment_for_scores(assignment: sm.TeachingAssignment | int) -> sm.TeachingAssignment:
    """The assignment reloaded with everything the policy and the grid read (one query)."""
    pk = assignment.pk if isinstance(assignment, sm.TeachingAssignment) else assignment
    found = (
        sm.TeachingAssignment.objects.select_related("year", "school_class", "subject__department")
        .filter(pk=pk)
        .order_by()
        .first()
    )
    if found is None:
        raise Http404
    if found.year.rule_set == sm.RuleSet.TT27 or found.subject.is_leveled:
        raise PrimaryAssignment(found)  # no TT22 column in a TT27 year
    return found


def check_term(assignment: sm.TeachingAssignment, term: sm.Term) -> None:
    if term.year_id != assignment.year_id:
        raise Http404


def term_for(assignment_id: int, number: int) -> sm.Term:
    """The term of the assignment's year; 404 when there is none (the policy then decides on the assignment)."""
    term = sm.Term.objects.filter(year__assignments=assignment_id, number=number).order_by().first()
    if term is None:
        raise Http404
    return term


class NotStudied(Http404, ValidationError):
    """The assignment's class does not study its subject (it is not in the class's set this year).

    A 404 for the pages that show the sheet; a ValidationError, with the Vietnamese message at the
    subject, for the writers (the grid's save, the import) that catch one.
    """


def regular_required(assignment: sm.TeachingAssignment) -> int:
    """How many ĐĐGtx the subject has in the assignment's class this year (one query): its periods in the
    class's own set, else in its grade's. NotStudied when the class does not study it."""
    studied = how_studied(assignment.school_class, assignment.subject_id)
    if studied is None:
        raise NotStudied({"subject": _("%(name)s does not study %(subject)s this year.") % {
            "name": assignment.school_class.name, "subject": assignment.subject.name}})
    periods, topics = studied
    return tt22.regular_assessment_count(periods, learning_topics=topics)
