"""Plans and their limits (Q6). Admins edit them in Django admin; every edit is kept."""

from django.db import models
from simple_history.models import HistoricalRecords

from coverage import vocab


class Plan(models.Model):
    code = models.SlugField("プランコード", max_length=40, unique=True)
    name = models.CharField("プラン名", max_length=100)
    liability_limit = models.PositiveBigIntegerField("賠償 支払限度額 (円)")
    expense_limit = models.PositiveBigIntegerField("費用 支払限度額 (円)")
    leak_only = models.BooleanField(
        "情報漏えい限定補償",
        default=False,
        help_text="Q2: 情報漏えい・そのおそれによる損害のみ補償",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "保険プラン"
        verbose_name_plural = "保険プラン"
        ordering = ["-liability_limit", "code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ExpenseSublimit(models.Model):
    """A category's own limit inside the plan's expense limit (Q6: 個別に限度額が設定されている費目)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="sublimits", verbose_name="プラン"
    )
    category = models.CharField(
        "費目", max_length=40, choices=vocab.choices(vocab.SUBLIMIT_CATEGORIES)
    )
    limit = models.PositiveBigIntegerField("費目別限度額 (円)")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "費目別限度額"
        verbose_name_plural = "費目別限度額"
        constraints = [
            models.UniqueConstraint(fields=["plan", "category"], name="sublimit_one_per_category")
        ]

    def __str__(self):
        return f"{self.plan.code}: {self.get_category_display()} {self.limit:,}円"
