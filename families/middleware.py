"""A parent's session reaches only the families' pages (and logging in and out, the password, the language).

Staff pages check their own permissions, and a parent holds none; this keeps a parent's session off them
altogether, without a query: the mark is put in the session when a parent logs in (families.receivers).
"""

from django.urls import Resolver404, resolve

from schoolrecords.permissions import Hidden

SESSION_KEY = "families_parent"
OPEN_TO_PARENTS = {"home", "login", "logout", "password_change", "password_change_done", "set_language", "favicon"}


class ParentPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_KEY) and request.user.is_authenticated:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and match.namespace != "families" and match.url_name not in OPEN_TO_PARENTS:
                raise Hidden(request.user, "families.parent_pages_only")  # logged as a refusal by the 404 page
        return self.get_response(request)
