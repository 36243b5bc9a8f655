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
from coverage.admin import queue_reassessment, reassess_help, with_reason_help
from coverage.forms import ReasonRequiredOnChange, _reason_field


@admin.register(Insured)
class InsuredAdmin(SimpleHistoryAdmin):
    list_display = ["name", "registration_number", "kind", "contact_person", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "registration_number", "contact_person", "email"]
    show_full_result_count = False


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    """A policy moved to another plan re-assesses its claims at once, in the request (a policy
    has few claims); its other columns are copied to claims at intake and assess nothing."""

    list_display = ["number", "insured", "plan", "period_start", "period_end"]
    list_filter = ["plan", "provides_cloud_service"]
    search_fields = ["number", "insured__name", "insured__registration_number"]
    list_select_related = ["insured", "plan"]
    autocomplete_fields = ["insured"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "plan" in form.changed_data:
            from claims.reassess import policy_claims_reassess_on_commit

            policy_claims_reassess_on_commit(
                policy_id=obj.pk,
                cause=f"保険契約 {obj.number} のプラン変更 ({obj.plan.code})",
                by=request.user,
            )


class IncidentAdminForm(ReasonRequiredOnChange):
    change_reason = _reason_field()

    class Meta:
        model = Incident
        fields = ["provider_name", "title", "occurred_on", "leak_or_threat", "notes"]


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    """The leak determination (Q2) decides information-leak damages of every claim on the
    incident: changing it asks for a reason and re-assesses them (a Celery task)."""

    form = IncidentAdminForm
    list_display = ["title", "provider_name", "occurred_on", "leak_or_threat"]
    search_fields = ["title", "provider_name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form = with_reason_help(form, reassess_help("incident", obj.pk, "この事故"))
        return form

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason", "")
        obj._change_reason = reason
        super().save_model(request, obj, form, change)
        if change and "leak_or_threat" in form.changed_data:
            verdict = "あり" if obj.leak_or_threat else "なし"
            queue_reassessment(
                request,
                scope="incident",
                pk=obj.pk,
                cause=f"事故「{obj.title}」の情報漏えい判断の変更 (漏えい・そのおそれ{verdict})",
                reason=reason,
            )


class _RefreshesClaim:
    """Admin edits of a claim or its items bypass the services: re-assess the claim after."""

    def _refresh(self, request, claim):
        from claims.services import claim_refresh_totals

        claim_refresh_totals(claim=claim, cause="管理画面での変更", by=request.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not isinstance(obj, Claim):
            self._refresh(request, obj.claim)

    def delete_model(self, request, obj):
        claim = obj.claim if not isinstance(obj, Claim) else None
        super().delete_model(request, obj)
        if claim is not None:
            self._refresh(request, claim)

    def delete_queryset(self, request, queryset):
        claims = {obj.claim for obj in queryset.select_related("claim")}
        super().delete_queryset(request, queryset)
        for claim in claims:
            self._refresh(request, claim)


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
class ClaimAdmin(_RefreshesClaim, SimpleHistoryAdmin):
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._refresh(request, form.instance)


@admin.register(ClientDamage)
class ClientDamageAdmin(_RefreshesClaim, SimpleHistoryAdmin):
    list_display = ["claim", "client_name", "kind", "claimed", "recognized"]
    search_fields = ["claim__number", "client_name"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(Expense)
class ExpenseAdmin(_RefreshesClaim, SimpleHistoryAdmin):
    list_display = ["claim", "category", "description", "amount"]
    list_filter = ["category"]
    search_fields = ["claim__number", "description"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(OvertimeEntry)
class OvertimeEntryAdmin(_RefreshesClaim, SimpleHistoryAdmin):
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
