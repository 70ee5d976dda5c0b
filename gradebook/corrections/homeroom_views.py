"""Pages of homeroom corrections: the request form (from the approved sheet's link), the list, the decision.

The class and the requests are looked up inside the user's school (another school's is a 404);
the services check who may file and decide (403).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gradebook import policy
from gradebook.corrections import homeroom as hc
from gradebook.corrections import homeroom_forms as f
from gradebook.corrections import homeroom_selectors as selectors
from gradebook.corrections import homeroom_values
from gradebook.corrections.forms import DecisionForm
from gradebook.corrections.services import default_minutes_place
from gradebook.models import HomeroomCorrection
from gradebook.results.compute import YEAR
from gradebook.results.selectors import class_for, term_of
from schoolrecords import models as sm
from schoolrecords.forms import apply_service_errors
from schoolrecords.signals import log_refusal

# --- corrections of an approved sheet -------------------------------------------------------------------


def _target_from_query(request, school_class):
    """What the "Request a correction" link names: field, student, period, subject, month; 404 when unreadable."""
    query = request.GET  # the form posts back to its own address, query included
    field = query.get("field", "")
    if field not in HomeroomCorrection.Field.values:
        raise Http404
    try:
        enrolment_id = int(query.get("enrolment", ""))
        period = query.get("period", "")
        number = YEAR if period == "year" else int(period)
        subject_id = int(query["subject"]) if query.get("subject") else None
        month = tuple(int(part) for part in query["month"].split("-")) if query.get("month") else None
    except (TypeError, ValueError):
        raise Http404 from None
    enrolment = get_object_or_404(sm.Enrolment.objects.select_related("student"), pk=enrolment_id,
                                  school_class_id=school_class.pk)
    term = term_of(school_class, number)
    subject = (get_object_or_404(sm.Subject, pk=subject_id, school_id=school_class.year.school_id)
               if subject_id else None)
    if month is not None and len(month) != 2:
        raise Http404
    return field, enrolment, term, subject, month


@login_required
def homeroom_correction_new(request, pk: int):
    """The homeroom teacher's request to change one value of an approved period, prefilled from the sheet's link."""
    school_class = class_for(request.user, pk)
    policy.require_homeroom(request.user, school_class)
    field, enrolment, term, subject, month = _target_from_query(request, school_class)
    on_the_sheet = hc.needs_request(school_class, field, term)
    if on_the_sheet:  # nothing to request: the sheet itself takes the change
        messages.info(request, on_the_sheet)
        return redirect("gradebook:homeroom", school_class.pk, term.number if term else YEAR)
    target = hc.Target(enrolment_id=enrolment.pk, field=field, term_id=term.pk if term else None,
                       subject_id=subject.pk if subject else None, month=month)
    old = hc.current_value(target)
    form = f.HomeroomCorrectionForm(request.POST if request.method == "POST" else None,
                                    request.FILES if request.method == "POST" else None, field=field,
                                    initial={"shown": json.dumps(old)})
    if request.method == "POST" and form.is_valid():
        try:
            created = hc.homeroom_correction_submit(
                actor=request.user, school_class=school_class, enrolment_id=enrolment.pk, field=field, term=term,
                subject=subject, month=month, shown=form.shown_value(), new=form.new_value(),
                reason=form.cleaned_data["reason"], evidence=form.cleaned_data["evidence"])
        except ValidationError as error:
            apply_service_errors(form, _new_at_its_field(error, field))
        else:
            messages.success(request, _("Homeroom correction request no. %(number)s is waiting for the leadership.")
                             % {"number": created.pk})
            return redirect("gradebook:homeroom_correction", created.pk)
    return render(request, "gradebook/homeroom/correction_new.html", {
        "school_class": school_class, "form": form, "enrolment": enrolment, "field_label":
        HomeroomCorrection.Field(field).label, "period": homeroom_values.period_label(HomeroomCorrection(
            term=term, month_year=month[0] if month else None, month=month[1] if month else None)),
        "subject": subject, "old": homeroom_values.display(field, old),
    }, status=400 if form.errors else 200)


def _new_at_its_field(error: ValidationError, field: str) -> ValidationError:
    """The service keys the new value "new"; absences have two inputs: its message goes to the second."""
    if field != HomeroomCorrection.Field.ABSENCES or not hasattr(error, "error_dict"):
        return error
    errors = {("unexcused" if key == "new" else key): value for key, value in error.message_dict.items()}
    return ValidationError(errors)


@login_required
@require_GET
def homeroom_correction_list(request):
    """The leadership's queue of homeroom corrections (and recent decisions); a homeroom teacher's own otherwise."""
    if policy.reads_corrections(request.user):
        waiting = selectors.homeroom_correction_queue(actor=request.user)
        for item in waiting:
            item.yours = policy.may_decide(request.user, item)
            item.old_text, item.new_text = homeroom_values.display(item.field, item.old_value), homeroom_values.display(item.field, item.new_value)
        context = {"waiting": waiting, "done": selectors.homeroom_corrections_decided(actor=request.user),
                   "leader": True}
    else:
        context = {"own": selectors.own_homeroom_corrections(actor=request.user), "leader": False}
    return render(request, "gradebook/homeroom/corrections.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def homeroom_correction_detail(request, pk: int):
    """One request; the principal (or the delegated vice principal) approves or rejects it here."""
    found = selectors.homeroom_correction_for(actor=request.user, pk=pk)
    school = found.school_class.year.school
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = DecisionForm(request.POST if action else None, school=school,
                        initial={"place": default_minutes_place(school)})
    status = 200
    if action and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "approve":
                hc.homeroom_correction_approve(actor=request.user, request=found, witness=data["witness"],
                                               place=data["place"], note=data["note"])
            elif action == "reject":
                hc.homeroom_correction_reject(actor=request.user, request=found, note=data["note"])
            else:
                raise ValidationError(_("Unknown action."))
        except PermissionDenied as refusal:
            log_refusal(request, 403, str(refusal))
            form.add_error(None, str(refusal))
            status = 403
        except ValidationError as problem:
            apply_service_errors(form, problem)
        else:
            messages.success(request, _("Homeroom correction request no. %(number)s: %(status)s.") % {
                "number": found.pk, "status": HomeroomCorrection.Status(
                    "approved" if action == "approve" else "rejected").label})
            return redirect("gradebook:homeroom_correction", found.pk)
        found = selectors.homeroom_correction_for(actor=request.user, pk=pk)
    now = hc.current_value(hc.target_of(found))
    return render(request, "gradebook/homeroom/correction_detail.html", {
        "req": found, "form": form, "old": homeroom_values.display(found.field, found.old_value),
        "new": homeroom_values.display(found.field, found.new_value), "now": homeroom_values.display(found.field, now),
        "stale": found.is_open and now != found.old_value, "period": homeroom_values.period_label(found),
        "may_decide": found.is_open and policy.may_decide(request.user, found),
        "history": found.history.select_related("history_user").order_by("-history_date"),
    }, status=status if not form.errors or status == 403 else 400)


@login_required
@require_GET
def homeroom_correction_evidence(request, pk: int):
    found = selectors.homeroom_correction_for(actor=request.user, pk=pk)
    return FileResponse(found.evidence.open("rb"), content_type=found.evidence_type, filename=found.evidence_name)
