"""A web process starts without WeasyPrint: importing it (Pango, Fontconfig) took 2-3 s on
this machine, paid by every web worker, every manage.py command (the assess command the
scenarios run once per case) and every test worker. Only a process that renders a PDF
(the Celery worker, or eager Celery in development) loads it, on the first render."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, the documents screens included
import claimsdesk.wsgi  # noqa
print("weasyprint" in sys.modules, "documents.rendering" in sys.modules)
"""


def test_a_web_process_loads_every_view_but_not_weasyprint():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "claimsdesk.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "True"]
