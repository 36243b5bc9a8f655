import pytest

from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: an earlier browser test's flush must not leave it without groups
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_alice_logs_in_and_lands_on_the_queue(page, alice):
    login(page, "alice")
    assert page.url.endswith("/claims/")
    assert "事故一覧" in page.content()
