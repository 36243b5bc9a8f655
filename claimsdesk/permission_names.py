"""Django's default permissions under Japanese names.

Django names the four permissions of each model "Can add <model>", "Can change ...", in
English and with the model's untranslated name, and stores those names in the database,
where no translation reaches them. Django admin's group and user pages list them, so an
administrator granting rights read 200 English lines. After every migrate (when Django
creates missing permissions) this renames the default ones: 保険事故の追加, 保険事故の閲覧.
Custom permissions keep the names their models give them.
"""

from django.utils import translation

ACTIONS = {"add": "追加", "change": "変更", "delete": "削除", "view": "閲覧"}


def japanese_name(model, action: str) -> str:
    with translation.override("ja"):
        return f"{model._meta.verbose_name}の{ACTIONS[action]}"


def rename_default_permissions(sender=None, using="default", **kwargs):
    from django.apps import apps
    from django.contrib.auth.models import Permission

    if not apps.is_installed("django.contrib.auth"):
        return
    stale = Permission.objects.using(using).filter(name__startswith="Can ")
    for perm in stale.select_related("content_type"):
        action, _, _rest = perm.codename.partition("_")
        model = perm.content_type.model_class()
        if action not in ACTIONS or model is None:
            continue
        perm.name = japanese_name(model, action)[: Permission._meta.get_field("name").max_length]
        perm.save(update_fields=["name"])
