"""How long the README's two set-up commands take from a fresh clone: first run, and again.

    .venv/bin/python scripts/bench_setup.py [--port 8107] [--write]

It clones this repository's committed HEAD into a temporary folder, and there:

* runs ``scripts/demo.sh`` and times it until the demo's login page answers (first run: the
  virtualenv, the pinned requirements, the compiled messages, the migrations and the demo
  school; then the same again, which should install nothing), stopping the server each time;
* runs ``scripts/test.sh --collect-only -q`` twice: the test command's own set-up (the test
  requirements, chromium and docker-compose when missing) and pytest collecting the suite,
  without running it (the suite's time is CI's figure, in the closing notes).

Debian packages already installed on this machine are not installed again, and pip reads the
machine's package index: on a bare Debian the first runs also download the packages and wheels.
"""

import argparse
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchkit import ROOT, machine, markers, write_section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--write", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()

    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_setup_") as folder:
        clone = Path(folder) / "schoolrecords"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, check=True,
                                capture_output=True, text=True).stdout.strip()
        figures = [
            ("`scripts/demo.sh`, first run (until the login page answers)", _demo(clone, args.port)),
            ("`scripts/demo.sh`, second run", _demo(clone, args.port)),
            ("`scripts/test.sh --collect-only -q`, first run (set-up and collecting the tests)", _collect(clone)),
            ("`scripts/test.sh --collect-only -q`, second run", _collect(clone)),
        ]
    start, end = markers("bench_setup")
    lines = [
        start,
        "## Set-up commands",
        "",
        f"The README's two commands in a fresh clone of this repository (commit {commit}), each run twice. "
        "The demo is timed until its login page answers; the test command with `--collect-only`, "
        "that is its set-up and pytest collecting the suite, not the suite itself. Debian's packages "
        "were already installed on this machine and pip reads its package index: on a bare Debian the "
        "first runs also download them.",
        "",
        "| command | seconds |",
        "|---|---:|",
        *(f"| {label} | {seconds:.1f} |" for label, seconds in figures),
        "",
        f"Machine: {machine()}; load average {load_before:.1f} before the runs.",
        f"Run at {started:%Y-%m-%d %H:%M} UTC.",
        "",
        "Reproduce:",
        "",
        "```",
        ".venv/bin/python scripts/bench_setup.py --write",
        "```",
        end,
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("bench_setup", text)


def _demo(clone: Path, port: int) -> float:
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("DATABASE_URL", "CELERY_BROKER_URL", "VIRTUAL_ENV")}
    environment["PORT"] = str(port)
    began = time.perf_counter()
    process = subprocess.Popen(["bash", "scripts/demo.sh"], cwd=clone, env=environment, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            if process.poll() is not None:
                sys.exit(f"scripts/demo.sh exited with {process.returncode} before the site answered")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - began
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.perf_counter() - began > 1800:
                sys.exit("scripts/demo.sh: no answer within 30 minutes")
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def _collect(clone: Path) -> float:
    environment = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}
    began = time.perf_counter()
    subprocess.run(["bash", "scripts/test.sh", "--collect-only", "-q"], cwd=clone, env=environment, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
