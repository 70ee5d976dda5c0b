"""The archive in Django's admin: to look, never to change (sealed rows; batches are the services' business)."""

from django.contrib import admin

from .models import (
    ArchivedDocument,
    RenderBatch,
    RenderJob,
    Signature,
    SigningAttempt,
    SigningCertificate,
    SigningStage,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArchivedDocument)
class ArchivedDocumentAdmin(ReadOnly):
    list_display = ("file_name", "kind", "version", "school_class", "student", "pages", "size", "created_by",
                    "created_at")
    list_filter = ("kind", "mode", "year")
    search_fields = ("file_name", "sha256", "student__full_name", "student__code")
    list_select_related = ("school_class", "student", "created_by")


class RenderJobInline(admin.TabularInline):
    model = RenderJob
    fields = ("school_class", "student", "status", "attempts", "error", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RenderBatch)
class RenderBatchAdmin(ReadOnly):
    list_display = ("__str__", "term", "mode", "total", "done", "failed", "requested_by", "created_at", "finished_at")
    list_filter = ("kind", "mode", "year")
    inlines = [RenderJobInline]


@admin.register(Signature)
class SignatureAdmin(ReadOnly):
    list_display = ("scope_key", "role", "signer", "certificate", "signed_at", "document")
    list_filter = ("role",)
    list_select_related = ("signer", "certificate", "document")


@admin.register(SigningCertificate)
class SigningCertificateAdmin(ReadOnly):
    list_display = ("subject_name", "cccd", "user", "school", "not_after", "token_label", "active")
    list_filter = ("active",)
    search_fields = ("subject_name", "cccd", "fingerprint")
    list_select_related = ("user", "school")


@admin.register(SigningAttempt)
class SigningAttemptAdmin(ReadOnly):
    list_display = ("at", "actor", "action", "code", "message", "document")
    list_filter = ("action", "code")
    list_select_related = ("actor", "document")


@admin.register(SigningStage)
class SigningStageAdmin(ReadOnly):
    list_display = ("school", "kind", "position", "role")
