"""What an inspector's link opens, mounted at /inspect/ (namespace "inspect"): no log-in, read only, only what
was shared, every view and download logged; an expired or revoked link answers a page saying so (410)."""

import ipaddress

from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from schoolrecords.permissions import Hidden
from schoolrecords.signals import client_address

from .. import selectors as archive_selectors
from .. import storage
from ..models import ShareAccess
from . import selectors, services

PAGE_SIZE = 50


def _address(request) -> str | None:
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def _private(response):
    """Neither a browser nor a proxy keeps what a link opened; nor does the next page learn the link."""
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _open(request, token: str):
    """The share of ``token`` when it is live; otherwise raise 404 (unknown) or return the closed page."""
    share = selectors.by_token(token)
    if share is None:
        raise Hidden(request.user, "archive.inspect_link")  # a guessed or mistyped link: logged as a refusal
    state = share.state_on(timezone.localdate())
    if state == "live":
        return share, None
    # Refused, and logged, whether the link is over or not open yet (used before its first day).
    services.access_record(share=share, action=ShareAccess.Action.REFUSED, address=_address(request),
                           user_agent=request.headers.get("User-Agent", ""))
    return share, _private(render(request, "archive/inspection/closed.html", {"share": share, "state": state},
                                  status=410 if state != "waiting" else 403))


def _log(request, share, action, document=None):
    services.access_record(share=share, action=action, document=document, address=_address(request),
                           user_agent=request.headers.get("User-Agent", ""))


@require_GET
def home(request, token: str):
    share, closed = _open(request, token)
    if closed:
        return closed
    _log(request, share, ShareAccess.Action.VIEW)
    page = Paginator(selectors.documents(share), PAGE_SIZE).get_page(request.GET.get("page"))
    return _private(render(request, "archive/inspection/public.html", {"share": share, "page": page,
                                                                        "token": token}))


@require_GET
def download(request, token: str, pk: int):
    share, closed = _open(request, token)
    if closed:
        return closed
    document = selectors.documents(share).filter(pk=pk).first()
    if document is None:
        raise Hidden(request.user, "archive.inspect_document")  # not part of what was shared: logged
    result = archive_selectors.check(document)
    if not result.ok:
        return HttpResponse(_("This archived file cannot be handed out now. Tell the school."), status=409,
                            content_type="text/plain; charset=utf-8")
    _log(request, share, ShareAccess.Action.DOWNLOAD, document)
    return _private(FileResponse(storage.open(document.path), as_attachment=True, filename=document.file_name,
                                 content_type=document.content_type))
