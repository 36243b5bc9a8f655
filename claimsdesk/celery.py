"""The Celery application. With REDIS_URL unset, settings make every task run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimsdesk.settings")

app = Celery("claimsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
