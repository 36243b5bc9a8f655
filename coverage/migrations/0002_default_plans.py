"""The three plans of the scheme with their Q6 limits, so every fresh database has them."""

from django.db import migrations

PLANS = [
    ("cyber_standard", "サイバーリスク保険", 100_000_000, 100_000_000, False),
    (
        "leak_only_30m",
        "サイバーリスク保険 情報漏えい限定補償プラン (3,000万円タイプ)",
        30_000_000,
        30_000_000,
        True,
    ),
    (
        "leak_only_5m",
        "サイバーリスク保険 情報漏えい限定補償プラン (500万円タイプ)",
        5_000_000,
        5_000_000,
        True,
    ),
]


def create_plans(apps, schema_editor):
    from django.utils import timezone

    Plan = apps.get_model("coverage", "Plan")
    HistoricalPlan = apps.get_model("coverage", "HistoricalPlan")
    for code, name, liability, expenses, leak_only in PLANS:
        plan, _ = Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "liability_limit": liability,
                "expense_limit": expenses,
                "leak_only": leak_only,
            },
        )
        # The first history entry, so the first admin edit shows its old value.
        HistoricalPlan.objects.create(
            id=plan.pk,
            code=code,
            name=name,
            liability_limit=liability,
            expense_limit=expenses,
            leak_only=leak_only,
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="Q6 default limits (data migration)",
        )


def remove_plans(apps, schema_editor):
    apps.get_model("coverage", "Plan").objects.filter(code__in=[p[0] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("coverage", "0001_initial")]
    operations = [migrations.RunPython(create_plans, remove_plans)]
