"""The public verification page, mounted at /verify/ (namespace "verify"): no log-in, rate-limited, logged.

GET /verify/ shows the form; /verify/<code>/ (what the printed QR code opens) answers for that code;
a POST answers for a typed code or an uploaded PDF. archive.verification holds the rules.
"""

import ipaddress

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from schoolrecords.signals import client_address

from . import verification
from .models import VerificationAttempt
from .verify_forms import VerifyForm, upload_limit_mb

Outcome = VerificationAttempt.Outcome


def _address(request) -> str | None:
    """The asker's address (behind the proxy: schoolrecords.signals.client_address), None when it is not one."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def _limited(request, method: str, typed: str = ""):
    """The 429 page when this address has asked too often (the attempt is logged too), else None."""
    address = _address(request)
    if not verification.limited(address):
        return None
    verification.record(address=address, method=method, outcome=Outcome.LIMITED, typed=typed)
    return render(request, "archive/verify.html", {
        "form": VerifyForm(), "limit_mb": upload_limit_mb(),
        "refusal": _("Too many checks from your address: wait a few minutes and try again."),
    }, status=429)


def _answer(request, form: VerifyForm, answer: verification.Answer, *, status: int = 200):
    return render(request, "archive/verify.html", {"form": form, "answer": answer, "limit_mb": upload_limit_mb()},
                  status=status)


@require_http_methods(["GET", "POST"])
def index(request):
    if request.method == "GET":
        typed = request.GET.get("code", "")
        if not typed:
            return render(request, "archive/verify.html", {"form": VerifyForm(), "limit_mb": upload_limit_mb()})
        return _by_code(request, typed)
    upload = request.FILES.get("file")
    method = VerificationAttempt.Method.UPLOAD if upload else VerificationAttempt.Method.CODE
    refused = _limited(request, method, request.POST.get("code", ""))
    if refused is not None:
        return refused
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        outcome = Outcome.TOO_LARGE if form.too_large else Outcome.INVALID
        verification.record(address=_address(request), method=method, outcome=outcome,
                            typed=request.POST.get("code", ""), size=upload.size if upload else None)
        return render(request, "archive/verify.html", {"form": form, "limit_mb": upload_limit_mb()}, status=400)
    data = form.cleaned_data
    if data.get("file"):
        content = data["file"].read()
        answer = verification.by_upload(content=content, address=_address(request), claimed_code=data["code"])
        if answer.outcome == Outcome.INVALID:
            form.add_error("file", _("This file is not a PDF: choose the PDF of the document."))
            return _answer(request, form, answer, status=400)
        return _answer(request, form, answer)
    return _by_code(request, data["code"], form=form)


def _by_code(request, typed: str, *, form: VerifyForm | None = None):
    refused = _limited(request, VerificationAttempt.Method.CODE, typed)
    if refused is not None:
        return refused
    if form is None:
        form = VerifyForm({"code": typed})
        form.is_valid()  # a malformed code shows its message at the field
    answer = verification.by_code(typed=typed, address=_address(request))
    if answer.outcome == Outcome.INVALID:
        return _answer(request, form, answer, status=400)
    if answer.outcome == Outcome.UNKNOWN:
        form.add_error(None, _("No archived document carries this code. Check the code printed at the bottom of "
                               "the page."))
        return _answer(request, form, answer, status=404)
    return _answer(request, form, answer)


@require_GET
def by_code(request, code: str):
    """What a printed QR code opens."""
    return _by_code(request, code)
