#!/usr/bin/env python
"""Benchmark of the board's class-and-student import on PostgreSQL: preview and confirm of a big file.

    .venv/bin/python scripts/bench_import.py postgres://postgres@127.0.0.1:5432/ [--rows 3000] [--write]

The script (re)creates its scratch database ``bench_import`` on that server, migrates it and
builds the demo school. It then writes a CSV of ``--rows`` new students in new classes of the
current year (the file a school exports from SMAS at the start of a year) and measures, as the
import page does them (``schoolrecords.importing``):
* the preview: reading the file and checking every row against the school's data;
* the confirm: checking again inside the transaction and saving classes, students, enrolments
  and their history rows;
* the same file imported again (every row unchanged: nothing is written);
* the file with every student's address changed (every row an update, with history).
Queries are counted for each. ``--write`` puts the report into docs/benchmarks.md.
"""

import argparse
import contextlib
import csv
import io
import time

from benchkit import Scratch, machine, markers, write_section

DB_NAME = "bench_import"
START, END = markers("bench_import")
CLASS_SIZE = 42


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help=f"postgres://user@host:port/ (the database used is always {DB_NAME})")
    parser.add_argument("--rows", type=int, default=3000, help="students in the file (default 3000)")
    parser.add_argument("--write", action="store_true", help="write the report into docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    args = parser.parse_args()

    scratch = Scratch.from_url(args.database_url, DB_NAME)
    scratch.recreate()
    scratch.setup_django()
    try:
        report = _run(args.rows)
    finally:
        scratch.close(keep=args.keep)
    command = f".venv/bin/python scripts/bench_import.py {scratch.shown} --rows {args.rows}" + (
        " --write" if args.write else "")
    text = _markdown(report, command)
    print(text)
    if args.write:
        write_section("bench_import", text)


def _file(rows: int, *, address: str) -> bytes:
    from schoolrecords.importing import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.header for column in COLUMNS])
    for number in range(rows):
        grade = 6 + number * 4 // rows
        values = {
            "stt": number + 1, "class": f"{grade}B{number // CLASS_SIZE + 1}", "grade": grade,
            "code": f"HS{number:06d}", "registration_number": f"{number:04d}/2025",
            "full_name": f"Nguyễn Thị Hồng Nhung {number}", "date_of_birth": f"{1 + number % 28:02d}/03/{2020 - grade}",
            "gender": "Nữ" if number % 2 else "Nam", "ethnicity": "Kinh", "place_of_birth": "Quảng Ninh",
            "address": f"{address} {number}", "father_name": "Nguyễn Văn Bình", "father_phone": "0912345678",
            "mother_name": "Trần Thị Hoa", "mother_phone": "0987654321", "guardian_name": "", "guardian_phone": "",
        }
        writer.writerow([values[column.key] for column in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


@contextlib.contextmanager
def counting(connection):
    """Count the statements sent to the database inside the block (``count[0]``)."""
    count = [0]

    def wrapper(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def _run(rows: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from schoolrecords import importing
    from schoolrecords import models as m
    from seed.demo import build_demo_school

    call_command("migrate", verbosity=0)
    build_demo_school()
    board = m.StaffProfile.objects.get(user__username="board").user
    year = m.SchoolYear.objects.get(is_current=True, school__code="THCS-DEMO")

    def measure(data: bytes) -> dict:
        with counting(connection) as preview_queries:
            started = time.perf_counter()
            plan = importing.plan_import(year, importing.read_file(data).rows)
            preview = time.perf_counter() - started
        assert not plan.has_errors, [str(e) for row in plan.error_rows for e in row.errors][:5]
        with counting(connection) as confirm_queries:
            started = time.perf_counter()
            result = importing.import_classes_and_students(actor=board, year=year, rows=importing.read_file(data).rows,
                                                           file_name="bench.csv")
            confirm = time.perf_counter() - started
        return {"preview": preview, "preview_queries": preview_queries[0], "confirm": confirm,
                "confirm_queries": confirm_queries[0], "result": result}

    first = _file(rows, address="Tổ 1, phường Mạo Khê")
    report = {"rows": rows, "machine": machine(), "server": connection.cursor().connection.info.server_version}
    report["new"] = measure(first)
    report["again"] = measure(first)
    report["update"] = measure(_file(rows, address="Tổ 2, phường Mạo Khê"))
    report["history"] = m.Student.history.filter(history_change_reason__contains="bench.csv").count()
    return report


def _markdown(report: dict, command: str) -> str:
    def row(label: str, key: str) -> str:
        item = report[key]
        result = item["result"]
        what = (f"{result.classes_created} classes, {result.students_created} new, {result.students_updated} updated, "
                f"{result.students_unchanged} unchanged, {result.enrolments_created} enrolled")
        return (f"| {label} | {item['preview']:.2f} s | {item['preview_queries']} | {item['confirm']:.2f} s | "
                f"{item['confirm_queries']} | {what} |")

    server = report["server"]
    return "\n".join([
        START,
        "## Import of classes and students",
        "",
        (f"The board's import (`schoolrecords.importing`, as the import page calls it) of a CSV of {report['rows']} "
         f"students in new classes of about {CLASS_SIZE}, on PostgreSQL {server // 10000}.{server % 10000}. "
         "*Preview* reads the file and checks every row against the school's data; *confirm* checks again inside "
         "the transaction (the year and the students locked) and saves the classes through the services, then "
         "the students and enrolments in bulk, each with its history row (who, when, the file's name)."),
        "",
        "| file | preview | queries | confirm | queries | saved |",
        "|---|---:|---:|---:|---:|---|",
        row("new students in new classes", "new"),
        row("the same file again", "again"),
        row("every address changed", "update"),
        "",
        f"Student history rows written with the file's name as the reason: {report['history']}.",
        "",
        f"Machine: {report['machine']}. Reproduce: `{command}`",
        END,
    ])


if __name__ == "__main__":
    main()
