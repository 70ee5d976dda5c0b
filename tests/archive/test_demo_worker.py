"""The embedded demo prints in the background: a real Celery worker on the folder broker (scripts/demo.sh).

Run as the demo runs it, in processes of their own, on a SQLite file in a folder of the test's:
migrate, a small demo school, `demo_worker`, then a batch queued by `archive_render` (which no
longer renders in the request's process) is printed by the worker; the worker ends with the
process it watches, as it ends with the demo's server.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seed.demo import demo_year

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]


@pytest.fixture
def demo_env(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE", "CELERY", "STORAGE", "MIGRATE_", "DJANGO_SETTINGS", "SOFTHSM2"))}
    env |= {"VAR_DIR": str(tmp_path), "DEBUG": "1", "CELERY_BROKER_URL": "filesystem://",
            "CELERY_TASK_ALWAYS_EAGER": "0", "ARCHIVE_ROOT": str(tmp_path / "archive"),
            "MEDIA_ROOT": str(tmp_path / "media")}
    subprocess.run([*MANAGE, "migrate", "--no-input", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*MANAGE, "seed_demo", "--classes-per-grade", "1", "--students-per-class", "3"], env=env,
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env


def _batch_state(env) -> str:
    code = ("from archive.models import RenderBatch as B; b = B.objects.order_by('pk').last(); "
            "print(b.finished, b.jobs.filter(status='done').count(), b.jobs.count())")
    return subprocess.run([*MANAGE, "shell", "-c", code], env=env, check=True, cwd=ROOT, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]


def test_a_batch_queued_in_the_demo_is_printed_by_the_background_worker_which_stops_with_the_server(demo_env):
    server = subprocess.Popen(["sleep", "600"])  # stands for the development server
    log = open(Path(demo_env["VAR_DIR"]) / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen([*MANAGE, "demo_worker", "--while-pid", str(server.pid)], env=demo_env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        queued = subprocess.run([*MANAGE, "archive_render", "--year", f"{DEMO_YEAR.name}", "--term", "1", "--kind", "ledger",
                                 "--ad-hoc"], env=demo_env, cwd=ROOT, check=True, capture_output=True, text=True)
        assert "queued (0 done" in queued.stdout  # the command did not print them itself
        state, deadline = "", time.monotonic() + 120
        while time.monotonic() < deadline:
            state = _batch_state(demo_env)
            if state.startswith("True"):
                break
            time.sleep(2)
        finished, done, total = state.split()
        assert finished == "True" and int(done) == int(total) == 4  # grades 6–9, one class each
        assert list((Path(demo_env["VAR_DIR"]) / "archive").rglob("*.pdf"))
        server.kill()
        server.wait()
        assert worker.wait(timeout=30) == 0  # it noticed the server had gone, and stopped cleanly
    finally:
        for process in (worker, server):
            if process.poll() is None:
                process.kill()
        log.close()


def test_the_demo_worker_refuses_to_run_on_production_s_broker(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY", "DJANGO_SETTINGS"))}
    env |= {"DEBUG": "1", "VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9"}
    result = subprocess.run([*MANAGE, "demo_worker"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "filesystem://" in result.stderr
