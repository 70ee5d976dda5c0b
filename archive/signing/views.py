"""The signing pages: what waits for my signature, a class's signing board (and signing there), my certificate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schoolrecords import models as sm
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import found_or_hidden, user_school

from ..models import ArchivedDocument, Kind, SigningRole
from . import csc_services, selectors, services
from .forms import CertificateForm, SignForm


def _staff(user):
    if user_school(user) is None:
        raise PermissionDenied(_("Only the school's staff sign records."))


def _may_see_board(user, school_class: sm.SchoolClass) -> None:
    if selectors.may_see_board(user, school_class):
        return
    raise PermissionDenied(_("Only the class's teachers, the leadership and the clerk see its signing board."))


@login_required
def waiting(request):
    _staff(request.user)
    return render(request, "archive/signing/waiting.html", {
        "waiting": selectors.waiting_for(actor=request.user),
        "certificate": selectors.active_certificate(user=request.user),
    })


def _kind(request) -> str:
    kind = request.GET.get("kind") or Kind.REPORT_CARD
    return kind if kind in selectors.SIGNABLE_KINDS else Kind.REPORT_CARD


@login_required
@require_http_methods(["GET", "POST"])
def board(request, pk: int):
    _staff(request.user)
    school_class = found_or_hidden(sm.SchoolClass.objects.filter(year__school=user_school(request.user))
                                   .select_related("year", "homeroom_teacher__profile"), request.user, "archive", pk=pk)
    _may_see_board(request.user, school_class)
    terms = list(sm.Term.objects.filter(year=school_class.year).order_by("number"))
    number = request.GET.get("term")
    term = next((t for t in terms if str(t.number) == number), terms[0] if terms else None)
    if term is None:
        raise Http404("no term")
    kind = _kind(request)
    found = selectors.board(actor=request.user, school_class=school_class, term=term, kind=kind)
    form = SignForm(request.POST if request.method == "POST" else None,
                    documents=[row.document.pk for row in found.rows])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            documents = list(ArchivedDocument.objects.filter(pk__in=data["documents"]).select_related(
                "school", "school_class", "year", "term", "student"))
            try:
                made = services.documents_sign(actor=request.user, documents=documents, role=data["role"],
                                               pin=data["pin"])
            except services.SigningRefused as refusal:
                apply_service_errors(form, refusal, default_field="pin" if refusal.reason.startswith(
                    "token_") else "documents")
            except ValidationError as error:
                apply_service_errors(form, error, default_field="documents")
            else:
                messages.success(request, _("%(count)s document(s) signed.") % {"count": len(made)})
                return redirect(f"{request.path}?term={term.number}&kind={kind}")
    return render(request, "archive/signing/board.html", {
        "board": found, "form": form, "terms": terms, "term": term, "kind": kind,
        "kinds": [(k.value, k.label) for k in selectors.SIGNABLE_KINDS],
        "roles": dict(SigningRole.choices), "seal": SigningRole.SEAL,
        "remote": csc_services.remote_available(request.user),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate(request):
    _staff(request.user)
    form = CertificateForm(request.POST if request.method == "POST" else None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("certificate")
            try:
                services.certificate_register(actor=request.user, user=request.user,
                                              data=upload.read() if upload else b"",
                                              token_label=data.get("token_label", ""), pin=data.get("pin", ""))
            except ValidationError as error:
                apply_service_errors(form, error, default_field="certificate")
            else:
                messages.success(request, _("Your signing certificate is registered."))
                return redirect("archive:signing_certificate")
    return render(request, "archive/signing/certificate.html", {
        "form": form, "certificate": selectors.active_certificate(user=request.user),
        "profile": getattr(request.user, "profile", None)}, status=status)
