#!/usr/bin/env python
"""Benchmark of printing into the archive: per-page cost, report-card strategy, the year-end set, worker memory.

    .venv/bin/python scripts/bench_archive.py postgres://postgres@127.0.0.1:5432/ \
        [--redis redis://127.0.0.1:6379/9] [--repeat 3] [--skip-big] [--write]

The PostgreSQL URL names the server; the script (re)creates its own scratch database
``bench_archive`` there (dropped afterwards unless --keep), and its own archive folder in a
temporary directory. It builds the demo school, fills every score of both terms, conduct,
absences and remarks through the services, and has the principal approve every class's year
(so the book counts as locked and the year-end prints are periodic ones). Then it measures:

1. cost per page of our pipeline (read the class, build the form's data, render the template,
   WeasyPrint through our fetcher, hash, store write-once, insert the sealed row: services.job_run)
   against plain WeasyPrint writing the same HTML (same fonts): the class ledger of 6A1, year end;
2. the report cards of 6A1 rendered one by one versus laid out as one document split into
   per-student files (archive.rendering.SPLIT picks the faster);
3. the whole year-end set (class ledger, report cards, summary table of every class) through real
   Celery workers on Redis (the ``--redis`` database, emptied first), with one worker process and
   with two, for the demo school (8 classes, 320 students) and, unless --skip-big, for a school of
   36 classes and 1,512 students; the wall time from the first batch started to the last document
   sealed, and the peak resident memory of every worker process (from the workers' own log lines).
Production-like settings: DEBUG off, PostgreSQL, Redis, prefork workers with the settings' recycling.
``--write`` puts the report into docs/benchmarks.md between its markers.
"""

import argparse
import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import DOCS, ROOT, Scratch, markers, write_section

DB_NAME = "bench_archive"
START, END = markers("bench_archive")
BIG = {"classes_per_grade": 9, "students_per_class": 42}
YEAR_END_KINDS = ("ledger", "report_card", "summary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help=f"postgres://user@host:port/ (the database used is always {DB_NAME})")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="the Redis database the workers use "
                        "(emptied first; default redis://127.0.0.1:6379/9)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of measurements 1 and 2 (default 3)")
    parser.add_argument("--skip-big", action="store_true", help="measure the demo school only")
    parser.add_argument("--per-page-only", action="store_true", help="measure 1 only (the ledger: ours against "
                        "plain WeasyPrint, time, CPU time and peak memory), print it, write nothing")
    parser.add_argument("--write", action="store_true", help=f"write the report into {DOCS.relative_to(ROOT)}")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    args = parser.parse_args()

    scratch = Scratch.from_url(args.database_url, DB_NAME)
    scratch.recreate()
    var_dir = Path(tempfile.mkdtemp(prefix="bench_archive_"))
    scratch.setup_django(VAR_DIR=str(var_dir), ARCHIVE_ROOT=str(var_dir / "archive"), CELERY_BROKER_URL=args.redis,
                         CELERY_TASK_ALWAYS_EAGER="0", LOG_LEVEL="INFO",
                         ARCHIVE_SKIP_UNCHANGED="0")  # the same set is rendered with one worker, then two
    try:
        report = _run(args, var_dir)
    finally:
        scratch.close(keep=args.keep)
        shutil.rmtree(var_dir, ignore_errors=True)
    command = (f".venv/bin/python scripts/bench_archive.py {scratch.shown} --redis {args.redis} "
               f"--repeat {args.repeat}" + (" --skip-big" if args.skip_big else "") + (" --write" if args.write else ""))
    text = _markdown(report, command)
    print(text)
    if args.write:
        write_section("bench_archive", text)



def _log(message: str) -> None:
    print(f"[bench_archive {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the data --------------------------------------------------------------------------------------


def _fill_year(seed: str) -> dict:
    """Every score of both terms, conduct, absences and remarks of every class; then the year's approvals."""
    import random

    from gradebook import assessment
    from gradebook.homeroom import services as homeroom_services
    from gradebook.models import ResultApproval
    from gradebook.results import services as results_services
    from gradebook.rules.slots import studies_during, term_months
    from gradebook.scores.services import CellInput, scores_save
    from schoolrecords import models as sm
    from schoolrecords.selectors import subjects_of_classes
    from seed.demo import SCHOOL_CODE, YEAR_NAME

    rng = random.Random(seed)
    year = sm.SchoolYear.objects.get(school__code=SCHOOL_CODE, name=YEAR_NAME)
    terms = list(sm.Term.objects.filter(year=year).order_by("number"))
    months = term_months(terms)
    regular_of = {(class_id, each.subject.pk): assessment.regular_assessment_count(
        each.periods_per_year, learning_topics=each.learning_topics)
        for class_id, studied in subjects_of_classes(sm.SchoolClass.objects.filter(year=year)).items()
        for each in studied}
    principal = sm.StaffProfile.objects.get(user__username="principal").user
    filled = 0
    for school_class in sm.SchoolClass.objects.filter(year=year).select_related("homeroom_teacher").order_by("name"):
        if ResultApproval.objects.filter(school_class=school_class, term__isnull=True).exists():
            continue  # filled by an earlier run (the big school grows the demo one)
        enrolments = list(sm.Enrolment.objects.filter(school_class=school_class).select_related("student"))
        assignments = sm.TeachingAssignment.objects.filter(school_class=school_class, end_date__isnull=True) \
            .select_related("subject", "teacher")
        for term in terms:
            present = [e for e in enrolments if studies_during(e, term)]
            for assignment in assignments:
                regular = regular_of[(school_class.pk, assignment.subject_id)]
                slots = [("tx", i) for i in range(1, regular + 1)] + [("gk", 1), ("ck", 1)]
                cells = []
                for enrolment in present:
                    for kind, index in slots:
                        text = "Đ" if assignment.subject.is_commented else f"{rng.randint(65, 100) / 10:.1f}"
                        cells.append(CellInput(enrolment.pk, kind, index, text.replace(".", ",")))
                result = scores_save(actor=assignment.teacher, assignment=assignment, term=term, cells=cells,
                                     reason="bench_archive")
                assert result.ok, result.problems[:3]
                filled += len(cells)
            entries = [
                homeroom_services.HomeroomEntry(
                    e.pk, conduct=rng.choice(["tot", "tot", "kha"]),
                    absences={month: (rng.randint(0, 2), rng.randint(0, 1)) for month in months[term.number]},
                    remark="Ngoan, chăm chỉ, cần phát huy." if rng.random() < 0.5 else "")
                for e in present
            ]
            homeroom_services.homeroom_save(actor=school_class.homeroom_teacher, school_class=school_class,
                                           term=term, entries=entries, reason="bench_archive")
        results_services.results_approve(actor=principal, school_class=school_class, term=None,
                                         reason="bench_archive")
    return {"year": year, "cells": filled}


# --- 1. per page: our pipeline against plain WeasyPrint -------------------------------------------


def _per_page(repeat: int) -> dict:
    from django.utils import translation
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from archive import jobs, pdf, rendering, services
    from archive.models import Kind, Mode
    from gradebook import printed
    from schoolrecords import models as sm
    from schoolrecords.services import system_user

    school_class = sm.SchoolClass.objects.select_related("year__school", "homeroom_teacher__profile") \
        .get(name="6A1", year__is_current=True)
    actor = system_user()
    with translation.override("vi"):
        html = rendering._html(Kind.LEDGER, {"data": printed.ledger(school_class, 2)})
    static_dir = ROOT / "static"
    plain_html = html.replace('href="/static/', f'href="{static_dir.as_uri()}/')
    ours, plain, pages = [], [], 0
    ours_cpu, plain_cpu, ours_mb, plain_mb = [], [], [], []
    for _round in range(repeat + 1):  # the first round warms the caches (fonts, templates, imports)
        batch = jobs.batch_start(actor=actor, year=school_class.year, term_number=2, kind=Kind.LEDGER,
                                     mode=Mode.AD_HOC, classes=[school_class], dispatch=False)
        job = batch.jobs.get()
        base = _reset_peak()
        started, cpu = time.perf_counter(), time.process_time()
        documents = services.job_run(job_id=job.pk)
        ours.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu)
        ours_mb.append(_peak_mb() - base)
        pages = documents[0].pages
        base = _reset_peak()
        started, cpu = time.perf_counter(), time.process_time()
        font_config = FontConfiguration()
        content = HTML(string=plain_html, base_url=str(static_dir)).write_pdf(
            stylesheets=[CSS(string=pdf.font_css(), font_config=font_config)], font_config=font_config)
        plain.append(time.perf_counter() - started)
        plain_cpu.append(time.process_time() - cpu)
        plain_mb.append(_peak_mb() - base)
        assert content.startswith(b"%PDF")
        gc.collect()
    return {"ours": ours[1:], "plain": plain[1:], "pages": pages, "ours_cpu": ours_cpu[1:],
            "plain_cpu": plain_cpu[1:], "ours_mb": ours_mb[1:], "plain_mb": plain_mb[1:]}


def _reset_peak() -> float:
    """Reset this process's peak resident size (Linux: /proc/self/clear_refs) and return the current size, MB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


# --- 2. report cards: one by one or split ---------------------------------------------------------


def _cards(repeat: int) -> dict:
    from archive import rendering
    from archive.models import Kind
    from schoolrecords import models as sm

    school_class = sm.SchoolClass.objects.select_related("year__school", "homeroom_teacher__profile") \
        .get(name="6A1", year__is_current=True)
    result = {}
    for _round in range(repeat + 1):  # alternate the strategies; the first round warms up
        for split in (False, True):
            started = time.perf_counter()
            documents = rendering.student_documents(Kind.REPORT_CARD, school_class, 2, split=split)
            if _round:
                result.setdefault(split, []).append(time.perf_counter() - started)
            result[f"pages_{split}"] = sum(document.pdf.pages for document in documents)
            result["students"] = len(documents)
    return result


# --- 3. the year-end set through Celery workers ---------------------------------------------------


def _purge(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _start_workers(count: int, logs: Path) -> list[tuple[subprocess.Popen, Path]]:
    workers = []
    for number in range(1, count + 1):
        log = logs / f"worker{number}-{time.time_ns()}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "schoolrecords", "worker", "--loglevel", "INFO",
             "--concurrency", "1", "--pool", "prefork", "-n", f"bench{number}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=os.environ.copy(), stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )
        workers.append((process, log))
    deadline = time.time() + 60
    while time.time() < deadline:
        if all("ready." in log.read_text(errors="replace") for _process, log in workers):
            return workers
        time.sleep(0.5)
    raise RuntimeError("the workers did not start: " + " | ".join(log.read_text()[-500:] for _p, log in workers))


def _stop_workers(workers) -> None:
    for process, _log in workers:
        process.terminate()
    for process, _log in workers:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


PEAK = re.compile(r"render job (\d+): (\d+) document\(s\) in ([\d.]+) s, peak memory (\d+) MB")


def _year_end(workers_count: int, logs: Path, redis_url: str) -> dict:
    from django.db import connection

    from archive import jobs
    from archive.models import ArchivedDocument, Mode, RenderBatch
    from schoolrecords import models as sm
    from schoolrecords.services import system_user
    from seed.demo import SCHOOL_CODE, YEAR_NAME

    year = sm.SchoolYear.objects.get(school__code=SCHOOL_CODE, name=YEAR_NAME)
    _purge(redis_url)
    workers = _start_workers(workers_count, logs)
    try:
        before = ArchivedDocument.objects.count()
        started = time.perf_counter()
        batches = [jobs.batch_start(actor=system_user(), year=year, term_number=2, kind=kind, mode=Mode.PERIODIC)
                   for kind in YEAR_END_KINDS]
        ids = [batch.pk for batch in batches]
        while True:
            time.sleep(1)
            rows = list(RenderBatch.objects.filter(pk__in=ids).values_list("total", "done", "failed"))
            if all(done + failed >= total for total, done, failed in rows):
                break
            for _process, log in workers:
                if _process.poll() is not None:
                    raise RuntimeError("a worker died: " + log.read_text()[-2000:])
        elapsed = time.perf_counter() - started
        connection.close()
    finally:
        _stop_workers(workers)
    rows = list(RenderBatch.objects.filter(pk__in=ids).values_list("kind", "total", "done", "failed"))
    documents = ArchivedDocument.objects.filter(job__batch_id__in=ids)
    pages = sum(documents.values_list("pages", flat=True))
    peaks = []
    for _process, log in workers:
        for line in log.read_text(errors="replace").splitlines():
            found = PEAK.search(line)
            if found:
                peaks.append(int(found.group(4)))
    return {
        "workers": workers_count, "seconds": elapsed, "batches": rows,
        "documents": ArchivedDocument.objects.count() - before, "pages": pages,
        "peak_mb": max(peaks) if peaks else None, "classes": sm.SchoolClass.objects.filter(year=year).count(),
        "students": sm.Enrolment.objects.filter(school_class__year=year, status="studying").count(),
    }


# --- the run ---------------------------------------------------------------------------------------


def _run(args, var_dir: Path) -> dict:
    from django.core.management import call_command

    from seed.demo import DemoSize, build_demo_school

    logs = var_dir / "logs"
    logs.mkdir()
    report = {"repeat": args.repeat, "host": f"{platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} CPU, Python {platform.python_version()}"}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_demo_school()
    filled = _fill_year("demo")
    _log(f"demo school filled ({filled['cells']} score cells) in {time.perf_counter() - started:.0f} s")
    report["per_page"] = _per_page(args.repeat)
    _log("per-page measured")
    if args.per_page_only:
        print(_per_page_lines(report["per_page"]), f"load average {os.getloadavg()}", sep="\n")
        raise SystemExit(0)
    report["cards"] = _cards(args.repeat)
    _log("report cards measured")
    report["demo"] = [_year_end(count, logs, args.redis) for count in (1, 2)]
    _log(f"demo year-end set: {[round(r['seconds']) for r in report['demo']]} s")
    if not args.skip_big:
        started = time.perf_counter()
        build_demo_school(DemoSize(**BIG))
        filled = _fill_year("big")
        _log(f"big school filled ({filled['cells']} more cells) in {time.perf_counter() - started:.0f} s")
        report["big"] = [_year_end(count, logs, args.redis) for count in (1, 2)]
        _log(f"big year-end set: {[round(r['seconds']) for r in report['big']]} s")
    return report


def _per_page_lines(per_page: dict) -> str:
    pages = per_page["pages"]
    rows = ["| pipeline | median s | ms per page | median CPU s | peak memory added |", "|---|---:|---:|---:|---:|"]
    for key, label in (("ours", "ours (`job_run`)"), ("plain", "plain WeasyPrint, same HTML")):
        seconds = statistics.median(per_page[key])
        rows.append(f"| {label} | {seconds:.2f} | {seconds / pages * 1000:.0f} | "
                    f"{statistics.median(per_page[key + '_cpu']):.2f} | "
                    f"{statistics.median(per_page[key + '_mb']):.0f} MB |")
    return "\n".join(rows)


def _markdown(report: dict, command: str) -> str:
    import django
    import weasyprint

    per_page = report["per_page"]
    ours = statistics.median(per_page["ours"])
    plain = statistics.median(per_page["plain"])
    pages = per_page["pages"]
    overhead = (ours - plain) / plain * 100
    cards = report["cards"]
    one, split = statistics.median(cards[False]), statistics.median(cards[True])
    lines = [
        START,
        "## Archive",
        "",
        ("Printing into the sealed archive (`archive`), on PostgreSQL with the data of a whole school year: every "
         "score of both terms, conduct, absences and remarks entered through the services, and every class's year "
         "approved by the principal (so the year-end prints are periodic ones). "
         f"Machine: {report['host']}; Django {django.get_version()}, WeasyPrint {weasyprint.__version__}. "
         f"Medians of {report['repeat']} repetitions after a warm-up."),
        "",
        "### Cost per page: our pipeline against plain WeasyPrint",
        "",
        (f"The class ledger of 6A1 at the year's end ({pages} pages, 40 students, 13 subjects). *Ours* is one "
         "print job (`archive.services.job_run`): read the class, build the form's data, render the template, "
         "WeasyPrint with the local-only fetcher, SHA-256, the write-once store and the sealed row. *Plain* is "
         "`weasyprint.HTML(string=…).write_pdf()` of the same HTML with the same fonts."),
        "",
        _per_page_lines(per_page),
        "",
        f"Our pipeline costs **{overhead:+.1f} %** per page against plain WeasyPrint (target: within 10 %); "
        "ours lays the ledger out a few sections at a time and joins the parts (`archive.pdf."
        "html_to_pdf_in_parts`), which keeps the peak memory flat.",
        "",
        "### Report cards: one by one, or one document split per student",
        "",
        (f"The year-end report cards of 6A1 ({cards['students']} students, {cards['pages_False']} pages), "
         "each student's file rendered on its own, against the class laid out together "
         "(`SPLIT_CHUNK` = 15 students per layout) and cut into per-student files at each student's first page "
         "(`archive.rendering.student_documents`)."),
        "",
        "| strategy | median s for the class | s per student |",
        "|---|---:|---:|",
        f"| one by one | {one:.2f} | {one / cards['students']:.3f} |",
        f"| one document, split | {split:.2f} | {split / cards['students']:.3f} |",
        "",
        (f"Kept: **{'split' if split < one else 'one by one'}** (`archive.rendering.SPLIT = {split < one}`); "
         "one by one also keeps one task per document, so a failure or a retry touches one student only."
         if split >= one else
         f"Kept: **split** (`archive.rendering.SPLIT = True`), {(one - split) / one * 100:.0f} % faster."),
        "",
        "### The whole year-end set through Celery workers",
        "",
        ("Class ledgers, report cards and summary tables of every class, term II (the year's book), as three "
         "batches queued at once on Redis and rendered by prefork Celery workers (`--concurrency 1` each; "
         "the settings recycle a pool process after 50 tasks or 400 MB). Time: from the first batch queued to "
         "the last document sealed. Peak memory: the largest peak resident size any worker process reported "
         "after a job (target under 500 MB)."),
        "",
        "| school | workers | documents | pages | wall time | documents / min | peak memory per worker |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in (("demo", "demo school"), ("big", "large school")):
        for row in report.get(key, []):
            minutes = row["seconds"] / 60
            failed = sum(r[3] for r in row["batches"])
            lines.append(
                f"| {label}: {row['classes']} classes, {row['students']} students | {row['workers']} | "
                f"{row['documents']}{f' ({failed} failed)' if failed else ''} | {row['pages']} | "
                f"{minutes:.1f} min | {row['documents'] / minutes:.0f} | {row['peak_mb']} MB |"
            )
    lines += ["", ("The peak comes from the class ledgers (about 50 pages each; WeasyPrint keeps every page's "
                   "boxes and computed styles until the file is written): it grows with the class, by roughly "
                   "3 MB a student. Report cards are laid out at most "
                   "`archive.rendering.SPLIT_CHUNK` students at a time, so they stay well below it."),
              "", f"Reproduce: `{command}` (about an hour with the big school; `--skip-big` takes minutes).",
              END]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
