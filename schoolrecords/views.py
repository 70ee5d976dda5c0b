"""Pages every staff member uses: the home page per role, a class page, the password change."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views import defaults

from eledger import selectors as eledger_selectors
from gradebook.corrections import selectors as corrections_selectors
from gradebook import policy as grade_permissions
from gradebook import policy as results_selectors

from . import models as m
from . import roles, selectors, services
from .permissions import Hidden, has_role, require, user_school
from .signals import log_refusal


@login_required
def home(request):
    user = request.user
    school = user_school(user)
    year = selectors.current_year(school)
    context = {"school": school, "year": year, "sections": []}
    if school is None:
        return render(request, "schoolrecords/home.html", context)
    if has_role(user, roles.PRINCIPAL, roles.VICE_PRINCIPAL):
        context["overview"] = selectors.school_counts(school, year)
        context["overview_classes"] = selectors.classes_of(year) if year else []
    if has_role(user, roles.ADMIN_BOARD) and year is not None:
        context["gaps"] = selectors.setup_gaps(year)
        context["awaiting_first_login"] = selectors.staff_awaiting_first_login(school)
    if has_role(user, roles.CLERK) and year is not None:
        context["clerk_classes"] = selectors.classes_of(year)
    if year is not None:
        context["teaching"] = selectors.assignments_of_teacher(user, year)
        context["homeroom"] = selectors.classes_of(year).filter(homeroom_teacher=user)
    context["documents_summary"] = eledger_selectors.home_summary(user)
    context["corrections"] = corrections_selectors.home_summary(user)
    if has_role(user, roles.DEPARTMENT_HEAD):
        context["departments"] = [
            (department, selectors.department_members(department))
            for department in m.Department.objects.filter(head=user, school=school)
        ]
    return render(request, "schoolrecords/home.html", context)


@login_required
def class_detail(request, pk: int):
    school_class = get_object_or_404(m.SchoolClass.objects.select_related("year", "homeroom_teacher__profile"), pk=pk)
    require(request.user, "schoolrecords.view_schoolclass", school_class)
    roster = selectors.sort_vietnamese(selectors.class_roster(school_class))
    assignments = list(selectors.assignments_of_class(school_class))
    return render(request, "schoolrecords/class_detail.html", {
        "school_class": school_class,
        "roster": roster,
        "assignments": assignments,
        "readable": grade_permissions.readable_assignment_ids(request.user, school_class, assignments),
        "can_see_results": results_selectors.can_read_results(request.user, school_class),
    })


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows after too many failed log-ins (HTTP 429)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change, which also clears the first-login obligation."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def permission_denied(request, exception=None):
    """The site's 403 (handler403): logged as a refusal, shown as the Vietnamese page templates/403.html."""
    log_refusal(request, 403, str(exception or ""))
    return defaults.permission_denied(request, exception, template_name="403.html")


def page_not_found(request, exception=None):
    """The site's 404 (handler404); a hidden object (permissions.Hidden, OtherSchool) is logged as a refusal.

    Django answers 404s itself when DEBUG is on, so only a production server logs them.
    """
    if isinstance(exception, Hidden):
        log_refusal(request, 404, exception.reason, perm=exception.perm, object=exception.target)
    return defaults.page_not_found(request, exception)
