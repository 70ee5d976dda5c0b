"""The year rollover page: the preview of every move, and the board's confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gradebook import policy
from gradebook.rollover import services
from gradebook.rollover.forms import RolloverForm
from schoolrecords import models as sm
from schoolrecords.permissions import found_or_hidden, user_school


def _year(request, pk: int) -> sm.SchoolYear:
    policy.require_setup(request.user, None)
    school = user_school(request.user)
    if school is None:
        raise Http404
    return found_or_hidden(sm.SchoolYear.objects.select_related("school").filter(school=school), request.user,
                           policy.SETUP, pk=pk)


@login_required
def rollover(request, pk: int):
    year = _year(request, pk)
    to_year = services.next_year_name(year.name) or ""
    form = RolloverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.apply(actor=request.user, from_year=year, to_year=to_year,
                                  reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _(
                "School year %(year)s started: %(classes)d classes, %(enrolments)d students placed. Confirm the "
                "proposed homeroom teachers and teaching assignments.")
                % {"year": done.year.name, "classes": done.classes, "enrolments": done.enrolments})
            return redirect("setup:drafts", pk=done.year.pk)
    seen = services.preview(actor=request.user, from_year=year, to_year=to_year)
    return render(request, "gradebook/rollover/preview.html", {"year": year, "preview": seen, "form": form})
