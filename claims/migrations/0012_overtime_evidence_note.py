"""Q5 evidence confirmed by a tick with no file needs a note: the note, who wrote it, when."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_overtime_premium_contract_precision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalovertimeentry",
            name="evidence_note",
            field=models.TextField(
                blank=True, default="", verbose_name="ファイルなしで確認した証憑の確認方法"
            ),
        ),
        migrations.AddField(
            model_name="historicalovertimeentry",
            name="evidence_note_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="確認方法の記録日時"),
        ),
        migrations.AddField(
            model_name="historicalovertimeentry",
            name="evidence_note_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="確認方法の記録者",
            ),
        ),
        migrations.AddField(
            model_name="overtimeentry",
            name="evidence_note",
            field=models.TextField(
                blank=True, default="", verbose_name="ファイルなしで確認した証憑の確認方法"
            ),
        ),
        migrations.AddField(
            model_name="overtimeentry",
            name="evidence_note_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="確認方法の記録日時"),
        ),
        migrations.AddField(
            model_name="overtimeentry",
            name="evidence_note_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="確認方法の記録者",
            ),
        ),
    ]
