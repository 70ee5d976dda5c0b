"""Correction request pages: file one from the grid, the principal's queue, one request and its decision, the log.

Each view checks access through gradebook.corrections.selectors (reads) or
gradebook.corrections.services (writes, which check again); another school's request is a 404.
The minutes and the monthly log's PDF are printed by the archive (archive.views), which these pages link to.
"""

import datetime
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradebook import entry, policy
from gradebook.corrections import delegation as delegations
from gradebook.corrections import selectors
from gradebook.corrections import services as corrections
from gradebook.corrections.forms import DecisionForm, DelegationForm, RevokeForm
from gradebook.lookups import assignment_for_scores, check_term, term_for
from gradebook.models import CorrectionRequest, DecisionDelegation, Score, column_label
from gradebook.scores.selectors import grid
from schoolrecords.forms import apply_service_errors, errors_by_field
from schoolrecords.permissions import user_school, wall
from schoolrecords.selectors import current_year
from schoolrecords.sessions import entry_session
from schoolrecords.signals import log_refusal
from schoolrecords.text import download_name


def _parse_cell(key: str) -> tuple[int, str, int] | None:
    """ "enrolment:kind:index" as the grid's checkboxes send it."""
    parts = key.split(":")
    if len(parts) != 3 or not parts[0].isdecimal() or not parts[2].isdecimal() or parts[1] not in Score.Kind.values:
        return None
    return int(parts[0]), parts[1], int(parts[2])


@login_required
@require_http_methods(["GET", "POST"])
def correction_new(request, assignment_id: int, term: int):
    """The form for recorded or locked cells picked in the grid (or typed over there): a re-entry or a request."""
    term_obj = term_for(assignment_id, term)
    assignment = assignment_for_scores(assignment_id)
    check_term(assignment, term_obj)
    wall(request.user, assignment, policy.TEACH)  # another school's assignment is a 404, not a 403
    if not policy.is_assigned_teacher(request.user, assignment):
        raise PermissionDenied(_("Only the teacher assigned to this class and subject may ask for corrections."))
    data = request.POST if request.method == "POST" else request.GET
    keys = [key for key in dict.fromkeys(data.getlist("cell")) if _parse_cell(key)]
    grid_url = reverse("gradebook:grid", args=(assignment.pk, term_obj.number))
    if not keys:
        messages.error(request, _("Select the recorded or locked cells to change first (type over them or tick them "
                                  "in the grid)."))
        return redirect(grid_url)
    session = entry_session(request)
    result = grid(actor=request.user, assignment=assignment, term=term_obj,
                  enrolment_ids=sorted({_parse_cell(key)[0] for key in keys}), session=session)
    state = result.lock_state
    rows, kinds = [], set()
    for row in result.rows:
        student = entry.student(row.enrolment)
        for cell, column in zip(row.cells, result.entry_columns, strict=True):
            key = f"{row.enrolment.pk}:{cell.kind}:{cell.index}"
            if key in keys:
                kinds.add(cell.kind)
                verdict = state.judge(student, cell.kind, cell.index, row.records.get(column.key))
                rows.append({"key": key, "student": row.student, "number": row.number,
                             "column": column_label(cell.kind, cell.index), "old": cell.display,
                             "shown": data.get(f"old-{key}", cell.display) if request.method == "POST" else cell.display,
                             "new": data.get(f"new-{key}", ""), "why": verdict.text(_)})
    errors: dict = {}
    if request.method == "POST":
        changes = [corrections.ChangeInput(*_parse_cell(row["key"]), text=row["new"], shown=row["shown"])
                   for row in rows]
        try:
            created = corrections.correction_submit(actor=request.user, assignment=assignment, term=term_obj,
                                                    changes=changes, reason=request.POST.get("reason", ""),
                                                    files=request.FILES.getlist("evidence"), session=session,
                                                    examiner=request.POST.get("examiner", ""))
        except ValidationError as error:
            errors = errors_by_field(error, default_field="cells")
        else:
            if created.status == CorrectionRequest.Status.APPLIED:
                messages.success(request, _("Re-entry no. %(number)s applied: the new values are in the grid and in "
                                            "the correction log.") % {"number": created.pk})
            else:
                messages.success(request, _("Request no. %(number)s sent to the leadership.") % {
                    "number": created.pk})
            return redirect("gradebook:correction", created.pk)
    return render(request, "gradebook/corrections/new.html", {
        "assignment": assignment, "term": term_obj, "rows": rows, "errors": errors, "grid_url": grid_url,
        "reason": request.POST.get("reason", ""), "examiner": request.POST.get("examiner", ""),
        "needs_examiner": bool(kinds & {Score.Kind.MIDTERM, Score.Kind.FINAL}),
        "max_mb": corrections.MAX_EVIDENCE_BYTES // (1024 * 1024),
    })


@login_required
@require_GET
def correction_list(request):
    """The queue (and recent decisions) for the leadership and the board; a teacher's own requests otherwise.

    The principal and a delegated vice principal see which requests are theirs to decide.
    """
    if policy.reads_corrections(request.user):
        waiting = selectors.queue(actor=request.user)
        done = selectors.decided(actor=request.user)
        for req in waiting:
            req.yours = req.status == req.Status.PENDING and policy.may_decide(request.user, req)
        context = {"waiting": waiting, "done": done, "current": selectors.with_current_values(waiting),
                   "leader": True, "is_principal": policy.is_principal(request.user)}
    else:
        context = {"own": selectors.own_requests(actor=request.user), "leader": False}
    return render(request, "gradebook/corrections/list.html", context)


DECISIONS = ("approve", "reject", "ask_info")


def _decide(request, found, form: DecisionForm, action: str) -> None:
    """Call the decision's service with the form's values; ValidationError and PermissionDenied go to the caller."""
    data = form.cleaned_data
    note = data["note"]
    if action == "approve":
        corrections.correction_approve(actor=request.user, request=found, note=note, witness=data["witness"],
                                       place=data["place"])
    elif action == "reject":
        corrections.correction_reject(actor=request.user, request=found, note=note)
    else:
        corrections.correction_ask_info(actor=request.user, request=found, note=note)


@login_required
@require_http_methods(["GET", "POST"])
def correction_detail(request, pk: int):
    """One request; the principal (or the delegated vice principal) decides here, the teacher resubmits or withdraws.

    A refused decision (a request already decided, a delegation that ended, a missing witness) shows
    its message at its field of the decision form, and nothing changes.
    """
    found = selectors.request_for(actor=request.user, pk=pk)
    school = user_school(request.user) or found.school_class.year.school
    place = corrections.default_minutes_place(found.school_class.year.school)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = DecisionForm(request.POST if action in DECISIONS else None, school=school, initial={"place": place})
    error, status = "", 200
    if request.method == "POST":
        note = request.POST.get("note", "")
        try:
            if action in DECISIONS:
                if form.is_valid():
                    _decide(request, found, form, action)
            elif action == "resubmit":
                corrections.correction_resubmit(actor=request.user, request=found, note=note,
                                                files=request.FILES.getlist("evidence"))
            elif action == "withdraw":
                corrections.correction_withdraw(actor=request.user, request=found, note=note)
            else:
                raise ValidationError(_("Unknown action."))
        except PermissionDenied as refusal:
            if action not in DECISIONS:
                raise
            # Shown on the request's page, at the decision, and logged as the site's 403 page logs it.
            log_refusal(request, 403, str(refusal))
            form.add_error(None, str(refusal))
            status = 403
        except ValidationError as problem:
            if action in DECISIONS:
                apply_service_errors(form, problem)
            else:
                error = " ".join(problem.messages)
        else:
            if action not in DECISIONS or not form.errors:
                messages.success(request, _("Correction request no. %(number)s: %(action)s.") % {
                    "number": found.pk, "action": corrections.ACTION_LABELS[action]})
                return redirect("gradebook:correction", found.pk)
        found = selectors.request_for(actor=request.user, pk=pk)
    return render(request, "gradebook/corrections/detail.html", {
        "req": found, "changes": selectors.with_current_values([found])[found.pk], "error": error, "form": form,
        "may_decide": found.status == found.Status.PENDING and policy.may_decide(request.user, found),
        "is_requester": found.requested_by_id == request.user.pk,
        "history": found.history.select_related("history_user").order_by("-history_date"),
        "max_mb": corrections.MAX_EVIDENCE_BYTES // (1024 * 1024),
    }, status=status)


@login_required
@require_GET
def correction_evidence(request, pk: int, evidence_id: int):
    found = selectors.request_for(actor=request.user, pk=pk)
    evidence = next((item for item in found.evidence.all() if item.pk == evidence_id), None)
    if evidence is None:
        raise Http404
    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                        filename=download_name(evidence.original_name, evidence.content_type), as_attachment=False)


# --- delegations (the principal) -------------------------------------------------------------------


def _year(request):
    year = current_year(user_school(request.user))
    if year is None:
        raise Http404
    return year


@login_required
@require_http_methods(["GET", "POST"])
def delegation_list(request):
    """The principal delegates deciding correction requests of the current year to a vice principal, or revokes it.

    The leadership and the board read the list; only the principal changes it.
    """
    year = _year(request)
    rows = selectors.delegations(actor=request.user, year=year)
    is_principal = policy.is_principal(request.user)
    today = timezone.localdate()
    start = min(max(today, year.start_date), year.end_date)
    form = DelegationForm(request.POST if request.method == "POST" else None, school=year.school,
                          initial={"starts_on": start})
    if request.method == "POST":
        policy.require_principal(request.user, year)
        if form.is_valid():
            data = form.cleaned_data
            try:
                granted = delegations.delegation_grant(actor=request.user, year=year, delegate=data["delegate"],
                                                       starts_on=data["starts_on"], ends_on=data["ends_on"],
                                                       note=data["note"])
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s now decides correction requests of %(year)s.") % {
                    "name": granted.delegate.profile.full_name, "year": year.name})
                return redirect("gradebook:delegations")
    for row in rows:
        row.in_force = row.is_active_on(today)
    return render(request, "gradebook/corrections/delegations.html", {
        "year": year, "rows": rows, "form": form, "is_principal": is_principal,
        "revoke_form": RevokeForm(),
        "history": DecisionDelegation.history.filter(year=year).select_related("history_user__profile")
        .order_by("-history_date")[:50],
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def delegation_revoke(request, pk: int):
    found = selectors.delegation_for(actor=request.user, pk=pk)
    policy.require_principal(request.user, found.year)
    form = RevokeForm(request.POST)
    problem = ""
    if form.is_valid():
        try:
            delegations.delegation_revoke(actor=request.user, delegation=found, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            problem = " ".join(error.messages)
    else:
        problem = " ".join(message for errors in form.errors.values() for message in errors)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Delegation revoked."))
    return redirect("gradebook:delegations")


# --- the correction log (seed 000 art. 8.6) -------------------------------------------------------------


def _log_month(request) -> tuple[datetime.date, str]:
    """The month asked for (?month=2025-10, as <input type=month> sends it, or 10/2025), else this month.

    A month that cannot be read is this month, with the message to show.
    """
    text = request.GET.get("month", "").strip()
    today = timezone.localdate()
    if not text:
        return today.replace(day=1), ""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4})", text)
    if match:
        year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
        if 2000 <= int(year) <= 2100 and 1 <= int(month) <= 12:
            return datetime.date(int(year), int(month), 1), ""
    return today.replace(day=1), _("“%(text)s” is not a month: type it as 10/2025. This month is shown.") % {
        "text": text}


def _month_query(month: datetime.date) -> str:
    return f"?month={month:%Y-%m}"


def _log_page(request, *, month: datetime.date, error: str, choices=None, log=None, overview=None,
              pdf_url: str = ""):
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month + datetime.timedelta(days=31)).replace(day=1)
    return render(request, "gradebook/corrections/log.html", {
        "log": log, "overview": overview, "choices": choices or selectors.log_choices(actor=request.user),
        "month": month, "error": error, "pdf_url": pdf_url,
        "previous_url": request.path + _month_query(previous), "next_url": request.path + _month_query(following),
    })


@login_required
@require_GET
def correction_log(request):
    """The log's first page: the month's changes per department and teacher, with the pickers.

    The picker's choice (?of=teacher-12 or department-3) leads to that log; who reads only their own
    log goes straight to it.
    """
    month, error = _log_month(request)
    choices = selectors.log_choices(actor=request.user)
    match = re.fullmatch(r"(teacher|department)-(\d+)", request.GET.get("of", ""))
    target = ""
    if match:
        name = "gradebook:correction_log_teacher" if match[1] == "teacher" else "gradebook:correction_log_department"
        target = reverse(name, args=(int(match[2]),))
    elif choices.own_only:
        target = reverse("gradebook:correction_log_teacher", args=(request.user.pk,))
    if target:  # the month as typed, so that page says what was wrong with it
        return redirect(f"{target}?{urlencode({'month': request.GET.get('month', '').strip() or f'{month:%Y-%m}'})}")
    overview = selectors.log_overview(actor=request.user, choices=choices, year=month.year, month=month.month)
    return _log_page(request, month=month, error=error, choices=choices, overview=overview)


@login_required
@require_GET
def correction_log_teacher(request, user_id: int):
    month, error = _log_month(request)
    log = selectors.teacher_log(actor=request.user, teacher_id=user_id, year=month.year, month=month.month)
    return _log_page(request, month=month, error=error, log=log,
                     pdf_url=reverse("archive:correction_log", args=(user_id, month.year, month.month)))


@login_required
@require_GET
def correction_log_department(request, department_id: int):
    month, error = _log_month(request)
    log = selectors.department_log(actor=request.user, department_id=department_id, year=month.year,
                                   month=month.month)
    return _log_page(request, month=month, error=error, log=log,
                     pdf_url=reverse("archive:department_correction_log",
                                     args=(department_id, month.year, month.month)))
