"""The MK System incident of 2023-06-05 (determined a threat of leak, Q2) and the desk's groups."""

import datetime

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMS = {
    "handler": [
        ("claims", "view_insured"),
        ("claims", "view_policy"),
        ("claims", "view_incident"),
        ("claims", "add_claim"),
        ("claims", "change_claim"),
        ("claims", "view_claim"),
        *[
            ("claims", f"{action}_{model}")
            for model in ("clientdamage", "expense", "overtimeentry")
            for action in ("add", "change", "delete", "view")
        ],
        ("coverage", "view_plan"),
        ("coverage", "view_expensesublimit"),
        ("documents", "add_document"),
        ("documents", "view_document"),
        ("documents", "add_documentrequest"),
        ("documents", "view_documentrequest"),
    ],
    "supervisor": [
        ("claims", "view_payout"),
        ("claims", "add_payout"),
        ("claims", "change_payout"),
        ("claims", "view_approvalauthority"),
        ("claims", "add_paymentextension"),
        ("claims", "view_paymentextension"),
    ],
}


def forwards(apps, schema_editor):
    # Permissions are normally created after migrate; make them now so groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Incident = apps.get_model("claims", "Incident")
    Incident.objects.get_or_create(
        provider_name="株式会社エムケイシステム",
        occurred_on=datetime.date(2023, 6, 5),
        defaults={
            "title": "株式会社エムケイシステムへのサイバー攻撃 (社労夢 停止)",
            "leak_or_threat": True,
            "notes": "2023-07-19 改訂Q&A (Q2) により「情報漏えいのおそれ」に該当すると判断。",
        },
    )

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(pairs):
        out = []
        for app_label, codename in pairs:
            out.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return out

    handler, _ = Group.objects.get_or_create(name="handler")
    handler.permissions.set(perms(GROUP_PERMS["handler"]))
    supervisor, _ = Group.objects.get_or_create(name="supervisor")
    supervisor.permissions.set(perms(GROUP_PERMS["handler"] + GROUP_PERMS["supervisor"]))
    admin, _ = Group.objects.get_or_create(name="admin")
    admin.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["claims", "coverage", "documents", "auth"]
        )
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["handler", "supervisor", "admin"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("coverage", "0002_default_plans"),
        ("documents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
