"""The remarks sheet of an assignment's term or year, and the comment bank's pages.

The assignment is looked up through the selector, which checks the reader's right (another
school's is a 404); the services check the writer's. A pasted column is previewed (laid onto the
boxes, not saved); "Save" saves every box at once, all or nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gradebook import policy
from gradebook.remarks import forms as f
from gradebook.remarks import selectors, services
from gradebook.results.views import period_tabs
from schoolrecords.forms import apply_service_errors


@login_required
@require_http_methods(["GET", "POST"])
def remarks(request, assignment_id: int, period: int):
    sheet = selectors.remark_sheet(actor=request.user, assignment=assignment_id, number=period)
    form, pasted, dirty, status = f.RemarksForm(sheet=sheet), None, False, 200
    if request.method == "POST":
        policy.require_teacher(request.user, sheet.assignment)
        if request.POST.get("action") == "paste":
            data, pasted, filled = f.with_pasted_column(request.POST, sheet)
            form = f.RemarksForm(data, sheet=sheet)
            form.is_valid()  # shows a pasted line that is too long at its row
            form.pasted_lines = filled
            dirty = bool(filled)
            for message in pasted.messages:
                messages.warning(request, message.text(_))
            if filled:
                messages.info(request, _("The pasted lines are in the boxes below, not saved yet: check them, then "
                                         "save."))
        else:
            form = f.RemarksForm(request.POST, sheet=sheet)
            if form.is_valid():
                try:
                    changed = services.subject_remarks_save(actor=request.user, assignment=sheet.assignment,
                                                            term=sheet.term, texts=form.texts(),
                                                            reason=request.POST.get("reason", ""))
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    messages.success(request, _("Saved: %(count)s changes.") % {"count": changed} if changed
                                     else _("Nothing has changed."))
                    return redirect("gradebook:remarks", assignment_id=sheet.assignment.pk, period=period)
            messages.error(request, _("Nothing was saved: correct the entries marked in red."))
            dirty, status = True, 400
    return render(request, "gradebook/remarks/sheet.html", {
        "sheet": sheet, "assignment": sheet.assignment, "form": form, "pasted": pasted, "dirty": dirty,
        "tabs": period_tabs(period),
    }, status=status)


def _phrase_form(request, data=None, **kwargs) -> f.PhraseForm:
    return f.PhraseForm(data, subjects=selectors.school_subjects(request.user),
                        keeps_school=policy.keeps_school_phrases(request.user), **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def phrases(request):
    policy.require_phrase_bank(request.user)
    form = _phrase_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phrase_create(actor=request.user, text=form.cleaned_data["text"], subject=form.chosen_subject,
                                   for_school=form.cleaned_data.get("for_school", False))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Phrase added."))
            return redirect("gradebook:remark_phrases")
    listed = selectors.phrases_for(request.user)
    return render(request, "gradebook/remarks/phrases.html", {
        "form": form, "keeps_school": policy.keeps_school_phrases(request.user),
        "school_phrases": [phrase for phrase in listed if phrase.is_school],
        "own_phrases": [phrase for phrase in listed if not phrase.is_school],
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def phrase(request, pk: int):
    found = selectors.phrase_for(request.user, pk)
    policy.require_phrase_editor(request.user, found)
    form = _phrase_form(request, request.POST if request.method == "POST" else None, editing=True,
                        initial={"text": found.text, "subject": found.subject_id})
    if request.method == "POST" and request.POST.get("action") == "delete":
        services.phrase_delete(actor=request.user, phrase=found)
        messages.success(request, _("Phrase deleted."))
        return redirect("gradebook:remark_phrases")
    if request.method == "POST" and form.is_valid():
        try:
            services.phrase_update(actor=request.user, phrase=found, text=form.cleaned_data["text"],
                                   subject=form.chosen_subject)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Phrase saved."))
            return redirect("gradebook:remark_phrases")
    return render(request, "gradebook/remarks/phrase.html", {"form": form, "phrase": found},
                  status=400 if form.errors else 200)
