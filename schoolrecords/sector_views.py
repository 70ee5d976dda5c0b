"""The sector database exchange page: the downloads for the portal (board and office) and the board's import.

The import is the board's student import with a portal export as its file: the upload is kept
under a random name the session knows, the preview shows every row, and the confirmation reads
the kept file again and checks it against the data as it is then (schoolrecords.import_views).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import importing, sector, selectors
from . import models as m
from .formats import csdl
from .import_views import TOKEN, ImportUploadForm, discard_pending, display_name, keep_pending, load_pending
from .permissions import found_or_hidden, require, user_school
from .services import SETUP

SESSION_KEY = "schoolrecords_sector_import"


class SectorUploadForm(ImportUploadForm):
    """The import's upload, read as the sector database's export (its columns matched by header text)."""

    file = forms.FileField(
        label=gettext_lazy("Students exported from the sector database (.xlsx)"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    reader = staticmethod(sector.read_students)


def _year(request, year_id: int) -> m.SchoolYear:
    school = user_school(request.user)
    if school is None and not request.user.is_superuser:
        raise Http404
    queryset = m.SchoolYear.objects.select_related("school")
    year = found_or_hidden(queryset if request.user.is_superuser else queryset.filter(school=school),
                           request.user, SETUP, pk=year_id)
    sector.require_exchange(request.user, year)
    return year


@login_required
@require_http_methods(["GET", "POST"])
def exchange(request, year_id: int):
    year = _year(request, year_id)
    if request.method == "GET":
        return _page(request, year, SectorUploadForm())
    require(request.user, SETUP, year)  # the office downloads; only the board imports
    action = request.POST.get("action", "preview")
    if action == "confirm":
        return _confirm(request, year)
    if action == "cancel":
        discard_pending(request, session_key=SESSION_KEY)
        messages.info(request, _("Import cancelled; nothing was saved."))
        return redirect("setup:sector", year_id=year.pk)
    form = SectorUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, year, form)
    discard_pending(request, session_key=SESSION_KEY)
    pending = keep_pending(request, year, form.content, "xlsx", display_name(form.cleaned_data["file"].name),
                           session_key=SESSION_KEY)
    return _page(request, year, SectorUploadForm(), plan=sector.plan(year, form.parsed), parsed=form.parsed,
                 pending=pending)


def _confirm(request, year: m.SchoolYear):
    pending = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    content = None
    if pending and pending.get("year") == year.pk and TOKEN.fullmatch(token) and token == pending.get("token"):
        content = load_pending(pending)
    if content is None:
        messages.error(request, _("Upload the file and check its preview before confirming."))
        return redirect("setup:sector", year_id=year.pk)
    try:
        parsed = sector.read_students(content)
        result = sector.import_students(actor=request.user, year=year, parsed=parsed, file_name=pending["name"])
    except importing.ImportFileError as exc:
        discard_pending(request, session_key=SESSION_KEY)
        messages.error(request, str(exc))
        return redirect("setup:sector", year_id=year.pk)
    except importing.ImportInvalid as exc:
        messages.error(request, _(
            "Nothing was saved: %(count)s rows have errors. Correct the file and upload it again.")
            % {"count": len(exc.plan.error_rows)})
        return _page(request, year, SectorUploadForm(), plan=exc.plan, parsed=parsed, pending=pending)
    except ValidationError as exc:
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": " ".join(exc.messages)})
        return redirect("setup:sector", year_id=year.pk)
    discard_pending(request, session_key=SESSION_KEY)
    messages.success(request, _(
        "Imported from %(file)s: %(classes)s new classes, %(created)s new students, %(updated)s students "
        "updated, %(enrolled)s students placed in classes, %(unchanged)s unchanged.") % {
        "file": pending["name"], "classes": result.classes_created, "created": result.students_created,
        "updated": result.students_updated, "enrolled": result.enrolments_created,
        "unchanged": result.students_unchanged,
    })
    return redirect("setup:sector", year_id=year.pk)


def _page(request, year, form, *, plan=None, parsed=None, pending=None):
    return render(request, "schoolrecords/setup/sector.html", {
        "year": year, "form": form, "plan": plan, "parsed": parsed, "pending": pending,
        "counts": plan.counts if plan else None,
        "may_import": request.user.has_perm(SETUP) and sector.may_exchange(request.user, year),
        "years": selectors.years_of(year.school),
        "classes": m.SchoolClass.objects.filter(year=year).order_by("grade", "name"),
        "headers": {column.key: column.header for column in importing.COLUMNS},
        "templates": csdl.templates("students"),
        "statuses": csdl.STATUSES.items(),
        "max_mb": importing.MAX_BYTES // (1024 * 1024),
    })


@login_required
def students_download(request, year_id: int):
    year = _year(request, year_id)
    response = HttpResponse(sector.students_workbook(year), content_type=sector.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{sector.file_name(year, "hoc-sinh")}"'
    return response
