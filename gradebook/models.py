"""Scores: one row per assessment slot of a student in a subject and term, with its full history."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Round
from django.db.models.lookups import LessThanOrEqual
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from simple_history.models import HistoricalRecords

from gradebook.rules.tt22 import PlanMode
from schoolrecords.models import Enrolment, SchoolClass, SchoolYear, Student, Subject, Term

# TT22: at most four regular assessments (ĐĐGtx) per term, for > 70 periods a year; one more where the class
# studies the subject's learning topics (upper secondary, tt22.regular_assessment_count).
MAX_REGULAR = 5


class Score(models.Model):
    """One assessment slot (enrolment, subject, term, column kind, index): a score or a comment result.

    Scored subjects use ``value`` (0.0–10.0, one decimal); comment subjects use
    ``comment_passed`` (True = Đ, False = CĐ). A row whose result is empty is a slot that was
    filled and cleared again: rows are kept so the history and the version go on.
    ``version`` starts at 1 and grows by one on every change: a save made against an older
    version is refused (optimistic locking, gradebook.scores.services.scores_save).
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
    # The login session in which the current value was entered (gradebook.sessions): its teacher may
    # change it freely until that session ends. Empty, or another session: the value is recorded, and
    # from then on it changes only through a re-entry or a correction request (gradebook.rules.entry).
    entry_session = models.CharField(_("entered in session"), max_length=64, blank=True, default="")
    # When the slot first got a result: the date a regular score is "dated" for its correction deadline.
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)
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


# --- homeroom work and class results ------------------------------------------------------------
#
# A period is a term, or the whole year where ``term`` is null. Every row below is written by
# gradebook.results.services and gradebook.homeroom.services only; once the principal approves a
# class's period (ResultApproval) those services refuse every change of that class and period, and
# the entry rule (gradebook.rules.entry) refuses its scores.

MAX_SESSIONS_PER_MONTH = 62  # two sessions (buổi) a day, 31 days


class LevelChoice(models.TextChoices):
    """A learning or conduct level; the values are gradebook.assessment.Level's."""

    TOT = "tot", pgettext_lazy("level", "Good")
    KHA = "kha", pgettext_lazy("level", "Fair")
    DAT = "dat", pgettext_lazy("level", "Pass")
    CHUA_DAT = "chua_dat", pgettext_lazy("level", "Not yet passed")


def _level_known(field: str) -> Q:
    return Q(**{f"{field}__in": LevelChoice.values})


class ConductResult(models.Model):
    """The conduct (rèn luyện) level the homeroom teacher gives a student for one term."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="conduct_results",
                                  verbose_name=_("enrolment"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="conduct_results", verbose_name=_("term"))
    level = models.CharField(_("conduct"), max_length=10, choices=LevelChoice.choices)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("conduct result")
        verbose_name_plural = _("conduct results")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "term"], name="conduct_one_per_term"),
            models.CheckConstraint(condition=_level_known("level"), name="conduct_level_known"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.term_id}: {self.level}"


class MonthlyAbsence(models.Model):
    """Sessions a student missed in one calendar month, excused (P) and unexcused (K)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="monthly_absences",
                                  verbose_name=_("enrolment"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    excused = models.PositiveSmallIntegerField(_("excused sessions"), default=0)
    unexcused = models.PositiveSmallIntegerField(_("unexcused sessions"), default=0)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly absences")
        verbose_name_plural = _("monthly absences")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "year", "month"], name="absence_one_per_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="absence_month_1_12"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="absence_year_plausible"),
            models.CheckConstraint(
                condition=Q(excused__gte=0, unexcused__gte=0)
                & Q(excused__lte=MAX_SESSIONS_PER_MONTH - F("unexcused")),
                name="absence_sessions_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.month:02d}/{self.year}: P{self.excused} K{self.unexcused}"

    @property
    def total(self) -> int:
        return self.excused + self.unexcused

    def clean(self) -> None:
        if not 1 <= (self.month or 0) <= 12:
            raise ValidationError({"month": _("Unknown month.")})
        if (self.excused or 0) < 0 or (self.unexcused or 0) < 0:
            raise ValidationError(_("The number of sessions absent cannot be negative."))
        if (self.excused or 0) + (self.unexcused or 0) > MAX_SESSIONS_PER_MONTH:
            raise ValidationError(SESSIONS_MESSAGE % {"max": MAX_SESSIONS_PER_MONTH})


SESSIONS_MESSAGE = _("A month has at most %(max)s sessions.")


class RollCallDay(models.Model):
    """A day whose roll-call the homeroom teacher took for the class: its DailyAbsence rows are that day's absences.

    Once a day of a month is taken, the class keeps that month's roll-call by day, and its monthly
    totals (MonthlyAbsence) are counted from the days (gradebook.homeroom.services.rollcall_save).
    """

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="rollcall_days",
                                     verbose_name=_("class"))
    date = models.DateField(_("date"))
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("taken by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("roll-call day")
        verbose_name_plural = _("roll-call days")
        constraints = [models.UniqueConstraint(fields=["school_class", "date"], name="rollcall_one_per_class_day")]

    def __str__(self) -> str:
        return f"{self.school_class_id} {self.date:%d/%m/%Y}"


class DailyAbsence(models.Model):
    """A student absent on one day of the roll-call, excused (P) or unexcused (K); a present student has no row."""

    class Kind(models.TextChoices):
        EXCUSED = "P", _("Excused (P)")
        UNEXCUSED = "K", _("Unexcused (K)")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="daily_absences",
                                  verbose_name=_("enrolment"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("absence"), max_length=1, choices=Kind.choices)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily absence")
        verbose_name_plural = _("daily absences")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "date"], name="daily_absence_one_per_day"),
            models.CheckConstraint(condition=Q(kind__in=["P", "K"]), name="daily_absence_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.date:%d/%m/%Y}: {self.kind}"


class StudentRemark(models.Model):
    """The homeroom teacher's remark on a student for a term, or for the year (``term`` null)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="remarks",
                                  verbose_name=_("enrolment"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("term"))
    text = models.TextField(_("remark"), max_length=1000)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("remark")
        verbose_name_plural = _("remarks")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "term"], condition=Q(term__isnull=False),
                                    name="remark_one_per_term"),
            models.UniqueConstraint(fields=["enrolment"], condition=Q(term__isnull=True),
                                    name="remark_one_per_year"),
            models.CheckConstraint(condition=~Q(text=""), name="remark_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.term_id or 'year'}: {self.text[:30]}"


MAX_SUBJECT_REMARK = 300  # the report card's remark column holds a short sentence or two


class SubjectRemark(models.Model):
    """A subject teacher's remark (nhận xét) on a student in a subject for a term, or the year (``term`` null).

    The report card's "Subject teacher's remark" column. Written by gradebook.remarks.services only,
    under the entry rule of the subject's scores (gradebook.entry): its teacher, while the class's
    period is not approved and the term's book is not locked nor its windows closed.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="subject_remarks",
                                  verbose_name=_("enrolment"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("term"))
    text = models.CharField(_("remark"), max_length=MAX_SUBJECT_REMARK)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject remark")
        verbose_name_plural = _("subject remarks")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "subject", "term"], condition=Q(term__isnull=False),
                                    name="subject_remark_one_per_term"),
            models.UniqueConstraint(fields=["enrolment", "subject"], condition=Q(term__isnull=True),
                                    name="subject_remark_one_per_year"),
            models.CheckConstraint(condition=~Q(text=""), name="subject_remark_not_empty"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("text"), MAX_SUBJECT_REMARK),
                                   name="subject_remark_length"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.subject_id}/{self.term_id or 'year'}: {self.text[:30]}"


class RemarkPhrase(models.Model):
    """A phrase of the comment bank: a teacher's own (``owner``) or the school's (``owner`` null).

    The school's phrases are kept by the leadership and the admin board; a teacher sees their own
    and the school's, never another teacher's (gradebook.remarks.selectors.phrases_for).
    ``subject`` empty: the phrase fits every subject.
    """

    school = models.ForeignKey("schoolrecords.School", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("teacher"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("subject"))
    text = models.CharField(_("phrase"), max_length=MAX_SUBJECT_REMARK)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("remark phrase")
        verbose_name_plural = _("remark phrases")
        ordering = ["text", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="remark_phrase_not_empty"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("text"), MAX_SUBJECT_REMARK),
                                   name="remark_phrase_length"),
        ]
        indexes = [models.Index(fields=["school", "owner"], name="remark_phrase_school_owner")]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_school(self) -> bool:
        return self.owner_id is None


class Exemption(models.Model):
    """The principal exempts (miễn) a student from a subject for a term, or the year (``term`` null).

    An exempt subject leaves the student's results, and its cells are not required.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="exemptions",
                                  verbose_name=_("enrolment"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("term"))
    reason = models.CharField(_("reason"), max_length=255)
    evidence_note = models.CharField(_("evidence"), max_length=255, blank=True,
                                     help_text=_("Which document proves it, e.g. a medical certificate."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "subject", "term"], condition=Q(term__isnull=False),
                                    name="exemption_one_per_term"),
            models.UniqueConstraint(fields=["enrolment", "subject"], condition=Q(term__isnull=True),
                                    name="exemption_one_per_year"),
            models.CheckConstraint(condition=~Q(reason=""), name="exemption_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.subject_id}/{self.term_id or 'year'}"


class RetestResult(models.Model):
    """A re-test (kiểm tra lại) result, which replaces the subject's year value; the original is kept."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="retest_results",
                                  verbose_name=_("enrolment"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    value = models.DecimalField(_("re-test score"), max_digits=3, decimal_places=1, null=True, blank=True)
    comment_passed = models.BooleanField(_("re-test result"), null=True, blank=True)
    # The year value the re-test replaces (ĐTBmcn, or the comment year result), as it was when the
    # re-test was entered: the ledger prints both.
    original_value = models.DecimalField(_("year average before the re-test"), max_digits=3, decimal_places=1,
                                         null=True, blank=True)
    original_comment_passed = models.BooleanField(_("year result before the re-test"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("re-test result")
        verbose_name_plural = _("re-test results")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "subject"], name="retest_one_per_subject"),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(comment_passed__isnull=True))
                | (Q(value__isnull=True) & Q(comment_passed__isnull=False)),
                name="retest_score_or_comment",
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0, value__lte=10),
                                   name="retest_value_0_to_10"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value=Round(F("value"), 1)), name="retest_value_one_decimal"
            ),
            models.CheckConstraint(
                condition=Q(original_value__isnull=True) | Q(original_comment_passed__isnull=True),
                name="retest_original_score_or_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.subject_id}: {self.display}"

    @property
    def result(self) -> Decimal | bool | None:
        return self.value if self.value is not None else self.comment_passed

    @property
    def display(self) -> str:
        return format_result(self.value, self.comment_passed)


class SummerReassessment(models.Model):
    """The conduct level the homeroom teacher gives after the summer training (rèn luyện trong kì nghỉ hè)."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="summer_reassessment",
                                     verbose_name=_("enrolment"))
    level = models.CharField(_("conduct after the summer training"), max_length=10, choices=LevelChoice.choices)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("summer re-assessment")
        verbose_name_plural = _("summer re-assessments")
        constraints = [models.CheckConstraint(condition=_level_known("level"), name="summer_level_known")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.level}"


class EarlierResult(models.Model):
    """A subject's term result the student got before joining the class, typed from its record.

    A student who transferred in types their earlier terms from the previous school's học bạ
    (``source`` names it); one who changed class gets those of their old class (``source``: that
    class). The class's year average uses it where the student has no scores of that term here;
    the prints mark it with its source.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="earlier_results",
                                  verbose_name=_("enrolment"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    value = models.DecimalField(_("term average"), max_digits=3, decimal_places=1, null=True, blank=True)
    comment_passed = models.BooleanField(_("term result"), null=True, blank=True)
    source = models.CharField(_("from"), max_length=200)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("earlier result")
        verbose_name_plural = _("earlier results")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "subject", "term"], name="earlier_one_per_subject_term"),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(comment_passed__isnull=True))
                | (Q(value__isnull=True) & Q(comment_passed__isnull=False)),
                name="earlier_score_or_comment",
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0, value__lte=10),
                                   name="earlier_value_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.subject_id} {self.term_id}: {self.value or self.comment_passed}"


class ResultApproval(models.Model):
    """The principal approved a class's results for a term, or the year (``term`` null): they are frozen."""

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="result_approvals",
                                     verbose_name=_("class"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("term"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval of results")
        verbose_name_plural = _("approvals of results")
        constraints = [
            models.UniqueConstraint(fields=["school_class", "term"], condition=Q(term__isnull=False),
                                    name="approval_one_per_class_term"),
            models.UniqueConstraint(fields=["school_class"], condition=Q(term__isnull=True),
                                    name="approval_one_per_class_year"),
        ]

    def __str__(self) -> str:
        return f"{self.school_class_id}/{self.term_id or 'year'}"


# --- entry windows, locks and correction requests ---------------------------------------------
#
# Written only by gradebook.windows.services and gradebook.corrections.services; the rules they
# enforce are in the docstring of gradebook.windows.services.


class EntryWindow(models.Model):
    """A period in which scores of a term may be entered, for some columns and an optional scope.

    ``kind`` empty means every column; ``grade``, ``school_class`` and ``subject`` narrow what the
    window covers (empty = no narrowing). It is open while ``state`` is open and now lies in
    [opens_at, closes_at) (``closes_at`` empty = no end).
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="entry_windows", verbose_name=_("term"))
    kind = models.CharField(_("columns"), max_length=2, choices=Score.Kind.choices, blank=True,
                            help_text=_("Empty: every column."))
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("class"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("subject"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=6, choices=State.choices, default=State.OPEN)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("entry window")
        verbose_name_plural = _("entry windows")
        ordering = ["term", "opens_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__isnull=True) | Q(closes_at__gt=F("opens_at")),
                                   name="window_opens_before_it_closes"),
            models.CheckConstraint(condition=Q(state__in=["open", "closed"]), name="window_state_known"),
            models.CheckConstraint(condition=Q(kind__in=["", "tx", "gk", "ck"]), name="window_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.term_id} {self.kind or '*'} {self.opens_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A window must close after it opens.")})

    def is_open_at(self, moment) -> bool:
        return (self.state == self.State.OPEN and self.opens_at <= moment
                and (self.closes_at is None or moment < self.closes_at))


class ScoreLock(models.Model):
    """A lock on scores: a whole term's book (``school_class`` empty, set by the principal) or one
    column of a class's subject (set by its teacher). Lifting it keeps the row, with who and why."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="score_locks", verbose_name=_("term"))
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("class"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("subject"))
    kind = models.CharField(_("column"), max_length=2, choices=Score.Kind.choices, blank=True)
    index = models.PositiveSmallIntegerField(_("column number"), null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("locked by"))
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    unlocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("unlocked by"))
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlock_reason = models.CharField(_("reason for unlocking"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score lock")
        verbose_name_plural = _("score locks")
        constraints = [
            models.UniqueConstraint(fields=["term"], condition=Q(school_class__isnull=True, unlocked_at__isnull=True),
                                    name="lock_one_active_book_lock"),
            models.UniqueConstraint(fields=["term", "school_class", "subject", "kind", "index"],
                                    condition=Q(school_class__isnull=False, unlocked_at__isnull=True),
                                    name="lock_one_active_column_lock"),
            models.CheckConstraint(
                condition=Q(school_class__isnull=True, subject__isnull=True, kind="", index__isnull=True)
                | Q(school_class__isnull=False, subject__isnull=False, index__isnull=False) & ~Q(kind=""),
                name="lock_book_or_column",
            ),
            models.CheckConstraint(condition=Q(unlocked_at__isnull=True) | ~Q(unlock_reason=""),
                                   name="lock_unlock_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.term_id}/{self.school_class_id or 'book'}/{self.subject_id or ''} {self.kind}{self.index or ''}"

    @property
    def is_book_lock(self) -> bool:
        return self.school_class_id is None

    @property
    def is_active(self) -> bool:
        return self.unlocked_at is None


class TermRules(models.Model):
    """The version of a term's entry rules (its windows and locks): a key for what saves keep in the cache.

    Every change of a window or a lock bumps it in its own transaction (gradebook.gate.bump_rules, on
    every save or delete of those rows, while the change holds the term's gate), so a save that passed the
    gate and reads the version reads the windows and locks of that version: what is cached under
    an older one is never used again (gradebook.entry). Not history: a counter, not a record.
    """

    term = models.OneToOneField(Term, on_delete=models.CASCADE, primary_key=True, related_name="+",
                                verbose_name=_("term"))
    version = models.PositiveBigIntegerField(_("version"), default=0)  # random, new at each change

    class Meta:
        verbose_name = _("version of a term's entry rules")
        verbose_name_plural = _("versions of terms' entry rules")

    def __str__(self) -> str:
        return f"{self.term_id} v{self.version}"


class TermSchedule(models.Model):
    """A term's test dates and the school's deadlines around them (seed 000 art. 8.5-8.6, seed 003 §5)."""

    term = models.OneToOneField(Term, on_delete=models.PROTECT, related_name="schedule", verbose_name=_("term"))
    midterm_test_on = models.DateField(_("mid-term test date"), null=True, blank=True)
    final_test_on = models.DateField(_("end-of-term test date"), null=True, blank=True)
    midterm_entry_days = models.PositiveSmallIntegerField(
        _("days to enter mid-term scores after the test"), default=14)
    regular_correction_days = models.PositiveSmallIntegerField(
        _("last day for correcting regular scores, in days before the end-of-term test"), default=7)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term schedule")
        verbose_name_plural = _("term schedules")

    def __str__(self) -> str:
        return f"{self.term_id}: {self.midterm_test_on} / {self.final_test_on}"


class CorrectionRequest(models.Model):
    """A Phiếu đề nghị sửa điểm: locked cells of one class's subject and term, their new values and why.

    States: pending → approved | rejected | needs_info; needs_info → pending (resubmitted) |
    withdrawn; pending → withdrawn. Approved, rejected and withdrawn are final
    (gradebook.corrections.TRANSITIONS). A re-entry of regular scores (``kind``) the school lets
    apply at once is filed *applied*, also final.
    """

    class Kind(models.TextChoices):
        # Seed 003 §5: a regular score re-entered by its teacher, with evidence, before the deadline.
        REENTRY = "reentry", _("Re-entry")
        # Everything else (mid- and end-of-term scores, after a deadline, a lock or an approval).
        CORRECTION = "correction", _("Correction request")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the leadership")
        NEEDS_INFO = "needs_info", _("More information asked")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # A re-entry the school lets apply at once (EntrySettings.reentry_needs_approval off): final.
        APPLIED = "applied", _("Applied without approval")

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("class"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CORRECTION)
    # The deadline that applied when the request was filed (None: the term's schedule named none),
    # and whether it was filed after it (then only the leadership may apply it).
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    late = models.BooleanField(_("filed after the deadline"), default=False)
    reason = models.TextField(_("reason"), max_length=2000)
    # Seed 003 §5: a mid- or end-of-term mark is corrected with the confirmation of the examiner who marked it.
    examiner = models.CharField(_("examiner who confirms"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("principal's note"), max_length=2000, blank=True)
    # The admin board member present when the correction was made (the minutes name them).
    witness = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("admin board member present"))
    # The minutes (biên bản sửa dữ liệu) of the decision: numbered per school year, with place and date.
    minutes_number = models.PositiveIntegerField(_("minutes number"), null=True, blank=True)
    minutes_place = models.CharField(_("place"), max_length=120, blank=True)
    minutes_date = models.DateField(_("date of the minutes"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "needs_info", "approved", "rejected", "withdrawn", "applied"]),
                name="correction_status_known"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(decision_note=""),
                                   name="correction_rejection_has_reason"),
            models.CheckConstraint(condition=~Q(decided_by=F("requested_by")), name="correction_not_self_decided"),
            models.CheckConstraint(condition=Q(kind__in=["reentry", "correction"]), name="correction_kind_known"),
            models.CheckConstraint(condition=~Q(status="applied") | Q(kind="reentry", late=False),
                                   name="correction_only_reentry_applies_itself"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.school_class_id}/{self.subject_id}/{self.term_id} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.NEEDS_INFO)


class EntrySettings(models.Model):
    """A school's rules for changing recorded scores (seed 000 art. 8.6 or seed 003 §5), one row per school.

    A school without a row has the defaults (``for_school``).
    """

    class RegularDeadline(models.TextChoices):
        # Seed 000 art. 8.6: the last correction a week (the term schedule's days) before the end-of-term test.
        BEFORE_FINAL_TEST = "final", _("Before the end-of-term test (seed 000: the term schedule's days)")
        # Seed 003 §5: two weeks before the mid-term test for scores dated before it, two weeks
        # before the end-of-term test for the rest.
        BEFORE_EACH_TEST = "each", _("Two weeks before the mid-term test, then before the end-of-term test (seed 003)")

    school = models.OneToOneField("schoolrecords.School", on_delete=models.PROTECT, related_name="entry_settings",
                                  verbose_name=_("school"))
    regular_deadline = models.CharField(_("deadline for re-entering regular scores"), max_length=5,
                                        choices=RegularDeadline.choices, default=RegularDeadline.BEFORE_FINAL_TEST)
    reentry_needs_approval = models.BooleanField(
        _("re-entered regular scores wait for the leadership's approval"), default=True,
        help_text=_("Seed 000 art. 8.3 requires the principal's consent for every change."))
    test_correction_days = models.PositiveSmallIntegerField(
        _("days after a mid-term or end-of-term test to file its corrections"), default=5)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score change rules")
        verbose_name_plural = _("score change rules")
        constraints = [
            models.CheckConstraint(condition=Q(regular_deadline__in=["final", "each"]),
                                   name="entry_settings_deadline_known"),
            models.CheckConstraint(condition=Q(test_correction_days__lte=60), name="entry_settings_days_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {self.regular_deadline}"

    @classmethod
    def for_school(cls, school_id: int) -> "EntrySettings":
        """The school's row, or an unsaved one with the defaults."""
        return cls.objects.filter(school_id=school_id).first() or cls(school_id=school_id)


class DecisionDelegation(models.Model):
    """The principal delegates deciding correction requests to a vice principal for a school year.

    Active from ``starts_on`` to ``ends_on`` (empty: the end of the year) unless revoked; the row
    stays after it ends or is revoked, so who could decide when is always known.
    """

    year = models.ForeignKey("schoolrecords.SchoolYear", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("school year"))
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("vice principal"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegation of correction decisions")
        verbose_name_plural = _("delegations of correction decisions")
        ordering = ["year", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                                   name="delegation_ends_after_it_starts"),
            models.CheckConstraint(condition=~Q(delegate=F("granted_by")), name="delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.year_id}: {self.delegate_id} {self.starts_on}–{self.ends_on or ''}"

    def is_active_on(self, day) -> bool:
        return (self.revoked_at is None and self.starts_on <= day
                and (self.ends_on is None or day <= self.ends_on))


class CorrectionChange(models.Model):
    """One cell of a correction request: its value when asked (old) and the value asked for (new)."""

    request = models.ForeignKey(CorrectionRequest, on_delete=models.CASCADE, related_name="changes",
                                verbose_name=_("correction request"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("enrolment"))
    kind = models.CharField(_("column"), max_length=2, choices=Score.Kind.choices)
    index = models.PositiveSmallIntegerField(_("column number"), default=1)
    score = models.ForeignKey(Score, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("score"))
    old_value = models.DecimalField(_("old score"), max_digits=3, decimal_places=1, null=True, blank=True)
    old_comment_passed = models.BooleanField(_("old comment result"), null=True, blank=True)
    new_value = models.DecimalField(_("new score"), max_digits=3, decimal_places=1, null=True, blank=True)
    new_comment_passed = models.BooleanField(_("new comment result"), null=True, blank=True)

    class Meta:
        verbose_name = _("corrected cell")
        verbose_name_plural = _("corrected cells")
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "enrolment", "kind", "index"], name="correction_cell_once"),
            models.CheckConstraint(condition=Q(new_value__isnull=True) | Q(new_value__gte=0, new_value__lte=10),
                                   name="correction_new_value_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.enrolment_id} {self.kind}{self.index}"

    @property
    def slot_label(self) -> str:
        return column_label(self.kind, self.index)

    @property
    def old_display(self) -> str:
        return format_result(self.old_value, self.old_comment_passed)

    @property
    def new_display(self) -> str:
        return format_result(self.new_value, self.new_comment_passed)


def evidence_path(instance, filename: str) -> str:
    return f"corrections/{timezone.now():%Y/%m}/{instance.request_id}-{filename}"


class CorrectionEvidence(models.Model):
    """A file proving a correction: a scanned test paper, the personal score book, the class's confirmation."""

    request = models.ForeignKey(CorrectionRequest, on_delete=models.CASCADE, related_name="evidence",
                                verbose_name=_("correction request"))
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["request", "pk"]

    def __str__(self) -> str:
        return self.original_name


# --- corrections of homeroom work and results after approval -------------------------------------
#
# Written only by gradebook.corrections.homeroom: once the principal approves a class's period, its
# conduct, monthly absences, remarks, exemptions and re-test results change only through one of these.


def homeroom_evidence_path(instance, filename: str) -> str:
    return f"corrections/homeroom/{timezone.now():%Y/%m}/{filename}"


class HomeroomCorrection(models.Model):
    """A request to change one value of an approved class's homeroom work or results, decided by the leadership.

    One value per request: a student's conduct of a term, absences of a month, remark of a term or
    the year, exemption from a subject (a term or the year) or re-test result. ``old_value`` is the
    value the requester was shown (the request is refused if it changed since), ``new_value`` the
    one asked for, both in the canonical form of gradebook.corrections.homeroom (JSON). States:
    pending → approved | rejected, both final. The minutes are numbered with the score corrections'
    (gradebook.corrections.minutes).
    """

    class Field(models.TextChoices):
        CONDUCT = "conduct", _("Conduct")
        ABSENCES = "absences", _("Monthly absences")
        REMARK = "remark", _("Homeroom remark")
        EXEMPTION = "exemption", _("Exemption")
        RETEST = "retest", _("Re-test result")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the leadership")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("class"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+", verbose_name=_("enrolment"))
    field = models.CharField(_("what is corrected"), max_length=10, choices=Field.choices)
    # The period: a term, or the year (null) for a year remark, a year exemption and a re-test.
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("term"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("subject"))
    month_year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    # Names the corrected value ("conduct:12:t3", "absences:12:2025-9" …): one open request per value.
    slot = models.CharField(_("value"), max_length=64)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=2000)
    evidence = models.FileField(_("evidence"), upload_to=homeroom_evidence_path, max_length=255)
    evidence_name = models.CharField(_("file name"), max_length=255)
    evidence_type = models.CharField(_("file type"), max_length=40)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("principal's note"), max_length=2000, blank=True)
    witness = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("admin board member present"))
    minutes_number = models.PositiveIntegerField(_("minutes number"), null=True, blank=True)
    minutes_place = models.CharField(_("place"), max_length=120, blank=True)
    minutes_date = models.DateField(_("date of the minutes"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("homeroom correction request")
        verbose_name_plural = _("homeroom correction requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="homeroom_correction_has_reason"),
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected"]),
                                   name="homeroom_correction_status_known"),
            models.CheckConstraint(condition=Q(field__in=["conduct", "absences", "remark", "exemption", "retest"]),
                                   name="homeroom_correction_field_known"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(decision_note=""),
                                   name="homeroom_correction_rejection_has_reason"),
            models.CheckConstraint(condition=~Q(status="approved") | Q(witness__isnull=False),
                                   name="homeroom_correction_approval_has_witness"),
            models.CheckConstraint(condition=~Q(decided_by=F("requested_by")),
                                   name="homeroom_correction_not_self_decided"),
            models.UniqueConstraint(fields=["slot"], condition=Q(status="pending"),
                                    name="homeroom_correction_one_open_per_value"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.slot} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING


# --- entry progress: reminders and the monthly record -------------------------------------------------


class ProgressReminder(models.Model):
    """The leadership reminds a teacher who is behind on entry (gradebook.progress.services.reminder_send).

    ``lines`` name what was missing when it was sent, as plain values (the class, the subject or
    conduct, the empty cells): [{"assignment": id or null, "school_class": "6A1", "subject": "Toán"
    or "" for conduct, "missing": 12}]. Shown on the teacher's home page until they dismiss it
    (``read_at``); e-mailed when the site has an SMTP server (``emailed_at``).
    """

    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_reminders",
                                verbose_name=_("teacher"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("sent by"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    message = models.TextField(_("message"), max_length=1000, blank=True)
    lines = models.JSONField(_("what is missing"), default=list)
    assignments = models.ManyToManyField("schoolrecords.TeachingAssignment", blank=True, related_name="+",
                                         verbose_name=_("teaching assignments"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["lines"])

    class Meta:
        verbose_name = _("entry reminder")
        verbose_name_plural = _("entry reminders")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["teacher", "read_at"], name="progress_reminder_unread")]
        constraints = [models.CheckConstraint(condition=~Q(teacher=F("sent_by")), name="progress_reminder_not_self")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.sent_at:%d/%m/%Y}"

    @property
    def missing(self) -> int:
        return sum(int(line.get("missing", 0)) for line in self.lines)


class ProgressRecord(models.Model):
    """The month's record of entry progress (seed 000 art. 9.3 rates each month by it): one per school year
    and month, taken on the first of the next month (Celery beat, ``manage.py progress_snapshot``).

    ``month`` is the first day of the month recorded; its rows are the completion of each class's
    subjects and conduct in the term under way at the end of that month, as it stood at ``taken_at``.
    """

    year = models.ForeignKey("schoolrecords.SchoolYear", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("school year"))
    month = models.DateField(_("month"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("taken by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly entry progress record")
        verbose_name_plural = _("monthly entry progress records")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="progress_record_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="progress_record_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.year_id} {self.month:%m/%Y}"


class ProgressRecordRow(models.Model):
    """One class subject (or a class's conduct) of a monthly record: who, and how many cells were filled.

    Names are kept as written then: the record stays as taken when a teacher or subject changes later.
    """

    record = models.ForeignKey(ProgressRecord, on_delete=models.CASCADE, related_name="rows",
                               verbose_name=_("record"))
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("teacher"))
    teacher_name = models.CharField(_("teacher"), max_length=200, blank=True)
    class_name = models.CharField(_("class"), max_length=50)
    subject_name = models.CharField(_("subject"), max_length=200, blank=True)  # "": the class's conduct
    filled = models.PositiveIntegerField(_("filled"))
    required = models.PositiveIntegerField(_("required"))
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        verbose_name = _("monthly entry progress row")
        verbose_name_plural = _("monthly entry progress rows")
        ordering = ["record", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record", "position"], name="progress_record_row_position"),
            models.CheckConstraint(condition=Q(filled__lte=F("required")), name="progress_record_row_filled"),
        ]

    def __str__(self) -> str:
        return f"{self.class_name} {self.subject_name}: {self.filled}/{self.required}"

    @property
    def percent(self) -> int:
        return 100 if not self.required else self.filled * 100 // self.required


# --- students with disabilities: individual education plans (TT22 art. 11) -------------------------


class PlanModeChoice(models.TextChoices):
    """How a plan has one subject assessed; the values are gradebook.rules.tt22.PlanMode's."""

    SCORES = PlanMode.SCORES.value, _("By scores")
    COMMENTS = PlanMode.COMMENTS.value, _("By comments (Pass / Not yet)")
    EXEMPT = PlanMode.EXEMPT.value, _("Exempt (not assessed)")


class IndividualPlan(models.Model):
    """A student's individual education plan (kế hoạch giáo dục cá nhân) for one school year.

    Drafted by the homeroom teacher of the student's class (or the admin board), approved by the
    principal; only an approved plan counts in the results (gradebook.results.compute.load_class).
    Changing an approved plan sends it back to draft, with a reason, until the principal approves
    it again (gradebook.plans.services). Per student and year, not per enrolment: a student who
    changes class during the year keeps their plan.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Waiting for the principal's approval")
        APPROVED = "approved", _("Approved")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="individual_plans",
                                verbose_name=_("student"))
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("school year"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    note = models.TextField(_("what the plan adjusts"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("drafted by"))
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_note = models.CharField(_("principal's note"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("individual education plan")
        verbose_name_plural = _("individual education plans")
        constraints = [
            models.UniqueConstraint(fields=["student", "year"], name="plan_one_per_student_year"),
            models.CheckConstraint(condition=Q(state__in=["draft", "approved"]), name="plan_state_known"),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="plan_approval_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.year_id}: {self.state}"

    @property
    def is_approved(self) -> bool:
        return self.state == self.State.APPROVED


class IndividualPlanSubject(models.Model):
    """One subject a plan assesses otherwise than the class: by scores, by comments, or not at all."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.PROTECT, related_name="subjects",
                             verbose_name=_("individual education plan"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    mode = models.CharField(_("assessed"), max_length=10, choices=PlanModeChoice.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject of an individual education plan")
        verbose_name_plural = _("subjects of individual education plans")
        constraints = [
            models.UniqueConstraint(fields=["plan", "subject"], name="plan_subject_once"),
            models.CheckConstraint(condition=Q(mode__in=[mode.value for mode in PlanMode]),
                                   name="plan_subject_mode_known"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.subject_id}: {self.mode}"


# --- primary school (TT27): levels at four points, qualities and competencies, the year record ----
#
# Written only by gradebook.primary.services; the rules are gradebook.rules.tt27's.


class PrimaryPoint(models.TextChoices):
    """The four assessment points of a primary year (values: tt27.AssessmentPoint's)."""

    MID_TERM_1 = "gk1", _("Mid-term I")
    END_TERM_1 = "ck1", _("End of term I")
    MID_TERM_2 = "gk2", _("Mid-term II")
    END_OF_YEAR = "cn", _("End of year")


class PrimaryLevel(models.TextChoices):
    """A subject's level at a point (values: tt27.SubjectLevel's)."""

    HOAN_THANH_TOT = "T", pgettext_lazy("primary level", "Completed well")
    HOAN_THANH = "H", pgettext_lazy("primary level", "Completed")
    CHUA_HOAN_THANH = "C", pgettext_lazy("primary level", "Not yet completed")


class PrimaryTraitLevel(models.TextChoices):
    """A quality's or competency's level at a point (values: tt27.Level3's)."""

    TOT = "T", pgettext_lazy("trait level", "Good")
    DAT = "D", pgettext_lazy("trait level", "Pass")
    CAN_CO_GANG = "C", pgettext_lazy("trait level", "Needs effort")


class PrimaryTrait(models.TextChoices):
    """The five qualities and ten competencies (values: tt27.Quality's and tt27.Competency's)."""

    YEU_NUOC = "yeu_nuoc", _("Patriotism")
    NHAN_AI = "nhan_ai", _("Kindness")
    CHAM_CHI = "cham_chi", _("Diligence")
    TRUNG_THUC = "trung_thuc", _("Honesty")
    TRACH_NHIEM = "trach_nhiem", _("Responsibility")
    TU_CHU_TU_HOC = "tu_chu_tu_hoc", _("Self-reliance and self-study")
    GIAO_TIEP_HOP_TAC = "giao_tiep_hop_tac", _("Communication and cooperation")
    GIAI_QUYET_VAN_DE = "giai_quyet_van_de", _("Problem solving and creativity")
    NGON_NGU = "ngon_ngu", _("Language")
    TINH_TOAN = "tinh_toan", _("Numeracy")
    KHOA_HOC = "khoa_hoc", _("Science")
    CONG_NGHE = "cong_nghe", _("Technology")
    TIN_HOC = "tin_hoc", _("Informatics")
    THAM_MI = "tham_mi", _("Aesthetics")
    THE_CHAT = "the_chat", _("Physical")


class PrimaryYearResult(models.TextChoices):
    """The year result (values: tt27.YearResult's)."""

    HTXS = "htxs", _("Completed excellently")
    HTT = "htt", _("Completed well")
    HT = "ht", _("Completed")
    CHT = "cht", _("Not yet completed")


class PrimaryAssessment(models.Model):
    """One primary subject of one student at one point: its level, its periodic test score, a comment."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="primary_assessments",
                                  verbose_name=_("enrolment"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    point = models.CharField(_("assessment point"), max_length=3, choices=PrimaryPoint.choices)
    level = models.CharField(_("level"), max_length=1, choices=PrimaryLevel.choices, blank=True)
    test_score = models.PositiveSmallIntegerField(_("test score"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("primary assessment")
        verbose_name_plural = _("primary assessments")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "subject", "point"], name="primary_one_per_point"),
            models.CheckConstraint(condition=Q(point__in=PrimaryPoint.values), name="primary_point_known"),
            models.CheckConstraint(condition=Q(level="") | Q(level__in=PrimaryLevel.values),
                                   name="primary_level_known"),
            models.CheckConstraint(condition=Q(test_score__isnull=True) | Q(test_score__lte=10),
                                   name="primary_test_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.subject_id}/{self.point}: {self.level} {self.test_score}"


class PrimaryTraitAssessment(models.Model):
    """One quality or competency of one student at one point (the homeroom teacher's sheet)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="primary_traits",
                                  verbose_name=_("enrolment"))
    point = models.CharField(_("assessment point"), max_length=3, choices=PrimaryPoint.choices)
    trait = models.CharField(_("quality or competency"), max_length=20, choices=PrimaryTrait.choices)
    level = models.CharField(_("level"), max_length=1, choices=PrimaryTraitLevel.choices)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quality or competency assessment")
        verbose_name_plural = _("quality and competency assessments")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "point", "trait"], name="primary_trait_one_per_point"),
            models.CheckConstraint(condition=Q(point__in=PrimaryPoint.values), name="primary_trait_point_known"),
            models.CheckConstraint(condition=Q(trait__in=PrimaryTrait.values), name="primary_trait_known"),
            models.CheckConstraint(condition=Q(level__in=PrimaryTraitLevel.values), name="primary_trait_level_known"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.point}/{self.trait}: {self.level}"


class PrimaryYearRecord(models.Model):
    """A primary student's year: the class's title proposal, the homeroom remark, and for CHT the support,
    the re-assessment and the principal's decision on promotion (TT27 art. 14-16)."""

    class Decision(models.TextChoices):
        PROMOTED = "promoted", _("Promoted")
        REPEATS = "repeats", _("Repeats the grade")

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="primary_year",
                                     verbose_name=_("enrolment"))
    proposed_outstanding = models.BooleanField(
        _("proposed by the class as outstanding"), default=False,
        help_text=_("Học sinh Tiêu biểu: an outstanding achievement or clear progress, for a student who completed well."),
    )
    achievements = models.CharField(_("outstanding achievements"), max_length=500, blank=True)
    homeroom_remark = models.TextField(_("homeroom teacher's remark"), blank=True)
    support_plan = models.TextField(_("support plan"), blank=True)
    reassessed_result = models.CharField(_("result after re-assessment"), max_length=4,
                                         choices=PrimaryYearResult.choices, blank=True)
    decision = models.CharField(_("principal's decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("primary year record")
        verbose_name_plural = _("primary year records")
        constraints = [
            models.CheckConstraint(condition=Q(reassessed_result="") | Q(reassessed_result__in=PrimaryYearResult.values),
                                   name="primary_year_reassessed_known"),
            models.CheckConstraint(condition=Q(decision="") | Q(decision__in=["promoted", "repeats"]),
                                   name="primary_year_decision_known"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.decision or '-'}"


MAX_AWARD_TEXT = 500  # one line of the học bạ's year summary page
MAX_AWARD_LEVEL = 100


class StudentAward(models.Model):
    """A certificate, a competition result or an award of a student in a school year (the học bạ's year page).

    The enrolment ties it to the class and so to the school year; entered by the homeroom teacher or the
    leadership (gradebook.awards.services), with its history.
    """

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", pgettext_lazy("award", "Certificate")
        COMPETITION = "competition", pgettext_lazy("award", "Competition result")
        AWARD = "award", pgettext_lazy("award", "Award")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="awards",
                                  verbose_name=_("enrolment"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("name"), max_length=MAX_AWARD_TEXT)
    level = models.CharField(_("level or rank"), max_length=MAX_AWARD_LEVEL, blank=True)
    awarded_on = models.DateField(_("date"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certificate or award")
        verbose_name_plural = _("certificates and awards")
        ordering = ["enrolment_id", "kind", "awarded_on", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="award_not_empty")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.kind}: {self.text[:30]}"

    @property
    def printed(self) -> str:
        """The line the học bạ prints: the name, then the level or rank and the date when given."""
        parts = [self.text]
        if self.level:
            parts.append(self.level)
        if self.awarded_on:
            parts.append(self.awarded_on.strftime("%d/%m/%Y"))
        return " — ".join(parts)
