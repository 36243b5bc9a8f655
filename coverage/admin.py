from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from coverage.models import ExpenseSublimit, Plan


class ExpenseSublimitInline(admin.TabularInline):
    model = ExpenseSublimit
    extra = 0


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "liability_limit", "expense_limit", "leak_only"]
    search_fields = ["code", "name"]
    inlines = [ExpenseSublimitInline]
    history_list_display = ["liability_limit", "expense_limit"]


@admin.register(ExpenseSublimit)
class ExpenseSublimitAdmin(SimpleHistoryAdmin):
    list_display = ["plan", "category", "limit"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
