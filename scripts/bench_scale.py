#!/usr/bin/env python
"""Scale benchmark: the demo school's pages on a one-school database and on a district database.

    .venv/bin/python scripts/bench_scale.py postgres://postgres@127.0.0.1:5432/ \\
        [--schools 100] [--students-per-school 1500] [--repeat 15] [--reuse] [--write]

Two scratch databases on that server (``--prefix`` changes the names):
* ``bench_scale_one``: the demo school alone (``seed_district --schools 0``: the demo school built
  through the services, plus its term-I activity written in bulk);
* ``bench_scale_district``: the same, plus ``--schools`` schools of ``--students-per-school``
  students (``seed_district --schools N``), every row with its history row.
Both are migrated first, so index migrations added since they were seeded are applied.
``--reuse`` keeps a database that is already there (seeding the district takes a long time);
without it both are dropped and seeded again. The databases are kept afterwards (``--drop`` drops them).

One worker process per database (``--worker``, spawned by this script) runs Django's test client
in-process: production-like settings (DEBUG off, persistent connections), the whole middleware
stack, sessions and templates, no network. Every page is requested from the SAME demo school in
both databases, alternating which database goes first, page by page and repetition by
repetition, so the noise of a shared machine falls on both alike. Reported per page: the median
of ``--repeat`` timings after a warm-up, the ratio district / one school, and the queries of one
request. Then the slowest queries of the district requests are shown with
``EXPLAIN (ANALYZE, BUFFERS)``. ``--write`` puts the report into docs/benchmarks.md between its markers.
"""

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from benchkit import Scratch, write_section

ROOT = Path(__file__).resolve().parent.parent
ONE, DISTRICT = "one", "district"  # the roles of the two databases; their names: --prefix + _one / _district
TUNED = "tuned"  # the district database again, through connections with --district-options
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_scale:start -->", "<!-- bench_scale:end -->"
TARGET = 1.20
BIG = 10_000  # rows: a table this size or larger should be read through an index by a school's page
RETRIES = 3  # a request that dies with the connection (a PostgreSQL restart) is tried again

# (key, label, user, page): the pages measured, all of the demo school; resolved by the worker.
PAGES = [
    ("grid", "grid page: teacher_math, 6A1 Toán, term I (every cell filled)", "teacher_math", "grid"),
    ("grid_save", "grid save: one typed cell of 6A1 Toán, term I (a change + history)", "teacher_math", "grid_save"),
    ("grid2", "grid page: 6A1 Toán, term II (with term I's averages)", "teacher_math", "grid2"),
    ("grid_history", "a cell's history (score history by id)", "teacher_math", "grid_history"),
    ("home_teacher", "home: subject teacher (teacher_math)", "teacher_math", "home"),
    ("home_homeroom", "home: homeroom teacher (homeroom_6a1)", "homeroom_6a1", "home"),
    ("home_head", "home: department head (head_math)", "head_math", "home"),
    ("home_principal", "home: principal", "principal", "home"),
    ("home_vice", "home: vice principal", "vice", "home"),
    ("home_board", "home: admin board", "board", "home"),
    ("home_clerk", "home: clerk", "clerk", "home"),
    ("class_detail", "class page 6A1 (principal)", "principal", "class_detail"),
    ("class_detail_teacher", "class page 6A1 (teacher_math)", "teacher_math", "class_detail"),
    ("class_list", "set-up: classes of the year (board)", "board", "class_list"),
    ("class_edit", "set-up: class 6A1 with its students (board)", "board", "class_edit"),
    ("student_edit", "set-up: a student with its history (board)", "board", "student_edit"),
    ("staff_list", "set-up: staff (board)", "board", "staff_list"),
    ("subject_list", "set-up: subjects (board)", "board", "subject_list"),
    ("department_list", "set-up: departments (board)", "board", "department_list"),
    ("homeroom", "homeroom sheet 6A1, term I (homeroom_6a1)", "homeroom_6a1", "homeroom"),
    ("results", "class results 6A1, term I (principal)", "principal", "results"),
    ("progress", "score-entry progress (principal)", "principal", "progress"),
    ("deadlines", "deadlines (principal)", "principal", "deadlines"),
    ("windows", "entry windows and locks (board)", "board", "windows"),
    ("corrections", "correction queue (principal)", "principal", "corrections"),
    ("documents_teacher", "documents: teacher's dashboard (teacher_math)", "teacher_math", "documents"),
    ("documents_folder", "documents: own folder (teacher_math)", "teacher_math", "folder"),
    ("documents_list", "documents: list (principal)", "principal", "document_list"),
    ("documents_review", "documents: review queue (head_math)", "head_math", "review_queue"),
    ("documents_overview", "documents: school overview (principal)", "principal", "overview"),
    ("archive", "archive index (clerk)", "clerk", "archive"),
    ("archive_documents", "archive: documents of the year (clerk)", "clerk", "archive_documents"),
]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="postgres://user[:password]@host:port/ (the server; the databases used "
                                             "are PREFIX_one and PREFIX_district)")
    parser.add_argument("--prefix", default="bench_scale", help="the databases' names start with this "
                                                                "(default bench_scale)")
    parser.add_argument("--schools", type=int, default=100, help="schools besides the demo school (default 100)")
    parser.add_argument("--students-per-school", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=2, help="processes seeding the district (default 2)")
    parser.add_argument("--repeat", type=int, default=31, help="timed repetitions of each page (default 31)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests of each page first (default 2)")
    parser.add_argument("--explain", type=int, default=6, help="slowest district queries to EXPLAIN (default 6)")
    parser.add_argument("--only", nargs="*", help="measure only these pages (keys of PAGES)")
    parser.add_argument("--reuse", action="store_true", help="keep databases that are already seeded")
    parser.add_argument("--no-migrate", action="store_true",
                        help="measure the databases as they are (e.g. before an index migration, after "
                             "`manage.py migrate <app> <previous>` on both); needs --reuse")
    parser.add_argument("--district-options", metavar="OPTIONS",
                        help='also measure the district through connections with these PostgreSQL settings, e.g. '
                             '"-c random_page_cost=1.1" (a third column, interleaved like the others)')
    parser.add_argument("--save", metavar="JSON", help="also save the medians to this file")
    parser.add_argument("--before", metavar="JSON", help="a file saved by an earlier run (--save): its district "
                                                          "medians are shown next to this run's")
    parser.add_argument("--drop", action="store_true", help="drop both databases afterwards")
    parser.add_argument("--write", action="store_true", help=f"write the report into {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()

    server = Scratch.from_url(args.database_url, "postgres")
    if args.no_migrate and not args.reuse:
        parser.error("--no-migrate needs --reuse (a new database must be migrated)")
    pages = [page for page in PAGES if not args.only or page[0] in args.only]
    names = {role: f"{args.prefix}_{role}" for role in (ONE, DISTRICT)}
    urls = {role: Scratch(server.server, name).url for role, name in names.items()}
    admin_url = server.admin_url

    seeding = {
        ONE: _prepare(admin_url, names[ONE], urls[ONE], schools=0, students=args.students_per_school, workers=1,
                      reuse=args.reuse, migrate=not args.no_migrate),
        DISTRICT: _prepare(admin_url, names[DISTRICT], urls[DISTRICT], schools=args.schools,
                           students=args.students_per_school, workers=args.workers, reuse=args.reuse,
                           migrate=not args.no_migrate),
    }
    load_before = os.getloadavg()
    workers = {name: _Worker(url) for name, url in urls.items()}
    if args.district_options:
        workers[TUNED] = _Worker(f"{urls[DISTRICT]}?options={quote(args.district_options)}")
    roles = list(workers)
    try:
        for worker in workers.values():
            worker.ask({"do": "setup"})
        queries = {}
        for key, _label, user, page in pages:  # warm-up, and the query count of one request
            for name, worker in workers.items():
                for _ in range(max(1, args.warmup)):
                    answer = worker.ask({"do": "request", "user": user, "page": page, "count": True})
                queries[key, name] = answer["queries"]
        samples = {(key, name): [] for key, *_rest in pages for name in workers}
        sql = {(key, name): [] for key, *_rest in pages for name in workers}
        started = time.perf_counter()
        for repetition in range(args.repeat):
            for position, (key, _label, user, page) in enumerate(pages):
                turn = (repetition + position) % len(roles)  # who goes first rotates
                for name in roles[turn:] + roles[:turn]:
                    answer = workers[name].ask({"do": "request", "user": user, "page": page})
                    samples[key, name].append(answer["seconds"])
                    sql[key, name].append(answer["sql"])
        measuring = time.perf_counter() - started
        load_after = os.getloadavg()
        explained = workers[DISTRICT].ask({"do": "explain",
                                           "pages": [(key, user, page) for key, _l, user, page in pages]})
        statements = explained["statements"]
        there = workers[ONE].ask({"do": "explain_sql", "statements": [item["sql"] for item in statements]})
        for item, times in zip(statements, there["times"], strict=True):
            item["one"] = times
        facts = {name: workers[name].ask({"do": "facts"}) for name in (ONE, DISTRICT)}
    finally:
        for worker in workers.values():
            worker.close()
    if args.drop:
        for name in names.values():
            _drop(admin_url, name)

    report = {
        "pages": pages, "samples": samples, "sql": sql, "queries": queries, "repeat": args.repeat, "seeding": seeding,
        "load": (load_before, load_after), "measuring": measuring, "slowest": statements[:args.explain],
        "facts": facts, "statements": statements, "seq_scans": explained["seq_scans"],
        "schools": args.schools, "students": args.students_per_school, "tuned": args.district_options,
    }
    command = (f".venv/bin/python scripts/bench_scale.py {server.shown} --schools {args.schools} "
               + (f"--prefix {args.prefix} " if args.prefix != "bench_scale" else "")
               + (f"--district-options '{args.district_options}' " if args.district_options else "")
               + f"--students-per-school {args.students_per_school} --repeat {args.repeat} --reuse"
               + (" --before before.json" if args.before else "") + (" --write" if args.write else ""))
    medians = {f"{key}|{name}": statistics.median(values) for (key, name), values in samples.items()}
    if args.save:
        ratios = {key: _paired(samples[key, ONE], samples[key, DISTRICT]) for key, *_rest in pages}
        raw = {f"{key}|{name}": values for (key, name), values in samples.items()}
        Path(args.save).write_text(json.dumps({"medians": medians, "ratios": ratios, "samples": raw, "queries": {
            f"{key}|{name}": count for (key, name), count in queries.items()}}, indent=1), encoding="utf-8")
    report["before"] = json.loads(Path(args.before).read_text(encoding="utf-8")) if args.before else None
    text = _markdown(report, command)
    print(text)
    print()
    print(_explain_text(report["slowest"]))
    if args.write:
        write_section("bench_scale", text)


# --- the scratch databases ---------------------------------------------------------------------------


def _prepare(admin_url: str, name: str, url: str, *, schools: int, students: int, workers: int,
             reuse: bool, migrate: bool = True) -> dict:
    """Create (or reuse), migrate and seed one database; how long the seed took, or that it was reused."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and not reuse:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            connection.execute(f'CREATE DATABASE "{name}"')
    env = _django_env(url)
    started = time.perf_counter()
    if migrate or not exists:
        _manage(env, "migrate", "--verbosity", "0")
    migrate_seconds = time.perf_counter() - started
    if exists and reuse and _seeded(url, schools):
        return {"reused": True, "migrate": migrate_seconds, **_seed_record(admin_url, name)}
    started = time.perf_counter()
    output = _manage(env, "seed_district", "--schools", str(schools), "--students-per-school", str(students),
                     "--workers", str(workers))
    record = {"seed_seconds": round(time.perf_counter() - started), "workers": workers,
              "load": round(os.getloadavg()[0], 1)}
    with psycopg.connect(admin_url, autocommit=True) as connection:  # the database keeps how it was made
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS {_quoted(json.dumps(record))}")
    return {"reused": False, "migrate": migrate_seconds, "output": output.strip(), **record}


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _seed_record(admin_url: str, name: str) -> dict:
    """How the database was seeded, from its comment (written when this script seeded it)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        row = connection.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                                 [name]).fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return {}


def _seeded(url: str, schools: int) -> bool:
    import psycopg

    with psycopg.connect(url) as connection:
        try:
            found = connection.execute(
                "SELECT count(*) FROM schoolrecords_school WHERE code LIKE 'DIST-%%'").fetchone()[0]
            scores = connection.execute("SELECT EXISTS (SELECT 1 FROM gradebook_score)").fetchone()[0]
        except psycopg.Error:
            return False
    return scores and found >= schools


def _drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _django_env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY")
            or secrets.token_urlsafe(50), "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0",
            "DJANGO_SETTINGS_MODULE": "schoolrecords.settings", "CELERY_TASK_ALWAYS_EAGER": "1"}


def _manage(env: dict, *arguments: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *arguments], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout



class _Worker:
    """This script run with --worker on one database: JSON lines in, JSON lines out."""

    def __init__(self, url: str):
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", url], env=_django_env(url), cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, message: dict) -> dict:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the worker stopped (exit code {self.process.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise SystemExit(f"the worker failed: {answer['error']}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)


# --- the worker: one database, Django's test client --------------------------------------------------


def _worker(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging
    import traceback

    logging.disable(logging.WARNING)  # the 403/404 logs of a page must not reach the protocol's stdout
    state = _WorkerState()
    out = sys.stdout
    sys.stdout = sys.stderr  # anything else printed goes to stderr
    for line in sys.stdin:
        message = json.loads(line)
        try:
            answer = getattr(state, message.pop("do"))(**message)
        except Exception as error:  # noqa: BLE001 — reported to the parent, which stops
            answer = {"error": f"{error!r}\n{traceback.format_exc()}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


class _WorkerState:
    def setup(self) -> dict:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from schoolrecords import models as sm
        from seed.demo import SCHOOL_CODE, current_year_name

        User = get_user_model()
        year = sm.SchoolYear.objects.get(school__code=SCHOOL_CODE, name=current_year_name())
        school_class = sm.SchoolClass.objects.get(year=year, name="6A1")
        assignment = sm.TeachingAssignment.objects.get(school_class=school_class, subject__code="toan",
                                                       end_date__isnull=True)
        self.assignment, self.year = assignment, year
        self.clients = {}
        for username in {page[2] for page in PAGES}:
            client = Client()
            client.force_login(User.objects.get(username=username))  # a real session row, read every request
            self.clients[username] = client
        self.urls = {
            "grid": reverse("gradebook:grid", args=(assignment.pk, 1)),
            "grid_save": reverse("gradebook:grid_save", args=(assignment.pk, 1)),
            "grid2": reverse("gradebook:grid", args=(assignment.pk, 2)),
            "home": reverse("home"),
            "class_detail": reverse("class_detail", args=(school_class.pk,)),
            "class_list": reverse("setup:class_list", args=(year.pk,)),
            "class_edit": reverse("setup:class_edit", args=(school_class.pk,)),
            "staff_list": reverse("setup:staff_list"),
            "subject_list": reverse("setup:subject_list"),
            "department_list": reverse("setup:department_list"),
            "homeroom": reverse("gradebook:homeroom", args=(school_class.pk, 1)),
            "results": reverse("gradebook:results", args=(school_class.pk, 1)),
            "progress": reverse("gradebook:progress"),
            "deadlines": reverse("gradebook:deadlines"),
            "windows": reverse("gradebook:windows"),
            "corrections": reverse("gradebook:corrections"),
            "documents": reverse("eledger:index"),
            "folder": reverse("eledger:my_folder"),
            "document_list": reverse("eledger:list"),
            "review_queue": reverse("eledger:review_queue"),
            "overview": reverse("eledger:overview"),
            "archive": reverse("archive:index"),
            "archive_documents": reverse("archive:documents"),
        }
        first = sm.Enrolment.objects.filter(school_class=school_class, status=sm.Enrolment.Status.STUDYING).order_by(
            "pk").first()
        self.urls["grid_history"] = (reverse("gradebook:grid_history", args=(assignment.pk, 1))
                                     + f"?enrolment={first.pk}&column=gk")
        self.urls["student_edit"] = reverse("setup:student_edit", args=(first.student_id,))
        self.cell = {"enrolment": first.pk, "kind": "tx", "index": 1}
        self.turn, self.sql_seconds = 0, 0.0
        return {"ok": True}

    def _call(self, user: str, page: str):
        client = self.clients[user]
        if page != "grid_save":
            return client.get(self.urls[page])
        from gradebook.models import Score

        score = Score.objects.filter(enrolment_id=self.cell["enrolment"], subject_id=self.assignment.subject_id,
                                     term__year=self.year, term__number=1, kind="tx", index=1).first()
        self.turn += 1
        cell = {**self.cell, "text": "8" if self.turn % 2 else "7,5", "version": score.version if score else None}
        if score is not None and str(score.value).replace(".", ",").rstrip("0").rstrip(",") == cell["text"]:
            cell["text"] = "9"
        response = client.post(self.urls[page], data=json.dumps({"source": "typing", "cells": [cell]}),
                                content_type="application/json")
        if response.status_code == 200:
            outcome = response.json()["cells"][0]["outcome"]
            if outcome != "saved":
                raise AssertionError(f"the grid save answered {outcome}")
        return response

    def request(self, user: str, page: str, count: bool = False) -> dict:
        from django.db import InterfaceError, OperationalError, connection, connections
        from django.test.utils import CaptureQueriesContext

        for attempt in range(RETRIES):
            try:
                if count:
                    with CaptureQueriesContext(connection) as captured:
                        response = self._call(user, page)
                    queries = len(captured)
                    seconds = 0.0
                else:
                    self.sql_seconds = 0.0
                    with connection.execute_wrapper(self._timed_sql):
                        started = time.perf_counter()
                        response = self._call(user, page)
                        seconds = time.perf_counter() - started
                    queries = None
                break
            except (OperationalError, InterfaceError):
                if attempt == RETRIES - 1:
                    raise
                connections.close_all()
                time.sleep(2)
        if response.status_code != 200:
            raise AssertionError(f"{page} as {user}: HTTP {response.status_code}")
        return {"seconds": seconds, "sql": self.sql_seconds, "queries": queries}

    def _timed_sql(self, execute, sql, params, many, context):
        """Time spent waiting for the database (the statements' round trips), added up per request."""
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql_seconds += time.perf_counter() - started

    def explain(self, pages: list) -> dict:
        """Every read of one request of each page, with EXPLAIN (ANALYZE, BUFFERS), slowest first.

        Ranked by the plan's own planning + execution time (the best of three), not by the time
        the client saw, which on a shared machine is mostly noise. The grid save is left out:
        EXPLAIN ANALYZE runs the statement, and its statements write.
        """
        import re

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        statements = {}
        for key, user, page in pages:
            if page == "grid_save":
                continue
            with CaptureQueriesContext(connection) as captured:
                self._call(user, page)
            for query in captured.captured_queries:
                sql = query["sql"]
                if sql.lstrip().upper().startswith("SELECT") and " FOR UPDATE" not in sql.upper():
                    statements.setdefault(sql, key)
        explained = [{"page": key, "sql": sql, **self._explained(sql)} for sql, key in statements.items()]
        explained.sort(key=lambda item: item["planning"] + item["execution"], reverse=True)
        scanned = sorted({match for item in explained for match in re.findall(r"Seq Scan on (\w+)", item["plan"])})
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [scanned])
            sizes = dict(cursor.fetchall())
        return {"statements": explained, "seq_scans": {table: sizes.get(table, 0) for table in scanned}}

    def explain_sql(self, statements: list[str]) -> dict:
        """The same statements on this database (the demo school has the same ids in both)."""
        return {"times": [{key: value for key, value in self._explained(sql).items() if key != "plan"}
                          for sql in statements]}

    def _explained(self, sql: str, tries: int = 3) -> dict:
        import re

        from django.db import connection

        best = None
        for _ in range(tries):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            planning = float(re.search(r"Planning Time: ([0-9.]+) ms", plan).group(1))
            execution = float(re.search(r"Execution Time: ([0-9.]+) ms", plan).group(1))
            if best is None or planning + execution < best["planning"] + best["execution"]:
                best = {"planning": planning, "execution": execution, "plan": plan}
        return best

    def facts(self) -> dict:
        from django.db import connection

        counts = {}
        with connection.cursor() as cursor:
            for table in ("schoolrecords_school", "schoolrecords_student", "schoolrecords_enrolment",
                          "schoolrecords_teachingassignment", "gradebook_score", "gradebook_historicalscore",
                          "guardian_userobjectpermission", "django_session", "eledger_document",
                          "archive_archiveddocument"):
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — fixed table names
                counts[table] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
            size, version = cursor.fetchone()
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        return {"counts": counts, "size": size, "server": server, "version": version}


# --- the report ----------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _markdown(report: dict, command: str) -> str:
    import django

    one, district = report["facts"][ONE], report["facts"][DISTRICT]
    counts = district["counts"]
    lines = [
        START,
        "## Scale: one school and a district",
        "",
        ("The demo school's pages on two PostgreSQL databases: the demo school alone, and the demo school in a "
         f"district of {report['schools'] + 1} schools ({counts['schoolrecords_student']:,} students). Both hold "
         "the demo school's term-I work (every score slot of every class and subject, conduct, remarks, "
         "absences, documents, archive, corrections); the district's other schools are built by "
         "`seed_district` with the same shape (bulk inserts, each row with its simple-history row). "
         "In-process with Django's test client (server time: middleware, session, permission checks, "
         f"queries, templates; DEBUG off). Median of {report['repeat']} requests after a warm-up, the two "
         "databases alternating request by request; *ratio*: the median of the ratios of the requests made back "
         "to back (district / one school), which a change of the machine's load between repetitions does not "
         "sway. *SQL ms*: the part of the request spent waiting for "
         "PostgreSQL (median of the same requests). Queries: one request (one school / district)."),
        "",
        "| page | one school ms | district ms | ratio | SQL ms: one school | SQL ms: district | queries |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    tuned = report["tuned"]
    if tuned:  # the district again, with the given settings
        lines[-2] = lines[-2].replace("| queries |", f"| district ms, `{tuned}` | ratio | queries |")
        lines[-1] += "---:|---:|"
    before = report["before"]
    if before:  # the earlier run's ratio and district queries, in two more columns
        lines[-2] += " ratio before | queries before |"
        lines[-1] += "---:|---:|"
    worst = worst_tuned = 0.0
    for key, label, _user, _page in report["pages"]:
        a = statistics.median(report["samples"][key, ONE])
        b = statistics.median(report["samples"][key, DISTRICT])
        ratio = _paired(report["samples"][key, ONE], report["samples"][key, DISTRICT])
        worst = max(worst, ratio)
        qa, qb = report["queries"][key, ONE], report["queries"][key, DISTRICT]
        shown = f"{qa}" if qa == qb else f"{qa} / {qb}"
        mark = "" if ratio <= TARGET else " ⚠"
        sql_a = statistics.median(report["sql"][key, ONE])
        sql_b = statistics.median(report["sql"][key, DISTRICT])
        row = f"| {label} | {_ms(a)} | {_ms(b)} | {ratio:.2f}{mark} | {_ms(sql_a)} | {_ms(sql_b)} |"
        if tuned:
            c = statistics.median(report["samples"][key, TUNED])
            tuned_ratio = _paired(report["samples"][key, ONE], report["samples"][key, TUNED])
            worst_tuned = max(worst_tuned, tuned_ratio)
            row += f" {_ms(c)} | {tuned_ratio:.2f}{'' if tuned_ratio <= TARGET else ' ⚠'} |"
        row += f" {shown} |"
        if before:
            then = before.get("ratios", {}).get(key)
            row += f" {then:.2f} |" if then is not None else " — |"
            row += f" {before['queries'].get(f'{key}|{DISTRICT}', '—')} |"
        lines.append(row)
    seeding = report["seeding"][DISTRICT]
    seed_line = (f"seeding it took {seeding['seed_seconds'] / 60:.0f} min"
                 + (f", {seeding['note']}" if seeding.get("note") else
                    f" with {seeding.get('workers', 1)} worker processes")
                 + f" (load average {seeding.get('load', '?')} when it ended)"
                 if "seed_seconds" in seeding else "it was seeded earlier")
    lines += [
        "",
        f"Largest ratio: **{worst:.2f}** (target ≤ {TARGET:.2f})"
        + (f"; with `{tuned}`: **{worst_tuned:.2f}**." if tuned else "."),
        "",
        ("What keeps it so: on the big tables every read of a school's page goes through an index — scores "
         "through the slot index `score_one_row_per_slot` (enrolment, subject, term, column), enrolments by "
         "class, teaching assignments by class, teacher or year, guardian's object permissions by (user, "
         "content type, object id), sessions by key, history rows by the row's id — most of them there from "
         "the start (foreign keys, unique constraints, guardian's own composite indexes). Two things changed. "
         "The index `eledger_doc_school_list` (school, teaching date, last change, id; eledger migration 0002): "
         "the school's document list, newest first, read every document of the school joined to its current "
         "version (a hash join over the versions of every school) and sorted them; it now reads its 50 rows in "
         "the index's order (execution about 4 ms → 0.6 ms in the district). And the correction queue: its "
         "requests were read joined to their three accounts and their profiles, eleven tables, which "
         "PostgreSQL took 5 ms to plan for one school and 12 ms for the district, twice a page; who decided "
         "and who witnessed now come in their own small queries (`gradebook.corrections.selectors`). What "
         "still grows a little is planning: the reads that join many tables (the document lists with owner, "
         "kind, subject, department, year and version) are planned against larger statistics, a few "
         "milliseconds more per page (the table below); and for small tables shared by every school "
         "(accounts, profiles, classes, subjects, document kinds: under 10,000 rows) the planner may hash the "
         "whole table rather than look a few rows up. The columns headed with `-c random_page_cost=1.1` (when "
         "`--district-options` gives it) measure the district again with index look-ups priced as on a server "
         "whose data sits in memory: those reads get faster, the pages hardly change."),
        "",
        ("District database: "
         + ", ".join(f"{label} {counts[table]:,}" for table, label in (
             ("schoolrecords_school", "schools"), ("schoolrecords_student", "students"),
             ("schoolrecords_teachingassignment", "teaching assignments"), ("gradebook_score", "scores"),
             ("gradebook_historicalscore", "score history rows"),
             ("guardian_userobjectpermission", "object permissions"), ("django_session", "sessions"),
             ("eledger_document", "documents"), ("archive_archiveddocument", "archived documents")))
         + f"; {district['size']} on disk (the one-school database: {one['size']}, "
           f"{one['counts']['gradebook_score']:,} scores); {seed_line}."),
        "",
        (f"Machine: {platform.machine()}, {os.cpu_count()} CPUs shared with other work, {platform.system()} "
         f"{platform.release()}; load average {report['load'][0][0]:.1f} before and {report['load'][1][0]:.1f} "
         f"after the {report['measuring'] / 60:.1f} min of measuring; PostgreSQL {district['server']} on the "
         f"same machine; Python {platform.python_version()}, Django {django.get_version()}."),
        "",
        (f"Where the time of the reads goes: all {len(report['statements'])} distinct reads of one request of "
         "each page, by `EXPLAIN (ANALYZE, BUFFERS)` (best of three) on each database: "
         + _totals(report["statements"]) + ". The slowest on the district database, with the access paths of "
         "its plan:"),
        "",
        "| page | one school: planning + execution ms | district: planning + execution ms | query | plan |",
        "|---|---:|---:|---|---|",
    ]
    for query in report["slowest"]:
        lines.append(f"| {query['page']} | {query['one']['planning']:.1f} + {query['one']['execution']:.1f} | "
                     f"{query['planning']:.1f} + {query['execution']:.1f} | `{_short_sql(query['sql'])}` | "
                     f"{_access_paths(query['plan'])} |")
    big = {table: rows for table, rows in report["seq_scans"].items() if rows >= BIG}
    small = sorted(set(report["seq_scans"]) - set(big))
    lines += [
        "",
        (f"Sequential scans of tables of {BIG:,} rows or more in the plans of all those reads: "
         + (", ".join(f"`{table}` ({rows:,} rows)" for table, rows in sorted(big.items())) if big else "none")
         + (f". Smaller tables scanned whole where the planner finds it cheaper: {', '.join(small)}." if small
            else ".")),
    ]
    if before:
        lines += ["", ("*Ratio before*, *queries before*: the same measurement before this work's two changes "
                       "(the index above; the correction queue's accounts read in their own queries, "
                       "`gradebook.corrections.selectors._requests`), with both databases migrated back "
                       "(`manage.py migrate eledger 0001`) and that selector as it was in commit c369ebc, "
                       "run with `--reuse --no-migrate --save before.json`; shown here with `--before before.json`.")]
    lines += [
        "",
        "Reproduce (the first run seeds both databases; `--reuse` keeps them for the next runs; a new index "
        "migration is applied to them by the script's `migrate`):",
        "",
        "```",
        command,
        "```",
        "",
        "The district alone: `DATABASE_URL=… .venv/bin/python manage.py seed_district --schools 100 "
        "--students-per-school 1500 --workers 2`.",
        END,
    ]
    return "\n".join(lines)


def _paired(one: list[float], other: list[float]) -> float:
    """The median of the ratios of requests made back to back (same repetition, same page).

    Each pair is measured within a fraction of a second, so a change in the machine's load
    between repetitions cancels out of the ratio, where the ratio of two medians would keep it.
    """
    return statistics.median(b / a for a, b in zip(one, other, strict=True))


def _totals(statements: list[dict]) -> str:
    one = [sum(item["one"][part] for item in statements) for part in ("planning", "execution")]
    district = [sum(item[part] for item in statements) for part in ("planning", "execution")]
    return (f"planning {one[0]:.0f} ms in one school and {district[0]:.0f} ms in the district, execution "
            f"{one[1]:.0f} ms and {district[1]:.0f} ms")


def _short_sql(sql: str, width: int = 110) -> str:
    flat = " ".join(sql.split()).replace("|", "\\|").replace("`", "'")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _access_paths(plan: str) -> str:
    """The scans of a plan, in order: "Index Scan using score_one_row_per_slot on gradebook_score", …"""
    paths = []
    for line in plan.splitlines():
        text = line.strip().lstrip("->").strip()
        if " Scan " in f" {text}" or text.startswith(("Seq Scan", "Index", "Bitmap")):
            name = text.split("  (")[0]
            if name not in paths:
                paths.append(name)
    return "; ".join(paths[:4]).replace("|", "\\|") or "—"


def _explain_text(queries: list[dict]) -> str:
    parts = []
    for query in queries:
        parts.append(f"-- {query['page']}: planning {query['planning']:.1f} ms, execution {query['execution']:.1f} ms "
                     f"(one school: {query['one']['planning']:.1f} + {query['one']['execution']:.1f})\n"
                     f"{query['sql']}\n{query['plan']}\n")
    return "\n".join(parts)



if __name__ == "__main__":
    main()
