"""The sector database's status codes from a student's movements (pure: no database)."""

import datetime

import pytest

from schoolrecords import statuscodes as sc

D = datetime.date
ENDS = {"term_i_end": D(2026, 1, 10), "term_ii_end": D(2026, 5, 25)}


def code(*events):
    return sc.status_code([sc.Event(kind, on) for kind, on in events], **ENDS)


@pytest.mark.parametrize(("events", "expected"), [
    ((), "01"),
    (((sc.CLASS_CHANGE, D(2025, 10, 1)),), "01"),
    (((sc.TRANSFER_IN, D(2025, 10, 1)),), "02"),
    (((sc.DROP_OUT, D(2025, 10, 1)), (sc.RETURN, D(2025, 11, 1))), "03"),
    (((sc.TRANSFER_OUT, D(2026, 1, 10)),), "04"),
    (((sc.DROP_OUT, D(2025, 12, 1)),), "05"),
    (((sc.TRANSFER_IN, D(2026, 1, 11)),), "06"),
    (((sc.DROP_OUT, D(2025, 12, 1)), (sc.RETURN, D(2026, 2, 1))), "07"),
    (((sc.TRANSFER_OUT, D(2026, 3, 2)),), "08"),
    (((sc.DROP_OUT, D(2026, 5, 25)),), "09"),
    (((sc.TRANSFER_IN, D(2026, 5, 26)),), "10"),
    (((sc.TRANSFER_OUT, D(2026, 5, 30)),), "11"),
    (((sc.DROP_OUT, D(2026, 5, 31)),), "12"),
    # the last movement counts, a class change never
    (((sc.TRANSFER_IN, D(2025, 10, 1)), (sc.CLASS_CHANGE, D(2026, 2, 1))), "02"),
    (((sc.TRANSFER_IN, D(2025, 10, 1)), (sc.TRANSFER_OUT, D(2026, 2, 1))), "08"),
    # same day: the given order decides
    (((sc.RETURN, D(2026, 2, 1)), (sc.TRANSFER_OUT, D(2026, 2, 1))), "08"),
])
def test_status_code_of_the_last_movement_by_part_of_the_year(events, expected):
    assert code(*events) == expected


def test_a_return_in_the_summer_counts_as_one_of_term_ii():
    assert code((sc.DROP_OUT, D(2026, 4, 1)), (sc.RETURN, D(2026, 5, 28))) == "07"


def test_every_code_has_a_label_and_an_unknown_kind_is_refused():
    assert sorted(sc.CODES) == [f"{n:02d}" for n in range(1, 13)]
    with pytest.raises(ValueError):
        code(("moved_house", D(2025, 10, 1)))
