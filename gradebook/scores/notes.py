"""What the grid says about a column its teacher cannot simply type: why, and what to do instead.

A closed, locked or frozen column gets the entry rule's refusal; an open column holding recorded
results gets one sentence over all of them: when they were recorded, the path that changes them
(re-entry or correction request) and its deadline, from the verdicts gradebook.rules.entry gives
each recorded cell (no query: the grid has read everything).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from gradebook import entry
from gradebook.models import Score
from gradebook.rules import entry as entry_rules
from gradebook.rules.entry import Remedy
from gradebook.scores.selectors import Column, Grid


@dataclass(frozen=True)
class ColumnNote:
    column: Column
    text: str  # "" when the column needs no note


def column_notes(result: Grid) -> list[ColumnNote]:
    """One note per column of the grid, in its order ("" for computed and freely typed columns)."""
    state = result.lock_state
    notes = []
    for column in result.columns:
        text = ""
        if state is not None and not column.computed:
            closed = entry_rules.column_open(state.facts.columns, column.kind, column.index)
            if not closed.allowed:
                text = closed.text(_)
            elif result.can_write:
                text = _recorded_note(result, column)
        notes.append(ColumnNote(column, text))
    return notes


def _recorded_note(result: Grid, column: Column) -> str:
    state = result.lock_state
    verdicts, dates = [], []
    position = result.entry_columns.index(column)
    for row in result.rows:
        recorded = row.records.get(column.key)
        if recorded is None or not row.open_cells[position]:
            continue
        verdict = state.judge(entry.student(row.enrolment), column.kind, column.index, recorded)
        if verdict.remedy != Remedy.NONE:
            verdicts.append(verdict)
            dates.append(recorded.entered_on)
    if not verdicts:
        return ""
    first, last = min(dates), max(dates)
    params = {"dates": entry_rules.day_text(first) if first == last
              else f"{entry_rules.day_text(first)}–{entry_rules.day_text(last)}"}
    in_time = [verdict for verdict in verdicts if not verdict.late]
    late = [verdict for verdict in verdicts if verdict.late]
    regular = column.kind == Score.Kind.REGULAR
    if in_time:
        deadlines = [verdict.deadline for verdict in in_time if verdict.deadline is not None]
        if deadlines:
            params["deadline"] = entry_rules.day_text(min(deadlines))
            text = (_("Scores recorded on %(dates)s: to change one, re-enter it with a reason and evidence before "
                      "%(deadline)s.") if regular else
                    _("Scores recorded on %(dates)s: to change one, file a correction request with the examiner's "
                      "confirmation before %(deadline)s.")) % params
        else:
            text = (_("Scores recorded on %(dates)s: to change one, re-enter it with a reason and evidence.")
                    if regular else
                    _("Scores recorded on %(dates)s: to change one, file a correction request with the examiner's "
                      "confirmation.")) % params
        if late:
            text += " " + _("%(count)s of them are past their deadline of %(deadline)s: file a correction request "
                            "for those.") % {"count": len(late),
                                             "deadline": entry_rules.day_text(max(v.deadline for v in late))}
        return text
    params["deadline"] = entry_rules.day_text(max(verdict.deadline for verdict in late))
    return (_("Scores recorded on %(dates)s; the deadline for re-entering them was %(deadline)s: to change one, "
              "file a correction request, which the leadership decides.") if regular else
            _("Scores recorded on %(dates)s; corrections of this test were due by %(deadline)s: to change one, "
              "file a late correction request, which the leadership decides.")) % params
