"""A teacher's save of primary grid cells (a level, a test score, a comment): one function, one transaction.

Each cell is judged on its own (a decimal or out-of-range test score, a level that is not T/H/C,
a test column where the subject has no test at that point, a secondary column such as "tx", a
student who left or is not in the class: that cell is refused with a Vietnamese message and the
others still save); the sheet as a whole is refused when the actor is not the assigned teacher,
the class's results for the period are approved, the class does not study the subject, or the
year is not TT27. The rows are written with their history (who, when, why) by simple-history's
bulk helpers, in a constant number of queries.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from gradebook import policy
from gradebook.models import PrimaryAssessment
from gradebook.rules import tt27
from schoolrecords import models as sm

from . import selectors
from .selectors import COMMENT, KINDS, LEVEL, MAX_COMMENT, TEST

MAX_CELLS = 1000  # a class (~40) by three columns, pasted many times over: beyond it, not a grid's save
_FIELDS = {LEVEL: "level", TEST: "test_score", COMMENT: "comment"}


@dataclass(frozen=True)
class CellInput:
    enrolment_id: int
    kind: str  # level, test or comment
    text: str
    index: int = 1

    @property
    def slot(self) -> tuple[int, str]:
        return (self.enrolment_id, self.kind)


class Outcome(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"
    INVALID = "invalid"  # not a level / test score / comment: the message says why
    REFUSED = "refused"  # the cell cannot be written (no such column here, a student who left …)
    CONFLICT = "conflict"  # someone created the same row at the same moment


@dataclass(frozen=True)
class CellResult:
    enrolment_id: int
    kind: str
    outcome: Outcome
    message: str = ""
    text: str = ""  # the cell as it now stands, for SAVED and UNCHANGED

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SAVED, Outcome.UNCHANGED)


@dataclass(frozen=True)
class SaveResult:
    cells: tuple[CellResult, ...]

    @property
    def saved(self) -> list[CellResult]:
        return [cell for cell in self.cells if cell.outcome == Outcome.SAVED]

    @property
    def problems(self) -> list[CellResult]:
        return [cell for cell in self.cells if not cell.ok]

    @property
    def ok(self) -> bool:
        return not self.problems

    def for_cell(self, enrolment_id: int, kind: str) -> CellResult | None:
        return next((c for c in self.cells if (c.enrolment_id, c.kind) == (enrolment_id, kind)), None)


def _parse(kind: str, text: str):
    """The value of the model field the cell stands for; raises tt27.ScoreInputError or ValidationError."""
    if kind == LEVEL:
        level = tt27.parse_subject_level(text)
        return level.value if level is not None else ""
    if kind == TEST:
        return tt27.parse_test_score(text)
    comment = " ".join(text.split())
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("A comment in the grid has at most %(count)s characters.") % {"count": MAX_COMMENT})
    return comment


def _refusal(cell: CellInput, *, enrolments: dict[int, sm.Enrolment], tested: bool, seen: set) -> str:
    if cell.kind not in KINDS or cell.index != 1:
        return _("This is not a column of the primary grid: a TT27 year has a level, a test score and a comment.")
    if cell.kind == TEST and not tested:
        return _("This subject has no periodic test at this point in this grade.")
    enrolment = enrolments.get(cell.enrolment_id)
    if enrolment is None:
        return _("This student is not in the class.")
    if enrolment.status != sm.Enrolment.Status.STUDYING:
        return _("This student has left the class: their assessments are read only.")
    if cell.slot in seen:
        return _("This cell appears twice in the same save.")
    return ""


@transaction.atomic
def primary_save(*, actor, assignment: sm.TeachingAssignment | int, point: tt27.AssessmentPoint | str,
                 cells: Iterable[CellInput], reason: str = "") -> SaveResult:
    """Save a block of cells of one primary class × subject at one point; see the module docstring.

    Raises NotPrimary (a 404) for a class or subject not assessed under TT27, PermissionDenied
    unless ``actor`` is the assigned teacher and the sheet is open, ValidationError for an
    oversized block.
    """
    assignment = selectors.primary_assignment(assignment, actor=actor)
    point = tt27.AssessmentPoint(point)
    policy.require_primary_writer(actor, assignment)
    # The class row locked until the commit, as gradebook.results.services.lock_class locks it for an approval:
    # an approval and a save of the same class never interleave, so an approved period is never written.
    sm.SchoolClass.objects.select_for_update(of=("self",)).filter(pk=assignment.school_class_id).first()
    refusal = selectors.sheet_refusal(assignment, point)
    if refusal:
        raise PermissionDenied(refusal)
    cells = list(cells)
    if len(cells) > MAX_CELLS:
        raise ValidationError(_("Save at most %(count)s cells at a time.") % {"count": MAX_CELLS})
    reason = reason or _("Entered in the primary grid")
    tested = selectors.has_test(assignment, point)
    enrolments = {e.pk: e for e in sm.Enrolment.objects.filter(
        school_class_id=assignment.school_class_id, pk__in={c.enrolment_id for c in cells}).only("pk", "status")}

    results: dict[int, CellResult] = {}
    values: dict[int, object] = {}
    seen: set = set()
    for position, cell in enumerate(cells):
        problem = _refusal(cell, enrolments=enrolments, tested=tested, seen=seen)
        if problem:
            results[position] = CellResult(cell.enrolment_id, cell.kind, Outcome.REFUSED, problem)
            continue
        seen.add(cell.slot)
        try:
            values[position] = _parse(cell.kind, cell.text)
        except tt27.ScoreInputError as error:
            results[position] = CellResult(cell.enrolment_id, cell.kind, Outcome.INVALID,
                                           _(error.message) % error.params)
        except ValidationError as error:
            results[position] = CellResult(cell.enrolment_id, cell.kind, Outcome.INVALID, " ".join(error.messages))

    current = {a.enrolment_id: a for a in PrimaryAssessment.objects.select_for_update().filter(
        subject_id=assignment.subject_id, point=point, enrolment_id__in={cells[p].enrolment_id for p in values},
    ).order_by("pk")}
    now = timezone.now()
    changed: dict[int, PrimaryAssessment] = {}  # by enrolment: the rows to write
    for position, value in values.items():
        cell = cells[position]
        row = current.get(cell.enrolment_id) or changed.get(cell.enrolment_id)
        name = _FIELDS[cell.kind]
        if row is None:
            if value in ("", None):
                results[position] = CellResult(cell.enrolment_id, cell.kind, Outcome.UNCHANGED)
                continue
            row = PrimaryAssessment(enrolment_id=cell.enrolment_id, subject_id=assignment.subject_id, point=point)
        if getattr(row, name) == value:
            results[position] = CellResult(cell.enrolment_id, cell.kind, Outcome.UNCHANGED,
                                           text=selectors.display(row, cell.kind))
            continue
        setattr(row, name, value)
        row.updated_at, row.updated_by = now, actor
        changed[cell.enrolment_id] = row
    for row in changed.values():
        # No per-row queries: the foreign keys were checked above; the constraints have the last word.
        row.clean_fields(exclude=["enrolment", "subject", "updated_by"])

    updates = [row for row in changed.values() if row.pk is not None]
    creates = sorted((row for row in changed.values() if row.pk is None), key=lambda row: row.enrolment_id)
    if updates:
        bulk_update_with_history(updates, PrimaryAssessment, fields=["level", "test_score", "comment", "updated_at",
                                                                      "updated_by"],
                                 default_user=actor, default_change_reason=reason, default_date=now)
    lost: set[int] = set()
    if creates:
        try:
            with transaction.atomic():
                bulk_create_with_history(creates, PrimaryAssessment, default_user=actor,
                                         default_change_reason=reason, default_date=now)
        except IntegrityError:
            lost = {row.enrolment_id for row in creates}  # another save created them at the same moment
    for position in values:
        if position in results:
            continue
        cell = cells[position]
        if cell.enrolment_id in lost:
            results[position] = CellResult(cell.enrolment_id, cell.kind, Outcome.CONFLICT, _(
                "Someone saved this student's row at the same moment. Your entry was not saved: reload the page."))
        else:
            results[position] = CellResult(cell.enrolment_id, cell.kind, Outcome.SAVED,
                                           text=selectors.display(changed[cell.enrolment_id], cell.kind))
    return SaveResult(cells=tuple(results[position] for position in range(len(cells))))
