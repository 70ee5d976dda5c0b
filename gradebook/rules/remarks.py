"""A column of remarks pasted from a spreadsheet, laid onto the students of a sheet in order (pure, no Django).

A spreadsheet copies a column as one line per cell; a cell holding a line break or a quote comes
quoted ("…", quotes doubled), and a copy of several columns has tabs between them. ``paste_column``
reads that the way the spreadsheet wrote it and says what does not fit: fewer lines than students
(the last students are left as they were), more lines (the extra ones are not used), or a block
wider than one column (only the first column is used).
"""

import csv
import io
from dataclasses import dataclass

from schoolrecords.purei18n import gettext_noop

MSG_FEWER_LINES = gettext_noop("%(lines)s lines pasted for %(students)s students: the last %(missing)s students are "
                               "left as they were.")
MSG_MORE_LINES = gettext_noop("%(lines)s lines pasted for %(students)s students: the last %(extra)s lines are not "
                              "used.")
MSG_WIDER = gettext_noop("The pasted block has %(columns)s columns: only the first one is used.")
MSG_NOTHING = gettext_noop("Nothing was pasted.")


@dataclass(frozen=True)
class Message:
    """An English catalogue id with its parameters; Django code translates it (``text``)."""

    message: str
    params: dict

    def text(self, gettext) -> str:
        return gettext(self.message) % self.params if self.params else gettext(self.message)


@dataclass(frozen=True)
class Pasted:
    """The pasted column laid onto ``students`` rows: ``texts[i]`` goes to the i-th student."""

    texts: tuple[str, ...]  # one per student that got a line, in order (len ≤ students)
    lines: int  # lines (cells) pasted
    students: int
    columns: int  # the widest row of the block

    @property
    def messages(self) -> list[Message]:
        """What the teacher should know before saving: empty when every student got exactly one line."""
        found = []
        if self.lines == 0:
            return [Message(MSG_NOTHING, {})]
        if self.columns > 1:
            found.append(Message(MSG_WIDER, {"columns": self.columns}))
        params = {"lines": self.lines, "students": self.students}
        if self.lines < self.students:
            found.append(Message(MSG_FEWER_LINES, {**params, "missing": self.students - self.lines}))
        elif self.lines > self.students:
            found.append(Message(MSG_MORE_LINES, {**params, "extra": self.lines - self.students}))
        return found


def split_cells(text: str) -> list[list[str]]:
    """The rows of a block copied from a spreadsheet (tab-separated, quoted cells may hold line breaks).

    One final line break is the spreadsheet's own end of the block, not an empty cell; empty lines
    inside the block are empty cells (a student without a remark).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if not text.strip():
        return []
    return [row or [""] for row in csv.reader(io.StringIO(text), delimiter="\t", quotechar='"', strict=False)]


def paste_column(text: str, students: int) -> Pasted:
    """Lay the first column of a pasted block onto ``students`` rows, in order; each cell's text trimmed."""
    rows = split_cells(text)
    cells = [" ".join(row[0].split()) for row in rows]  # a cell's inner line breaks become spaces
    return Pasted(texts=tuple(cells[:students]), lines=len(cells), students=students,
                  columns=max((len(row) for row in rows), default=0))
