"""Log-in throttling on top of django-axes: per account and address, per account, per address, per device.

django-axes locks a (login name, address) pair after ``AXES_FAILURE_LIMIT`` failures. On its own
that leaves spraying open (one password tried on every account from one address, or one account
from many addresses), and lets anyone behind a school's shared address lock a teacher out. So:

- **per account, across addresses**: ``LOGIN_USERNAME_FAILURE_LIMIT`` failures for one login name
  within the cool-off time, from any addresses, lock that name (higher than the pair's limit);
- **per address, across accounts**: ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address lock
  that address; this also bounds the password hashing (~0,3 s a try) an address can make us do;
- **a known device passes**: a correct log-in leaves a signed cookie naming that login name on that
  browser (``sr_device_…``, ``LOGIN_DEVICE_DAYS``). With it, the three locks above do not apply:
  someone else's failures on the shared address never lock the teacher out of her own computer.
  A device has its own limit (``AXES_FAILURE_LIMIT`` failures): past it, the cookie counts for nothing
  until the cool-off time has passed, so a cookie left on a shared computer gives no unlimited tries.

Everything is counted in axes' AccessAttempt rows (no table of our own); a device's failures are rows
whose user agent is ``device:<id>``. The security log names a spraying (``login_spraying …``) when an
address reaches its limit over several accounts or an account over several addresses.
"""

import hashlib
import logging
import secrets

from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone

from .text import login_key

USERNAME_LENGTH = 255  # axes' AccessAttempt.username column
DEVICE_SALT = "schoolrecords.lockout.device"
DEVICE_AGENT_PREFIX = "device:"

log = logging.getLogger("schoolrecords.security")


def attempted_username(request, credentials: dict | None = None) -> str | None:
    """The login name in its one spelling (schoolrecords.text.login_key: a parent's phone as its digits, an
    e-mail in lower case), cut to the length axes stores: a longer one would make the failed login's INSERT
    fail on PostgreSQL (a server error instead of "wrong login name or password")."""
    data = credentials or getattr(request, "data", None) or getattr(request, "POST", None) or {}
    username = data.get("username")
    return login_key(username)[:USERNAME_LENGTH] if isinstance(username, str) else username


# --- the known device ---------------------------------------------------------------------------


def device_cookie_name(username: str) -> str:
    """One cookie per login name, so teachers sharing a computer each keep theirs."""
    return "sr_device_" + hashlib.sha256(username.encode()).hexdigest()[:16]


def remember_device(response, request, username: str) -> None:
    """After a correct log-in: the browser is a known device for this login name (a new id each time)."""
    value = signing.dumps({"u": username, "d": secrets.token_hex(8)}, salt=DEVICE_SALT)
    response.set_cookie(device_cookie_name(username), value, max_age=settings.LOGIN_DEVICE_DAYS * 24 * 60 * 60,
                        path=reverse(settings.LOGIN_URL), secure=request.is_secure() or not settings.DEBUG,
                        httponly=True, samesite="Lax")


def device_id(request, username: str | None) -> str | None:
    """The id of the device cookie this request carries for ``username``, if it is genuine and current."""
    if not username or request is None:
        return None
    value = request.COOKIES.get(device_cookie_name(username))
    if not value:
        return None
    try:
        data = signing.loads(value, salt=DEVICE_SALT, max_age=settings.LOGIN_DEVICE_DAYS * 24 * 60 * 60)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != username or not isinstance(data.get("d"), str):
        return None
    return data["d"]


def _recent():
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)


def _failures(queryset) -> int:
    return queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _address(request) -> str:
    """The address axes found for this attempt (through schoolrecords.signals.client_address behind the proxy)."""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "-")


def trusted_device(request, credentials: dict | None = None) -> bool:
    """settings.AXES_WHITELIST_CALLABLE: a known device under its own limit is not locked by others' failures."""
    username = attempted_username(request, credentials)
    device = device_id(request, username)
    if device is None:
        return False
    failures = _failures(_recent().filter(username=username, user_agent=DEVICE_AGENT_PREFIX + device))
    return failures < settings.AXES_FAILURE_LIMIT


# --- the wider limits -------------------------------------------------------------------------------


def locked_wider(request, username: str | None) -> str | None:
    """Which wider lock holds this attempt ("username", "address") or None; a known device is never held."""
    if trusted_device(request, {"username": username}):
        return None
    recent = _recent()
    if username and _failures(recent.filter(username=username)) >= settings.LOGIN_USERNAME_FAILURE_LIMIT:
        return "username"
    if _failures(recent.filter(ip_address=_address(request))) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return "address"
    return None


class ThrottleBackend:
    """Comes right after axes' backend: refuses, before any password is hashed, what a wider lock holds.

    Refused like axes refuses (``request.axes_locked_out``): the log-in page answers with the lockout page.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        lock = locked_wider(request, attempted_username(request, {"username": username}))
        if lock is None:
            return None
        request.axes_locked_out = True
        log.warning("lockout_wider lock=%s user=%s address=%s", lock, username or "-", _address(request))
        raise PermissionDenied("locked out")


def record_failure(request, credentials: dict) -> None:
    """After a failed log-in: a known device's failure is counted against it; a spraying is logged once."""
    if request is None or getattr(request, "axes_locked_out", False):
        return
    username = attempted_username(request, credentials)
    address = _address(request)
    device = device_id(request, username)
    if device is not None and trusted_device(request, credentials):  # axes did not count it: we do
        with transaction.atomic():
            attempt, created = AccessAttempt.objects.select_for_update().get_or_create(
                username=username, ip_address=address, user_agent=DEVICE_AGENT_PREFIX + device,
                defaults={"get_data": "", "post_data": "", "http_accept": "", "path_info": request.path[:255],
                          "failures_since_start": 1, "attempt_time": timezone.now()})
            if not created:
                AccessAttempt.objects.filter(pk=attempt.pk).update(  # axes' own table, which has no history
                    failures_since_start=F("failures_since_start") + 1, attempt_time=timezone.now())
    _log_spraying(username, address)


def _log_spraying(username: str | None, address: str) -> None:
    recent = _recent()
    by_address = recent.filter(ip_address=address).aggregate(total=Sum("failures_since_start"),
                                                            accounts=Count("username", distinct=True))
    if (by_address["total"] or 0) == settings.LOGIN_ADDRESS_FAILURE_LIMIT and by_address["accounts"] > 1:
        log.warning("login_spraying kind=accounts address=%s accounts=%s failures=%s", address,
                    by_address["accounts"], by_address["total"])
    if username:
        by_username = recent.filter(username=username).aggregate(total=Sum("failures_since_start"),
                                                                 addresses=Count("ip_address", distinct=True))
        if (by_username["total"] or 0) == settings.LOGIN_USERNAME_FAILURE_LIMIT and by_username["addresses"] > 1:
            log.warning("login_spraying kind=addresses user=%s addresses=%s failures=%s", username,
                        by_username["addresses"], by_username["total"])
