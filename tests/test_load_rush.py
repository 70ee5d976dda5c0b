"""Tests of the pure parts of scripts/load_rush.py: the lost-update check, percentiles, the grid page reader."""

import importlib.util
import random
from decimal import Decimal
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "scripts" / "load_rush.py"
_spec = importlib.util.spec_from_file_location("load_rush", _PATH)
load_rush = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_rush)
CellLog = load_rush.CellLog

A, B, C = (7, 101, "tx", 1), (7, 101, "gk", 1), (7, 102, "tx", 1)


def saved(*steps) -> CellLog:
    cell = CellLog()
    for value, version in steps:
        if version is None:
            cell.in_doubt(None if value is None else Decimal(value))
        else:
            cell.saved(None if value is None else Decimal(value), version)
    return cell


def test_nothing_is_lost_when_rows_and_history_match_the_acknowledged_saves():
    cells = {A: saved(("6", 2), ("7.5", 3)), B: saved((None, 2))}
    stored = {A: (Decimal("7.5"), 3), B: (None, 2)}
    assert load_rush.lost_updates(cells, stored, history={A: 2, B: 1}) == []


def test_a_save_that_got_no_answer_may_or_may_not_have_been_written():
    cells = {A: saved(("6", 1), ("8", None)), B: saved(("5", None))}  # the second save of A timed out
    assert load_rush.lost_updates(cells, {A: (Decimal("8"), 2), B: (Decimal("5"), 1)}, {A: 2, B: 1}) == []
    assert load_rush.lost_updates(cells, {A: (Decimal("6"), 1)}, {A: 1}) == []
    # but not an older value, nor the unanswered value at the acknowledged version
    assert load_rush.lost_updates(cells, {A: (Decimal("8"), 1)}, {A: 1})


@pytest.mark.parametrize(("stored", "history", "expected"), [
    ({}, {A: 1}, "no row in the database"),  # the row is gone
    ({A: (Decimal("6"), 2)}, {A: 1}, "database holds 6 v2"),  # an older value survived
    ({A: (Decimal("7.5"), 4)}, {A: 1}, "database holds 7.5 v4"),  # someone wrote after the last ack
    ({A: (Decimal("7.5"), 2)}, {}, "1 acknowledged changes, 0 history rows"),  # a change without history
    ({A: (Decimal("7.5"), 2)}, {A: 2}, "1 acknowledged changes, 2 history rows"),  # a change never acknowledged
    ({A: (Decimal("7.5"), 2)}, {A: 1, C: 1}, "no save sent"),  # history of a cell nobody saved
])
def test_every_disagreement_with_the_acknowledged_saves_is_reported(stored, history, expected):
    problems = load_rush.lost_updates({A: saved(("7.5", 2))}, stored, history)
    assert len(problems) == 1 and expected in problems[0]


def test_percentiles_interpolate_between_closest_ranks():
    samples = [float(n) for n in range(1, 101)]  # 1..100
    assert load_rush.percentile(samples, 50) == pytest.approx(50.5)
    assert load_rush.percentile(samples, 95) == pytest.approx(95.05)
    assert load_rush.percentile(samples, 100) == 100
    assert load_rush.percentile([3.0], 99) == 3.0


def test_typed_scores_use_the_decimal_comma_and_always_change_the_cell():
    rng = random.Random(1)
    texts = [load_rush.score_text(rng, avoid="7,5") for _ in range(500)]
    values = {load_rush.as_decimal(text) for text in texts}
    assert Decimal("7.5") not in values
    assert all(Decimal(0) <= value <= Decimal(10) for value in values)
    assert any("," in text for text in texts) and not any("." in text for text in texts)


def test_the_grid_page_reader_finds_the_editable_cells_with_their_versions_and_skips_recorded_ones():
    html = """<meta name="csrf-token" content="tok">
    <table><tbody>
    <tr data-e="11" data-n="1"><td>1</td>
      <td class="c" data-k="tx" data-i="1"><input class="cell" type="text" value="7,5" data-v="3" data-s="recorded"></td>
      <td class="c" data-k="gk" data-i="1"><input class="cell" type="text" value="" data-v="" data-s=""></td>
      <td class="c rec" data-k="tx" data-i="2"><input class="cell rec" type="text" value="8" data-v="2"></td>
      <td class="avg" data-col="term">7,5</td></tr>
    <tr data-e="12" data-n="2" class="left"><td class="c ro" data-k="tx" data-i="1">6</td></tr>
    </tbody></table>"""
    page = load_rush.GridPage(html)
    assert page.cells == {(11, "tx", 1): ["7,5", 3], (11, "gk", 1): ["", None]}
    assert page.csrf == "tok"


@pytest.mark.parametrize(("text", "workers", "threads"), [("gthread:2x8", 2, 8), ("sync:5", 5, 1)])
def test_gunicorn_configurations_are_read_from_the_command_line(text, workers, threads):
    config = load_rush.GunicornConfig.parse(text)
    assert (config.workers, config.threads) == (workers, threads)
    with pytest.raises(ValueError):
        load_rush.GunicornConfig.parse("sync:2x4")
