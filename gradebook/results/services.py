"""Every change of class results: re-tests, summer training, exemptions, the principal's approval.

Each service locks the class row (so an approval and a save of the same class never interleave),
checks the actor's right (gradebook.policy), refuses a class and period the principal has
approved (approved results are frozen), validates everything before writing anything, and
writes in one transaction through simple-history's bulk helpers, so a whole sheet costs a
constant number of queries, history included. Bad input raises ValidationError keyed by the
same field names the forms use (``field_key``), so the page shows each message where it was typed.
The homeroom sheet's service (gradebook.homeroom.services) shares the helpers below.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from gradebook import gate, signals
from gradebook.models import (
    Exemption,
    LevelChoice,
    ResultApproval,
    RetestResult,
    SummerReassessment,
)
from gradebook.policy import require_decider, require_homeroom, require_principal
from gradebook.results.compute import YEAR, approval_gaps, load_class, period_in_sentence, year_results
from gradebook.rules import tt22
from gradebook.rules.slots import studies_during
from schoolrecords import models as sm
from schoolrecords.selectors import studies
from schoolrecords.services import record

MAX_REMARK = 1000
_REASON_LENGTH = 100  # simple-history's change-reason column


def field_key(kind: str, enrolment_id: int, extra: object = None) -> str:
    """The form field (and error key) of one input: "conduct-12", "excused-12-2025-9", "retest-12-4" …"""
    if isinstance(extra, tuple):
        extra = "-".join(str(part) for part in extra)
    return f"{kind}-{enrolment_id}" if extra is None else f"{kind}-{enrolment_id}-{extra}"


def history_reason(text: str, default: str) -> str:
    return (text.strip() or default)[:_REASON_LENGTH]


def lock_class(school_class: sm.SchoolClass) -> sm.SchoolClass:
    return (
        sm.SchoolClass.objects.select_for_update(of=("self",))
        .select_related("year", "homeroom_teacher__profile")
        .get(pk=school_class.pk)
    )


def approved_periods(school_class: sm.SchoolClass) -> set[int]:
    """The periods of the class the principal has approved: term numbers, YEAR for the year."""
    return {
        number or YEAR
        for number in ResultApproval.objects.filter(school_class_id=school_class.pk).values_list("term__number",
                                                                                                  flat=True)
    }


def refuse_if_frozen(school_class: sm.SchoolClass, approved: set[int], number: int, *,
                     correctable: bool = False) -> None:
    """Approving the year freezes everything of the year; approving a term freezes that term.

    ``correctable``: what is refused (conduct, absences, remarks, exemptions, re-test results)
    still changes through a correction request (gradebook.corrections.homeroom); the message says so.
    """
    if YEAR in approved or number in approved:
        frozen = YEAR if YEAR in approved else number
        params = {"class": school_class.name, "period": period_in_sentence(frozen)}
        if correctable:
            message = _("The principal has approved the results of class %(class)s for %(period)s: a change now "
                        "needs a correction request (“Request a correction”), with a reason and evidence, decided "
                        "by the leadership.") % params
        else:
            message = _("The principal has approved the results of class %(class)s for %(period)s; they can no "
                        "longer be changed.") % params
        raise ValidationError(message, code="frozen")


def period_of(school_class: sm.SchoolClass, term: sm.Term | None) -> int:
    if term is None:
        return YEAR
    if term.year_id != school_class.year_id:
        raise ValidationError(_("This term belongs to another school year."))
    return term.number


def check_level(value: str, key: str, errors: dict) -> str:
    if value and value not in LevelChoice.values:
        errors[key] = _("Choose Good, Fair, Pass or Not yet passed.")
    return value


def delete_with_history(rows: Iterable, *, actor, reason: str) -> None:
    # Cleared entries are few; each deletion keeps its history row, with who and why.
    for row in rows:
        row._history_user = actor
        row._change_reason = reason
        row.delete()


def bulk_with_history(model, create: list, update: list, fields: list[str], *, actor, reason: str, now) -> None:
    for row in [*create, *update]:
        # No per-row queries: the foreign keys were checked above; the constraints have the last word.
        row.clean_fields(exclude=["enrolment", "term", "subject", "updated_by"])
        row.clean()
    if create:
        bulk_create_with_history(create, model, default_user=actor, default_change_reason=reason, default_date=now)
    if update:
        bulk_update_with_history(update, model, fields=fields, default_user=actor, default_change_reason=reason,
                                 default_date=now)


# --- re-tests and summer re-assessments --------------------------------------------------------------


# --- re-tests and summer training -------------------------------------------------------------------


@dataclass(frozen=True)
class RetestEntry:
    """A re-test result as typed: a score ("6,5") or, for a comment subject, Đ / CĐ; "" clears it."""

    enrolment_id: int
    subject_id: int
    text: str


@transaction.atomic
def retests_save(*, actor, school_class: sm.SchoolClass, entries: Iterable[RetestEntry], reason: str = "") -> int:
    """Record re-test results of students on the class's re-test list; all or nothing.

    Each result replaces the subject's year value in the recomputed learning level; the year
    value it replaces is kept on the row (and stays in the scores).
    """
    school_class = lock_class(school_class)
    require_homeroom(actor, school_class)
    refuse_if_frozen(school_class, approved_periods(school_class), YEAR, correctable=True)
    entries = list(entries)
    reason = history_reason(reason, _("Re-test results entered"))
    results = year_results(load_class(school_class))
    on_list = {
        (row.enrolment.pk, subject.info.subject.pk): (row, subject)
        for row in results.retest_list for subject in row.retest_subjects
    }
    errors: dict[str, str] = {}
    problems: list[str] = []
    parsed: dict[tuple[int, int], tuple[Decimal | None, bool | None]] = {}
    for entry in entries:
        pair = (entry.enrolment_id, entry.subject_id)
        if pair not in on_list:
            problems.append(_("A student in this form is not on the re-test list for that subject."))
            continue
        _row, subject = on_list[pair]
        key = field_key("retest", entry.enrolment_id, entry.subject_id)
        try:
            if subject.info.is_commented:
                parsed[pair] = (None, tt22.parse_comment(entry.text))
            else:
                parsed[pair] = (tt22.parse_score(entry.text), None)
        except tt22.ScoreInputError as error:
            errors[key] = _(error.message) % error.params
    if problems:
        raise ValidationError(sorted(set(problems)))
    if errors:
        raise ValidationError(errors)

    originals = {pair: on_list[pair][1].value for pair in parsed}
    return retests_write(actor=actor, school_class=school_class, parsed=parsed, originals=originals, reason=reason)


def retests_write(*, actor, school_class: sm.SchoolClass, parsed: dict[tuple[int, int], tuple[Decimal | None,
                  bool | None]], originals: dict, reason: str, now=None) -> int:
    """The one writer of re-test results: {(enrolment, subject): (score, comment result)}, (None, None) clears.

    ``originals`` is the year value each new result replaces (kept on a new row). The caller has
    locked the class, checked the actor's right and validated the values (retests_save, or an
    approved correction: gradebook.corrections.homeroom). Returns how many rows changed.
    """
    now = now or timezone.now()
    current = {
        (row.enrolment_id, row.subject_id): row
        for row in RetestResult.objects.select_for_update(of=("self",)).filter(
            enrolment__school_class_id=school_class.pk).order_by("pk")
    }
    create, update, clear = [], [], []
    for pair, (value, passed) in parsed.items():
        row = current.get(pair)
        original = originals.get(pair)
        if value is None and passed is None:
            if row is not None:
                clear.append(row)
        elif row is None:
            create.append(RetestResult(
                enrolment_id=pair[0], subject_id=pair[1], value=value, comment_passed=passed,
                original_value=original if not isinstance(original, bool) else None,
                original_comment_passed=original if isinstance(original, bool) else None,
                updated_at=now, updated_by=actor,
            ))
        elif (row.value, row.comment_passed) != (value, passed):
            row.value, row.comment_passed, row.updated_at, row.updated_by = value, passed, now, actor
            update.append(row)
    bulk_with_history(RetestResult, create, update, ["value", "comment_passed", "updated_at", "updated_by"],
                      actor=actor, reason=reason, now=now)
    delete_with_history(clear, actor=actor, reason=reason)
    return len(create) + len(update) + len(clear)


@dataclass(frozen=True)
class SummerEntry:
    """The conduct level after the summer training (a LevelChoice value; "" clears it)."""

    enrolment_id: int
    level: str


@transaction.atomic
def summer_save(*, actor, school_class: sm.SchoolClass, entries: Iterable[SummerEntry], reason: str = "") -> int:
    """Record the homeroom teacher's re-assessment of the students on the summer-training list; all or nothing."""
    school_class = lock_class(school_class)
    require_homeroom(actor, school_class)
    refuse_if_frozen(school_class, approved_periods(school_class), YEAR)
    entries = list(entries)
    reason = history_reason(reason, _("Summer re-assessment entered"))
    on_list = {row.enrolment.pk for row in year_results(load_class(school_class)).summer_list}
    errors: dict[str, str] = {}
    problems: list[str] = []
    for entry in entries:
        if entry.enrolment_id not in on_list:
            problems.append(_("A student in this form is not on the summer-training list."))
            continue
        check_level(entry.level, field_key("summer", entry.enrolment_id), errors)
    if problems:
        raise ValidationError(sorted(set(problems)))
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    current = {
        row.enrolment_id: row
        for row in SummerReassessment.objects.select_for_update().filter(
            enrolment_id__in=[entry.enrolment_id for entry in entries]).order_by("pk")
    }
    create, update, clear = [], [], []
    for entry in entries:
        row = current.get(entry.enrolment_id)
        if not entry.level:
            if row is not None:
                clear.append(row)
        elif row is None:
            create.append(SummerReassessment(enrolment_id=entry.enrolment_id, level=entry.level, updated_at=now,
                                             updated_by=actor))
        elif row.level != entry.level:
            row.level, row.updated_at, row.updated_by = entry.level, now, actor
            update.append(row)
    bulk_with_history(SummerReassessment, create, update, ["level", "updated_at", "updated_by"], actor=actor, reason=reason,
          now=now)
    delete_with_history(clear, actor=actor, reason=reason)
    return len(create) + len(update) + len(clear)


# --- exemptions ------------------------------------------------------------------------------------


@transaction.atomic
def exemption_create(*, actor, enrolment: sm.Enrolment, subject: sm.Subject, term: sm.Term | None, reason: str,
                     evidence_note: str = "") -> Exemption:
    """The principal exempts a student from a subject for a term, or the whole year (``term`` None)."""
    school_class = lock_class(enrolment.school_class)
    require_principal(actor, school_class)
    enrolment = sm.Enrolment.objects.select_related("student").get(pk=enrolment.pk)
    number = period_of(school_class, term)
    approved = approved_periods(school_class)
    # A year exemption changes both terms, so any approved period of the class refuses it.
    for frozen in ((1, 2, YEAR) if number == YEAR else (number,)):
        refuse_if_frozen(school_class, approved, frozen, correctable=True)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    if subject.school_id != school_class.year.school_id or not studies(school_class, subject):
        raise ValidationError({"subject": _("%(name)s does not study %(subject)s this year.") % {
            "name": school_class.name, "subject": subject.name}})
    terms = [term] if term is not None else list(sm.Term.objects.filter(year_id=school_class.year_id))
    if not any(studies_during(enrolment, each) for each in terms):
        raise ValidationError({"enrolment": _("This student is not in the class during this period.")})
    existing = list(Exemption.objects.select_for_update().filter(enrolment=enrolment, subject=subject))
    if any(each.term_id is None for each in existing):
        raise ValidationError({"period": _("%(name)s is already exempt from %(subject)s for the whole year.") % {
            "name": enrolment.student.full_name, "subject": subject.name}})
    if term is not None and any(each.term_id == term.pk for each in existing):
        raise ValidationError({"period": _("%(name)s is already exempt from %(subject)s for %(term)s.") % {
            "name": enrolment.student.full_name, "subject": subject.name, "term": period_in_sentence(number)}})
    if term is None and existing:
        raise ValidationError({"period": _(
            "%(name)s is already exempt from %(subject)s for a term; revoke that exemption first.") % {
            "name": enrolment.student.full_name, "subject": subject.name}})
    return exemption_write(actor=actor, enrolment=enrolment, subject=subject, term=term, reason=reason,
                           evidence_note=evidence_note)


def exemption_write(*, actor, enrolment: sm.Enrolment, subject: sm.Subject, term: sm.Term | None, reason: str,
                    evidence_note: str = "", history: str = "") -> Exemption:
    """The one writer of a new exemption; the caller has locked the class and checked right and period
    (exemption_create, or an approved correction: gradebook.corrections.homeroom)."""
    exemption = Exemption(enrolment=enrolment, subject=subject, term=term, reason=reason.strip(),
                          evidence_note=evidence_note.strip()[:255], decided_by=actor, decided_at=timezone.now())
    return record(exemption, actor=actor, reason=history_reason(history or reason, _("Exemption decided")))


@transaction.atomic
def exemption_revoke(*, actor, exemption: Exemption, reason: str) -> None:
    """The principal withdraws an exemption; its history (who decided, who withdrew, why) stays."""
    exemption = Exemption.objects.select_for_update(of=("self",)).select_related("term").get(pk=exemption.pk)
    school_class = lock_class(exemption.enrolment.school_class)
    require_principal(actor, school_class)
    number = exemption.term.number if exemption.term_id else YEAR
    approved = approved_periods(school_class)
    for frozen in ((1, 2, YEAR) if number == YEAR else (number,)):
        refuse_if_frozen(school_class, approved, frozen, correctable=True)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    delete_with_history([exemption], actor=actor, reason=history_reason(reason, _("Exemption revoked")))


# --- approval --------------------------------------------------------------------------------------


@transaction.atomic
def results_approve(*, actor, school_class: sm.SchoolClass, term: sm.Term | None, note: str = "",
                    reason: str = "") -> ResultApproval:
    """The principal approves a class's results for a term or the year; from then on they are frozen.

    Refused while a required cell is empty (approval_gaps lists them) or when already approved.
    """
    school_class = lock_class(school_class)
    require_principal(actor, school_class)
    number = period_of(school_class, term)
    # The term's gate (every term's, for the year): the score saves in progress finish first, their
    # scores are read below, and the saves after the approval see it and are refused.
    for term_id in ([term.pk] if term is not None
                    else sm.Term.objects.filter(year_id=school_class.year_id).order_by("pk")
                    .values_list("pk", flat=True)):
        gate.pass_term_gate(term_id, exclusive=True)
    approved = approved_periods(school_class)
    if number in approved or YEAR in approved:
        number = number if number in approved else YEAR
        raise ValidationError(_("The results of class %(class)s for %(period)s are already approved.") % {
            "class": school_class.name, "period": period_in_sentence(number)}, code="approved")
    gaps = approval_gaps(load_class(school_class), number)
    if gaps:
        raise ValidationError(gaps, code="incomplete")
    approval = ResultApproval(school_class=school_class, term=term, approved_by=actor, approved_at=timezone.now(),
                              note=note.strip()[:255])
    record(approval, actor=actor, reason=history_reason(reason, _("Results approved")))
    signals.send_on_commit(signals.results_approved, school_class_id=school_class.pk,
                           term_id=term.pk if term is not None else None, approval_id=approval.pk, actor_id=actor.pk)
    return approval


@transaction.atomic
def approval_reopen(*, actor, school_class: sm.SchoolClass, term: sm.Term | None, reason: str,
                    correction=None) -> list[int]:
    """A correction changed approved results: withdraw the approvals it affects, so the principal approves again.

    ``term`` is the term whose data changed: its approval goes, and the year's (the year's results
    are made of both terms); None is a year-only change (a re-test result, a year remark), which
    withdraws the year's approval. ``reason`` names the correction; ``correction`` (a request with
    ``school_class`` and ``requested_by``) is the one being applied, whose decider ``actor`` must be.
    The approvals are deleted with history: their history keeps who approved, when and with which
    note, then who withdrew them, when and why, and every reader of approvals (the entry rule,
    the freezing services, the print check) sees the class open again without a filter of its
    own. Returns the ids withdrawn; nothing approved, nothing happens (and nothing is announced).
    Announces gradebook.signals.results_reopened once committed.
    """
    school_class = lock_class(school_class)
    if correction is not None:
        require_decider(actor, correction)
    else:
        require_principal(actor, school_class)
    number = period_of(school_class, term)
    affected = Q(term__isnull=True) | Q(term_id=term.pk) if number != YEAR else Q(term__isnull=True)
    approvals = list(ResultApproval.objects.select_for_update().filter(affected, school_class_id=school_class.pk)
                     .order_by("pk"))
    if not approvals:
        return []
    text = history_reason(_("Approval withdrawn: %(reason)s") % {"reason": reason.strip()} if reason.strip() else "",
                          _("Approval withdrawn by a correction"))
    ids = [approval.pk for approval in approvals]
    delete_with_history(approvals, actor=actor, reason=text)
    signals.send_on_commit(signals.results_reopened, school_class_id=school_class.pk,
                           term_id=term.pk if term is not None else None, approval_ids=ids, actor_id=actor.pk,
                           reason=text)
    return ids
