"""Production settings that must not be forgotten.

With DEBUG off (the default), the web app and the worker refuse to start without SECRET_KEY
and ALLOWED_HOSTS: `require_production_settings` is called by claimsdesk.wsgi, claimsdesk.asgi
and the Celery worker's start-up, and `manage.py check --deploy` reports the same as errors.
Commands that serve nothing (`assess`, `migrate`, `import_claims`) run without them.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

DEV_HINT = " (for development on this machine, set DEBUG=true: `make run` does)"


def missing_production_settings() -> list[str]:
    if settings.DEBUG:
        return []
    return list(getattr(settings, "MISSING_PRODUCTION_SETTINGS", []))


def message(name: str) -> str:
    return f"{name} must be set when DEBUG is off" + DEV_HINT


def require_production_settings() -> None:
    """Refuse to serve (web or worker) with a production setting missing."""
    missing = missing_production_settings()
    if missing:
        raise ImproperlyConfigured("; ".join(message(name) for name in missing))


@checks.register(checks.Tags.security, deploy=True)
def production_settings_check(app_configs=None, **kwargs):
    return [
        checks.Error(message(name), id=f"claimsdesk.E00{i}")
        for i, name in enumerate(missing_production_settings(), start=1)
    ]
