"""Correction request pages: file one from the grid, the principal's queue, one request and its decision.

Each view checks access through gradebook.corrections.selectors (reads) or
gradebook.corrections.services (writes, which check again); another school's request is a 404.
The minutes and the monthly log are printed by the archive (archive.views), which these pages link to.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gradebook import entry, policy
from gradebook.corrections import selectors
from gradebook.corrections import services as corrections
from gradebook.lookups import assignment_for_scores, check_term, term_for
from gradebook.models import CorrectionRequest, Score, column_label
from gradebook.scores.selectors import grid
from schoolrecords.forms import errors_by_field
from schoolrecords.permissions import user_school, wall
from schoolrecords.sessions import entry_session


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
    """The principal's queue (and recent decisions) for leadership; a teacher's own requests otherwise."""
    if policy.reads_corrections(request.user):
        waiting = selectors.queue(actor=request.user)
        done = selectors.decided(actor=request.user)
        context = {"waiting": waiting, "done": done, "current": selectors.with_current_values(waiting),
                   "leader": True}
    else:
        context = {"own": selectors.own_requests(actor=request.user), "leader": False}
    return render(request, "gradebook/corrections/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def correction_detail(request, pk: int):
    """One request; the principal decides here, the teacher resubmits or withdraws."""
    found = selectors.request_for(actor=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        try:
            if action == "approve":
                witness = None
                if request.POST.get("witness"):
                    chosen = request.POST["witness"]
                    witness = selectors.board_members(user_school(request.user)).filter(
                        pk=chosen).first() if chosen.isdecimal() else None
                    if witness is None:
                        raise ValidationError(_("Choose a member of the admin board."))
                corrections.correction_approve(actor=request.user, request=found, note=note, witness=witness)
            elif action == "reject":
                corrections.correction_reject(actor=request.user, request=found, note=note)
            elif action == "ask_info":
                corrections.correction_ask_info(actor=request.user, request=found, note=note)
            elif action == "resubmit":
                corrections.correction_resubmit(actor=request.user, request=found, note=note,
                                                files=request.FILES.getlist("evidence"))
            elif action == "withdraw":
                corrections.correction_withdraw(actor=request.user, request=found, note=note)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("Correction request no. %(number)s: %(action)s.") % {
                "number": found.pk, "action": corrections.ACTION_LABELS[action]})
            return redirect("gradebook:correction", found.pk)
        found = selectors.request_for(actor=request.user, pk=pk)
    school = user_school(request.user)
    return render(request, "gradebook/corrections/detail.html", {
        "req": found, "changes": selectors.with_current_values([found])[found.pk], "error": error,
        "may_decide": found.status == found.Status.PENDING and policy.may_decide(request.user, found),
        "is_requester": found.requested_by_id == request.user.pk,
        "board": selectors.board_members(school) if school else [],
        "history": found.history.select_related("history_user").order_by("-history_date"),
        "max_mb": corrections.MAX_EVIDENCE_BYTES // (1024 * 1024),
    })


@login_required
@require_GET
def correction_evidence(request, pk: int, evidence_id: int):
    found = selectors.request_for(actor=request.user, pk=pk)
    evidence = next((item for item in found.evidence.all() if item.pk == evidence_id), None)
    if evidence is None:
        raise Http404
    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                        filename=evidence.original_name, as_attachment=False)
