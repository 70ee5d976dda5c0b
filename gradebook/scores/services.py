"""A teacher's save of score cells: one function, with the acting user and a reason, in one transaction.

A save is a block of cells (one typed cell, or a pasted 45 × 6 block): each cell is judged on
its own by the entry rule (gradebook.rules.entry) and the input rules (bad input, a stale
version, or a slot the student does not have refuses that cell only, and the others still
save, as the grid's paste rule says), and the whole block is written by the one score writer
(gradebook.scores.writer) with a constant number of queries, history included.

A cell holding a recorded result (entered in a login session that has ended, seed 000 art. 8.2)
is refused when the save would change it, with the path that changes it (``CellResult.remedy``:
a re-entry or a correction request); the save passes the mark of the actor's session
(schoolrecords.sessions), and a path without one (a command) changes no recorded result.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook import entry, lookups, policy
from gradebook.models import FORFEITED_MESSAGE, MADE_UP_MESSAGE, Score, format_result
from gradebook.rules import tt22
from gradebook.scores import writer
from gradebook.scores.selectors import RowResult, row_results
from schoolrecords import models as sm

# A pasted block is at most a class (~50) by a term's six entry columns; a request far beyond
# that is not a paste, and would hold the row locks for too long.
MAX_CELLS = 1000

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
    remedy: str = ""  # for REFUSED: gradebook.rules.entry.Remedy, the path that changes this cell instead

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
                reason: str = "", session: str = "") -> SaveResult:
    """Save a block of cells of one class's subject and term; see the module docstring.

    ``session`` is the mark of the actor's login session (schoolrecords.sessions.entry_session).

    Raises PermissionDenied (403) unless ``actor`` is the assigned teacher and the sheet is open
    (approved results, a book lock or windows closing every column refuse it whole), Http404 for
    another school's assignment or a term of another year, ValidationError for an oversized block.
    """
    assignment = lookups.assignment_for_scores(assignment)
    lookups.check_term(assignment, term)
    try:
        required = lookups.regular_required(assignment)
    except lookups.NotStudied:
        policy.require_teacher(actor, assignment)  # only its teacher learns why
        raise
    # Holds the term's gate (shared) until the commit: a close or a lock waits for this save (gradebook.gate).
    state = entry.writable_state(actor, assignment, term, regular_required=required, for_update=True)
    cells = list(cells)
    if len(cells) > MAX_CELLS:
        raise ValidationError(_("Save at most %(count)s cells at a time.") % {"count": MAX_CELLS})
    reason = reason or _("Scores entered")
    is_commented = assignment.subject.is_commented
    # An individual education plan may assess one student otherwise than the class (Đ / CĐ in a scored subject).
    otherwise = entry.assessed_otherwise(assignment)

    results: dict[int, CellResult] = {}  # by position in ``cells``
    enrolments = {
        enrolment.pk: entry.student(enrolment)
        for enrolment in sm.Enrolment.objects.filter(
            school_class_id=assignment.school_class_id, pk__in={cell.enrolment_id for cell in cells}
        ).order_by().only("pk", "start_date", "end_date", "status")
    }
    parsed: dict[int, _Parsed] = {}
    seen: set[Slot] = set()
    for position, cell in enumerate(cells):
        problem = _slot_problem(cell, state.judge(enrolments.get(cell.enrolment_id), cell.kind, cell.index), seen)
        if problem:
            results[position] = _result(cell, Outcome.REFUSED, problem)
            continue
        seen.add(cell.slot)
        try:
            parsed[position] = _parse(cell, is_commented=is_commented != (cell.enrolment_id in otherwise))
        except tt22.ScoreInputError as error:
            results[position] = _result(cell, Outcome.INVALID, _(error.message) % error.params)
        except ValidationError as error:
            results[position] = _result(cell, Outcome.INVALID, " ".join(error.messages))

    now = timezone.now()
    current = writer.locked_scores(subject_id=assignment.subject_id, term_id=term.pk,
                                   enrolment_ids={p.cell.enrolment_id for p in parsed.values()})
    writes: dict[int, writer.Write] = {}
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
        elif (held := entry.recorded(score, session)) is not None:
            # The row is locked: what it holds is what the rule judges (a stale screen was a conflict above).
            verdict = state.judge(enrolments.get(cell.enrolment_id), cell.kind, cell.index, held)
            results[position] = replace(_result(cell, Outcome.REFUSED, verdict.text(_)), remedy=verdict.remedy.value)
        else:
            writes[position] = writer.Write(enrolment_id=cell.enrolment_id, kind=cell.kind, index=cell.index,
                                            value=item.value, comment_passed=item.comment_passed,
                                            status=item.status, score=score)
    written, conflicts = writer.scores_write(actor=actor, subject_id=assignment.subject_id, term_id=term.pk,
                                             writes=list(writes.values()), reason=reason, now=now, session=session)
    for position, write in writes.items():
        if write.slot in conflicts:
            results[position] = _conflict(cells[position], conflicts[write.slot])
        else:
            results[position] = _result_of(cells[position], Outcome.SAVED, written[write.slot])
    answered = tuple(results[position] for position in range(len(cells)))
    touched = {cell.enrolment_id for cell in answered if cell.outcome in (Outcome.SAVED, Outcome.CONFLICT)}
    return SaveResult(cells=answered, rows=tuple(row_results(assignment, term, touched, required=required,
                                                             exempt=state.exempt_by_term, otherwise=otherwise)),
                      is_commented=is_commented)


def _slot_problem(cell: CellInput, verdict, seen: set[Slot]) -> str:
    """Why the cell cannot be written (the entry rule's answer, then the save's own checks), or ""."""
    if not verdict.allowed:
        return verdict.text(_)
    if cell.slot in seen:
        return _("This cell appears twice in the same save.")
    if cell.status not in Score.Status.values:
        return _("Unknown cell status.")
    return ""


def _parse(cell: CellInput, *, is_commented: bool) -> _Parsed:
    """The cell's text as a value or a comment result, in the subject's mode, with its status."""
    if is_commented:
        value, passed = None, tt22.parse_comment(cell.text)
    else:
        value, passed = tt22.parse_score(cell.text), None
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
