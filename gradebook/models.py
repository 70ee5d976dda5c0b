"""Scores: one row per assessment slot of a student in a subject and term, with its full history."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from simple_history.models import HistoricalRecords

from schoolrecords.models import Enrolment, Subject, Term

MAX_REGULAR = 4  # TT22: at most four regular assessments (ĐĐGtx) per term, for > 70 periods a year


class Score(models.Model):
    """One assessment slot (enrolment, subject, term, column kind, index): a score or a comment result.

    Scored subjects use ``value`` (0.0–10.0, one decimal); comment subjects use
    ``comment_passed`` (True = Đ, False = CĐ). A row whose result is empty is a slot that was
    filled and cleared again: rows are kept so the history and the version go on.
    ``version`` starts at 1 and grows by one on every change: a save made against an older
    version is refused (optimistic locking, gradebook.services.scores_save).
    """

    class Kind(models.TextChoices):
        REGULAR = "tx", _("Regular assessment")
        MIDTERM = "gk", _("Mid-term assessment")
        FINAL = "ck", _("End-of-term assessment")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        MADE_UP = "made_up", _("Made up")
        # TT22: a student who skips the make-up gets 0 (CĐ for comment subjects).
        FORFEITED = "forfeited", _("Make-up skipped")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="scores",
                                  verbose_name=_("enrolment"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="scores", verbose_name=_("subject"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="scores", verbose_name=_("term"))
    kind = models.CharField(_("column"), max_length=2, choices=Kind.choices)
    index = models.PositiveSmallIntegerField(_("column number"), default=1)
    # numeric(3,1): no stored score can carry a second decimal (see the constraint below).
    value = models.DecimalField(_("score"), max_digits=3, decimal_places=1, null=True, blank=True)
    comment_passed = models.BooleanField(_("comment result"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECORDED)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Set by the service: bulk_update() bypasses auto_now.
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["enrolment", "subject", "term", "kind", "index"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "subject", "term", "kind", "index"],
                                    name="score_one_row_per_slot"),
            models.CheckConstraint(
                condition=Q(kind="tx", index__gte=1, index__lte=MAX_REGULAR) | Q(kind__in=["gk", "ck"], index=1),
                name="score_kind_and_index",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0, value__lte=10), name="score_value_0_to_10"
            ),
            # On PostgreSQL numeric(3,1) already rounds a second decimal away before this check
            # runs, so it can never fire there; on SQLite (no numeric type) it is what refuses 7.25.
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value=Round(F("value"), 1)), name="score_value_one_decimal"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(comment_passed__isnull=True), name="score_value_or_comment"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["recorded", "made_up", "forfeited"]), name="score_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="forfeited")
                | Q(value=0, comment_passed__isnull=True)
                | Q(value__isnull=True, comment_passed=False),
                name="score_forfeited_is_zero_or_not_passed",
            ),
            models.CheckConstraint(
                condition=~Q(status="made_up") | Q(value__isnull=False) | Q(comment_passed__isnull=False),
                name="score_made_up_has_result",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="score_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.subject_id}/{self.term_id} {self.slot_label}: {self.display}"

    @property
    def slot(self) -> tuple[int, str, int]:
        return (self.enrolment_id, self.kind, self.index)

    @property
    def slot_label(self) -> str:
        return column_label(self.kind, self.index)

    @property
    def is_empty(self) -> bool:
        return self.value is None and self.comment_passed is None

    @property
    def display(self) -> str:
        return format_result(self.value, self.comment_passed)

    def clean(self) -> None:
        # The same invariants as the check constraints, in Python, so that a service can validate
        # a whole pasted block without one query per row (validate_constraints() would query).
        if self.kind == self.Kind.REGULAR:
            if not 1 <= (self.index or 0) <= MAX_REGULAR:
                raise ValidationError({"index": _("Unknown column.")})
        elif self.index != 1:
            raise ValidationError({"index": _("Unknown column.")})
        if self.value is not None and self.comment_passed is not None:
            raise ValidationError(_("A cell holds either a score or a comment result, not both."))
        if self.status == self.Status.FORFEITED and not (
            (self.value == 0 and self.comment_passed is None)
            or (self.value is None and self.comment_passed is False)
        ):
            raise ValidationError(FORFEITED_MESSAGE)
        if self.status == self.Status.MADE_UP and self.is_empty:
            raise ValidationError(MADE_UP_MESSAGE)


FORFEITED_MESSAGE = _("A skipped make-up is recorded as 0 (Not yet for a comment subject).")
MADE_UP_MESSAGE = _("A make-up assessment needs its result.")


# --- how results look on screen (active language: decimal comma in Vietnamese) ----------------


def format_score(value: Decimal | None) -> str:
    """A score as teachers write it: "8", "7,5" (the stored 8.0 shows as 8)."""
    if value is None:
        return ""
    return formats.number_format(value, decimal_pos=0 if value == value.to_integral_value() else 1)


def format_average(value: Decimal | None) -> str:
    """An average always with its one decimal, as the ledger prints it: "8,0", "6,9"."""
    if value is None:
        return ""
    return formats.number_format(value, decimal_pos=1)


def format_comment(passed: bool | None) -> str:
    if passed is None:
        return ""
    return pgettext("comment result, short", "Pass") if passed else pgettext("comment result, short", "Not yet")


def format_result(value: Decimal | None, comment_passed: bool | None) -> str:
    return format_score(value) if value is not None else format_comment(comment_passed)


def column_label(kind: str, index: int = 1) -> str:
    """The short column heading of the ledger: ĐĐGtx1 …, ĐĐGgk, ĐĐGck."""
    if kind == Score.Kind.REGULAR:
        return pgettext("score column", "Reg. %(index)s") % {"index": index}
    if kind == Score.Kind.MIDTERM:
        return pgettext("score column", "Mid-term")
    return pgettext("score column", "End-term")
