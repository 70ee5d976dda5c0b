"""Celery tasks of the archive: thin wrappers that take ids and call archive.services.

Delivery is at least once (the settings acknowledge a task only when it ends and requeue it when
its worker dies), so every task is idempotent: services.job_run and services.snapshot_take find
what an earlier run sealed. Worker memory stays bounded by the settings' recycling of pool
processes (CELERY_WORKER_MAX_TASKS_PER_CHILD, CELERY_WORKER_MAX_MEMORY_PER_CHILD); each job logs
its time and the process's peak memory so docs/benchmarks.md's figures can be checked in production.
"""

import gc
import logging
import resource
import time

from celery import shared_task
from django.contrib.auth import get_user_model

from schoolrecords import models as sm

from . import services

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def render_job(self, job_id: int) -> int:
    """Render and seal one job's documents; retried with a growing delay, then counted as failed.

    Run eagerly (no broker: the embedded demo, tests), the retries happen at once, here: Celery's
    own eager retry would surface as an exception in the request that started the batch.
    """
    started = time.perf_counter()
    attempt = self.request.retries
    while True:
        try:
            documents = services.job_run(job_id=job_id)
            break
        except Exception as error:  # any failure: WeasyPrint, the database, the disk
            message = f"{type(error).__name__}: {error}"
            logger.warning("render job %s failed (attempt %s): %s", job_id, attempt + 1, message)
            if attempt >= self.max_retries:
                services.job_fail(job_id=job_id, error=message)
                return 0
            services.job_record_error(job_id=job_id, error=message)
            if not self.request.is_eager:
                raise self.retry(exc=error, countdown=10 * 2 ** attempt) from error
            attempt += 1
        finally:
            gc.collect()  # WeasyPrint's layout trees are large and cyclic: give the memory back between jobs
    logger.info("render job %s: %s document(s) in %.2f s, peak memory %.0f MB", job_id, len(documents),
                time.perf_counter() - started, peak_rss_mb())
    return len(documents)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def take_snapshot(self, term_id: int, key: str, actor_id: int, mode: str, note: str = "",
                  automatic: bool = False) -> int:
    """Seal a CSV snapshot of a term's scores (on demand, or when an entry window closes)."""
    term = sm.Term.objects.get(pk=term_id)
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        document = services.snapshot_take(actor=actor, term=term, key=key, mode=mode, note=note, automatic=automatic)
    except Exception as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=error, countdown=10 * 2 ** self.request.retries) from error
    return document.pk


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def seal_correction_minutes(self, request_id: int, actor_id: int, homeroom: bool = False) -> int | None:
    """Seal the minutes of an approved correction request (``homeroom``: of a homeroom correction), once
    (services.minutes_seal finds an earlier seal)."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        document = services.minutes_seal(actor=actor, request_id=request_id, homeroom=homeroom)
    except Exception as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=error, countdown=10 * 2 ** self.request.retries) from error
    return document.pk if document is not None else None


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def seal_approval_snapshots(self, approval_id: int, actor_id: int) -> list[int]:
    """Seal the snapshots of an approval of results (services.approval_snapshots finds an earlier seal)."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        documents = services.approval_snapshots(approval_id=approval_id, actor=actor)
    except Exception as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=error, countdown=10 * 2 ** self.request.retries) from error
    return [document.pk for document in documents]


# Beat sends one every few minutes (settings.CELERY_BEAT_SCHEDULE); one that waited longer than that
# in the queue is dropped (``expires``): the next one does the same work.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def snapshots_due() -> int:
    """Seal a snapshot of every deadline that came and has none yet (seed 002); returns how many were sealed."""
    started = time.perf_counter()
    documents = services.snapshots_due()
    if documents:
        logger.info("snapshots due: %s sealed in %.2f s", len(documents), time.perf_counter() - started)
    return len(documents)


# The signing worker's tasks live with signing (archive/signing/tasks.py); imported here so that the
# worker's autodiscovery of archive.tasks registers them.
from .signing.tasks import agent_batches_clean, sign_batch  # noqa: E402, F401
