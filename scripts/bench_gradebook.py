#!/usr/bin/env python
"""Benchmark of the score grid on PostgreSQL: the grid page and a pasted 45 × 6 block, in-process.

    .venv/bin/python scripts/bench_gradebook.py postgres://postgres@127.0.0.1:5432/ [--repeat 30] [--write]

The URL names the PostgreSQL server; the script (re)creates its own scratch database
``bench_gradebook`` there, migrates it, builds the demo school and grows class 6A1 to 45
students. Requests go through Django's test client in this process (the whole middleware
stack, sessions, templates and JSON included, no network), so the times are server time.
Production-like settings: DEBUG off, persistent connections.

Measured, each ``--repeat`` times, median (and min / 90th percentile):
* GET of the 6A1 Toán grid, term I, 45 students with every cell and average filled;
* POST of a pasted 45 × 6 block (270 cells) into empty slots: rows and history rows created;
* POST of a 45 × 6 block over existing cells (270 changes against their versions);
* a bare ``Score.objects.bulk_create`` of the same 270 new rows in a transaction (no history,
  no checks, no request): the floor the block save is compared with.
Between repetitions the rows of the block are removed (outside the timing), which only this
scratch database allows. ``--write`` puts the report into docs/benchmarks.md between its markers.
"""

import argparse
import os
import platform
import statistics
import time

from benchkit import DOCS, ROOT, Scratch, markers, write_section

DB_NAME = "bench_gradebook"
START, END = markers("bench_gradebook")
COLUMNS = [("tx", 1), ("tx", 2), ("tx", 3), ("tx", 4), ("gk", 1), ("ck", 1)]
CLASS_SIZE = 45


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="postgres://user[:password]@host:port/ (the server; the database "
                                             f"used is always {DB_NAME})")
    parser.add_argument("--repeat", type=int, default=30, help="repetitions of each measurement (default 30)")
    parser.add_argument("--write", action="store_true", help=f"write the report into {DOCS.relative_to(ROOT)}")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    args = parser.parse_args()

    scratch = Scratch.from_url(args.database_url, DB_NAME)
    scratch.recreate()
    scratch.setup_django()
    try:
        report = _run(args.repeat)
    finally:
        scratch.close(keep=args.keep)
    command = (f".venv/bin/python scripts/bench_gradebook.py {scratch.shown} --repeat {args.repeat}"
               + (" --write" if args.write else ""))
    text = _markdown(report, command)
    print(text)
    if args.write:
        write_section("bench_gradebook", text)



# --- the measurements ------------------------------------------------------------------------------


def _run(repeat: int) -> dict:
    import datetime
    import json
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from gradebook.models import Score
    from schoolrecords import models as sm
    from schoolrecords import services as setup
    from seed.demo import build_demo_school

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_demo_school()
    board = sm.StaffProfile.objects.get(user__username="board").user
    school_class = sm.SchoolClass.objects.get(name="6A1", year__is_current=True)
    existing = sm.Enrolment.objects.filter(school_class=school_class).count()
    for number in range(CLASS_SIZE - existing):
        student = setup.student_save(actor=board, school=school_class.year.school, code=f"BENCH{number:03d}",
                                     full_name=f"Nguyễn Thị Thêm {number}", date_of_birth=datetime.date(2014, 2, 2),
                                     gender=sm.Student.Gender.FEMALE)
        setup.enrolment_create(actor=board, student=student, school_class=school_class)
    setup_seconds = time.perf_counter() - started

    assignment = sm.TeachingAssignment.objects.select_related("year").get(
        school_class=school_class, subject__code="toan", end_date__isnull=True)
    term = assignment.year.terms.get(number=1)
    teacher = assignment.teacher
    enrolments = list(sm.Enrolment.objects.filter(school_class=school_class).order_by("pk"))
    assert len(enrolments) == CLASS_SIZE
    client = Client()
    client.force_login(teacher)
    grid_url = reverse("gradebook:grid", args=(assignment.pk, 1))
    save_url = reverse("gradebook:grid_save", args=(assignment.pk, 1))
    block_rows = Score.objects.filter(subject_id=assignment.subject_id, term=term,
                                      enrolment__school_class=school_class)

    def clear() -> None:  # scratch database only: scores are never deleted by the application
        with transaction.atomic():
            Score.history.filter(subject_id=assignment.subject_id, term_id=term.pk,
                                 enrolment__school_class=school_class).delete()
            block_rows.delete()

    def post(cells, source="paste"):
        response = client.post(save_url, data=json.dumps({"source": source, "cells": cells}),
                               content_type="application/json")
        assert response.status_code == 200, response.content[:300]
        answer = response.json()
        assert all(cell["outcome"] == "saved" for cell in answer["cells"]), answer["cells"][:3]
        return answer

    def block(text: str, versions: dict | None = None) -> list[dict]:
        return [{"enrolment": e.pk, "kind": kind, "index": index, "text": text,
                 "version": (versions or {}).get((e.pk, kind, index))} for e in enrolments for kind, index in COLUMNS]

    def timed(action) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            action()
            elapsed = time.perf_counter() - start
        return elapsed, len(queries)

    # Warm up: templates, translations, the permission caches of the first request, the connection.
    for _ in range(3):
        clear()
        post(block("7,5"))
        client.get(grid_url)
    clear()

    create, create_queries = [], set()
    for _ in range(repeat):
        clear()
        elapsed, count = timed(lambda: post(block("7,5")))
        create.append(elapsed)
        create_queries.add(count)

    versions = {(s.enrolment_id, s.kind, s.index): s.version for s in block_rows}
    change, change_queries = [], set()
    for repetition in range(repeat):
        cells = block("8" if repetition % 2 == 0 else "7,5", versions)
        answer = {}

        def save_changes(cells=cells, answer=answer):
            answer.update(post(cells))

        elapsed, count = timed(save_changes)
        change.append(elapsed)
        change_queries.add(count)
        versions = {(c["enrolment"], c["kind"], c["index"]): c["version"] for c in answer["cells"]}

    single, single_queries = [], set()
    first = enrolments[0]
    for repetition in range(repeat):
        cells = [{"enrolment": first.pk, "kind": "tx", "index": 1, "text": "9" if repetition % 2 == 0 else "8,5",
                  "version": versions[(first.pk, "tx", 1)]}]
        answer = {}

        def save_one(cells=cells, answer=answer):
            answer.update(post(cells, source="typed"))

        elapsed, count = timed(save_one)
        single.append(elapsed)
        single_queries.add(count)
        versions[(first.pk, "tx", 1)] = answer["cells"][0]["version"]

    grid_get, grid_queries = [], set()
    for _ in range(repeat):
        def get():
            response = client.get(grid_url)
            assert response.status_code == 200 and response.content.count(b'class="avg" data-col="term">') == 45

        elapsed, count = timed(get)
        grid_get.append(elapsed)
        grid_queries.add(count)

    bulk, bulk_queries = [], set()
    for _ in range(repeat):
        clear()
        rows = [Score(enrolment_id=e.pk, subject_id=assignment.subject_id, term_id=term.pk, kind=kind, index=index,
                      value=Decimal("7.5"), updated_by=teacher) for e in enrolments for kind, index in COLUMNS]

        def insert(rows=rows):
            with transaction.atomic():
                Score.objects.bulk_create(rows)

        elapsed, count = timed(insert)
        bulk.append(elapsed)
        bulk_queries.add(count)
    clear()

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    return {
        "repeat": repeat, "setup": setup_seconds, "server": server_version,
        "grid": (grid_get, grid_queries), "create": (create, create_queries), "change": (change, change_queries),
        "single": (single, single_queries), "bulk": (bulk, bulk_queries),
    }


# --- the report ------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _stats(samples: list[float]) -> tuple[str, str, str]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return _ms(statistics.median(ordered)), _ms(ordered[0]), _ms(p90)


def _queries(counts: set[int]) -> str:
    return "/".join(str(count) for count in sorted(counts))


def _markdown(report: dict, command: str) -> str:
    import django

    bulk_median = statistics.median(report["bulk"][0])
    lines = [
        START,
        "## Gradebook",
        "",
        ("The score grid of one class, subject and term (`gradebook:grid`, `gradebook:grid_save`), measured "
         "in-process with Django's test client against PostgreSQL (server time: middleware, session, "
         "permission checks, queries, template or JSON; no network). Class 6A1 of the demo school grown to "
         f"{CLASS_SIZE} students, Toán (four ĐĐGtx, ĐĐGgk, ĐĐGck). {report['repeat']} repetitions each after a "
         "warm-up."),
        "",
        "| request | median ms | min ms | p90 ms | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    rows = [
        ("GET the grid page (45 students, every cell and average filled)", "grid"),
        ("POST a pasted 45 × 6 block into empty cells (270 rows + 270 history rows)", "create"),
        ("POST a 45 × 6 block over existing cells (270 changes + history)", "change"),
        ("POST one typed cell (a change + history)", "single"),
        ("bare `Score.objects.bulk_create` of the same 270 rows, in a transaction, no history", "bulk"),
    ]
    for label, key in rows:
        samples, counts = report[key]
        lines.append(f"| {label} | {' | '.join(_stats(samples))} | {_queries(counts)} |")
    create_ratio = statistics.median(report["create"][0]) / bulk_median
    change_ratio = statistics.median(report["change"][0]) / bulk_median
    lines += [
        "",
        (f"Ratio of the block save to the bare bulk insert of the same 270 rows (medians): **{create_ratio:.1f}×** "
         f"for new cells, {change_ratio:.1f}× for changed cells. The block save is one request whose query count "
         "does not depend on the number of cells (pinned in tests/gradebook/test_grid_views.py, with the grid "
         "page's at 40 and 50 students); the difference to the bare insert is the request itself, the permission "
         "checks, parsing and validating every cell, locking the existing rows, the history rows, and "
         "recomputing the averages of the 45 rows for the answer."),
        "",
        (f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
         f"{platform.release()}; PostgreSQL {report['server']} on the same machine; Python "
         f"{platform.python_version()}, Django {django.get_version()}. Setting up the scratch database took "
         f"{report['setup']:.0f} s."),
        "",
        "Reproduce (creates, uses and then drops the database `bench_gradebook` on that server):",
        "",
        "```",
        command,
        "```",
        END,
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
