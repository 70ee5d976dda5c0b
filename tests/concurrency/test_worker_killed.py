"""A Celery worker's pool process killed (SIGKILL) mid-render: the job runs again, and one document is sealed.

A real worker (prefork, one pool process) on Redis renders a real print job from the test's
PostgreSQL database. The settings acknowledge a task only when it ends and requeue it when its
process dies (CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST), and the job is
idempotent (archive.services.job_run): so the message comes back, a fresh pool process renders
the document again, and the archive holds it once, its file matching its SHA-256.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from archive import jobs, selectors, storage
from archive.models import ArchivedDocument, Kind, Mode, RenderJob
from schoolrecords.celery import app as celery_app

# Committed transactions: the racing threads (or the worker) must see each other's rows.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
# The tests' own Redis database; CI has Redis on 127.0.0.1 too. The queue is the test's own.
BROKER = os.environ.get("CONCURRENCY_BROKER_URL", "redis://127.0.0.1:6379/3")
WAIT = 120  # seconds, for each step that waits on the worker


def redis_problem() -> str:
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at {BROKER} ({error}); CI runs it."
    return ""


def database_url() -> str:
    params = connection.settings_dict
    user = quote(params["USER"] or "", safe="")
    password = f":{quote(params['PASSWORD'], safe='')}" if params["PASSWORD"] else ""
    port = f":{params['PORT']}" if params["PORT"] else ""
    return f"postgres://{user}{password}@{params['HOST'] or '127.0.0.1'}{port}/{params['NAME']}"


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the worker's pool processes), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_for(condition, what: str, worker: subprocess.Popen, log: Path):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text(errors='replace')[-3000:]}")


def stop(worker: subprocess.Popen) -> None:
    pool = children(worker.pid)
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)
    for pid in pool:  # a pool process outliving its parent is ours too
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _forget(queue: str) -> None:
    """Remove the test queue's keys (its lists per priority, its binding) from Redis."""
    import redis

    client = redis.Redis.from_url(BROKER)
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)


def test_a_worker_killed_in_the_middle_of_a_render_seals_the_document_once_on_redelivery(pg_demo, settings, tmp_path):
    problem = redis_problem()
    if problem:
        pytest.skip(problem)
    demo = pg_demo
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    queue = f"test-killed-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1", "VAR_DIR": str(tmp_path / "var"),
           "MEDIA_ROOT": str(tmp_path / "media"), "ARCHIVE_ROOT": str(settings.ARCHIVE_ROOT),
           "CELERY_BROKER_URL": BROKER, "CELERY_TASK_ALWAYS_EAGER": "0", "LOG_LEVEL": "INFO"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "schoolrecords", "worker", "--pool", "prefork", "--concurrency", "1",
         "-Q", queue, "-n", f"{queue}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    try:
        # The summary table of one class, ad hoc: one job, one document, a few seconds of WeasyPrint.
        batch = jobs.batch_start(actor=demo.user("clerk"), year=demo.year, term_number=1, kind=Kind.SUMMARY,
                                     mode=Mode.AD_HOC, classes=[demo.school_class("6A1")], dispatch=False)
        job = batch.jobs.get()
        wait_for(lambda: "ready." in log.read_text(errors="replace"), "the worker to start", worker, log)
        celery_app.conf.task_always_eager = False
        with celery_app.connection_for_write(BROKER) as broker:
            from archive import tasks

            tasks.render_job.apply_async((job.pk,), connection=broker, queue=queue)

        wait_for(lambda: RenderJob.objects.filter(pk=job.pk, status=RenderJob.Status.RUNNING).exists(),
                 "the job to start rendering", worker, log)
        [pool_process] = children(worker.pid)
        os.kill(pool_process, signal.SIGKILL)
        # killed while rendering: nothing sealed, the job still marked as running
        assert RenderJob.objects.get(pk=job.pk).status == RenderJob.Status.RUNNING
        assert not ArchivedDocument.objects.filter(job=job).exists()

        job = wait_for(lambda: RenderJob.objects.filter(pk=job.pk, status=RenderJob.Status.DONE).first(),
                       "the job to be rendered again", worker, log)
    finally:
        celery_app.conf.task_always_eager = eager
        stop(worker)
        _forget(queue)

    text = log.read_text(errors="replace")
    assert "SIGKILL" in text or "WorkerLostError" in text, text[-3000:]
    assert job.attempts == 2, "the killed run and the redelivered one"
    documents = list(ArchivedDocument.objects.filter(job__batch=batch))
    assert len(documents) == 1
    [document] = documents
    assert (document.kind, document.version) == (Kind.SUMMARY, 1)
    assert ArchivedDocument.objects.filter(scope_key=document.scope_key).count() == 1
    check = selectors.check(document)
    assert check.ok and check.actual_sha256 == storage.sha256_file(storage.absolute(document.path))
    batch.refresh_from_db()
    assert (batch.total, batch.done, batch.failed, batch.finished_at is not None) == (1, 1, 0, True)
