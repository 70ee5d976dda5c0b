"""Send a user whose password was set by someone else to change it before anything else."""

from django.shortcuts import redirect
from django.urls import reverse


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and self._must_change(user):
            allowed = {reverse("password_change"), reverse("password_change_done"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(("/static/", "/i18n/")):
                return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _must_change(user) -> bool:
        # The first read of the profile in a request: its school comes with it (permissions.user_school).
        from .models import StaffProfile

        profile = StaffProfile.objects.select_related("school").filter(user=user).first()
        if profile is None:  # a superuser without a school
            return False
        user.profile = profile  # cached on the user
        return profile.must_change_password


class RequestSizeMiddleware:
    """Refuse a request whose declared body is too large before a byte of it is read (413).

    Django spools uploads to the temporary folder as they arrive, before any view, form or CSRF
    check runs; a small limit for visitors who are not logged in (the log-in form is a few hundred
    bytes) keeps anonymous traffic from filling the server's disk. The proxy in front enforces its
    own body limit too (docs/operations.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import HttpResponse
        from django.utils.translation import gettext as _

        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared:
            user = getattr(request, "user", None)
            known = user is not None and user.is_authenticated
            limit = settings.REQUEST_MAX_BYTES if known else getattr(settings, "ANONYMOUS_REQUEST_PATHS", {}).get(
                request.path, settings.ANONYMOUS_REQUEST_MAX_BYTES)
            if declared > limit:
                message = _("The request is too large (%(size)s MB; at most %(max)s MB): nothing was received.") % {
                    "size": f"{declared / 1024 / 1024:.1f}".replace(".", ","),
                    "max": f"{limit / 1024 / 1024:.1f}".replace(".", ",")}
                response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
                response["Connection"] = "close"  # the unread body is not the next request
                return response
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Nothing shown to a logged-in person is kept by a browser's or a proxy's cache.

    Pages and downloads carry students' data; on a shared school computer the back button or the
    disk cache would show them to the next person. Static files are served before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.cache import patch_cache_control

        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class AdminAddressMiddleware:
    """``/admin/`` answers only from the addresses of ``ADMIN_ALLOWED_NETWORKS`` when that is set (else 404).

    The admin is the district administrator's tool; a school network or the internet need not reach it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import Http404

        from .signals import address_in, client_address

        allowed = getattr(settings, "ADMIN_ALLOWED_NETWORKS", ())
        if allowed and request.path.startswith("/admin/") and not address_in(client_address(request), allowed):
            raise Http404
        return self.get_response(request)


class SchoolLanguageMiddleware:
    """Vietnamese unless the person chose another language; the browser's own language is not asked.

    School computers often run an English browser, and the people using them read Vietnamese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
