"""What the families' side announces, after the commit: receivers get plain ids."""

from django.dispatch import Signal

# An invitation with an e-mail address was issued: invitation_id, code (shown once, to be e-mailed).
invitation_issued = Signal()
