#!/usr/bin/env python
"""Deadline rush: N teachers saving score columns at once against gunicorn and PostgreSQL on loopback.

    .venv/bin/python scripts/load_rush.py postgres://postgres@127.0.0.1:5432/ [--teachers 200]
        [--ramp 120] [--duration 120] [--think 2-8] [--paste 0.1] [--overwrite 0.3]
        [--gunicorn gthread:2x8 ...] [--write] [--keep] [--reuse]

Set-up (not measured): the script (re)creates its own database ``load_rush`` on that server,
migrates it and builds, through the services, the demo school grown to enough classes of
``--students`` students, then gives each of ``--teachers`` new teacher accounts (rush001…) one
class's scored subject (``schoolrecords.services.assignment_create``, so the permissions are the
real ones). ``--reuse`` keeps an existing ``load_rush`` database (the seed is idempotent, so a
re-run skips the long part); ``--keep`` leaves it in place afterwards.

For each ``--gunicorn`` configuration (``class:workers[xthreads]``, e.g. ``gthread:2x8``,
``sync:3``) it starts ``.venv/bin/gunicorn schoolrecords.wsgi`` on 127.0.0.1:``--port`` with
production settings (DEBUG off, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, no TLS redirect,
persistent database connections, WhiteNoise for static files), then lets the virtual
teachers loose (``--driver locust``, the default: scripts/locust_rush.py run by locust headless, one user
and HTTP session each; ``--driver aiohttp``: this file's generator, one connection and cookie jar each;
either way as one browser tab):

* during the ramp-up (``--ramp`` seconds) they arrive one after another, each opening the
  login page, logging in through the real form (CSRF token and all: the password hash makes a
  login cost ~0.5 s of CPU, so a short ramp-up is a login storm) and opening the grid of their
  class and subject (term I);
* then each one works as static/gradebook/grid.js lets a teacher work: it types down a column,
  one score per think time (``--think``), and grid.js saves each typed cell as one request; at each
  step, with probability ``--paste``, it pastes a column (or a block of 2-3 columns) from a
  spreadsheet instead, one request. A column is an empty one or, with probability ``--overwrite``,
  one that already holds scores, saved against the versions on its screen.

Measured: the latency of every request (send to last byte) by kind; for the saves started in
the measured window (``--duration`` seconds from when every teacher has logged in, at the
earliest at the end of the ramp-up, so the logins' password hashing stays out of it):
p50/p95/p99/max, throughput, errors (a status other than 200, a network failure, or a cell whose
outcome is not "saved"); the load average during that window (the machine may be shared); the
CPU time of the gunicorn processes and of this database's PostgreSQL backends. Lost updates,
checked against the database after each run: every cell must hold its last acknowledged value
and version (or a value sent later in a request that got no answer), and its history rows
written during the run must number its acknowledged changes (plus at most its unanswered
ones), each with a virtual teacher as user and the grid's reason. ``--write`` puts the report
into docs/benchmarks.md between its ``load_rush`` markers.

If PostgreSQL is restarted under a run (terminated connections in the server log), that run is
repeated once.
"""

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "load_rush"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- load_rush:start -->", "<!-- load_rush:end -->"
PASSWORD = "rush-2026-deadline"
USERNAME = "rush{:03d}"
SEED_REASON = "load_rush seed"
# What docker-compose.yml and the Dockerfile run (3 sync workers), and threaded workers: a thread waiting
# for PostgreSQL, or a login hashing its password, does not hold up the other requests of its process.
DEFAULT_CONFIGS = ["sync:3", "gthread:2x8", "gthread:3x4"]
# A pasted block is 2 or 3 columns wide; the rest of the pastes are one column.
BLOCK_SHARE = 0.25
RESTART_SIGNS = ("terminating connection", "server closed the connection", "connection to server",
                 "the database system is shutting down", "the database system is starting up")


# --- pure helpers (tests/test_load_rush.py) ---------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks, as numpy's default."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def parse_think(text: str) -> tuple[float, float]:
    """"2-8" → (2.0, 8.0); "5" → (5.0, 5.0)."""
    low, _, high = text.partition("-")
    pair = (float(low), float(high or low))
    if pair[0] < 0 or pair[1] < pair[0]:
        raise ValueError(f"bad think time {text!r}")
    return pair


@dataclass(frozen=True)
class GunicornConfig:
    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> "GunicornConfig":
        """"gthread:2x8" → gthread, 2 workers of 8 threads; "sync:5" → 5 sync workers."""
        match = re.fullmatch(r"(sync|gthread):(\d+)(?:x(\d+))?", text)
        if not match:
            raise ValueError(f"bad gunicorn configuration {text!r} (want sync:N or gthread:NxT)")
        worker_class, workers, threads = match[1], int(match[2]), int(match[3] or 1)
        if worker_class == "sync" and threads != 1:
            raise ValueError("sync workers have one thread each")
        return cls(worker_class, workers, threads)

    def __str__(self) -> str:
        if self.worker_class == "sync":
            return f"sync, {self.workers} workers"
        return f"gthread, {self.workers} workers × {self.threads} threads"


Slot = tuple[int, int, str, int]  # (subject id, enrolment id, kind, index): one score row


@dataclass
class CellLog:
    """What the server was asked to do with one cell during a run, and what it answered.

    ``value``/``version``: the last acknowledged save ("saved"), None when none was; ``count``:
    acknowledged saves. ``doubtful``: values sent since that acknowledgement in requests whose
    answer never came (a timeout, a dropped connection, a 5xx): the server may or may not have
    written them. ``doubtful_total``: all such requests of the run, for the history count.
    """

    value: Decimal | None = None
    version: int | None = None
    count: int = 0
    doubtful: list = field(default_factory=list)
    doubtful_total: int = 0

    def saved(self, value: Decimal | None, version: int) -> None:
        self.value, self.version, self.count, self.doubtful = value, version, self.count + 1, []

    def in_doubt(self, value: Decimal | None) -> None:
        self.doubtful.append(value)
        self.doubtful_total += 1


def lost_updates(cells: dict[Slot, CellLog], stored: dict[Slot, tuple[Decimal | None, int]],
                 history: dict[Slot, int]) -> list[str]:
    """Every way the database disagrees with what the server acknowledged; empty when nothing was lost.

    ``stored`` is each slot's (value, version) in the database now; ``history`` the number of
    history rows written for it during the run. A cell is lost when it holds anything but its
    last acknowledged value and version, or (when a later request went unanswered) a value sent
    in such a request with a later version. A change is lost, or invented, when the history rows
    of the run are fewer than the acknowledged saves or more than those plus the unanswered ones.
    """
    problems = []
    for slot, cell in sorted(cells.items()):
        rows = history.get(slot, 0)
        if slot not in stored:
            if cell.count:
                problems.append(f"{slot}: acknowledged {cell.value} v{cell.version}, no row in the database")
        else:
            value, version = stored[slot]
            acknowledged = cell.count and (value, version) == (cell.value, cell.version)
            unanswered = value in cell.doubtful and (version or 0) > (cell.version or 0)
            if not acknowledged and not unanswered:
                problems.append(f"{slot}: acknowledged {cell.value} v{cell.version}"
                                + (f" (then {len(cell.doubtful)} unanswered)" if cell.doubtful else "")
                                + f", database holds {value} v{version}")
        if not cell.count <= rows <= cell.count + cell.doubtful_total:
            problems.append(f"{slot}: {cell.count} acknowledged changes"
                            + (f" and {cell.doubtful_total} unanswered" if cell.doubtful_total else "")
                            + f", {rows} history rows")
    for slot in sorted(set(history) - set(cells)):
        problems.append(f"{slot}: {history[slot]} history rows written during the run, no save sent")
    return problems


def score_text(rng: random.Random, avoid: str) -> str:
    """A score as a teacher types it (whole numbers often, the decimal comma otherwise), not ``avoid``."""
    while True:
        tenths = rng.choice([rng.randint(0, 10) * 10, rng.randint(0, 100)])
        text = str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10},{tenths % 10}"
        if as_decimal(text) != as_decimal(avoid):
            return text


def as_decimal(text: str) -> Decimal | None:
    text = text.strip().replace(",", ".")
    return Decimal(text).quantize(Decimal("0.1")) if text else None


# --- the grid page, as the script reads it ------------------------------------------------------------


class GridPage(HTMLParser):
    """The cells a teacher types in on a grid page: {(enrolment, kind, index): [shown text, version or None]}.

    A recorded cell (class ``rec``: entered in an earlier login session, by someone else or by a
    correction) is left out: the grid lets a teacher type over it only to be told it takes a
    correction request, which no teacher in a rush does twice; the scratch database kept with
    ``--reuse`` holds the earlier runs' scores, recorded for this run's sessions.
    """

    def __init__(self, html: str):
        super().__init__()
        self.cells: dict[tuple[int, str, int], list] = {}
        self.csrf = ""
        self._row: int | None = None
        self._slot: tuple[str, int] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row = int(attrs["data-e"]) if "data-e" in attrs else None
        elif tag == "td":
            self._slot = (attrs["data-k"], int(attrs["data-i"])) if "data-k" in attrs else None
        elif tag == "input" and "cell" in (classes := (attrs.get("class") or "").split()) and self._row and self._slot:
            if "rec" in classes:
                return
            version = attrs.get("data-v") or ""
            self.cells[(self._row, *self._slot)] = [attrs.get("value") or "", int(version) if version else None]
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self.csrf = attrs.get("value") or ""
        elif tag == "meta" and attrs.get("name") == "csrf-token":
            self.csrf = attrs.get("content") or ""


def form_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match[1]


# --- the database -----------------------------------------------------------------------------------


def _admin(server) -> str:
    return urlunsplit(server._replace(path="/postgres"))


def _database_exists(server) -> bool:
    import psycopg

    with psycopg.connect(_admin(server), autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone() is not None


def _recreate(server) -> None:
    import psycopg

    with psycopg.connect(_admin(server), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')


def _drop(server) -> None:
    import psycopg

    with psycopg.connect(_admin(server), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@dataclass(frozen=True)
class Seat:
    """One virtual teacher: their login and the grid they fill in."""

    username: str
    assignment_id: int
    subject_id: int
    term_id: int


def _seed(teachers: int, students: int) -> list[Seat]:
    """The demo school with enough classes, and ``teachers`` teachers with one scored subject each."""
    from django.core.management import call_command

    from schoolrecords import models as sm
    from schoolrecords import roles
    from schoolrecords import services as setup
    from seed.demo import SUBJECTS, DemoSize, build_demo_school

    call_command("migrate", verbosity=0)
    seated = _seats(teachers)
    if len(seated) == teachers:  # seeded before (--reuse): building the demo again would take their classes back
        return seated
    scored = sum(1 for _code, _name, mode, *_rest in SUBJECTS if mode == "scores")
    grades = (6, 7, 8, 9)
    per_grade = math.ceil(teachers / (scored * len(grades)))
    built = build_demo_school(DemoSize(classes_per_grade=per_grade, students_per_class=students, grades=grades))
    actor = setup.system_user()
    year = built["year"]
    assignments = list(
        sm.TeachingAssignment.objects.filter(year=year, end_date__isnull=True, subject__assessment_mode="scores")
        .select_related("school_class", "subject", "subject__department")
        .order_by("school_class__grade", "school_class__name", "subject__order")
    )
    taken = {a.teacher.username: a for a in assignments if a.teacher.username.startswith("rush")}
    free = [a for a in assignments if not a.teacher.username.startswith("rush")]
    term = year.terms.get(number=1)
    seats = []
    for number in range(1, teachers + 1):
        username = USERNAME.format(number)
        assignment = taken.get(username)
        if assignment is None:
            assignment = free.pop(0)
            profile = sm.StaffProfile.objects.filter(user__username=username).select_related("user").first()
            if profile is None:
                profile = setup.staff_create(
                    actor=actor, school=built["school"], username=username, full_name=f"Giáo viên Thi đua {number:03d}",
                    password=PASSWORD, position="Giáo viên", department=assignment.subject.department,
                    role_names=(roles.SUBJECT_TEACHER,), must_change_password=False, reason=SEED_REASON,
                )
            assignment = setup.assignment_create(actor=actor, school_class=assignment.school_class,
                                                 subject=assignment.subject, teacher=profile.user,
                                                 start_date=year.start_date, reason=SEED_REASON)
        seats.append(Seat(username, assignment.pk, assignment.subject_id, term.pk))
    return seats


def _seats(teachers: int) -> list[Seat]:
    """The virtual teachers already seeded, with their class's subject."""
    from schoolrecords import models as sm

    assignments = {
        assignment.teacher.username: assignment
        for assignment in sm.TeachingAssignment.objects.filter(
            teacher__username__in=[USERNAME.format(number) for number in range(1, teachers + 1)],
            end_date__isnull=True, year__is_current=True, subject__assessment_mode="scores",
        ).select_related("teacher")
    }
    term = sm.Term.objects.filter(year__is_current=True, number=1).first()
    return [Seat(username, assignment.pk, assignment.subject_id, term.pk)
            for username, assignment in sorted(assignments.items())]


# --- gunicorn ---------------------------------------------------------------------------------------


class Server:
    """gunicorn on loopback, started and stopped by its own process id."""

    def __init__(self, config: GunicornConfig, *, port: int, database_url: str, keep_alive: int, var_dir: Path):
        self.config, self.port = config, port
        self.log_path = var_dir / f"gunicorn-{config.worker_class}-{config.workers}x{config.threads}.log"
        self.env = {
            **os.environ,
            "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0", "BEHIND_TLS_PROXY": "0", "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "600", "VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "1", "DJANGO_SETTINGS_MODULE": "schoolrecords.settings",
        }
        self.command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "schoolrecords.wsgi",
            "--bind", f"127.0.0.1:{port}", "--worker-class", config.worker_class, "--workers", str(config.workers),
            "--threads", str(config.threads), "--keep-alive", str(keep_alive), "--timeout", "60",
            "--backlog", "2048", "--log-level", "warning", "--error-logfile", str(self.log_path),
        ]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        (Path(self.env["VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=5) as answer:
                    if answer.status == 200:
                        # Every worker imports the app before it answers; give the others a moment.
                        time.sleep(2)
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer within 90 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None:
            return []
        found = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


def _backend_pids() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME])
        return [row[0] for row in cursor.fetchall()]


# --- the virtual teachers ---------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # login, grid, save-column, save-block, save-cell
    started: float  # seconds since the run's start
    seconds: float
    error: str = ""  # "" when the request succeeded
    cells: int = 0


@dataclass
class RunLog:
    samples: list[Sample] = field(default_factory=list)
    cells: dict[Slot, CellLog] = field(default_factory=lambda: defaultdict(CellLog))
    outcomes: Counter = field(default_factory=Counter)  # cell outcomes other than "saved", in the window
    overwrites: int = 0  # cells sent over a value the teacher's screen showed
    teachers_ready: int = 0


class Teacher:
    """One browser tab of one teacher: logs in, opens the grid, then types down columns and now and then pastes.

    Typing: grid.js saves a typed cell when the teacher leaves it (after 250 ms without another
    edit), so a column typed at one score every few seconds is one request per cell; the think
    time is the time to read, type and press Enter. Pasting: one request for the whole block.
    """

    def __init__(self, seat: Seat, *, base: str, rng: random.Random, think: tuple[float, float], overwrite: float,
                 paste: float, log: RunLog, clock, keep_alive: float):
        self.seat, self.base, self.rng, self.think = seat, base, rng, think
        self.overwrite, self.paste = overwrite, paste
        self.log, self.clock, self.keep_alive = log, clock, keep_alive
        self.cells: dict[tuple[int, str, int], list] = {}  # as the screen shows them: [text, version]
        self.typing: list[tuple[int, str, int]] = []  # the rest of the column being typed
        self.csrf = ""
        self.arrived = False

    async def run(self, start_at: float, window: "Window") -> None:
        await asyncio.sleep(max(0.0, start_at - self.clock()))
        try:
            await self._work(window)
        finally:
            self._arrive(window)  # gave up (or done)

    def _arrive(self, window: "Window") -> None:
        if not self.arrived:
            self.arrived = True
            window.arrived()

    async def _work(self, window: "Window") -> None:
        import aiohttp
        from yarl import URL

        # The site sends Secure cookies (production settings); on loopback the jar must send them over HTTP.
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[URL(self.base)])
        connector = aiohttp.TCPConnector(limit=1, keepalive_timeout=self.keep_alive)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(self.base, cookie_jar=jar, connector=connector, timeout=timeout) as session:
            if not await self._log_in(session):
                return
            self.log.teachers_ready += 1
            self._arrive(window)
            while True:
                pause = self.rng.uniform(*self.think)
                if self.clock() + pause >= window.stop:
                    break
                await asyncio.sleep(pause)
                await self._save(session, *self._next())

    async def _request(self, session, kind: str, method: str, path: str, **options) -> tuple[int, str, str]:
        """(status, body, error) with the latency recorded; error is "" on a 200 (or the login's redirect)."""
        import aiohttp

        started = self.clock()
        cells = len(options.get("json", {}).get("cells", []))
        try:
            async with session.request(method, path, allow_redirects=False, **options) as response:
                body = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            self.log.samples.append(Sample(kind, started, self.clock() - started, f"network: {type(error).__name__}",
                                           cells))
            return 0, "", "network"
        expected = 302 if kind == "login" else 200
        error = "" if status == expected else f"HTTP {status}"
        self.log.samples.append(Sample(kind, started, self.clock() - started, error, cells))
        return status, body, error

    async def _log_in(self, session) -> bool:
        """Log in and open the grid; a teacher whose page does not come tries again, three times in all."""
        logged_in = False
        for attempt in range(3):
            if attempt:
                await asyncio.sleep(5)
            if not logged_in:
                status, body, error = await self._request(session, "login-page", "GET", "/accounts/login/")
                if error:
                    continue
                data = {"username": self.seat.username, "password": PASSWORD,
                        "csrfmiddlewaretoken": form_token(body)}
                status, body, error = await self._request(session, "login", "POST", "/accounts/login/", data=data)
                if error:
                    continue
                logged_in = True  # only the grid page is asked for again
            status, body, error = await self._request(session, "grid", "GET",
                                                      f"/scores/{self.seat.assignment_id}/term/1/")
            if not error:
                break
        else:
            return False
        page = GridPage(body)
        self.cells, self.csrf = page.cells, page.csrf
        if not self.cells:
            self.log.samples.append(Sample("grid", self.clock(), 0.0, "no editable cells"))
            return False
        return True

    def _column(self, width: int = 1) -> list[tuple[int, str, int]]:
        """The slots of ``width`` adjacent columns, in row order: an empty column first, unless overwriting."""
        columns = sorted({(kind, index) for _e, kind, index in self.cells})
        filled = {(kind, index) for (_e, kind, index), (text, _v) in self.cells.items() if text}
        empty = [column for column in columns if column not in filled]
        pool = sorted(filled) if filled and (not empty or self.rng.random() < self.overwrite) else empty
        first = columns.index(self.rng.choice(pool))
        chosen = set(columns[first:first + width])
        return sorted((slot for slot in self.cells if (slot[1], slot[2]) in chosen),
                      key=lambda slot: (slot[1] != "tx", slot[1], slot[2], slot[0]))

    def _next(self) -> tuple[str, list[tuple[int, str, int]]]:
        """The next save: a paste now and then, else the next typed cell of the column under way (or of a new one)."""
        if self.rng.random() < self.paste:  # from the teacher's spreadsheet; typing goes on afterwards
            if self.rng.random() < BLOCK_SHARE:
                return "block", self._column(self.rng.randint(2, 3))
            return "column", self._column()
        if not self.typing:
            self.typing = self._column()
        return "cell", [self.typing.pop(0)]

    async def _save(self, session, action: str, slots: list[tuple[int, str, int]]) -> None:
        texts = {slot: score_text(self.rng, self.cells[slot][0]) for slot in slots}
        self.log.overwrites += sum(1 for slot in slots if self.cells[slot][0])
        payload = {
            "source": "typed" if action == "cell" else "paste",
            "cells": [{"enrolment": e, "kind": kind, "index": index, "text": texts[(e, kind, index)],
                       "version": self.cells[(e, kind, index)][1], "status": "recorded"}
                      for e, kind, index in slots],
        }
        status, body, error = await self._request(
            session, f"save-{action}", "POST", f"/scores/{self.seat.assignment_id}/term/1/save/",
            json=payload, headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
        )
        if error:
            if status == 0 or status >= 500:  # no answer: the server may have written them, or not
                for slot in slots:
                    self.log.cells[(self.seat.subject_id, *slot)].in_doubt(as_decimal(texts[slot]))
            return
        for cell in json.loads(body)["cells"]:
            slot = (cell["enrolment"], cell["kind"], cell["index"])
            if cell["outcome"] == "saved":
                self.log.cells[(self.seat.subject_id, *slot)].saved(as_decimal(texts[slot]), cell["version"])
                self.cells[slot] = [cell["text"], cell["version"]]
            else:
                self.log.outcomes[cell["outcome"]] += 1
                if cell["outcome"] == "conflict":  # as grid.js: show theirs, keep their version
                    self.cells[slot] = [cell["text"], cell["version"]]


class Window:
    """The measured window: it opens when every teacher has logged in and opened the grid (or given up),
    and not before the end of the ramp-up, so the logins' CPU stays out of it; it lasts ``duration``."""

    def __init__(self, teachers: int, *, ramp: float, duration: float, clock):
        self.waiting, self.ramp, self.duration, self.clock = teachers, ramp, duration, clock
        self.everyone = asyncio.Event()
        self.start: float | None = None
        # Until it opens, the end is as late as the run may last: all logins are given twice the ramp-up.
        self.stop = 3 * ramp + 60 + duration

    def arrived(self) -> None:
        """A teacher is ready to work, or has given up (once per teacher)."""
        self.waiting -= 1
        if self.waiting == 0:
            self.everyone.set()

    async def open(self) -> None:
        try:
            await asyncio.wait_for(self.everyone.wait(), timeout=2 * self.ramp + 60)
        except TimeoutError:
            pass
        await asyncio.sleep(max(0.0, self.ramp - self.clock()))
        self.start = self.clock()
        self.stop = self.start + self.duration


async def _drive(seats: list[Seat], *, port: int, ramp: float, duration: float, think, overwrite: float,
                 paste: float, keep_alive: float, seed: int, on_open) -> tuple[RunLog, Window, list]:
    log = RunLog()
    loop = asyncio.get_running_loop()
    origin = loop.time()

    def clock() -> float:
        return loop.time() - origin

    base = f"http://127.0.0.1:{port}"
    window = Window(len(seats), ramp=ramp, duration=duration, clock=clock)
    load: list[tuple[float, float]] = []

    async def watch_load():
        while clock() < window.stop:
            load.append((clock(), os.getloadavg()[0]))
            await asyncio.sleep(5)

    async def open_window():
        await window.open()
        await on_open()

    teachers = [
        Teacher(seat, base=base, rng=random.Random(f"{seed}-{seat.username}"), think=think, overwrite=overwrite,
                paste=paste, log=log, clock=clock, keep_alive=keep_alive)
        for seat in seats
    ]
    starts = [ramp * number / len(seats) for number in range(len(seats))]
    watcher = asyncio.create_task(watch_load())
    opener = asyncio.create_task(open_window())
    # Bounded: nobody starts a save after window.stop; a request still running then has its own 60 s timeout.
    await asyncio.wait_for(asyncio.gather(*(t.run(s, window) for t, s in zip(teachers, starts, strict=True))),
                           timeout=window.stop + 120)
    await opener
    watcher.cancel()
    return log, window, load


def _drive_locust(seats: list[Seat], *, args, on_open, var_dir: Path) -> tuple[RunLog, "SimpleWindow", list, float]:
    """The same teachers driven by locust (scripts/locust_rush.py, one user per seat), headless in its own process.

    Returns the run's log, its window, the load average every 5 s, and locust's own CPU seconds.
    """
    origin = time.monotonic()
    plan_path, out_path, window_path = (var_dir / name for name in ("plan.json", "out.json", "window.json"))
    for path in (out_path, window_path):
        path.unlink(missing_ok=True)
    plan_path.write_text(json.dumps({
        "seats": [vars(seat) for seat in seats], "think": list(args.think), "overwrite": args.overwrite,
        "paste": args.paste, "ramp": args.ramp, "duration": args.duration, "seed": args.seed, "origin": origin,
    }))
    rate = max(len(seats) / args.ramp, 0.01) if args.ramp else len(seats)
    limit = 3 * args.ramp + 60 + args.duration + 120  # as the other driver's: nobody saves after the window
    command = [
        str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "scripts" / "locust_rush.py"), "--headless",
        "--users", str(len(seats)), "--spawn-rate", f"{rate:.4f}", "--host", f"http://127.0.0.1:{args.port}",
        "--run-time", f"{math.ceil(limit)}s", "--stop-timeout", "70", "--only-summary", "--loglevel", "WARNING",
        "--skip-log-setup",
    ]
    env = {**os.environ, "LOAD_RUSH_PLAN": str(plan_path), "LOAD_RUSH_OUT": str(out_path),
           "LOAD_RUSH_WINDOW": str(window_path)}
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=open(var_dir / "locust.log", "w"))  # noqa: SIM115 - closed with the process
    load: list[tuple[float, float]] = []
    opened = False
    try:
        while process.poll() is None:
            now = time.monotonic() - origin
            if not load or now - load[-1][0] >= 5:
                load.append((now, os.getloadavg()[0]))
            if not opened and window_path.exists():
                opened = True
                on_open()
            time.sleep(0.2)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = ((children_after.ru_utime + children_after.ru_stime)
                  - (children_before.ru_utime + children_before.ru_stime))
    if not out_path.exists():
        raise RuntimeError(f"locust wrote no log (exit {process.returncode}); see {var_dir / 'locust.log'}:\n"
                           + (var_dir / "locust.log").read_text(errors="replace")[-3000:])
    out = json.loads(out_path.read_text())
    log = RunLog(outcomes=Counter(out["outcomes"]), overwrites=out["overwrites"], teachers_ready=out["ready"])
    log.samples = [Sample(*row) for row in out["samples"]]
    for slot, value, version, count, doubtful, doubtful_total in out["cells"]:
        log.cells[tuple(slot)] = CellLog(value=as_decimal(value or ""), version=version, count=count,
                                         doubtful=[as_decimal(text or "") for text in doubtful],
                                         doubtful_total=doubtful_total)
    window = SimpleWindow(start=out["start"] if out["start"] is not None else math.inf, stop=out["stop"])
    return log, window, [(at, value) for at, value in load if at <= window.stop], client_cpu


@dataclass
class SimpleWindow:
    start: float
    stop: float


# --- one run ----------------------------------------------------------------------------------------


@dataclass
class RunReport:
    config: GunicornConfig
    teachers: int
    ready: int
    window: float
    saves: list[Sample]
    other: list[Sample]
    outcomes: Counter
    cells_saved: int
    overwrites: int
    lost: list[str]
    checked_cells: int
    history_rows: int
    load: list[float]
    server_cpu: float
    db_cpu: float
    client_cpu: float
    attempts: int
    window_start: float = 0.0
    worker_timeouts: int = 0


def _run_once(config: GunicornConfig, seats: list[Seat], args, var_dir: Path, database_url: str) -> tuple:
    from django.db import connections
    from django.utils import timezone

    server = Server(config, port=args.port, database_url=database_url, keep_alive=args.keep_alive, var_dir=var_dir)
    began = timezone.now()
    server.start()
    try:
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before: dict[int, float] = {}
        db_before: dict[int, float] = {}

        async def sample_cpu_at_window_start():
            cpu_before.update(_cpu_seconds(server.pids()))
            db_before.update(await asyncio.to_thread(_db_cpu))

        async def main():
            return await _drive(seats, port=args.port, ramp=args.ramp, duration=args.duration, think=args.think,
                                overwrite=args.overwrite, paste=args.paste, keep_alive=max(0.5, args.keep_alive - 1),
                                seed=args.seed, on_open=sample_cpu_at_window_start)

        def _db_cpu() -> dict[int, float]:
            pids = _backend_pids()
            connections.close_all()
            return _cpu_seconds(pids)

        def sample_cpu_now() -> None:
            cpu_before.update(_cpu_seconds(server.pids()))
            db_before.update(_db_cpu())

        if args.driver == "locust":
            log, window, load, client_cpu = _drive_locust(seats, args=args, on_open=sample_cpu_now, var_dir=var_dir)
        else:
            log, window, load = asyncio.run(main())
        cpu_after = _cpu_seconds(server.pids())
        db_after = _db_cpu()
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        if args.driver != "locust":
            client_cpu = ((client_after.ru_utime + client_after.ru_stime)
                          - (client_before.ru_utime + client_before.ru_stime))
    finally:
        server.stop()
    server_log = server.log_text()
    restarted = any(sign in server_log for sign in RESTART_SIGNS)
    if server_log.strip():
        print("  gunicorn's log (last lines):\n    " + "\n    ".join(server_log.strip().splitlines()[-15:]),
              file=sys.stderr)

    in_window = [s for s in log.samples if window.start <= s.started < window.stop]
    saves = [s for s in in_window if s.kind.startswith("save-")]
    other = [s for s in log.samples if not s.kind.startswith("save-")]
    lost, checked, history_rows = _check(log.cells, began)

    def delta(after, before):
        return sum(after[pid] - before[pid] for pid in after if pid in before)

    report = RunReport(
        config=config, teachers=len(seats), ready=log.teachers_ready, window=args.duration, saves=saves, other=other,
        outcomes=log.outcomes, cells_saved=sum(cell.count for cell in log.cells.values()), overwrites=log.overwrites,
        lost=lost, checked_cells=checked, history_rows=history_rows,
        load=[value for at, value in load if at >= window.start], window_start=window.start,
        worker_timeouts=server_log.count("WORKER TIMEOUT"),
        server_cpu=delta(cpu_after, cpu_before), db_cpu=delta(db_after, db_before),
        client_cpu=client_cpu,
        attempts=1,
    )
    return report, restarted


def _check(cells: dict[Slot, CellLog], began) -> tuple[list[str], int, int]:
    """Compare the acknowledged saves with the rows, and with the history rows written since ``began``.

    The scratch database has no other writers: every history row of a score since ``began``
    comes from this run's teachers.
    """
    from django.db.models import Count

    from gradebook.models import Score

    subjects = {slot[0] for slot in cells}
    enrolments = {slot[1] for slot in cells}
    stored = {
        (row.subject_id, row.enrolment_id, row.kind, row.index): (row.value, row.version)
        for row in Score.objects.filter(subject_id__in=subjects, enrolment_id__in=enrolments, term__number=1)
    }
    stored = {slot: state for slot, state in stored.items() if slot in cells}
    changes = Score.history.filter(history_date__gte=began)
    history = {
        (row["subject_id"], row["enrolment_id"], row["kind"], row["index"]): row["rows"]
        for row in changes.values("subject_id", "enrolment_id", "kind", "index").annotate(rows=Count("history_id"))
    }
    problems = lost_updates(cells, stored, history)
    # Each history row must say who and why: the teacher of the grid, and the grid's reason.
    reasons = _grid_reasons()
    anonymous = changes.filter(history_user__isnull=True).count()
    if anonymous:
        problems.append(f"{anonymous} history rows without a user")
    unexplained = changes.exclude(history_change_reason__in=reasons).count()
    if unexplained:
        problems.append(f"{unexplained} history rows without the grid's reason")
    strangers = changes.exclude(history_user__username__startswith="rush").count()
    if strangers:
        problems.append(f"{strangers} history rows by someone other than the virtual teachers")
    return problems, len(cells), sum(history.values())


def _grid_reasons() -> set[str]:
    """The history reasons of the grid's saves, in every language of the site (the request's is stored)."""
    from django.conf import settings
    from django.utils import translation

    from gradebook.scores.forms import REASONS

    reasons = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reasons |= {str(reason) for reason in REASONS.values()}
    return reasons


# --- the report -------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def _latencies(samples: list[Sample], separator: str = " | ") -> str:
    times = [s.seconds for s in samples if not s.error]
    if not times:
        return separator.join("–" * 4)
    return separator.join(_ms(value) for value in (percentile(times, 50), percentile(times, 95),
                                                   percentile(times, 99), max(times)))


def _errors(report: RunReport) -> tuple[int, str]:
    failed = Counter(s.error for s in report.saves + report.other if s.error)
    total = sum(failed.values()) + sum(report.outcomes.values())
    parts = [f"{count} × {what}" for what, count in failed.most_common()]
    parts += [f"{count} cells {what}" for what, count in report.outcomes.most_common()]
    return total, ", ".join(parts) or "none"


def _markdown(reports: list[RunReport], *, args, command: str, setup_seconds: float | None, server_version: str,
              versions: dict, loaded_before: tuple) -> str:
    think = f"{args.think[0]:g}–{args.think[1]:g} s" if args.think[0] != args.think[1] else f"{args.think[0]:g} s"
    most = max(args.teachers)
    lines = [
        "## Deadline rush (load test)",
        "",
        f"{'Up to ' if len(args.teachers) > 1 else ''}{most} virtual teachers, each with their own class and scored "
        f"subject of {args.students} students "
        f"(term I), log in through the login form and open their grid, arriving one after another over a "
        f"{args.ramp:g} s ramp-up; then each one works as the grid's script (static/gradebook/grid.js) lets a teacher "
        f"work: types down a column, one score every {think} (each typed cell is one save request), and, at each "
        f"step with probability {args.paste:g}, pastes a column from a spreadsheet instead (one request of "
        f"~{args.students} cells; a quarter of the pastes are blocks of 2–3 columns). A column is an empty one, "
        f"or with probability {args.overwrite:g} one that already holds scores (saved against the versions on the "
        f"screen). Measured for {args.duration:g} s from when every teacher had logged in (at the earliest "
        f"after the ramp-up). "
        + (f"Driven by locust {versions.get('locust', '')} (scripts/locust_rush.py, headless, one user and one HTTP "
           "session per teacher)" if args.driver == "locust" else "HTTP/1.1 with aiohttp, one connection per teacher")
        + ", on loopback; "
        + ("sessions and each term's rules cached in Redis (`CACHE_URL`); " if os.environ.get("CACHE_URL") else
           "sessions in PostgreSQL, no shared cache (`CACHE_URL` unset); ")
        + f"gunicorn with DEBUG off, persistent database connections (`DB_CONN_MAX_AGE=600`), "
        f"keep-alive {args.keep_alive} s, and PostgreSQL on the same machine. Latency: from sending the request to "
        "the last byte of the answer, in ms; "
        "saves started during the measured window only.",
        "",
        "| gunicorn | teachers | saves | saves/s | cells/s | p50 | p95 | p99 | max | errors | lost updates | "
        "load avg (1 min) mean / max | CPU per save: gunicorn / PostgreSQL |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for report in reports:
        done = [s for s in report.saves if not s.error]
        errors, _detail = _errors(report)
        load = (f"{statistics.fmean(report.load):.1f} / {max(report.load):.1f}" if report.load else "–")
        per_save = (f"{report.server_cpu / len(done) * 1000:.0f} ms / {report.db_cpu / len(done) * 1000:.0f} ms"
                    if done else "–")
        lines.append(
            f"| {report.config} | {report.teachers} | {len(report.saves)} | {len(report.saves) / report.window:.1f} | "
            f"{sum(s.cells for s in done) / report.window:.0f} | {_latencies(report.saves)} | {errors} | "
            f"{len(report.lost)} | {load} | {per_save} |"
        )
    lines += ["", "By kind of request (ms: p50 / p95 / p99 / max; logins and grid pages during the ramp-up "
              "included), and what went wrong:", "",
              "| gunicorn | teachers | one typed cell | pasted column | pasted block | login (POST) | grid page "
              "| errors |",
              "|---|---:|---|---|---|---|---|---|"]
    for report in reports:
        by_kind = defaultdict(list)
        for sample in report.saves + report.other:
            by_kind[sample.kind].append(sample)
        logins = by_kind["login"]
        _total, detail = _errors(report)
        lines.append(
            f"| {report.config} | {report.teachers} | {_latencies(by_kind['save-cell'], ' / ')} | "
            f"{_latencies(by_kind['save-column'], ' / ')} | {_latencies(by_kind['save-block'], ' / ')} | "
            f"{_latencies(logins, ' / ')} | {_latencies(by_kind['grid'], ' / ')} | {detail} |"
        )
    lines += [""]
    for report in reports:
        lines.append(
            f"- {report.config}, {report.teachers} teachers: {report.ready} logged in and opened their grid; the "
            f"window opened {report.window_start:.0f} s after the first arrival"
            + (" (the last login took that long)" if report.window_start > args.ramp + 1 else "")
            + "; "
            + (f"{report.worker_timeouts} gunicorn workers killed by the 60 s timeout; " if report.worker_timeouts
               else "")
            + f"{report.cells_saved} cell changes acknowledged in the whole run ({report.overwrites} cells sent over "
            f"existing scores), {report.checked_cells} cells checked against the database and "
            f"{report.history_rows} history rows: **{len(report.lost)} lost updates**"
            + (f" ({'; '.join(report.lost[:5])})" if report.lost else "")
            + f"; the load generator itself used {report.client_cpu:.0f} s of CPU"
            + (f"; run {report.attempts} times (PostgreSQL restarted under it)" if report.attempts > 1 else "")
            + "."
        )
    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}; PostgreSQL "
        f"{server_version} on the same machine; Python {platform.python_version()}, Django {versions['django']}, "
        f"gunicorn {versions['gunicorn']}, {args.driver} {versions[args.driver]}. The client runs on the same cores as the "
        f"server; the load average before the first run was {loaded_before[0]:.1f} (1 min) / {loaded_before[1]:.1f} "
        "(5 min). "
        + ("The scratch database was kept from an earlier run (`--reuse`)." if setup_seconds is None else
           f"Setting up the scratch database (migrate, the school and {most} teacher accounts through the "
           f"services) took {setup_seconds:.0f} s; not measured."),
        "",
        f"Run at {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.",
        "",
        f"Reproduce (creates, uses and then drops the database `{DB_NAME}` on that server; "
        f"gunicorn on 127.0.0.1:{args.port}):",
        "",
        "```",
        command,
        "```",
    ]
    return "\n".join(lines)


def _write(text: str) -> None:
    from benchkit import write_section  # beside this script

    write_section("load_rush", f"{START}\n{text}\n{END}")


def _shown_url(server) -> str:
    netloc = server.netloc.split("@")[-1]
    user = server.username or ""
    return urlunsplit(server._replace(netloc=f"{user}@{netloc}" if user else netloc, path="/"))


# --- main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url", help=f"postgres://user@host:port/ (the server; the database used is {DB_NAME})")
    parser.add_argument("--teachers", type=lambda text: [int(n) for n in text.split(",")], default=[200],
                        help="virtual teachers (200); a list such as 50,100,200 runs each count in turn")
    parser.add_argument("--students", type=int, default=40, help="students per class (default 40)")
    parser.add_argument("--duration", type=float, default=120,
                        help="measured seconds, from when every teacher has logged in (120)")
    parser.add_argument("--ramp", type=float, default=120,
                        help="seconds over which the teachers arrive and log in (120)")
    parser.add_argument("--think", type=parse_think, default=parse_think("2-8"),
                        help="think time before each save (typing a score), seconds, uniform MIN-MAX (2-8)")
    parser.add_argument("--overwrite", type=float, default=0.3,
                        help="probability that a column is one that already holds scores (0.3)")
    parser.add_argument("--paste", type=float, default=0.1,
                        help="probability that a save is a pasted column or block rather than a typed cell (0.1)")
    parser.add_argument("--gunicorn", action="append", type=GunicornConfig.parse, metavar="CLASS:WORKERS[xTHREADS]",
                        help=f"a configuration to run; repeat for several (default {' '.join(DEFAULT_CONFIGS)})")
    parser.add_argument("--keep-alive", type=int, default=5, help="gunicorn --keep-alive seconds (5)")
    parser.add_argument("--driver", choices=("locust", "aiohttp"), default="locust",
                        help="the load tool: locust (scripts/locust_rush.py, the default) or the aiohttp generator")
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the teachers' choices")
    parser.add_argument("--write", action="store_true", help=f"write the report into {DOCS.relative_to(ROOT)}")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument("--reuse", action="store_true", help=f"use an existing {DB_NAME} database (seeded again, "
                                                              "idempotently) instead of recreating it")
    args = parser.parse_args()
    # A plain kill ends the run cleanly: gunicorn stopped, the scratch database dropped (unless --keep).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    configs = args.gunicorn or [GunicornConfig.parse(text) for text in DEFAULT_CONFIGS]

    server = urlsplit(args.database_url)
    if server.scheme not in {"postgres", "postgresql"}:
        parser.error("the URL must be a PostgreSQL one (postgres://…)")
    database_url = urlunsplit(server._replace(path=f"/{DB_NAME}"))
    loaded_before = os.getloadavg()
    started = time.perf_counter()
    reused = args.reuse and _database_exists(server)
    if not reused:
        _recreate(server)
    os.environ.update({
        "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "schoolrecords.settings",
        "CELERY_TASK_ALWAYS_EAGER": "1",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, connections

    reports = []
    try:
        all_seats = _seed(max(args.teachers), args.students)
        setup_seconds = time.perf_counter() - started
        print(f"set-up: {setup_seconds:.0f} s, {len(all_seats)} teachers", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        connections.close_all()
        with tempfile.TemporaryDirectory(prefix="load_rush-") as var_dir:
            for config, count in [(config, count) for config in configs for count in args.teachers]:
                seats = all_seats[:count]
                for attempt in (1, 2):
                    print(f"run: {config}, {count} teachers, attempt {attempt}", file=sys.stderr)
                    try:
                        report, restarted = _run_once(config, seats, args, Path(var_dir), database_url)
                    except Exception as error:  # noqa: BLE001 - a PostgreSQL restart can break the run itself
                        if attempt == 2 or not any(sign in str(error) for sign in RESTART_SIGNS):
                            raise
                        print(f"run failed ({error}); once more", file=sys.stderr)
                        connections.close_all()
                        continue
                    report.attempts = attempt
                    errors, detail = _errors(report)
                    print(f"  saves {len(report.saves)}, p95 {_ms(percentile([s.seconds for s in report.saves], 95))}"
                          f" ms, errors {errors} ({detail}), lost {len(report.lost)}", file=sys.stderr)
                    if restarted and errors and attempt == 1:
                        print("  PostgreSQL connections were terminated during the run; once more", file=sys.stderr)
                        connections.close_all()
                        continue
                    reports.append(report)
                    break
    finally:
        connections.close_all()
        if not args.keep:
            _drop(server)

    from importlib.metadata import version

    versions = {"django": django.get_version(), "gunicorn": version("gunicorn"), args.driver: version(args.driver)}
    think = f"{args.think[0]:g}-{args.think[1]:g}"
    command = (
        f".venv/bin/python scripts/load_rush.py {_shown_url(server)} --teachers {','.join(map(str, args.teachers))} "
        f"--students {args.students} --ramp {args.ramp:g} --duration {args.duration:g} --think {think} "
        f"--overwrite {args.overwrite:g} --paste {args.paste:g} --keep-alive {args.keep_alive} "
        + " ".join(f"--gunicorn {c.worker_class}:{c.workers}" + (f"x{c.threads}" if c.worker_class == "gthread" else "")
                   for c in configs)
        + (f" --driver {args.driver}" if args.driver != "locust" else "")
        + (" --write" if args.write else "")
    )
    text = _markdown(reports, args=args, command=command, setup_seconds=None if reused else setup_seconds,
                     server_version=server_version, versions=versions, loaded_before=loaded_before)
    print(text)
    if args.write:
        _write(text)


if __name__ == "__main__":
    main()
