#!/usr/bin/env python
"""Restore drill on PostgreSQL: back up a demo school, restore it elsewhere, prove the copy equal, time both.

    .venv/bin/python scripts/drill_restore.py postgres://postgres@127.0.0.1:5432/ [--full-year] [--keep] [--write]

The URL names the server. The drill (re)creates two scratch databases there, ``drill_restore_src``
and ``drill_restore_dst``, and works in a temporary folder (source VAR_DIR, backups, restored
VAR_DIR). Every step is the operator's command, run as a separate process with production-like
settings (DEBUG off, PostgreSQL, Celery eager):

1. the source: ``manage.py migrate`` and ``seed_demo``; with --full-year every score of both terms,
   conduct, absences and remarks through the services and the year approved (scripts/bench_archive.py's
   filler); archived documents with ``archive_render ... --wait`` (every class's summary table and
   6A1's parent slips) and ``archive_snapshot``; a few teachers' documents uploaded through the
   document store, so the media folder is not empty either;
2. ``manage.py backup --output <tmp>/backups``;
3. ``manage.py restore <backup> --database-url <dst> --var-dir <tmp>/restored``;
4. the checks, made here and not trusted to the commands: the row count of every table in the source
   and the restored database; every archived document's row (path, SHA-256, size) in both, and the
   SHA-256 of its restored file; every media file's SHA-256 in both folders; then
   ``manage.py archive_verify`` run against the restored copy.

It prints a markdown section (``--write`` puts it into docs/benchmarks.md between its markers)
and exits non-zero if any check fails. The scratch databases and folder are removed at the end
unless --keep.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import ROOT, Scratch, markers, write_section

SOURCE_DB, TARGET_DB = "drill_restore_src", "drill_restore_dst"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = markers("drill_restore")


def _demo_year() -> str:
    """The demo's school year today, by seed.calendar's rule (pure: no Django needed here)."""
    import datetime
    import sys
    from zoneinfo import ZoneInfo

    sys.path.insert(0, str(ROOT))
    from seed.calendar import school_year_of

    return school_year_of(datetime.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()).name


UPLOADS = 6  # teachers' documents put into the store (the media folder)

UPLOAD_CODE = """
from django.core.files.base import ContentFile
from django.contrib.auth import get_user_model
from archive import storage
from archive.models import ArchivedDocument
from eledger import services
from eledger.models import DocumentKind
kind = DocumentKind.objects.get(school__code="THCS-DEMO", code="self_study")
pdfs = list(ArchivedDocument.objects.filter(content_type="application/pdf").order_by("pk")[:{count}])
teachers = get_user_model().objects.filter(username__startswith="gv_").order_by("username")[:{count}]
for teacher, pdf in zip(teachers, pdfs, strict=True):
    services.document_create(actor=teacher, kind=kind, content=ContentFile(storage.read(pdf.path), name=pdf.file_name),
                             filename=pdf.file_name, title="Tu hoc " + pdf.file_name, reason="drill_restore")
"""

FILL_CODE = """
import sys
sys.path.insert(0, {scripts!r})
from bench_archive import _fill_year
print(_fill_year("drill_restore")["cells"])
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("server_url", help="postgres://user@host:port/ (the databases used are always "
                                           f"{SOURCE_DB} and {TARGET_DB})")
    parser.add_argument("--full-year", action="store_true",
                        help="fill every score of the year before the backup (a realistic database; minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases and folder for inspection")
    parser.add_argument("--write", action="store_true", help=f"write the report into {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()

    scratches = {name: Scratch.from_url(args.server_url, name) for name in (SOURCE_DB, TARGET_DB)}
    source = scratches[SOURCE_DB]
    urls = {**{name: scratch.url for name, scratch in scratches.items()}, "postgres": source.admin_url}
    work = Path(tempfile.mkdtemp(prefix="drill_restore_"))
    for scratch in scratches.values():
        scratch.recreate()
    try:
        report = _drill(args, urls, work)
    finally:
        if args.keep:
            _log(f"kept: databases {SOURCE_DB}, {TARGET_DB}; folder {work}")
        else:
            for scratch in scratches.values():
                scratch.drop()
            _remove(work)
    command = (f".venv/bin/python scripts/drill_restore.py {source.shown}"
               + (" --full-year" if args.full_year else "") + (" --write" if args.write else ""))
    text = _markdown(report, command)
    print(text)
    if args.write:
        write_section("drill_restore", text)
        _log(f"wrote the report into {DOCS.relative_to(ROOT)}")
    failures = report["failures"]
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _drill(args, urls: dict[str, str], work: Path) -> dict:
    source_var, backups, restored = work / "source", work / "backups", work / "restored"
    source_env = _environment(urls[SOURCE_DB], source_var)
    report = {"failures": []}

    started = time.monotonic()
    _manage(source_env, "migrate", "--no-input", "-v", "0")
    _manage(source_env, "seed_demo")
    mode = []
    if args.full_year:
        cells = _run([sys.executable, "-c", _setup_code(FILL_CODE.format(scripts=str(ROOT / "scripts")))],
                     source_env, "filling the year's scores").strip().splitlines()[-1]
        report["cells"] = int(cells)
    else:
        mode = ["--ad-hoc"]
    _manage(source_env, "archive_render", "--year", _demo_year(), "--term", "2" if args.full_year else "1",
            "--kind", "summary", "--wait", *mode)
    _manage(source_env, "archive_render", "--year", _demo_year(), "--term", "2" if args.full_year else "1",
            "--kind", "parent_slip", "--class", "6A1", "--wait", *mode)
    _manage(source_env, "archive_snapshot", "--year", _demo_year(), "--term", "1")
    _manage(source_env, "shell", "-c", UPLOAD_CODE.format(count=UPLOADS))
    report["setup_seconds"] = time.monotonic() - started

    report["load"] = os.getloadavg()[0]
    started = time.monotonic()
    output = _manage(source_env, "backup", "--output", str(backups))
    report["backup_seconds"] = time.monotonic() - started
    report["backup_own_seconds"] = _own_seconds(output)
    (folder,) = [path for path in backups.iterdir() if path.is_dir()]
    manifest = json.loads((folder / "MANIFEST").read_text(encoding="utf-8"))
    report["manifest"] = manifest
    report["parts"] = {name: entry["size"] for name, entry in manifest["files"].items()}

    # The restore runs with the settings of a machine that knows nothing of the source.
    restore_env = _environment(urls["postgres"], work / "elsewhere")
    started = time.monotonic()
    output = _manage(restore_env, "restore", str(folder), "--database-url", urls[TARGET_DB], "--var-dir",
                     str(restored))
    report["restore_seconds"] = time.monotonic() - started
    report["restore_own_seconds"] = _own_seconds(output)

    report.update(_compare(urls, source_var, restored, report["failures"]))
    verify = subprocess.run([sys.executable, "manage.py", "archive_verify", "--quiet"], cwd=ROOT,
                            env=_environment(urls[TARGET_DB], restored), capture_output=True, text=True)
    report["archive_verify"] = (verify.stdout.strip().splitlines() or ["(no output)"])[-1]
    if verify.returncode != 0:
        report["failures"].append(f"archive_verify on the restored copy: {verify.stdout}{verify.stderr}")
    report["database_bytes"] = _database_size(urls[SOURCE_DB])
    return report


def _own_seconds(output: str) -> float:
    """The time the command reports for its own work ("... in 1.4 s"), without the process start-up."""
    return float(re.findall(r" in ([0-9.]+) s", output)[-1])


# --- the checks ----------------------------------------------------------------------------------------


def _compare(urls: dict[str, str], source_var: Path, restored: Path, failures: list[str]) -> dict:
    source, target = _tables(urls[SOURCE_DB]), _tables(urls[TARGET_DB])
    for table in sorted(set(source) | set(target)):
        if source.get(table) != target.get(table):
            failures.append(f"table {table}: {source.get(table)} rows in the source, {target.get(table)} restored")
    documents = _archived(urls[SOURCE_DB])
    if _archived(urls[TARGET_DB]) != documents:
        failures.append("the restored archive_archiveddocument rows differ from the source's")
    for _id, path, sha256, size in documents:
        file = restored / "archive" / path
        if not file.is_file():
            failures.append(f"archived file missing after the restore: {path}")
        elif (_sha256(file), file.stat().st_size) != (sha256, size):
            failures.append(f"archived file differs from its recorded SHA-256 after the restore: {path}")
    media_source, media_restored = _tree(source_var / "media"), _tree(restored / "media")
    if media_source != media_restored:
        failures.append(f"media differ: {len(media_source)} files in the source, {len(media_restored)} restored, "
                        f"{len(set(media_source.items()) ^ set(media_restored.items()))} differing")
    return {"tables": len(source), "rows": sum(source.values()), "documents": len(documents),
            "archive_bytes": sum(row[3] for row in documents), "media_files": len(media_source),
            "media_bytes": sum((source_var / "media" / name).stat().st_size for name in media_source),
            "largest": sorted(source.items(), key=lambda item: -item[1])[:3]}


def _tables(url: str) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as connection:
        tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return {table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                .fetchone()[0] for (table,) in tables}


def _archived(url: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute("SELECT id, path, sha256, size FROM archive_archiveddocument ORDER BY id").fetchall()


def _database_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def _tree(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): _sha256(path) for path in sorted(root.rglob("*")) if path.is_file()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- running things ------------------------------------------------------------------------------------


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"DATABASE_URL", "VAR_DIR", "MEDIA_ROOT", "ARCHIVE_ROOT", "CELERY_BROKER_URL",
                                  "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE"}}
    environment.update({
        "DATABASE_URL": database_url, "VAR_DIR": str(var_dir), "MEDIA_ROOT": str(var_dir / "media"),
        "ARCHIVE_ROOT": str(var_dir / "archive"), "DEBUG": "0", "SECRET_KEY": _SECRET, "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "schoolrecords.settings",
    })
    return environment


_SECRET = secrets.token_urlsafe(50)


def _setup_code(body: str) -> str:
    return f"import django\ndjango.setup()\n{body}"


def _manage(environment: dict[str, str], *arguments: str) -> str:
    label = " ".join(arguments[:2] if arguments[0] == "shell" else arguments[:5])
    return _run([sys.executable, "manage.py", *arguments], environment, label)


def _run(command: list[str], environment: dict[str, str], label: str) -> str:
    _log(label)
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"drill_restore: {label} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout



def _remove(folder: Path) -> None:
    for path in folder.rglob("*"):  # the archive's files and folders are read-only
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(folder, ignore_errors=True)



def _log(message: str) -> None:
    print(f"[drill_restore {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the report ----------------------------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.1f} kB"


def _machine() -> str:
    import django
    import psycopg

    server = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}; "
            f"Python {platform.python_version()}, Django {django.get_version()}, psycopg {psycopg.__version__}; "
            f"{server} against a local PostgreSQL server")


def _markdown(report: dict, command: str) -> str:
    manifest = report.get("manifest", {})
    parts = report.get("parts", {})
    data = ("the demo school with every score of both terms, conduct, absences and remarks, the year approved"
            f" ({report['cells']:,} score cells entered through the services)" if "cells" in report
            else "the demo school as `seed_demo` builds it (staff, classes, students; no scores entered)")
    largest = ", ".join(f"`{table}` {rows:,}" for table, rows in report.get("largest", []))
    outcome = ("every check passed" if not report["failures"]
               else f"**{len(report['failures'])} check(s) FAILED**: " + "; ".join(report["failures"][:5]))
    lines = [
        START,
        "## Backup and restore drill",
        "",
        f"`scripts/drill_restore.py` on PostgreSQL: {data}, plus {report.get('documents', 0)} archived documents "
        f"rendered with `archive_render --wait` and `archive_snapshot` and {report.get('media_files', 0)} teachers' "
        "documents uploaded into the store. Then `manage.py backup`, and `manage.py restore` of that backup into a "
        "second, empty database and an empty folder. Times are the wall time of each command "
        "and, in brackets, the time the command reports for its own work (without starting Python and Django).",
        "",
        "| what | figure |",
        "|---|---:|",
        f"| database (`pg_database_size`) | {_mb(report.get('database_bytes', 0))} |",
        f"| tables / rows | {report.get('tables', 0)} / {report.get('rows', 0):,} |",
        f"| archived documents / their bytes | {report.get('documents', 0)} / {_mb(report.get('archive_bytes', 0))} |",
        f"| media files / their bytes | {report.get('media_files', 0)} / {_mb(report.get('media_bytes', 0))} |",
        f"| `database.dump` (pg_dump custom format) | {_mb(parts.get('database.dump', 0))} |",
        f"| `archive.tar` / `media.tar` | {_mb(parts.get('archive.tar', 0))} / {_mb(parts.get('media.tar', 0))} |",
        f"| whole backup | {_mb(sum(parts.values()))} |",
        f"| **backup** (`manage.py backup`: snapshot, pg_dump, counts, tar, hashes, MANIFEST) | "
        f"**{report.get('backup_seconds', 0):.1f} s** ({report.get('backup_own_seconds', 0):.1f} s) |",
        f"| **restore** (`manage.py restore`: verify the manifest, pg_restore, extract, compare, check hashes) | "
        f"**{report.get('restore_seconds', 0):.1f} s** ({report.get('restore_own_seconds', 0):.1f} s) |",
        f"| building the source (migrate, seed, render, upload) | {report.get('setup_seconds', 0):.0f} s |",
        "",
        f"Checks after the restore: {outcome}. Row counts of all {report.get('tables', 0)} tables equal in the source "
        f"and the restored database (largest: {largest}); every archived document's row equal and its restored "
        "file's SHA-256 equal to the recorded one; every media file's SHA-256 equal; `archive_verify` on the "
        f"restored copy: \"{report.get('archive_verify', '')}\". Backup made by `{manifest.get('made_by', '?')}` "
        f"from {manifest.get('server', '?')}.",
        "",
        f"Machine: {_machine()}; load average {report.get('load', 0):.1f} when the backup started"
        + (" (other work shared the CPUs: the times are upper bounds)." if report.get("load", 0) > (os.cpu_count() or 1)
           else "."),
        "",
        "Reproduce (creates, uses and then drops the databases `drill_restore_src` and `drill_restore_dst` on "
        "that server):",
        "",
        "```",
        command,
        "```",
        END,
    ]
    return "\n".join(lines)



if __name__ == "__main__":
    sys.exit(main())
