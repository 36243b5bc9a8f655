"""Browser tests share the fixtures of tests/browser.py (registered in tests/conftest.py)."""

from tests.browser import login

__all__ = ["login"]
