"""What inspectors' access announces, after the commit."""

from django.dispatch import Signal

# A share with an e-mail address was made: share_id, link (with the token, shown once: to be e-mailed).
share_created = Signal()
