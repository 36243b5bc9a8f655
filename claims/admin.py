"""Django admin for the claims app.

Reference data (insured, policies, incidents) is edited here by the admin group, except a
policy's insured once claims rest on it (it decides whose account their payouts go to);
approval authorities by superusers only (the admin group holds view permission, claims
0009), and never one's own.
Everything the services own is view-only, for superusers too: claims and their items,
payouts, recoveries, status records, extensions, the contact log. History revert is refused
everywhere (claimsdesk.history_admin).
"""

from django.contrib import admin
from django.core.exceptions import ValidationError

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
from claims.templatetags.yen import yen
from claimsdesk.display import person_name
from claimsdesk.history_admin import HistoryAdmin, ReadOnlyHistoryAdmin, ReadOnlyMixin
from coverage.admin import queue_reassessment, reassess_help, with_reason_help
from coverage.forms import ReasonRequiredOnChange, _reason_field


def person_column(field: str, label: str):
    """A list column showing a user family name first (伊藤 恵理), not the login name."""

    def column(obj):
        return person_name(getattr(obj, field)) or "—"

    column.short_description = label
    column.admin_order_field = f"{field}__last_name"
    column.__name__ = f"{field}_person"
    return column


def yen_column(field: str, label: str):
    """A read-only amount in yen (1,248,000円), not the stored 1248000."""

    def column(obj):
        return yen(getattr(obj, field))

    column.short_description = label
    column.__name__ = f"{field}_yen"
    return column


@admin.register(Insured)
class InsuredAdmin(HistoryAdmin):
    list_display = ["name", "registration_number", "kind", "contact_person", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "registration_number", "contact_person", "email"]
    show_full_result_count = False


INSURED_LOCKED = "事故がある保険契約の被保険者は変更できません (保険金は被保険者の確認済み口座に振り込まれるため)。"
OWN_AUTHORITY = "自分の承認権限は登録・変更できません。別の管理者に依頼してください。"


@admin.register(Policy)
class PolicyAdmin(HistoryAdmin):
    """A policy moved to another plan re-assesses its claims at once, in the request (a policy
    has few claims); its other columns are copied to claims at intake and assess nothing."""

    list_display = ["number", "insured", "plan", "period_start", "period_end"]
    list_filter = ["plan", "provides_cloud_service"]
    search_fields = ["number", "insured__name", "insured__registration_number"]
    list_select_related = ["insured", "plan"]
    autocomplete_fields = ["insured"]
    show_full_result_count = False

    def _has_claims(self, obj) -> bool:
        return obj is not None and obj.pk is not None and obj.claims.exists()

    def get_readonly_fields(self, request, obj=None):
        # Payouts go to the confirmed account of the policy's insured: once claims rest on
        # the policy, re-pointing it would send their money past the account's four eyes.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "insured"] if self._has_claims(obj) else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._has_claims(obj):
            kwargs["help_texts"] = {"insured": INSURED_LOCKED}
        return super().get_form(request, obj, change=change, **kwargs)

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
class IncidentAdmin(HistoryAdmin):
    """The leak determination (Q2) decides information-leak damages of every claim on the
    incident: changing it asks for a reason and re-assesses them (a Celery task)."""

    form = IncidentAdminForm
    list_display = ["title", "provider_name", "occurred_on", "leak_or_threat"]
    search_fields = ["title", "provider_name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form = with_reason_help(form, reassess_help("incident", obj.pk, "このインシデント"))
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
                cause=f"インシデント「{obj.title}」の情報漏えい判断の変更 (漏えい・そのおそれ{verdict})",
                reason=reason,
            )


class _ItemInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
    readonly_fields = ["created_by", "updated_by"]


class DamageInline(_ItemInline):
    model = ClientDamage


class ExpenseInline(_ItemInline):
    model = Expense


class OvertimeInline(_ItemInline):
    model = OvertimeEntry


class StatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "reason", "by", "at"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "number",
        "policy",
        "incident",
        "status",
        person_column("handler", "担当者"),
        "reported_at",
        "total_claimed",
        "total_payable",
    ]
    list_filter = ["status", "incident", "policy__plan", "handler"]
    search_fields = ["number", "policy__insured__name", "policy__insured__registration_number"]
    list_select_related = ["policy__insured", "policy__plan", "incident", "handler"]
    # Statuses, handler, clock, totals and items change only through claims.services.
    inlines = [DamageInline, ExpenseInline, OvertimeInline, StatusChangeInline]
    date_hierarchy = "reported_at"
    show_full_result_count = False


@admin.register(ClientDamage)
class ClientDamageAdmin(ReadOnlyHistoryAdmin):
    list_display = ["claim", "client_name", "kind", "claimed", "recognized"]
    search_fields = ["claim__number", "client_name"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(Expense)
class ExpenseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["claim", "category", "description", "amount"]
    list_filter = ["category"]
    search_fields = ["claim__number", "description"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(OvertimeEntry)
class OvertimeEntryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["claim", "employee", "work_date", "minutes", "hourly_rate", "premium", "task"]
    search_fields = ["claim__number", "employee"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim"]
    show_full_result_count = False


@admin.register(ApprovalAuthority)
class ApprovalAuthorityAdmin(HistoryAdmin):
    """Four eyes on authority: nobody sets their own limit (a supervisor who is also a
    superuser, or holds these permissions, would approve alone whatever they chose), and a
    row's holder never changes (taking over another's limit)."""

    list_display = [person_column("user", "承認者"), "limit"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def _own(self, request, obj) -> bool:
        return obj is not None and obj.user_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "user"] if obj is not None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        me = request.user.pk

        class AuthorityForm(form):
            def clean_user(self):
                user = self.cleaned_data["user"]
                if user is not None and user.pk == me:
                    raise ValidationError(OWN_AUTHORITY)
                return user

        return AuthorityForm


# A view-only page lists every field as stored (577375, carol, raw JSON): the money in
# yen, the people by name and the snapshot as a table take their places.
PAYOUT_READABLE = {
    "amount": yen_column("amount", "支払額"),
    "liability_amount": yen_column("liability_amount", "賠償 支払額"),
    "expense_amount": yen_column("expense_amount", "費用 支払額"),
    "previously_paid": yen_column("previously_paid", "既払額"),
    "approved_by": person_column("approved_by", "承認者"),
    "voided_by": person_column("voided_by", "取消者"),
    "snapshot": "snapshot_readable",
}


@admin.register(Payout)
class PayoutAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "claim",
        "sequence",
        "amount",
        "previously_paid",
        "status",
        person_column("approved_by", "承認者"),
        "approved_at",
        "paid_on",
    ]
    list_filter = ["status"]
    search_fields = ["claim__number", "payment_reference"]
    list_select_related = ["claim", "approved_by"]
    exclude = list(PAYOUT_READABLE)
    readonly_fields = [PAYOUT_READABLE.get(f.name, f.name) for f in Payout._meta.fields]
    show_full_result_count = False

    @admin.display(description="承認時の査定")
    def snapshot_readable(self, obj):
        return snapshot_table(obj.snapshot)


SECTION_LABELS = {"damages": "顧問先の損害", "expenses": "費用", "overtime": "超過勤務手当"}


def snapshot_table(snapshot) -> str:
    """The assessment a supervisor approved, as a table in Japanese (item, 請求額, 判定,
    支払対象額, reasons by name with their Q&A), the limits and the total; the stored JSON
    itself below it, folded, for an auditor who wants the record as kept."""
    import json

    from django.utils.html import format_html, format_html_join

    from coverage import vocab

    assessment = (snapshot or {}).get("assessment") or {}
    if not assessment:
        return "—"

    def reasons(codes):
        return "、".join(
            f"{r.title} ({r.qa})" if (r := vocab.REASONS.get(c)) else c for c in codes or ()
        )

    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td class='num'>{}</td><td>{}</td>"
        "<td class='num'>{}</td><td>{}</td></tr>",
        (
            (
                SECTION_LABELS.get(item.get("section"), item.get("section")),
                item.get("id"),
                yen(item.get("amount")),
                vocab.DECISIONS.get(item.get("decision"), item.get("decision")),
                yen(item.get("covered")),
                reasons(item.get("reasons")) or "—",
            )
            for item in assessment.get("items", [])
        ),
    )
    sums = format_html_join(
        "",
        "<li>{}: 対象 {} / 限度額 {} / 支払 {}</li>",
        (
            (label, yen(part.get("covered")), yen(part.get("limit")), yen(part.get("payable")))
            for label, part in (
                ("賠償責任", assessment.get("liability") or {}),
                ("費用", assessment.get("expenses") or {}),
            )
        ),
    )
    raw = json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True)
    return format_html(
        "<table><thead><tr><th>区分</th><th>明細</th><th>請求額</th><th>判定</th>"
        "<th>支払対象額</th><th>理由</th></tr></thead><tbody>{}</tbody></table>"
        "<ul>{}</ul><p><strong>支払見込額 合計 {}</strong> (プラン {})</p>"
        "<details><summary>記録されたデータ (JSON)</summary><pre>{}</pre></details>",
        rows,
        sums,
        yen(assessment.get("total_payable")),
        assessment.get("plan", "—"),
        raw,
    )


@admin.register(PaymentExtension)
class PaymentExtensionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["claim", "new_due_on", person_column("by", "延長した人"), "at"]
    list_select_related = ["claim", "by"]
    raw_id_fields = ["claim"]


@admin.register(ClaimNote)
class ClaimNoteAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The contact log is append-only: read here, written on the claim page."""

    list_display = ["claim", "at", "channel", "party", "by", "summary"]
    list_filter = ["channel", "party"]
    list_select_related = ["claim", "by"]
    search_fields = ["claim__number", "body"]
    readonly_fields = ["claim", "channel", "party", "body", "by", "at"]

    @admin.display(description="内容")
    def summary(self, note):
        return note.body if len(note.body) <= 60 else note.body[:59] + "…"


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyHistoryAdmin):
    """Refunds asked back are decided on the approval page and settled in the payout panel;
    here they are read."""

    list_display = ["claim", "amount", "status", "requested_by", "requested_at", "settled_on"]
    list_filter = ["status"]
    list_select_related = ["claim", "requested_by"]
    search_fields = ["claim__number"]
    readonly_fields = [f.name for f in Recovery._meta.fields]
