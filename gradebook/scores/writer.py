"""The one score writer: every change of a Score, whichever path asked for it, goes through ``scores_write``.

It bumps each row's version, sets who changed it and when, validates the rows in Python (no
query per row; the check constraints have the last word) and writes them with their history
rows (user, date, reason) in a constant number of queries: simple-history's bulk helpers, and
on PostgreSQL one ``UPDATE … FROM (VALUES …)`` for the changed rows. New slots are inserted in
one order; a slot someone else created meanwhile comes back as a conflict. The grid's save, the
spreadsheet import (through the save) and the approval of a correction request call it.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from gradebook.models import Score

_UPDATED_FIELDS = ["value", "comment_passed", "status", "version", "updated_at", "updated_by", "entry_session",
                   "entered_at"]

Slot = tuple[int, str, int]  # (enrolment id, kind, index)


@dataclass
class Write:
    """One slot's new content; ``score`` is its current row (locked by ``locked_scores``), None for a new slot."""

    enrolment_id: int
    kind: str
    index: int
    value: object
    comment_passed: bool | None
    status: str
    score: Score | None = None

    @property
    def slot(self) -> Slot:
        return (self.enrolment_id, self.kind, self.index)


def locked_scores(*, subject_id: int, term_id: int, enrolment_ids) -> dict[Slot, Score]:
    """The existing rows of some students in a subject and term, locked until the transaction ends (one query).

    The version comparison happens against these locked rows, so two saves of the same cell
    are serialised and the second sees the first's version. (SQLite has no row locks; it
    serialises writers by locking the whole database instead.)
    """
    if not enrolment_ids:
        return {}
    rows = (
        Score.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(subject_id=subject_id, term_id=term_id, enrolment_id__in=enrolment_ids)
        .order_by("pk")  # one lock order for every save: two overlapping saves wait, never deadlock
    )
    return {score.slot: score for score in rows}


@transaction.atomic(savepoint=False)  # the caller's transaction, or one of its own: no savepoint query
def scores_write(*, actor, subject_id: int, term_id: int, writes: list[Write], reason: str,
                 now: datetime.datetime, session: str = "") -> tuple[dict[Slot, Score], dict[Slot, Score | None]]:
    """Write ``writes`` with history; returns (the written rows by slot, the slots lost to a concurrent insert).

    ``session`` is the mark of the teacher's login session (schoolrecords.sessions) for what they
    type; "" for a correction, an import by command or any path without one: the values written
    are then recorded at once (gradebook.entry.recorded). A slot's ``entered_at`` is set the first
    time it gets a result and kept after. A lost slot maps to the row the other writer created
    (None if it cannot be read); nothing is written for it. Raises ValidationError before writing
    anything when a row breaks a rule.
    """
    to_update, to_create = [], []
    for write in writes:
        score = write.score
        if score is None:
            score = Score(enrolment_id=write.enrolment_id, subject_id=subject_id, term_id=term_id, kind=write.kind,
                          index=write.index, version=0)
            to_create.append(score)
        else:
            to_update.append(score)
        score.value, score.comment_passed, score.status = write.value, write.comment_passed, write.status
        score.version += 1
        score.updated_at, score.updated_by, score.entry_session = now, actor, session
        if score.entered_at is None and not score.is_empty:
            score.entered_at = now
    for score in [*to_update, *to_create]:
        # No per-row queries: foreign keys were checked by the caller, the constraints have the last word.
        score.clean_fields(exclude=["enrolment", "subject", "term", "updated_by"])
        score.clean()
    if to_update:
        _update_with_history(to_update, actor=actor, reason=reason, now=now)
    conflicts = _create(to_create, subject_id=subject_id, term_id=term_id, actor=actor, reason=reason,
                        now=now) if to_create else {}
    written = {score.slot: score for score in [*to_update, *to_create] if score.slot not in conflicts}
    return written, conflicts


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


def _create(new: list[Score], *, subject_id: int, term_id: int, actor, reason: str, now) -> dict[Slot, Score | None]:
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
            taken = locked_scores(subject_id=subject_id, term_id=term_id, enrolment_ids={score.enrolment_id for score in new})
            clashes = [score for score in new if score.slot in taken]
            if not clashes:
                raise  # not a race on a slot: a real fault, which must not pass as a conflict
            conflicts.update({score.slot: taken[score.slot] for score in clashes})
            new = [score for score in new if score.slot not in taken]
    return conflicts
