"""Bank accounts of the insured (振込先口座, four eyes) and payment batches (総合振込)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class BankAccount(models.Model):
    """One version of an insured's 振込先口座. A change is a new row, `pending` until a
    second person confirms it (maker-checker); only a confirmed account is paid to, and a
    pending change blocks payment to that insured until it is confirmed or rejected. Rows
    are never edited in place, so a batch's file always shows the account it was built on."""

    class Type(models.TextChoices):
        ORDINARY = "1", "普通"
        CURRENT = "2", "当座"

    class Status(models.TextChoices):
        PENDING = "pending", "確認待ち"
        CONFIRMED = "confirmed", "確認済み"
        SUPERSEDED = "superseded", "変更済み (旧口座)"
        REJECTED = "rejected", "差戻し"

    insured = models.ForeignKey(
        "claims.Insured",
        on_delete=models.PROTECT,
        related_name="bank_accounts",
        verbose_name="被保険者",
    )
    bank_code = models.CharField("金融機関コード", max_length=4)
    bank_name = models.CharField("金融機関名", max_length=60)
    bank_kana = models.CharField("金融機関名 (カナ)", max_length=15)
    branch_code = models.CharField("支店コード", max_length=3)
    branch_name = models.CharField("支店名", max_length=60)
    branch_kana = models.CharField("支店名 (カナ)", max_length=15)
    account_type = models.CharField("預金種目", max_length=1, choices=Type.choices)
    account_number = models.CharField("口座番号", max_length=7)
    holder = models.CharField("口座名義 (半角カナ)", max_length=30)
    status = models.CharField("状態", max_length=12, choices=Status.choices, default=Status.PENDING)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="入力者",
    )
    entered_at = models.DateTimeField("入力日時", auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="確認者",
    )
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "振込先口座"
        verbose_name_plural = "振込先口座"
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["insured"], condition=Q(status="pending"), name="bankaccount_one_pending"
            ),
            models.UniqueConstraint(
                fields=["insured"],
                condition=Q(status="confirmed"),
                name="bankaccount_one_confirmed",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | ~Q(confirmed_by=models.F("entered_by")),
                name="bankaccount_four_eyes",
            ),
        ]

    def __str__(self):
        return f"{self.bank_name} {self.branch_name} {self.get_account_type_display()} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        """The account number as letters print it: only the last three digits."""
        return "****" + self.account_number[-3:]


class PaymentBatch(models.Model):
    """A 総合振込 batch: approved payouts gathered by a payer (支払担当), its file built once
    from the stored rows (downloading again gives the same bytes), then marked paid when the
    bank confirms, or cancelled (its payouts are free again)."""

    class Status(models.TextChoices):
        OPEN = "open", "振込待ち"
        PAID = "paid", "振込済み"
        CANCELLED = "cancelled", "取消"

    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.OPEN)
    transfer_date = models.DateField("振込指定日")
    count = models.PositiveIntegerField("件数", default=0)
    total = models.PositiveBigIntegerField("合計金額 (円)", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="作成者",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    file = models.BinaryField("振込ファイル", null=True, blank=True, editable=False)
    file_sha256 = models.CharField("振込ファイルの SHA-256", max_length=64, blank=True)
    paid_on = models.DateField("支払日", null=True, blank=True)
    reference = models.CharField("振込参照番号", max_length=100, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="振込済みの記録者",
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取消者",
    )
    cancel_reason = models.TextField("取消理由", blank=True)
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta:
        verbose_name = "振込バッチ"
        verbose_name_plural = "振込バッチ"
        ordering = ["-created_at", "-id"]
        permissions = [("pay", "支払担当 (振込バッチの作成・振込済みの記録)")]

    def __str__(self):
        return f"振込バッチ {self.pk} ({self.transfer_date:%Y/%m/%d}, {self.count}件)"


class BatchItem(models.Model):
    """One payout in one batch, with the account it is transferred to. `live` until the
    batch is cancelled or the bank returns the transfer (組戻し/資金返却): a payout stands in
    at most one live item (database constraint)."""

    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="items", verbose_name="振込バッチ"
    )
    payout = models.ForeignKey(
        "claims.Payout",
        on_delete=models.PROTECT,
        related_name="batch_items",
        verbose_name="支払",
    )
    account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="+", verbose_name="振込先口座"
    )
    amount = models.PositiveBigIntegerField("振込金額 (円)")
    live = models.BooleanField("有効 (取消・返却なし)", default=True)
    returned_on = models.DateField("返却日", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="返却の記録者",
    )
    return_reason = models.TextField("返却理由", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "振込明細"
        verbose_name_plural = "振込明細"
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payout"], condition=Q(live=True), name="batchitem_one_live_per_payout"
            ),
        ]

    def __str__(self):
        return f"バッチ{self.batch_id} 支払{self.payout_id} {self.amount:,}円"
