"""The suite is hermetic: the developer's REDIS_URL, DATABASE_URL, DEBUG or .env change nothing
the tests see (tests/settings.py), except a PostgreSQL DATABASE_URL chosen on purpose."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from claimsdesk.celery import app
db = settings.DATABASES["default"]
print(json.dumps({"eager": app.conf.task_always_eager, "broker": app.conf.broker_url,
    "debug": settings.DEBUG, "engine": db["ENGINE"], "name": str(db["NAME"])}))
"""


def probe(**env):
    # A developer's shell: none of the markers the suite's own process sets.
    ours = {"DJANGO_SETTINGS_MODULE", "CLAIMSDESK_TEST_ENV", "CLAIMSDESK_READ_DOTENV", "DEBUG"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_the_suite_runs_on_the_test_settings_with_eager_tasks():
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "tests.settings"
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert "REDIS_URL" not in os.environ


def test_a_developers_redis_url_debug_and_sqlite_file_are_ignored():
    seen = probe(
        REDIS_URL="redis://127.0.0.1:6379/9",
        DEBUG="false",
        DATABASE_URL="sqlite:////nonexistent/folder/db.sqlite3",
        CLAIMSDESK_READ_DOTENV="true",
    )
    assert seen["eager"] is True and seen["broker"] == "memory://"
    assert seen["debug"] is True  # development settings: no SECRET_KEY needed
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert "nonexistent" not in seen["name"]


def test_a_postgres_database_url_is_kept_on_purpose():
    seen = probe(DATABASE_URL="postgres://postgres@127.0.0.1:5432/cd_probe")
    assert seen["engine"] == "django.db.backends.postgresql"
    assert seen["name"] == "cd_probe"


def test_the_settings_never_read_a_dotenv_file_under_the_suite():
    assert os.environ["CLAIMSDESK_READ_DOTENV"] == "false"
