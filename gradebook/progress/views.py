"""The pages of entry progress: who is behind (with the reminders), a teacher's dismissal, the monthly records."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gradebook.results import selectors as results_selectors
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import user_school

from . import selectors, services
from .forms import ReminderAllForm, ReminderForm


def _number(value) -> int | None:
    return int(value) if value in ("1", "2") else None


def _page(request, report, *, all_form=None, status: int = 200):
    return render(request, "gradebook/progress/progress.html", {
        "progress": report, "behind": selectors.behind(report),
        "all_form": all_form or ReminderAllForm(initial={"term": report.term.number}),
        "reminder_form": ReminderForm(initial={"term": report.term.number}),
    }, status=status)


def _back(report) -> str:
    return reverse("gradebook:progress") + f"?term={report.term.number}#behind"


@login_required
def progress(request):
    report = results_selectors.progress(actor=request.user, number=_number(request.GET.get("term")))
    return _page(request, report)


@login_required
@require_POST
def progress_remind(request, user_id: int):
    """Remind one teacher of what they have not entered in the term."""
    teacher = selectors.staff_for(actor=request.user, pk=user_id)
    report = results_selectors.progress(actor=request.user, number=_number(request.POST.get("term")))
    form = ReminderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("message", [])) or _("The reminder was not sent."))
        return redirect(_back(report))
    try:
        reminder = services.reminder_send(actor=request.user, teacher=teacher, term_number=report.term.number,
                                          message=form.cleaned_data["message"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if reminder is None:
            messages.info(request, _("%(name)s has nothing left to enter this term: no reminder sent.")
                          % {"name": teacher.profile.full_name})
        else:
            messages.success(request, _("Reminder sent to %(name)s.") % {"name": teacher.profile.full_name})
    return redirect(_back(report))


@login_required
@require_POST
def progress_remind_all(request):
    """Remind every teacher whose completion is below the threshold."""
    report = results_selectors.progress(actor=request.user, number=_number(request.POST.get("term")))
    form = ReminderAllForm(request.POST)
    if form.is_valid():
        try:
            sent = services.reminders_send_below(
                actor=request.user, school=user_school(request.user), threshold=form.cleaned_data["threshold"],
                term_number=report.term.number, message=form.cleaned_data["message"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, ngettext("Reminder sent to %(count)s teacher.",
                                               "Reminders sent to %(count)s teachers.", len(sent))
                             % {"count": len(sent)})
            return redirect(_back(report))
    return _page(request, report, all_form=form, status=400)


@login_required
@require_POST
def reminder_dismiss(request, pk: int):
    """The teacher has read a reminder: it leaves their home page."""
    reminder = selectors.reminder_for(actor=request.user, pk=pk)
    services.reminder_dismiss(actor=request.user, reminder=reminder)
    if request.htmx:
        return render(request, "gradebook/progress/_dismissed.html")
    return redirect("home")


@login_required
def progress_records(request):
    """The months recorded this year, each printable for the leadership."""
    return render(request, "gradebook/progress/records.html", {"records": selectors.records(actor=request.user)})
