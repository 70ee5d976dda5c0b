#!/usr/bin/env python
"""Fault drill: PostgreSQL restarted while teachers save scores; the app must recover by itself and lose nothing.

    .venv/bin/python scripts/drill_faults.py postgres://postgres@127.0.0.1:5432/ [--port 8103] [--workers N]
        [--teachers 13] [--before 10] [--after 20] [--think 0.2] [--cluster 15/main] [--no-restart] [--write]

Run it as root on the machine that runs PostgreSQL: it restarts the whole cluster
(``pg_ctlcluster --skip-systemctl-redirect <version> <name> restart``, a fast shutdown that cuts
every connection, other databases' too). ``--no-restart`` runs the same load without the fault.

Set-up (not measured): the script (re)creates its own database ``drill_faults`` on that server
(dropped at the end unless ``--keep``), migrates it and seeds the demo school with one class per
grade (``seed_demo --classes-per-grade 1``), then starts ``gunicorn schoolrecords.wsgi`` on
127.0.0.1:``--port`` with production settings (DEBUG off, persistent database connections with
health checks: CONN_MAX_AGE, CONN_HEALTH_CHECKS).

The load: ``--teachers`` teachers (those of 6A1 first), one thread each, log in through the login
form and keep saving cells of their own grid (term I) the way static/gradebook/grid.js does: a
JSON POST to ``gradebook:grid_save`` with the CSRF header and the version their screen holds; a
typed cell, and every fourth save a pasted column of ten students; ``--think`` seconds between
saves. After ``--before`` seconds PostgreSQL is restarted; the teachers go on for ``--after``
seconds. Nobody touches the app meanwhile.

Checked afterwards, against the database: every cell the server acknowledged (HTTP 200 and the
cell's outcome "saved", with the version it answered) has that version in its history with
that value. Reported: the requests that failed during the outage, the time from the restart
to the first successful save, lost acknowledged saves (must be 0: the exit status is 1
otherwise), and the saves that committed although their answer was an error (the teacher's
retry then finds the value there). ``--write`` puts the report into docs/benchmarks.md between
the ``drill_faults`` markers.
"""

import argparse
import datetime
import http.client
import io
import json
import os
import random
import runpy
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from benchkit import DOCS, ROOT, Scratch, machine, write_section

DB_NAME = "drill_faults"
PASSWORD = "demo-2026"  # seed.demo.DEMO_PASSWORD
PASTE_EVERY = 4
PASTE_ROWS = 10

Slot = tuple[int, int, str, int]  # (subject id, enrolment id, kind, index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help=f"postgres://user@host:port/ (the database used is always {DB_NAME})")
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn processes (default: gunicorn.conf.py's, as in production)")
    parser.add_argument("--teachers", type=int, default=13, help="teachers saving at once (default 13: all of 6A1)")
    parser.add_argument("--before", type=float, default=10, help="seconds of load before the restart (default 10)")
    parser.add_argument("--after", type=float, default=20, help="seconds of load after it (default 20)")
    parser.add_argument("--think", type=float, default=0.2, help="seconds each teacher waits between saves")
    parser.add_argument("--cluster", default="", help="the cluster to restart, version/name (default: the only one "
                                                      "under /etc/postgresql, main)")
    parser.add_argument("--no-restart", action="store_true", help="the same load without restarting PostgreSQL")
    parser.add_argument("--write", action="store_true", help=f"write the report into {DOCS.relative_to(ROOT)}")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    args = parser.parse_args()

    cluster = args.cluster or f"{_only_version()}/main"
    scratch = Scratch.from_url(args.database_url, DB_NAME)
    var_dir = Path(tempfile.mkdtemp(prefix="drill_faults_"))
    scratch.recreate()
    scratch.setup_django(VAR_DIR=str(var_dir), ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING")
    try:
        report = _run(args, scratch, cluster, var_dir)
    finally:
        _wait_for_postgres(scratch, 60)  # never leave the server down, whatever happened
        scratch.close(keep=args.keep)
        shutil.rmtree(var_dir, ignore_errors=True)
    command = (f".venv/bin/python scripts/drill_faults.py {scratch.shown} "
               + (f"--workers {args.workers} " if args.workers else "") + f"--teachers {args.teachers} --before {args.before:g} --after {args.after:g} --think {args.think:g}"
               + (" --no-restart" if args.no_restart else "") + (" --write" if args.write else ""))
    text = _markdown(report, command)
    print(text)
    if args.write:
        write_section("drill_faults", text)
    if report["lost"]:
        sys.exit(1)


def _only_version() -> str:
    versions = sorted(path.name for path in Path("/etc/postgresql").iterdir() if path.is_dir())
    if len(versions) != 1:
        raise SystemExit(f"say which cluster to restart with --cluster (found {versions})")
    return versions[0]


def _log(message: str) -> None:
    print(f"[drill_faults {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _wait_for_postgres(scratch: Scratch, timeout: float) -> float | None:
    """Wait until the server accepts connections again; the monotonic time it did, None if it did not."""
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(scratch.admin_url, connect_timeout=2) as connection:
                connection.execute("SELECT 1")
            return time.monotonic()
        except psycopg.OperationalError:
            time.sleep(0.05)
    return None


# --- the teachers ----------------------------------------------------------------------------------


@dataclass
class Seat:
    """One teacher, the grid they fill in (one class's subject, term I) and what their screen holds."""

    username: str
    save_url: str
    subject_id: int
    commented: bool
    enrolments: list[int]
    columns: list[tuple[str, int]]
    shown: dict[Slot, tuple[int | None, str]] = field(default_factory=dict)  # slot -> (version, text)

    def slot(self, enrolment: int, kind: str, index: int) -> Slot:
        return (self.subject_id, enrolment, kind, index)


@dataclass
class Request:
    seat: str
    started: float
    ended: float
    result: str  # "ok", "http <status>", or the network error's name
    cells: int = 0


@dataclass
class Ack:
    slot: Slot
    version: int
    value: Decimal | None
    passed: bool | None


class Browser:
    """One browser tab: its cookies, a new connection to the server per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 15) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
                    "Host": f"127.0.0.1:{self.port}", **(headers or {})}
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
        return response.status, content

    def log_in(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        body = urlencode({"username": username, "password": PASSWORD,
                          "csrfmiddlewaretoken": self.cookies["csrftoken"]}).encode()
        status, content = self.request("POST", "/accounts/login/", body,
                                       {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status}): {content[:300]!r}")


class Teacher(threading.Thread):
    def __init__(self, seat: Seat, *, port: int, think: float, seed: int):
        super().__init__(name=f"teacher-{seat.username}", daemon=True)
        self.seat, self.think = seat, think
        self.zero = self.stop_at = 0.0  # set when the load starts
        self.browser = Browser(port)
        self.rng = random.Random(seed)
        self.requests: list[Request] = []
        self.acks: list[Ack] = []
        self.conflicts = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            number = 0
            while time.monotonic() < self.stop_at:
                self._save(number)
                number += 1
                time.sleep(self.think)
        except BaseException as error:  # reported by the main thread
            self.error = error

    def _text(self, slot: Slot) -> str:
        current = self.seat.shown.get(slot, (None, ""))[1]
        if self.seat.commented:
            return "CĐ" if current == "Đ" else "Đ"
        while True:
            text = f"{self.rng.randint(0, 9)},{self.rng.choice('05')}" if self.rng.random() < 0.8 else "10"
            if text != current:
                return text

    def _slots(self, number: int) -> list[Slot]:
        seat = self.seat
        kind, index = self.rng.choice(seat.columns)
        if number % PASTE_EVERY == 0:
            start = self.rng.randrange(0, len(seat.enrolments) - PASTE_ROWS + 1)
            rows = seat.enrolments[start:start + PASTE_ROWS]
        else:
            rows = [self.rng.choice(seat.enrolments)]
        return [seat.slot(enrolment, kind, index) for enrolment in rows]

    def _save(self, number: int) -> None:
        cells = [(slot, self._text(slot)) for slot in self._slots(number)]
        payload = {"source": "paste" if len(cells) > 1 else "typed", "cells": [
            {"enrolment": slot[1], "kind": slot[2], "index": slot[3], "text": text,
             "version": self.seat.shown.get(slot, (None, ""))[0], "status": "recorded"} for slot, text in cells]}
        started = time.monotonic()
        try:
            status, content = self.browser.request(
                "POST", self.seat.save_url, json.dumps(payload).encode(),
                {"Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": self.browser.cookies.get("csrftoken", "")})
        except (OSError, http.client.HTTPException) as error:
            self.requests.append(Request(self.seat.username, started - self.zero, time.monotonic() - self.zero,
                                         type(error).__name__, len(cells)))
            return
        ended = time.monotonic()
        result = "ok" if status == 200 else f"http {status}"
        self.requests.append(Request(self.seat.username, started - self.zero, ended - self.zero, result, len(cells)))
        if status != 200:
            return
        sent = dict(cells)
        for answer in json.loads(content)["cells"]:
            slot = self.seat.slot(answer["enrolment"], answer["kind"], answer["index"])
            if answer["outcome"] == "saved":
                text = sent[slot]
                self.acks.append(Ack(slot, answer["version"], *_meaning(text, self.seat.commented)))
                self.seat.shown[slot] = (answer["version"], text)
            elif answer["outcome"] in ("conflict", "unchanged"):
                # a save whose answer was lost had committed: the screen now shows what is stored
                self.conflicts += answer["outcome"] == "conflict"
                self.seat.shown[slot] = (answer["version"], answer["text"])
            else:
                raise RuntimeError(f"unexpected outcome for {slot}: {answer}")


def _meaning(text: str, commented: bool) -> tuple[Decimal | None, bool | None]:
    if commented:
        return None, text == "Đ"
    return Decimal(text.replace(",", ".")), None


def _seats(count: int) -> list[Seat]:
    from django.urls import reverse

    from gradebook.lookups import regular_required
    from gradebook.models import Score
    from schoolrecords import models as sm
    from seed.demo import SCHOOL_CODE, current_year_name

    year = sm.SchoolYear.objects.get(school__code=SCHOOL_CODE, name=current_year_name())
    seats, taken = [], set()
    assignments = (sm.TeachingAssignment.objects.filter(school_class__year=year, end_date__isnull=True)
                   .select_related("teacher", "subject", "school_class", "year")
                   .order_by("school_class__grade", "school_class__name", "subject__order"))
    for assignment in assignments:
        if assignment.teacher.username in taken:
            continue
        taken.add(assignment.teacher.username)
        enrolments = list(sm.Enrolment.objects.filter(school_class=assignment.school_class,
                                                      status=sm.Enrolment.Status.STUDYING)
                          .order_by("pk").values_list("pk", flat=True))
        columns = [(Score.Kind.REGULAR, index) for index in range(1, regular_required(assignment) + 1)]
        seats.append(Seat(assignment.teacher.username, reverse("gradebook:grid_save", args=(assignment.pk, 1)),
                          assignment.subject_id,
                          assignment.subject.is_commented, enrolments, columns + [(Score.Kind.MIDTERM, 1),
                                                                                  (Score.Kind.FINAL, 1)]))
        if len(seats) == count:
            break
    return seats


# --- the server ------------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, *, port: int, workers: int | None, var_dir: Path):
        self.port = port
        self.log = var_dir / "gunicorn.log"
        (var_dir / "static").mkdir(parents=True, exist_ok=True)
        self.command = [str(Path(sys.executable).with_name("gunicorn")), "schoolrecords.wsgi",
                        "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "10",
                        *(["--workers", str(workers)] if workers else [])]  # else gunicorn.conf.py's
        self.env = dict(os.environ)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                status, _ = Browser(self.port).request("GET", "/accounts/login/", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 90 s")

    def workers(self) -> set[int]:
        pids = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if self.process is not None and parent == self.process.pid:
                    pids.add(int(entry.name))
        return pids

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


# --- the run ---------------------------------------------------------------------------------------


def _run(args, scratch: Scratch, cluster: str, var_dir: Path) -> dict:
    from django.core.management import call_command
    from django.db import connections

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", classes_per_grade=1, stdout=io.StringIO())  # 6A1, 7A1, 8A1, 9A1
    seats = _seats(args.teachers)
    connections.close_all()  # this process holds no connection through the restart
    _log(f"database ready in {time.perf_counter() - started:.0f} s; {len(seats)} teachers")

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # what gunicorn reads in ROOT
    server = Gunicorn(port=args.port, workers=args.workers, var_dir=var_dir)
    server.start()
    try:
        workers_before = server.workers()
        load_before = os.getloadavg()[0]
        teachers = [Teacher(seat, port=args.port, think=args.think, seed=number) for number, seat in enumerate(seats)]
        for teacher in teachers:
            teacher.browser.log_in(teacher.seat.username)
        zero = time.monotonic()  # the load starts once everybody has logged in
        for teacher in teachers:
            teacher.zero, teacher.stop_at = zero, zero + args.before + args.after
            teacher.start()
        time.sleep(args.before)
        restart = {"done": False}
        if not args.no_restart:
            version, name = cluster.split("/")
            restart["wall_clock"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            _log(f"restarting PostgreSQL {cluster}")
            restart["started"] = time.monotonic() - zero
            done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
                                  capture_output=True, text=True, timeout=120)
            restart["command_done"] = time.monotonic() - zero
            if done.returncode != 0:
                raise RuntimeError(f"pg_ctlcluster failed ({done.returncode}): {done.stderr or done.stdout}")
            back = _wait_for_postgres(scratch, 60)
            if back is None:
                raise RuntimeError("PostgreSQL did not come back within 60 s")
            restart["back"] = back - zero
            restart["done"] = True
            _log(f"PostgreSQL back after {restart['back'] - restart['started']:.2f} s")
        for teacher in teachers:
            teacher.join(args.after + 60)
        workers_after = server.workers()
        load_after = os.getloadavg()[0]
    finally:
        server.stop()
    problems = [f"{teacher.name}: {teacher.error!r}" for teacher in teachers if teacher.error]
    if problems:
        raise RuntimeError("a teacher's thread failed: " + "; ".join(problems))

    requests = sorted((request for teacher in teachers for request in teacher.requests), key=lambda r: r.started)
    acks = [ack for teacher in teachers for ack in teacher.acks]
    check = _check(acks, {seat.subject_id for seat in seats})
    return {
        "args": args, "cluster": cluster, "seats": len(seats), "requests": requests, "acks": acks,
        "conflicts": sum(teacher.conflicts for teacher in teachers), "restart": restart,
        "workers_replaced": len(workers_before - workers_after), "workers": len(workers_before),
        "worker_class": conf["worker_class"], "threads": conf["threads"],
        "load": (load_before, load_after), **check,
    }


def _check(acks: list[Ack], subject_ids: set[int]) -> dict:
    """Every acknowledged save against the history in the database; the saves that committed unacknowledged."""
    from gradebook.models import Score

    scores = {(score.subject_id, score.enrolment_id, score.kind, score.index): score.pk
              for score in Score.objects.filter(term__number=1, subject_id__in=subject_ids)}
    history = {(row["id"], row["version"]): (row["value"], row["comment_passed"])
               for row in Score.history.filter(id__in=scores.values()).values("id", "version", "value",
                                                                               "comment_passed")}
    lost = [ack for ack in acks
            if history.get((scores.get(ack.slot), ack.version)) != (ack.value, ack.passed)]
    acknowledged = {(scores.get(ack.slot), ack.version) for ack in acks}
    return {"lost": lost, "history_rows": len(history),
            "unacknowledged_commits": len(set(history) - acknowledged)}


# --- the report ------------------------------------------------------------------------------------


def _markdown(report: dict, command: str) -> str:
    from benchkit import markers

    start, end = markers("drill_faults")
    args, restart, requests = report["args"], report["restart"], report["requests"]
    failed = [request for request in requests if request.result != "ok"]
    kinds = Counter(request.result for request in failed)
    saves_ok = [request for request in requests if request.result == "ok"]
    lines = [start, "## Fault drill: PostgreSQL restarted under load", ""]
    lines.append(
        f"gunicorn as gunicorn.conf.py starts it ({report['workers']} {report['worker_class']} workers × "
        f"{report['threads']} threads; production settings: DEBUG off, `CONN_MAX_AGE` 60 s with "
        f"`CONN_HEALTH_CHECKS`) on 127.0.0.1:{args.port}, a scratch PostgreSQL database with the demo school "
        "(one class per grade). "
        f"{report['seats']} teachers (those of 6A1), one thread each, log in through the form and keep saving "
        f"cells of their own grid as `static/gradebook/grid.js` does (a typed cell, every {PASTE_EVERY}th save a "
        f"pasted column of {PASTE_ROWS} students; {args.think:g} s between saves). "
        + (f"After {args.before:g} s PostgreSQL is restarted (`pg_ctlcluster --skip-systemctl-redirect "
           f"{report['cluster'].replace('/', ' ')} restart`: a fast shutdown that cuts every connection); the "
           f"teachers go on for {args.after:g} s. Nobody touches the app or gunicorn."
           if restart["done"] else f"No fault ({args.before + args.after:g} s of load, `--no-restart`).")
    )
    latencies = sorted(request.ended - request.started for request in saves_ok)
    lines += ["", "| figure | value |", "|---|---:|",
              f"| save requests (cells) | {len(requests)} ({sum(r.cells for r in requests)}) |",
              f"| save requests answered 200 | {len(saves_ok)} |"]
    if latencies:
        lines.append(f"| their latency, median / 95th percentile | {statistics.median(latencies) * 1000:.0f} ms / "
                     f"{latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] * 1000:.0f} ms |")
    if restart["done"]:
        first_failure = min((r.started for r in failed), default=None)
        after_back = [r for r in saves_ok if r.started >= restart["back"]]
        first_after = min(after_back, key=lambda r: r.ended) if after_back else None
        last_failure = max((r.ended for r in failed), default=None)
        lines += [
            f"| PostgreSQL restart (`pg_ctlcluster … restart` until it accepts connections) | "
            f"{restart['back'] - restart['started']:.2f} s |",
            f"| requests failed during the outage | {len(failed)} "
            f"({', '.join(f'{count} {kind}' for kind, count in kinds.most_common()) or 'none'}) |",
            "| last failed request ended, after the restart began | "
            + (f"{last_failure - restart['started']:.2f} s |" if last_failure is not None else "— |"),
            "| first successful save after PostgreSQL was back, from the restart's start | "
            + (f"{first_after.ended - restart['started']:.2f} s |" if first_after else "none |"),
            "| teachers' outage (first failed request → first successful save after it) | "
            + (f"{first_after.ended - first_failure:.2f} s |" if first_after and first_failure is not None
               else "— |"),
        ]
    else:
        lines.append(f"| requests failed | {len(failed)} "
                     f"({', '.join(f'{count} {kind}' for kind, count in kinds.most_common()) or 'none'}) |")
    lines += [
        f"| acknowledged saves (cells answered \"saved\") | {len(report['acks'])} |",
        f"| **acknowledged saves missing from the database** | **{len(report['lost'])}** |",
        f"| saves committed whose answer was an error (the retry finds the value stored) | "
        f"{report['unacknowledged_commits']} |",
        f"| conflicts shown afterwards (a save whose answer was lost had committed) | {report['conflicts']} |",
        f"| gunicorn workers replaced | {report['workers_replaced']} of {report['workers']} |",
        "",
        ("Recovery needs no action: each gunicorn worker keeps its connection (`CONN_MAX_AGE`) and checks it at "
         "the start of every request (`CONN_HEALTH_CHECKS`), so the first request after the restart replaces the "
         "dead connection; requests while the server is down get a 500, which the grid shows as \"The server "
         "could not save these cells. Press Retry\" and keeps the cells unsaved on screen. A save commits in "
         "one transaction with its history, so an answered \"saved\" is in the history. "
         "tests/concurrency/test_recovery.py checks the reconnection in the suite; "
         "tests/concurrency/test_worker_killed.py kills a Celery worker's process mid-render (SIGKILL): the job is "
         "delivered again, rendered again and sealed once."),
        "",
        f"Machine: {machine()}; load average {report['load'][0]:.1f} before the run, {report['load'][1]:.1f} after "
        "(the machine is shared, so times are indicative).",
    ]
    if restart["done"]:
        lines.append(f"Run at {restart['wall_clock']}.")
    lines += ["", "Reproduce (as root on the database machine: it restarts the PostgreSQL cluster; creates, uses and "
                  f"then drops the database `{DB_NAME}`):", "", "```", command, "```", end]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
