"""The quick start: `make run` installs only what serving needs, serves with development
settings, prints the URL and the logins last, and logs each request once."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dry_run(target, venv):
    result = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_installs_the_dependencies_and_make_test_adds_the_dev_extra(tmp_path):
    run = dry_run("run", tmp_path / "venv")
    assert "pip install --quiet -e .\n" in run
    assert "[dev]" not in run  # no pytest, Playwright, hypothesis or ruff to serve the app
    test = dry_run("test", tmp_path / "venv")
    assert "pip install --quiet -e '.[dev]'" in test
    assert "-m pytest -n auto" in test


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_devserver_prints_the_url_and_logins_last_and_logs_each_request_once(
    tmp_path, migrated_sqlite
):
    # Already migrated (tests/conftest.py); migrate still runs, with nothing left to apply.
    shutil.copy(migrated_sqlite, tmp_path / "dev.sqlite3")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}
    }
    env.update(
        PY=sys.executable,
        PORT=str(port),
        PASSWORD="demo-pass-1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "out.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(ROOT / "bin" / "devserver")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and f"claimsdesk: {url}" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            time.sleep(0.3)
        before = log.read_text()
        with urllib.request.urlopen(url + "accounts/login/", timeout=30) as response:  # noqa: S310
            assert response.status == 200
        time.sleep(1)
        after = log.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)

    lines = [line for line in before.splitlines() if line.strip()]
    assert lines[-1].startswith(f"claimsdesk: {url}"), before
    # the logins block comes right before the URL: its header, then one line per demo user
    header = max(
        i for i, line in enumerate(lines) if "logins (password for all: demo-pass-1):" in line
    )
    users = {line.split()[0] for line in lines[header + 1 : -1]}
    assert users == {"alice", "bob", "carol", "erin", "dave", "frank"}, before
    assert "Starting development server" in before
    assert before.index("Starting development server") < before.index("logins (")
    assert "Applying " not in before  # migrations run quietly
    assert "Operations to perform" not in before  # (not even the plan)
    # Every line once: Django's own console handler no longer repeats the root's.
    assert before.count("Watching for file changes") == 1
    assert after.count('"GET /accounts/login/ HTTP/1.1" 200') == 1
