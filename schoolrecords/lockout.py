"""How django-axes names the account a failed login was for (settings.AXES_USERNAME_CALLABLE)."""

USERNAME_LENGTH = 255  # axes' AccessAttempt.username column


def attempted_username(request, credentials: dict | None = None) -> str | None:
    """The login name as typed, cut to the length axes stores: a longer one would make the failed
    login's INSERT fail on PostgreSQL (a server error instead of "wrong login name or password")."""
    data = credentials or getattr(request, "data", None) or getattr(request, "POST", None) or {}
    username = data.get("username")
    return username[:USERNAME_LENGTH] if isinstance(username, str) else username
