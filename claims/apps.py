from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "保険事故"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # `check --deploy` reports a production setting left unset (claimsdesk.checks).
        from django.db.models.signals import post_migrate

        from claimsdesk import checks  # noqa: F401
        from claimsdesk.permission_names import rename_default_permissions

        # after django.contrib.auth's own post_migrate receiver, which creates them
        post_migrate.connect(rename_default_permissions, dispatch_uid="claimsdesk.permissions_ja")
