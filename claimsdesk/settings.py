"""claimsdesk settings: one module, every deploy-specific value read from the environment.

DEBUG is off unless set: with DEBUG off (production) the web app and the worker refuse to
start without SECRET_KEY and ALLOWED_HOSTS (claimsdesk/checks.py: wsgi, asgi and the Celery
worker call it, and `check --deploy` reports it). Commands that serve nothing (`assess`,
`migrate`, `import_claims`) still run, with a throw-away key. Development sets DEBUG=true
(`make run` does, and so do the tests and CI's checks) and then needs nothing else: a SQLite
file under the project, Celery tasks run eagerly. docs/deploy.md lists every variable.
"""

import datetime
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file fills in what the environment leaves unset; the test suite turns it off
# (tests/settings.py), so a developer's .env never changes what the tests see.
if env.bool("CLAIMSDESK_READ_DOTENV", default=True) and (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Off unless set: a deploy that forgets DEBUG runs as production, and then its web app and
# worker refuse to start without SECRET_KEY and ALLOWED_HOSTS (claimsdesk.checks). Development
# sets DEBUG=true (`make run` does).
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET = "dev-only-insecure-secret-key-not-for-production-use-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
# What production lacks: named by claimsdesk.checks, which stops the web app and the worker.
MISSING_PRODUCTION_SETTINGS = [
    name for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
    if not value
]  # fmt: skip
if not SECRET_KEY:
    # A command that serves nothing (assess, migrate) may run; this key signs nothing that
    # outlives the process, and nothing is served with it (claimsdesk.checks).
    import secrets

    SECRET_KEY = secrets.token_urlsafe(50)
# Origins allowed to POST (scheme + host). Default: https:// on each named allowed host.
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS",
    default=[] if DEBUG else [f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS if h != "*"],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "claimsdesk.axes_config.AxesConfig",  # django-axes, named in Japanese
    "claims",
    "coverage",
    "documents",
    "payments",
]

MIDDLEWARE = [
    "claimsdesk.middleware.RequestIdMiddleware",  # first: every log line carries the id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "claimsdesk.middleware.SecurityHeadersMiddleware",  # after WhiteNoise: static keeps caching
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "claimsdesk.middleware.HtmxSessionMiddleware",  # htmx + expired session → 401, no swap
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "claimsdesk.middleware.DatabaseBusyMiddleware",  # lock/statement timeout → Japanese 503
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into its page
]

ROOT_URLCONF = "claimsdesk.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "claims.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "claimsdesk.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers/writers in dev and the browser tests: wait instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # The queue's covering index (claims 0004) INCLUDEs columns only PostgreSQL keeps;
    # SQLite builds it on the key columns alone, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A row lock held elsewhere (an approval in progress, a stuck import) or a runaway query
    # ends the statement with an error, answered as a Japanese 503 page
    # (claimsdesk.middleware.DatabaseBusyMiddleware), well before gunicorn kills the worker.
    # 0 turns either off (e.g. DB_STATEMENT_TIMEOUT_MS=0 for a long one-off migration).
    _lock_ms = env.int("DB_LOCK_TIMEOUT_MS", default=5_000)
    _statement_ms = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c lock_timeout={_lock_ms} -c statement_timeout={_statement_ms}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "claimsdesk.accounts.RomanisedNameValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
# Screen dates as 2026/11/30 (claimsdesk/formats/ja/formats.py; claimsdesk.display).
FORMAT_MODULE_PATH = ["claimsdesk.formats"]
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "claimsdesk" / "locale"]  # corrections to Django's ja messages
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded documents: outside the static root, served only through permission-checked views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = ""  # no public URL: documents are served only by views that check access

# --- Sign-in throttling (django-axes, claimsdesk.accounts) -------------------------------
# AxesBackend first: a locked-out account or address is refused before the password is
# checked. Failures count per account and, separately, per client address; at the limit
# both lock for the cool-off (a failure during the lock restarts it). Success does not
# reset the counts (an insider could otherwise clear a colleague's by signing in himself).
AUTHENTICATION_BACKENDS = [
    "claimsdesk.accounts.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "claimsdesk.accounts.lockout_response"
AXES_CLIENT_IP_CALLABLE = "claimsdesk.accounts.client_ip"
AXES_USERNAME_CALLABLE = "claimsdesk.accounts.axes_username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # each failure kept (address, agent, time) for audit
AXES_VERBOSE = False  # claimsdesk.security logs failures and lockouts, once each
AXES_ENABLE_ADMIN = True  # attempts listed (read-only) in admin for superusers

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # supervisors land on 承認待ち (claims.queue.views.home)
# htmx posts that fail the CSRF check answer 403 without a swap; plain posts a Japanese page.
CSRF_FAILURE_VIEW = "claimsdesk.middleware.csrf_failure"
LOGOUT_REDIRECT_URL = "login"

# Hides the revert button; claimsdesk.history_admin also refuses the revert POST (#16).
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery: REDIS_URL unset means tasks run eagerly in-process ------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# --- Uploads -----------------------------------------------------------------------------
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
DOCUMENT_MAX_REQUEST_BYTES = env.int("DOCUMENT_MAX_REQUEST_BYTES", default=100 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Days after a document request with nothing received before the desk should chase (督促).
DOCUMENT_FOLLOW_UP_DAYS = env.int("DOCUMENT_FOLLOW_UP_DAYS", default=14)
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- Security (production values; DEBUG=True relaxes the cookie flags for local http) -----
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Personal data on every page: a sign-in lasts one working day and ends with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
# Every HTML page (claimsdesk.middleware.SecurityHeadersMiddleware): scripts only from our
# own /static/ (vendored Bootstrap and htmx, static/js), no inline script or handlers.
# Inline *styles* stay allowed: Django admin's templates and htmx's indicator rule use them,
# and a style cannot run code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain http
# Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto:
# trust it, so request.is_secure() is right and the https redirect does not loop.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)

# --- Logging: stdout; JSON lines with the request id in production (LOG_FORMAT=json) ------
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "claimsdesk.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {"()": "claimsdesk.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (a console one under DEBUG, mail_admins) would print each
        # record of the django.* loggers a second time next to the root's: one handler, the
        # root's, for everything, runserver's request lines (django.server) included.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # Refusals are logged by claimsdesk.middleware on claimsdesk.security; Django's own
        # "Forbidden"/"Not Found" warnings would say the same thing twice.
        "django.request": {"level": "ERROR"},
        "claimsdesk.security": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # claimsdesk.security says it once, with the request id
    },
}

# --- PDF rendering (#8): time limits, stale sweep, beat schedule --------------------------
PDF_FONT_PATH = env.str(
    "PDF_FONT_PATH", default="/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
)
# The letterhead of every letter and PDF sent to an insured (documents.letterhead): the
# insurer's name, department, address, telephone and the desk's mail address (the handler's
# own mail address, when set, is printed instead). Demo values by default.
INSURER_NAME = env.str("INSURER_NAME", default="サンプル損害保険株式会社")
INSURER_DEPARTMENT = env.str("INSURER_DEPARTMENT", default="専門保険金サービス部 サイバー保険金課")
INSURER_POSTCODE = env.str("INSURER_POSTCODE", default="100-0005")
INSURER_ADDRESS = env.str("INSURER_ADDRESS", default="東京都千代田区丸の内一丁目1番1号")
INSURER_PHONE = env.str("INSURER_PHONE", default="03-0000-0000")
INSURER_HOURS = env.str("INSURER_HOURS", default="平日 9:00〜17:00")
INSURER_EMAIL = env.str("INSURER_EMAIL", default="cyber-claims@example.jp")
RENDER_TIME_LIMIT = env.int("RENDER_TIME_LIMIT", default=120)
RENDER_SOFT_TIME_LIMIT = env.int("RENDER_SOFT_TIME_LIMIT", default=100)
RENDER_STALE_SECONDS = env.int("RENDER_STALE_SECONDS", default=600)
RENDER_MAX_ATTEMPTS = env.int("RENDER_MAX_ATTEMPTS", default=5)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    # How often a worker looks for unacked messages past the visibility timeout (kombu's
    # defaults: every 10 s, scanning every 10th time). The redelivery test shortens both.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BEAT_SCHEDULE = {
    "drain-render-outbox": {"task": "documents.drain_render_outbox", "schedule": 60.0},
    "sweep-stale-renders": {"task": "documents.sweep_stale_renders", "schedule": 300.0},
}
LOGGING["loggers"].update({"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}})


# The insurer's own account the 総合振込 files are drawn on (the header record): the bank
# gives the 振込依頼人コード. Half-width katakana names, as the bank registered them.
ZENGIN_REQUESTER = {
    "code": env.str("ZENGIN_REQUESTER_CODE", default="1234567890"),
    "name": env.str("ZENGIN_REQUESTER_NAME", default="ｻｲﾊﾞ-ｿﾝｶﾞｲﾎｹﾝ(ｶ"),
    "bank_code": env.str("ZENGIN_BANK_CODE", default="0001"),
    "bank_name": env.str("ZENGIN_BANK_NAME", default="ﾐｽﾞﾎ"),
    "branch_code": env.str("ZENGIN_BRANCH_CODE", default="001"),
    "branch_name": env.str("ZENGIN_BRANCH_NAME", default="ﾄｳｷﾖｳ"),
    "account_type": env.str("ZENGIN_ACCOUNT_TYPE", default="1"),
    "account_number": env.str("ZENGIN_ACCOUNT_NUMBER", default="1234567"),
}
