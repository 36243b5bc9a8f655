"""Settings for the test suite: the project's own settings, read from a clean environment.

pytest loads this module (``--ds=tests.settings`` in pyproject.toml) before anything else,
so the suite runs the same whatever the developer's shell or ``.env`` says: no ``.env`` is
read, every variable claimsdesk/settings.py reads is dropped (REDIS_URL above all: with it
set, Celery tasks stop running eagerly), and the tests see development settings. The
exceptions are the ones chosen on purpose: a PostgreSQL ``DATABASE_URL`` (the suite's
PostgreSQL pass) and ``PDF_FONT_PATH`` (where this machine keeps the Japanese font).
Subprocesses the tests start inherit the same clean environment.
"""

import os
import re
from pathlib import Path

_SETTINGS = Path(__file__).resolve().parents[1] / "claimsdesk" / "settings.py"
_READ = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", _SETTINGS.read_text()))
_KEPT = {"PDF_FONT_PATH"}
_POSTGRES = ("postgres://", "postgresql://", "pgsql://", "psql://", "postgis://")

# Cleaned once, in the pytest process: a subprocess a test starts (a real worker, manage.py)
# inherits the clean environment plus what that test sets on purpose, and keeps both.
if os.environ.get("CLAIMSDESK_TEST_ENV") != "clean":
    for _name in _READ - _KEPT:
        if _name == "DATABASE_URL" and os.environ.get(_name, "").startswith(_POSTGRES):
            continue
        os.environ.pop(_name, None)
    os.environ["CLAIMSDESK_READ_DOTENV"] = "false"
    os.environ["DEBUG"] = "true"  # development settings (plain http), whatever the default
    os.environ["CLAIMSDESK_TEST_ENV"] = "clean"

from claimsdesk.settings import *  # noqa: E402, F403

# Users are created and logged in by the hundred: the production hasher (PBKDF2, ~1M rounds)
# made user set-up the slowest part of the suite. MD5 here only; the tests of who may log in
# work the same with any hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
