"""The admin board's import of classes and students: upload, preview every row, confirm, template download.

The uploaded file is kept under MEDIA_ROOT/imports/ with a random name that only the
session knows; the confirm step reads that file again and checks it against the data as
it is then, so what is saved is never what the browser sends back.
"""

import re
import secrets
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import importing
from . import models as m
from .permissions import require
from .services import SETUP

SESSION_KEY = "schoolrecords_import"
STORE_DIR = "imports"
KEEP_FOR = timedelta(days=1)  # an abandoned preview's file is removed by a later upload
TOKEN = re.compile(r"[0-9a-f]{32}")
TEMPLATE_NAME = "mau-nhap-lop-hoc-sinh"
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        allow_empty_file=True,  # the import's own message for an empty file is clearer
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    reader = staticmethod(importing.read_file)  # the file's content → the parsed rows, or ImportFileError

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise ValidationError(_("The file is larger than %(size)s MB.") % {
                "size": importing.MAX_BYTES // (1024 * 1024)})
        self.content = upload.read()
        try:
            self.parsed = self.reader(self.content)
        except importing.ImportFileError as exc:
            raise ValidationError(str(exc)) from exc
        return upload


def _year(request, year_id: int) -> m.SchoolYear:
    year = get_object_or_404(m.SchoolYear.objects.select_related("school"), pk=year_id)
    require(request.user, SETUP, year)
    return year


@login_required
@require_http_methods(["GET", "POST"])
def import_students(request, year_id: int):
    year = _year(request, year_id)
    if request.method == "GET":
        return _page(request, year, ImportUploadForm())
    action = request.POST.get("action", "preview")
    if action == "confirm":
        return _confirm(request, year)
    if action == "cancel":
        discard_pending(request)
        messages.info(request, _("Import cancelled; nothing was saved."))
        return redirect("setup:import", year_id=year.pk)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, year, form)
    discard_pending(request)
    pending = keep_pending(request, year, form.content, form.parsed.kind, display_name(form.cleaned_data["file"].name))
    plan = importing.plan_import(year, form.parsed.rows)
    return _page(request, year, ImportUploadForm(), plan=plan, parsed=form.parsed, pending=pending)


def _confirm(request, year: m.SchoolYear):
    pending = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    content = None
    if pending and pending.get("year") == year.pk and TOKEN.fullmatch(token) and token == pending.get("token"):
        content = load_pending(pending)
    if content is None:
        messages.error(request, _("Upload the file and check its preview before confirming."))
        return redirect("setup:import", year_id=year.pk)
    try:
        parsed = importing.read_file(content)
        result = importing.import_classes_and_students(
            actor=request.user, year=year, rows=parsed.rows, file_name=pending["name"])
    except importing.ImportFileError as exc:
        discard_pending(request)
        messages.error(request, str(exc))
        return redirect("setup:import", year_id=year.pk)
    except importing.ImportInvalid as exc:
        messages.error(request, _(
            "Nothing was saved: %(count)s rows have errors. Correct the file and upload it again.")
            % {"count": len(exc.plan.error_rows)})
        return _page(request, year, ImportUploadForm(), plan=exc.plan, parsed=parsed, pending=pending)
    except ValidationError as exc:  # a service refused a row the checks let through
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": " ".join(exc.messages)})
        return redirect("setup:import", year_id=year.pk)
    discard_pending(request)
    messages.success(request, _(
        "Imported from %(file)s: %(classes)s new classes, %(created)s new students, %(updated)s students "
        "updated, %(enrolled)s students placed in classes, %(unchanged)s unchanged.") % {
        "file": pending["name"], "classes": result.classes_created, "created": result.students_created,
        "updated": result.students_updated, "enrolled": result.enrolments_created,
        "unchanged": result.students_unchanged,
    })
    return redirect("setup:index")


def _page(request, year, form, *, plan=None, parsed=None, pending=None):
    return render(request, "schoolrecords/setup/import.html", {
        "year": year, "form": form, "plan": plan, "parsed": parsed, "pending": pending,
        "counts": plan.counts if plan else None,
        "columns": importing.COLUMNS, "rules": importing.RULES,
        "headers": {column.key: column.header for column in importing.COLUMNS},
        "max_mb": importing.MAX_BYTES // (1024 * 1024),
        "max_rows": formats.number_format(importing.MAX_ROWS, force_grouping=True),
    })


@login_required
def import_template(request, fmt: str):
    require(request.user, SETUP)
    if fmt == "xlsx":
        content = importing.template_xlsx()
    elif fmt == "csv":
        content = importing.template_csv()
    else:
        raise Http404
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}.{fmt}"'
    return response


# --- the pending file --------------------------------------------------------------------

def display_name(name: str) -> str:
    """The uploaded file's name, for the history reason and messages only (never a path)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable())[:100] or "import"


def _stored_name(pending: dict) -> str | None:
    token, kind = str(pending.get("token", "")), pending.get("kind")
    if not TOKEN.fullmatch(token) or kind not in CONTENT_TYPES:
        return None
    return f"{STORE_DIR}/{token}.{kind}"


def keep_pending(request, year: m.SchoolYear, content: bytes, kind: str, name: str, *,
                 session_key: str = SESSION_KEY) -> dict:
    """Keep an uploaded file until its preview is confirmed or cancelled; the session holds its random name."""
    _sweep()
    pending = {"token": secrets.token_hex(16), "kind": kind, "name": name, "year": year.pk}
    default_storage.save(_stored_name(pending), ContentFile(content))
    request.session[session_key] = pending
    return pending


def load_pending(pending: dict) -> bytes | None:
    stored = _stored_name(pending)
    if stored is None or not default_storage.exists(stored):
        return None
    with default_storage.open(stored, "rb") as handle:
        return handle.read()


def discard_pending(request, *, session_key: str = SESSION_KEY) -> None:
    pending = request.session.pop(session_key, None)
    stored = _stored_name(pending) if pending else None
    if stored:
        default_storage.delete(stored)


def _sweep() -> None:
    """Remove the files of previews nobody confirmed or cancelled."""
    try:
        _folders, files = default_storage.listdir(STORE_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - KEEP_FOR
    for name in files:
        path = f"{STORE_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except OSError:
            continue  # another request removed it first
