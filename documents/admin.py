"""Documents, requests and render jobs are written by documents.services: view-only here
(a document's claim, kind or uploader decides the checklist and the payment clock)."""

from django.contrib import admin

from claimsdesk.history_admin import ReadOnlyHistoryAdmin, ReadOnlyMixin
from documents.models import ChecklistOverride, Document, DocumentRequest, RenderJob


@admin.register(Document)
class DocumentAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "claim",
        "kind",
        "original_name",
        "size",
        "uploaded_by",
        "uploaded_at",
        "deleted_at",
    ]
    list_filter = ["kind"]
    search_fields = ["claim__number", "original_name", "sha256"]
    list_select_related = ["claim", "uploaded_by"]
    raw_id_fields = ["claim", "damage", "overtime_entry"]
    readonly_fields = ["file", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    show_full_result_count = False


@admin.register(DocumentRequest)
class DocumentRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["claim", "requested_by", "requested_at", "fulfilled_at"]
    list_select_related = ["claim", "requested_by"]
    raw_id_fields = ["claim"]


@admin.register(RenderJob)
class RenderJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["claim", "kind", "version", "status", "attempts", "updated_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim", "document"]


@admin.register(ChecklistOverride)
class ChecklistOverrideAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Append-only: who moved a claim on without a complete Q1 stage, and why."""

    list_display = ["claim", "stage", "by", "at"]
    list_filter = ["stage"]
    list_select_related = ["claim", "by"]
    search_fields = ["claim__number"]
