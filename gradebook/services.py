"""Every change of a score: one function, with the acting user and a reason, in one transaction.

A save is a block of cells (one typed cell, or a pasted 45 × 6 block): each cell is judged on
its own (bad input, a stale version or a slot the student does not have refuses that cell
only, and the others still save, as the grid's paste rule says), and the whole block is
written with a constant number of queries, history included, through simple-history's bulk
helpers.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schoolrecords import models as sm

from . import assessment
from . import permissions as policy
from .models import FORFEITED_MESSAGE, MADE_UP_MESSAGE, Score, format_result
from .selectors import (
    RowResult,
    assignment_for_scores,
    check_term,
    regular_required,
    row_results,
    studies_during,
)

# A pasted block is at most a class (~50) by a term's six entry columns; a request far beyond
# that is not a paste, and would hold the row locks for too long.
MAX_CELLS = 1000

_UPDATED_FIELDS = ["value", "comment_passed", "status", "version", "updated_at", "updated_by"]

Slot = tuple[int, str, int]  # (enrolment id, kind, index)


@dataclass(frozen=True)
class CellInput:
    """One cell as the grid sends it.

    ``expected_version`` is the version the teacher's screen showed (None for a slot that had
    no row yet). ``status`` is Score.Status: RECORDED for what is typed normally, MADE_UP for a
    make-up result, FORFEITED when the student skipped the make-up (the text may then be empty:
    0, or CĐ for a comment subject, is recorded).
    """

    enrolment_id: int
    kind: str
    index: int
    text: str
    expected_version: int | None = None
    status: str = Score.Status.RECORDED

    @property
    def slot(self) -> Slot:
        return (self.enrolment_id, self.kind, self.index)


class Outcome(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"  # nothing to write (same value, or an empty cell left empty): no history row
    INVALID = "invalid"  # what was typed is not a score / comment result: the message says why
    REFUSED = "refused"  # the slot cannot be written (no such column, student not in the class …)
    CONFLICT = "conflict"  # someone saved this cell since the teacher's screen showed it


@dataclass(frozen=True)
class CellResult:
    """What became of one cell.

    For SAVED, UNCHANGED and CONFLICT, ``value``/``comment_passed``/``status``/``version`` are the
    slot's state after the save (for a conflict: the other person's value, to show beside the
    message); ``version`` None means the slot still has no row. For INVALID and REFUSED they are
    empty: nothing was read or written for that cell, and the screen keeps what was typed.
    """

    enrolment_id: int
    kind: str
    index: int
    outcome: Outcome
    message: str = ""
    value: Decimal | None = None
    comment_passed: bool | None = None
    status: str | None = None
    version: int | None = None
    updated_by: str = ""

    @property
    def slot(self) -> Slot:
        return (self.enrolment_id, self.kind, self.index)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SAVED, Outcome.UNCHANGED)

    @property
    def display(self) -> str:
        return format_result(self.value, self.comment_passed)


@dataclass(frozen=True)
class SaveResult:
    cells: tuple[CellResult, ...]
    rows: tuple[RowResult, ...] = ()  # the results, after the save, of the students with a saved or conflicting cell
    is_commented: bool = False  # the subject is assessed by comments (Đ / CĐ), not by scores

    @property
    def saved(self) -> list[CellResult]:
        return [cell for cell in self.cells if cell.outcome == Outcome.SAVED]

    @property
    def problems(self) -> list[CellResult]:
        return [cell for cell in self.cells if not cell.ok]

    @property
    def conflicts(self) -> list[CellResult]:
        return [cell for cell in self.cells if cell.outcome == Outcome.CONFLICT]

    @property
    def ok(self) -> bool:
        return not self.problems

    def for_slot(self, enrolment_id: int, kind: str, index: int = 1) -> CellResult | None:
        return next((cell for cell in self.cells if cell.slot == (enrolment_id, kind, index)), None)


@dataclass
class _Parsed:
    cell: CellInput
    value: Decimal | None
    comment_passed: bool | None
    status: str


@transaction.atomic
def scores_save(*, actor, assignment: sm.TeachingAssignment, term: sm.Term, cells: Iterable[CellInput],
                reason: str = "") -> SaveResult:
    """Save a block of cells of one class's subject and term; see the module docstring.

    Raises PermissionDenied (403) unless ``actor`` is the assigned teacher, Http404 for another
    school's assignment or a term of another year, ValidationError for an oversized block.
    """
    assignment = assignment_for_scores(assignment)
    check_term(assignment, term)
    # Holds the term's gate (shared) until the commit: a close or a lock waits for this save (gradebook.locks).
    state = policy.check_writable(actor, assignment, term, for_update=True)
    exempt = policy.exempt_enrolment_ids(assignment, term)
    cells = list(cells)
    if len(cells) > MAX_CELLS:
        raise ValidationError(_("Save at most %(count)s cells at a time.") % {"count": MAX_CELLS})
    reason = reason or _("Scores entered")
    required = regular_required(assignment)
    is_commented = assignment.subject.is_commented

    results: dict[int, CellResult] = {}  # by position in ``cells``
    enrolments = {
        enrolment.pk: enrolment
        for enrolment in sm.Enrolment.objects.filter(
            school_class_id=assignment.school_class_id, pk__in={cell.enrolment_id for cell in cells}
        ).order_by().only("pk", "start_date", "end_date", "status")
    }
    parsed: dict[int, _Parsed] = {}
    seen: set[Slot] = set()
    for position, cell in enumerate(cells):
        problem = _slot_problem(cell, enrolments, term, required=required, seen=seen, exempt=exempt,
                                state=state)
        if problem:
            results[position] = _result(cell, Outcome.REFUSED, problem)
            continue
        seen.add(cell.slot)
        try:
            parsed[position] = _parse(cell, is_commented=is_commented)
        except assessment.ScoreInputError as error:
            results[position] = _result(cell, Outcome.INVALID, _(error.message) % error.params)
        except ValidationError as error:
            results[position] = _result(cell, Outcome.INVALID, " ".join(error.messages))

    now = timezone.now()
    current = _locked_scores(assignment, term, {p.cell.enrolment_id for p in parsed.values()})
    to_update: list[Score] = []
    to_create: dict[int, Score] = {}
    for position, item in parsed.items():
        cell = item.cell
        score = current.get(cell.slot)
        if score is not None and _same(score, item):
            # Also when the screen was stale: the value asked for is already there, nothing is overwritten.
            results[position] = _result_of(cell, Outcome.UNCHANGED, score)
        elif score is None and item.value is None and item.comment_passed is None:
            results[position] = (
                _result(cell, Outcome.UNCHANGED) if cell.expected_version is None else _conflict(cell, None)
            )
        elif (score.version if score is not None else None) != cell.expected_version:
            results[position] = _conflict(cell, score)
        elif score is None:
            to_create[position] = Score(
                enrolment_id=cell.enrolment_id, subject_id=assignment.subject_id, term_id=term.pk, kind=cell.kind,
                index=cell.index, value=item.value, comment_passed=item.comment_passed, status=item.status,
                version=1, updated_at=now, updated_by=actor,
            )
        else:
            score.value, score.comment_passed, score.status = item.value, item.comment_passed, item.status
            score.version += 1
            score.updated_at, score.updated_by = now, actor
            to_update.append(score)
            results[position] = _result_of(cell, Outcome.SAVED, score)

    for score in [*to_update, *to_create.values()]:
        # No per-row queries: foreign keys were checked above, the constraints have the last word.
        score.clean_fields(exclude=["enrolment", "subject", "term", "updated_by"])
        score.clean()
    if to_update:
        _update_with_history(to_update, actor=actor, reason=reason, now=now)
    if to_create:
        conflicts = _create(list(to_create.values()), assignment, term, actor=actor, reason=reason, now=now)
        for position, score in to_create.items():
            taken = conflicts.get(score.slot)
            if score.slot in conflicts:
                results[position] = _conflict(cells[position], taken)
            else:
                results[position] = _result_of(cells[position], Outcome.SAVED, score)
    answered = tuple(results[position] for position in range(len(cells)))
    touched = {cell.enrolment_id for cell in answered if cell.outcome in (Outcome.SAVED, Outcome.CONFLICT)}
    return SaveResult(cells=answered, rows=tuple(row_results(assignment, term, touched, required=required)),
                      is_commented=is_commented)


def _slot_problem(cell: CellInput, enrolments, term: sm.Term, *, required: int, seen: set[Slot],
                  exempt: frozenset[int], state) -> str:
    if cell.kind not in Score.Kind.values or (cell.kind != Score.Kind.REGULAR and cell.index != 1):
        return _("Unknown column.")
    if cell.kind == Score.Kind.REGULAR and not 1 <= cell.index <= required:
        return _("This subject has %(count)s regular assessments per term.") % {"count": required}
    if policy.locked_columns(state, [(cell.kind, cell.index)]):  # a closed window's column, a locked column
        return state.cell_refusal(cell.kind, cell.index)
    enrolment = enrolments.get(cell.enrolment_id)
    if enrolment is None or not studies_during(enrolment, term):
        return _("This student is not in the class during this term.")
    if cell.enrolment_id in exempt:
        return str(policy.EXEMPT_MESSAGE)
    if cell.slot in seen:
        return _("This cell appears twice in the same save.")
    if cell.status not in Score.Status.values:
        return _("Unknown cell status.")
    return ""


def _parse(cell: CellInput, *, is_commented: bool) -> _Parsed:
    """The cell's text as a value or a comment result, in the subject's mode, with its status."""
    if is_commented:
        value, passed = None, assessment.parse_comment(cell.text)
    else:
        value, passed = assessment.parse_score(cell.text), None
    if cell.status == Score.Status.FORFEITED:
        if value is None and passed is None:
            value, passed = (None, False) if is_commented else (Decimal(0), None)
        if not (passed is False or value == 0):
            raise ValidationError(FORFEITED_MESSAGE)
    elif cell.status == Score.Status.MADE_UP and value is None and passed is None:
        raise ValidationError(MADE_UP_MESSAGE)
    # An emptied cell keeps its row (and history); its status goes back to the default.
    status = cell.status if (value is not None or passed is not None) else Score.Status.RECORDED
    return _Parsed(cell=cell, value=value, comment_passed=passed, status=status)


def _same(score: Score, item: _Parsed) -> bool:
    return (score.value, score.comment_passed, score.status) == (item.value, item.comment_passed, item.status)


def _locked_scores(assignment: sm.TeachingAssignment, term: sm.Term, enrolment_ids: set[int]) -> dict[Slot, Score]:
    """The existing rows of the students being saved, locked until the transaction ends (one query).

    The version comparison happens against these locked rows, so two saves of the same cell
    are serialised and the second sees the first's version. (SQLite has no row locks; it
    serialises writers by locking the whole database instead.)
    """
    if not enrolment_ids:
        return {}
    rows = (
        Score.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(subject_id=assignment.subject_id, term_id=term.pk, enrolment_id__in=enrolment_ids)
        .order_by("pk")  # one lock order for every save: two overlapping saves wait, never deadlock
    )
    return {score.slot: score for score in rows}


def _update_with_history(scores: list[Score], *, actor, reason: str, now) -> None:
    """Write the changed rows (locked by ``_locked_scores``) and their history rows, with user and reason.

    Django's ``bulk_update``, under simple-history's ``bulk_update_with_history``, builds a
    ``CASE WHEN id = … THEN …`` expression per field and row: for a pasted 45 × 6 block over
    existing cells that is 1,620 expressions, and building and compiling them was three quarters
    of the save (docs/benchmarks.md). On PostgreSQL the rows are written instead with one
    ``UPDATE … FROM (VALUES …)`` (one tuple per row, each value prepared and cast by its field
    as Django would), and the history rows with simple-history's own bulk helper, in the same
    transaction: the same rows, the same history, two queries as before.
    """
    if connection.vendor != "postgresql":
        bulk_update_with_history(scores, Score, fields=_UPDATED_FIELDS, default_user=actor,
                                 default_change_reason=reason, default_date=now)
        return
    fields = [Score._meta.pk, *(Score._meta.get_field(name) for name in _UPDATED_FIELDS)]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields) + ")"
    values = [field.get_db_prep_save(getattr(score, field.attname), connection)
              for score in scores for field in fields]
    columns = [quote(field.column) for field in fields]
    sql = (
        f"UPDATE {quote(Score._meta.db_table)} AS s "
        f"SET {', '.join(f'{column} = v.{column}' for column in columns[1:])} "
        f"FROM (VALUES {', '.join([row] * len(scores))}) AS v ({', '.join(columns)}) "
        f"WHERE s.{columns[0]} = v.{columns[0]}"
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, values)
        Score.history.bulk_history_create(scores, update=True, default_user=actor, default_change_reason=reason,
                                          default_date=now)


def _create(new: list[Score], assignment, term, *, actor, reason: str, now) -> dict[Slot, Score | None]:
    """Insert the new rows with their history; the slots someone else created meanwhile are returned.

    Two teachers' screens can both show a slot as empty: rows that do not exist yet cannot be
    locked, so the unique constraint decides. The losing insert is rolled back to a savepoint,
    the rows that now exist become conflicts, and the rest is inserted again.
    """
    conflicts: dict[Slot, Score | None] = {}
    # One insert order for every save, as for the locks: two blocks of the same empty cells listed in
    # opposite orders would otherwise each hold half of what the other inserts, and deadlock.
    new = sorted(new, key=lambda score: score.slot)
    while new:
        try:
            with transaction.atomic():
                bulk_create_with_history(new, Score, default_user=actor, default_change_reason=reason,
                                         default_date=now)
            return conflicts
        except IntegrityError:
            for score in new:
                score.pk = None  # a failed bulk insert may have set them on some backends
            taken = _locked_scores(assignment, term, {score.enrolment_id for score in new})
            clashes = [score for score in new if score.slot in taken]
            if not clashes:
                raise  # not a race on a slot: a real fault, which must not pass as a conflict
            conflicts.update({score.slot: taken[score.slot] for score in clashes})
            new = [score for score in new if score.slot not in taken]
    return conflicts


def _result(cell: CellInput, outcome: Outcome, message: str = "") -> CellResult:
    return CellResult(enrolment_id=cell.enrolment_id, kind=cell.kind, index=cell.index, outcome=outcome,
                      message=message)


def _result_of(cell: CellInput, outcome: Outcome, score: Score, message: str = "") -> CellResult:
    return CellResult(
        enrolment_id=cell.enrolment_id, kind=cell.kind, index=cell.index, outcome=outcome, message=message,
        value=score.value, comment_passed=score.comment_passed, status=score.status, version=score.version,
        updated_by=_name(score.updated_by),
    )


def _conflict(cell: CellInput, score: Score | None) -> CellResult:
    if score is None:  # rows are never deleted: the screen claimed a version that never existed
        message = _("This cell has changed since your page was loaded. Your entry was not saved: reload the page.")
        return CellResult(enrolment_id=cell.enrolment_id, kind=cell.kind, index=cell.index,
                          outcome=Outcome.CONFLICT, message=message)
    if score.is_empty:
        message = _("%(who)s emptied this cell meanwhile. Your entry was not saved: check and type it again.") % {
            "who": _name(score.updated_by)}
    else:
        message = _(
            "%(who)s changed this cell meanwhile; it now holds %(value)s. "
            "Your entry was not saved: check and type it again."
        ) % {"who": _name(score.updated_by), "value": score.display}
    return _result_of(cell, Outcome.CONFLICT, score, message)


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""
