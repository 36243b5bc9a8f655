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
