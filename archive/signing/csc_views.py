"""The remote-signing pages: the school's CSC service (the principal), my credential there, signing a board's
documents remotely (the board's form, sent here)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from schoolrecords import roles
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import has_role, user_school

from ..models import RemoteSigningService
from . import csc_services
from .csc_forms import CredentialForm, RemoteSignForm, ServiceForm
from .views import BoardPage, _staff


@login_required
@require_http_methods(["GET", "POST"])
def service_settings(request):
    school = user_school(request.user)
    if school is None or not has_role(request.user, roles.PRINCIPAL):
        raise PermissionDenied(_("Only the principal sets up the remote-signing service."))
    service = RemoteSigningService.objects.filter(school=school).first()
    initial = {"auth_mode": RemoteSigningService.AuthMode.LOGIN, "enabled": True}
    if service is not None:
        initial = {"name": service.name, "base_url": service.base_url, "auth_mode": service.auth_mode,
                   "client_id": service.client_id, "enabled": service.enabled}
    form = ServiceForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                csc_services.service_configure(actor=request.user, school=school, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error, default_field="base_url")
            else:
                messages.success(request, _("The remote-signing service is saved."))
                return redirect("archive:signing_remote_settings")
    return render(request, "archive/signing/remote_settings.html", {
        "form": form, "service": service, "has_secret": bool(service and service.secret),
        "credentials": service.credentials.select_related("certificate__user__profile").order_by(
            "certificate__subject_name") if service else []}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def credential(request):
    _staff(request.user)
    service = csc_services.service_of(user_school(request.user))
    form = CredentialForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if service is None:
            form.add_error(None, _("Your school has no remote-signing service set up."))
        elif form.is_valid():
            try:
                csc_services.credential_register(actor=request.user, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error, default_field="credential_id")
            else:
                messages.success(request, _("Your remote-signing credential is registered."))
                return redirect("archive:signing_remote_credential")
    return render(request, "archive/signing/remote_credential.html", {
        "form": form, "service": service, "credential": csc_services.remote_credential(request.user),
        "profile": getattr(request.user, "profile", None),
        "is_principal": has_role(request.user, roles.PRINCIPAL)}, status=status)


@login_required
@require_POST
def sign(request, pk: int):
    """The signing board's form with "remote signing" chosen: signed, back to the board; refused, the board
    again with the reason at the field."""
    page = BoardPage(request, pk)
    form = RemoteSignForm(request.POST, documents=page.document_ids)
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = csc_services.documents_sign_remote(actor=request.user, documents=page.chosen(data["documents"]),
                                                      role=data["role"], pin=data["pin"], otp=data["otp"])
        except csc_services.SigningRefused as refusal:
            field = "otp" if refusal.reason == "remote_otp" else "pin" if refusal.reason in (
                "remote_pin", "remote_down", "remote_login") else "documents"
            apply_service_errors(form, refusal, default_field=field)
        except ValidationError as error:
            apply_service_errors(form, error, default_field="documents")
        else:
            messages.success(request, _("%(count)s document(s) signed.") % {"count": len(made)})
            return redirect(page.url)
    return page.render(request, form=form, status=400)
