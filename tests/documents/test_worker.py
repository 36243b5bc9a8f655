"""End to end with a real Celery worker on the machine's Redis (marker `redis`).

Worker and test share a SQLite file database (a copy of the run's migrated one) and
a temp MEDIA_ROOT; the broker is this test process's own Redis database (7 plus the xdist
worker number: tests/services.redis_test_url), flushed before and after. The test side
creates the claim and queues the render in a subprocess (REDIS_URL set, so not eager: the
message really goes through Redis), then watches the database file. Under CI=true a
missing Redis fails instead of skipping.
"""

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import require_service
from tests.services import redis_test_url

# `make test` runs each file on one xdist worker (--dist loadfile): both tests here share one
# migration and never run at the same time.
pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = redis_test_url()
CELERY = str(Path(sys.executable).with_name("celery"))

SETUP = """
import django, os
django.setup()
from django.contrib.auth.models import Group, User
from claims.models import Claim
from tests.conftest import make_claim
from tests.documents.pdf_helpers import add_items
from documents.rendering import enqueue_render
alice = User.objects.create_user("alice-%(tag)s", password="x")
alice.groups.add(Group.objects.get(name="handler"))
claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.UNDER_ASSESSMENT)
add_items(claim, damages=3, expenses=2, overtime=2, by=alice)
job = enqueue_render(claim=claim, kind="settlement_summary", by=alice)
print("JOB", job.pk, claim.pk, claim.number)
"""


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(scope="module")
def migrated_db(migrated_sqlite):
    require_service(redis_available(), f"Redis at {REDIS_URL}")
    return migrated_sqlite  # the run's migrated SQLite file (tests/conftest.py); copied per test


class World:
    def __init__(self, tmp_path, template):
        self.tmp = tmp_path
        self.db = tmp_path / "shared.sqlite3"
        shutil.copy(template, self.db)
        self.media = tmp_path / "media"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.db}",
            "MEDIA_ROOT": str(self.media),
            "REDIS_URL": REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            "DJANGO_SETTINGS_MODULE": "claimsdesk.settings",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
        }
        self.workers: list[subprocess.Popen] = []

    def start_worker(self, name, **extra_env):
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            [
                CELERY,
                "-A",
                "claimsdesk",
                "worker",
                "--pool=solo",
                "-c",
                "1",
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.log = log
        self.workers.append(proc)
        return proc

    def enqueue(self):
        out = subprocess.run(
            [sys.executable, "-c", SETUP % {"tag": uuid.uuid4().hex[:6]}],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        line = next(ln for ln in out.stdout.splitlines() if ln.startswith("JOB "))
        _, job_id, claim_id, number = line.split()
        return int(job_id), int(claim_id), number

    def query(self, sql, *args):
        con = sqlite3.connect(self.db, timeout=20)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def job(self, job_id):
        row = self.query(
            "SELECT status, attempts, document_id, error FROM documents_renderjob WHERE id = ?",
            job_id,
        )[0]
        return dict(zip(["status", "attempts", "document_id", "error"], row, strict=True))

    def wait_for(self, job_id, statuses, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["status"] in statuses:
                return job
            for w in self.workers:
                if w.poll() not in (None, -signal.SIGKILL):
                    pytest.fail(f"worker exited {w.returncode}: {self.logs()}")
            time.sleep(0.3)
        pytest.fail(f"job {job_id} still {self.job(job_id)} after {timeout}s\n{self.logs()}")

    def documents(self, claim_id):
        return self.query(
            "SELECT id, file, render_version FROM documents_document "
            "WHERE claim_id = ? AND kind = 'settlement_summary'",
            claim_id,
        )

    def logs(self):
        return "\n".join(p.read_text()[-2500:] for p in self.tmp.glob("*.log"))

    def stop(self):
        for w in self.workers:
            if w.poll() is None:
                w.terminate()
                try:
                    w.wait(10)
                except subprocess.TimeoutExpired:
                    w.kill()
                    w.wait()
            w.log.close()


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def world(tmp_path, migrated_db):
    flush_redis()
    w = World(tmp_path, migrated_db)
    yield w
    w.stop()
    flush_redis()


def test_a_real_worker_renders_the_pdf_end_to_end(world):
    world.start_worker("w")
    job_id, claim_id, number = world.enqueue()
    job = world.wait_for(job_id, {"done", "failed"}, timeout=120)
    assert job["status"] == "done", job["error"]
    docs = world.documents(claim_id)
    assert len(docs) == 1
    content = (world.media / docs[0][1]).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert number in text and "支払内容のご案内" in text


def test_a_worker_killed_mid_render_is_replaced_and_exactly_one_pdf_results(world):
    first = world.start_worker("doomed", CLAIMSDESK_RENDER_TEST_DELAY="8")
    job_id, claim_id, _ = world.enqueue()
    job = world.wait_for(job_id, {"rendering"}, timeout=120)
    assert job["attempts"] == 1
    first.send_signal(signal.SIGKILL)  # no warm shutdown, no ack
    first.wait(10)
    assert world.job(job_id)["status"] == "rendering"
    assert world.documents(claim_id) == []

    world.start_worker("rescuer")
    # the unacked message comes back after the visibility timeout (5 s here)
    job = world.wait_for(job_id, {"done", "failed"}, timeout=120)
    assert job["status"] == "done", job["error"]
    assert job["attempts"] == 2  # redelivered and rendered by the second worker
    assert len(world.documents(claim_id)) == 1
