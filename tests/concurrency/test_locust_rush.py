"""The deadline-rush benchmark's load tool works end to end: locust (scripts/locust_rush.py) drives real teachers
against a live server, and every save it was told "saved" is in the database with its history row.

Not a timed test: a short run of two teachers, checked by load_rush's own lost-update check, so a change of the
login form, the grid page or the save's answer that breaks the benchmark fails here, not on the night it is run.
"""

import argparse
import importlib.util
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from gradebook.models import Score

from .conftest import PG_ONLY

pytestmark = pytest.mark.django_db(transaction=True)

_PATH = Path(__file__).resolve().parent.parent.parent / "scripts" / "load_rush.py"
_spec = importlib.util.spec_from_file_location("load_rush", _PATH)
load_rush = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_rush)


def test_locust_teachers_log_in_open_their_grid_and_every_acknowledged_save_is_stored(live_server, tmp_path):
    if connection.vendor != "postgresql":  # the live server's threads and the test share one SQLite file lock
        pytest.skip(PG_ONLY)
    seats = load_rush._seed(2, 40)  # the demo school and two virtual teachers through the services
    port = int(live_server.url.rsplit(":", 1)[1])
    args = argparse.Namespace(think=(0.2, 0.5), overwrite=0.3, paste=0.3, ramp=1.0, duration=6.0, seed=7, port=port)
    opened = []
    began = timezone.now()

    log, window, load, client_cpu = load_rush._drive_locust(seats, args=args, on_open=lambda: opened.append(1),
                                                           var_dir=tmp_path)

    assert log.teachers_ready == 2 and opened == [1]
    assert window.start >= args.ramp and window.stop == pytest.approx(window.start + args.duration)
    kinds = {sample.kind for sample in log.samples}
    assert {"login-page", "login", "grid", "save-cell"} <= kinds
    assert [sample for sample in log.samples if sample.error] == []
    in_window = [s for s in log.samples if s.kind.startswith("save-") and window.start <= s.started < window.stop]
    assert len(in_window) >= 10  # two teachers, one save every 0.2-0.5 s for 6 s
    assert not any(s.started >= window.stop for s in log.samples if s.kind.startswith("save-"))
    acknowledged = sum(cell.count for cell in log.cells.values())
    assert acknowledged >= len(in_window)
    problems, checked, history_rows = load_rush._check(log.cells, began)
    assert problems == []
    assert checked == len(log.cells) and history_rows == acknowledged
    # The cells hold what the teachers typed, as the check compared: spot one against the database.
    (subject, enrolment, kind, index), cell = next(iter(log.cells.items()))
    stored = Score.objects.get(subject_id=subject, enrolment_id=enrolment, kind=kind, index=index, term__number=1)
    assert (stored.value, stored.version) == (cell.value, cell.version)
    assert client_cpu > 0 and load
