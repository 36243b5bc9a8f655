"""The overtime premium holds what the `assess` contract accepts (at least 1, up to 12
decimals: 1.255, 1.3333): numeric(15, 12) instead of (4, 2). Existing values widen exactly."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_damage_cut_reason"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalovertimeentry",
            name="premium",
            field=models.DecimalField(
                decimal_places=12,
                default=Decimal("1.25"),
                max_digits=15,
                validators=[django.core.validators.MinValueValidator(Decimal("1"))],
                verbose_name="割増率",
            ),
        ),
        migrations.AlterField(
            model_name="overtimeentry",
            name="premium",
            field=models.DecimalField(
                decimal_places=12,
                default=Decimal("1.25"),
                max_digits=15,
                validators=[django.core.validators.MinValueValidator(Decimal("1"))],
                verbose_name="割増率",
            ),
        ),
    ]
