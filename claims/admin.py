from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims.models import (
    ApprovalAuthority,
    Claim,
    ClaimNote,
    ClientDamage,
    Expense,
    Incident,
    Insured,
    OvertimeEntry,
    PaymentExtension,
    Payout,
    Policy,
    Recovery,
    StatusChange,
)


@admin.register(Insured)
class InsuredAdmin(SimpleHistoryAdmin):
    list_display = ["name", "registration_number", "kind", "contact_person", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "registration_number", "contact_person", "email"]
    show_full_result_count = False


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    list_display = ["number", "insured", "plan", "period_start", "period_end"]
    list_filter = ["plan", "provides_cloud_service"]
    search_fields = ["number", "insured__name", "insured__registration_number"]
    list_select_related = ["insured", "plan"]
    autocomplete_fields = ["insured"]
    show_full_result_count = False


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "provider_name", "occurred_on", "leak_or_threat"]
    search_fields = ["title", "provider_name"]


class _ItemInline(admin.TabularInline):
    extra = 0
    show_change_link = True
    readonly_fields = ["created_by", "updated_by"]


class DamageInline(_ItemInline):
    model = ClientDamage


class ExpenseInline(_ItemInline):
    model = Expense


class OvertimeInline(_ItemInline):
    model = OvertimeEntry


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "reason", "by", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = [
        "number",
        "policy",
        "incident",
        "status",
        "handler",
        "reported_at",
        "total_claimed",
        "total_payable",
    ]
    list_filter = ["status", "incident", "policy__plan", "handler"]
    search_fields = ["number", "policy__insured__name", "policy__insured__registration_number"]
    list_select_related = ["policy__insured", "policy__plan", "incident", "handler"]
    # Statuses change only through claims.services: read-only here.
    readonly_fields = ["status", "number", "total_claimed", "total_payable", "pending_items"]
    autocomplete_fields = ["policy"]
    raw_id_fields = ["handler", "created_by"]
    inlines = [DamageInline, ExpenseInline, OvertimeInline, StatusChangeInline]
    date_hierarchy = "reported_at"
    show_full_result_count = False


@admin.register(ClientDamage)
class ClientDamageAdmin(SimpleHistoryAdmin):
    list_display = ["claim", "client_name", "kind", "claimed", "recognized"]
    search_fields = ["claim__number", "client_name"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(Expense)
class ExpenseAdmin(SimpleHistoryAdmin):
    list_display = ["claim", "category", "description", "amount"]
    list_filter = ["category"]
    search_fields = ["claim__number", "description"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(OvertimeEntry)
class OvertimeEntryAdmin(SimpleHistoryAdmin):
    list_display = ["claim", "employee", "work_date", "minutes", "hourly_rate", "premium", "task"]
    search_fields = ["claim__number", "employee"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(ApprovalAuthority)
class ApprovalAuthorityAdmin(SimpleHistoryAdmin):
    list_display = ["user", "limit"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Payout)
class PayoutAdmin(SimpleHistoryAdmin):
    list_display = [
        "claim",
        "sequence",
        "amount",
        "previously_paid",
        "status",
        "approved_by",
        "approved_at",
        "paid_on",
    ]
    list_filter = ["status"]
    search_fields = ["claim__number", "payment_reference"]
    list_select_related = ["claim", "approved_by"]
    readonly_fields = [f.name for f in Payout._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(PaymentExtension)
class PaymentExtensionAdmin(admin.ModelAdmin):
    list_display = ["claim", "new_due_on", "by", "at"]
    list_select_related = ["claim", "by"]
    raw_id_fields = ["claim"]


@admin.register(ClaimNote)
class ClaimNoteAdmin(admin.ModelAdmin):
    """The contact log is append-only: read here, written on the claim page."""

    list_display = ["claim", "at", "channel", "party", "by", "summary"]
    list_filter = ["channel", "party"]
    list_select_related = ["claim", "by"]
    search_fields = ["claim__number", "body"]
    readonly_fields = ["claim", "channel", "party", "body", "by", "at"]

    @admin.display(description="内容")
    def summary(self, note):
        return note.body if len(note.body) <= 60 else note.body[:59] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Recovery)
class RecoveryAdmin(SimpleHistoryAdmin):
    """Refunds asked back are decided on the approval page and settled in the payout panel;
    here they are read."""

    list_display = ["claim", "amount", "status", "requested_by", "requested_at", "settled_on"]
    list_filter = ["status"]
    list_select_related = ["claim", "requested_by"]
    search_fields = ["claim__number"]
    readonly_fields = [f.name for f in Recovery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
