"""The admin board's staff accounts and departments screens of the yearly set-up."""

import unicodedata

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import models as m
from . import roles, selectors, services
from .forms import apply_service_errors
from .permissions import require, user_school
from .staff_forms import (
    DepartmentHeadForm,
    DepartmentNameForm,
    StaffCreateForm,
    StaffDeactivateForm,
    StaffEditForm,
    StaffFilterForm,
    StaffPasswordForm,
    StaffReactivateForm,
)
from .text import vietnamese_sort_key

User = get_user_model()
SETUP = services.SETUP
DERIVED_ROLES = (roles.HOMEROOM_TEACHER, roles.DEPARTMENT_HEAD)


# --- reads for these screens ----------------------------------------------------------

def _fold(text: str) -> str:
    """Lower case without tone marks or letter marks, so "do thi mai" finds "Đỗ Thị Mai"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _staff_sort_key(profile: m.StaffProfile) -> tuple:
    given = profile.full_name.rsplit(" ", 1)[-1]
    return (profile.status != m.StaffProfile.Status.ACTIVE, vietnamese_sort_key(given),
            vietnamese_sort_key(profile.full_name))


def _role_labels(user, names: tuple[str, ...] = roles.ALL) -> list[str]:
    """The user's roles in display order; reads the prefetched groups."""
    held = {group.name for group in user.groups.all()}
    return [roles.LABELS[name] for name in names if name in held]


# --- access ----------------------------------------------------------------------------

def _board_school(request) -> m.School:
    require(request.user, SETUP)
    school = user_school(request.user)
    if school is None:
        raise Http404
    return school


def _profile(request, pk: int) -> m.StaffProfile:
    require(request.user, SETUP)
    profile = get_object_or_404(m.StaffProfile.objects.select_related("user", "department", "school"), pk=pk)
    require(request.user, SETUP, profile)
    return profile


def _department(request, pk: int) -> m.Department:
    require(request.user, SETUP)
    department = get_object_or_404(m.Department.objects.select_related("head__profile", "school"), pk=pk)
    require(request.user, SETUP, department)
    return department


# --- staff -----------------------------------------------------------------------------

@login_required
def staff_list(request):
    school = _board_school(request)
    departments = list(m.Department.objects.filter(school=school).order_by("name"))
    filters = StaffFilterForm(request.GET or None, departments=departments)
    status = filters.value("status", StaffFilterForm.ALL)
    department = filters.value("department")
    query = filters.value("q").strip()

    staff = selectors.staff_of(school)
    if status == StaffFilterForm.ACTIVE:
        staff = staff.filter(status=m.StaffProfile.Status.ACTIVE)
    elif status == StaffFilterForm.LEFT:
        staff = staff.filter(status=m.StaffProfile.Status.LEFT)
    if department == StaffFilterForm.NO_DEPARTMENT:
        staff = staff.filter(department__isnull=True)
    elif department:
        staff = staff.filter(department_id=department)
    rows = list(staff)
    if query:
        # A school has tens of staff: folding in Python lets a search without tone marks match.
        needle = _fold(query)
        rows = [p for p in rows if needle in _fold(p.full_name) or needle in p.user.username.lower()]
    rows.sort(key=_staff_sort_key)
    for profile in rows:
        profile.role_labels = _role_labels(profile.user)
    return render(request, "schoolrecords/setup/staff_list.html", {
        "school": school,
        "filters": filters,
        "rows": rows,
        "working_count": sum(1 for p in rows if p.status == m.StaffProfile.Status.ACTIVE),
        "is_filtered": bool(query or department or status != StaffFilterForm.ALL),
        "tab": "staff",
    })


@login_required
def staff_create(request):
    school = _board_school(request)
    form = StaffCreateForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile = services.staff_create(
                actor=request.user, school=school, username=data["username"], full_name=data["full_name"],
                password=data["password1"], position=data["position"], department=data["department"],
                phone=data["phone"], role_names=data["roles"], must_change_password=True,
            )
        except ValidationError as error:
            apply_service_errors(form, error, default_field="password1",
                                   field_map={"first_name": "full_name", "password": "password1"})
        else:
            messages.success(request, _(
                "Account %(username)s created for %(name)s. They must change the temporary password "
                "when they first log in."
            ) % {"username": profile.user.username, "name": profile.full_name})
            return redirect("setup:staff_edit", pk=profile.pk)
    return render(request, "schoolrecords/setup/staff_create.html", {"form": form, "tab": "staff"})


@login_required
def staff_edit(request, pk: int):
    profile = _profile(request, pk)
    user = profile.user
    held = set(user.groups.values_list("name", flat=True))
    initial = {
        "full_name": profile.full_name, "position": profile.position, "department": profile.department,
        "phone": profile.phone, "cccd": profile.cccd,
        "roles": [name for name in services.ASSIGNABLE_ROLES if name in held],
    }
    form = StaffEditForm(request.POST if request.method == "POST" else None, initial=initial, school=profile.school)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update_with_roles(actor=request.user, profile=profile, details=form.details(),
                                    role_names=form.cleaned_data["roles"], reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error, field_map={"first_name": "full_name"})
        else:
            messages.success(request, _("The details of %(name)s have been saved.")
                             % {"name": form.cleaned_data["full_name"]})
            return redirect("setup:staff_edit", pk=profile.pk)
    return render(request, "schoolrecords/setup/staff_edit.html", {
        "form": form,
        "profile": profile,
        "derived_roles": [roles.LABELS[name] for name in DERIVED_ROLES if name in held],
        "is_self": profile.user_id == request.user.pk,
        "history": profile.history.select_related("history_user__profile"),
        "tab": "staff",
    })


@login_required
def staff_password(request, pk: int):
    profile = _profile(request, pk)
    form = StaffPasswordForm(request.POST if request.method == "POST" else None, user=profile.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_reset_password(actor=request.user, profile=profile,
                                          password=form.cleaned_data["password1"],
                                          reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error, default_field="password1", field_map={"password": "password1"})
        else:
            if profile.user_id == request.user.pk:
                # Resetting one's own password must not log oneself out.
                request.user.refresh_from_db(fields=["password"])
                update_session_auth_hash(request, request.user)
            messages.success(request, _(
                "A temporary password has been set for %(name)s. They must change it when they next log in."
            ) % {"name": profile.full_name})
            return redirect("setup:staff_edit", pk=profile.pk)
    return render(request, "schoolrecords/setup/staff_password.html",
                  {"form": form, "profile": profile, "tab": "staff"})


@login_required
def staff_deactivate(request, pk: int):
    profile = _profile(request, pk)
    if profile.status == m.StaffProfile.Status.LEFT:
        messages.info(request, _("%(name)s has already left the school.") % {"name": profile.full_name})
        return redirect("setup:staff_edit", pk=profile.pk)
    is_self = profile.user_id == request.user.pk
    form = StaffDeactivateForm(request.POST if request.method == "POST" else None,
                               initial={"left_on": timezone.localdate()})
    confirming = False
    if request.method == "POST" and form.is_valid():
        if is_self:
            form.add_error(None, _("You cannot deactivate your own account."))
        elif request.POST.get("confirmed") == "1":
            try:
                services.staff_deactivate(actor=request.user, profile=profile,
                                          left_on=form.cleaned_data["left_on"], reason=form.cleaned_data["reason"])
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _(
                    "%(name)s has been deactivated: they can no longer log in, and everything they wrote is kept."
                ) % {"name": profile.full_name})
                return redirect("setup:staff_edit", pk=profile.pk)
        else:
            confirming = True
    return render(request, "schoolrecords/setup/staff_deactivate.html", {
        "form": form, "profile": profile, "is_self": is_self, "confirming": confirming,
        "holdings": selectors.staff_holdings(profile.user), "tab": "staff",
    })


@login_required
def staff_reactivate(request, pk: int):
    profile = _profile(request, pk)
    if profile.status == m.StaffProfile.Status.ACTIVE:
        messages.info(request, _("%(name)s is still working at the school.") % {"name": profile.full_name})
        return redirect("setup:staff_edit", pk=profile.pk)
    form = StaffReactivateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_reactivate(actor=request.user, profile=profile, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error, default_field="reason")
        else:
            messages.success(request, _(
                "%(name)s can log in again. Give them their classes, homeroom or department again in the set-up."
            ) % {"name": profile.full_name})
            return redirect("setup:staff_edit", pk=profile.pk)
    return render(request, "schoolrecords/setup/staff_reactivate.html",
                  {"form": form, "profile": profile, "tab": "staff"})


# --- departments -----------------------------------------------------------------------

@login_required
def department_list(request):
    school = _board_school(request)
    form = DepartmentNameForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_save(actor=request.user, school=school, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_service_errors(form, error, default_field="name", field_map={"__all__": "name"})
        else:
            messages.success(request, _("Department %(name)s created. Now choose its head.")
                             % {"name": department.name})
            return redirect("setup:department_edit", pk=department.pk)
    return render(request, "schoolrecords/setup/department_list.html", {
        "departments": selectors.departments_with_counts(school), "form": form, "tab": "departments",
    })


@login_required
def department_edit(request, pk: int):
    department = _department(request, pk)
    school = department.school
    action = request.POST.get("action") if request.method == "POST" else None
    name_form = DepartmentNameForm(request.POST if action == "rename" else None,
                                   initial={"name": department.name}, school=school, department=department)
    head_form = DepartmentHeadForm(request.POST if action == "head" else None,
                                   initial={"head": department.head}, candidates=selectors.active_teachers(school))
    if action == "rename" and name_form.is_valid():
        try:
            services.department_save(actor=request.user, school=school, department=department,
                                     name=name_form.cleaned_data["name"])
        except ValidationError as error:
            apply_service_errors(name_form, error, default_field="name", field_map={"__all__": "name"})
        else:
            messages.success(request, _("The department has been renamed."))
            return redirect("setup:department_edit", pk=department.pk)
    elif action == "head" and head_form.is_valid():
        head = head_form.cleaned_data["head"]
        try:
            services.department_set_head(actor=request.user, department=department, head=head,
                                         reason=head_form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(head_form, error, default_field="head", field_map={"__all__": "head"})
        else:
            if head is None:
                messages.success(request, _("%(department)s has no head now.") % {"department": department.name})
            else:
                messages.success(request, _("%(name)s is now the head of %(department)s.")
                                 % {"name": head.profile.full_name, "department": department.name})
            return redirect("setup:department_edit", pk=department.pk)
    return render(request, "schoolrecords/setup/department_edit.html", {
        "department": department,
        "name_form": name_form,
        "head_form": head_form,
        "members": selectors.department_members(department),
        "history": department.history.select_related("history_user__profile"),
        "tab": "departments",
    })
