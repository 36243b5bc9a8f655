"""Deployment: compose file and image, entry scripts, /healthz, check --deploy, logging."""

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path, reverse

from claimsdesk import health
from claimsdesk.logging import JsonFormatter, RequestIdFilter
from tests.conftest import make_claim, require_service
from tests.services import redis_test_url

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def refuse(request):
    raise PermissionDenied


# This module is also a URLconf for the tests marked urls(__name__): the real site plus a
# view that refuses, to see a PermissionDenied logged.
urlpatterns = [path("refuse/", refuse), path("", include("claimsdesk.urls"))]


def production_env(**extra):
    # Not the test process's own switches: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE
    # for this process only, and production never has it (check --deploy warns about it).
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="claims.example.jp",
        BEHIND_TLS_PROXY="true",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/claimsdesk-deploy-check.db"),
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


# --- compose file and image ---------------------------------------------------------------


def test_compose_file_runs_every_process_from_one_image_with_health_gates():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, script in (("web", "bin/web"), ("worker", "bin/worker"), ("beat", "bin/beat")):
        assert services[name]["build"] == "."
        assert services[name]["command"] == [script]
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "media:/app/media" in services[name]["volumes"]  # uploads shared
        assert services[name]["healthcheck"]["test"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["depends_on"]["web"] == {"condition": "service_healthy"}
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert {"media", "pgdata"} <= set(compose["volumes"])


def test_dockerfile_builds_a_non_root_image_with_fonts_and_collected_static():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile
    assert "fonts-ipaexfont-gothic" in dockerfile and "libpango-1.0-0" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "\nUSER claimsdesk\n" in dockerfile
    assert 'CMD ["bin/web"]' in dockerfile


def test_env_example_names_every_required_production_variable():
    names = {
        line.split("=", 1)[0].lstrip("#").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    assert {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "POSTGRES_PASSWORD",
        "BEHIND_TLS_PROXY",
    } <= names


# --- production settings --------------------------------------------------------------------


def test_check_deploy_passes_with_a_production_environment():
    result = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secret_key_or_allowed_hosts(missing):
    env = production_env()
    env.pop(missing)
    result = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr
    # and the web app itself will not start
    result = subprocess.run(
        [PYTHON, "-c", "import claimsdesk.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_settings_are_secure_and_trust_the_proxy():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS,"
        " s.LOGGING['handlers']['console']['formatter'])"
    )
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') "
        "['https://claims.example.jp'] json"
    )


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_answers_json_ok_without_login(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["database"]["ok"] is True
    assert "skipped" in body["checks"]["redis"]


def test_healthz_is_503_when_redis_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["database"]["ok"] is True
    assert "127.0.0.1:1" not in response.content.decode()  # no connection details leak


def test_healthz_is_503_when_the_database_fails(client, db, settings, monkeypatch):
    settings.REDIS_URL = ""

    def broken():
        raise OSError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "OSError",
        "ms": response.json()["checks"]["database"]["ms"],
    }


@pytest.mark.redis
def test_healthz_checks_a_real_redis(client, db, settings):
    url = redis_test_url()
    settings.REDIS_URL = url
    try:
        health.check_redis()
        up = True
    except Exception:
        up = False
    require_service(up, "Redis")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"]["ok"] is True


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


# --- request id and security logging ------------------------------------------------------


def test_request_id_is_taken_from_the_caller_or_made(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-42.a")["X-Request-ID"] == "lb-42.a"
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    # A header that could forge log lines is replaced, not echoed.
    bad = client.get("/healthz", HTTP_X_REQUEST_ID='x" \n{"level":"INFO"}')["X-Request-ID"]
    assert bad != 'x" \n{"level":"INFO"}' and len(bad) == 32


def test_failed_login_is_logged_with_request_id_and_without_password(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="claimsdesk.security")
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "not-her-password"},
        HTTP_X_REQUEST_ID="req-login-1",
    )
    assert response.status_code == 200  # the form again, with an error
    [record] = [r for r in caplog.records if getattr(r, "event", "") == "login_failed"]
    assert record.username == "alice" and record.levelname == "WARNING"
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-login-1" and line["event"] == "login_failed"
    assert "not-her-password" not in JsonFormatter().format(record)


def test_successful_login_is_not_logged_as_a_failure(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="claimsdesk.security")
    client.post("/accounts/login/", {"username": "alice", "password": "pw-alice"})
    assert not [r for r in caplog.records if getattr(r, "event", "") == "login_failed"]


@pytest.mark.urls(__name__)
def test_permission_denied_is_logged(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="claimsdesk.security")
    client.force_login(alice)
    assert client.get("/refuse/").status_code == 403
    [record] = [r for r in caplog.records if getattr(r, "event", "") == "permission_denied"]
    assert record.user == "alice" and record.path == "/refuse/" and record.status == 403


def test_csrf_refusal_is_logged(db, caplog):
    caplog.set_level(logging.INFO, logger="claimsdesk.security")
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    assert [r for r in caplog.records if getattr(r, "event", "") == "permission_denied"]


def test_a_claim_the_user_may_not_see_is_a_logged_404(client, alice, bob, caplog):
    caplog.set_level(logging.INFO, logger="claimsdesk.security")
    claim = make_claim(created_by=bob, handler=bob)
    client.force_login(alice)
    url = reverse("claims:detail", args=[claim.number])
    assert client.get(url).status_code == 404
    [record] = [r for r in caplog.records if getattr(r, "event", "") == "not_found"]
    assert record.user == "alice" and record.path == url


def test_json_formatter_writes_one_parsable_line_with_extras_and_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info(), extra={"n": 3}
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text.split('"exception"')[0]
    data = json.loads(text)
    assert data["message"] == "failed here" and data["n"] == 3 and data["level"] == "ERROR"
    assert data["request_id"] == "-" and "ValueError: boom" in data["exception"]


# --- entry scripts ------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe_when_listening(proc, url, env, timeout):
    """bin/web's answer to the probe the containers run (`python -m claimsdesk.health
    --probe`), asked once its port accepts connections: waiting on the port costs nothing,
    where a probe process every half second spent a core while bin/web migrated."""
    port = int(url.split(":")[2].split("/")[0])
    deadline = time.monotonic() + timeout
    probe = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.2)
            continue
        probe = subprocess.run(
            [PYTHON, "-m", "claimsdesk.health", "--probe", url],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if probe.returncode == 0:
            break
        time.sleep(0.5)
    return probe


@pytest.fixture(scope="module")
def bin_web(tmp_path_factory):
    """bin/web with production settings on a new SQLite database, started once for the tests
    below (a start migrates, collects the static files and boots gunicorn: ~10 s of CPU).
    Its output is read as it comes; `stop()` ends it with SIGTERM."""
    tmp = tmp_path_factory.mktemp("bin_web")
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp / 'web.sqlite3'}",
        ALLOWED_HOSTS="claims.example.jp",
        STATIC_ROOT=str(tmp / "static"),
        PORT=str(port),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"  # this venv's gunicorn
    proc = subprocess.Popen(
        [str(ROOT / "bin" / "web")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()

    def stop():
        if proc.poll() is None:
            proc.terminate()
        proc.wait(60)
        reader.join(10)
        return proc.returncode

    web = types.SimpleNamespace(
        proc=proc, env=env, url=f"http://127.0.0.1:{port}", static=tmp / "static", stop=stop
    )
    web.output = lambda: "".join(lines)
    web.probe = probe_when_listening(proc, web.url + "/healthz", env, timeout=180)
    yield web
    stop()


def test_bin_web_migrates_collects_static_and_serves_healthz(bin_web):
    probe = bin_web.probe
    assert probe is not None, "bin/web never listened: " + bin_web.output()[-3000:]
    assert probe.returncode == 0, probe.stdout
    assert json.loads(probe.stdout)["status"] == "ok"
    assert (bin_web.static / "staticfiles.json").exists()  # hashed manifest
    assert "Applying claims.0001_initial" in bin_web.output()  # migrated from nothing
    deadline = time.monotonic() + 10
    while '"path": "/healthz", "status": 200' not in bin_web.output():  # the JSON access log
        assert time.monotonic() < deadline, bin_web.output()[-3000:]
        time.sleep(0.1)


@pytest.mark.parametrize("script", ["worker", "beat"])
def test_bin_worker_and_beat_refuse_to_start_without_redis(script):
    env = production_env()
    result = subprocess.run(
        [str(ROOT / "bin" / script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "REDIS_URL must be set" in result.stderr


@pytest.mark.redis
def test_bin_worker_starts_a_worker_that_answers_ping(tmp_path):
    url = redis_test_url()
    try:
        import redis

        up = redis.Redis.from_url(url, socket_timeout=2).ping()
    except Exception:
        up = False
    require_service(up, "Redis")
    name = f"deploytest{os.getpid()}"
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}",
        REDIS_URL=url,
        CELERY_CONCURRENCY="1",
    )
    # A private worker name so the ping reaches this worker and no other.
    env["CELERY_HOSTNAME"] = f"{name}@%h"
    proc = subprocess.Popen(
        [str(ROOT / "bin" / "worker")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines, ready = [], threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if "ready." in line:
                ready.set()
        ready.set()  # the worker exited

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # Ping once the worker says it is ready: each ping is a new Celery process (about
        # two seconds of a core), so pinging in a loop slowed the very start it waited for.
        deadline = time.monotonic() + 90
        ready.wait(90)
        answered, ping = False, None
        while time.monotonic() < deadline and proc.poll() is None and not answered:
            ping = subprocess.run(
                [PYTHON, "-m", "celery", "-A", "claimsdesk", "inspect", "ping", "--timeout", "3"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            answered = name in ping.stdout
        assert answered, (ping.stdout + ping.stderr) if ping else "".join(lines)[-3000:]
    finally:
        proc.terminate()
        proc.wait(60)
        reader.join(10)
    assert "ready." in "".join(lines)


# --- the queue's indexes (claims 0004) --------------------------------------------------


@pytest.mark.postgres
def test_postgres_has_the_queue_covering_and_trigram_indexes(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        # .ci/run's PostgreSQL pass of the suite runs this test for real.
        pytest.skip("the test database is SQLite; run with DATABASE_URL=postgres://...")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
            "('claim_reported_cover_idx', 'insured_name_trgm_idx', 'damage_client_trgm_idx')"
        )
        indexes = dict(cursor.fetchall())
    assert "INCLUDE (status, created_by_id, handler_id)" in indexes["claim_reported_cover_idx"]
    assert "gin_trgm_ops" in indexes["insured_name_trgm_idx"]
    assert "upper((client_name)::text)" in indexes["damage_client_trgm_idx"]


@pytest.mark.postgres
def test_postgres_has_the_open_claims_index_the_follow_up_total_merges_with(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the test database is SQLite; run with DATABASE_URL=postgres://...")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'claim_open_cover_idx'")
        (indexdef,) = cursor.fetchone()
    assert "(id) INCLUDE (status, created_by_id, handler_id) WHERE" in indexdef
    assert "'reported'" in indexdef and "'approved'" in indexdef and "'paid'" not in indexdef


# --- production response headers (#16) -----------------------------------------------------

_SEED = """
import datetime
from django.contrib.auth.models import Group, User
from claims.models import Claim, Incident, Insured, Policy
from coverage.models import Plan
u = User.objects.create_user("alice", password="{password}")
u.groups.add(Group.objects.get(name="handler"))
ins = Insured.objects.create(name="山田社会保険労務士事務所", registration_number="13000001")
pol = Policy.objects.create(insured=ins, plan=Plan.objects.get(code="cyber_standard"),
    number="P-1", period_start=datetime.date(2023, 4, 1), period_end=datetime.date(2024, 3, 31))
Claim.objects.create(number="C23-000001", policy=pol, handler=u, created_by=u,
    incident=Incident.objects.get(provider_name="株式会社エムケイシステム"),
    status="reported", noticed_on=datetime.date(2023, 6, 6))
"""


def _load_smoke():
    from importlib.machinery import SourceFileLoader

    return SourceFileLoader("claimsdesk_smoke", str(ROOT / "bin" / "smoke")).load_module()


def test_production_pages_and_exports_carry_csp_and_no_store(bin_web):
    """Served by bin/web with production settings: the queue, a claim page and the CSV
    export answer with the Content-Security-Policy (HTML) and Cache-Control: no-store."""
    password = secrets.token_urlsafe(12)
    up = bin_web.probe is not None and bin_web.probe.returncode == 0
    assert up, bin_web.output()[-3000:]
    seeded = subprocess.run(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", _SEED.format(password=password)],
        cwd=ROOT, env=bin_web.env, capture_output=True, text=True,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr

    smoke = _load_smoke()
    os.environ.setdefault("ALLOWED_HOSTS", "")
    session = smoke.Session(bin_web.url)
    session.host = "claims.example.jp"
    response, _ = smoke.login(session, "alice", password)
    assert response.status == 302
    for page_path, kind in (
        ("/claims/", "text/html"),
        ("/claims/C23-000001/", "text/html"),
        ("/claims/export.csv", "text/csv"),
    ):
        response, body = session.request("GET", page_path)
        assert response.status == 200, (page_path, response.status)
        assert response.headers["Content-Type"].startswith(kind)
        assert "no-store" in response.headers["Cache-Control"], page_path
        if kind == "text/html":
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "default-src 'self'" in csp
            assert "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
            assert "<script>" not in body and " onclick=" not in body
    assert "山田社会保険労務士事務所" in body  # the export really was the claims
    # static files keep their long cache: only the app's answers are no-store
    response, _ = session.request("GET", "/static/js/desk.js")
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_bin_web_stops_gracefully_on_sigterm(bin_web):
    """Last of the bin/web tests in this file (they share one server): SIGTERM ends it with
    status 0, as a container stop does."""
    assert bin_web.stop() == 0, bin_web.output()[-3000:]


def test_deploy_doc_exists_and_names_every_setting_the_app_reads():
    """.env.example points at docs/deploy.md; it must exist and cover every variable."""
    import re

    assert "docs/deploy.md" in (ROOT / ".env.example").read_text()
    doc = (ROOT / "docs" / "deploy.md").read_text()
    read = set(
        re.findall(
            r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"',
            (ROOT / "claimsdesk" / "settings.py").read_text(),
        )
    )
    assert read and not {name for name in read if f"`{name}`" not in doc}
    assert "check --deploy" in doc and "axes_reset_username" in doc
