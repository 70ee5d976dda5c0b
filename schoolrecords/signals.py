"""Security logging (failed logins, lockouts, refusals), and the signals of a student's movements."""

import ipaddress
import json
import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import Signal, receiver

from . import lockout

log = logging.getLogger("schoolrecords.security")


def _networks(values) -> list:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            continue  # refused when the settings load; a test's override may still hold one
    return networks


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def address_in(address: str, values) -> bool:
    """Is ``address`` in one of the addresses or networks ``values``?"""
    return _trusted(address, _networks(values))


def client_address(request) -> str:
    """The client's address: behind our TLS proxy, the nearest X-Forwarded-For hop that is not one of our proxies.

    The header is believed only when the request comes from a proxy of ``TRUSTED_PROXIES``; walking
    it from the right, every hop our proxies added is skipped, and what the client wrote itself (to
    the left) is never reached. Anyone else is known by their own address, whatever they send.
    """
    if request is None:
        return "-"
    remote = request.META.get("REMOTE_ADDR", "-")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not (getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded):
        return remote
    proxies = _networks(getattr(settings, "TRUSTED_PROXIES", ()))
    if not _trusted(remote, proxies):
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else remote


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    log.warning("login_failed user=%s address=%s", credentials.get("username", "-"), client_address(request))
    lockout.record_failure(request, credentials)


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


# --- a student's movements: what the apps above must agree to, and carry along ----------------
# Sent by schoolrecords.services inside the movement's transaction (not on commit): a receiver
# refuses by raising ValidationError (keyed by the form's field, e.g. "date"), and what it writes
# is saved or undone with the movement.
# enrolment (the one ending), on (its last day), kind (the Movement.Kind)
enrolment_ending = Signal()
# previous (the enrolment that ended), enrolment (the one that continues it), on, actor, reason
enrolment_continued = Signal()
