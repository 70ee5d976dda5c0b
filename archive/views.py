"""The archive's pages: start a print batch and watch it, take a snapshot, list and download documents.

Also the correction minutes and the monthly correction logs (per teacher, per department), printed from what
gradebook.api gives.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from gradebook import api
from schoolrecords import models as sm
from schoolrecords import selectors as sm_selectors
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import allowed, user_school, wall
from schoolrecords.services import SETUP
from schoolrecords.text import ascii_part

from . import export, jobs, pdf, rendering, selectors, services, storage
from .forms import BatchForm, RevokeForm, SnapshotForm, TransferForm
from .inspection.policy import may_share
from .models import PRINTED_KINDS, Kind, kinds_of_rule_set
from .permissions import can_read, can_revoke, can_run, require_read

PAGE_SIZE = 50
log = logging.getLogger(__name__)


def _year_param(request) -> int | None:
    value = request.GET.get("year") or request.POST.get("year")
    return int(value) if value and value.isdecimal() else None


def _index_context(request, year: sm.SchoolYear, **forms) -> dict:
    user = request.user
    context = {
        "year": year,
        "years": sm.SchoolYear.objects.filter(school_id=year.school_id).order_by("-start_date"),
        "can_run": can_run(user),
        "can_share": may_share(user),
        "lock_states": selectors.lock_states(year),
        "batches": selectors.recent_batches(actor=user),
        "reissues": selectors.pending_reissues(actor=user, year=year),
        "classes": sm.SchoolClass.objects.filter(year=year).order_by("grade", "name"),
    }
    if context["can_run"]:
        context["batch_form"] = forms.get("batch_form") or BatchForm(year=year)
        context["transfer_form"] = forms.get("transfer_form") or TransferForm(year=year)
        context["snapshot_form"] = forms.get("snapshot_form") or SnapshotForm()
    return context


@login_required
@require_GET
def index(request):
    year = selectors.year_for(actor=request.user, pk=_year_param(request))
    return render(request, "archive/index.html", _index_context(request, year))



@login_required
@require_POST
def batch_start(request):
    year = selectors.year_for(actor=request.user, pk=_year_param(request), run=True)
    form = BatchForm(request.POST, year=year)
    if form.is_valid():
        data = form.cleaned_data
        try:
            batch = jobs.batch_start(
                actor=request.user, year=year, term_number=data["term"], kind=data["kind"], mode=data["mode"],
                classes=None if data["all_classes"] else list(data["classes"]), token=data["token"],
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("archive:batch", pk=batch.pk)
    return render(request, "archive/index.html", _index_context(request, year, batch_form=form), status=400)


@login_required
@require_POST
def transfer_print(request):
    year = selectors.year_for(actor=request.user, pk=_year_param(request), run=True)
    form = TransferForm(request.POST, year=year)
    if form.is_valid():
        try:
            batch = jobs.transfer_print(actor=request.user, enrolment=form.enrolment,
                                            token=form.cleaned_data["token"], reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("archive:batch", pk=batch.pk)
    return render(request, "archive/index.html", _index_context(request, year, transfer_form=form), status=400)


@login_required
@require_POST
def snapshot(request):
    year = selectors.year_for(actor=request.user, pk=_year_param(request), run=True)
    form = SnapshotForm(request.POST)
    if form.is_valid():
        term = sm.Term.objects.filter(year=year, number=form.cleaned_data["term"]).first()
        if term is None:
            form.add_error("term", _("The school year %(year)s has no such term.") % {"year": year.name})
        else:
            jobs.snapshot_request(actor=request.user, term=term, token=form.cleaned_data["token"])
            messages.success(request, _("The snapshot of the scores of %(term)s is being sealed into the archive.")
                             % {"term": term.get_number_display()})
            return redirect(f"{reverse('archive:documents')}?year={year.pk}&kind={Kind.SNAPSHOT}")
    return render(request, "archive/index.html", _index_context(request, year, snapshot_form=form), status=400)


@login_required
@require_GET
def batch_detail(request, pk: int):
    batch = selectors.batch_for(actor=request.user, pk=pk)
    return render(request, "archive/batch.html", _batch_context(batch))


def _batch_context(batch) -> dict:
    context = {"batch": batch, "failures": selectors.batch_failures(batch) if batch.failed or not batch.finished
               else []}
    if batch.finished:
        context["documents"] = selectors.batch_documents(batch)
    return context


@login_required
@require_GET
def batch_progress(request, pk: int):
    """The progress fragment the batch page polls; when the batch has finished, polling stops (HTTP 286)."""
    batch = selectors.batch_for(actor=request.user, pk=pk)
    response = render(request, "archive/_progress.html", _batch_context(batch))
    if batch.finished:
        stop = HttpResponseStopPolling(response.content)
        return stop
    return response


@login_required
@require_GET
def documents(request):
    year = selectors.year_for(actor=request.user, pk=_year_param(request))
    school_class = None
    class_id = request.GET.get("class")
    if class_id and class_id.isdecimal():
        school_class = selectors.class_for(actor=request.user, pk=int(class_id))
        if school_class.year_id != year.pk:
            year = school_class.year
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else ""
    queryset = selectors.documents(actor=request.user, year=year, school_class=school_class, kind=kind)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "archive/documents.html", {
        "year": year, "school_class": school_class, "kind": kind, "page": page,
        "years": sm.SchoolYear.objects.filter(school_id=year.school_id).order_by("-start_date"),
        "classes": sm.SchoolClass.objects.filter(year=year).order_by("grade", "name"),
        # A primary year's list offers the primary forms, a secondary year's the secondary ones (and the rest).
        "kinds": [(kind.value, kind.label) for kind in Kind
                  if kind not in PRINTED_KINDS or kind in kinds_of_rule_set(year.rule_set)],
        "can_revoke": can_revoke(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request, pk: int):
    """The principal revokes one version of a document, with a reason (the public verification page shows it)."""
    document = selectors.document_to_revoke(actor=request.user, pk=pk)
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_revoke(actor=request.user, document=document, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Version %(version)s of %(name)s is revoked.") % {
                "version": document.version, "name": document.file_name})
            return redirect(f"{reverse('archive:documents')}?year={document.year_id}")
    return render(request, "archive/revoke.html", {"document": document, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
@require_GET
def download(request, pk: int):
    """The archived file as it was sealed; a file that no longer matches its SHA-256 is not handed out."""
    return _sealed_file(selectors.document_for(actor=request.user, pk=pk), as_attachment=True)


def _sealed_file(document, *, as_attachment: bool):
    """The archived file as it was sealed, or a 409 saying it is missing or no longer matches its SHA-256."""
    result = selectors.check(document)
    if not result.ok:
        message = (_("This archived file is missing from the archive folder. Tell the administrator (archive_verify).")
                   if result.status == "missing" else
                   _("This archived file no longer matches the SHA-256 it was sealed with. "
                     "Tell the administrator (archive_verify)."))
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
    return FileResponse(storage.open(document.path), as_attachment=as_attachment,
                        filename=document.file_name, content_type=document.content_type)


def _zip_response(request, queryset, name: str, year: sm.SchoolYear):
    # A file missing half-way would cut the download after its status line was sent: check first.
    missing = export.missing_files(queryset)
    if missing:
        log.error("archive_file_missing count=%s files=%s", len(missing), ",".join(missing[:20]))
        messages.error(request, _("The archive is missing %(count)s files (%(names)s): nothing was downloaded. "
                                  "Tell the administrator, who runs archive_verify and restores them from the "
                                  "backup.") % {"count": len(missing), "names": ", ".join(missing[:3])})
        return redirect(f"{reverse('archive:index')}?year={year.pk}")
    name = ascii_part(name, keep="_")
    response = StreamingHttpResponse(export.zip_stream(export.documents_for_zip(queryset).iterator(chunk_size=200)),
                                     content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def zip_class(request, pk: int):
    school_class = selectors.class_for(actor=request.user, pk=pk)
    queryset = selectors.documents(actor=request.user, year=school_class.year, school_class=school_class)
    return _zip_response(request, queryset, f"archive_{school_class.year.name}_{school_class.name}.zip",
                         school_class.year)


@login_required
@require_GET
def zip_year(request, pk: int):
    year = selectors.year_for(actor=request.user, pk=pk)
    require_read(request.user, year)
    return _zip_response(request, selectors.documents(actor=request.user, year=year), f"archive_{year.name}.zip",
                         year)


# --- correction minutes and the monthly correction log ----------------------------------------------


def _pdf(template: str, context: dict, file_name: str, *, print_date: str | None = None) -> HttpResponse:
    html = render_to_string(template, context)
    response = HttpResponse(pdf.html_to_pdf(html, print_date=print_date).content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    return response


@login_required
@require_GET
def correction_minutes(request, pk: int):
    """Biên bản sửa điểm of an approved request: the copy sealed in the archive when the decision was taken.

    Its readers are the request's (the teacher who asked, the leadership, the board: gradebook's policy).
    Until the seal is there (the task still running, a request approved before minutes were sealed)
    the minutes are printed from the same data, with the print date.
    """
    found = api.correction_for_minutes(actor=request.user, pk=pk)
    if found.status != found.Status.APPROVED:
        raise Http404
    sealed = services.sealed_minutes(found.pk)
    if sealed is not None:
        return _sealed_file(sealed, as_attachment=False)
    data = api.correction_minutes(found.pk)
    response = HttpResponse(rendering.correction_minutes(data, printed_on=timezone.localdate()).content,
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-ban-sua-diem-{found.pk}.pdf"'
    return response


def _log_pdf(request, log: api.CorrectionLog, file_name: str) -> HttpResponse:
    """Nhật ký sửa điểm, printed for the monthly department meeting (seed 000 art. 8.6): an ad-hoc print."""
    printed_on = timezone.localdate()
    return _pdf("pdf/correction_log.html", {"log": log, "school": user_school(request.user), "printed_on": printed_on},
                f"{file_name}-{log.month:%Y-%m}.pdf",
                print_date=_("Printed on %(date)s") % {"date": printed_on.strftime("%d/%m/%Y")})


def _month(year: int, month: int) -> None:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404


@login_required
@require_GET
def correction_log(request, user_id: int, year: int, month: int):
    """A teacher's monthly correction log (nhật ký sửa điểm) for the department meeting."""
    _month(year, month)
    log = api.correction_log(actor=request.user, teacher_id=user_id, year=year, month=month)
    return _log_pdf(request, log, f"nhat-ky-sua-diem-gv-{log.teacher_id}")


@login_required
@require_GET
def department_correction_log(request, department_id: int, year: int, month: int):
    """A department's monthly correction log: every change of its subjects' scores."""
    _month(year, month)
    log = api.department_correction_log(actor=request.user, department_id=department_id, year=year, month=month)
    return _log_pdf(request, log, f"nhat-ky-sua-diem-to-{log.department_id}")


@login_required
@require_GET
def progress_record(request, pk: int):
    """A month's record of entry progress, for the leadership's monthly rating (seed 000 art. 9.3)."""
    data = api.progress_record(actor=request.user, pk=pk)
    printed_on = timezone.localdate()
    return _pdf("pdf/progress_record.html", {"record": data, "school": user_school(request.user) or data.school_name},
                f"Tien-do-nhap-diem-{data.month:%m-%Y}.pdf",
                print_date=_("Printed on %(date)s") % {"date": printed_on.strftime("%d/%m/%Y")})


@login_required
@require_GET
def registration_book(request, pk: int):
    """Sổ đăng bộ of a school year, printed with the print date: for the office, the leadership and the board."""
    year = sm.SchoolYear.objects.filter(pk=pk).select_related("school").first()
    if year is None:
        raise Http404
    wall(request.user, year, SETUP)  # another school's year: a logged 404
    if not (can_read(request.user) or allowed(request.user, SETUP, year)):
        raise PermissionDenied(_("You do not have permission to do this."))
    printed_on = timezone.localdate()
    return _pdf("pdf/registration_book.html",
                {"year": year, "school": year.school, "lines": sm_selectors.registration_book(year)},
                f"so-dang-bo-{year.name}.pdf",
                print_date=_("Printed on %(date)s") % {"date": printed_on.strftime("%d/%m/%Y")})
