from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "保険事故"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # `check --deploy` reports a production setting left unset (claimsdesk.checks).
        from claimsdesk import checks  # noqa: F401
