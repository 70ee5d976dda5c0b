"""What the families' side announces, after the commit: receivers get plain ids."""

from django.dispatch import Signal

# An invitation with an e-mail address was issued: invitation_id, code (shown once, to be e-mailed).
invitation_issued = Signal()

# A notice was sent (approved, or written by the leadership): notice_id; its receipts exist.
notice_sent = Signal()

# Parents were told of an approved correction of a value they see: request_id, kind (CorrectionMessage.Kind:
# "score" or "homeroom"); the messages exist.
correction_told = Signal()
