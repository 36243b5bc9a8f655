"""Service availability for tests: skip locally, fail under CI=true."""

import os

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(ok: bool, what: str):
    """Skip when a service is missing locally; under CI=true a missing service is a failure."""
    if ok:
        return
    if CI:
        pytest.fail(f"{what} is required under CI=true but is not available")
    pytest.skip(f"{what} not available")


def worker_number() -> int:
    """0 for a serial run, N for pytest-xdist's worker gwN."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def redis_test_url() -> str:
    """This test process's own Redis database, so parallel workers never flush or read each
    other's queues: TEST_REDIS_DB (default 7) plus the xdist worker number, modulo Redis's 16
    databases. TEST_REDIS_HOST (default 127.0.0.1:6379) names the server."""
    base = int(os.environ.get("TEST_REDIS_DB", "7"))
    host = os.environ.get("TEST_REDIS_HOST", "127.0.0.1:6379")
    return f"redis://{host}/{(base + worker_number()) % 16}"
