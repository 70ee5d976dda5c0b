"""Every change in the document store: seeding kinds, settings, uploads and the review state machine.

Each function takes the acting user and a reason, checks permission through eledger.permissions,
runs in a transaction, locks the row it changes and records who/when/why: simple-history for
the rows, and a Transition row for every state change and upload of a document.

The review state machine (seed 000 art. 8; 001 art. 12.12 and 13):

    draft ──submit──▶ submitted ──approve──▶ approved (immutable)
                          │  ▲
                     return  resubmit
                          ▼  │
                        returned

A kind without review has one state, filed, and takes new versions freely.
"""

import datetime
import hashlib
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolrecords import models as sm
from schoolrecords.permissions import require
from schoolrecords.purei18n import RuleError
from schoolrecords.selectors import current_year, grade_periods
from schoolrecords.services import record
from schoolrecords.text import extensions_of, name_matches_type

from . import naming, timing
from .models import Document, DocumentKind, DocumentSettings, DocumentVersion, Review, Transition
from .permissions import (
    access_for,
    require_configure,
    require_create,
    require_edit,
    require_review,
    require_view,
)

SETUP = "schoolrecords.manage_school_setup"
MAX_UPLOAD_BYTES = naming.DEFAULT_MAX_UPLOAD_BYTES  # 20 MB (the issue)
HEAD_BYTES = 8192  # enough for filetype to tell a .docx from another zip
# What a kind that is not PDF-only also accepts, told apart by content (filetype), never by name.
OTHER_CONTENT_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "image/jpeg",
    "image/png",
})
PDF = "application/pdf"
# How far from today a teaching date may be: catches a mistyped year, allows a late upload.
TEACHING_DATE_REACH = datetime.timedelta(days=366)

S = Document.Status


class InvalidTransition(ValidationError):
    """The document is not in a state where this action is possible."""

    def __init__(self, message: str, *, current: str, action: str):
        super().__init__(message, code="invalid_transition")
        self.current, self.action = current, action


def rule_message(error: RuleError) -> str:
    """A pure rule's message in the active language (Django's catalogue holds the rules' messages)."""
    text = _(error.message)
    return text % error.params if error.params else text


# --- kinds and settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class KindSeed:
    code: str
    name: str
    scope: str
    requires_review: bool = False
    pdf_only: bool = False
    has_lesson_fields: bool = False
    one_per_year: bool = False
    description: str = ""


T, D, SCH = DocumentKind.Scope.TEACHER, DocumentKind.Scope.DEPARTMENT, DocumentKind.Scope.SCHOOL
# The folders of seed 000 art. 8 (eDoc), in the school's own words: these are the school's data,
# editable per school, not interface text.
SEED_KINDS = (
    KindSeed("education_plan", "Kế hoạch giáo dục cá nhân", T, requires_review=True, pdf_only=True,
             one_per_year=True, description="Mỗi giáo viên một bản cho mỗi năm học."),
    KindSeed("lesson_plan", "Kế hoạch bài dạy (giáo án)", T, requires_review=True, pdf_only=True,
             has_lesson_fields=True,
             description="Tên file: MÔN KHỐI_TIẾT N_TÊN BÀI; tải lên trước ngày dạy ít nhất 03 ngày."),
    KindSeed("training_topic", "BDTX - Chuyên đề bồi dưỡng theo tháng", T),
    KindSeed("training_material", "BDTX - Nội dung và tài liệu tập huấn", T),
    KindSeed("training_report", "BDTX - Báo cáo kết quả cuối học kì, cuối năm", T, requires_review=True,
             description="Theo mẫu nhà trường gửi."),
    KindSeed("class_observation", "Phiếu dự giờ thăm lớp", T),
    KindSeed("self_study", "Tự học, tự bồi dưỡng", T),
    KindSeed("other_plan", "Kế hoạch khác đã được phê duyệt", T, pdf_only=True,
             description="Bản scan PDF có phê duyệt, xác nhận của cấp quản lý."),
    KindSeed("resolution_draft", "Dự thảo nghị quyết tổ chuyên môn", D, requires_review=True),
    KindSeed("resolution", "Nghị quyết tổ chuyên môn", D),
    KindSeed("department_record", "Hồ sơ tổ chuyên môn", D),
    KindSeed("department_document", "Văn bản tổ chuyên môn", D),
    KindSeed("content_library", "Thư viện nội dung (văn bản, mẫu của nhà trường)", SCH),
)
LESSON_PLAN = "lesson_plan"


@transaction.atomic
def document_kinds_seed(*, actor, school: sm.School, reason: str = "") -> list[DocumentKind]:
    """Create the kinds a school lacks; kinds it has (and changed) are left as they are."""
    require(actor, SETUP, school)
    existing = {kind.code: kind for kind in DocumentKind.objects.select_for_update().filter(school=school)}
    reason = reason or _("Document kinds seeded")
    kinds = []
    for order, seed in enumerate(SEED_KINDS, start=1):
        kind = existing.get(seed.code)
        if kind is None:
            kind = record(
                DocumentKind(school=school, code=seed.code, name=seed.name, scope=seed.scope,
                             requires_review=seed.requires_review, pdf_only=seed.pdf_only,
                             has_lesson_fields=seed.has_lesson_fields, one_per_year=seed.one_per_year,
                             description=seed.description, order=order * 10),
                actor=actor, reason=reason,
            )
        kinds.append(kind)
    return kinds


@transaction.atomic
def document_kind_update(*, actor, kind: DocumentKind, name: str, description: str, requires_review: bool,
                         is_active: bool, reason: str = "") -> DocumentKind:
    """What a school may change of a kind. Scope, PDF-only and the lesson fields follow the regulation."""
    kind = DocumentKind.objects.select_for_update().get(pk=kind.pk)
    require_configure(actor, kind.school)
    changed = {"name": name.strip(), "description": description.strip(), "requires_review": requires_review,
               "is_active": is_active}
    changed = {key: value for key, value in changed.items() if getattr(kind, key) != value}
    if not changed:
        return kind
    if "requires_review" in changed and kind.has_lesson_fields:
        raise ValidationError({"requires_review": _("Lesson plans are always reviewed.")})
    for key, value in changed.items():
        setattr(kind, key, value)
    return record(kind, actor=actor, reason=reason or _("Document kind changed"), update_fields=list(changed))


def settings_for(school: sm.School) -> DocumentSettings:
    """The school's settings row, or the defaults (unsaved) when it has none yet."""
    return DocumentSettings.objects.filter(school=school).first() or DocumentSettings(school=school)


@transaction.atomic
def document_settings_save(*, actor, school: sm.School, refuse_late_uploads: bool, days_before: int,
                           reason: str = "") -> DocumentSettings:
    require_configure(actor, school)
    current = DocumentSettings.objects.select_for_update().filter(school=school).first()
    current = current or DocumentSettings(school=school)
    if current.pk and (current.refuse_late_uploads, current.days_before) == (refuse_late_uploads, days_before):
        return current
    current.refuse_late_uploads, current.days_before = refuse_late_uploads, days_before
    return record(current, actor=actor, reason=reason or _("Document store settings changed"))


# --- uploads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    display_name: str
    content_type: str
    size: int


def check_file(*, kind: DocumentKind, content, filename: str) -> CheckedFile:
    """Refuse an unsafe or unfit file (ValidationError on "file"): a path in the name, empty,
    over 20 MB, or content that is not a PDF (a PDF-only kind) or not an office document, PDF or
    picture (other kinds). The content decides, never the name's extension."""
    size = getattr(content, "size", None)
    if size is None:
        content.seek(0, 2)
        size = content.tell()
    content.seek(0)
    head = content.read(HEAD_BYTES)
    content.seek(0)
    try:
        name = naming.check_upload(filename=filename, size=size, head=head, max_bytes=MAX_UPLOAD_BYTES)
        _check_name_matches(name, PDF)
        return CheckedFile(display_name=name, content_type=PDF, size=size)
    except RuleError as error:
        if kind.pdf_only or error.message != naming.MSG_NOT_PDF:
            raise ValidationError({"file": rule_message(error)}, code="bad_file") from error
        name = naming.safe_upload_name(filename)
    guessed = filetype.guess(head)
    if guessed is None or guessed.mime not in OTHER_CONTENT_TYPES:
        raise ValidationError({"file": _("This kind of file is not accepted: upload a PDF, a Word, Excel or "
                                          "PowerPoint document, or a JPEG or PNG picture.")}, code="bad_file")
    _check_name_matches(name, guessed.mime)
    return CheckedFile(display_name=name, content_type=guessed.mime, size=size)


def _check_name_matches(name: str, content_type: str) -> None:
    """A name must end in the extension of what the file is: a PDF named .hta or .html is refused."""
    if not name_matches_type(name, content_type):
        extensions = extensions_of(content_type)
        raise ValidationError({"file": _("The file's name does not match its content (%(kind)s): its name must end in %(extensions)s.") % {
            "kind": extensions[0][1:].upper(), "extensions": ", ".join(extensions)}}, code="bad_file")


def _store_version(document: Document, *, checked: CheckedFile, content, actor, now, is_late: bool,
                   name_ok: bool) -> DocumentVersion:
    last = document.versions.order_by("-number").values_list("number", flat=True).first() or 0
    digest = hashlib.sha256()
    content.seek(0)
    for chunk in content.chunks() if hasattr(content, "chunks") else iter(lambda: content.read(65536), b""):
        digest.update(chunk)
    content.seek(0)
    version = DocumentVersion(
        document=document, number=last + 1, sha256=digest.hexdigest(), size=checked.size,
        content_type=checked.content_type, original_name=checked.display_name, name_ok=name_ok, is_late=is_late,
        uploaded_by=actor, uploaded_at=now,
    )
    version.file.save("upload", content, save=False)  # the storage name comes from version_file_name
    try:
        version.full_clean()
        version.save()
    except Exception:
        version.file.storage.delete(version.file.name)
        raise
    return version


def _cleanup_on_failure(version: DocumentVersion | None) -> None:
    if version is not None and version.file.name:
        version.file.storage.delete(version.file.name)


def _log(document: Document, *, action: str, from_status: str, actor, now, comment: str = "",
         version: DocumentVersion | None = None) -> Transition:
    entry = Transition(document=document, action=action, from_status=from_status, to_status=document.status,
                       version=version, actor=actor, at=now, comment=comment)
    entry.full_clean()
    entry.save()
    return entry


def _lesson_fields(*, actor, school: sm.School, subject: sm.Subject | None, grade, period, lesson_title: str,
                   teaching_date: datetime.date | None, today: datetime.date, days_before: int,
                   refuse_late: bool) -> tuple[str, bool, sm.SchoolYear]:
    """Validate a lesson plan's fields; return its canonical name, whether it is late, and its year."""
    errors = {}
    if subject is None:
        errors["subject"] = _("Choose the subject and grade.")
    elif subject.school_id != school.pk:
        errors["subject"] = _("Unknown subject.")
    if teaching_date is None:
        errors["teaching_date"] = _("Enter the teaching date.")
    elif abs(teaching_date - today) > TEACHING_DATE_REACH:
        errors["teaching_date"] = _("The teaching date must be within a year of today.")
    if errors:
        raise ValidationError(errors)
    try:
        title = naming.lesson_plan_name(subject=subject.name, grade=grade, period=period, title=lesson_title,
                                        foreign_language=subject.is_foreign_language)
    except RuleError as error:
        field = {
            naming.MSG_TITLE_EMPTY: "lesson_title", naming.MSG_TITLE_BAD_CHAR: "lesson_title",
            naming.MSG_PERIOD_RANGE: "period", naming.MSG_GRADE_RANGE: "grade",
        }.get(error.message, "subject")
        raise ValidationError({field: rule_message(error)}) from error
    year = _year_for(school, teaching_date)
    periods = grade_periods(year, grade, subject) if year is not None else None
    if periods is not None and period > periods:
        raise ValidationError({"period": _("%(subject)s %(grade)s has %(count)s periods this year.")
                               % {"subject": subject.name, "grade": grade, "count": periods}})
    teaches = sm.TeachingAssignment.objects.filter(
        teacher=actor, subject=subject, school_class__grade=grade, end_date__isnull=True,
        state=sm.TeachingAssignment.State.CONFIRMED,
        year__school=school,
    ).exists()
    if not teaches:
        raise ValidationError({"subject": _("You do not teach %(subject)s in grade %(grade)s.")
                               % {"subject": subject.name, "grade": grade}})
    try:
        late = timing.check_upload_date(uploaded_on=today, teaching_date=teaching_date, days_before=days_before,
                                        refuse_late=refuse_late)
    except RuleError as error:
        raise ValidationError({"teaching_date": rule_message(error)}) from error
    return title, late, year


def _year_for(school: sm.School, day: datetime.date | None) -> sm.SchoolYear:
    if day is not None:
        containing = sm.SchoolYear.objects.filter(school=school, start_date__lte=day, end_date__gte=day).first()
        if containing is not None:
            return containing
    year = current_year(school)
    if year is None:
        raise ValidationError(_("No school year has been set up yet."))
    return year


@transaction.atomic
def document_create(
    *, actor, kind: DocumentKind, content, filename: str, title: str = "",
    department: sm.Department | None = None, subject: sm.Subject | None = None, grade: int | None = None,
    period: int | None = None, lesson_title: str = "", teaching_date: datetime.date | None = None,
    submit: bool = False, today: datetime.date | None = None, reason: str = "",
) -> Document:
    """A new document with its first file; submitted at once if ``submit`` and the kind is reviewed."""
    require_create(actor, kind, department)
    school = kind.school
    today = today or timezone.localdate()
    now = timezone.now()
    reason = reason or _("Document uploaded")
    checked = check_file(kind=kind, content=content, filename=filename)
    profile = getattr(actor, "profile", None)
    is_late, name_ok = False, True

    if kind.has_lesson_fields:
        settings = settings_for(school)
        title, is_late, year = _lesson_fields(
            actor=actor, school=school, subject=subject, grade=grade, period=period, lesson_title=lesson_title,
            teaching_date=teaching_date, today=today, days_before=settings.days_before,
            refuse_late=settings.refuse_late_uploads,
        )
        department = subject.department or (profile.department if profile else None)
        if Document.objects.filter(owner=actor, year=year, subject=subject, grade=grade, period=period).exists():
            raise ValidationError({"period": _(
                "You already have a lesson plan for period %(period)s of %(subject)s %(grade)s: "
                "open it and upload a new version there."
            ) % {"period": period, "subject": subject.name, "grade": grade}})
        name_ok = naming.check_lesson_plan_filename(
            checked.display_name, subject=subject.name, grade=grade, period=period, title=lesson_title,
            foreign_language=subject.is_foreign_language,
        ).ok
        lesson_title = " ".join(lesson_title.split())
    else:
        subject = grade = period = teaching_date = None
        lesson_title = ""
        year = _year_for(school, None)
        title = " ".join(title.split()) or checked.display_name.rsplit(".", 1)[0]
        if kind.scope == DocumentKind.Scope.TEACHER:
            department = profile.department if profile else None
        elif kind.scope == DocumentKind.Scope.DEPARTMENT:
            if department is None:
                raise ValidationError({"department": _("Choose the department.")})
        else:
            department = None
        if kind.one_per_year and Document.objects.filter(owner=actor, year=year, kind=kind).exists():
            raise ValidationError(_("You already have this document for %(year)s: open it and upload a new "
                                    "version there.") % {"year": year.name})

    document = record(
        Document(school=school, year=year, kind=kind, owner=actor, department=department, title=title[:250],
                 subject=subject, grade=grade, period=period, lesson_title=lesson_title,
                 teaching_date=teaching_date, status=S.DRAFT if kind.requires_review else S.FILED,
                 is_late=is_late, is_yearly=kind.one_per_year),
        actor=actor, reason=reason,
    )
    version = None
    try:
        version = _store_version(document, checked=checked, content=content, actor=actor, now=now,
                                 is_late=is_late, name_ok=name_ok)
        document.current_version = version
        record(document, actor=actor, reason=reason, update_fields=["current_version", "updated_at"])
        _log(document, action=Transition.Action.CREATE, from_status="", actor=actor, now=now, version=version)
        if submit and kind.requires_review:
            document = document_submit(actor=actor, document=document, reason=reason)
    except Exception:
        _cleanup_on_failure(version)
        raise
    return document


@transaction.atomic
def document_upload(*, actor, document: Document, content, filename: str, today: datetime.date | None = None,
                    reason: str = "") -> DocumentVersion:
    """A new version of a document; earlier versions stay. Approved documents are immutable."""
    document = (
        Document.objects.select_for_update(of=("self",)).select_related("kind", "subject", "school")
        .get(pk=document.pk)
    )
    require_edit(actor, document)
    if document.status == S.APPROVED:
        raise InvalidTransition(_("This document has been approved and can no longer be changed."),
                                current=document.status, action="upload")
    if document.status == S.SUBMITTED:
        raise InvalidTransition(_("This document is waiting for review: wait for the decision before "
                                  "uploading a new version."), current=document.status, action="upload")
    today = today or timezone.localdate()
    now = timezone.now()
    checked = check_file(kind=document.kind, content=content, filename=filename)
    is_late, name_ok = False, True
    if document.is_lesson_plan:
        # The school's refusal applies to the first upload only: a plan returned for changes
        # close to its date must still be mendable. Later versions are flagged, never refused.
        days_before = settings_for(document.school).days_before
        is_late = timing.is_late_upload(uploaded_on=today, teaching_date=document.teaching_date,
                                        days_before=days_before)
        name_ok = naming.check_lesson_plan_filename(
            checked.display_name, subject=document.subject.name, grade=document.grade, period=document.period,
            title=document.lesson_title, foreign_language=document.subject.is_foreign_language,
        ).ok
    version = None
    try:
        version = _store_version(document, checked=checked, content=content, actor=actor, now=now,
                                 is_late=is_late, name_ok=name_ok)
        document.current_version = version
        record(document, actor=actor, reason=reason or _("New version uploaded"),
               update_fields=["current_version", "updated_at"])
        _log(document, action=Transition.Action.UPLOAD, from_status=document.status, actor=actor, now=now,
             version=version)
    except Exception:
        _cleanup_on_failure(version)
        raise
    return version


# --- the review state machine ------------------------------------------------------------------


@transaction.atomic
def document_submit(*, actor, document: Document, comment: str = "", reason: str = "") -> Document:
    """draft → submitted, or returned → submitted (resubmit): the owner asks for review."""
    document = Document.objects.select_for_update(of=("self",)).select_related("kind").get(pk=document.pk)
    require_edit(actor, document)
    if not document.kind.requires_review:
        raise InvalidTransition(_("Documents of this kind are not reviewed."), current=document.status,
                                action="submit")
    if document.status not in (S.DRAFT, S.RETURNED):
        raise InvalidTransition(_("Only a draft or a returned document can be submitted for review."),
                                current=document.status, action="submit")
    if document.current_version_id is None:
        raise InvalidTransition(_("Upload the file before submitting it."), current=document.status,
                                action="submit")
    now = timezone.now()
    previous = document.status
    review = Review(document=document, version_id=document.current_version_id, status=Review.Status.OPEN,
                    submitted_by=actor, submitted_at=now, comment="")
    record(review, actor=actor, reason=reason or _("Submitted for review"))
    document.status = S.SUBMITTED
    record(document, actor=actor, reason=reason or _("Submitted for review"), update_fields=["status", "updated_at"])
    action = Transition.Action.RESUBMIT if previous == S.RETURNED else Transition.Action.SUBMIT
    _log(document, action=action, from_status=previous, actor=actor, now=now, comment=comment.strip(),
         version=document.current_version)
    return document


def _decide(*, actor, document: Document, approve: bool, comment: str, reason: str) -> Document:
    document = Document.objects.select_for_update(of=("self",)).select_related("kind").get(pk=document.pk)
    require_view(actor, document)
    if document.status != S.SUBMITTED:
        raise InvalidTransition(_("Only a document waiting for review can be approved or returned."),
                                current=document.status, action="approve" if approve else "return")
    require_review(actor, document)
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what has to change: the comment is required when returning.")})
    now = timezone.now()
    review = Review.objects.select_for_update().get(document=document, status=Review.Status.OPEN)
    review.status = Review.Status.APPROVED if approve else Review.Status.RETURNED
    review.decided_by, review.decided_at, review.comment = actor, now, comment
    record(review, actor=actor, reason=reason, update_fields=["status", "decided_by", "decided_at", "comment"])
    document.status = S.APPROVED if approve else S.RETURNED
    record(document, actor=actor, reason=reason, update_fields=["status", "updated_at"])
    _log(document, action=Transition.Action.APPROVE if approve else Transition.Action.RETURN,
         from_status=S.SUBMITTED, actor=actor, now=now, comment=comment, version=review.version)
    return document


@transaction.atomic
def document_approve(*, actor, document: Document, comment: str = "", reason: str = "") -> Document:
    """submitted → approved, by the department head, the vice principal or the principal; never the owner."""
    return _decide(actor=actor, document=document, approve=True, comment=comment,
                   reason=reason or _("Document approved"))


@transaction.atomic
def document_return(*, actor, document: Document, comment: str, reason: str = "") -> Document:
    """submitted → returned with a comment saying what to change."""
    return _decide(actor=actor, document=document, approve=False, comment=comment,
                   reason=reason or _("Document returned for changes"))


def allowed_actions(user, document: Document) -> frozenset[str]:
    """What the state machine and the policy allow this user now: for templates, which only reflect."""
    access = access_for(user)
    actions = set()
    if access.can_edit(document):
        if document.is_open_for_upload:
            actions.add("upload")
        if document.kind.requires_review and document.status in (S.DRAFT, S.RETURNED):
            actions.add("submit")
    if document.status == S.SUBMITTED and access.can_review(document):
        actions.update({"approve", "return"})
    return frozenset(actions)


def ensure_kinds(school: sm.School, *, actor=None) -> None:
    """Seed the school's kinds if it has none (the first visit of a school to the store)."""
    if not DocumentKind.objects.filter(school=school).exists():
        from schoolrecords.services import system_user

        document_kinds_seed(actor=actor or system_user(), school=school)
