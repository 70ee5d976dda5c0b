"""Django admin for the document store: read-only views of documents and their logs.

Uploads, reviews and settings go through the services (the store's own pages), so the admin
can never bypass the review state machine or the permission policy.
"""

from django.contrib import admin

from schoolrecords.admin import HistoryAdmin

from . import models as m


class ReadOnlyAdmin(HistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.DocumentKind)
class DocumentKindAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "school", "scope", "requires_review", "pdf_only", "is_active"]
    list_filter = ["school", "scope", "is_active"]


@admin.register(m.DocumentSettings)
class DocumentSettingsAdmin(ReadOnlyAdmin):
    list_display = ["school", "refuse_late_uploads", "days_before"]


class VersionInline(admin.TabularInline):
    model = m.DocumentVersion
    fields = ["number", "original_name", "size", "sha256", "uploaded_by", "uploaded_at", "is_late"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = m.Transition
    fields = ["at", "action", "from_status", "to_status", "actor", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "owner", "department", "teaching_date", "status", "is_late", "updated_at"]
    list_filter = ["school", "status", "kind__code", "is_late"]
    search_fields = ["title", "owner__username", "owner__profile__full_name"]
    list_select_related = ["kind", "owner", "department"]
    inlines = [VersionInline, TransitionInline]


@admin.register(m.Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["document", "status", "submitted_by", "submitted_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["document", "submitted_by", "decided_by"]
