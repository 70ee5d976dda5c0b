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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("families' settings")
        verbose_name_plural = _("families' settings")

    def __str__(self) -> str:
        return str(self.school_id)
