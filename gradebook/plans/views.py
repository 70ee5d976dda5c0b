"""Pages of individual education plans: a class's students and plans, one student's plan, the principal's queue.

The class is looked up inside the user's school (another school's is a 404); the selectors
check the reader's right and the services the writer's and the principal's.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gradebook.models import IndividualPlan
from gradebook.plans import forms as f
from gradebook.plans import selectors, services
from gradebook.results.selectors import class_for
from schoolrecords.forms import apply_service_errors


@login_required
def class_plans(request, pk: int):
    school_class = class_for(request.user, pk)
    listing = selectors.class_plans(actor=request.user, school_class=school_class)
    return render(request, "gradebook/plans/list.html", {"school_class": school_class, "listing": listing})


def _page(request, page, form, approve_form=None, status=200):
    return render(request, "gradebook/plans/plan.html", {
        "school_class": page.school_class, "page": page, "form": form,
        "approve_form": approve_form or f.ApproveForm(), "states": IndividualPlan.State,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, pk: int, student_pk: int):
    school_class = class_for(request.user, pk)
    page = selectors.plan_page(actor=request.user, school_class=school_class, student_pk=student_pk)
    if request.method != "POST":
        return _page(request, page, f.PlanForm(page=page))
    form = f.PlanForm(request.POST, page=page)
    if form.is_valid():
        try:
            services.plan_save(actor=request.user, student=page.enrolment.student, year=school_class.year,
                               modes=form.modes(), note=form.cleaned_data["note"],
                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The plan is saved; it counts in the results once the principal approves "
                                        "it."))
            return redirect("gradebook:plan", pk=school_class.pk, student_pk=student_pk)
    messages.error(request, _("Nothing was saved: correct the entries marked in red."))
    return _page(request, page, form, status=400)


@login_required
@require_POST
def plan_approve(request, pk: int, student_pk: int):
    school_class = class_for(request.user, pk)
    page = selectors.plan_page(actor=request.user, school_class=school_class, student_pk=student_pk)
    form = f.ApproveForm(request.POST)
    if page.plan is None:
        messages.error(request, _("This student has no plan to approve."))
    elif form.is_valid():
        try:
            services.plan_approve(actor=request.user, plan=page.plan, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The plan is approved: the student's results are computed under it."))
            return redirect("gradebook:plan", pk=school_class.pk, student_pk=student_pk)
    return _page(request, page, f.PlanForm(page=page), approve_form=form, status=400)


@login_required
def pending(request):
    return render(request, "gradebook/plans/pending.html", {"pending": selectors.pending_plans(actor=request.user)})
