"""Parents log in with their phone number (as they write it) or their e-mail address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from schoolrecords.text import PHONE_TYPED, phone_digits

from .models import Parent

UserModel = get_user_model()


def _login_of(identifier: str) -> str | None:
    identifier = identifier.strip()
    if Parent.objects.filter(user__username=identifier).exists():
        return identifier
    if "@" in identifier:
        parent = Parent.objects.filter(email__iexact=identifier).select_related("user").first()
    elif PHONE_TYPED.fullmatch(identifier):
        phone = phone_digits(identifier)
        if phone is None:
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
        if login is None:
            return None
        if login != username:
            user = super().authenticate(request, username=login, password=password, **kwargs)
            if user is not None:
                return user
        return self._closed(login, password)

    def _closed(self, login: str, password: str):
        """A closed (deactivated) parent's account, when the password is right: the log-in form then refuses
        it with its own message ("this account is closed") rather than "wrong password". Only ``authenticate``
        answers it: ``get_user`` (an open session) still refuses an inactive account."""
        user = UserModel._default_manager.filter(username=login, is_active=False).first()
        if user is not None and user.check_password(password):
            return user
        return None
