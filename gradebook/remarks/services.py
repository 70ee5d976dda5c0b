"""Subject teachers' remarks (nhận xét) and the comment bank: every change, with the acting user and a reason.

A class's subject remarks of a term (or the year) are saved all or nothing, under the entry rule
of the subject's scores (gradebook.entry, gradebook.rules.entry): only the assigned teacher; the
principal's approval of the class's period freezes them; a book lock or windows closing the
whole term refuse them. The year's remarks follow term II's windows and locks. The save passes
the term's gate (gradebook.gate) and locks the assignment's row, so no approval, lock or other
save of the same sheet interleaves. History through simple-history's bulk helpers.
"""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gradebook import entry, lookups, policy
from gradebook.models import MAX_SUBJECT_REMARK, RemarkPhrase, SubjectRemark
from gradebook.results.compute import YEAR, period_in_sentence
from gradebook.results.services import bulk_with_history, delete_with_history, field_key, history_reason
from gradebook.rules import entry as entry_rules
from gradebook.rules.slots import studies_during
from schoolrecords import models as sm
from schoolrecords.permissions import user_school
from schoolrecords.services import record

LENGTH_MESSAGE = gettext_lazy("A remark has at most %(max)s characters (this one has %(count)s).")


def remark_key(enrolment_id: int) -> str:
    """The form field (and error key) of one student's remark."""
    return field_key("remark", enrolment_id)


def frozen_message(assignment: sm.TeachingAssignment, number: int) -> str:
    """Approved results: where a change of a remark goes instead (the leadership's correction path)."""
    return _("The principal has approved the results of class %(class)s for %(period)s: its subject remarks can no "
             "longer be changed here. A change now needs the leadership: a correction request of the class, once "
             "approved, reopens the approval, and the remark can then be written again.") % {
        "class": assignment.school_class.name, "period": period_in_sentence(number)}


def sheet_term(terms: Mapping[int, sm.Term], number: int) -> sm.Term:
    """The term whose windows, locks and approval decide a period's remarks: the year's follow term II."""
    term = terms.get(2 if number == YEAR else number)
    if term is None:
        raise ValidationError(_("This school year has no such term."))
    return term


def refusal(state: entry.EntryState, assignment: sm.TeachingAssignment, number: int) -> str:
    """Why the remarks of this sheet may not be written now ("" when they may): the entry rule's answer."""
    verdict = entry_rules.sheet(state.facts)
    if verdict.allowed:
        return ""
    if state.facts.results_approved:
        return frozen_message(assignment, number)
    return verdict.text(_)


def remark_students(enrolments, terms: Mapping[int, sm.Term], number: int,
                    exempt: Mapping[int, frozenset[int]]) -> set[int]:
    """The enrolments that get a remark in the period: in the class during it, not exempt from the subject."""
    periods = [terms[n] for n in (1, 2) if n in terms] if number == YEAR else [terms[number]]
    found = set()
    for enrolment in enrolments:
        if not any(studies_during(enrolment, term) for term in periods):
            continue
        if number == YEAR:
            if all(enrolment.pk in exempt.get(term.number, frozenset()) for term in periods):
                continue
        elif enrolment.pk in exempt.get(number, frozenset()):
            continue
        found.add(enrolment.pk)
    return found


@transaction.atomic
def subject_remarks_save(*, actor, assignment: sm.TeachingAssignment | int, term: sm.Term | None,
                         texts: Mapping[int, str], reason: str = "") -> int:
    """Save the remarks of an assignment's students for ``term`` (None: the year): {enrolment id: text}.

    Only the students given are touched; "" clears a remark. All or nothing: a refused sheet raises
    PermissionDenied (not the teacher) or ValidationError (approved, locked, closed); a bad remark
    raises ValidationError keyed by ``remark_key`` and nothing is written. Returns how many remarks
    were created, changed or cleared.
    """
    assignment = lookups.assignment_for_scores(assignment)
    policy.require_teacher(actor, assignment)
    sm.TeachingAssignment.objects.select_for_update(of=("self",)).filter(pk=assignment.pk).exists()
    terms = {each.number: each for each in sm.Term.objects.filter(year_id=assignment.year_id)}
    if term is not None and term.year_id != assignment.year_id:
        raise ValidationError(_("This term belongs to another school year."))
    number = YEAR if term is None else term.number
    decisive = sheet_term(terms, number)
    exempt = entry.exemptions_by_term(assignment, terms.get(2) or decisive)
    state = entry.entry_state(actor, assignment, decisive, regular_required=lookups.regular_required(assignment),
                              for_update=True, exempt=exempt)
    refused = refusal(state, assignment, number)
    if refused:
        if not state.facts.is_teacher:
            raise PermissionDenied(refused)
        raise ValidationError(refused, code="frozen" if state.facts.results_approved else "closed")

    texts = {int(pk): " ".join(str(text).split()) for pk, text in texts.items()}
    enrolments = list(sm.Enrolment.objects.filter(school_class_id=assignment.school_class_id, pk__in=list(texts))
                      .select_related("student"))
    allowed_ids = remark_students(enrolments, terms, number, exempt)
    if set(texts) - allowed_ids:
        raise ValidationError(_("A student in this sheet has no remark in this subject for this period: they are not "
                                "in the class then, or are exempt from the subject."))
    errors = {
        remark_key(pk): str(LENGTH_MESSAGE) % {"max": MAX_SUBJECT_REMARK, "count": len(text)}
        for pk, text in texts.items() if len(text) > MAX_SUBJECT_REMARK
    }
    if errors:
        raise ValidationError(errors)

    reason = history_reason(reason, _("Subject remarks saved"))
    now = timezone.now()
    rows = SubjectRemark.objects.select_for_update().filter(subject_id=assignment.subject_id,
                                                            enrolment_id__in=list(texts))
    rows = rows.filter(term=term) if term is not None else rows.filter(term__isnull=True)
    current = {row.enrolment_id: row for row in rows.order_by("pk")}
    create, update, clear = [], [], []
    for enrolment_id, text in texts.items():
        row = current.get(enrolment_id)
        if not text:
            if row is not None:
                clear.append(row)
        elif row is None:
            create.append(SubjectRemark(enrolment_id=enrolment_id, subject_id=assignment.subject_id, term=term,
                                        text=text, updated_at=now, updated_by=actor))
        elif row.text != text:
            row.text, row.updated_at, row.updated_by = text, now, actor
            update.append(row)
    bulk_with_history(SubjectRemark, create, update, ["text", "updated_at", "updated_by"], actor=actor,
                      reason=reason, now=now)
    delete_with_history(clear, actor=actor, reason=reason)
    return len(create) + len(update) + len(clear)


# --- the comment bank -------------------------------------------------------------------------------


def _phrase_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": _("Write the phrase.")})
    if len(text) > MAX_SUBJECT_REMARK:
        raise ValidationError({"text": str(LENGTH_MESSAGE) % {"max": MAX_SUBJECT_REMARK, "count": len(text)}})
    return text


def _check_subject(actor, subject: sm.Subject | None) -> None:
    school = user_school(actor)
    if subject is not None and (school is None or subject.school_id != school.pk):
        raise ValidationError({"subject": _("Choose a subject of your school.")})


@transaction.atomic
def phrase_create(*, actor, text: str, subject: sm.Subject | None = None, for_school: bool = False) -> RemarkPhrase:
    """A new phrase: the actor's own, or (``for_school``, the leadership and the board) the school's."""
    policy.require_phrase_bank(actor)
    if for_school and not policy.keeps_school_phrases(actor):
        raise PermissionDenied(_("Only the leadership and the admin board keep the school's phrases."))
    _check_subject(actor, subject)
    phrase = RemarkPhrase(school=user_school(actor), owner=None if for_school else actor, subject=subject,
                          text=_phrase_text(text), updated_by=actor, updated_at=timezone.now())
    return record(phrase, actor=actor, reason=_("Phrase added"))


@transaction.atomic
def phrase_update(*, actor, phrase: RemarkPhrase, text: str, subject: sm.Subject | None = None) -> RemarkPhrase:
    phrase = RemarkPhrase.objects.select_for_update().get(pk=phrase.pk)
    policy.require_phrase_editor(actor, phrase)
    _check_subject(actor, subject)
    text = _phrase_text(text)
    if (phrase.text, phrase.subject_id) == (text, subject.pk if subject else None):
        return phrase
    phrase.text, phrase.subject, phrase.updated_by, phrase.updated_at = text, subject, actor, timezone.now()
    return record(phrase, actor=actor, reason=_("Phrase changed"),
                  update_fields=["text", "subject", "updated_by", "updated_at"])


@transaction.atomic
def phrase_delete(*, actor, phrase: RemarkPhrase) -> None:
    """A phrase leaves the bank (its history stays); the remarks written from it are the teacher's own text."""
    phrase = RemarkPhrase.objects.select_for_update().get(pk=phrase.pk)
    policy.require_phrase_editor(actor, phrase)
    delete_with_history([phrase], actor=actor, reason=_("Phrase deleted"))
