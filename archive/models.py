"""The sealed archive (write-once documents and snapshots) and the print batches that fill it.

An ArchivedDocument row and its file are never changed or deleted: the model refuses, its
queryset refuses, and on PostgreSQL a trigger refuses too (migration 0002). Printing again makes
a new version that points at the version it supersedes. RenderBatch and RenderJob are the
working state of a print run (progress, failures, retries); they change, the archive does not.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schoolrecords.models import RuleSet, School, SchoolClass, SchoolYear, Student, Term


class Kind(models.TextChoices):
    LEDGER = "ledger", _("Class ledger")
    REPORT_CARD = "report_card", _("Report card")
    SUMMARY = "summary", _("Class summary table")
    PARENT_SLIP = "parent_slip", _("Parent contact slip")
    SNAPSHOT = "snapshot", _("Score snapshot")
    # Seed 000 art. 8.3: the minutes of an approved correction, sealed when the decision is taken.
    CORRECTION_MINUTES = "correction_minutes", _("Correction minutes")
    # TT27 (grades 1-5): the primary học bạ and the class summary table of the primary forms.
    PRIMARY_REPORT_CARD = "primary_card", _("Primary report card")
    PRIMARY_SUMMARY = "primary_summary", _("Primary class summary table")


# The forms of each rule set: a TT22 year prints the secondary ones, a TT27 (primary) year the primary ones.
SECONDARY_KINDS = (Kind.LEDGER, Kind.REPORT_CARD, Kind.SUMMARY, Kind.PARENT_SLIP)
PRIMARY_KINDS = (Kind.PRIMARY_REPORT_CARD, Kind.PRIMARY_SUMMARY)
# What a print batch may ask for (a snapshot is taken, correction minutes are sealed at the decision, not printed).
PRINTED_KINDS = SECONDARY_KINDS + PRIMARY_KINDS
# One file per student; the others are one file per class (a snapshot: one per term of the school).
PER_STUDENT_KINDS = (Kind.REPORT_CARD, Kind.PARENT_SLIP, Kind.PRIMARY_REPORT_CARD)
# The report card of each rule set (the transfer print's kind).
REPORT_CARD_KINDS = {RuleSet.TT22: Kind.REPORT_CARD, RuleSet.TT27: Kind.PRIMARY_REPORT_CARD}


def kinds_of_rule_set(rule_set: str) -> tuple[str, ...]:
    """The printed forms of a school year that follows ``rule_set`` (schoolrecords RuleSet: TT22 or TT27)."""
    return PRIMARY_KINDS if rule_set == RuleSet.TT27 else SECONDARY_KINDS


class Mode(models.TextChoices):
    # Seed 000 art. 11: periodic prints at the end of the year (and term), once the principal has
    # locked the book; ad-hoc prints whenever the school needs one, with the print date on every page.
    PERIODIC = "periodic", _("Periodic (term or year end)")
    AD_HOC = "ad_hoc", _("Ad hoc (with the print date)")


class Variant(models.TextChoices):
    STANDARD = "", _("Standard")
    # Seed 000 art. 12.3: the years so far, blank pages for the following years and two spare ones.
    TRANSFER = "transfer", _("Transfer print")


class SealedError(ValidationError):
    """An archived document was asked to change or go away."""


SEALED_MESSAGE = _("Archived documents are sealed: they are never changed or deleted; print a new version instead.")


class SealedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise SealedError(SEALED_MESSAGE)

    def delete(self):
        raise SealedError(SEALED_MESSAGE)

    def bulk_update(self, objs, fields, batch_size=None):
        raise SealedError(SEALED_MESSAGE)

    def update_or_create(self, *args, **kwargs):
        raise SealedError(SEALED_MESSAGE)


class ArchivedDocument(models.Model):
    """One sealed file: a printed form or a score snapshot, with what it was made from and by whom.

    ``scope_key`` names what the document is of (kind, year, term, class, student, variant); the
    versions of one scope form a chain, each pointing at the one it supersedes. ``data_hash`` is the
    SHA-256 of the data the file was rendered from (the same data gives the same hash, whatever
    the print date); ``sha256`` and ``size`` are the file's own. ``idempotency_key`` makes a task
    that runs twice (a worker killed after sealing, a redelivered message) find its document
    instead of sealing a second one.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    variant = models.CharField(_("variant"), max_length=20, choices=Variant.choices, blank=True, default="")
    mode = models.CharField(_("print"), max_length=10, choices=Mode.choices)
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("school year"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("class"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("student"))
    scope_key = models.CharField(_("scope"), max_length=120, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by", verbose_name=_("supersedes"))
    path = models.CharField(_("stored file"), max_length=255)
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    data_hash = models.CharField(_("hash of the data"), max_length=64)
    print_date = models.DateField(_("print date"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("made by"))
    created_at = models.DateTimeField(_("made at"), default=timezone.now)
    job = models.ForeignKey("RenderJob", on_delete=models.PROTECT, null=True, blank=True, related_name="documents",
                            verbose_name=_("print job"))
    idempotency_key = models.CharField(max_length=200, unique=True)
    # The short code printed (with its QR code) on every page, typed on the public verification page
    # (archive.codes). Documents sealed before the codes existed have none: they are checked by upload.
    code = models.CharField(_("verification code"), max_length=10, blank=True, default="")

    objects = SealedQuerySet.as_manager()

    class Meta:
        verbose_name = _("archived document")
        verbose_name_plural = _("archived documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "version"], name="archive_one_document_per_scope_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="archive_version_positive"),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True) | Q(version__gt=1, supersedes__isnull=False),
                name="archive_later_versions_supersede",
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="archive_size_not_negative"),
            models.CheckConstraint(condition=~Q(sha256="") & ~Q(data_hash="") & ~Q(path=""),
                                   name="archive_hashes_and_path_set"),
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="archive_code_once"),
        ]
        indexes = [models.Index(fields=["year", "school_class", "kind"], name="archive_doc_year_class_kind")]

    def __str__(self) -> str:
        return f"{self.file_name} (v{self.version})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SealedError(SEALED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SealedError(SEALED_MESSAGE)


class RenderBatch(models.Model):
    """A print run the clerk (or a command) started: one kind, one term, some classes; with its progress.

    ``total`` is the number of documents the batch makes; ``done`` and ``failed`` count them as
    their jobs end (gradebook-style history is not kept: the counters change many times a minute,
    and the archived documents carry who and when).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("school year"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    variant = models.CharField(_("variant"), max_length=20, choices=Variant.choices, blank=True, default="")
    mode = models.CharField(_("print"), max_length=10, choices=Mode.choices)
    scope_label = models.CharField(_("classes"), max_length=255)
    print_date = models.DateField(_("print date"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("started by"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The start form's one-time token: a double click or a resent form finds the batch it started.
    token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # The re-issue this batch re-prints (started by the principal's new approval), if it is one.
    reissue = models.ForeignKey("Reissue", on_delete=models.PROTECT, null=True, blank=True, related_name="batches",
                                verbose_name=_("re-issue"))

    class Meta:
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total") - models.F("failed")),
                                   name="archive_batch_counts_add_up"),
            models.UniqueConstraint(fields=["token"], condition=~Q(token=""), name="archive_batch_token_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scope_label}"

    @property
    def finished(self) -> bool:
        return self.done + self.failed >= self.total

    @property
    def percent(self) -> int:
        return 100 if not self.total else (self.done + self.failed) * 100 // self.total


class RenderJob(models.Model):
    """One task of a batch: the documents of one class (or one student) of the batch's kind."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Rendering")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(RenderBatch, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("batch"))
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("class"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("student"))
    scope_key = models.CharField(_("scope"), max_length=120)
    expected = models.PositiveIntegerField(_("documents"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("print job")
        verbose_name_plural = _("print jobs")
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "scope_key"], name="archive_one_job_per_batch_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.scope_key}"


class Reissue(models.Model):
    """A class's documents of one term printed from data a correction has since changed: they wait for their re-issue.

    Made when a correction withdraws an approval of the class (gradebook.signals.results_reopened);
    every document of the class and term printed before ``requested_at`` is shown as "printed from
    data since corrected, re-issue pending" while ``done_at`` is empty. When the principal approves
    again (the term's approval or the year's for term I's documents, the year's for term II's: the
    periods a print waits for, gradebook.api.unlocked_classes), each of those documents is printed
    again as a new version that supersedes it (``batches``), and ``done_at`` is set. Not sealed:
    working state, like a batch; the archive itself is never changed. At most one pending per class
    and term: a further correction before the new approval moves ``requested_at`` on and adds its reason.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("class"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    reason = models.CharField(_("reason"), max_length=255)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("asked by"))
    requested_at = models.DateTimeField(_("data corrected at"), default=timezone.now)
    done_at = models.DateTimeField(_("re-issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("re-issue")
        verbose_name_plural = _("re-issues")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "term"], condition=Q(done_at__isnull=True),
                                    name="archive_one_pending_reissue"),
            models.CheckConstraint(condition=~Q(reason=""), name="archive_reissue_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.school_class_id}/{self.term_id} {'done' if self.done_at else 'pending'}"

    @property
    def pending(self) -> bool:
        return self.done_at is None


def scope_key(*, kind: str, variant: str = "", year_id: int, term_number: int, class_id: int | None = None,
              student_id: int | None = None) -> str:
    """What a document is of, as one string: the versions of one scope form one chain."""
    name = f"{kind}+{variant}" if variant else kind
    return f"{name}:y{year_id}:t{term_number}:c{class_id or '-'}:s{student_id or '-'}"


class Revocation(models.Model):
    """The principal withdrew one version of a document: who, when and why. Never changed, never deleted.

    Revoking changes no archived document (the archive is sealed): the public verification page and
    the archive list read this row and say the version is revoked. One revocation per version.
    """

    document = models.OneToOneField(ArchivedDocument, on_delete=models.PROTECT, related_name="revocation",
                                    verbose_name=_("document"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    reason = models.CharField(_("reason"), max_length=255)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("revoked by"))
    revoked_at = models.DateTimeField(_("revoked at"), default=timezone.now)

    objects = SealedQuerySet.as_manager()

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")
        ordering = ["-revoked_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="archive_revocation_has_reason")]

    def __str__(self) -> str:
        return f"{self.document_id} revoked"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SealedError(SEALED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SealedError(SEALED_MESSAGE)


class VerificationAttempt(models.Model):
    """One question asked of the public verification page: the log of attempts and the rate limit's count.

    Kept whatever the answer (a code that does not exist, a changed file, a refused upload): who asked
    is known only by address; nothing of the uploaded file is kept but its SHA-256 and size.
    """

    class Method(models.TextChoices):
        CODE = "code", _("Code")
        UPLOAD = "upload", _("Uploaded file")

    class Outcome(models.TextChoices):
        MATCHES = "matches", _("Matches the archived original")
        CHANGED = "changed", _("Does not match the archived original")
        UNKNOWN = "unknown", _("No such document")
        INVALID = "invalid", _("Not a code or not a PDF")
        TOO_LARGE = "too_large", _("File too large")
        LIMITED = "limited", _("Too many attempts")

    attempted_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    method = models.CharField(_("asked with"), max_length=10, choices=Method.choices)
    typed = models.CharField(_("code typed"), max_length=40, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    outcome = models.CharField(_("answer"), max_length=10, choices=Outcome.choices)
    document = models.ForeignKey(ArchivedDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("document"))

    class Meta:
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        ordering = ["-attempted_at", "-pk"]
        indexes = [models.Index(fields=["address", "attempted_at"], name="archive_verify_address_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.outcome}"


# --- signed records (archive/signing/) -------------------------------------------------------------


class SigningRole(models.TextChoices):
    """Who signs at a stage: each subject teacher of the class (in parallel), the homeroom teacher, the
    principal, then the school's seal (applied on the server by the clerk or the principal)."""

    SUBJECT_TEACHERS = "subject_teachers", _("Subject teachers")
    HOMEROOM = "homeroom", _("Homeroom teacher")
    PRINCIPAL = "principal", _("Principal")
    SEAL = "seal", _("School seal")


class SigningStage(models.Model):
    """One stage of a school's signing plan for a kind of document (a school setting; without rows, the default
    plan of archive.signing.stages applies)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("order"))
    role = models.CharField(_("signer"), max_length=20, choices=SigningRole.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signing stage")
        verbose_name_plural = _("signing stages")
        ordering = ["school", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["school", "kind", "position"], name="archive_stage_position_once"),
            models.UniqueConstraint(fields=["school", "kind", "role"], name="archive_stage_role_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.position}: {self.role}"


class SigningCertificate(models.Model):
    """A certificate registered once for signing: a staff member's (``user``) or the school seal's (no user).

    Checked at registration against the trust roots and its validity dates, its holder's name and CCCD
    against the staff profile. ``token_label``: the PKCS#11 token on the server holding its key (the seal;
    in the demo and CI the staff's tokens too); blank for a key that only the signer's own device holds.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="signing_certificates", verbose_name=_("holder"))
    pem = models.TextField(_("certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject_name = models.CharField(_("name on the certificate"), max_length=200)
    cccd = models.CharField(_("CCCD on the certificate"), max_length=12, blank=True)
    issuer = models.CharField(_("issuer"), max_length=255)
    serial = models.CharField(_("serial number"), max_length=80)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    token_label = models.CharField(_("token"), max_length=64, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("registered by"))
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        ordering = ["-registered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(active=True, user__isnull=False),
                                    name="archive_one_active_certificate_per_user"),
            models.UniqueConstraint(fields=["school"], condition=Q(active=True, user__isnull=True),
                                    name="archive_one_active_seal_per_school"),
            models.CheckConstraint(condition=Q(not_before__lt=models.F("not_after")),
                                   name="archive_certificate_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.fingerprint[:12]})"


class Signature(models.Model):
    """One signature: who signed which version, at which stage, with which certificate, and the version it made.

    ``signed`` is the version the signer signed; ``document`` the new sealed version (the signed file's
    incremental update), which supersedes it: the chain of versions is the chain of signatures.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    signed = models.OneToOneField(ArchivedDocument, on_delete=models.PROTECT, related_name="signature_of_next",
                                  verbose_name=_("signed version"))
    document = models.OneToOneField(ArchivedDocument, on_delete=models.PROTECT, related_name="signature",
                                    verbose_name=_("version made"))
    scope_key = models.CharField(_("scope"), max_length=120, db_index=True)
    role = models.CharField(_("stage"), max_length=20, choices=SigningRole.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("signed by"))
    certificate = models.ForeignKey(SigningCertificate, on_delete=models.PROTECT, related_name="signatures",
                                    verbose_name=_("certificate"))
    field_name = models.CharField(_("signature field"), max_length=80)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["scope_key", "signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.scope_key} {self.role} {self.signer_id}"


class SigningAttempt(models.Model):
    """A refused signature or certificate registration, kept for the school (who, what, why)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("school"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    document = models.ForeignKey(ArchivedDocument, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("document"))
    action = models.CharField(_("action"), max_length=20)  # sign, register
    code = models.CharField(_("reason code"), max_length=30)
    message = models.CharField(_("message"), max_length=500)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("refused signing attempt")
        verbose_name_plural = _("refused signing attempts")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.code} by {self.actor_id}"


class AgentBatch(models.Model):
    """A batch of documents prepared for the signing agent on a signer's computer (interrupted signing).

    The board gives the signer a one-time code (only its SHA-256 is kept) that lets the agent fetch what
    to sign and post the signature values once, before ``expires_at``. Working state, never sealed: the
    signed versions are sealed as the server's own signatures are (archive.signing.services).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("signer"))
    role = models.CharField(_("stage"), max_length=20, choices=SigningRole.choices)
    certificate = models.ForeignKey(SigningCertificate, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("certificate"))
    code_hash = models.CharField(_("code (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("prepared at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signing agent batch")
        verbose_name_plural = _("signing agent batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"agent batch {self.pk} {self.role} by {self.signer_id}"


class PreparedSignature(models.Model):
    """One document's signature laid out and waiting for the agent's value (archive.signing.interrupted.Prepared).

    ``tail`` is the incremental update to append to the version's file (with the empty placeholder);
    ``signed_attrs`` what the key signs. Written once when the batch is prepared, never changed.
    """

    batch = models.ForeignKey(AgentBatch, on_delete=models.CASCADE, related_name="items", verbose_name=_("batch"))
    document = models.ForeignKey(ArchivedDocument, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("version to sign"))
    content_sha256 = models.CharField(_("SHA-256 of the version's file"), max_length=64)
    field_name = models.CharField(_("signature field"), max_length=80)
    tail = models.BinaryField(_("prepared update"))
    document_digest = models.BinaryField(_("byte-range digest"))
    reserved_start = models.PositiveIntegerField(_("placeholder start"))
    reserved_end = models.PositiveIntegerField(_("placeholder end"))
    signed_attrs = models.BinaryField(_("signed attributes"))

    class Meta:
        verbose_name = _("prepared signature")
        verbose_name_plural = _("prepared signatures")
        ordering = ["batch", "pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "document"], name="archive_prepared_once_per_batch")]

    def __str__(self) -> str:
        return f"prepared {self.field_name} of {self.document_id}"
class RemoteSigningService(models.Model):
    """A school's remote-signing service speaking the Cloud Signature Consortium API v2 (VNPT SmartCA, Viettel…).

    The principal sets it up: the service's address, how this server logs in to it (``auth/login`` with
    the client id and secret the provider issued, or a bearer access token), the secret encrypted with
    the server's key (archive.signing.csc_services; never shown back). The staff's credentials at the
    service are RemoteCredential rows.
    """

    class AuthMode(models.TextChoices):
        LOGIN = "login", _("Client id and secret (auth/login)")
        TOKEN = "token", _("Access token (bearer)")

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    name = models.CharField(_("service name"), max_length=100)
    base_url = models.URLField(_("service address"), max_length=300)
    auth_mode = models.CharField(_("authentication"), max_length=10, choices=AuthMode.choices,
                                 default=AuthMode.LOGIN)
    client_id = models.CharField(_("client id"), max_length=200, blank=True)
    secret = models.TextField(_("secret (encrypted)"), blank=True)
    enabled = models.BooleanField(_("in use"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("remote-signing service")
        verbose_name_plural = _("remote-signing services")

    def __str__(self) -> str:
        return f"{self.name} ({self.base_url})"


class RemoteCredential(models.Model):
    """A staff member's credential at their school's remote-signing service: its id there and the certificate
    (a SigningCertificate, registered through the same checks as any other) it signs for."""

    certificate = models.OneToOneField(SigningCertificate, on_delete=models.PROTECT, related_name="remote",
                                       verbose_name=_("certificate"))
    service = models.ForeignKey(RemoteSigningService, on_delete=models.PROTECT, related_name="credentials",
                                verbose_name=_("service"))
    credential_id = models.CharField(_("credential id"), max_length=200)
    user_id = models.CharField(_("user id at the service"), max_length=200, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("registered by"))
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("remote-signing credential")
        verbose_name_plural = _("remote-signing credentials")

    def __str__(self) -> str:
        return f"{self.credential_id} @ {self.service_id}"
