"""The homeroom teacher's sheet page: conduct, monthly absences and remarks of a term, remarks of the year.

The class is looked up inside the user's school (another school's is a 404); the selector and
the service check the user's right (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gradebook.homeroom import forms as f
from gradebook.homeroom.selectors import homeroom_sheet
from gradebook.homeroom.services import homeroom_save
from gradebook.results.selectors import class_for
from gradebook.results.views import period_tabs
from schoolrecords.forms import apply_service_errors


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
