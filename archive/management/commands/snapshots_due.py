"""Seal a snapshot of every deadline that came and has none yet (seed 002): once, or every few seconds.

    python manage.py snapshots_due                      once (what Celery beat's task does)
    python manage.py snapshots_due --every 300          every 5 minutes, until stopped
    python manage.py snapshots_due --every 300 --while-pid 1234    ... and stops when process 1234 ends

The embedded demo has no broker and no beat: scripts/demo.sh runs this beside the development
server with ``--while-pid`` set to the server's process, so it ends with the server (Ctrl+C).
"""

import logging
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from archive import services

logger = logging.getLogger(__name__)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def release_connections() -> None:
    """Between rounds hold no database connection (nor SQLite's file), unless inside a caller's transaction."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class Command(BaseCommand):
    help = "Seal a snapshot of every deadline that came and has none yet (once, or every --every seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="run again every SECONDS seconds until stopped (default: once)")
        parser.add_argument("--while-pid", type=int, default=0, metavar="PID",
                            help="with --every: stop when the process PID has ended")
        parser.add_argument("--rounds", type=int, default=0, help="with --every: stop after ROUNDS runs (default 0: no limit)")

    def handle(self, *args, **options):
        every, parent, rounds = options["every"], options["while_pid"], options["rounds"]
        self.verbosity = options["verbosity"]
        if every < 0 or (every == 0 and (parent or rounds)):
            raise CommandError("--while-pid and --rounds need --every with a number of seconds above 0.")
        if not every:
            self.run_once()
            return
        done = 0
        while True:
            try:
                self.run_once()
            except Exception:  # a locked SQLite file, a full disk: try again at the next round
                logger.exception("snapshots_due failed; trying again in %s s", every)
            finally:
                release_connections()
            done += 1
            if rounds and done >= rounds:
                return
            deadline = time.monotonic() + every
            while time.monotonic() < deadline:
                if parent and not alive(parent):
                    return
                time.sleep(min(1.0, max(deadline - time.monotonic(), 0)))

    def run_once(self) -> None:
        documents = services.snapshots_due()
        for document in documents:
            self.stdout.write(f"sealed {document.file_name}: {document.note}")
        if self.verbosity > 1 or documents:
            self.stdout.write(f"{len(documents)} snapshot(s) sealed")
