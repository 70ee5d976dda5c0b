"""The virtual teachers of scripts/load_rush.py as a locust file (``load_rush.py --driver locust``, the default).

load_rush.py seeds the school, starts gunicorn, and runs ``locust --headless -f scripts/locust_rush.py``
with the plan in ``LOAD_RUSH_PLAN`` (a JSON file: the seats, the think time, the probabilities, the
ramp-up and the measured window, the clock's origin); this file writes what happened to
``LOAD_RUSH_OUT`` when locust quits (every request's latency, every cell's acknowledged value and
version, the window) and the moment the measured window opens to ``LOAD_RUSH_WINDOW``, for
load_rush.py to sample the servers' CPU then and to check the database afterwards.

Each locust user is one browser tab of one teacher, as load_rush.Teacher: it logs in through the
form, opens its grid, then types down a column, one saved cell per think time, and now and then
pastes a column or a block, sending the versions the previous answers returned. The window opens
when every teacher has logged in (or given up), at the earliest at the end of the ramp-up, and lasts
``duration``; nobody starts a save after it.
"""

import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

import gevent
from locust import HttpUser, events
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_rush  # noqa: E402 - the pure helpers, next to this file

PLAN = json.loads(Path(os.environ["LOAD_RUSH_PLAN"]).read_text()) if "LOAD_RUSH_PLAN" in os.environ else None


def clock() -> float:
    """Seconds since load_rush.py's origin (CLOCK_MONOTONIC is the same for every process of the machine)."""
    return time.monotonic() - PLAN["origin"]


class Run:
    """What the teachers share: the seats still free, the window, and the log written at the end."""

    def __init__(self, plan: dict):
        self.seats = [load_rush.Seat(**seat) for seat in plan["seats"]]
        self.waiting = len(self.seats)
        self.stopped = 0
        self.start: float | None = None
        # Until it opens, the end is as late as the run may last: all logins are given twice the ramp-up.
        self.stop = 3 * plan["ramp"] + 60 + plan["duration"]
        self.samples: list[load_rush.Sample] = []
        self.cells: dict = {}
        self.outcomes: Counter = Counter()
        self.overwrites = 0
        self.ready = 0

    def cell(self, slot) -> load_rush.CellLog:
        return self.cells.setdefault(slot, load_rush.CellLog())

    def arrived(self) -> None:
        self.waiting -= 1

    def open_window(self) -> None:
        deadline = clock() + 2 * PLAN["ramp"] + 60
        while self.waiting > 0 and clock() < deadline:
            gevent.sleep(0.2)
        gevent.sleep(max(0.0, PLAN["ramp"] - clock()))
        self.start = clock()
        self.stop = self.start + PLAN["duration"]
        Path(os.environ["LOAD_RUSH_WINDOW"]).write_text(json.dumps({"start": self.start, "stop": self.stop}))

    def user_stopped(self, environment) -> None:
        self.stopped += 1
        if self.stopped == len(PLAN["seats"]) and environment.runner is not None:
            gevent.spawn_later(0.1, environment.runner.quit)

    def dump(self) -> None:
        out = {
            "start": self.start, "stop": self.stop, "ready": self.ready, "overwrites": self.overwrites,
            "outcomes": dict(self.outcomes),
            "samples": [[s.kind, s.started, s.seconds, s.error, s.cells] for s in self.samples],
            "cells": [[list(slot), _text(cell.value), cell.version, cell.count,
                       [_text(value) for value in cell.doubtful], cell.doubtful_total]
                      for slot, cell in self.cells.items()],
        }
        Path(os.environ["LOAD_RUSH_OUT"]).write_text(json.dumps(out))


def _text(value) -> str | None:
    return None if value is None else str(value)


RUN = Run(PLAN) if PLAN else None


@events.test_start.add_listener
def _open_the_window(environment, **_kwargs):
    gevent.spawn(RUN.open_window)


@events.quitting.add_listener
def _write_the_log(environment, **_kwargs):
    RUN.dump()


class Teacher(HttpUser):
    """One teacher's browser tab (load_rush.Teacher's steps, on locust's HTTP session)."""

    def wait_time(self) -> float:
        pause = self.rng.uniform(*PLAN["think"])
        self.next_at = clock() + pause
        return pause

    def on_start(self) -> None:
        self.done = False
        self.seat = RUN.seats.pop(0)
        self.rng = random.Random(f"{PLAN['seed']}-{self.seat.username}")
        self.cells: dict = {}
        self.typing: list = []
        self.csrf = ""
        self.next_at = 0.0
        self.arrived = False
        if not self._log_in():
            self._arrive()
            raise StopUser()
        RUN.ready += 1
        self._arrive()
        self.next_at = clock() + self.wait_time()
        gevent.sleep(max(0.0, self.next_at - clock()))

    def on_stop(self) -> None:
        if self.done:  # locust may call it twice (the task set's and the user's)
            return
        self.done = True
        self._arrive()
        RUN.user_stopped(self.environment)

    def _arrive(self) -> None:
        if not self.arrived:
            self.arrived = True
            RUN.arrived()

    def _request(self, kind: str, method: str, path: str, **options) -> tuple[int, str, str]:
        """(status, body, error) with the latency recorded; error is "" on a 200 (or the login's redirect)."""
        started = clock()
        cells = len(options.get("json", {}).get("cells", []))
        response = self.client.request(method, path, name=kind, allow_redirects=False, timeout=60, **options)
        seconds = clock() - started
        # The site sends Secure cookies (production settings); on loopback they must go back over HTTP (requests
        # copies the cookies into a jar of its own for each request, so a cookie policy would not reach it).
        for cookie in self.client.cookies:
            cookie.secure = False
        status = response.status_code or 0
        if not status:  # locust's session turns a network failure into a status 0
            what = type(response.error).__name__ if response.error else "no answer"
            RUN.samples.append(load_rush.Sample(kind, started, seconds, f"network: {what}", cells))
            return 0, "", "network"
        expected = 302 if kind == "login" else 200
        error = "" if status == expected else f"HTTP {status}"
        RUN.samples.append(load_rush.Sample(kind, started, seconds, error, cells))
        return status, response.text, error

    def _log_in(self) -> bool:
        """Log in and open the grid; a teacher whose page does not come tries again, three times in all."""
        logged_in = False
        for attempt in range(3):
            if attempt:
                gevent.sleep(5)
            if not logged_in:
                _status, body, error = self._request("login-page", "GET", "/accounts/login/")
                if error:
                    continue
                data = {"username": self.seat.username, "password": load_rush.PASSWORD,
                        "csrfmiddlewaretoken": load_rush.form_token(body)}
                _status, body, error = self._request("login", "POST", "/accounts/login/", data=data)
                if error:
                    continue
                logged_in = True  # only the grid page is asked for again
            _status, body, error = self._request("grid", "GET", f"/scores/{self.seat.assignment_id}/term/1/")
            if not error:
                break
        else:
            return False
        page = load_rush.GridPage(body)
        self.cells, self.csrf = page.cells, page.csrf
        if not self.cells:
            RUN.samples.append(load_rush.Sample("grid", clock(), 0.0, "no editable cells"))
            return False
        return True

    # The choice of the next save is load_rush.Teacher's, on this user's screen and random generator.
    _column = load_rush.Teacher._column
    _next = load_rush.Teacher._next

    @property
    def paste(self) -> float:
        return PLAN["paste"]

    @property
    def overwrite(self) -> float:
        return PLAN["overwrite"]

    def _save(self) -> None:
        if self.next_at >= RUN.stop:  # the window has closed: nobody starts a save after it
            raise StopUser()
        action, slots = self._next()
        texts = {slot: load_rush.score_text(self.rng, self.cells[slot][0]) for slot in slots}
        RUN.overwrites += sum(1 for slot in slots if self.cells[slot][0])
        payload = {
            "source": "typed" if action == "cell" else "paste",
            "cells": [{"enrolment": e, "kind": kind, "index": index, "text": texts[(e, kind, index)],
                       "version": self.cells[(e, kind, index)][1], "status": "recorded"}
                      for e, kind, index in slots],
        }
        status, body, error = self._request(
            f"save-{action}", "POST", f"/scores/{self.seat.assignment_id}/term/1/save/",
            json=payload, headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
        )
        if error:
            if status == 0 or status >= 500:  # no answer: the server may have written them, or not
                for slot in slots:
                    RUN.cell((self.seat.subject_id, *slot)).in_doubt(load_rush.as_decimal(texts[slot]))
            return
        for cell in json.loads(body)["cells"]:
            slot = (cell["enrolment"], cell["kind"], cell["index"])
            if cell["outcome"] == "saved":
                RUN.cell((self.seat.subject_id, *slot)).saved(load_rush.as_decimal(texts[slot]), cell["version"])
                self.cells[slot] = [cell["text"], cell["version"]]
            else:
                RUN.outcomes[cell["outcome"]] += 1
                if cell["outcome"] == "conflict":  # as grid.js: show theirs, keep their version
                    self.cells[slot] = [cell["text"], cell["version"]]

    tasks = [_save]
