"""The signing pages: what waits for my signature, a class's signing board (and signing there), my certificate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from schoolrecords import models as sm
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import found_or_hidden, user_school

from ..models import ArchivedDocument, Kind, SigningRole
from . import csc_services, jobs, plan_selectors, selectors, services
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


class BoardPage:
    """A class's signing board as the request names it (``?term=&kind=``): the class (the school's, visible to
    this signer), its terms, the term and kind chosen, and the board itself, read once when first asked.

    The one lookup of the board page and of the pages its form posts to ("Sign with my USB token", "Sign
    with remote signing"), so that a refusal there renders the very board the signer left."""

    def __init__(self, request, pk: int):
        _staff(request.user)
        self.user = request.user
        self.school_class = found_or_hidden(
            sm.SchoolClass.objects.filter(year__school=user_school(request.user))
            .select_related("year", "homeroom_teacher__profile"), request.user, "archive", pk=pk)
        _may_see_board(request.user, self.school_class)
        self.terms = list(sm.Term.objects.filter(year=self.school_class.year).order_by("number"))
        number = request.GET.get("term")
        self.term = next((t for t in self.terms if str(t.number) == number), self.terms[0] if self.terms else None)
        if self.term is None:
            raise Http404("no term")
        self.kind = _kind(request)

    @cached_property
    def board(self) -> selectors.Board:
        return selectors.board(actor=self.user, school_class=self.school_class, term=self.term, kind=self.kind)

    @property
    def document_ids(self) -> list[int]:
        """The board's documents, the choices of its forms (whether each waits for this signer is the services'
        to say)."""
        return [row.document.pk for row in self.board.rows]

    @property
    def url(self) -> str:
        return f"{reverse('archive:signing_board', args=[self.school_class.pk])}?term={self.term.number}&kind={self.kind}"

    @staticmethod
    def chosen(pks: list[int]) -> list[ArchivedDocument]:
        return list(ArchivedDocument.objects.filter(pk__in=pks).select_related(
            "school", "school_class", "year", "term", "student").order_by("pk"))

    def render(self, request, *, form, status: int = 200, batch=None):
        """The board page with ``form`` (its errors at their fields) and everything the board offers this
        signer: the token's PIN, "Sign with my USB token", remote signing when their school has it for them."""
        return render(request, "archive/signing/board.html", {
            "batch": batch, "items": plan_selectors.batch_items(batch) if batch else [],
            "board": self.board, "form": form, "terms": self.terms, "term": self.term, "kind": self.kind,
            "kinds": [(k.value, k.label) for k in selectors.SIGNABLE_KINDS],
            "roles": dict(SigningRole.choices), "seal": SigningRole.SEAL,
            "remote": csc_services.remote_available(request.user),
        }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def board(request, pk: int):
    page = BoardPage(request, pk)
    form = SignForm(request.POST if request.method == "POST" else None, documents=page.document_ids)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:  # signed by a worker (a class's report cards are many TSA calls): its progress shows here
                started = jobs.batch_start(actor=request.user, school_class=page.school_class, term=page.term,
                                           kind=page.kind, documents=page.chosen(data["documents"]),
                                           role=data["role"], pin=data["pin"])
            except services.SigningRefused as refusal:
                apply_service_errors(form, refusal, default_field="pin" if refusal.reason.startswith(
                    "token_") else "documents")
            except ValidationError as error:
                apply_service_errors(form, error, default_field="documents")
            else:
                return redirect(f"{page.url}&batch={started.pk}")
    batch = None
    if (request.GET.get("batch") or "").isdecimal():
        batch = plan_selectors.batch_for(actor=request.user, pk=int(request.GET["batch"]))
    return page.render(request, form=form, status=status, batch=batch)


@login_required
@require_GET
def batch_progress(request, pk: int):
    """The progress of the signer's batch, polled by the board; once it has finished, polling stops (HTTP 286)."""
    _staff(request.user)
    batch = plan_selectors.batch_for(actor=request.user, pk=pk)
    response = render(request, "archive/signing/_batch_progress.html",
                      {"batch": batch, "items": plan_selectors.batch_items(batch)})
    if batch.finished:
        return HttpResponseStopPolling(response.content)
    return response


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
