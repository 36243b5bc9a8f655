"""Shared test helpers: the named people of the house style and a small claim factory.

alice (handler), bob (another handler), carol (supervisor, limit 10M), erin (senior
supervisor, limit 200M), dave (admin).
"""

import contextlib
import datetime
import fcntl
import itertools
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from claims.models import ApprovalAuthority, Claim, Incident, Insured, Policy
from claims.services import next_claim_number
from coverage.models import Plan
from tests.browser import _playwright, browser, page  # noqa: F401  (shared browser fixtures)
from tests.services import CI, require_service  # noqa: F401

_seq = itertools.count(1)


def make_user(username, group, *, limit=None, **extra):
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    user.groups.add(Group.objects.get(name=group))
    if limit is not None:
        ApprovalAuthority.objects.create(user=user, limit=limit)
    return user


@pytest.fixture
def alice(db):
    return make_user("alice", "handler", last_name="佐藤", first_name="愛子")


@pytest.fixture
def bob(db):
    return make_user("bob", "handler", last_name="鈴木", first_name="一郎")


@pytest.fixture
def carol(db):
    return make_user("carol", "supervisor", limit=10_000_000)


@pytest.fixture
def erin(db):
    return make_user("erin", "supervisor", limit=200_000_000)


@pytest.fixture
def dave(db):
    return make_user("dave", "admin", is_staff=True)


@pytest.fixture
def mk_incident(db):
    return Incident.objects.get(provider_name="株式会社エムケイシステム")


def make_policy(plan_code="cyber_standard", **extra):
    n = next(_seq)
    insured = Insured.objects.create(
        name=f"テスト社会保険労務士事務所{n}", registration_number=f"99{n:06d}"
    )
    return Policy.objects.create(
        insured=insured,
        plan=Plan.objects.get(code=plan_code),
        number=f"P-{n:06d}",
        period_start=datetime.date(2023, 4, 1),
        period_end=datetime.date(2024, 3, 31),
        **extra,
    )


def make_claim(*, created_by, handler=None, status=Claim.Status.REPORTED, policy=None, **extra):
    claim = Claim.objects.create(
        number=f"tmp-{next(_seq)}",
        policy=policy or make_policy(),
        incident=Incident.objects.get(provider_name="株式会社エムケイシステム"),
        status=status,
        handler=handler,
        created_by=created_by,
        noticed_on=datetime.date(2023, 6, 6),
        description="社労夢停止",
        **extra,
    )
    claim.number = next_claim_number(claim.pk)
    claim.save(update_fields=["number"])
    return claim


def _ensure_reference_data():
    """Re-create the data migrations' rows (groups, plans, the MK incident) if a transactional
    test's flush removed them; a no-op (one query) otherwise."""
    from importlib import import_module

    from django.apps import apps as django_apps
    from django.contrib.auth.models import Group

    if Group.objects.filter(name="handler").exists():
        return
    plans = import_module("coverage.migrations.0002_default_plans")
    groups = import_module("claims.migrations.0002_mk_incident_and_groups")
    plans.create_plans(django_apps, None)
    groups.forwards(django_apps, None)
    import_module("claims.migrations.0006_claim_notes").grant(django_apps, None)
    import_module("claims.migrations.0009_admin_group_rights").restrict(django_apps, None)
    import_module("payments.migrations.0002_payer_group").create_payer(django_apps, None)


ROOT = Path(__file__).resolve().parents[1]


def fresh_checkout_env(**extra):
    """The environment of a fresh checkout: nothing set (no DEBUG, no SECRET_KEY, no
    DJANGO_SETTINGS_MODULE, none of the suite's own markers), plus ``extra``."""
    dropped = {"DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS"}
    env = {
        k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("CLAIMSDESK_")
    }
    env.update(extra)
    return env


def _migrated_sqlite(root: Path, started: list | None = None) -> Path:
    """root/migrated.sqlite3, migrated unless it already is (under a lock on root)."""
    path = root / "migrated.sqlite3"
    with open(root / "migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = root / f"migrating-{os.getpid()}.sqlite3"
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=ROOT,
                env=fresh_checkout_env(DATABASE_URL=f"sqlite:///{building}"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            if started is not None:
                started.append(proc)
            _, stderr = proc.communicate(timeout=600)
            assert proc.returncode == 0, stderr[-3000:]
            building.rename(path)
    return path


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A SQLite file on which `manage.py migrate` ran every migration, in a fresh checkout's
    environment (nothing set: so migrate must run without production settings), once per
    test run. The xdist workers share it: the first that asks builds it under a lock (under
    xdist the controller has started it while the workers collect: pytest_sessionstart).
    Subprocess tests that start the app copy it instead of each migrating a new database
    (~16 s of CPU apiece); tests/test_deploy.py's bin/web test still migrates from nothing."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, shared by its workers
    return _migrated_sqlite(root)


_EARLY: list = []  # the controller's build: its thread, then its migrate process


def pytest_sessionstart(session):
    """Under xdist, the controller starts migrated_sqlite's build at once, so it runs while
    the workers start and collect (~10 s) rather than after, with one core idle."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    import threading

    root = config._tmp_path_factory.getbasetemp()  # what xdist hands its workers, + /popen-gwN

    def build():
        with contextlib.suppress(Exception):  # a worker that needs it builds it again, saying why
            _migrated_sqlite(root, _EARLY)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()
    _EARLY.insert(0, thread)


def pytest_sessionfinish(session):
    if _EARLY:  # a short run may end first: do not leave the migrate behind
        for proc in _EARLY[1:]:
            if proc.poll() is None:
                proc.kill()
        _EARLY[0].join(30)


_PRIMED = []  # the connections that keep each primed in-memory test database alive


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """On SQLite, each worker's in-memory test database starts as a copy of migrated_sqlite:
    Django's migrate then runs with nothing left to apply, instead of every worker applying
    all the migrations again. The database is the same, built by the same migrations (once
    per run); PostgreSQL, a file test database and --nomigrations are left as they were."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "sqlite" or not request.getfixturevalue("django_db_use_migrations"):
        return
    name = connection.creation._get_test_db_name()
    if not connection.creation.is_in_memory_db(name):
        return
    template = sqlite3.connect(request.getfixturevalue("migrated_sqlite"))
    primed = sqlite3.connect(name, uri=True, check_same_thread=False)
    template.backup(primed)
    template.close()
    _PRIMED.append(primed)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Files a test stores (uploads, rendered PDFs, the demo seed's documents) go to a
    throw-away folder, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Every database test starts with the reference data a fresh database has."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = bool(
        (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        or names & {"transactional_db", "live_server"}
    )
    if not (marker or transactional or "db" in names):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    _ensure_reference_data()
    if transactional:  # it ends with a flush: pytest_runtest_teardown puts the rows back
        request.node.stash[_FLUSHES] = request.getfixturevalue("django_db_blocker")


_FLUSHES = pytest.StashKey()


def _serialized_rollback(item):
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("serialized_rollback"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by emptying the database (a flush). Put back, for good, the
    rows the test database was created with: the copy Django serialized at set-up, reloaded
    as serialized_rollback does. Without this every later test on the worker re-creates the
    reference data inside its own rolled-back transaction (0.1-0.5 s a test; most of the
    suite, as the browser files run first under xdist)."""
    result = yield
    blocker = item.stash.get(_FLUSHES, None)
    if blocker is None or nextitem is None:
        return result  # nothing flushed, or the session ends
    from django.db import connections

    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    if not contents:
        return result
    with blocker.unblock():
        if Group.objects.filter(name="handler").exists():
            return result
        from django.contrib.contenttypes.models import ContentType
        from django.core.management import call_command

        if ContentType.objects.exists():
            # Without serialized_rollback the flush ends in post_migrate, which made new
            # content types and permissions: empty the tables again, quietly, as the next
            # test (or the reload below) expects.
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        if not _serialized_rollback(nextitem):  # such a test reloads the rows itself
            connection.creation.deserialize_db_from_string(contents)
            _reset_sequences(connection)
    return result


def _reset_sequences(connection):
    """After rows were loaded with their ids (as loaddata does): move each table's id
    sequence past them. The flush restarted the sequences at 1, so on PostgreSQL the next
    insert into a reloaded table (a plan's history row) took an id the reload had used."""
    from django.apps import apps
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# Under pytest-xdist (`make test`), files that wait on browsers, real workers and
# subprocesses start first, so the many short files fill the workers' last minutes instead of
# one long file running alone at the end. Only the order changes; each file keeps its own.
SLOW_FIRST = (
    "tests/e2e/",
    "tests/documents/test_worker.py",
    "tests/test_deploy.py",
    "tests/test_quick_start.py",
    "tests/test_every_url.py",
    "tests/claims/imports/test_import.py",
    "tests/documents/test_pdf.py",
    "tests/coverage/test_assess_command.py",
    "tests/test_admin_japanese.py",  # seeds the demo data (~10 s) and walks the admin
)


def pytest_configure(config):
    # Property tests judge the answers, never the clock: on a loaded 2-core machine (xdist, a
    # browser, subprocesses) an example may take longer than hypothesis's 200 ms deadline or
    # its generation trip the too_slow health check, failing a test whose property holds.
    # (Here, not at import: the real-worker test's subprocesses import this module.)
    import hypothesis

    hypothesis.settings.register_profile(
        "claimsdesk", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
    )
    hypothesis.settings.load_profile("claimsdesk")


def pytest_collection_modifyitems(config, items):
    if not hasattr(config, "workerinput"):  # not an xdist worker: keep the natural order
        return

    def rank(item):
        path = item.nodeid
        return next((i for i, p in enumerate(SLOW_FIRST) if path.startswith(p)), len(SLOW_FIRST))

    items.sort(key=rank)
