"""The signing plan page: per kind of document, who signs in which order (the school's, or the default).

Every staff member of the school sees it (a teacher knows when their turn comes); only the principal
changes it (archive.signing.services.plan_set says so again, and records the reason in the history).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schoolrecords import roles
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import has_role, user_school

from ..models import Kind, SigningRole, SigningStage
from . import plan_selectors, selectors, services
from .plan_forms import PlanForm, PlanResetForm

HISTORY_ROWS = 30


def _may_edit(user) -> bool:
    return user.is_superuser or has_role(user, roles.PRINCIPAL)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request):
    school = user_school(request.user)
    if school is None:
        raise PermissionDenied(_("Only the school's staff sign records."))
    may_edit = _may_edit(request.user)
    bound, status = None, 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Only the principal sets the order of signatures."))
        kind = request.POST.get("kind", "")
        reset = "reset" in request.POST
        form = PlanResetForm(request.POST, prefix=f"{kind}-reset") if reset else PlanForm(request.POST, prefix=kind)
        status = 400
        if kind not in selectors.SIGNABLE_KINDS:
            form.add_error(None, _("Only printed PDF documents (report cards, ledgers, summary tables) are signed."))
        elif form.is_valid():
            try:
                services.plan_set(actor=request.user, school=school, kind=kind,
                                  plan=[] if reset else form.cleaned_data["plan"], reason=form.cleaned_data["reason"])
            except ValidationError as error:
                apply_service_errors(form, error, default_field="reason" if reset else "stage_1",
                                     field_map={"plan": "reason" if reset else "stage_1"})
            else:
                messages.success(request, _("The order of signatures of “%(kind)s” is saved.") % {
                    "kind": Kind(kind).label})
                return redirect("archive:signing_plan")
        bound = (kind, form)
    cards = []
    for entry in plan_selectors.plans(school.pk):
        form = reset_form = None
        if may_edit:
            form = PlanForm(current=entry.plan, prefix=entry.kind)
            reset_form = PlanResetForm(prefix=f"{entry.kind}-reset")
            if bound and bound[0] == entry.kind:
                if isinstance(bound[1], PlanResetForm):
                    reset_form = bound[1]
                else:
                    form = bound[1]
        cards.append({"entry": entry, "form": form, "reset_form": reset_form})
    history = (SigningStage.history.filter(school=school).select_related("history_user__profile")
               .order_by("-history_date", "-history_id")[:HISTORY_ROWS])
    return render(request, "archive/signing/plan.html", {
        "cards": cards, "may_edit": may_edit, "history": history, "roles": dict(SigningRole.choices),
        "kinds": dict(Kind.choices)}, status=status)
