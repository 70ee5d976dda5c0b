"""What the entry rule is told: the facts of one class's subject and term, read in a fixed number of queries.

``entry_state`` gathers, for one actor, everything gradebook.rules.entry decides on: the
teaching permission (gradebook.policy), the principal's approval of the class's results and
the term's test dates (one query), the windows and locks (gradebook.windows.selectors, two
queries) and the exempt students (one query). A save calls it with ``for_update``: it then
passes the term's gate first (gradebook.gate), so nothing it read can change until it commits.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolrecords import models as sm

from . import gate, lookups, policy
from .models import Exemption, IndividualPlan, ResultApproval, Score, TermRules
from .rules import entry, slots
from .rules.entry import ChangeRules, Facts, Recorded, Remedy, Student, Verdict
from .rules.tt22 import PlanMode
from .windows.selectors import columns_from, columns_rows, columns_state

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EntryState:
    """The facts of one class's subject and term for one actor, and the rule's answers over them."""

    facts: Facts
    column_locks: dict = field(default_factory=dict)  # (kind, index) -> ScoreLock, for the unlock buttons
    # {term number: exempt enrolment ids} of the term and, in term II, term I (the year results need it);
    # empty when nothing may be written and the caller gave none.
    exempt_by_term: dict = field(default_factory=dict)

    @property
    def whole_refusal(self) -> str:
        """The message refusing the whole sheet by a book lock or closed windows, "" when some cells may be written."""
        return entry.closed(self.facts.columns).text(_)

    def is_locked(self, kind: str, index: int) -> bool:
        """Closed by a window or locked: read-only with a lock mark, changed only through a correction."""
        return not entry.column_open(self.facts.columns, kind, index).allowed

    @property
    def may_write(self) -> bool:
        """May the actor write some cells of the sheet? (The grid's inputs; the save asks again.)"""
        return entry.sheet(self.facts).allowed

    def judge(self, student: Student | None, kind: str, index: int, recorded: Recorded | None = None) -> Verdict:
        return entry.judge(self.facts, student, kind, index, recorded)

    def has_row(self, student: Student | None) -> bool:
        """Does the student have cells in this subject and term (in the class, not exempt)?"""
        return entry.student_has_cell(self.facts, student, slots.REGULAR).allowed

    def correctable(self, student: Student | None, kind: str, index: int, recorded: Recorded | None = None) -> bool:
        """May a re-entry or correction request ask for this cell? (gradebook.rules.entry.correctable)"""
        return entry.correctable(self.facts, student, kind, index, recorded)


def recorded(score: Score | None, session: str) -> Recorded | None:
    """Is the result in ``score`` recorded for an actor in login session ``session``?

    Empty slots are not; a result entered in the actor's own session (gradebook.scores.writer
    stores the session's mark, schoolrecords.sessions) is not yet; anything else is: entered in a
    session that has ended, by someone else, by a correction or a command.
    """
    if score is None or score.is_empty or (session and score.entry_session == session):
        return None
    return Recorded(entered_on=timezone.localdate(score.entered_at or score.updated_at))


class EntryClosed(PermissionDenied):
    """The whole save is refused by approved results, a book lock or closed windows: a correction request
    is the way. ``state`` says which columns are locked."""

    def __init__(self, state: EntryState, message: str = ""):
        super().__init__(message or state.whole_refusal)
        self.state = state


def student(enrolment: sm.Enrolment) -> Student:
    return Student(enrolment_id=enrolment.pk, start_date=enrolment.start_date, end_date=enrolment.end_date)


def entry_state(actor, assignment: sm.TeachingAssignment, term: sm.Term, *, regular_required: int,
                for_update: bool = False, exempt: dict[int, frozenset[int]] | None = None,
                now: datetime.datetime | None = None) -> EntryState:
    """The facts for ``actor`` (who need not be the teacher: readers get the windows and locks too).

    ``assignment`` comes from gradebook.lookups.assignment_for_scores. Another school's
    assignment raises OtherSchool (a 404). A reader costs two queries (windows, locks); the
    teacher four: the approval, test dates and rules version, windows, locks, exempt students
    (none when the caller passes ``exempt``, as ``exemptions_by_term`` gives it). A save
    (``for_update``) takes the windows and locks from the cache when they were read under the
    term's current rules version (``_cached_rows``): then it costs two besides the gate.
    """
    policy.require_same_school(actor, assignment)
    is_teacher = policy.is_assigned_teacher(actor, assignment)
    approved, midterm_test_on, final_test_on, rules, version = False, None, None, ChangeRules(), None
    if is_teacher:
        if for_update:  # the save's transaction: no approval, window or lock can change until it commits
            gate.pass_term_gate(term.pk)
        approved, midterm_test_on, final_test_on, rules, version = _term_facts(assignment.school_class_id, term)
    if for_update and version is not None:
        columns, column_locks = columns_from(*_cached_rows(assignment, term, version), now=now)
    else:
        columns, column_locks = columns_state(assignment, term, now=now)
    if exempt is None and is_teacher and not approved and entry.closed(columns).allowed:  # else none is written
        exempt = exemptions_by_term(assignment, term)
    exempt = exempt or {}
    facts = Facts(term_start=term.start_date, term_end=term.end_date, regular_required=regular_required,
                  is_teacher=is_teacher, results_approved=approved, columns=columns,
                  exempt=exempt.get(term.number, frozenset()),
                  midterm_test_on=midterm_test_on, final_test_on=final_test_on,
                  today=timezone.localdate(now) if now is not None else timezone.localdate(), rules=rules)
    return EntryState(facts=facts, column_locks=column_locks, exempt_by_term=exempt)


def writable_state(actor, assignment: sm.TeachingAssignment, term: sm.Term, *, regular_required: int,
                   for_update: bool = False) -> EntryState:
    """``entry_state`` for a write: PermissionDenied (403) unless the rule lets the actor write part of the sheet."""
    state = entry_state(actor, assignment, term, regular_required=regular_required, for_update=for_update)
    verdict = entry.sheet(state.facts)
    if verdict.allowed:
        return state
    if verdict.remedy == Remedy.CORRECTION:
        raise EntryClosed(state, verdict.text(_))
    raise PermissionDenied(verdict.text(_))


def can_write(actor, assignment: sm.TeachingAssignment, term: sm.Term) -> bool:
    """``writable_state`` as a flag, for pages (which only reflect: the save asks again)."""
    assignment = lookups.assignment_for_scores(assignment)
    try:
        writable_state(actor, assignment, term, regular_required=lookups.regular_required(assignment))
    except (PermissionDenied, Http404):
        return False
    return True


def _cached_rows(assignment: sm.TeachingAssignment, term: sm.Term, version: int | None) -> tuple[list, list]:
    """The windows and locks of the assignment in ``term`` at rules ``version``: from the cache, or read and kept.

    Only a save calls it, after passing the term's gate and reading ``version`` there: no change of a
    window or a lock can commit until it does (they pass the gate alone), and each bumps the version,
    so rows kept under ``version`` are the rows of that version, in every process sharing the cache.
    """
    if version is None:  # no version yet (a term whose rules never changed, or rows bulk-loaded): read them
        return columns_rows(assignment, term)
    key = f"gradebook:rules:{term.pk}:{version}:{assignment.school_class_id}:{assignment.subject_id}"
    try:
        rows = cache.get(key)
    except Exception:  # the cache is down (Redis restarting): the save reads the rows, it does not fail
        logger.warning("rules cache unreachable: reading the windows and locks", exc_info=True)
        return columns_rows(assignment, term)
    if rows is None:
        rows = columns_rows(assignment, term)
        try:
            cache.set(key, rows, RULES_CACHE_SECONDS)
        except Exception:
            logger.warning("rules cache unreachable: not kept", exc_info=True)
    return rows


RULES_CACHE_SECONDS = 6 * 60 * 60  # an entry is never stale (its version is its key): this only frees memory


def _term_facts(school_class_id: int, term: sm.Term
                ) -> tuple[bool, datetime.date | None, datetime.date | None, ChangeRules, int | None]:
    """Whether the class's results are approved for the term or its year, the term's test dates, the
    school's rules for changing recorded scores and the term's rules version (one query)."""
    approved = ResultApproval.objects.filter(Q(term_id=OuterRef("pk")) | Q(term__isnull=True),
                                             school_class_id=school_class_id)
    version = TermRules.objects.filter(term_id=OuterRef("pk")).values("version")
    row = (sm.Term.objects.filter(pk=term.pk).annotate(approved=Exists(approved), rules_version=Subquery(version))
           .values_list("approved", "rules_version", "schedule__midterm_test_on", "schedule__final_test_on",
                        "schedule__regular_correction_days", "year__school__entry_settings__regular_deadline",
                        "year__school__entry_settings__test_correction_days",
                        "year__school__entry_settings__reentry_needs_approval").order_by().first())
    if row is None:
        return False, None, None, ChangeRules(), None
    approved, version, midterm, final, regular_days, deadline, test_days, needs_approval = row
    defaults = ChangeRules()
    rules = ChangeRules(
        regular_deadline=deadline or defaults.regular_deadline,
        regular_correction_days=defaults.regular_correction_days if regular_days is None else regular_days,
        test_correction_days=defaults.test_correction_days if test_days is None else test_days,
        reentry_needs_approval=defaults.reentry_needs_approval if needs_approval is None else needs_approval,
    )
    return approved, midterm, final, rules, version


def exempt_enrolment_ids(assignment: sm.TeachingAssignment, term: sm.Term) -> frozenset[int]:
    """The students of the assignment's class exempt from its subject in ``term`` (one query)."""
    return exemptions_by_term(assignment, term)[term.number]


def assessed_otherwise(assignment: sm.TeachingAssignment) -> frozenset[int]:
    """The students of the class whose approved individual education plan assesses the subject in the other
    mode: by comments (Đ / CĐ) in a scored subject, by scores in a comment subject (one query)."""
    other = PlanMode.SCORES if assignment.subject.is_commented else PlanMode.COMMENTS
    return frozenset(sm.Enrolment.objects.filter(
        school_class_id=assignment.school_class_id,
        student__individual_plans__year_id=assignment.year_id,
        student__individual_plans__state=IndividualPlan.State.APPROVED,
        student__individual_plans__subjects__subject_id=assignment.subject_id,
        student__individual_plans__subjects__mode=other.value,
    ).order_by().values_list("pk", flat=True))


def exemptions_by_term(assignment: sm.TeachingAssignment, term: sm.Term) -> dict[int, frozenset[int]]:
    """{term number: exempt enrolment ids} for ``term`` and, in term II, term I too (one query).

    A year exemption counts in both terms. Term II's grid needs term I's: a student exempt in
    term I only takes their year result from term II. A subject an approved individual education
    plan exempts (gradebook.models.IndividualPlan) counts as a year exemption.
    """
    numbers = {1, term.number}
    decided = Exemption.objects.filter(
        Q(term__number__in=numbers, term__year_id=term.year_id) | Q(term__isnull=True),
        enrolment__school_class_id=assignment.school_class_id, subject_id=assignment.subject_id,
    ).order_by().values_list("enrolment_id", "term__number")
    planned = sm.Enrolment.objects.filter(
        school_class_id=assignment.school_class_id,
        student__individual_plans__year_id=term.year_id,
        student__individual_plans__state=IndividualPlan.State.APPROVED,
        student__individual_plans__subjects__subject_id=assignment.subject_id,
        student__individual_plans__subjects__mode=PlanMode.EXEMPT.value,
    ).order_by().annotate(year_long=Value(None, output_field=IntegerField())).values_list("pk", "year_long")
    rows = decided.union(planned, all=True)
    found: dict[int, set[int]] = {number: set() for number in numbers}
    for enrolment_id, number in rows:
        for each in (numbers if number is None else {number}):
            found[each].add(enrolment_id)
    return {number: frozenset(ids) for number, ids in found.items()}
