"""Parents log in with their phone number (as they write it) or their e-mail address."""

import re

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .models import Parent
from .services import normalized_phone


def _login_of(identifier: str) -> str | None:
    identifier = identifier.strip()
    if "@" in identifier:
        parent = Parent.objects.filter(email__iexact=identifier).select_related("user").first()
    elif re.fullmatch(r"[+\d\s.\-()]{8,20}", identifier):
        try:
            phone = normalized_phone(identifier)
        except ValidationError:
            return None
        parent = Parent.objects.filter(phone=phone).select_related("user").first()
    else:
        return None
    return parent.user.get_username() if parent else None


class ParentLoginBackend(ModelBackend):
    """After Django's own backend: a parent's phone in any usual spelling, or their e-mail, finds their login."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = _login_of(username)
        if login is None or login == username:
            return None
        return super().authenticate(request, username=login, password=password, **kwargs)
