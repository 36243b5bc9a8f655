from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "書類"
    default_auto_field = "django.db.models.BigAutoField"
