"""Plans and sub-limits in Django admin. A change that claims rest on asks for a reason,
says first how many undecided claims it will re-assess, and re-assesses them after commit
(claims.reassess: a Celery task working in batches; eager in development and tests)."""

from django.contrib import admin, messages

from claimsdesk.history_admin import HistoryAdmin
from coverage.forms import PlanAdminForm, SublimitAdminForm, SublimitInlineForm
from coverage.models import ExpenseSublimit, Plan

# Plan columns the assessment reads, and how a timeline names their change.
ASSESSED_FIELDS = {
    "liability_limit": "限度額",
    "expense_limit": "限度額",
    "leak_only": "補償範囲",
}


def reassess_help(scope: str, pk: int, what: str) -> str:
    from claims.models import Claim
    from claims.reassess import open_claims_count, scope_claims

    n = open_claims_count(scope, pk)
    waiting = scope_claims(scope, pk).filter(status=Claim.Status.AWAITING_APPROVAL).count()
    return (
        f"保存すると、{what}の未決の事故 {n:,} 件 (うち承認待ち {waiting:,} 件) を再査定します。"
        "支払見込額が変わった事故には、変更前→変更後とこの理由が履歴に残ります。"
        "承認済み・支払済み・終了の事故は承認時の査定のまま変わりません。"
    )


def with_reason_help(form_class, help_text: str):
    """A per-request subclass carrying the help text (the shared form class stays as is)."""
    return type(form_class.__name__, (form_class,), {"reason_help": help_text})


def queue_reassessment(request, *, scope: str, pk: int, cause: str, reason: str) -> None:
    from claims.reassess import open_claims_count, reassess_later

    reassess_later(scope=scope, pk=pk, cause=cause, reason=reason, by=request.user)
    messages.info(
        request,
        f"{cause}: 未決の事故 {open_claims_count(scope, pk):,} 件を再査定します"
        " (支払見込額が変わった事故は各事故の履歴に記録されます)。",
    )


class ExpenseSublimitInline(admin.TabularInline):
    model = ExpenseSublimit
    form = SublimitInlineForm
    extra = 0


@admin.register(Plan)
class PlanAdmin(HistoryAdmin):
    form = PlanAdminForm
    list_display = ["code", "name", "liability_limit_yen", "expense_limit_yen", "leak_only"]
    search_fields = ["code", "name"]
    inlines = [ExpenseSublimitInline]
    history_list_display = ["liability_limit", "expense_limit"]

    @admin.display(description="賠償 支払限度額 (円)", ordering="liability_limit")
    def liability_limit_yen(self, plan):
        return f"{plan.liability_limit:,}"

    @admin.display(description="費用 支払限度額 (円)", ordering="expense_limit")
    def expense_limit_yen(self, plan):
        return f"{plan.expense_limit:,}"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form = with_reason_help(form, reassess_help("plan", obj.pk, "このプラン"))
        return form

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data.get("change_reason", "")
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get("change_reason", "")
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj._change_reason = reason
            obj.delete()
        for obj in instances:
            obj._change_reason = reason
            obj.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            return  # a new plan has no claims yet
        what = []
        for name in form.changed_data:
            label = ASSESSED_FIELDS.get(name)
            if label and label not in what:
                what.append(label)
        if any(fs.has_changed() for fs in formsets):
            what.append("費目別限度額")
        if what:
            plan = form.instance
            queue_reassessment(
                request,
                scope="plan",
                pk=plan.pk,
                cause=f"プラン {plan.code} の{'・'.join(what)}変更",
                reason=form.cleaned_data.get("change_reason", ""),
            )


@admin.register(ExpenseSublimit)
class ExpenseSublimitAdmin(HistoryAdmin):
    """Sub-limits one by one. Removing one is done on its plan's page, where the reason is
    asked for (this page has no delete, so no removal goes unexplained)."""

    form = SublimitAdminForm
    list_display = ["plan", "category", "limit_yen"]
    list_filter = ["plan"]
    list_select_related = ["plan"]

    @admin.display(description="費目別限度額 (円)", ordering="limit")
    def limit_yen(self, sublimit):
        return f"{sublimit.limit:,}"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form = with_reason_help(form, reassess_help("plan", obj.plan_id, "このプラン"))
        else:
            form = with_reason_help(
                form, "保存すると、選んだプランの未決の事故をすべて再査定します。"
            )
        return form

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason", "")
        obj._change_reason = reason
        old_plan = form.initial.get("plan") if change else None
        super().save_model(request, obj, form, change)
        if change and not set(form.changed_data) - {"change_reason"}:
            return
        plans = {obj.plan_id} | ({old_plan} if old_plan and old_plan != obj.plan_id else set())
        for plan in Plan.objects.filter(pk__in=plans):
            queue_reassessment(
                request,
                scope="plan",
                pk=plan.pk,
                cause=f"プラン {plan.code} の費目別限度額変更",
                reason=reason,
            )
