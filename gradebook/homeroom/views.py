"""The homeroom teacher's pages: the sheet of a term (conduct, monthly absences, remarks) or the year (remarks),
and the daily roll-call of a month with its JSON save.

The class is looked up inside the user's school (another school's is a 404); the selector and
the service check the user's right (403).
"""

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gradebook.homeroom import forms as f
from gradebook.homeroom.selectors import homeroom_sheet, rollcall_sheet
from gradebook.homeroom.services import homeroom_save, rollcall_save
from gradebook.results.selectors import class_for
from gradebook.results.views import period_tabs
from schoolrecords.forms import apply_service_errors
from schoolrecords.signals import log_refusal

WEEKDAYS = [gettext_lazy("Mo"), gettext_lazy("Tu"), gettext_lazy("We"), gettext_lazy("Th"), gettext_lazy("Fr"),
            gettext_lazy("Sa"), gettext_lazy("Su")]
MAX_BODY = 20_000  # a day of a class of 60, with room to spare


@login_required
def homeroom(request, pk: int, period: int):
    school_class = class_for(request.user, pk)
    sheet = homeroom_sheet(actor=request.user, school_class=school_class, number=period)
    form = f.HomeroomForm(request.POST if request.method == "POST" else None, sheet=sheet)
    if request.method == "POST" and not sheet.frozen and form.is_valid():
        try:
            changed = homeroom_save(actor=request.user, school_class=school_class, term=sheet.term,
                                             entries=form.entries(), reason=request.POST.get("reason", ""))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved: %(count)s changes.") % {"count": changed} if changed
                             else _("Nothing has changed."))
            return redirect("gradebook:homeroom", pk=school_class.pk, period=period)
    if request.method == "POST" and form.errors:
        messages.error(request, _("Nothing was saved: correct the entries marked in red."))
    return render(request, "gradebook/results/homeroom.html", {
        "school_class": school_class, "sheet": sheet, "form": form,
        "tabs": period_tabs(period),
    }, status=400 if form.errors else 200)


@login_required
def rollcall(request, pk: int, year: int, month: int):
    school_class = class_for(request.user, pk)
    sheet = rollcall_sheet(actor=request.user, school_class=school_class, month=(year, month))
    config = {
        "saveUrl": reverse("gradebook:rollcall_save", args=[school_class.pk, year, month]),
        "messages": {
            "saved": _("Saved: %(label)s."),
            "cleared": _("Saved: %(label)s present."),
            "taken": _("Roll-call of %(day)s taken: everyone else present."),
            "network": _("No connection: this mark was not saved. Type it again when the connection is back."),
            "session": _("Your session has ended. Log in again in another tab, then type the mark again."),
            "pending": _("Some marks are still being saved."),
        },
    }
    return render(request, "gradebook/homeroom/rollcall.html", {
        "school_class": school_class, "sheet": sheet, "config": config,
        "days": [(column, WEEKDAYS[column.date.weekday()]) for column in sheet.days],
    })


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def rollcall_save_view(request, pk: int, year: int, month: int):
    """Save marks of one day: {"day": 14, "marks": {"<enrolment id>": "P" | "K" | ""}}; no marks: everyone present."""
    if not request.user.is_authenticated:
        return _json_error(_("Your session has ended. Log in again in another tab, then type the mark again."), 401)
    school_class = class_for(request.user, pk)
    try:
        if len(request.body) > MAX_BODY:
            raise ValueError
        payload = json.loads(request.body or b"{}")
        day = datetime.date(year, month, int(payload["day"]))
        marks = {int(key): str(value) for key, value in dict(payload.get("marks") or {}).items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return _json_error(_("The roll-call could not be read. Reload the page and try again."), 400)
    try:
        result = rollcall_save(actor=request.user, school_class=school_class, day=day, marks=marks,
                               reason=str(payload.get("reason", ""))[:100])
    except PermissionDenied as error:
        log_refusal(request, 403, str(error))
        return _json_error(str(error) or _("You do not have permission to do this."), 403)
    except ValidationError as error:
        return _json_error(" ".join(error.messages), 400)
    return JsonResponse({"day": day.day, "marks": {str(pk): mark for pk, mark in result.marks.items()},
                         "totals": {str(pk): list(counts) for pk, counts in result.totals.items()}})
