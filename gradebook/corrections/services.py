"""Re-entries and correction requests (Phiếu đề nghị sửa điểm): how a recorded score changes.

A request asks for cells the entry rule (gradebook.rules.entry) does not let the teacher type:
recorded results (entered in a login session that has ended), and cells of closed or locked
columns or of approved results. Its *kind* follows the rule's remedy for every cell: a
*re-entry* when each cell is a recorded regular score before its deadline (seed 003 §5), which
applies at once or waits for the leadership as the school's EntrySettings say (default: waits,
seed 000 art. 8.3); a *correction* otherwise (mid- and end-of-term scores, with the examiner's
confirmation; anything after its deadline, marked *late*; locked columns; approved results).
Evidence (scanned test paper, personal score book, the class's confirmation for oral scores) and
a reason are always required.

The state machine (TRANSITIONS): a request is *pending* when filed (or *applied*, final, for a
re-entry the school lets apply at once); the leadership approves it, rejects it (with a reason)
or asks for more information (*needs_info*); the teacher then resubmits it (back to pending,
with more evidence) or withdraws it. Approved, rejected and withdrawn are final. Nobody decides
their own request. Applying writes the new values in the same transaction through the one score
writer (gradebook.scores.writer), with the request as the history reason, and only if every cell
still holds the value it had when the teacher asked: otherwise nothing changes and the conflicting
cells are shown. It announces gradebook.signals.correction_applied once committed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gradebook import entry, lookups, policy, signals
from gradebook.corrections.minutes import next_minutes_number
from gradebook.models import (
    CorrectionChange,
    CorrectionEvidence,
    CorrectionRequest,
    Score,
    column_label,
)
from gradebook.results.services import approval_reopen
from gradebook.rules import entry as entry_rules
from gradebook.rules import tt22
from gradebook.rules.entry import Remedy
from gradebook.scores import writer
from schoolrecords import models as sm
from schoolrecords.permissions import same_school
from schoolrecords.services import record
from schoolrecords.text import extensions_of, name_matches_type

Status = CorrectionRequest.Status
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10
MAX_CELLS = 100
MAX_TEXT = 2000  # the reason and the principal's note; a TextField's max_length is not checked by full_clean
MAX_EXAMINER = CorrectionRequest._meta.get_field("examiner").max_length

# action -> the states it may start from, and the state it leads to
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({Status.PENDING}), Status.APPROVED),
    "reject": (frozenset({Status.PENDING}), Status.REJECTED),
    "ask_info": (frozenset({Status.PENDING}), Status.NEEDS_INFO),
    "resubmit": (frozenset({Status.NEEDS_INFO}), Status.PENDING),
    "withdraw": (frozenset({Status.PENDING, Status.NEEDS_INFO}), Status.WITHDRAWN),
}

# The file types evidence may have, recognised by their first bytes, never by their name.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)



class InvalidTransition(ValidationError):
    def __init__(self, status: str, action: str):
        super().__init__(_("This request is %(status)s: it cannot be %(action)s.") % {
            "status": Status(status).label, "action": ACTION_LABELS.get(action, action)})
        self.status, self.action = status, action


class CorrectionConflict(ValidationError):
    """Cells changed since the request was filed: ``cells`` are the changes whose old value is gone."""

    def __init__(self, cells: list[CorrectionChange]):
        super().__init__(_("Some cells no longer hold the old value of the request, so nothing was changed: "
                           "%(cells)s. Reject the request and ask the teacher for a new one.") % {
            "cells": "; ".join(f"{change.enrolment.student.full_name} {change.slot_label}" for change in cells)})
        self.cells = cells


ACTION_LABELS = {
    "approve": gettext_lazy("approved"), "reject": gettext_lazy("rejected"),
    "ask_info": gettext_lazy("sent back for more information"), "resubmit": gettext_lazy("resubmitted"),
    "withdraw": gettext_lazy("withdrawn"),
}


@dataclass(frozen=True)
class ChangeInput:
    """One cell the teacher asks to correct, with the new value as typed ("7,5", "Đ").

    ``shown`` is the old value as the teacher's form showed it (None: not known): a cell that
    changed since is refused, so nobody asks to change a value they have not seen.
    """

    enrolment_id: int
    kind: str
    index: int
    text: str
    shown: str | None = None


# --- evidence ---------------------------------------------------------------------------------------


def evidence_type(upload) -> str:
    """The file's real type (PDF, JPEG, PNG) from its content; ValidationError for anything else or > 10 MB."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(_("%(name)s is larger than 10 MB.") % {"name": upload.name})
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": upload.name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            if not name_matches_type(upload.name, content_type):  # a PDF named .hta or .html
                extensions = extensions_of(content_type)
                raise ValidationError(_("%(name)s: the name does not match the content (%(kind)s); it must end in "
                                        "%(extensions)s.") % {
                    "name": upload.name, "kind": extensions[0][1:].upper(), "extensions": ", ".join(extensions)})
            return content_type
    raise ValidationError(_("%(name)s is not a PDF, JPEG or PNG file.") % {"name": upload.name})


def _check_evidence(files: Sequence, *, attached: int = 0) -> list[str]:
    """The content types of the files, or ValidationError on "evidence" before anything is written."""
    if len(files) + attached > MAX_EVIDENCE_FILES:
        raise ValidationError({"evidence": _("Attach at most %(count)s files.") % {"count": MAX_EVIDENCE_FILES}})
    try:
        return [evidence_type(upload) for upload in files]
    except ValidationError as error:
        raise ValidationError({"evidence": error.messages}) from None


def _check_length(text: str, key: str, limit: int = MAX_TEXT) -> None:
    if len(text) > limit:
        raise ValidationError({key: _("At most %(max)s characters (you typed %(length)s).") % {
            "max": limit, "length": len(text)}})


def _attach(request: CorrectionRequest, files: Sequence, actor) -> None:
    types = _check_evidence(files, attached=request.evidence.count())
    for upload, content_type in zip(files, types, strict=True):
        name = upload.name.rsplit("/", 1)[-1][:200]
        evidence = CorrectionEvidence(request=request, original_name=name, content_type=content_type,
                                      size=upload.size, uploaded_by=actor)
        evidence.file.save(name, upload, save=False)
        evidence.full_clean()
        evidence.save()


# --- the teacher ------------------------------------------------------------------------------------


def _parse(text: str, *, is_commented: bool) -> tuple[Decimal | None, bool | None]:
    try:
        if is_commented:
            return None, tt22.parse_comment(text)
        return tt22.parse_score(text), None
    except tt22.ScoreInputError as error:
        raise ValidationError(_(error.message) % error.params) from None


@transaction.atomic
def correction_submit(*, actor, assignment: sm.TeachingAssignment, term: sm.Term, changes: Iterable[ChangeInput],
                      reason: str, files: Sequence = (), session: str = "", examiner: str = "") -> CorrectionRequest:
    """The assigned teacher asks to change cells they may not type, with a reason and evidence.

    ``session`` is the mark of the teacher's login session (results entered in it are still
    theirs to type in the grid); ``examiner`` names who confirms a mid- or end-of-term mark.
    Raises ValidationError (with the cell or field that is wrong) and refuses the whole request:
    a request is one sheet of paper, signed as a whole. A re-entry the school lets apply at once
    is written before this returns (status *applied*).
    """
    assignment = lookups.assignment_for_scores(assignment)
    lookups.check_term(assignment, term)
    policy.require_teacher(actor, assignment)
    changes = list(changes)
    reason = (reason or "").strip()
    examiner = " ".join((examiner or "").split())
    errors = {}
    if not reason:
        errors["reason"] = _("Give the reason for the correction.")
    for check in (lambda: _check_length(reason, "reason"), lambda: _check_evidence(files),
                  lambda: _check_length(examiner, "examiner", MAX_EXAMINER)):
        try:
            check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if not files:
        errors["evidence"] = _("Attach the evidence: the test paper, your personal score book or the class's "
                               "confirmation.")
    tests = any(change.kind in (Score.Kind.MIDTERM, Score.Kind.FINAL) for change in changes)
    if tests and not examiner and "examiner" not in errors:
        errors["examiner"] = _("Name the examiner who marked the test and confirms the correction, and attach "
                               "their signed confirmation.")
    if not changes:
        errors["cells"] = _("Select at least one recorded or locked cell.")
    elif len(changes) > MAX_CELLS:
        errors["cells"] = _("Correct at most %(count)s cells in one request.") % {"count": MAX_CELLS}
    if errors:
        raise ValidationError(errors)

    required = lookups.regular_required(assignment)
    # The exemptions always, even where nothing may be typed: a request never asks for an exempt cell.
    # ``for_update``: the term's gate, so no deadline, lock or approval changes while the request is judged.
    state = entry.entry_state(actor, assignment, term, regular_required=required, for_update=True,
                              exempt=entry.exemptions_by_term(assignment, term))
    facts = state.facts
    # One class's subject files its requests one at a time, so the open requests read below are complete:
    # the score rows locked next do not serialise two requests for a student who has no score yet.
    # NO KEY UPDATE: what only points at the assignment (a foreign key's share lock) does not wait for it.
    sm.TeachingAssignment.objects.select_for_update(no_key=True).filter(pk=assignment.pk).exists()
    is_commented = assignment.subject.is_commented
    otherwise = entry.assessed_otherwise(assignment)  # students an individual education plan assesses otherwise
    enrolments = {e.pk: e for e in sm.Enrolment.objects.filter(
        school_class_id=assignment.school_class_id, pk__in={c.enrolment_id for c in changes}).select_related("student")}
    scores = writer.locked_scores(subject_id=assignment.subject_id, term_id=term.pk, enrolment_ids=set(enrolments))
    open_slots = set(CorrectionChange.objects.filter(
        request__subject_id=assignment.subject_id, request__term=term,
        request__status__in=[Status.PENDING, Status.NEEDS_INFO], enrolment_id__in=enrolments,
    ).values_list("enrolment_id", "kind", "index"))

    rows, problems, seen, remedies, deadlines, late = [], [], set(), set(), [], False
    for change in changes:
        enrolment = enrolments.get(change.enrolment_id)
        where = (f"{enrolment.student.full_name} {column_label(change.kind, change.index)}" if enrolment
                 else column_label(change.kind, change.index) if change.kind in Score.Kind.values else "?")
        slot = (change.enrolment_id, change.kind, change.index)
        score = scores.get(slot)
        held = entry.recorded(score, session)
        problem = ""
        student = entry.student(enrolment) if enrolment is not None else None
        if not entry_rules.column_exists(facts, change.kind, change.index).allowed:
            problem = _("Unknown column.")
        elif not entry_rules.student_has_cell(facts, student, change.kind).allowed:
            problem = _("This student has no such cell in this term.")
        elif slot in seen:
            problem = _("This cell appears twice in the request.")
        # One verdict per cell: its remedy says whether a request may ask for it, and carries the deadline.
        elif (verdict := state.judge(student, change.kind, change.index, held)).remedy == Remedy.NONE:
            problem = _("This score is not recorded yet: type the new value in the grid.")
        elif slot in open_slots:
            problem = _("This cell already has a request waiting for the leadership.")
        elif change.shown is not None and change.shown != (score.display if score else ""):
            problem = _("This cell has changed since you opened the form: it now holds %(value)s. Check it and "
                        "file the request again.") % {"value": (score.display if score and score.display else "—")}
        if not problem:
            try:
                new_value, new_passed = _parse(change.text,
                                               is_commented=is_commented != (change.enrolment_id in otherwise))
            except ValidationError as error:
                problem = " ".join(error.messages)
        if not problem:
            old_value = score.value if score else None
            old_passed = score.comment_passed if score else None
            if (old_value, old_passed) == (new_value, new_passed):
                problem = _("The new value is the same as the old one.")
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        seen.add(slot)
        remedies.add(verdict.remedy)
        if verdict.deadline is not None:
            deadlines.append(verdict.deadline)
        late = late or verdict.late
        rows.append(CorrectionChange(enrolment_id=change.enrolment_id, kind=change.kind, index=change.index,
                                     score=score, old_value=old_value, old_comment_passed=old_passed,
                                     new_value=new_value, new_comment_passed=new_passed))
    if problems:
        raise ValidationError({"cells": problems})

    kind = CorrectionRequest.Kind.REENTRY if remedies == {Remedy.REENTRY} else CorrectionRequest.Kind.CORRECTION
    applies_now = kind == CorrectionRequest.Kind.REENTRY and not facts.rules.reentry_needs_approval
    request = CorrectionRequest(school_class_id=assignment.school_class_id, subject_id=assignment.subject_id,
                                term=term, requested_by=actor, reason=reason, kind=kind, late=late,
                                deadline=min(deadlines) if deadlines else None, examiner=examiner)
    if applies_now:
        request.status, request.decided_at = Status.APPLIED, timezone.now()
    request = record(request, actor=actor, reason=_("Scores re-entered") if applies_now
                     else _("Correction request filed"))
    for row in rows:
        row.request = request
        row.full_clean(exclude=["request", "enrolment", "score"])
    CorrectionChange.objects.bulk_create(rows)
    _attach(request, files, actor)
    if applies_now:
        _apply(request, actor=actor, current=scores, reason=_("Re-entry no. %(number)s") % {"number": request.pk})
    return request


def _for_update(request: CorrectionRequest) -> CorrectionRequest:
    return (CorrectionRequest.objects.select_for_update(of=("self",))
            .select_related("school_class__year", "subject", "term").get(pk=request.pk))


def _transition(request: CorrectionRequest, action: str) -> str:
    allowed_from, target = TRANSITIONS[action]
    if request.status not in allowed_from:
        raise InvalidTransition(request.status, action)
    return target


@transaction.atomic
def correction_resubmit(*, actor, request: CorrectionRequest, note: str, files: Sequence = ()) -> CorrectionRequest:
    """The teacher answers the principal's question (and may add evidence): the request waits again."""
    request = _for_update(request)
    policy.require_requester(actor, request)
    target = _transition(request, "resubmit")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Answer the principal's question.")})
    _check_length(f"{request.reason}\n\n{note}", "note")  # the answer is added to the request's reason
    _attach(request, files, actor)
    request.status = target
    request.reason = f"{request.reason}\n\n{note}"
    return record(request, actor=actor, reason=note, update_fields=["status", "reason"])


@transaction.atomic
def correction_withdraw(*, actor, request: CorrectionRequest, note: str = "") -> CorrectionRequest:
    request = _for_update(request)
    policy.require_requester(actor, request)
    request.status = _transition(request, "withdraw")
    return record(request, actor=actor, reason=note or _("Correction request withdrawn"), update_fields=["status"])


# --- the leadership: the principal, or the vice principal the principal delegates ------------------

MAX_PLACE = CorrectionRequest._meta.get_field("minutes_place").max_length


def _decide(request: CorrectionRequest, actor, target: str, note: str) -> None:
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        target, actor, timezone.now(), note)


def check_decision(*, note: str, place: str, witness, request, actor) -> tuple[str, str]:
    """An approval's note, minutes place and witness, checked together (score and homeroom corrections):
    the stripped note and place, or a ValidationError naming each field that is wrong."""
    note, place = (note or "").strip(), (place or "").strip()
    errors = {}
    for text, key, limit in ((note, "note", MAX_TEXT), (place, "place", MAX_PLACE)):
        try:
            _check_length(text, key, limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    problem = _check_witness(witness, request, actor)
    if problem:
        errors["witness"] = problem
    if errors:
        raise ValidationError(errors)
    return note, place


def _check_witness(witness, request: CorrectionRequest, actor) -> str | None:
    """Why ``witness`` cannot be the admin board member named on the minutes (seed 000 art. 8.3), or None."""
    if witness is None:
        return _("Choose the admin board member present: the minutes name them.")
    if not (same_school(witness, request.school_class) and policy.is_board(witness)):
        return _("Choose a member of the admin board.")
    if witness.pk == request.requested_by_id:
        return _("The teacher who asked for the correction cannot also be the board member present.")
    if witness.pk == actor.pk:
        return _("The leader who decides cannot also be the board member present.")
    return None


def default_minutes_place(school: sm.School) -> str:
    """Where the minutes are made unless the leader says otherwise: the school, with its address when known."""
    return (f"{school.name}, {school.address}" if school.address else school.name)[:MAX_PLACE]


@transaction.atomic
def correction_approve(*, actor, request: CorrectionRequest, note: str = "", witness=None,
                       place: str = "") -> CorrectionRequest:
    """Approve and apply: each cell gets its new value, with the request as the history reason.

    Refused (CorrectionConflict, nothing changed) when a cell no longer holds the request's old value.
    ``witness``: the admin board member present (seed 000 art. 8.3), required and named on the minutes.
    The minutes (biên bản sửa dữ liệu) get the school year's next number, ``place`` (the school's
    name when empty) and today's date; the archive seals them on gradebook.signals.correction_applied.
    """
    request = _for_update(request)
    policy.require_decider(actor, request)
    target = _transition(request, "approve")
    note, place = check_decision(note=note, place=place, witness=witness, request=request, actor=actor)
    current = writer.locked_scores(subject_id=request.subject_id, term_id=request.term_id,
                                   enrolment_ids=set(request.changes.values_list("enrolment_id", flat=True)))
    history_reason = correction_reason(request)
    _apply(request, actor=actor, current=current, reason=history_reason)
    approval_reopen(actor=actor, school_class=request.school_class, term=request.term, reason=history_reason,
                    correction=request)
    _decide(request, actor, target, note)
    request.witness = witness
    # Numbered last: the year's row is locked only for the rest of this transaction.
    request.minutes_number = next_minutes_number(request.school_class.year_id)
    request.minutes_place = place or default_minutes_place(request.school_class.year.school)
    request.minutes_date = timezone.localdate(request.decided_at)
    record(request, actor=actor, reason=history_reason,
           update_fields=["status", "decided_by", "decided_at", "decision_note", "witness", "minutes_number",
                          "minutes_place", "minutes_date"])
    return request


def _apply(request: CorrectionRequest, *, actor, current: dict, reason: str) -> None:
    """Write the request's new values (``current``: the cells' rows, locked) and announce it once committed.

    Refused (CorrectionConflict, nothing written) when a cell no longer holds the request's old
    value. What is written is recorded at once (no session mark).
    """
    changes = list(request.changes.select_related("enrolment__student").order_by("pk"))
    stale = []
    for change in changes:
        score = current.get((change.enrolment_id, change.kind, change.index))
        now_holds = (score.value, score.comment_passed) if score else (None, None)
        if now_holds != (change.old_value, change.old_comment_passed):
            stale.append(change)
    if stale:
        raise CorrectionConflict(stale)
    writes = []
    for change in changes:
        score = current.get((change.enrolment_id, change.kind, change.index))
        # A corrected value is a recorded one: a skipped make-up or an empty cell becomes RECORDED.
        status = (score.status if score is not None and score.status != Score.Status.FORFEITED and not score.is_empty
                  else Score.Status.RECORDED)
        writes.append(writer.Write(enrolment_id=change.enrolment_id, kind=change.kind, index=change.index,
                                   value=change.new_value, comment_passed=change.new_comment_passed, status=status,
                                   score=score))
    written, lost = writer.scores_write(actor=actor, subject_id=request.subject_id, term_id=request.term_id,
                                        writes=writes, reason=reason, now=timezone.now())
    if lost:  # a cell the request saw empty was filled meanwhile: the transaction rolls back
        raise CorrectionConflict([change for change in changes
                                  if (change.enrolment_id, change.kind, change.index) in lost])
    created = [change for change in changes if change.score_id is None]
    for change in created:
        change.score = written[(change.enrolment_id, change.kind, change.index)]
    if created:
        CorrectionChange.objects.bulk_update(created, ["score"])  # not a history model: its rows never change else
    signals.send_on_commit(signals.correction_applied, request_id=request.pk, school_class_id=request.school_class_id,
                           term_id=request.term_id, actor_id=actor.pk)


def correction_reason(request: CorrectionRequest) -> str:
    """The history reason of every score an approved request changes: it names the request."""
    return _("Correction request no. %(number)s approved") % {"number": request.pk}


@transaction.atomic
def correction_reject(*, actor, request: CorrectionRequest, note: str) -> CorrectionRequest:
    request = _for_update(request)
    policy.require_decider(actor, request)
    target = _transition(request, "reject")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Give the reason for the rejection.")})
    _check_length(note, "note")
    _decide(request, actor, target, note)
    return record(request, actor=actor, reason=note,
                  update_fields=["status", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def correction_ask_info(*, actor, request: CorrectionRequest, note: str) -> CorrectionRequest:
    request = _for_update(request)
    policy.require_decider(actor, request)
    target = _transition(request, "ask_info")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what information is missing.")})
    _check_length(note, "note")
    _decide(request, actor, target, note)
    return record(request, actor=actor, reason=note,
                  update_fields=["status", "decided_by", "decided_at", "decision_note"])
