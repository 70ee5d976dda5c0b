"""The primary grid pages: the grid of a class × subject × point, its JSON save, and a cell's history.

Every request goes through gradebook.primary's selectors and services, which ask the policy
(gradebook.policy) each time. A class or subject that is not assessed under TT27 answers a 404
that says which grid to use instead; another school's assignment is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gradebook.primary import selectors
from gradebook.primary.forms import PayloadError, parse_save
from gradebook.primary.selectors import NotPrimary
from gradebook.primary.services import CellResult, primary_save
from schoolrecords.signals import log_refusal


def not_primary(request, error: NotPrimary):
    """The wrong grid for this class: a 404 that says so, with a link to the class (whose page asks its own access)."""
    log_refusal(request, 404, error.message)
    return render(request, "gradebook/primary_not_here.html", {"message": error.message,
                                                                "assignment": error.assignment}, status=404)


@login_required
@require_GET
def primary_grid(request, assignment_id: int, point: str):
    point = selectors.point_of(point)
    try:
        result = selectors.grid(actor=request.user, assignment=assignment_id, point=point)
    except NotPrimary as error:
        return not_primary(request, error)
    return render(request, "gradebook/primary_grid.html", {
        "grid": result,
        "assignment": result.assignment,
        "points": selectors.points(),
        "config": _config(request, result),
    })


def _config(request, result: selectors.Grid) -> dict:
    """What static/gradebook/grid.js needs: its URLs and messages (the script has no catalogue)."""
    args = (result.assignment.pk, result.point.value)
    return {
        "saveUrl": reverse("gradebook:primary_grid_save", args=args),
        "historyUrl": reverse("gradebook:primary_grid_history", args=args),
        "correctionUrl": "",
        "commented": True,  # letters and words: the phone shows its full keyboard
        "userId": request.user.pk,
        "gridKey": f"primary-{result.assignment.pk}-{result.point.value}",
        "messages": {
            "saving": _("Saving…"),
            "saved": _("All changes saved."),
            "pending": _("Changes waiting to be saved…"),
            "problems": _("Cells not saved: %(count)s. Correct them or press Esc to undo."),
            "network": _("No connection: kept in this browser and sent again by itself."),
            "waiting": _("%(count)s cells wait for the connection: they are kept in this browser and sent "
                         "again by themselves. Nothing needs typing again."),
            "session": _("Your session has ended: kept in this browser. Log in again in another tab."),
            "sessionWaiting": _("Your session has ended: %(count)s cells are kept in this browser. Log in "
                                "again in another tab; they are then sent by themselves."),
            "server": _("The server could not save this yet: kept in this browser and sent again by itself."),
            "serverWaiting": _("The server could not save %(count)s cells yet: they are kept in this browser "
                               "and sent again in a moment."),
            "offer": _("%(count)s entries typed earlier in this browser were not saved."),
            "offerElsewhere": _("this cell can no longer be typed here"),
            "storedCell": _("Typed earlier and not saved yet: send or discard it above the grid."),
            "retry": _("Retry"),
            "useCurrent": _("Show the current value"),
            "pasteRows": _("Not pasted: rows %(rows)s of the copied block, below the last student (%(student)s)."),
            "pasteColumns": _("Not pasted: columns %(columns)s of the copied block, right of the last column "
                              "(%(column)s)."),
            "pasteLocked": _("Not pasted: %(count)s values that fell on cells which cannot be typed in (locked, "
                             "read only or a student who left)."),
            "leave": _("Some entries are not saved yet."),
            "historyFailed": _("The history could not be loaded."),
            "chooseCell": _("Select a cell first, then open its history."),
            "reentry": "",
            "correction": "",
            "requestAll": "",
        },
    }


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def primary_grid_save(request, assignment_id: int, point: str):
    """Save a block of cells; answers per-cell outcomes in the shape grid.js reads."""
    if not request.user.is_authenticated:
        return _json_error(_("Your session has ended. Log in again in another tab, then press Retry."), 401)
    point = selectors.point_of(point)
    try:
        payload = parse_save(request.body)
        saved = primary_save(actor=request.user, assignment=assignment_id, point=point, cells=payload.cells,
                             reason=payload.reason)
    except NotPrimary as error:
        log_refusal(request, 404, error.message)
        return _json_error(error.message, 404)
    except PayloadError as error:
        return _json_error(str(error), 400)
    except PermissionDenied as error:
        log_refusal(request, 403, str(error))
        return _json_error(str(error) or _("You do not have permission to do this."), 403)
    except ValidationError as error:
        return _json_error(" ".join(error.messages), 400)
    return JsonResponse({"cells": [_cell_json(cell) for cell in saved.cells], "rows": []})


def _cell_json(cell: CellResult) -> dict:
    return {"enrolment": cell.enrolment_id, "kind": cell.kind, "index": 1, "outcome": cell.outcome.value,
            "message": cell.message, "text": cell.text, "version": None, "status": "", "remedy": ""}


@login_required
@require_GET
def primary_grid_history(request, assignment_id: int, point: str):
    """One cell's history (?enrolment=<id>&column=level|test|comment): a fragment for the grid's dialog."""
    point = selectors.point_of(point)
    try:
        enrolment_id = int(request.GET.get("enrolment", ""))
    except ValueError:
        raise Http404 from None
    column = request.GET.get("column", "")
    try:
        assignment, enrolment, entries = selectors.cell_history(
            actor=request.user, assignment=assignment_id, point=point, enrolment_id=enrolment_id, kind=column)
    except NotPrimary as error:
        return not_primary(request, error)
    labels = {c.kind: c.label for c in selectors.columns_for(assignment, point)}
    context = {"assignment": assignment, "point": point, "point_label": selectors.point_label(point),
               "student": enrolment.student, "entries": entries, "column_label": labels.get(column, column)}
    template = "gradebook/primary_history.html" if request.htmx else "gradebook/primary_history_page.html"
    return render(request, template, context)
