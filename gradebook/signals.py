"""What the gradebook announces to other apps, each sent once the change has committed.

Receivers (the archive's, connected in its AppConfig.ready) get plain ids and keys, and read
what they need through gradebook.api.
"""

from django.db import transaction
from django.dispatch import Signal

# window_id, term_id, key (names this closing: the same close reported twice is one event), actor_id
window_closed = Signal()
# school_class_id, term_id (None for the whole year), approval_id, actor_id
results_approved = Signal()
# request_id, school_class_id, term_id, actor_id
correction_applied = Signal()
# request_id (a HomeroomCorrection), school_class_id, term_id (None: a year value), actor_id
homeroom_correction_applied = Signal()
# school_class_id, term_id (the term whose data a correction changed; None: a year-only change),
# approval_ids (the approvals it withdrew), actor_id, reason (names the correction)
results_reopened = Signal()
# reminder_id, teacher_id, actor_id: an entry reminder was sent (gradebook.receivers e-mails it)
reminder_sent = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Send ``signal`` with ``kwargs`` after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
