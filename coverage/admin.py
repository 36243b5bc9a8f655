from django.contrib import admin

from claimsdesk.history_admin import HistoryAdmin
from coverage.models import ExpenseSublimit, Plan


class ExpenseSublimitInline(admin.TabularInline):
    model = ExpenseSublimit
    extra = 0


@admin.register(Plan)
class PlanAdmin(HistoryAdmin):
    list_display = ["code", "name", "liability_limit", "expense_limit", "leak_only"]
    search_fields = ["code", "name"]
    inlines = [ExpenseSublimitInline]
    history_list_display = ["liability_limit", "expense_limit"]


@admin.register(ExpenseSublimit)
class ExpenseSublimitAdmin(HistoryAdmin):
    list_display = ["plan", "category", "limit"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
