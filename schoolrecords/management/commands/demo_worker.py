"""The embedded demo's Celery worker: one process, the folder broker of scripts/demo.sh, stops with the server.

    CELERY_BROKER_URL=filesystem:// python manage.py demo_worker --while-pid 1234

Prints (archive batches) and e-mails run here instead of inside the request, so a batch page
answers at once and its progress bar moves. Production runs `celery -A schoolrecords worker` on
Redis instead (docker-compose.yml); this command is for the demo and the tests of it.
"""

import os
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from schoolrecords.celery import app


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process of that number: still there
        return True
    return True


def _stop_when_gone(pid: int, every: float = 2.0) -> None:
    while _alive(pid):
        time.sleep(every)
    os.kill(os.getpid(), signal.SIGTERM)  # Celery's warm shutdown: the running task finishes first


class Command(BaseCommand):
    help = "Run the demo's background worker (prints, e-mails) on the folder broker until the server stops."

    def add_arguments(self, parser):
        parser.add_argument("--while-pid", type=int, default=0, metavar="PID",
                            help="stop when the process PID has ended (the demo's server)")

    def handle(self, *args, **options):
        if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
            raise CommandError("demo_worker runs on the demo's folder broker (CELERY_BROKER_URL=filesystem://); "
                               "production runs `celery -A schoolrecords worker`.")
        if options["while_pid"]:
            threading.Thread(target=_stop_when_gone, args=(options["while_pid"],), daemon=True).start()
        # The folder broker has no broadcast: no remote control, gossip, mingle or heartbeat.
        app.conf.worker_enable_remote_control = False
        worker = app.Worker(pool="solo", concurrency=1, loglevel="INFO", without_heartbeat=True,
                            without_mingle=True, without_gossip=True, quiet=True)
        worker.start()
        raise SystemExit(worker.exitcode or 0)
