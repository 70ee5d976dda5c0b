"""Pages of a primary class's year: the qualities and competencies sheet (and its JSON save), the class results
with approval, a student's year record with the principal's decision.

Every view looks the class (or enrolment) up inside the user's school (another school's is a 404), lets
the selector or service check the user's right (403), and calls one selector or service.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gradebook import policy
from gradebook.primaryyear import forms as f
from gradebook.primaryyear import selectors, services
from gradebook.results.compute import YEAR, period_in_sentence
from gradebook.results.forms import ApproveForm
from gradebook.results.selectors import class_for
from schoolrecords.forms import apply_service_errors
from schoolrecords.signals import log_refusal

MAX_BODY = 60_000  # a whole sheet of 60 students × 15 cells pasted at once, with room to spare


def point_tabs(school_class, point) -> list[dict]:
    return [{"url": reverse("gradebook:primary_traits", args=[school_class.pk, each.value]),
             "label": selectors.point_label(each), "active": each == point}
            for each in selectors.POINTS_OF_PERIOD[1] + selectors.POINTS_OF_PERIOD[YEAR]]


def _traits_config(school_class, point) -> dict:
    return {
        "saveUrl": reverse("gradebook:primary_traits_save", args=[school_class.pk, point.value]),
        "messages": {
            "saved": _("Saved."),
            "refused": _("Some cells were not saved: see the cells marked in red."),
            "network": _("No connection: the cell was not saved. Type it again when the connection is back."),
            "session": _("Your session has ended. Log in again in another tab, then type the cell again."),
            "pending": _("Some cells are still being saved."),
        },
    }


@login_required
def traits(request, pk: int, point: str):
    school_class = class_for(request.user, pk)
    point = selectors.point_of(point)
    sheet = selectors.traits_sheet(actor=request.user, school_class=school_class, point=point)
    form = f.TraitsForm(request.POST if request.method == "POST" and sheet.editable else None, sheet=sheet)
    status = 200
    if request.method == "POST":
        if not sheet.editable:
            policy.require_traits_assessor(request.user, school_class)
            messages.error(request, selectors.frozen_message(school_class, sheet.approval))
            return redirect("gradebook:primary_traits", pk=school_class.pk, point=point.value)
        if form.is_valid():
            try:
                saved = services.traits_save(actor=request.user, school_class=school_class, point=point,
                                             entries=form.entries(), reason=request.POST.get("reason", ""))
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                for key, message in saved.errors.items():
                    form.add_error(key, message)
                if not saved.errors:
                    messages.success(request, _("Saved: %(count)s changes.") % {"count": saved.changed}
                                     if saved.changed else _("Nothing has changed."))
                    return redirect("gradebook:primary_traits", pk=school_class.pk, point=point.value)
        status = 400
        messages.error(request, _("The cells marked in red were not saved; the others were."))
    return render(request, "gradebook/primaryyear/traits.html", {
        "school_class": school_class, "sheet": sheet, "form": form, "tabs": point_tabs(school_class, point),
        "lines": [(row, [(cell, form[cell.key] if cell.key in form.fields else None) for cell in row.cells])
                  for row in sheet.rows],
        "config": _traits_config(school_class, point),
    }, status=status)


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def traits_save(request, pk: int, point: str):
    """Save cells of the sheet: {"cells": {"t-<enrolment>-<trait>": "T" | "Đ" | "C" | ""}} → the values and errors."""
    if not request.user.is_authenticated:
        return _json_error(_("Your session has ended. Log in again in another tab, then type the cell again."), 401)
    school_class = class_for(request.user, pk)
    point = selectors.point_of(point)
    try:
        policy.require_traits_assessor(request.user, school_class)
    except PermissionDenied as error:
        log_refusal(request, 403, str(error))
        return _json_error(str(error), 403)
    selectors.require_primary(request.user, school_class)
    try:
        if len(request.body) > MAX_BODY:
            raise ValueError
        payload = json.loads(request.body or b"{}")
        entries = []
        for key, text in dict(payload["cells"]).items():
            prefix, enrolment_id, trait = str(key).split("-", 2)
            if prefix != "t":
                raise ValueError
            entries.append(services.TraitInput(int(enrolment_id), trait, str(text)[:20]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return _json_error(_("The sheet could not be read. Reload the page and try again."), 400)
    try:
        saved = services.traits_save(actor=request.user, school_class=school_class, point=point, entries=entries,
                                     reason=str(payload.get("reason", ""))[:100])
    except PermissionDenied as error:
        log_refusal(request, 403, str(error))
        return _json_error(str(error), 403)
    except ValidationError as error:
        return _json_error(" ".join(error.messages), 400)
    return JsonResponse({"values": saved.values, "errors": saved.errors, "changed": saved.changed})


@login_required
def results(request, pk: int):
    school_class = class_for(request.user, pk)
    results = selectors.class_results(actor=request.user, school_class=school_class)
    is_principal = policy.is_principal(request.user)
    return render(request, "gradebook/primaryyear/results.html", {
        "school_class": school_class, "results": results, "is_principal": is_principal,
        "is_homeroom": policy.is_homeroom(request.user, school_class), "approve_form": ApproveForm(),
        "points": selectors.POINTS_OF_PERIOD[1] + selectors.POINTS_OF_PERIOD[YEAR],
        "point_labels": [(p.value, selectors.point_label(p)) for p in
                         selectors.POINTS_OF_PERIOD[1] + selectors.POINTS_OF_PERIOD[YEAR]],
    })


@login_required
@require_POST
def approve(request, pk: int, period: int):
    school_class = class_for(request.user, pk)
    policy.require_principal(request.user, school_class)
    selectors.require_primary(request.user, school_class)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was approved: %(error)s") % {"error": " ".join(form.errors["note"])})
        return redirect("gradebook:primary_results", pk=school_class.pk)
    try:
        services.primary_approve(actor=request.user, school_class=school_class, number=period,
                                 note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, _("Nothing was approved:") + " " + " ".join(error.messages))
    else:
        messages.success(request, _("The results of class %(class)s for %(period)s are approved.") % {
            "class": school_class.name, "period": period_in_sentence(period)})
    return redirect("gradebook:primary_results", pk=school_class.pk)


def _record_page(request, enrolment, *, form=None, decision_form=None, status=200):
    year = selectors.student_year(actor=request.user, enrolment=enrolment)
    is_homeroom = policy.is_homeroom(request.user, enrolment.school_class)
    is_principal = policy.is_principal(request.user)
    if is_homeroom:
        form = form or f.YearRecordForm(year=year)
    record = year.row.record
    if is_principal and year.row.needs_support:
        decision_form = decision_form or f.DecisionForm(initial={"decision": record.decision if record else ""})
    return render(request, "gradebook/primaryyear/record.html", {
        "school_class": enrolment.school_class, "enrolment": enrolment, "year": year, "line": year.line,
        "record": record, "form": form if is_homeroom else None,
        "decision_form": decision_form if is_principal and year.row.needs_support else None,
    }, status=status)


@login_required
def year_record(request, pk: int):
    enrolment = selectors.enrolment_for(request.user, pk)
    if request.method != "POST":
        return _record_page(request, enrolment)
    policy.require_homeroom(request.user, enrolment.school_class)
    selectors.require_primary(request.user, enrolment.school_class)
    year = selectors.student_year(actor=request.user, enrolment=enrolment)
    form = f.YearRecordForm(request.POST, year=year)
    if form.is_valid():
        try:
            services.year_record_save(actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"],
                                      **form.values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The year record of %(student)s is saved.") % {
                "student": enrolment.student.full_name})
            return redirect("gradebook:primary_record", pk=enrolment.pk)
    messages.error(request, _("Nothing was saved: correct the entries marked in red."))
    return _record_page(request, enrolment, form=form, status=400)


@login_required
@require_POST
def year_decision(request, pk: int):
    enrolment = selectors.enrolment_for(request.user, pk)
    policy.require_principal(request.user, enrolment.school_class)
    selectors.require_primary(request.user, enrolment.school_class)
    form = f.DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.year_decision_save(actor=request.user, enrolment=enrolment,
                                        decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The principal's decision on %(student)s is saved.") % {
                "student": enrolment.student.full_name})
            return redirect("gradebook:primary_record", pk=enrolment.pk)
    messages.error(request, _("Nothing was saved: correct the entries marked in red."))
    return _record_page(request, enrolment, decision_form=form, status=400)
