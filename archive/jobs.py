"""Starting the archive's work in the Celery workers: a service's change, then its jobs sent after the commit.

Views, commands and receivers call these; they call the services (archive.services, which know
nothing of Celery) and send the tasks (archive.tasks, thin wrappers over the services) once the
transaction commits. Sending is robust: a broker that is down leaves the jobs waiting, visible on
the batch page, rather than turning the clerk's request into an error.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords.services import system_user

from . import services, tasks
from .models import Mode, RenderBatch

logger = logging.getLogger(__name__)


def send_jobs(batch: RenderBatch) -> None:
    """Send every job of ``batch`` to the workers once the transaction commits."""
    ids = list(batch.jobs.order_by("pk").values_list("pk", flat=True))

    def send() -> None:
        for job_id in ids:
            tasks.render_job.delay(job_id)

    transaction.on_commit(send, robust=True)


@transaction.atomic
def batch_start(*, dispatch: bool = True, **kwargs) -> RenderBatch:
    """archive.services.batch_start, then its jobs sent; ``dispatch=False`` leaves them for the caller
    (``archive_render --wait`` runs them in the command)."""
    batch = services.batch_start(**kwargs)
    if dispatch:
        send_jobs(batch)
    return batch


@transaction.atomic
def transfer_print(**kwargs) -> RenderBatch:
    """archive.services.transfer_print, then its one job sent."""
    batch = services.transfer_print(**kwargs)
    send_jobs(batch)
    return batch


def snapshot_request(*, actor, term: sm.Term, token: str = "", note: str = "") -> str:
    """Ask for a snapshot of the term now (the clerk's button, the command); returns its key. Runs as a task."""
    key = services.snapshot_key(actor=actor, term=term, token=token)
    transaction.on_commit(lambda: tasks.take_snapshot.delay(term.pk, key, actor.pk, Mode.AD_HOC, note), robust=True)
    return key


def snapshot_for_window_closed(*, term_id: int, window_key: str, actor_id: int | None = None, note: str = "") -> None:
    """A periodic snapshot of the term once the window's close has committed (seed 002).

    ``window_key`` identifies the closing (the window's id and close time), so a window closed
    once yields one snapshot however often it is reported.
    """
    actor_id = actor_id or system_user().pk
    note = note or _("Entry window closed")
    transaction.on_commit(
        lambda: tasks.take_snapshot.delay(term_id, f"window:{window_key}", actor_id, Mode.PERIODIC, note,
                                          automatic=True),
        robust=True,
    )


def snapshots_for_results_approved(*, approval_id: int, actor_id: int | None = None) -> None:
    """Seal the class's snapshot of an approval of results once it has committed (seed 002: at each approval).

    The approval's key makes it one snapshot per term it covers however often it is heard; should
    this miss (a broker down), the beat check (archive.tasks.snapshots_due) seals it later.
    """
    actor_id = actor_id or system_user().pk
    transaction.on_commit(lambda: tasks.seal_approval_snapshots.delay(approval_id, actor_id), robust=True)


def minutes_for_correction_applied(*, request_id: int, actor_id: int | None = None) -> None:
    """Seal the minutes of a correction request once its approval has committed (seed 000 art. 8.3).

    The task's idempotency key is the request: reported twice, the minutes are sealed once.
    """
    actor_id = actor_id or system_user().pk
    transaction.on_commit(lambda: tasks.seal_correction_minutes.delay(request_id, actor_id), robust=True)


def minutes_for_homeroom_correction_applied(*, request_id: int, actor_id: int | None = None) -> None:
    """Seal the minutes of a homeroom correction (conduct, absences, remark, exemption, re-test) once its
    approval has committed; reported twice, they are sealed once."""
    actor_id = actor_id or system_user().pk
    transaction.on_commit(lambda: tasks.seal_correction_minutes.delay(request_id, actor_id, True), robust=True)


def reissue_mark(*, school_class_id: int, term_id: int | None, reason: str, actor_id: int) -> None:
    """A correction withdrew an approval (heard once it committed): mark the class's stale documents for re-issue.

    Robust: a failure here is logged and leaves the correction, already committed, as it is; the
    principal's page does not turn into an error after the fact.
    """
    transaction.on_commit(lambda: services.reissue_request(school_class_id=school_class_id, term_id=term_id,
                                                           reason=reason, actor_id=actor_id), robust=True)


def reissue_after_approval(*, school_class_id: int, term_id: int | None, actor_id: int) -> None:
    """The principal approved again (heard once it committed): start the re-print of the documents waiting for it."""

    def start() -> None:
        with transaction.atomic():
            actor = get_user_model().objects.get(pk=actor_id)
            batches = services.reissue_start(school_class_id=school_class_id, term_id=term_id, actor=actor)
            for batch in batches:
                send_jobs(batch)
        if batches:
            logger.info("reissue started class=%s batches=%s", school_class_id, [batch.pk for batch in batches])

    transaction.on_commit(start, robust=True)
