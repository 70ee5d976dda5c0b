"""The sector database's student status codes (CSDL ngành, 01 … 12) from a student's movements (pure).

The portal knows a student's state in a year by one code: still studying (01), or the last thing
that happened and in which part of the year it happened: term I, term II, or the summer after
term II. A class change inside the school is no movement for the portal: it changes no code.
A student placed at the start of the year (intake, promotion, repetition) studies: 01.

Nothing here imports Django: dates and kinds are plain values; labels are English catalogue
messages (``schoolrecords.purei18n`` gives their Vietnamese text).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from schoolrecords.purei18n import gettext_noop, vietnamese

# The kinds of movement (schoolrecords.models.Movement.Kind has the same values).
TRANSFER_IN, TRANSFER_OUT, CLASS_CHANGE, DROP_OUT, RETURN = (
    "transfer_in", "transfer_out", "class_change", "drop_out", "return")
KINDS = frozenset({TRANSFER_IN, TRANSFER_OUT, CLASS_CHANGE, DROP_OUT, RETURN})

TERM_I, TERM_II, SUMMER = 1, 2, 3

STUDYING = "01"
CODES: dict[str, str] = {
    "01": gettext_noop("Studying"),
    "02": gettext_noop("Transferred in, term I"),
    "03": gettext_noop("Returned after leaving, term I"),
    "04": gettext_noop("Transferred out, term I"),
    "05": gettext_noop("Left school, term I"),
    "06": gettext_noop("Transferred in, term II"),
    "07": gettext_noop("Returned after leaving, term II"),
    "08": gettext_noop("Transferred out, term II"),
    "09": gettext_noop("Left school, term II"),
    "10": gettext_noop("Transferred in, summer"),
    "11": gettext_noop("Transferred out, summer"),
    "12": gettext_noop("Left school, summer"),
}
# (kind, part of the year) → code. A return in the summer counts as one of term II: the portal has no
# "returned in the summer" code, and the student is back for the year's end.
_BY_KIND = {
    (TRANSFER_IN, TERM_I): "02", (TRANSFER_IN, TERM_II): "06", (TRANSFER_IN, SUMMER): "10",
    (RETURN, TERM_I): "03", (RETURN, TERM_II): "07", (RETURN, SUMMER): "07",
    (TRANSFER_OUT, TERM_I): "04", (TRANSFER_OUT, TERM_II): "08", (TRANSFER_OUT, SUMMER): "11",
    (DROP_OUT, TERM_I): "05", (DROP_OUT, TERM_II): "09", (DROP_OUT, SUMMER): "12",
}


@dataclass(frozen=True)
class Event:
    kind: str
    on: datetime.date


def part_of_year(day: datetime.date, term_i_end: datetime.date, term_ii_end: datetime.date) -> int:
    """TERM_I up to term I's last day (the days before it too), TERM_II up to term II's, then SUMMER."""
    if day <= term_i_end:
        return TERM_I
    return TERM_II if day <= term_ii_end else SUMMER


def status_code(events: Iterable[Event], *, term_i_end: datetime.date, term_ii_end: datetime.date) -> str:
    """The code of a student's year: that of their last movement other than a class change, else 01.

    Events on the same day keep their given order (a return, then a transfer out, ends transferred).
    """
    counted = [event for event in events if event.kind != CLASS_CHANGE]
    if not counted:
        return STUDYING
    if any(event.kind not in KINDS for event in counted):
        raise ValueError(f"unknown movement kind in {counted!r}")
    last = max(enumerate(counted), key=lambda pair: (pair[1].on, pair[0]))[1]
    return code_of(last.kind, part_of_year(last.on, term_i_end, term_ii_end))


def code_of(kind: str, part: int) -> str:
    """The code of one movement (not a class change) in one part of the year (TERM_I, TERM_II, SUMMER)."""
    return _BY_KIND[kind, part]


def label(code: str) -> str:
    """The English catalogue message of a code."""
    return CODES[code]


def vietnamese_label(code: str) -> str:
    """The portal's Vietnamese name of a code ("Chuyển đến kì 1")."""
    return vietnamese(CODES[code])
