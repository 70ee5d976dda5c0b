"""The mark of a login session, for the entry regime: a result may change freely only in the session it was typed in.

Seed 000 art. 8.2: "Dữ liệu không được sửa chữa sau khi thoát khỏi phần mềm" — data cannot be
changed once the person who entered it has left the software. Each login starts a new mark (a
random token kept in the session, never the session key itself); logging out or the session
expiring ends it, and every result typed under the old mark is then recorded. A session that
has no mark (one started before this rule, or by a test client) gets a fresh one when first
asked. Paths without a session (commands, Celery, a correction's approval) have no mark: what
they write is recorded at once.
"""

import secrets

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

SESSION_KEY = "entry_session"


def new_mark() -> str:
    return secrets.token_hex(16)


def entry_session(request) -> str:
    """The mark of the request's login session, "" for an anonymous request."""
    session = getattr(request, "session", None)
    if session is None or not request.user.is_authenticated:
        return ""
    mark = session.get(SESSION_KEY)
    if not mark:
        mark = session[SESSION_KEY] = new_mark()
    return mark


@receiver(user_logged_in, dispatch_uid="schoolrecords.sessions.start_entry_session")
def start_entry_session(sender, request, user, **kwargs) -> None:
    """Every login is a new session: what was typed before it is recorded."""
    if request is not None and getattr(request, "session", None) is not None:
        request.session[SESSION_KEY] = new_mark()
