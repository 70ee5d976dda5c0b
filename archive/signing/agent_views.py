"""Signing with my USB token: the board's button that prepares a batch and shows its one-time code, and the JSON
endpoint the signing agent (scripts/signing_agent.py) talks to with that code.

The endpoint is CSRF-exempt because it is authenticated by the one-time code alone (header
``X-Signing-Code``), never by a session cookie: GET reads what to sign, POST sends the values
(``{"signatures": [{"id": …, "value": base64}]}``) or what went wrong at the token (``{"refused": code}``).
"""

import base64
import binascii
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schoolrecords.forms import apply_service_errors
from schoolrecords.signals import log_refusal

from . import agent_services
from .forms import AgentSignForm
from .services import SigningRefused
from .views import BoardPage, _staff

AGENT_SCRIPT = settings.BASE_DIR / "scripts" / "signing_agent.py"  # the agent the board's code is for
MAX_BODY = settings.SIGNING_AGENT_MAX_BODY  # also the request-size middleware's limit for this path
MAX_VALUE = 2048  # bytes of one signature value (RSA 4096: 512)


@login_required
@require_POST
def prepare(request, pk: int):
    """The board's "Sign with my USB token": prepare the chosen documents and show the agent's one-time code;
    refused, the board again (everything it offers) with the reason at the field."""
    page = BoardPage(request, pk)
    form = AgentSignForm(request.POST, documents=page.document_ids)
    if form.is_valid():
        data = form.cleaned_data
        chosen = page.chosen(data["documents"])
        try:
            batch, code = agent_services.batch_prepare(actor=request.user, documents=chosen, role=data["role"])
        except ValidationError as error:
            apply_service_errors(form, error, default_field="documents")
        else:
            return render(request, "archive/signing/agent.html", {
                "batch": batch, "code": agent_services.display(code), "count": len(chosen),
                "school_class": page.school_class, "board_url": page.url,
                "server": request.build_absolute_uri("/").rstrip("/"),
                "minutes": agent_services.CODE_MINUTES, "modules": agent_services.PKCS11_MODULES})
    return page.render(request, form=form, status=400)


@login_required
@require_GET
def download(request):
    """The signing agent itself (scripts/signing_agent.py), for the staff who sign with their own USB token."""
    _staff(request.user)
    return FileResponse(AGENT_SCRIPT.open("rb"), as_attachment=True, filename=AGENT_SCRIPT.name,
                        content_type="text/x-python; charset=utf-8")


def _answer(request, refusal: SigningRefused, status: int) -> JsonResponse:
    message = str(refusal.messages[0])
    if status == 403:
        log_refusal(request, status, message, code=refusal.reason)
    return JsonResponse({"error": refusal.reason, "message": message}, status=status)


CODE_REFUSALS = ("code_unknown", "code_used", "code_expired", "inactive")


def _values(body: dict) -> dict[int, bytes]:
    rows = body.get("signatures")
    if not isinstance(rows, list) or not rows:
        raise ValueError("no signatures")
    values = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("id"), int) or not isinstance(row.get("value"), str):
            raise ValueError("a signature is an id and a base64 value")
        value = base64.b64decode(row["value"], validate=True)
        if not 0 < len(value) <= MAX_VALUE:
            raise ValueError("a signature value's size")
        values[row["id"]] = value
    return values


@csrf_exempt  # authenticated by the one-time code in a header, never by a cookie: nothing to forge
@never_cache
@require_http_methods(["GET", "POST"])
def api(request):
    code = request.headers.get("X-Signing-Code", "")
    try:
        if request.method == "GET":
            return JsonResponse(agent_services.batch_payload(agent_services.batch_for_code(code)))
        agent_services.batch_for_code(code)  # who sends anything must hold a usable code, before it is read
        if len(request.body) > MAX_BODY:
            return JsonResponse({"error": "too_large", "message": _("The request is too large.")}, status=413)
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError("not an object")
            if "refused" in body:
                message = agent_services.batch_report(code=code, reason=str(body["refused"])[:30],
                                                      token=str(body.get("token") or ""))
                return JsonResponse({"error": "token", "message": message}, status=200)
            values = _values(body)
        except (ValueError, binascii.Error):
            return JsonResponse({"error": "bad_request", "message": _(
                "The signing agent sent something this server does not understand: update the agent.")}, status=400)
        made = agent_services.batch_finish(code=code, values=values)
    except SigningRefused as refusal:
        return _answer(request, refusal, 403 if refusal.reason in CODE_REFUSALS else 409)
    except PermissionDenied as error:
        log_refusal(request, 403, str(error))
        return JsonResponse({"error": "forbidden", "message": str(error)}, status=403)
    return JsonResponse({"signed": [{"document": signature.document_id, "version": signature.document.version,
                                     "field": signature.field_name} for signature in made],
                         "message": _("%(count)s document(s) signed.") % {"count": len(made)}})
