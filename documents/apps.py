from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "書類"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Act on what the claims app announces (claims.signals): a payout approved, items
        # changed, documents requested.
        from documents import receivers  # noqa: F401
