from django.contrib import admin

from claimsdesk.history_admin import ReadOnlyHistoryAdmin
from payments.models import BankAccount, BatchItem, PaymentBatch


class ReadOnly(ReadOnlyHistoryAdmin):
    """Accounts and batches change only through their services (four eyes, totals): view-only
    for everyone, and a history revert POST is refused like everywhere else."""


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnly):
    list_display = ["insured", "bank_name", "branch_name", "account_number", "holder", "status"]
    list_filter = ["status"]


class ItemInline(admin.TabularInline):
    model = BatchItem
    fields = ["payout", "account", "amount", "live", "returned_on", "return_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnly):
    list_display = ["pk", "transfer_date", "count", "total", "status", "paid_on"]
    list_filter = ["status"]
    exclude = ["file"]
    inlines = [ItemInline]
