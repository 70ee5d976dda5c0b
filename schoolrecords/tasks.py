"""Celery tasks of the ground floor: thin wrappers around the management commands they schedule.

``backup_nightly`` is sent by Celery beat every night at BACKUP_HOUR (settings.CELERY_BEAT_SCHEDULE).
It runs ``manage.py backup --output BACKUP_DIR --keep BACKUP_KEEP``: the same backup, the same log
lines with who and when, and the same pruning (schoolrecords.backup.backups_prune: only finished
backups with a MANIFEST, never the newest) as the command an operator runs by hand. Delivered at
least once (acks_late): a second delivery makes a second backup under a new name, never overwrites.
It is not retried: a failed backup is logged as an error, and the next night's runs afresh.
"""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.management import call_command

from . import backup


@shared_task(acks_late=True, reject_on_worker_lost=True)
def backup_nightly() -> str:
    """Back up into BACKUP_DIR, keep the BACKUP_KEEP newest finished backups; return the newest one's path."""
    output = Path(settings.BACKUP_DIR)
    call_command("backup", output=output, keep=settings.BACKUP_KEEP)
    finished, _unfinished = backup.backups_in(output)
    return str(finished[-1][1])
