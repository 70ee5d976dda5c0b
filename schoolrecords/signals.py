"""Security logging: failed logins, lockouts and permission refusals with user, address and UTC time."""

import json
import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("schoolrecords.security")


def client_address(request) -> str:
    """The client's address; behind our TLS proxy, the last hop it added to X-Forwarded-For."""
    if request is None:
        return "-"
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "-")


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    log.warning("login_failed user=%s address=%s", credentials.get("username", "-"), client_address(request))


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    log.info("login user=%s address=%s", user.get_username(), client_address(request))


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    log.warning("lockout user=%s address=%s", username, ip_address)


def log_refusal(request, status: int, reason: str = "", **details: str) -> None:
    """A refused request (403, or the 404 of another school's object): who, from where, what, and why.

    ``reason`` (the refusal's message) is written quoted, as JSON, since it has spaces.
    """
    user = getattr(request, "user", None)
    username = user.get_username() if user is not None and user.is_authenticated else "-"
    extra = "".join(f" {key}={value}" for key, value in details.items())
    log.warning("refused status=%s user=%s address=%s method=%s path=%s reason=%s%s", status, username,
                client_address(request), request.method, request.get_full_path()[:300],
                json.dumps(reason, ensure_ascii=False), extra)
