"""Browser fixtures: Playwright (Python) driving Debian's Chromium against pytest-django's
live_server. Never downloads a browser. Under CI=true a missing Chromium is a failure.

Registered once, in tests/conftest.py, so every test directory shares one Playwright
session (a second sync Playwright in one process fails).
"""

import os
import shutil

import pytest

from tests.services import require_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def _playwright(django_db_setup):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require_service(sync_playwright is not None, "the playwright package")
    require_service(
        bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)), f"Chromium at {CHROMIUM}"
    )
    from django.db import connections

    # From here on Playwright's sync API keeps an event loop in this thread; the tests' ORM
    # calls are still plain synchronous code, so allow them (only once a browser starts).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    # Once Playwright's loop runs, this thread gets new connection objects, which lack the
    # data serialized at database setup: serialized_rollback would then reload nothing
    # after a flush (no groups, plans or incident). Hand them the same contents.
    saved = {a: getattr(connections[a], "_test_serialized_contents", None) for a in connections}
    with sync_playwright() as p:
        for alias, contents in saved.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    b = _playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="ja-JP", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def login(page, username, password=None):
    """Log in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or f"pw-{username}")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
