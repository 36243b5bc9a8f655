"""The 支払担当 group `payer`, with the payments.pay permission."""

from django.db import migrations


def create_payer(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ct, _ = ContentType.objects.get_or_create(app_label="payments", model="paymentbatch")
    pay, _ = Permission.objects.get_or_create(
        content_type=ct,
        codename="pay",
        defaults={"name": "支払担当 (振込バッチの作成・振込済みの記録)"},
    )
    payer, _ = Group.objects.get_or_create(name="payer")
    payer.permissions.add(pay)


def remove_payer(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="payer").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_payer, remove_payer)]
