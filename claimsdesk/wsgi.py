import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimsdesk.settings")
application = get_wsgi_application()

# With DEBUG off, serve nothing without SECRET_KEY and ALLOWED_HOSTS.
from claimsdesk.checks import require_production_settings  # noqa: E402

require_production_settings()
