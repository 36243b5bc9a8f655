"""The admin group edits reference data only, and cannot raise its own rights (#16).

Before: every permission of claims, coverage, documents and auth, so a member could make
itself superuser, join the supervisor group or raise an approval limit. After: view
everything the desk keeps; add, change and delete only the reference data (insured,
policies, incidents, plans, sub-limits). No `auth` permission at all, and approval
authorities are read-only: superusers manage users and authorities.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = {
    "claims": ["insured", "policy", "incident"],
    "coverage": ["plan", "expensesublimit"],
}
APPS = ["claims", "coverage", "documents"]


def restrict(apps, schema_editor):
    for label in APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="admin").first()
    if group is None:
        return
    wanted = [
        p.pk
        for p in Permission.objects.filter(content_type__app_label__in=APPS).select_related(
            "content_type"
        )
        if p.codename.startswith("view_")
        or p.content_type.model in EDITABLE.get(p.content_type.app_label, ())
    ]
    group.permissions.set(wanted)


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_recoveries")]
    operations = [migrations.RunPython(restrict, migrations.RunPython.noop)]
