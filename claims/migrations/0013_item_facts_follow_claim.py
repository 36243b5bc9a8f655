"""One truth per fact: cause and activity labels say the Q2 condition; the per-item
free-promotion column is kept for old rows but no longer edited (the claim's fact decides).
No data is changed: `manage.py fact_conflicts` lists rows that contradict their claim."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0012_overtime_evidence_note"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="clientdamage",
            name="activity",
            field=models.CharField(
                choices=[
                    ("it_user_act", "ITユーザ行為"),
                    (
                        "it_business",
                        "IT業務 (被保険者が提供したクラウドサービスで顧問先自身が給与計算等を行った)",
                    ),
                ],
                default="it_user_act",
                max_length=20,
                verbose_name="業務の性質",
            ),
        ),
        migrations.AlterField(
            model_name="clientdamage",
            name="cause",
            field=models.CharField(
                choices=[
                    ("provider_attack", "クラウド事業者へのサイバー攻撃に起因"),
                    (
                        "own_service_stoppage",
                        "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)",
                    ),
                ],
                default="provider_attack",
                max_length=30,
                verbose_name="原因",
            ),
        ),
        migrations.AlterField(
            model_name="clientdamage",
            name="own_service_free_promotional",
            field=models.BooleanField(
                default=False,
                editable=False,
                verbose_name="(旧) 自社サービスは広告・販促目的の無償提供",
            ),
        ),
        migrations.AlterField(
            model_name="expense",
            name="cause",
            field=models.CharField(
                choices=[
                    ("provider_attack", "クラウド事業者へのサイバー攻撃に起因"),
                    (
                        "own_service_stoppage",
                        "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)",
                    ),
                ],
                default="provider_attack",
                max_length=30,
                verbose_name="原因",
            ),
        ),
        migrations.AlterField(
            model_name="expense",
            name="own_service_free_promotional",
            field=models.BooleanField(
                default=False,
                editable=False,
                verbose_name="(旧) 自社サービスは広告・販促目的の無償提供",
            ),
        ),
        migrations.AlterField(
            model_name="historicalclientdamage",
            name="activity",
            field=models.CharField(
                choices=[
                    ("it_user_act", "ITユーザ行為"),
                    (
                        "it_business",
                        "IT業務 (被保険者が提供したクラウドサービスで顧問先自身が給与計算等を行った)",
                    ),
                ],
                default="it_user_act",
                max_length=20,
                verbose_name="業務の性質",
            ),
        ),
        migrations.AlterField(
            model_name="historicalclientdamage",
            name="cause",
            field=models.CharField(
                choices=[
                    ("provider_attack", "クラウド事業者へのサイバー攻撃に起因"),
                    (
                        "own_service_stoppage",
                        "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)",
                    ),
                ],
                default="provider_attack",
                max_length=30,
                verbose_name="原因",
            ),
        ),
        migrations.AlterField(
            model_name="historicalclientdamage",
            name="own_service_free_promotional",
            field=models.BooleanField(
                default=False,
                editable=False,
                verbose_name="(旧) 自社サービスは広告・販促目的の無償提供",
            ),
        ),
        migrations.AlterField(
            model_name="historicalexpense",
            name="cause",
            field=models.CharField(
                choices=[
                    ("provider_attack", "クラウド事業者へのサイバー攻撃に起因"),
                    (
                        "own_service_stoppage",
                        "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)",
                    ),
                ],
                default="provider_attack",
                max_length=30,
                verbose_name="原因",
            ),
        ),
        migrations.AlterField(
            model_name="historicalexpense",
            name="own_service_free_promotional",
            field=models.BooleanField(
                default=False,
                editable=False,
                verbose_name="(旧) 自社サービスは広告・販促目的の無償提供",
            ),
        ),
        migrations.AlterField(
            model_name="historicalovertimeentry",
            name="cause",
            field=models.CharField(
                choices=[
                    ("provider_attack", "クラウド事業者へのサイバー攻撃に起因"),
                    (
                        "own_service_stoppage",
                        "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)",
                    ),
                ],
                default="provider_attack",
                max_length=30,
                verbose_name="原因",
            ),
        ),
        migrations.AlterField(
            model_name="historicalovertimeentry",
            name="own_service_free_promotional",
            field=models.BooleanField(
                default=False,
                editable=False,
                verbose_name="(旧) 自社サービスは広告・販促目的の無償提供",
            ),
        ),
        migrations.AlterField(
            model_name="overtimeentry",
            name="cause",
            field=models.CharField(
                choices=[
                    ("provider_attack", "クラウド事業者へのサイバー攻撃に起因"),
                    (
                        "own_service_stoppage",
                        "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)",
                    ),
                ],
                default="provider_attack",
                max_length=30,
                verbose_name="原因",
            ),
        ),
        migrations.AlterField(
            model_name="overtimeentry",
            name="own_service_free_promotional",
            field=models.BooleanField(
                default=False,
                editable=False,
                verbose_name="(旧) 自社サービスは広告・販促目的の無償提供",
            ),
        ),
    ]
