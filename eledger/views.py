"""Pages of the document store: each checks access, calls one service or selector, and renders."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from schoolrecords import models as sm
from schoolrecords.forms import apply_service_errors
from schoolrecords.permissions import Hidden, found_or_hidden, not_found, user_school
from schoolrecords.purei18n import RuleError
from schoolrecords.selectors import current_year

from . import forms as f
from . import naming, selectors, services
from .models import Document, DocumentKind, DocumentVersion
from .permissions import (
    access_for,
    can_configure,
    require_configure,
    require_create,
    require_edit,
    require_review,
    require_view,
)

User = get_user_model()
PAGE_SIZE = 50


def _school(request) -> sm.School:
    school = user_school(request.user)
    if school is None:
        raise Http404
    return school



# The service names the subject and grade; the forms ask for them in one field.
_FIELD_ALIASES = {"subject": "subject_grade", "grade": "subject_grade"}


def _render(request, template: str, context: dict, *, status: int = 200, tab: str = ""):
    """Render with what the store's tabs need: the user's access and whether they configure the store."""
    school = user_school(request.user)
    context = {"access": access_for(request.user), "tab": tab,
               "can_configure": school is not None and can_configure(request.user, school), **context}
    return render(request, template, context, status=status)


def _document(request, pk: int) -> Document:
    try:
        document = selectors.document_detail(request.user, pk)
    except Document.DoesNotExist:
        raise not_found(Document, request.user, "view", pk=pk) from None
    require_view(request.user, document)
    return document


# --- the starting page -------------------------------------------------------------------------


@login_required
def index(request):
    """The person's own start: their next week, what waits for their review, the school per department."""
    school = _school(request)
    access = access_for(request.user)
    today = timezone.localdate()
    week = selectors.teacher_week(request.user, today)
    context = {
        "school": school,
        "today": today,
        "week": week,
        "access": access,
        "kinds": selectors.kinds_for(school),
    }
    if access.is_reviewer:
        context["queue"] = selectors.review_queue(request.user, today)
    if access.review_department_ids:
        context["department_weeks"] = selectors.department_week(request.user, today)
    if access.is_leader:
        context["overview"] = selectors.school_overview(request.user, today)
    return _render(request, "eledger/index.html", context, tab="index")


# --- finding documents -------------------------------------------------------------------------


@login_required
@require_GET
def document_list(request):
    _school(request)
    form = f.FilterForm(request.GET or None, choices=selectors.filter_choices(request.user))
    criteria = selectors.DocumentFilter()
    if form.is_bound and form.is_valid():
        criteria = selectors.DocumentFilter(**{k: v or None for k, v in form.cleaned_data.items()})
    page = Paginator(selectors.search(request.user, criteria), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(request, "eledger/list.html", tab="list",
                   context={"form": form, "page": page, "query": query.urlencode()})


@login_required
def folder(request, user_id: int | None = None):
    """A teacher's folder for one year, grouped by kind; a reviewer sees the teacher's folder too."""
    school = _school(request)
    owner = request.user if user_id is None else found_or_hidden(User.objects.filter(profile__school=school),
                                                                 request.user, "view", pk=user_id)
    access = access_for(request.user)
    if owner != request.user and not (access.is_leader or _heads_department_of(access, owner)):
        raise Hidden(request.user, "view", owner)
    years = list(sm.SchoolYear.objects.filter(school=school).order_by("-start_date"))
    year = current_year(school)
    if request.GET.get("year"):
        year = next((y for y in years if str(y.pk) == request.GET["year"]), None)
        if year is None:
            raise Http404
    return _render(request, "eledger/folder.html", tab="folder", context={
        "owner": owner, "years": years, "year": year,
        "groups": selectors.folder(request.user, owner, year) if year else [],
    })


def _heads_department_of(access, owner) -> bool:
    profile = getattr(owner, "profile", None)
    return profile is not None and profile.department_id in access.review_department_ids


@login_required
def library(request):
    """The school's content library: the templates and documents the school sends to everyone."""
    school = _school(request)
    kinds = [k for k in selectors.kinds_for(school) if k.scope == DocumentKind.Scope.SCHOOL]
    docs = selectors.search(request.user, selectors.DocumentFilter()).filter(kind__in=kinds)
    page = Paginator(docs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_publish = any(access_for(request.user).can_create(k) for k in kinds)
    return _render(request, "eledger/library.html", tab="library",
                   context={"page": page, "kinds": kinds, "can_publish": can_publish})


# --- uploading ---------------------------------------------------------------------------------


@login_required
def choose_kind(request):
    school = _school(request)
    access = access_for(request.user)
    kinds = [k for k in selectors.kinds_for(school) if access.can_create(k)]
    return _render(request, "eledger/choose_kind.html", tab="new", context={"kinds": kinds})


@login_required
def document_create(request, code: str):
    school = _school(request)
    selectors.kinds_for(school)
    kind = get_object_or_404(DocumentKind, school=school, code=code, is_active=True)
    access = access_for(request.user)
    departments = None
    if kind.scope == DocumentKind.Scope.DEPARTMENT:
        departments = access.reviewable_departments().order_by("name")
    require_create(request.user, kind)
    if kind.one_per_year:
        existing = Document.objects.filter(owner=request.user, kind=kind, year=current_year(school)).first()
        if existing is not None:
            messages.info(request, _("You already have this document for this year: upload a new version here."))
            return redirect("eledger:detail", pk=existing.pk)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    if kind.has_lesson_fields:
        pairs = selectors.teaching_pairs(request.user, current_year(school))
        form = f.LessonPlanForm(*data, pairs=pairs, kind=kind)
    else:
        form = f.DocumentForm(*data, kind=kind, departments=departments)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        fields = {"title": form.cleaned_data.get("title", ""), "department": form.cleaned_data.get("department"),
                  "submit": form.cleaned_data.get("submit", False)}
        if kind.has_lesson_fields:
            subject_id, grade = form.cleaned_data["subject_grade"]
            fields.update(subject=sm.Subject.objects.filter(school=school, pk=subject_id).first(), grade=grade,
                          period=form.cleaned_data["period"], lesson_title=form.cleaned_data["lesson_title"],
                          teaching_date=form.cleaned_data["teaching_date"])
        try:
            document = services.document_create(actor=request.user, kind=kind, content=upload,
                                                 filename=upload.name, **fields)
        except ValidationError as error:
            apply_service_errors(form, error, field_map=_FIELD_ALIASES)
        else:
            _after_upload_messages(request, document, document.current_version)
            return redirect("eledger:detail", pk=document.pk)
    no_subjects = kind.has_lesson_fields and len(form.fields["subject_grade"].choices) == 1
    return _render(request, "eledger/create.html", tab="new",
                   context={"kind": kind, "form": form, "no_subjects": no_subjects})


def _after_upload_messages(request, document: Document, version: DocumentVersion) -> None:
    messages.success(request, _("The file has been uploaded."))
    check = selectors.name_check(document, version)
    if check is not None and not check.ok:
        messages.warning(request, _("The file name did not follow the rule (%(problems)s); it is kept as "
                                    "“%(expected)s”.") % {"problems": " ".join(_(p) for p in check.problems),
                                                           "expected": check.expected})
    if version.is_late:
        messages.warning(request, _("This lesson plan was uploaded late: it had to be uploaded by %(date)s.")
                         % {"date": selectors.upload_deadline_of(document).strftime("%d/%m/%Y")})


@require_GET
@login_required
def lesson_name(request):
    """htmx: the name a lesson plan's file must have, and how the chosen file's name compares."""
    school = _school(request)
    context = {}
    subject_id, _sep, grade = request.GET.get("subject_grade", "").partition(":")
    subject = sm.Subject.objects.filter(school=school, pk=subject_id).first() if subject_id.isdecimal() else None
    try:
        period = int(request.GET.get("period", ""))
        if subject is None or not grade.isdecimal():
            raise ValueError("incomplete")
        fields = {"subject": subject.name, "grade": int(grade), "period": period,
                  "title": request.GET.get("lesson_title", ""), "foreign_language": subject.is_foreign_language}
        context["expected"] = naming.lesson_plan_name(**fields) + naming.PDF_EXTENSION
        filename = request.GET.get("filename", "").strip()
        if filename:
            context["filename"] = filename
            context["check"] = naming.check_lesson_plan_filename(filename, **fields)
    except RuleError as error:
        context["error"] = services.rule_message(error)
    except ValueError:
        context["incomplete"] = True
    return render(request, "eledger/_lesson_name.html", context)


# --- one document ------------------------------------------------------------------------------


def _detail(request, document: Document, *, status: int = 200, **forms):
    actions = services.allowed_actions(request.user, document)
    versions = list(document.versions.all())
    context = {
        "document": document,
        "versions": versions,
        "transitions": list(document.transitions.all()),
        "actions": actions,
        "name_check": selectors.name_check(document, versions[0]) if versions else None,
        "version_form": f.VersionForm(kind=document.kind) if "upload" in actions else None,
        "submit_form": f.SubmitForm() if "submit" in actions else None,
        "review_form": f.ReviewForm() if "approve" in actions else None,
        "history": document.history.select_related("history_user__profile")[:50],
    }
    context.update(forms)  # a bound form with errors replaces the empty one; nothing was saved
    return _render(request, "eledger/detail.html", context, status=status)


@login_required
def document_detail(request, pk: int):
    return _detail(request, _document(request, pk))


@login_required
@require_POST
def document_upload(request, pk: int):
    document = _document(request, pk)
    require_edit(request.user, document)
    form = f.VersionForm(request.POST, request.FILES, kind=document.kind)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = services.document_upload(actor=request.user, document=document, content=upload,
                                               filename=upload.name)
        except services.InvalidTransition as error:
            messages.error(request, " ".join(error.messages))
            return redirect("eledger:detail", pk=document.pk)
        except ValidationError as error:
            apply_service_errors(form, error, field_map=_FIELD_ALIASES)
        else:
            _after_upload_messages(request, document, version)
            return redirect("eledger:detail", pk=document.pk)
    return _detail(request, document, status=400, version_form=form)


@login_required
@require_POST
def document_submit(request, pk: int):
    document = _document(request, pk)
    require_edit(request.user, document)
    form = f.SubmitForm(request.POST)
    if form.is_valid():
        try:
            services.document_submit(actor=request.user, document=document, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Sent for review."))
    return redirect("eledger:detail", pk=document.pk)


@login_required
@require_POST
def document_review(request, pk: int):
    document = _document(request, pk)
    require_review(request.user, document)
    form = f.ReviewForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == f.ReviewForm.APPROVE
        service = services.document_approve if approve else services.document_return
        try:
            service(actor=request.user, document=document, comment=form.cleaned_data["comment"])
        except services.InvalidTransition as error:
            messages.error(request, " ".join(error.messages))
            return redirect("eledger:detail", pk=document.pk)
        except ValidationError as error:
            apply_service_errors(form, error, field_map=_FIELD_ALIASES)
        else:
            messages.success(request, _("Approved.") if approve else _("Returned to the teacher."))
            nxt = request.POST.get("next", "")
            if nxt == "queue":
                return redirect("eledger:review_queue")
            return redirect("eledger:detail", pk=document.pk)
    return _detail(request, document, status=400, review_form=form)


@login_required
@require_GET
def download(request, pk: int, number: int):
    """A version's file, for those who may see the document; the name is the Vietnamese one (RFC 5987)."""
    try:
        version = selectors.version_for_download(request.user, pk, number)
    except DocumentVersion.DoesNotExist:
        raise not_found(DocumentVersion, request.user, "view", document_id=pk, number=number) from None
    require_view(request.user, version.document)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and version.content_type == "application/pdf"
    response = FileResponse(handle, as_attachment=not inline, filename=selectors.download_name(version),
                            content_type=version.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- reviewers and leaders ---------------------------------------------------------------------


@login_required
def review_queue(request):
    _school(request)
    access = access_for(request.user)
    if not access.is_reviewer:
        raise Hidden(request.user, "review")
    return _render(request, "eledger/review_queue.html", tab="review",
                   context={"queue": selectors.review_queue(request.user)})


@login_required
def overview(request):
    _school(request)
    access = access_for(request.user)
    if not access.is_reviewer:
        raise Hidden(request.user, "review")
    today = timezone.localdate()
    return _render(request, "eledger/overview.html", tab="overview", context={
        "overview": selectors.school_overview(request.user, today),
        "department_weeks": selectors.department_week(request.user, today) if access.review_department_ids else [],
    })


# --- the school's settings ---------------------------------------------------------------------


@login_required
def settings_view(request):
    school = _school(request)
    require_configure(request.user, school)
    form = f.SettingsForm(request.POST if request.method == "POST" else None, instance=services.settings_for(school))
    if request.method == "POST" and form.is_valid():
        try:
            services.document_settings_save(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error, field_map=_FIELD_ALIASES)
        else:
            messages.success(request, _("Saved."))
            return redirect("eledger:settings")
    return _render(request, "eledger/settings.html", tab="settings", context={
        "form": form, "kinds": selectors.kinds_for(school, active_only=False),
    })


@login_required
def kind_edit(request, pk: int):
    school = _school(request)
    require_configure(request.user, school)
    kind = found_or_hidden(DocumentKind.objects.filter(school=school), request.user, "configure", pk=pk)
    initial = {"name": kind.name, "description": kind.description, "requires_review": kind.requires_review,
               "is_active": kind.is_active}
    form = f.KindForm(request.POST if request.method == "POST" else None, initial=initial)
    if kind.has_lesson_fields:
        form.fields["requires_review"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.document_kind_update(actor=request.user, kind=kind, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error, field_map=_FIELD_ALIASES)
        else:
            messages.success(request, _("Saved."))
            return redirect("eledger:settings")
    return _render(request, "eledger/kind_edit.html", tab="settings", context={"form": form, "kind": kind})
