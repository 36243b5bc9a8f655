"""Hardening (#16 item 11): a database lock held elsewhere gets a Japanese 503 instead of a
worker killed at the gunicorn timeout; DEBUG is off unless set; every HTML page says its
Content-Security-Policy and no page is stored by a cache."""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from claims.models import Claim
from tests.conftest import fresh_checkout_env, make_claim

ROOT = Path(__file__).resolve().parents[1]
BUSY = "他の処理が実行中です。しばらくしてから再度お試しください。"


@pytest.mark.django_db
def test_a_locked_database_answers_503_in_japanese(client, alice, monkeypatch):
    from claims.queue import selectors

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(selectors, "claim_queue", locked)
    client.force_login(alice)
    response = client.get(reverse("claims:queue"))
    assert response.status_code == 503 and BUSY in response.content.decode()
    assert response["Retry-After"] == "10"
    assert "<main>" in response.content.decode()  # a landmark for screen readers (axe)


@pytest.mark.django_db
def test_the_not_found_page_is_japanese_with_a_main_landmark_and_a_way_back(client, alice):
    client.force_login(alice)
    response = client.get("/claims/C99-999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "<main>" in body and "お探しのページは見つかりませんでした" in body
    assert 'href="/claims/"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_answers_503_in_japanese(
    client, alice, monkeypatch, sqlstate
):
    """PostgreSQL ends one of two deadlocked transactions (rolled back whole): the loser is
    told to try again, as for a lock timeout, not shown a 500."""
    from claims.queue import selectors

    class Cause(Exception):
        pass

    def deadlocked(**kwargs):
        cause = Cause("deadlock detected")
        cause.sqlstate = sqlstate
        raise OperationalError("deadlock detected") from cause

    monkeypatch.setattr(selectors, "claim_queue", deadlocked)
    client.force_login(alice)
    response = client.get(reverse("claims:queue"))
    assert response.status_code == 503 and BUSY in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_is_recognised_as_busy(alice):
    """Two transactions lock two claims in opposite orders: PostgreSQL ends one with
    deadlock_detected, which Django raises as an OperationalError the middleware answers
    with the 503 (not a 500)."""
    from django.db import connections

    from claimsdesk.middleware import is_busy_error

    if connection.vendor != "postgresql":
        pytest.skip("the test database is SQLite; run with DATABASE_URL=postgres://...")
    one, two = (make_claim(created_by=alice, handler=alice) for _ in range(2))
    barrier = threading.Barrier(2, timeout=10)
    errors = []

    def lock(first, second):
        try:
            with transaction.atomic():
                Claim.objects.select_for_update().get(pk=first.pk)
                barrier.wait()
                Claim.objects.select_for_update().get(pk=second.pk)
        except OperationalError as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=lock, args=(one, two)),
        threading.Thread(target=lock, args=(two, one)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(errors) == 1, errors  # one wins, the other is ended by the deadlock detector
    assert "deadlock" in str(errors[0]) and is_busy_error(errors[0])


@pytest.mark.django_db
def test_other_database_errors_are_not_disguised(client, alice, monkeypatch):
    from claims.queue import selectors

    def broken(**kwargs):
        raise OperationalError("no such table: claims_claim")

    monkeypatch.setattr(selectors, "claim_queue", broken)
    client.raise_request_exception = True
    client.force_login(alice)
    with pytest.raises(OperationalError):
        client.get(reverse("claims:queue"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_lock_held_elsewhere_ends_in_the_503_within_the_lock_timeout(client, alice, carol):
    if connection.vendor != "postgresql":
        # .ci/run's PostgreSQL pass of the suite runs this test for real.
        pytest.skip("the test database is SQLite; run with DATABASE_URL=postgres://...")
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.UNDER_ASSESSMENT)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        from django.db import connections

        try:
            with transaction.atomic():
                Claim.objects.select_for_update().get(pk=claim.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 1000")  # the setting's 5 s, shortened here
        client.force_login(alice)
        response = client.post(
            reverse("claims:facts", args=[claim.number]),
            {"facts-noticed_on": "2023-06-06", "facts-description": "更新"},
        )
        assert response.status_code == 503 and BUSY in response.content.decode()
    finally:
        release.set()
        holder.join()
    claim.refresh_from_db()
    assert claim.description == "社労夢停止"


def test_postgres_connections_carry_lock_and_statement_timeouts():
    code = (
        "from django.conf import settings as s;print(s.DATABASES['default']['OPTIONS']['options'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    result = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
         f"'claimsdesk.settings'; django.setup(); {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.stdout.strip() == "-c lock_timeout=5000 -c statement_timeout=30000"


def test_debug_is_off_unless_set_and_then_production_needs_its_secret():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(SECRET_KEY="x" * 60, ALLOWED_HOSTS="claims.example.jp", LOG_FORMAT="plain")
    code = "from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "False True"

    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "DEBUG=true" in result.stderr  # and says how to run for development

    # the web app refuses to start: importing the WSGI application fails with the same words
    result = subprocess.run(
        [sys.executable, "-c", "import claimsdesk.wsgi"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_assess_and_migrate_run_without_production_settings(tmp_path, migrated_sqlite):
    """A fresh checkout with nothing set (no DEBUG, no SECRET_KEY): the commands that serve
    nothing still run, so `manage.py assess` answers the worked scenarios.

    migrated_sqlite (tests/conftest.py) is the run's one migrate from nothing, in this same
    environment, and fails this test when it fails; migrate then runs again on a copy."""
    env = fresh_checkout_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    shutil.copy(migrated_sqlite, tmp_path / "db.sqlite3")
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    facts = '{"plan": "cyber_standard", "incident_leak_or_threat": true, "damages": ' \
        '[{"id": "d1", "kind": "business_interruption", "claimed": 1000}]}'  # fmt: skip
    assess = subprocess.run(
        [sys.executable, "manage.py", "assess", "-"],
        cwd=ROOT, env=env, input=facts, capture_output=True, text=True,
    )  # fmt: skip
    assert assess.returncode == 0, assess.stderr
    assert '"total_payable": 1000' in assess.stdout


@pytest.mark.django_db
def test_every_page_has_the_csp_and_no_store_and_no_inline_script(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    for url in (reverse("claims:queue"), reverse("claims:detail", args=[claim.number]),
                reverse("claims:new"), reverse("login")):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert "no-store" in response["Cache-Control"], url
        html = response.content.decode()
        assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html
    csv = client.get(reverse("claims:queue_csv"))
    assert "no-store" in csv["Cache-Control"]
