"""Django admin for rare configuration; the yearly set-up has its own screens that go through the services.

Rows whose changes grant or revoke rights (classes, assignments, staff) are read-only here, so
the admin can never bypass the services that keep django-guardian in step.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from . import models as m


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin with its revert form closed to POSTs.

    That form saves whatever is posted to it while asking only for the view permission, so it
    would change a read-only admin's rows (scores!) past the services; SIMPLE_HISTORY_REVERT_DISABLED
    merely hides its button.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and (getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False)
                                         or not self.has_change_permission(request)):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReasonedHistoryAdmin(HistoryAdmin):
    """Every admin save is recorded with the acting user and a reason naming the admin."""

    def save_model(self, request, obj, form, change):
        obj._change_reason = _("Changed in the Django admin")
        obj._history_user = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # records are ended or deactivated, never deleted


class ReadOnlyHistoryAdmin(HistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffUserAdmin(UserAdmin):
    """Django's user admin, without deleting: an account is deactivated, its name stays on the history it wrote."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.School)
class SchoolAdmin(ReasonedHistoryAdmin):
    list_display = ["code", "name", "level", "commune", "province"]
    search_fields = ["code", "name"]


@admin.register(m.Subject)
class SubjectAdmin(ReasonedHistoryAdmin):
    list_display = ["code", "name", "school", "assessment_mode", "is_foreign_language", "order"]
    list_filter = ["school", "assessment_mode"]
    search_fields = ["code", "name"]


for model, fields in [
    (m.SchoolYear, ["name", "school", "start_date", "end_date", "rule_set", "is_current"]),
    (m.Term, ["year", "number", "start_date", "end_date"]),
    (m.Department, ["name", "school", "head"]),
    (m.GradeSubject, ["year", "grade", "subject", "periods_per_year"]),
    (m.SchoolClass, ["name", "year", "grade", "homeroom_teacher"]),
    (m.Student, ["code", "full_name", "date_of_birth", "school"]),
    (m.Enrolment, ["student", "school_class", "status", "start_date", "end_date"]),
    (m.StaffProfile, ["full_name", "user", "school", "department", "status"]),
    (m.TeachingAssignment, ["school_class", "subject", "teacher", "start_date", "end_date"]),
]:
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyHistoryAdmin,), {"list_display": fields}))
