"""Pages of class results: class results, re-tests and summer training, exemptions, progress, approval.

Every view looks the class up inside the user's school (another school's is a 404), lets the
selector or service check the user's right (403), and calls one selector or service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gradebook import policy
from gradebook.results import earlier, selectors, services
from gradebook.results import forms as f
from gradebook.results import sector as sector_export
from gradebook.results.compute import YEAR, period_in_sentence, period_label
from schoolrecords import models as sm
from schoolrecords import sector
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import found_or_hidden, require, user_school


def period_tabs(number: int) -> list[dict]:
    """The tabs term I, term II, the whole year of the results and homeroom pages."""
    return [{"period": "year" if each == YEAR else each, "label": period_label(each), "active": each == number}
            for each in (1, 2, YEAR)]


def _results_page(request, school_class, number: int, *, retest_form=None, summer_form=None, status=200):
    results = selectors.class_results(actor=request.user, school_class=school_class, number=number)
    is_homeroom = policy.is_homeroom(request.user, school_class)
    is_principal = policy.is_principal(request.user)
    can_enter = results.is_year and is_homeroom and not results.frozen
    if can_enter:
        retest_form = retest_form or f.RetestForm(results=results)
        summer_form = summer_form or f.SummerForm(results=results)
    return render(request, "gradebook/results/results.html", {
        "school_class": school_class, "results": results,
        "tabs": period_tabs(number),
        "period": "year" if number == YEAR else number,
        "is_homeroom": is_homeroom, "is_principal": is_principal,
        "retest_form": retest_form if can_enter else None,
        "summer_form": summer_form if can_enter else None,
        "can_approve": is_principal and results.approval is None and not results.frozen and not results.gaps,
        "approve_form": f.ApproveForm(),
        # Approving again after a correction withdrew the approval: what changed since it was given.
        "reopened": (selectors.reopened_approval(school_class, number)
                     if results.approval is None and not results.frozen else None),
    }, status=status)


@login_required
def results(request, pk: int, period: int):
    school_class = selectors.class_for(request.user, pk)
    return _results_page(request, school_class, period)


@login_required
@require_POST
def retests_save(request, pk: int):
    school_class = selectors.class_for(request.user, pk)
    results = selectors.class_results(actor=request.user, school_class=school_class, number=YEAR)
    form = f.RetestForm(request.POST, results=results)
    if form.is_valid():
        try:
            changed = services.retests_save(actor=request.user, school_class=school_class, entries=form.entries())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Re-test results saved: %(count)s changes.") % {"count": changed})
            return redirect("gradebook:results", pk=school_class.pk, period=YEAR)
    messages.error(request, _("Nothing was saved: correct the entries marked in red."))
    return _results_page(request, school_class, YEAR, retest_form=form, status=400)


@login_required
@require_POST
def summer_save(request, pk: int):
    school_class = selectors.class_for(request.user, pk)
    results = selectors.class_results(actor=request.user, school_class=school_class, number=YEAR)
    form = f.SummerForm(request.POST, results=results)
    if form.is_valid():
        try:
            changed = services.summer_save(actor=request.user, school_class=school_class, entries=form.entries())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Summer re-assessment saved: %(count)s changes.") % {"count": changed})
            return redirect("gradebook:results", pk=school_class.pk, period=YEAR)
    messages.error(request, _("Nothing was saved: correct the entries marked in red."))
    return _results_page(request, school_class, YEAR, summer_form=form, status=400)


@login_required
@require_POST
def results_approve(request, pk: int, period: int):
    school_class = selectors.class_for(request.user, pk)
    term = selectors.term_of(school_class, period)
    form = f.ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was approved: %(error)s") % {"error": " ".join(form.errors["note"])})
        return redirect("gradebook:results", pk=school_class.pk, period=period)
    try:
        services.results_approve(actor=request.user, school_class=school_class, term=term,
                                 note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The results of class %(class)s for %(period)s are approved.") % {
            "class": school_class.name, "period": period_in_sentence(period)})
    return redirect("gradebook:results", pk=school_class.pk, period=period)


@login_required
def exemptions(request, pk: int):
    school_class = selectors.class_for(request.user, pk)
    listed = selectors.class_exemptions(actor=request.user, school_class=school_class)
    data = selectors.exemption_choices(school_class)
    form = f.ExemptionForm(request.POST if request.method == "POST" else None, **data)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            services.exemption_create(
                actor=request.user, enrolment=cleaned["enrolment"], subject=cleaned["subject"],
                term=selectors.term_of(school_class, form.term_number), reason=cleaned["reason"],
                evidence_note=cleaned["evidence_note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Exemption recorded."))
            return redirect("gradebook:exemptions", pk=school_class.pk)
    return render(request, "gradebook/results/exemptions.html", {
        "school_class": school_class, "exemptions": listed, "form": form, "revoke_form": f.RevokeForm(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def exemption_revoke(request, pk: int, exemption_pk: int):
    school_class = selectors.class_for(request.user, pk)
    exemption = selectors.exemption_for(actor=request.user, school_class=school_class, pk=exemption_pk)
    form = f.RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for revoking the exemption."))
    else:
        try:
            services.exemption_revoke(actor=request.user, exemption=exemption, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Exemption revoked."))
    return redirect("gradebook:exemptions", pk=school_class.pk)


@login_required
def sector_results(request, pk: int):
    """The class's year results in the sector database's template, for the board and the office."""
    school_class = selectors.class_for(request.user, pk)
    sector.require_exchange(request.user, school_class.year)
    response = HttpResponse(sector_export.results_workbook(school_class), content_type=sector.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{sector_export.file_name(school_class)}"'
    return response


@login_required
def earlier_results(request, pk: int):
    """The board types a student's results of the terms before they joined the class (from the previous học bạ)."""
    require(request.user, earlier.SETUP)
    enrolment = found_or_hidden(
        sm.Enrolment.objects.select_related("student", "school_class__year")
        .filter(school_class__year__school=user_school(request.user)), request.user, earlier.SETUP, pk=pk)
    errors: dict = {}
    if request.method == "POST":
        texts = {key: value for key, value in request.POST.items() if key.startswith("earlier-")}
        try:
            count = earlier.earlier_results_save(actor=request.user, enrolment=enrolment, texts=texts,
                                                 source=request.POST.get("source", "")[:200])
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        else:
            messages.success(request, _("%(count)s results saved.") % {"count": count})
            return redirect("gradebook:earlier_results", pk=enrolment.pk)
    terms, source = earlier.earlier_terms(enrolment)
    if request.method == "POST":
        source = request.POST.get("source", "")[:200]
        typed = {key: value for key, value in request.POST.items() if key.startswith("earlier-")}
    else:
        typed = {}
    rows = [(each.term, [(subject, earlier.field_name(each.term.number, subject.pk),
                          typed.get(earlier.field_name(each.term.number, subject.pk), text),
                          errors.get(earlier.field_name(each.term.number, subject.pk), []))
                         for subject, text in each.subjects]) for each in terms]
    return render(request, "gradebook/results/earlier.html", {
        "enrolment": enrolment, "rows": rows, "source": source, "errors": errors,
    })
