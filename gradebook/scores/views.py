"""The score grid pages: the grid itself, its JSON save, a cell's history, and the .xlsx export and import.

Every request goes through the gradebook's selectors and services, which check the permission
policy (gradebook.policy) and the entry rule (gradebook.entry) each time: reading for the grid, the history and the export,
writing for the save and the import. Another school's assignment is a 404.
"""

import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradebook import entry, lookups, policy
from gradebook.lookups import assignment_for_scores, check_term, term_for
from gradebook.models import PrimaryPoint, Score, column_label
from gradebook.rules import entry as entry_rules
from gradebook.scores import spreadsheet
from gradebook.scores.forms import GridImportForm, PayloadError, parse_save
from gradebook.scores.notes import column_notes
from gradebook.scores.selectors import (
    Cell,
    Column,
    Grid,
    Row,
    RowResult,
    format_row_result,
    grid,
    score_history,
)
from gradebook.scores.services import CellResult, scores_save
from schoolrecords import models as sm
from schoolrecords.permissions import user_school
from schoolrecords.sessions import entry_session
from schoolrecords.signals import log_refusal

IMPORT_SESSION_KEY = "gradebook_grid_import"


# --- the page ----------------------------------------------------------------------------------


@dataclass
class EntryView:
    column: Column
    cell: Cell
    editable: bool
    status_label: str  # for a make-up or a skipped make-up; "" for an ordinary result
    locked: bool = False  # closed by a window or locked (gradebook.windows): read-only with a lock mark
    pickable: bool = False  # the teacher may tick it for a correction request
    refusal: str = ""  # why the teacher may not type here (the entry rule's message), as the cell's tooltip
    recorded: str = ""  # a recorded result the teacher may type over only through a request: the rule's message


@dataclass
class RowView:
    row: Row
    entries: list[EntryView]
    results: list[tuple[str, str]]  # (column key, shown text) of the computed columns


def _rows(result: Grid) -> list[RowView]:
    entry_columns = result.entry_columns
    labels = {Score.Status.MADE_UP: Score.Status.MADE_UP.label, Score.Status.FORFEITED: Score.Status.FORFEITED.label}
    views = []
    for row in result.rows:
        student = entry.student(row.enrolment)
        entries = [EntryView(column, cell, allowed,  # the entry rule's answer, cell by cell
                             str(labels.get(cell.status, "")), locked=column.locked,
                             pickable=result.can_correct and result.lock_state.correctable(student, column.kind,
                                                                                           column.index),
                             refusal=row.refusals.get(column.key, "") if row.writable and column.writable else "",
                             recorded=row.recorded.get(column.key, ""))
                   for column, cell, allowed in zip(entry_columns, row.cells, row.open_cells, strict=True)]
        views.append(RowView(row=row, entries=entries,
                             results=_results(row, term_number=result.term.number,
                                              is_commented=result.is_commented != row.by_plan)))
    return views


def _results(row: Row | RowResult, *, term_number: int, is_commented: bool) -> list[tuple[str, str]]:
    """A row's computed cells as the grid shows them: the term's result, and in term II the year's."""
    shown = [("term", format_row_result(row.term_result, is_commented=is_commented))]
    if term_number == 2:
        shown.append(("year", format_row_result(row.year_result, is_commented=is_commented)))
    return shown


def _teacher_name(assignment: sm.TeachingAssignment) -> str:
    name = sm.StaffProfile.objects.filter(user_id=assignment.teacher_id).values_list("full_name", flat=True).first()
    return name or ""


@login_required
@require_GET
def grid_page(request, assignment_id: int, term: int):
    try:
        result = grid(actor=request.user, assignment=assignment_id, term=term_for(assignment_id, term),
                      session=entry_session(request))
    except lookups.PrimaryAssignment as error:  # a TT27 class: say where its levels are entered
        log_refusal(request, 404, error.message)
        return render(request, "gradebook/primary_not_here.html", {"message": error.message,
                                                                    "assignment": error.assignment,
                                                                    "points": PrimaryPoint.choices}, status=404)
    notes = column_notes(result)
    return render(request, "gradebook/grid.html", {
        "grid": result,
        "headers": notes,
        "notes": [note for note in notes if note.text],
        "sheet_refusal": _sheet_refusal(result),
        "assignment": result.assignment,
        "term": result.term,
        "rows": _rows(result),
        "teacher_name": _teacher_name(result.assignment),
        "legend": _legend(result),
        "studying": sum(1 for row in result.rows if not row.has_left),
        "config": _config(request, result),
    })


def _sheet_refusal(result: Grid) -> str:
    """Why the teacher may write nothing in this sheet (approved results, the book lock, closed windows), or ""."""
    state = result.lock_state
    if state is None or not state.facts.is_teacher:
        return state.whole_refusal if state is not None else ""
    return entry_rules.sheet(state.facts).text(_)


def _legend(result: Grid) -> list[tuple[str, str]]:
    regular = [column for column in result.entry_columns if column.kind == Score.Kind.REGULAR]
    legend = []
    if regular:
        legend.append((f"{regular[0].label}…{regular[-1].label}" if len(regular) > 1 else regular[0].label,
                       _("regular assessments")))
    legend += [(column.label, column.title) for column in result.columns if column.kind != Score.Kind.REGULAR]
    return legend


def _config(request, result: Grid) -> dict:
    """What the grid's script needs: its URLs and its messages, translated here (the script has no catalogue)."""
    args = (result.assignment.pk, result.term.number)
    return {
        "saveUrl": reverse("gradebook:grid_save", args=args),
        "historyUrl": reverse("gradebook:grid_history", args=args),
        "correctionUrl": reverse("gradebook:correction_new", args=args),
        "commented": result.is_commented,
        # The browser keeps unconfirmed changes per user and grid (localStorage), never another's.
        "userId": request.user.pk,
        "gridKey": f"{result.assignment.pk}-{result.term.number}",
        "messages": {
            "saving": _("Saving…"),
            "saved": _("All changes saved."),
            "pending": _("Changes waiting to be saved…"),
            "problems": _("Cells not saved: %(count)s. Correct them or press Esc to undo."),
            "network": _("No connection: kept in this browser and sent again by itself."),
            "waiting": _("%(count)s cells wait for the connection: they are kept in this browser and sent "
                         "again by themselves. Nothing needs typing again."),
            "session": _("Your session has ended: kept in this browser. Log in again in another tab."),
            "sessionWaiting": _("Your session has ended: %(count)s cells are kept in this browser. Log in "
                                "again in another tab; they are then sent by themselves."),
            "server": _("The server could not save this yet: kept in this browser and sent again by itself."),
            "serverWaiting": _("The server could not save %(count)s cells yet: they are kept in this browser "
                               "and sent again in a moment."),
            "offer": _("%(count)s scores typed earlier in this browser were not saved."),
            "offerElsewhere": _("this cell can no longer be typed here"),
            "storedCell": _("Typed earlier and not saved yet: send or discard it above the grid."),
            "retry": _("Retry"),
            "useCurrent": _("Show the current value"),
            "pasteRows": _("Not pasted: rows %(rows)s of the copied block, below the last student (%(student)s)."),
            "pasteColumns": _("Not pasted: columns %(columns)s of the copied block, right of the last column "
                              "(%(column)s)."),
            "pasteLocked": _("Not pasted: %(count)s values that fell on cells which cannot be typed in (locked, "
                             "read only or a student who left)."),
            "leave": _("Some scores are not saved yet."),
            "historyFailed": _("The history could not be loaded."),
            "chooseCell": _("Select a cell first, then open its history."),
            "reentry": _("Re-enter with a reason and evidence"),
            "correction": _("File a correction request"),
            "requestAll": _("Send these %(count)s recorded scores with a reason and evidence"),
        },
    }


# --- saving ------------------------------------------------------------------------------------


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def grid_save(request, assignment_id: int, term: int):
    """Save a block of cells; answers per-cell outcomes and the recomputed averages of the rows touched."""
    if not request.user.is_authenticated:
        return _json_error(_("Your session has ended. Log in again in another tab, then press Retry."), 401)
    term_obj = term_for(assignment_id, term)
    try:
        payload = parse_save(request.body)
        saved = scores_save(actor=request.user, assignment=assignment_id, term=term_obj, cells=payload.cells,
                            reason=payload.reason, session=entry_session(request))
    except PayloadError as error:
        return _json_error(str(error), 400)
    except PermissionDenied as error:
        log_refusal(request, 403, str(error))
        return _json_error(str(error) or _("You do not have permission to do this."), 403)
    except ValidationError as error:
        return _json_error(" ".join(error.messages), 400)
    rows = [{"enrolment": row.enrolment_id,
             **dict(_results(row, term_number=term_obj.number,
                             is_commented=saved.is_commented if row.is_commented is None else row.is_commented))}
            for row in saved.rows]
    return JsonResponse({"cells": [_cell_json(cell) for cell in saved.cells], "rows": rows})


def _cell_json(cell: CellResult) -> dict:
    return {
        "enrolment": cell.enrolment_id, "kind": cell.kind, "index": cell.index, "outcome": cell.outcome.value,
        "message": cell.message, "text": cell.display, "version": cell.version, "status": cell.status or "",
        "remedy": cell.remedy,
    }


# --- a cell's history ----------------------------------------------------------------------------


@login_required
@require_GET
def grid_history(request, assignment_id: int, term: int):
    """The history of one cell (?enrolment=<id>&column=tx1|…|gk|ck): a fragment for the grid's dialog."""
    term_obj = term_for(assignment_id, term)
    assignment = assignment_for_scores(assignment_id)
    check_term(assignment, term_obj)
    policy.require_read(request.user, assignment)
    kind, index = _slot(request.GET.get("column", ""))
    try:
        enrolment_id = int(request.GET.get("enrolment", ""))
    except ValueError:
        raise Http404 from None
    enrolment = (sm.Enrolment.objects.select_related("student")
                 .filter(pk=enrolment_id, school_class_id=assignment.school_class_id).first())
    if enrolment is None:
        raise Http404
    score = (Score.objects.filter(enrolment=enrolment, subject_id=assignment.subject_id, term=term_obj, kind=kind,
                                  index=index).only("pk").first())
    entries = score_history(actor=request.user, score=score) if score is not None else []
    context = {
        "assignment": assignment, "term": term_obj, "student": enrolment.student, "entries": entries,
        "column_label": column_label(kind, index), "status_choices": Score.Status.choices,
    }
    template = "gradebook/grid_history.html" if request.htmx else "gradebook/grid_history_page.html"
    return render(request, template, context)


def _slot(key: str) -> tuple[str, int]:
    if key in (Score.Kind.MIDTERM, Score.Kind.FINAL):
        return key, 1
    if key.startswith(Score.Kind.REGULAR) and key[2:].isdecimal() and 1 <= int(key[2:]) <= 4:
        return Score.Kind.REGULAR, int(key[2:])
    raise Http404


# --- export and import ---------------------------------------------------------------------------


@login_required
@require_GET
def grid_export(request, assignment_id: int, term: int):
    result = grid(actor=request.user, assignment=assignment_id, term=term_for(assignment_id, term))
    school = user_school(request.user)
    content = spreadsheet.export_grid(result, school_name=school.name if school else "",
                                      teacher_name=_teacher_name(result.assignment))
    response = HttpResponse(content, content_type=spreadsheet.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{spreadsheet.export_file_name(result)}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def grid_import(request, assignment_id: int, term: int):
    """Upload an exported file, preview what would change, and save on confirm (writers only)."""
    term_obj = term_for(assignment_id, term)
    assignment = assignment_for_scores(assignment_id)
    check_term(assignment, term_obj)
    try:
        required = lookups.regular_required(assignment)
    except lookups.NotStudied as error:
        policy.require_teacher(request.user, assignment)  # only its teacher learns why
        form = GridImportForm({}, {})
        form.is_valid()
        form.errors["file"] = form.error_class(error.messages)  # the file cannot help: the class is the reason
        return _import_page(request, assignment, term_obj, form)
    entry.writable_state(request.user, assignment, term_obj, regular_required=required)
    grid_url = reverse("gradebook:grid", args=(assignment.pk, term_obj.number))
    action = request.POST.get("action", "preview") if request.method == "POST" else ""
    if action == "cancel":
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.info(request, _("Import cancelled; nothing was saved."))
        return redirect(grid_url)
    if action == "confirm":
        return _confirm(request, assignment, term_obj, grid_url)
    form = GridImportForm(request.POST, request.FILES) if action == "preview" else GridImportForm()
    if action != "preview" or not form.is_valid():
        return _import_page(request, assignment, term_obj, form)
    result = grid(actor=request.user, assignment=assignment, term=term_obj, session=entry_session(request))
    try:
        plan = spreadsheet.plan_import(result, form.sheet)
    except spreadsheet.SpreadsheetError as error:
        form.add_error("file", str(error))
        return _import_page(request, assignment, term_obj, form)
    token = secrets.token_hex(16)
    request.session[IMPORT_SESSION_KEY] = {
        "token": token, "assignment": assignment.pk, "term": term_obj.pk, "file": form.file_name,
        "changes": plan.to_session(),
    }
    return _import_page(request, assignment, term_obj, GridImportForm(), plan=plan, token=token,
                        file_name=form.file_name)


def _confirm(request, assignment, term_obj, grid_url: str):
    pending = request.session.get(IMPORT_SESSION_KEY) or {}
    token = request.POST.get("token", "")
    if not (pending.get("token") and secrets.compare_digest(str(pending["token"]), token)
            and pending.get("assignment") == assignment.pk and pending.get("term") == term_obj.pk):
        messages.error(request, _("Upload the file and check its preview before confirming."))
        return redirect(reverse("gradebook:grid_import", args=(assignment.pk, term_obj.number)))
    changes = spreadsheet.ImportPlan.changes_from_session(pending["changes"])
    request.session.pop(IMPORT_SESSION_KEY, None)
    if not changes:
        messages.info(request, _("The file changes nothing in this grid."))
        return redirect(grid_url)
    result = spreadsheet.apply_import(actor=request.user, assignment=assignment, term=term_obj, changes=changes,
                                      file_name=pending["file"], session=entry_session(request))
    saved = len(result.saved)
    if result.ok:
        messages.success(request, _("Imported from %(file)s: %(count)s cells saved.") % {
            "file": pending["file"], "count": saved})
        return redirect(grid_url)
    by_slot = {(change.enrolment_id, change.kind, change.index): change for change in changes}
    problems = [(by_slot[cell.slot], cell) for cell in result.problems]
    return _import_page(request, assignment, term_obj, GridImportForm(), applied=saved, applied_problems=problems,
                        file_name=pending["file"])


def _import_page(request, assignment, term_obj, form, **extra):
    return render(request, "gradebook/grid_import.html", {
        "assignment": assignment, "term": term_obj, "form": form,
        "max_mb": spreadsheet.MAX_BYTES // (1024 * 1024),
        "grid_url": reverse("gradebook:grid", args=(assignment.pk, term_obj.number)),
        **extra,
    })
