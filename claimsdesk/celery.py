"""The Celery application. With REDIS_URL unset, settings make every task run eagerly."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimsdesk.settings")

app = Celery("claimsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _refuse_without_production_settings(**kwargs):
    """A worker started with DEBUG off and no SECRET_KEY or ALLOWED_HOSTS stops at once."""
    from claimsdesk.checks import require_production_settings

    require_production_settings()
