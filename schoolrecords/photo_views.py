"""Students' photos: one by one on the student's page, a class's at once from a zip, and the picture itself.

The picture is never served from a public media URL: it is read through the media storage by this
view, for the admin board of the student's school, and not kept by browsers or proxies.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import forms as f
from . import models as m
from . import services
from .forms import apply_service_errors
from .permissions import found_or_hidden, require, user_school
from .services import SETUP
from .setup_views import student_page


def _student(request, pk: int) -> m.Student:
    require(request.user, SETUP)
    school = user_school(request.user)
    if school is None:
        raise Http404
    return found_or_hidden(m.Student.objects.filter(school=school), request.user, SETUP, pk=pk)


@login_required
@require_POST
def student_photo_upload(request, pk: int):
    student = _student(request, pk)
    form = f.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.student_photo_set(actor=request.user, student=student, content=form.content)
        except ValidationError as error:
            apply_service_errors(form, error, field_map={"photo": "file"}, default_field="file")
        else:
            messages.success(request, _("The photo of %(name)s is saved.") % {"name": student.full_name})
            return redirect("setup:student_edit", pk=student.pk)
    return student_page(request, student, photo_form=form)


@login_required
@require_GET
def student_photo(request, pk: int):
    student = _student(request, pk)
    if not student.photo:
        raise Http404
    try:
        handle = student.photo.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def class_photos(request, pk: int):
    require(request.user, SETUP)
    school = user_school(request.user)
    if school is None:
        raise Http404
    school_class = found_or_hidden(m.SchoolClass.objects.select_related("year").filter(year__school=school),
                                   request.user, SETUP, pk=pk)
    posted = request.method == "POST"
    form = f.ClassPhotosForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.class_photos_import(actor=request.user, school_class=school_class,
                                                 content=form.content)
        except ValidationError as error:
            apply_service_errors(form, error, default_field="file")
        else:
            messages.success(request, ngettext("%(count)d photo saved.", "%(count)d photos saved.",
                                               len(saved)) % {"count": len(saved)})
            return redirect("setup:class_photos", pk=school_class.pk)
    roster = (m.Student.objects.filter(enrolments__school_class=school_class).distinct()
              .order_by("code").only("pk", "code", "full_name", "photo"))
    return render(request, "schoolrecords/setup/class_photos.html", {
        "school_class": school_class, "form": form, "roster": roster,
        "missing": sum(1 for s in roster if not s.photo),
    })
