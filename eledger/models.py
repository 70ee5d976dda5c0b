"""The teachers' document store: kinds of documents, documents, their file versions, reviews and the transition log."""

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from schoolrecords.models import Department, School, SchoolYear, Subject


class DocumentStorage(Storage):
    """The store's own place: the folder ``eledger/`` of the site's media storage, never served directly
    (downloads go through a permission-checked view, so ``url`` refuses).

    It holds no location of its own: every call goes to ``storages["default"]`` at the time of the call,
    under the prefix, so the store lands in MEDIA_ROOT/eledger/ on one machine and in the media bucket's
    eledger/ folder when STORAGE_URL is set (several web and worker machines), and follows a test's
    MEDIA_ROOT or STORAGES. The names kept in the database stay relative to the store, as before.
    """

    PREFIX = "eledger/"

    @staticmethod
    def _media() -> Storage:
        return storages["default"]

    def _open(self, name, mode="rb"):
        return self._media().open(self.PREFIX + name, mode)

    def _save(self, name, content):
        return self._media().save(self.PREFIX + name, content).removeprefix(self.PREFIX)

    def get_available_name(self, name, max_length=None):
        # The media storage picks a free name itself (FileSystemStorage and S3 with file_overwrite off).
        return name

    def delete(self, name):
        self._media().delete(self.PREFIX + name)

    def exists(self, name):
        return self._media().exists(self.PREFIX + name)

    def size(self, name):
        return self._media().size(self.PREFIX + name)

    def listdir(self, path):
        return self._media().listdir(self.PREFIX + path)

    def path(self, name):
        return self._media().path(self.PREFIX + name)  # NotImplementedError on object storage

    def get_modified_time(self, name):
        return self._media().get_modified_time(self.PREFIX + name)

    def url(self, name):
        raise ValueError("The document store is never served directly: downloads go through a view.")


_storage = DocumentStorage()


def document_storage() -> DocumentStorage:
    return _storage


class DocumentKind(models.Model):
    """A folder of the store, configurable per school (seeded by services.document_kinds_seed)."""

    class Scope(models.TextChoices):
        TEACHER = "teacher", _("Teacher's own documents")
        DEPARTMENT = "department", _("Department documents")
        SCHOOL = "school", _("School content library")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="document_kinds",
                               verbose_name=_("school"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    scope = models.CharField(_("kept by"), max_length=12, choices=Scope.choices)
    requires_review = models.BooleanField(_("needs review and approval"), default=False)
    pdf_only = models.BooleanField(_("PDF files only"), default=False)
    has_lesson_fields = models.BooleanField(_("is a lesson plan (subject, grade, period, teaching date)"),
                                            default=False)
    one_per_year = models.BooleanField(_("one document per person per year"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document kind")
        verbose_name_plural = _("document kinds")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="eledger_kind_unique_code"),
            models.CheckConstraint(condition=Q(scope__in=["teacher", "department", "school"]),
                                   name="eledger_kind_scope_known"),
            # A lesson plan is a teacher's own PDF that is reviewed (seed 000 art. 8).
            models.CheckConstraint(
                condition=Q(has_lesson_fields=False) | Q(scope="teacher", pdf_only=True),
                name="eledger_kind_lesson_plan_is_teacher_pdf",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentSettings(models.Model):
    """The school's rules for the store; a school without a row uses the defaults."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="document_settings",
                                  verbose_name=_("school"))
    refuse_late_uploads = models.BooleanField(
        _("refuse lesson plans uploaded late"), default=False,
        help_text=_("Off: a late lesson plan is accepted and flagged as late. On: it is refused."),
    )
    days_before = models.PositiveSmallIntegerField(
        _("days before teaching"), default=3,
        help_text=_("A lesson plan is uploaded at least this many days before it is taught."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document store settings")
        verbose_name_plural = _("document store settings")
        constraints = [
            models.CheckConstraint(condition=Q(days_before__lte=30), name="eledger_settings_days_before_max"),
        ]

    def __str__(self) -> str:
        return str(self.school)


class Document(models.Model):
    """One document of a teacher, a department or the school, with its file versions.

    The status follows an explicit state machine (services.py): draft → submitted → approved,
    or submitted → returned → submitted again. Documents of a kind without review are filed.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for review")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        FILED = "filed", _("Filed")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="documents", verbose_name=_("school"))
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="documents",
                             verbose_name=_("school year"))
    kind = models.ForeignKey(DocumentKind, on_delete=models.PROTECT, related_name="documents",
                             verbose_name=_("kind"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents",
                              verbose_name=_("owner"))
    # The department whose head reviews it (a lesson plan: its subject's department).
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="documents", verbose_name=_("department"))
    title = models.CharField(_("title"), max_length=250)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="documents",
                                verbose_name=_("subject"))
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    period = models.PositiveSmallIntegerField(_("period in the programme"), null=True, blank=True)
    lesson_title = models.CharField(_("lesson title"), max_length=200, blank=True)
    teaching_date = models.DateField(_("teaching date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_late = models.BooleanField(_("uploaded late"), default=False)
    is_yearly = models.BooleanField(default=False, editable=False)  # copied from the kind, for the constraint
    current_version = models.ForeignKey("DocumentVersion", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("current version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "submitted", "returned", "approved", "filed"]),
                                   name="eledger_document_status_known"),
            models.CheckConstraint(condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=12),
                                   name="eledger_document_grade_1_12"),
            models.CheckConstraint(condition=Q(period__isnull=True) | Q(period__gte=1),
                                   name="eledger_document_period_positive"),
            # A lesson plan has all of its lesson fields, and only a lesson plan has a period.
            models.CheckConstraint(
                condition=Q(period__isnull=True)
                | Q(subject__isnull=False, grade__isnull=False, teaching_date__isnull=False),
                name="eledger_document_lesson_fields_together",
            ),
            models.UniqueConstraint(
                fields=["owner", "year", "subject", "grade", "period"], condition=Q(period__isnull=False),
                name="eledger_one_lesson_plan_per_period",
            ),
            models.UniqueConstraint(
                fields=["owner", "year", "kind"], condition=Q(is_yearly=True),
                name="eledger_one_yearly_document_per_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="eledger_doc_school_status"),
            models.Index(fields=["department", "teaching_date"], name="eledger_doc_dept_date"),
            models.Index(fields=["owner", "year"], name="eledger_doc_owner_year"),
            # The school's document list, newest first (eledger.selectors.search), has an index in its
            # own order too: made by migration 0002, since SQLite cannot say NULLS LAST in an index.
        ]

    def __str__(self) -> str:
        return self.title

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(_("Documents are never deleted."), {self})

    @property
    def is_lesson_plan(self) -> bool:
        return self.period is not None

    @property
    def is_open_for_upload(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED, self.Status.FILED)


# The extension a stored file gets from its checked content type.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


def version_file_name(instance: "DocumentVersion", filename: str) -> str:
    """A server-made name: the client's name never reaches the disk (it is kept as data)."""
    extension = EXTENSIONS.get(instance.content_type, ".bin")
    return f"{instance.document.school_id}/{instance.document.year_id}/{uuid.uuid4().hex}{extension}"


class DocumentVersion(models.Model):
    """One uploaded file of a document. Versions are never changed or deleted."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions",
                                 verbose_name=_("document"))
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), storage=document_storage, upload_to=version_file_name, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("original file name"), max_length=255)
    name_ok = models.BooleanField(_("file name follows the rule"), default=True)
    is_late = models.BooleanField(_("uploaded late"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="eledger_version_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="eledger_version_number_positive"),
            models.CheckConstraint(condition=Q(size__gt=0), name="eledger_version_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(_("Document versions are never deleted."), {self})


class Review(models.Model):
    """A request for review of one version; at most one is open per document (the constraint)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("review status", "Open")
        APPROVED = "approved", pgettext_lazy("review status", "Approved")
        RETURNED = "returned", pgettext_lazy("review status", "Returned")

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="reviews",
                                 verbose_name=_("document"))
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="reviews",
                                verbose_name=_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("reviewed by"))
    decided_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["document"], condition=Q(status="open"),
                                    name="eledger_one_open_review_per_document"),
            models.CheckConstraint(condition=Q(status__in=["open", "approved", "returned"]),
                                   name="eledger_review_status_known"),
            models.CheckConstraint(
                condition=Q(status="open", decided_by__isnull=True, decided_at__isnull=True)
                | Q(status__in=["approved", "returned"], decided_by__isnull=False, decided_at__isnull=False),
                name="eledger_review_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.status}"


class Transition(models.Model):
    """The log of a document's life: every state change and every upload, with who, when and why."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPLOAD = "upload", _("New version uploaded")
        SUBMIT = "submit", _("Submitted for review")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned for changes")
        RESUBMIT = "resubmit", _("Submitted again")

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="transitions",
                                 verbose_name=_("document"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("previous status"), max_length=10, choices=Document.Status.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=10, choices=Document.Status.choices)
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("version"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    at = models.DateTimeField(_("when"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("document transition")
        verbose_name_plural = _("document transitions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.from_status} → {self.to_status}"

    def delete(self, *args, **kwargs):
        raise models.ProtectedError(_("The document log is never deleted."), {self})
