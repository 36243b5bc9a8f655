"""Sign-in throttling (#16 item 7): 60 wrong passwords in 40 s, then the right one worked.

Now failures count per account and per client address; at the limit (10) the right
password is refused too, with a Japanese page, until the lock expires or an administrator
resets it. Failures and lockouts are logged; the password rule knows the romanised name.
"""

import datetime
import logging

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from claimsdesk.accounts import RomanisedNameValidator

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
LOCKED = "ログインに10回失敗したため"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Each wrong password costs a full PBKDF2 run; these tests make dozens."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, username, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_one(client, alice, caplog):
    for _ in range(9):
        assert sign_in(client, "alice", "wrong-guess").status_code == 200
    assert sign_in(client, "alice", "wrong-guess").status_code == 429  # the tenth locks

    response = sign_in(client, "alice", "pw-alice")

    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "30分間停止" in html and "管理者に解除" in html
    assert "_auth_user_id" not in client.session
    # from another address too: the account itself is locked
    assert sign_in(client, "alice", "pw-alice", ip="198.51.100.9").status_code == 429
    failures = [r for r in caplog.records if getattr(r, "event", "") == "login_failed"]
    assert len(failures) >= 10 and failures[0].username == "alice"
    assert failures[0].ip == "203.0.113.7"
    assert any(getattr(r, "event", "") == "login_locked_out" for r in caplog.records)


def test_nine_failures_still_let_the_right_password_in(client, alice):
    for _ in range(9):
        sign_in(client, "alice", "wrong-guess")
    assert sign_in(client, "alice", "pw-alice").status_code == 302


def test_one_address_guessing_many_accounts_is_throttled_per_address(client, alice, bob):
    for n in range(10):
        sign_in(client, f"guess{n}", "wrong-guess")  # ten accounts, one failure each

    response = sign_in(client, "bob", "pw-bob")

    assert response.status_code == 429 and LOCKED in response.content.decode()
    # bob from his own desk is not locked: the lock is on the address, not on bob
    assert sign_in(client, "bob", "pw-bob", ip="192.0.2.44").status_code == 302


def test_the_lock_expires_after_the_cool_off(client, alice, settings):
    from axes.models import AccessAttempt

    for _ in range(10):
        sign_in(client, "alice", "wrong-guess")
    assert sign_in(client, "alice", "pw-alice").status_code == 429
    past = datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=past - datetime.timedelta(seconds=1))

    assert sign_in(client, "alice", "pw-alice").status_code == 302


def test_an_administrator_lifts_the_lock_with_the_reset_command(client, alice):
    for _ in range(10):
        sign_in(client, "alice", "wrong-guess")
    assert sign_in(client, "alice", "pw-alice").status_code == 429

    call_command("axes_reset_username", "alice")
    call_command("axes_reset_ip", "203.0.113.7")

    assert sign_in(client, "alice", "pw-alice").status_code == 302


def test_a_nul_in_the_user_name_is_a_failed_sign_in_not_a_500(client, alice):
    assert sign_in(client, "ali\x00ce", "x").status_code == 200


def test_sign_ins_without_a_request_still_work(alice):
    """shell and management commands authenticate without a request: not throttled, not
    broken (client.login in tests goes this way too)."""
    assert authenticate(username="alice", password="pw-alice") == alice


@pytest.mark.parametrize(
    "password", ["Sato-Aiko-2026", "aikosatou!!", "SATOU1985aiko", "aiko-sato", "Alice2026!x"]
)
def test_a_password_built_on_the_romanised_name_is_refused(client, alice, password):
    with pytest.raises(ValidationError) as refused:
        RomanisedNameValidator().validate(password, alice)
    assert "氏名 (ローマ字)" in refused.value.messages[0]

    client.force_login(alice)
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw-alice", "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200 and "氏名 (ローマ字)" in response.content.decode()


def test_an_unrelated_password_passes_the_name_rule(alice):
    RomanisedNameValidator().validate("Kumo-no-ue-2026", alice)


def test_failed_sign_ins_are_logged_without_the_password(client, alice, caplog):
    caplog.set_level(logging.INFO, logger="claimsdesk.security")
    sign_in(client, "alice", "secret-guess-123")
    assert "secret-guess-123" not in caplog.text
