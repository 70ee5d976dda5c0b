"""The page of a class's certificates, competition results and awards: list, add a line, remove a line.

The class is looked up inside the user's school (another school's is a 404); the selector checks
the reader's right, the services the writer's.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gradebook import policy
from gradebook.awards import forms as f
from gradebook.awards import selectors, services
from gradebook.results.selectors import class_for
from schoolrecords.forms import apply_service_errors


@login_required
@require_http_methods(["GET", "POST"])
def awards(request, pk: int):
    school_class = class_for(request.user, pk)
    sheet = selectors.awards_sheet(actor=request.user, school_class=school_class)
    form, status = f.AwardForm(sheet=sheet), 200
    if request.method == "POST":
        policy.require_awards_writer(request.user, school_class)
        if request.POST.get("action") == "remove":
            try:
                services.award_remove(actor=request.user, school_class=school_class,
                                      award_id=int(request.POST.get("award") or 0),
                                      reason=request.POST.get("reason", ""))
            except (ValidationError, ValueError) as error:
                messages.error(request, " ".join(getattr(error, "messages", [_("Nothing was removed.")])))
                status = 400
            else:
                messages.success(request, _("Entry removed."))
                return redirect("gradebook:awards", pk=school_class.pk)
        else:
            form = f.AwardForm(request.POST, sheet=sheet)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.award_add(actor=request.user, school_class=school_class, enrolment_id=data["enrolment"],
                                       kind=data["kind"], text=data["text"], level=data["level"],
                                       awarded_on=data["awarded_on"], reason=data["reason"])
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    messages.success(request, _("Entry added."))
                    return redirect("gradebook:awards", pk=school_class.pk)
            messages.error(request, _("Nothing was saved: correct the entries marked in red."))
            status = 400
    return render(request, "gradebook/awards/awards.html", {"school_class": school_class, "sheet": sheet,
                                                            "form": form, "is_homeroom": policy.is_homeroom(request.user, school_class)},
                  status=status)
