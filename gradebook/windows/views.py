"""Entry window pages: the admin board's list of windows (create, close, reopen), locks, the book lock, deadlines,
and the principal's score change rules.

The services in gradebook.windows.services check every permission again; these views only choose what to show.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gradebook import policy
from gradebook.lookups import assignment_for_scores, check_term, term_for
from gradebook.models import EntrySettings, EntryWindow, Score, ScoreLock, TermSchedule, column_label
from gradebook.windows import services as locks
from gradebook.windows.forms import EntrySettingsForm, ScheduleForm, WindowForm
from gradebook.windows.selectors import column_fill, midterm_entry_deadline
from schoolrecords import models as sm
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import found_or_hidden, user_school


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
    if not policy.sees_windows(request.user):
        raise PermissionDenied(_("You do not have permission to see the entry windows."))
    year = _current_year(request.user)
    is_board = policy.may_set_up(request.user, year)
    form = WindowForm(request.POST if request.method == "POST" else None, year=year,
                      initial={"opens_at": timezone.localtime().strftime("%d/%m/%Y %H:%M")})
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
        "is_principal": policy.is_principal(request.user), "terms": terms, "book_locked": book_locked,
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
    """The teacher's "Khóa cột" button in the grid: a POST without ``confirm`` shows what locking means first."""
    term_obj = term_for(assignment_id, term)
    assignment = assignment_for_scores(assignment_id)
    check_term(assignment, term_obj)
    column = request.POST.get("column", "")
    kind, number = column[:2], column[2:]
    try:
        if number and not number.isdecimal():  # "tx²" is no column, not ĐĐGtx1
            raise ValidationError(_("Unknown column."))
        index = int(number) if number else 1
        if request.POST.get("confirm") != "1":
            policy.require_teacher(request.user, assignment)
            locks.check_column(assignment, kind, index)
            return render(request, "gradebook/windows/column_lock_confirm.html", {
                "assignment": assignment, "term": term_obj, "column": column, "label": column_label(kind, index),
                "fill": column_fill(assignment, term_obj, kind=kind, index=index),
            })
        locks.column_lock(actor=request.user, assignment=assignment, term=term_obj, kind=kind, index=index)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Column locked. A change now needs a correction request."))
    return redirect("gradebook:grid", assignment.pk, term_obj.number)


# --- deadlines -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def deadlines(request):
    """The vice principal's dashboard: what is still missing as the mid-term entry deadline approaches.

    The admin board sets each term's test dates and deadline days here.
    """
    if not policy.sees_windows(request.user):
        raise PermissionDenied(_("You do not have permission to see this page."))
    year = _current_year(request.user)
    today = timezone.localdate()
    rows = []
    schedules = {s.term_id: s for s in TermSchedule.objects.filter(term__year=year)}
    can_set = policy.may_set_up(request.user, year)
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
    assignments = list(sm.TeachingAssignment.objects.filter(year=year, end_date__isnull=True,
                                                                   state=sm.TeachingAssignment.State.CONFIRMED)
                       .select_related("school_class", "subject", "teacher__profile")
                       .annotate(students=Count("school_class__enrolments", filter=Q(
                           school_class__enrolments__status=sm.Enrolment.Status.STUDYING), distinct=True))
                       .order_by("school_class__grade", "school_class__name", "subject__name"))
    for term in terms:
        schedule = schedules.get(term.pk)
        deadline = midterm_entry_deadline(schedule)
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



# --- the score change rules (the principal) -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def entry_settings(request):
    """The school's rules for changing recorded scores: the principal sets them, the leadership and the board read."""
    if not policy.sees_windows(request.user):
        raise PermissionDenied(_("You do not have permission to see this page."))
    school = user_school(request.user)
    if school is None:
        raise Http404
    current = EntrySettings.for_school(school.pk)
    can_set = policy.is_principal(request.user)
    form = EntrySettingsForm(request.POST if request.method == "POST" else None, initial={
        "regular_deadline": current.regular_deadline, "reentry_needs_approval": current.reentry_needs_approval,
        "test_correction_days": current.test_correction_days})
    if request.method == "POST":
        policy.require_principal(request.user, school)
        if form.is_valid():
            data = form.cleaned_data
            try:
                locks.entry_settings_save(actor=request.user, school=school, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The score change rules are saved."))
                return redirect("gradebook:entry_settings")
    history = EntrySettings.history.filter(school=school).select_related("history_user__profile").order_by(
        "-history_date")[:50]
    return render(request, "gradebook/windows/entry_settings.html", {
        "form": form, "current": current, "can_set": can_set, "history": history,
    }, status=400 if form.errors else 200)
