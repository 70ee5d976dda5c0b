"""Parent accounts, their links to children, the invitations that make the links, and publication.

Written only by families.services; who may do what is families.policy.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schoolrecords.models import School, SchoolClass, Student, Term


class Parent(models.Model):
    """A parent's or guardian's account: a Django user with no staff profile, deactivated, never deleted."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="parent",
                                verbose_name=_("account"))
    full_name = models.CharField(_("full name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parent")
        verbose_name_plural = _("parents")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="parent_unique_phone"),
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="parent_unique_email"),
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email=""), name="parent_phone_or_email"),
        ]

    def __str__(self) -> str:
        return self.full_name


class Relation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GUARDIAN = "guardian", _("Guardian")


class Invitation(models.Model):
    """A one-time code the homeroom teacher gives a student's family; only its hash is kept."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="family_invitations",
                                verbose_name=_("student"))
    code_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(_("sent to"), max_length=254, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("issued by"))
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(Parent, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("used by"))
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # At most one code waits per student: issuing a new one withdraws the old.
            models.UniqueConstraint(fields=["student"], condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                                    name="invitation_one_pending_per_student"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.created_at:%d/%m/%Y}"

    @property
    def is_pending(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class Guardianship(models.Model):
    """A parent's link to one child: what lets them read that child's published records."""

    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="links", verbose_name=_("parent"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="family_links",
                                verbose_name=_("student"))
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="link", verbose_name=_("invitation"))
    created_at = models.DateTimeField(_("linked at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("link to a child")
        verbose_name_plural = _("links to children")
        constraints = [
            models.UniqueConstraint(fields=["parent", "student"], condition=Q(ended_at__isnull=True),
                                    name="guardianship_one_live_per_child"),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.student_id}"


class Publication(models.Model):
    """The leadership made a class's results of a term visible to its parents; withdrawn, never deleted.

    A state machine of two states (published → withdrawn) with one live publication per class and
    term (the conditional unique constraint); publishing again after a withdrawal is a new row.
    """

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="publications",
                                     verbose_name=_("class"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("withdrawn by"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("publication of results")
        verbose_name_plural = _("publications of results")
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "term"], condition=Q(withdrawn_at__isnull=True),
                                    name="publication_one_live_per_class_term"),
            models.CheckConstraint(condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_by__isnull=False),
                                   name="publication_withdrawn_by_someone"),
        ]

    def __str__(self) -> str:
        return f"{self.school_class_id}/{self.term_id}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class FamilySettings(models.Model):
    """A school's choices for its families' pages."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="family_settings",
                                  verbose_name=_("school"))
    publish_regular_scores = models.BooleanField(
        _("parents see regular scores as they are entered"), default=False,
        help_text=_("Otherwise parents see a term only once the leadership publishes it."),
    )
    class_notices_need_approval = models.BooleanField(
        _("a homeroom teacher's notice waits for a vice principal's approval"), default=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("families' settings")
        verbose_name_plural = _("families' settings")

    def __str__(self) -> str:
        return str(self.school_id)


class Notice(models.Model):
    """A message from the school to families: a homeroom teacher's to their class, the leadership's to a
    grade or the whole school. A class notice waits for a vice principal's approval when the school says
    so (seed 003); once sent, each linked parent gets a receipt that records reading, acknowledging and
    a reply."""

    class Audience(models.TextChoices):
        CLASS = "class", _("A class")
        GRADE = "grade", _("A grade")
        SCHOOL = "school", _("The whole school")

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for approval")
        RETURNED = "returned", _("Returned")
        SENT = "sent", _("Sent")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    year = models.ForeignKey("schoolrecords.SchoolYear", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("school year"))
    audience = models.CharField(_("to"), max_length=10, choices=Audience.choices)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("class"))
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("written by"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("approved or returned by"))
    decision_note = models.CharField(_("note"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notice to families")
        verbose_name_plural = _("notices to families")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(audience="class", school_class__isnull=False, grade__isnull=True)
                                   | Q(audience="grade", school_class__isnull=True, grade__isnull=False)
                                   | Q(audience="school", school_class__isnull=True, grade__isnull=True),
                                   name="notice_audience_fits"),
            models.CheckConstraint(condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                                   name="notice_sent_has_a_time"),
        ]

    def __str__(self) -> str:
        return self.title


class NoticeReceipt(models.Model):
    """One parent's copy of a sent notice: when it was e-mailed, read, acknowledged, and their reply."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("notice"))
    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("parent"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reply = models.TextField(_("reply"), max_length=2000, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notice received")
        verbose_name_plural = _("notices received")
        constraints = [
            models.UniqueConstraint(fields=["notice", "parent", "student"], name="receipt_one_per_parent_child"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.parent_id}"


class SlipIssue(models.Model):
    """A homeroom teacher printed their class's contact slips after the mid-term or the end-of-term tests
    (seed 003: twice a term); the families confirm receipt online."""

    class Occasion(models.TextChoices):
        MID_TERM = "mid", _("After the mid-term tests")
        END_OF_TERM = "end", _("After the end-of-term tests")

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("class"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    occasion = models.CharField(_("when"), max_length=3, choices=Occasion.choices)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("printed by"))
    printed_at = models.DateTimeField(_("printed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact slips printed")
        verbose_name_plural = _("contact slips printed")
        constraints = [models.UniqueConstraint(fields=["school_class", "term", "occasion"], name="slip_issue_once")]

    def __str__(self) -> str:
        return f"{self.school_class_id}/{self.term_id}/{self.occasion}"


class SlipConfirmation(models.Model):
    """A parent confirmed online that they received their child's slip."""

    issue = models.ForeignKey(SlipIssue, on_delete=models.PROTECT, related_name="confirmations",
                              verbose_name=_("contact slips"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="+", verbose_name=_("parent"))
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact slip received")
        verbose_name_plural = _("contact slips received")
        constraints = [models.UniqueConstraint(fields=["issue", "student", "parent"], name="slip_confirmed_once")]

    def __str__(self) -> str:
        return f"{self.issue_id}/{self.student_id}"


class CorrectionMessage(models.Model):
    """A parent told that an approved correction changed a score they can see: once per correction, parent
    and child (the unique constraint), shown on the child's page and e-mailed through families.channels."""

    class Kind(models.TextChoices):
        SCORE = "score", _("score correction")
        HOMEROOM = "homeroom", _("homeroom correction")  # conduct, learning result, remark, exemption, re-test

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCORE)
    correction_id = models.PositiveIntegerField(_("correction request"))
    # The term whose values changed (None on messages made before it was kept: shown no more); ``regular``: every
    # line is a regular score, shown while the school shows regular scores as entered even with no publication.
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("term"))
    regular = models.BooleanField(_("regular scores only"), default=False)
    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="correction_messages",
                               verbose_name=_("parent"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    subject = models.CharField(_("subject"), max_length=120)
    changes = models.TextField(_("what changed"))
    created_at = models.DateTimeField(_("told at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("correction told to a parent")
        verbose_name_plural = _("corrections told to parents")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "correction_id", "parent", "student"],
                                    name="correction_told_once"),
        ]

    def __str__(self) -> str:
        return f"{self.correction_id} → {self.parent_id}"
