"""Signing in: everyone changes their own password; a sign-in does not outlive the day."""

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.urls import reverse

pytestmark = pytest.mark.django_db
CHANGE = reverse("password_change")


def test_a_user_changes_her_password_and_stays_signed_in(client, alice):
    client.force_login(alice)
    assert "パスワード変更" in client.get(reverse("claims:queue")).content.decode()

    response = client.post(
        CHANGE,
        {
            "old_password": "pw-alice",
            "new_password1": "Kumo-no-ue-2026",
            "new_password2": "Kumo-no-ue-2026",
        },
        follow=True,
    )

    assert "パスワードを変更しました。" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("claims:queue")
    assert authenticate(username="alice", password="Kumo-no-ue-2026") is not None
    assert client.get(reverse("claims:queue")).status_code == 200  # still signed in


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong", "Kumo-no-ue-2026", "Kumo-no-ue-2026", "元のパスワードが間違っています"),
        ("pw-alice", "Kumo-no-ue-2026", "Kumo-no-ue-2027", "確認用パスワードが一致しません"),
        ("pw-alice", "abc", "abc", "このパスワードは短すぎます"),
        ("pw-alice", "password123", "password123", "このパスワードは一般的すぎます"),
    ],
)
def test_a_bad_change_says_why_in_japanese_and_keeps_the_old_password(
    client, alice, old, new1, new2, message
):
    client.force_login(alice)

    response = client.post(
        CHANGE, {"old_password": old, "new_password1": new1, "new_password2": new2}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert authenticate(username="alice", password="pw-alice") is not None


def test_a_sign_in_lasts_a_working_day_and_ends_with_the_browser(client):
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert client.get(CHANGE).status_code == 302  # anonymous: to the login page
