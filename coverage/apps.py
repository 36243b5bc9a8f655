from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = "補償・査定"
    default_auto_field = "django.db.models.BigAutoField"
