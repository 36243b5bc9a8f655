from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "保険事故"
    default_auto_field = "django.db.models.BigAutoField"
