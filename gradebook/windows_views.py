"""Entry window pages: the admin board's list of windows (create, close, reopen), locks, the book lock, deadlines.

The services in gradebook.locks check every permission again; these views only choose what to show.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import allowed, found_or_hidden, has_role, user_school

from . import locks
from .grid_views import _term
from .models import EntryWindow, Score, ScoreLock, TermSchedule
from .selectors import assignment_for_scores, check_term

WINDOW_VIEWERS = (roles.ADMIN_BOARD, roles.PRINCIPAL, roles.VICE_PRINCIPAL)
REACH = datetime.timedelta(days=366)  # how far from its school year a window or a test date may lie


def check_near_year(value, year: sm.SchoolYear):
    """``value`` (a date or datetime) if it lies within a year of ``year``, else ValidationError.

    A mistyped year (01/01/0001, 31/12/9999) would otherwise be saved and break every page that
    computes a deadline from it, or that reads the window back.
    """
    day = value.date() if isinstance(value, datetime.datetime) else value  # a form's datetime is local already
    start, end = year.start_date - REACH, year.end_date + REACH
    if value is not None and not start <= day <= end:
        raise ValidationError(_("Choose a date between %(start)s and %(end)s (the school year %(year)s, give or take "
                                "a year).") % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y"),
                                              "year": year.name})
    return value


class WindowForm(forms.Form):
    term = forms.ModelChoiceField(queryset=sm.Term.objects.none(), label=gettext_lazy("Term"))
    kind = forms.ChoiceField(choices=[("", gettext_lazy("Every column"))] + list(Score.Kind.choices), required=False,
                             label=gettext_lazy("Columns"))
    grade = forms.TypedChoiceField(choices=[("", "—")] + [(g, str(g)) for g in range(6, 10)], coerce=int,
                                   empty_value=None, required=False, label=gettext_lazy("Grade"))
    school_class = forms.ModelChoiceField(queryset=sm.SchoolClass.objects.none(), required=False,
                                          label=gettext_lazy("Class"))
    subject = forms.ModelChoiceField(queryset=sm.Subject.objects.none(), required=False, label=gettext_lazy("Subject"))
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens at"), input_formats=["%d/%m/%Y %H:%M", "%d/%m/%Y",
                                                                                   "%Y-%m-%dT%H:%M"],
                                   help_text=gettext_lazy("dd/mm/yyyy hh:mm"))
    closes_at = forms.DateTimeField(label=gettext_lazy("Closes at"), required=False,
                                    input_formats=["%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M"],
                                    help_text=gettext_lazy("Empty: open until closed by hand."))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=255)

    def __init__(self, *args, year: sm.SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["term"].queryset = sm.Term.objects.filter(year=year).select_related("year")
        self.fields["school_class"].queryset = sm.SchoolClass.objects.filter(year=year).order_by("grade", "name")
        self.fields["subject"].queryset = sm.Subject.objects.filter(school_id=year.school_id).order_by("name")

    def clean_opens_at(self):
        return check_near_year(self.cleaned_data["opens_at"], self.year)

    def clean_closes_at(self):
        return check_near_year(self.cleaned_data["closes_at"], self.year)

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("A window must close after it opens."))
        return data


def _current_year(user) -> sm.SchoolYear:
    school = user_school(user)
    year = sm.SchoolYear.objects.filter(school=school, is_current=True).first() if school else None
    if year is None:
        raise Http404
    return year


@login_required
@require_http_methods(["GET", "POST"])
def window_list(request):
    """Every window of the current year with its state; the board creates one here (audit history below)."""
    if not has_role(request.user, *WINDOW_VIEWERS):
        raise PermissionDenied(_("You do not have permission to see the entry windows."))
    year = _current_year(request.user)
    is_board = allowed(request.user, locks.SETUP, year)
    form = WindowForm(request.POST or None, year=year, initial={"opens_at": timezone.localtime().strftime(
        "%d/%m/%Y %H:%M")})
    if request.method == "POST":
        if not is_board:
            raise PermissionDenied(_("Only the admin board opens and closes entry windows."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                locks.window_create(actor=request.user, term=data["term"], kind=data["kind"] or "",
                                    grade=data["grade"], school_class=data["school_class"], subject=data["subject"],
                                    opens_at=data["opens_at"], closes_at=data["closes_at"], note=data["note"])
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Entry window created."))
                return redirect("gradebook:windows")
    now = timezone.now()
    windows = list(EntryWindow.objects.filter(term__year=year).select_related("term", "school_class", "subject",
                                                                              "created_by__profile")
                   .order_by("term__number", "-opens_at", "-pk"))
    for window in windows:
        window.open_now = window.is_open_at(now)
    active_locks = list(ScoreLock.objects.filter(term__year=year, unlocked_at__isnull=True)
                        .select_related("term", "school_class", "subject", "locked_by__profile")
                        .order_by("term__number", "school_class__name", "subject__name", "kind", "index"))
    terms = list(sm.Term.objects.filter(year=year).order_by("number"))
    book_locked = {lock.term_id for lock in active_locks if lock.is_book_lock}
    history = EntryWindow.history.filter(term__year=year).select_related("history_user__profile").order_by(
        "-history_date")[:50]
    return render(request, "gradebook/windows/list.html", {
        "year": year, "windows": windows, "locks": active_locks, "form": form, "is_board": is_board,
        "is_principal": has_role(request.user, roles.PRINCIPAL), "terms": terms, "book_locked": book_locked,
        "history": history,
    })


def _window(request, pk: int) -> EntryWindow:
    return found_or_hidden(EntryWindow.objects.filter(term__year__school=user_school(request.user)), request.user,
                           "windows", pk=pk)


@login_required
@require_POST
def window_close(request, pk: int):
    locks.window_close(actor=request.user, window=_window(request, pk), reason=request.POST.get("reason", ""))
    messages.success(request, _("Entry window closed."))
    return redirect("gradebook:windows")


@login_required
@require_POST
def window_reopen(request, pk: int):
    locks.window_reopen(actor=request.user, window=_window(request, pk), reason=request.POST.get("reason", ""))
    messages.success(request, _("Entry window reopened."))
    return redirect("gradebook:windows")


@login_required
@require_POST
def lock_lift(request, pk: int):
    lock = found_or_hidden(ScoreLock.objects.filter(term__year__school=user_school(request.user)), request.user,
                           "windows", pk=pk)
    try:
        locks.lock_lift(actor=request.user, lock=lock, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Lock lifted."))
    return redirect("gradebook:windows")


@login_required
@require_POST
def book_lock(request, term_id: int):
    term = found_or_hidden(sm.Term.objects.filter(year__school=user_school(request.user)), request.user,
                           "principal", pk=term_id)
    try:
        locks.book_lock(actor=request.user, term=term, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The score book of %(term)s is locked.") % {"term": term.get_number_display()})
    return redirect("gradebook:windows")


@login_required
@require_POST
def column_lock(request, assignment_id: int, term: int):
    """The teacher's "Khóa cột" button in the grid."""
    term_obj = _term(assignment_id, term)
    assignment = assignment_for_scores(assignment_id)
    check_term(assignment, term_obj)
    column = request.POST.get("column", "")
    kind, number = column[:2], column[2:]
    try:
        if number and not number.isdecimal():  # "tx²" is no column, not ĐĐGtx1
            raise ValidationError(_("Unknown column."))
        locks.column_lock(actor=request.user, assignment=assignment, term=term_obj, kind=kind,
                          index=int(number) if number else 1)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Column locked. A change now needs a correction request."))
    return redirect("gradebook:grid", assignment.pk, term_obj.number)


# --- deadlines -------------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    """A term's test dates and the school's deadline days around them."""

    midterm_test_on = forms.DateField(label=gettext_lazy("Mid-term test date"), required=False,
                                      input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                      widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
    final_test_on = forms.DateField(label=gettext_lazy("End-of-term test date"), required=False,
                                    input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                    widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
    midterm_entry_days = forms.IntegerField(label=gettext_lazy("Days to enter mid-term scores after the test"),
                                            min_value=1, max_value=60, initial=14)
    regular_correction_days = forms.IntegerField(
        label=gettext_lazy("Regular scores may be corrected until this many days before the end-of-term test"),
        min_value=0, max_value=60, initial=7)

    def __init__(self, *args, year: sm.SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_midterm_test_on(self):
        return check_near_year(self.cleaned_data["midterm_test_on"], self.year)

    def clean_final_test_on(self):
        return check_near_year(self.cleaned_data["final_test_on"], self.year)


@login_required
@require_http_methods(["GET", "POST"])
def deadlines(request):
    """The vice principal's dashboard: what is still missing as the mid-term entry deadline approaches.

    The admin board sets each term's test dates and deadline days here.
    """
    if not has_role(request.user, *WINDOW_VIEWERS):
        raise PermissionDenied(_("You do not have permission to see this page."))
    year = _current_year(request.user)
    today = timezone.localdate()
    rows = []
    schedules = {s.term_id: s for s in TermSchedule.objects.filter(term__year=year)}
    can_set = allowed(request.user, locks.SETUP, year)
    terms = list(sm.Term.objects.filter(year=year).order_by("number"))
    schedule_forms = []
    for term in terms:
        current = schedules.get(term.pk)
        initial = ({"midterm_test_on": current.midterm_test_on, "final_test_on": current.final_test_on,
                    "midterm_entry_days": current.midterm_entry_days,
                    "regular_correction_days": current.regular_correction_days} if current else None)
        bound = request.method == "POST" and request.POST.get("term") == str(term.pk)
        schedule_forms.append((term, ScheduleForm(request.POST if bound else None, prefix=f"t{term.pk}", year=year,
                                                  initial=initial)))
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied(_("Only the admin board sets the test dates and deadlines."))
        for term, form in schedule_forms:
            if form.is_bound and form.is_valid():
                try:
                    locks.schedule_save(actor=request.user, term=term, **form.cleaned_data)
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    messages.success(request, _("Test dates and deadlines saved."))
                    return redirect("gradebook:deadlines")
    assignments = list(sm.TeachingAssignment.objects.filter(year=year, end_date__isnull=True)
                       .select_related("school_class", "subject", "teacher__profile")
                       .annotate(students=Count("school_class__enrolments", filter=Q(
                           school_class__enrolments__status=sm.Enrolment.Status.STUDYING), distinct=True))
                       .order_by("school_class__grade", "school_class__name", "subject__name"))
    for term in terms:
        schedule = schedules.get(term.pk)
        deadline = locks.midterm_entry_deadline(schedule)
        if deadline is None:
            continue
        entered = {(row["enrolment__school_class_id"], row["subject_id"]): row["n"] for row in
                   Score.objects.filter(term=term, kind=Score.Kind.MIDTERM).exclude(value__isnull=True,
                                                                                     comment_passed__isnull=True)
                   .values("enrolment__school_class_id", "subject_id").annotate(n=Count("pk")).order_by()}
        for assignment in assignments:
            missing = assignment.students - entered.get((assignment.school_class_id, assignment.subject_id), 0)
            if missing > 0:
                rows.append({"term": term, "assignment": assignment, "missing": missing, "deadline": deadline,
                             "days_left": (deadline - today).days})
    rows.sort(key=lambda row: row["days_left"])
    return render(request, "gradebook/windows/deadlines.html", {"rows": rows, "year": year,
                                                                "schedules": schedules.values(),
                                                                "schedule_forms": schedule_forms,
                                                                "can_set": can_set})

