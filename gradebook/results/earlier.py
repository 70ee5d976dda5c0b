"""Results a student got before joining a class: typed from the previous school's học bạ, or carried from the old class.

A student who transfers in during the year is due only for the periods after their arrival
(gradebook.rules.slots); their year average still needs the terms before, so the board types the
subject results of those terms from the previous school's record, marked as coming from it. A
class change carries the finished terms' results of the old class the same way (its scores of the
term in progress move with the student: gradebook.scores.movements).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import EarlierResult
from gradebook.results.compute import load_class, term_results
from gradebook.results.services import approved_periods, bulk_with_history, delete_with_history, refuse_if_frozen
from gradebook.rules import tt22
from gradebook.rules.slots import studies_during
from schoolrecords import models as sm
from schoolrecords.permissions import require
from schoolrecords.selectors import class_subjects
from schoolrecords.signals import enrolment_continued

SETUP = "schoolrecords.manage_school_setup"


def field_name(term_number: int, subject_id: int) -> str:
    return f"earlier-{term_number}-{subject_id}"


@dataclass(frozen=True)
class EarlierTerm:
    """A term the student spent elsewhere, with the class's subjects and what is typed so far."""

    term: sm.Term
    subjects: list[tuple[sm.Subject, str]]  # (subject, the result as typed: "7,5", "Đ", or "")


def earlier_terms(enrolment: sm.Enrolment) -> tuple[list[EarlierTerm], str]:
    """The terms of the year the student was not in the class for, and where their results came from.

    Four queries: the terms, the grade's subjects, the results typed, the arrival.
    """
    year_id = enrolment.school_class.year_id
    terms = [term for term in sm.Term.objects.filter(year_id=year_id).order_by("number")
             if not studies_during(enrolment, term)]
    subjects = [row.subject for row in class_subjects(enrolment.school_class)]
    typed = {(row.term_id, row.subject_id): row for row in EarlierResult.objects.filter(enrolment=enrolment)}
    shown = []
    for term in terms:
        if term.end_date >= enrolment.start_date:
            continue  # a term after the student left: nothing to type
        shown.append(EarlierTerm(term=term, subjects=[
            (subject, _typed_text(typed.get((term.pk, subject.pk)), subject)) for subject in subjects]))
    arrival = (sm.Movement.objects.filter(enrolment=enrolment, kind=sm.Movement.Kind.TRANSFER_IN)
               .order_by("-date").first())
    source = typed_source(typed.values()) or (arrival.other_school if arrival else "")
    return shown, source


def typed_source(rows) -> str:
    return next((row.source for row in rows), "")


def _typed_text(row: EarlierResult | None, subject: sm.Subject) -> str:
    if row is None:
        return ""
    if subject.is_commented:
        return "Đ" if row.comment_passed else "CĐ"
    return str(row.value).replace(".", ",")


@transaction.atomic
def earlier_results_save(*, actor, enrolment: sm.Enrolment, texts: dict[str, str], source: str,
                         reason: str = "") -> int:
    """Save the earlier results typed in the form (``texts`` by field_name); "" clears one. How many changed.

    Refused: a term the student was in the class for (their scores are in the grid), a period the
    principal has approved, a value that is not a result; all are checked before anything is written.
    """
    enrolment = sm.Enrolment.objects.select_related("school_class__year", "student").get(pk=enrolment.pk)
    school_class = enrolment.school_class
    require(actor, SETUP, enrolment)
    if not source.strip():
        raise ValidationError({"source": _("Name the school (or class) the results come from.")})
    shown, _source = earlier_terms(enrolment)
    if not shown:
        raise ValidationError(_("%(name)s was in %(class)s for every term: their scores are entered in the grid.")
                              % {"name": enrolment.student.full_name, "class": school_class.name})
    approved = approved_periods(school_class)
    existing = {(row.term_id, row.subject_id): row
                for row in EarlierResult.objects.select_for_update().filter(enrolment=enrolment)}
    errors, create, update, clear = {}, [], [], []
    now = timezone.now()
    for each in shown:
        for subject, _typed in each.subjects:
            key = field_name(each.term.number, subject.pk)
            if key not in texts:
                continue
            try:
                value = (tt22.parse_comment(texts[key]) if subject.is_commented else tt22.parse_score(texts[key]))
            except tt22.ScoreInputError as error:
                errors[key] = _(error.message) % error.params
                continue
            row = existing.get((each.term.pk, subject.pk))
            number, passed = (None, value) if subject.is_commented else (value, None)
            if value is None:
                if row is not None:
                    clear.append(row)
                continue
            if row is not None and (row.value, row.comment_passed, row.source) == (number, passed, source.strip()):
                continue
            refuse_if_frozen(school_class, approved, each.term.number)
            if row is None:
                create.append(EarlierResult(enrolment=enrolment, subject=subject, term=each.term, value=number,
                                            comment_passed=passed, source=source.strip()[:200], updated_by=actor,
                                            updated_at=now))
            else:
                row.value, row.comment_passed, row.source = number, passed, source.strip()[:200]
                row.updated_by, row.updated_at = actor, now
                update.append(row)
    if errors:
        raise ValidationError(errors)
    why = (reason or _("Results from %(source)s") % {"source": source.strip()})[:100]
    bulk_with_history(EarlierResult, create, update, ["value", "comment_passed", "source", "updated_by",
                                                      "updated_at"], actor=actor, reason=why, now=now)
    delete_with_history(clear, actor=actor, reason=why)
    return len(create) + len(update) + len(clear)


@receiver(enrolment_continued, dispatch_uid="gradebook.results.carry_finished_terms")
def carry_finished_terms(sender, *, previous, enrolment, on, actor, reason, **kwargs):
    """A class change: the old class's results of the terms already over count in the new class's year."""
    old_class = sm.SchoolClass.objects.select_related("year").get(pk=previous.school_class_id)
    data = load_class(old_class)
    studied = {row.subject.pk for row in class_subjects(enrolment.school_class)}
    now = timezone.now()
    carried = []
    for number, term in data.terms.items():
        if term.end_date >= on:
            continue
        row = next((row for row in term_results(data, number).rows if row.enrolment.pk == previous.pk), None)
        for result in (row.subjects if row else []):
            if result.exempt or result.value is None or result.info.subject.pk not in studied:
                continue
            is_bool = isinstance(result.value, bool)
            carried.append(EarlierResult(
                enrolment_id=enrolment.pk, subject=result.info.subject, term=term,
                value=None if is_bool else Decimal(result.value), comment_passed=result.value if is_bool else None,
                source=_("class %(class)s") % {"class": old_class.name}, updated_by=actor, updated_at=now))
    bulk_with_history(EarlierResult, carried, [], [], actor=actor, reason=(reason or _("Class change"))[:100], now=now)
