"""Reads of the score book: the score grid of one class's subject and term, and a cell's history.

Every read checks gradebook.policy, asks the entry rule (gradebook.rules.entry) which cells are
writable, and runs a constant number of queries, whatever the size of the class.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gradebook import entry, lookups, policy
from gradebook.entry import EntryState
from gradebook.models import (
    MAX_REGULAR,
    Score,
    column_label,
    format_average,
    format_comment,
    format_result,
)
from gradebook.rules import tt22
from gradebook.rules.slots import slot_key
from schoolrecords import models as sm
from schoolrecords.selectors import sort_vietnamese

# --- the grid --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the grid: an assessment slot (kind, index) or a computed average."""

    key: str  # "tx1" … "tx5", "gk", "ck", "term", "year"
    label: str  # the ledger's short heading: ĐĐGtx1, ĐĐGgk, ĐTBmhk …
    title: str  # the long heading, for a tooltip
    kind: str | None = None  # Score.Kind for assessment columns, None for computed ones
    index: int = 1
    # False for a computed column, and for a regular column beyond the subject's count that
    # only exists because scores were entered before its periods were lowered: it is shown
    # (and counted in the average, as tt22.term_average_or_none does) but not writable.
    writable: bool = False
    # Closed by an entry window or locked (gradebook.windows): shown read-only with a lock mark;
    # its cells change only through a correction request.
    locked: bool = False

    @property
    def computed(self) -> bool:
        return self.kind is None


@dataclass(frozen=True)
class Cell:
    """What one slot holds now; ``version`` None means the slot has no row yet."""

    kind: str
    index: int
    score_id: int | None = None
    value: Decimal | None = None
    comment_passed: bool | None = None
    status: str | None = None
    version: int | None = None

    @property
    def key(self) -> str:
        return slot_key(self.kind, self.index)

    @property
    def display(self) -> str:
        return format_result(self.value, self.comment_passed)

    @property
    def is_empty(self) -> bool:
        return self.value is None and self.comment_passed is None


@dataclass
class Row:
    number: int  # the list number (STT) in Vietnamese order
    enrolment: sm.Enrolment  # with .student
    writable: bool  # in the class during the term, not exempt from the subject, and the actor may write
    cells: list[Cell]  # aligned with Grid.entry_columns
    # The entry rule's answer per entry column (aligned with cells): True where the actor may type
    # now; while the sheet is open, a refused cell's message is in ``refusals`` by column key.
    open_cells: list[bool] = field(default_factory=list)
    refusals: dict[str, str] = field(default_factory=dict)
    # Open cells holding a recorded result, by column key: the rule's message (which path changes
    # it). They stay typeable; the save refuses a change and answers with the path.
    recorded: dict[str, str] = field(default_factory=dict)
    records: dict[str, entry.Recorded] = field(default_factory=dict)  # the teacher's view: recorded cells by key
    term_result: Decimal | bool | None = None  # ĐTBmhk, or Đ (True) / CĐ (False); None until complete
    term1_result: Decimal | bool | None = None  # in term II: term I's result, from which the year is computed
    year_result: Decimal | bool | None = None  # term II only: ĐTBmcn, or the comment year result
    # An individual education plan assesses this student otherwise than the class: by comments in a
    # scored subject (or by scores in a comment subject).
    by_plan: bool = False

    @property
    def student(self) -> sm.Student:
        return self.enrolment.student

    @property
    def has_left(self) -> bool:
        return not self.enrolment.is_active

    @property
    def left_on(self) -> datetime.date | None:
        return self.enrolment.end_date

    def cell(self, key: str) -> Cell | None:
        return next((cell for cell in self.cells if cell.key == key), None)


@dataclass
class Grid:
    assignment: sm.TeachingAssignment
    term: sm.Term
    is_commented: bool
    regular_required: int  # ĐĐGtx columns the subject needs (from its periods per year)
    columns: list[Column]  # every column, entry ones then computed ones
    rows: list[Row]
    can_write: bool  # the actor may save into this grid (the service checks again on every save)
    lock_state: EntryState | None = None  # the entry rule's facts: windows and locks met now
    can_correct: bool = False  # the assigned teacher, with locked cells: may file a correction request

    @property
    def locked_columns(self) -> list[Column]:
        return [column for column in self.columns if column.locked]

    @property
    def locked_labels(self) -> str:
        return ", ".join(column.label for column in self.locked_columns)

    @property
    def lockable_columns(self) -> list[Column]:
        """The columns the teacher may lock now ("Khóa cột")."""
        return [column for column in self.columns if column.writable and not column.locked] if self.can_write else []

    @property
    def subject(self) -> sm.Subject:
        return self.assignment.subject

    @property
    def school_class(self) -> sm.SchoolClass:
        return self.assignment.school_class

    @property
    def entry_columns(self) -> list[Column]:
        return [column for column in self.columns if not column.computed]

    @property
    def computed_columns(self) -> list[Column]:
        return [column for column in self.columns if column.computed]

    def format_result(self, result: Decimal | bool | None) -> str:
        return format_row_result(result, is_commented=self.is_commented)


def format_row_result(result: Decimal | bool | None, *, is_commented: bool) -> str:
    """A term or year result as the grid shows it: "7,8", or Đ / CĐ for a commented subject."""
    if isinstance(result, bool) or (result is None and is_commented):
        return format_comment(result)
    return format_average(result)


@dataclass(frozen=True)
class RowResult:
    """One student's computed results in a term: the grid's last columns."""

    enrolment_id: int
    term_result: Decimal | bool | None
    year_result: Decimal | bool | None = None  # term II only
    is_commented: bool | None = None  # the student's mode, where their plan changes the subject's


def grid(*, actor, assignment: sm.TeachingAssignment | int, term: sm.Term,
         enrolment_ids: list[int] | None = None, session: str = "") -> Grid:
    """The score grid of an assignment's class and subject for one term, with its averages.

    Rows: every enrolment of the class (those who left included, flagged with their end date)
    in Vietnamese order, numbered; ``enrolment_ids`` narrows the rows (e.g. to re-render the rows
    a save touched) while keeping their list numbers. Term II rows also carry term I's result and
    the year result. Averages stay None (empty, not zero) until every required assessment exists.
    Which cells the actor may type into is the entry rule's answer, cell by cell; ``session`` (the
    mark of the actor's login session) tells which results are still theirs to change. A constant
    number of queries (the assignment, the periods, the rule's facts, the class list, the scores
    of both terms, plus the permission checks), whatever the size of the class.
    """
    assignment = lookups.assignment_for_scores(assignment)
    lookups.check_term(assignment, term)
    required = lookups.regular_required(assignment)
    exempt = entry.exemptions_by_term(assignment, term)
    state = entry.entry_state(actor, assignment, term, regular_required=required, exempt=exempt)
    is_teacher = state.facts.is_teacher
    can_write = state.may_write
    if not can_write:  # who may write may read
        policy.require_read(actor, assignment)
    is_commented = assignment.subject.is_commented
    otherwise = entry.assessed_otherwise(assignment)

    enrolments = sort_vietnamese(
        sm.Enrolment.objects.filter(school_class_id=assignment.school_class_id).select_related("student").order_by()
    )
    slots_held = _slots(assignment, term)

    present = max(
        (index for (number, _enrolment), held in slots_held.items() if number == term.number
         for (kind, index) in held if kind == Score.Kind.REGULAR),
        default=0,
    )
    columns = _columns(term, required=required, shown=min(max(required, present), MAX_REGULAR),
                       is_commented=is_commented)
    columns = [replace(column, locked=True, writable=False)
               if not column.computed and state.is_locked(column.kind, column.index) else column
               for column in columns]
    entry_columns = [column for column in columns if not column.computed]

    wanted = set(enrolment_ids) if enrolment_ids is not None else None
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        if wanted is not None and enrolment.pk not in wanted:
            continue
        held = slots_held.get((term.number, enrolment.pk), {})
        student = entry.student(enrolment)
        by_plan = enrolment.pk in otherwise
        row_commented = is_commented != by_plan
        verdicts = [state.judge(student, column.kind, column.index) for column in entry_columns]
        records = {column.key: found for column in entry_columns
                   if is_teacher and (found := entry.recorded(held.get((column.kind, column.index)), session))}
        marks = {column.key: state.judge(student, column.kind, column.index, records[column.key]).text(_)
                 for column, verdict in zip(entry_columns, verdicts, strict=True)
                 if can_write and verdict.allowed and column.key in records}
        row = Row(
            number=number, enrolment=enrolment,
            writable=can_write and state.has_row(student),
            cells=[_cell(held.get((column.kind, column.index)), column) for column in entry_columns],
            term_result=_term_result(held, required=required, is_commented=row_commented),
            open_cells=[can_write and verdict.allowed for verdict in verdicts],
            refusals={column.key: verdict.text(_) for column, verdict in zip(entry_columns, verdicts, strict=True)
                      if not verdict.allowed and can_write},
            recorded=marks, records=records, by_plan=by_plan,
        )
        if term.number == 2:
            row.term1_result = _term_result(slots_held.get((1, enrolment.pk), {}), required=required,
                                            is_commented=row_commented)
            row.year_result = _year_result(row.term1_result, row.term_result, is_commented=row_commented,
                                           exempt=exempt, enrolment_id=enrolment.pk)
        rows.append(row)
    locked = any(column.locked for column in columns)
    return Grid(assignment=assignment, term=term, is_commented=is_commented, regular_required=required,
                columns=columns, rows=rows, can_write=can_write, lock_state=state,
                can_correct=is_teacher and locked)


def row_results(assignment: sm.TeachingAssignment, term: sm.Term, enrolment_ids: Iterable[int], *,
                required: int, exempt: dict[int, frozenset[int]] | None = None,
                otherwise: frozenset[int] = frozenset()) -> list[RowResult]:
    """The term (and in term II the year) results of some students of the assignment's class (one query).

    No permission check of its own: for the save, which has just checked that the actor may
    write, to answer with the averages of the rows it touched without rebuilding the grid.
    """
    enrolment_ids = sorted(set(enrolment_ids))
    if not enrolment_ids:
        return []
    held_slots = _slots(assignment, term, enrolment_ids)
    results = []
    for enrolment_id in enrolment_ids:
        is_commented = assignment.subject.is_commented != (enrolment_id in otherwise)
        result = _term_result(held_slots.get((term.number, enrolment_id), {}), required=required,
                              is_commented=is_commented)
        year = None
        if term.number == 2:
            first = _term_result(held_slots.get((1, enrolment_id), {}), required=required,
                                 is_commented=is_commented)
            year = _year_result(first, result, is_commented=is_commented, exempt=exempt or {},
                                enrolment_id=enrolment_id)
        results.append(RowResult(enrolment_id=enrolment_id, term_result=result, year_result=year,
                                 is_commented=is_commented if enrolment_id in otherwise else None))
    return results


def _slots(assignment: sm.TeachingAssignment, term: sm.Term,
           enrolment_ids: list[int] | None = None) -> dict[tuple[int, int], dict[tuple[str, int], Score]]:
    """The class's scores in the subject by (term number, enrolment) then (kind, index) (one query).

    Both terms at once in term II: the year result needs term I's scores too.
    """
    scores = Score.objects.filter(
        enrolment__school_class_id=assignment.school_class_id, subject_id=assignment.subject_id,
        term__year_id=term.year_id, term__number__in={1, term.number},
    )
    if enrolment_ids is not None:
        scores = scores.filter(enrolment_id__in=enrolment_ids)
    held: dict[tuple[int, int], dict[tuple[str, int], Score]] = {}
    for score in scores.order_by().annotate(term_number=F("term__number")):
        held.setdefault((score.term_number, score.enrolment_id), {})[score.kind, score.index] = score
    return held


def _columns(term: sm.Term, *, required: int, shown: int, is_commented: bool) -> list[Column]:
    columns = [
        Column(key=slot_key(Score.Kind.REGULAR, index), label=column_label(Score.Kind.REGULAR, index),
               title=_("Regular assessment %(index)s") % {"index": index}, kind=Score.Kind.REGULAR, index=index,
               writable=index <= required)
        for index in range(1, shown + 1)
    ]
    columns.append(Column(key="gk", label=column_label(Score.Kind.MIDTERM), title=_("Mid-term assessment"),
                          kind=Score.Kind.MIDTERM, writable=True))
    columns.append(Column(key="ck", label=column_label(Score.Kind.FINAL), title=_("End-of-term assessment"),
                          kind=Score.Kind.FINAL, writable=True))
    if is_commented:
        columns.append(Column(key="term", label=pgettext("score column", "Term result"),
                              title=_("Result of the term")))
        if term.number == 2:
            columns.append(Column(key="year", label=pgettext("score column", "Year result"),
                                  title=_("Result of the year")))
    else:
        columns.append(Column(key="term", label=pgettext("score column", "Term avg."),
                              title=_("Subject average of the term")))
        if term.number == 2:
            columns.append(Column(key="year", label=pgettext("score column", "Year avg."),
                                  title=_("Subject average of the year")))
    return columns


def _cell(score: Score | None, column: Column) -> Cell:
    if score is None:
        return Cell(kind=column.kind, index=column.index)
    return Cell(kind=score.kind, index=score.index, score_id=score.pk, value=score.value,
                comment_passed=score.comment_passed, status=score.status, version=score.version)


def _term_result(held, *, required: int, is_commented: bool) -> Decimal | bool | None:
    return tt22.subject_term_result(held, required=required, is_commented=is_commented)


def _year_result(term1, term2, *, is_commented: bool, exempt: dict[int, frozenset[int]],
                 enrolment_id: int) -> Decimal | bool | None:
    return tt22.subject_year_result(term1, term2, is_commented=is_commented,
                                    exempt_term1=enrolment_id in exempt.get(1, ()),
                                    exempt_term2=enrolment_id in exempt.get(2, ()))


# --- a cell's history ------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a cell, for the grid's history pop-up."""

    when: datetime.datetime
    who: str
    old: str  # as shown on screen: "", "7,5", "Đ" …
    new: str
    old_status: str | None
    new_status: str
    reason: str
    version: int

    @property
    def status_changed(self) -> bool:
        return self.old_status is not None and self.old_status != self.new_status


def score_for_reading(*, actor, score: Score | int) -> Score:
    """The score, if ``actor`` may read its class's subject (403), in their school (else 404)."""
    pk = score.pk if isinstance(score, Score) else score
    found = (
        Score.objects.select_related("enrolment__school_class__year", "subject__department", "term")
        .filter(pk=pk)
        .order_by()
        .first()
    )
    if found is None:
        raise Http404
    school_class = found.enrolment.school_class
    # The policy is stated on the teaching assignment: the current one, or the last one that ended.
    assignment = (
        sm.TeachingAssignment.objects.filter(school_class=school_class, subject_id=found.subject_id)
        .order_by(F("end_date").desc(nulls_first=True), "-start_date")
        .first()
    )
    if assignment is None:  # scores are only written through an assignment, so this is set-up gone wrong
        raise Http404
    # Reuse the rows already loaded, so the policy reads them without a query each.
    assignment.year = school_class.year
    assignment.school_class = school_class
    assignment.subject = found.subject
    policy.require_read(actor, assignment)
    return found


def score_history(*, actor, score: Score | int) -> list[HistoryEntry]:
    """Every change of one cell, newest first: who, when, old → new, status, reason."""
    score = score_for_reading(actor=actor, score=score)
    records = list(
        score.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries = []
    previous = None
    for record in records:
        user = record.history_user
        entries.append(HistoryEntry(
            when=record.history_date,
            who=(user.get_full_name() or user.get_username()) if user is not None else "",
            old=format_result(previous.value, previous.comment_passed) if previous is not None else "",
            new=format_result(record.value, record.comment_passed),
            old_status=previous.status if previous is not None else None,
            new_status=record.status,
            reason=record.history_change_reason or "",
            version=record.version,
        ))
        previous = record
    entries.reverse()
    return entries
