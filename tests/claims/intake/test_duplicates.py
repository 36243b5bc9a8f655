"""The possible-duplicate warning on the claim page can be resolved: 重複ではない with a
reason (recorded, the warning goes on both claims) or 取下げ (重複) in one step."""

import pytest
from django.urls import reverse

from claims.models import Claim, ClaimNote, DuplicateClearance, StatusChange
from tests.conftest import make_claim, make_policy

pytestmark = pytest.mark.django_db
S = Claim.Status


@pytest.fixture
def pair(alice):
    policy = make_policy()
    first = make_claim(created_by=alice, handler=alice, policy=policy)
    second = make_claim(created_by=alice, handler=alice, policy=policy)
    return first, second


def page(client, claim):
    return client.get(reverse("claims:detail", args=[claim.number])).content.decode()


def post(client, claim, **data):
    return client.post(reverse("claims:duplicates", args=[claim.number]), data)


def test_the_warning_offers_both_resolutions(client, alice, pair):
    first, second = pair
    client.force_login(alice)
    html = page(client, second)
    assert "重複報告の可能性" in html and first.number in html
    assert "重複ではない" in html and f"取下げ (重複: {first.number})" in html


def test_not_a_duplicate_with_a_reason_is_recorded_and_the_warning_goes_on_both(
    client, alice, pair
):
    first, second = pair
    client.force_login(alice)
    response = post(
        client, second, decision="not_duplicate", other=first.pk, reason="別の顧問先の請求"
    )
    assert response.status_code == 302
    row = DuplicateClearance.objects.get(claim=second, other=first)
    assert row.by == alice and row.reason == "別の顧問先の請求" and row.at
    assert DuplicateClearance.objects.filter(claim=first, other=second).exists()
    assert "重複報告の可能性" not in page(client, second)
    assert "重複報告の可能性" not in page(client, first)
    note = ClaimNote.objects.get(claim=second)
    assert first.number in note.body and "別の顧問先の請求" in note.body and note.by == alice
    assert "とは重複ではないと判断" in page(client, second)  # in the 経過記録


def test_a_third_report_still_warns(client, alice, pair):
    first, second = pair
    client.force_login(alice)
    post(client, second, decision="not_duplicate", other=first.pk, reason="別件")
    third = make_claim(created_by=alice, handler=alice, policy=first.policy)
    html = page(client, second)
    assert "重複報告の可能性" in html and third.number in html and f">{first.number}<" not in html


def test_not_a_duplicate_needs_a_reason(client, alice, pair):
    first, second = pair
    client.force_login(alice)
    response = post(client, second, decision="not_duplicate", other=first.pk, reason="  ")
    assert response.status_code == 302
    assert not DuplicateClearance.objects.exists()
    follow = client.get(response["Location"]).content.decode()
    assert "理由を入力してください" in follow and "重複報告の可能性" in follow


def test_withdraw_as_duplicate_in_one_step_names_the_other_claim(client, alice, pair):
    first, second = pair
    client.force_login(alice)
    response = post(client, second, decision="withdraw", other=first.pk)
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == S.WITHDRAWN
    change = StatusChange.objects.filter(claim=second).latest("id")
    assert first.number in change.reason and "重複" in change.reason
    first.refresh_from_db()
    assert first.status == S.REPORTED
    # the original no longer warns: its twin is withdrawn
    assert "重複報告の可能性" not in page(client, first)


def test_refusals(client, alice, bob, carol, pair):
    first, second = pair
    # bob cannot see alice's claims: 404, nothing recorded
    client.force_login(bob)
    assert post(client, second, decision="withdraw", other=first.pk).status_code == 404
    # a claim that is not a possible duplicate of this one
    client.force_login(alice)
    stranger = make_claim(created_by=alice, handler=alice)
    post(client, second, decision="withdraw", other=stranger.pk)
    post(client, second, decision="not_duplicate", other=stranger.pk, reason="x")
    second.refresh_from_db()
    assert second.status == S.REPORTED and not DuplicateClearance.objects.exists()
    # an unknown decision, a GET
    post(client, second, decision="delete", other=first.pk)
    assert client.get(reverse("claims:duplicates", args=[second.number])).status_code == 405
    second.refresh_from_db()
    assert second.status == S.REPORTED
    # a closed claim: no resolution offered, the post refused
    Claim.objects.filter(pk=second.pk).update(status=S.CLOSED)
    assert post(client, second, decision="withdraw", other=first.pk).status_code == 403
    # a supervisor may resolve a handler's claim
    Claim.objects.filter(pk=second.pk).update(status=S.REPORTED)
    client.force_login(carol)
    post(client, second, decision="not_duplicate", other=first.pk, reason="確認済み")
    assert DuplicateClearance.objects.filter(claim=second, by=carol).exists()
