"""Supervisors' day (#18 item 11): they land on 承認待ち after signing in; after a decision
the approval page offers 次の承認待ちへ, the next claim they may approve (four eyes and
authority respected); a handler asks for a send-back (差戻し依頼) and the supervisor sees it
on the approval page and as a badge in the approval queue, then decides as before."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims import services
from claims.approvals import payouts
from claims.approvals.versions import claim_version
from claims.models import Claim, ClientDamage, SendBackRequest
from claims.services import ClaimError
from coverage.adapters import claim_assessment
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
APPROVALS = reverse("approvals:queue")
NEXT = reverse("approvals:next")


def sign_in(client, username):
    return client.post(
        reverse("login"), {"username": username, "password": f"pw-{username}"}, follow=True
    )


def test_supervisors_land_on_approvals_and_handlers_on_the_queue(client, alice, carol, erin):
    assert sign_in(client, "carol").redirect_chain[-1][0] == APPROVALS
    client.logout()
    assert sign_in(client, "erin").redirect_chain[-1][0] == APPROVALS
    client.logout()
    assert sign_in(client, "alice").redirect_chain[-1][0] == reverse("claims:queue")


def test_after_approving_next_goes_to_the_next_claim_carol_may_approve(
    client, alice, bob, carol, erin
):
    first = awaiting_claim(handler=alice)
    too_big = awaiting_claim(handler=alice, liability=12_000_000, expense=0)  # over 10M
    erin.groups.add(Group.objects.get(name="handler"))
    own = awaiting_claim(handler=bob)
    # carol edited this one: four eyes keeps her from approving it
    damage = ClientDamage.objects.get(claim=own)
    damage.description = "carol が修正"
    damage._history_user = carol
    damage.save()
    last = awaiting_claim(handler=bob)
    client.force_login(carol)

    response = client.post(
        reverse("approvals:approve", args=[first.number]),
        {"amount": first.total_payable, "confirm": "on", "version": claim_version(first)},
        follow=True,
    )
    page = response.content.decode()
    assert "の支払を承認しました。" in page, [
        str(m) for m in response.context["messages"]
    ] and "次の承認待ちへ" in page

    jump = client.get(NEXT, {"after": first.number})
    assert jump.status_code == 302
    assert jump.url == reverse("approvals:detail", args=[last.number])
    assert payouts.approval_problems(
        claim=too_big,
        by=carol,
        assessment=claim_assessment(too_big).assessment,
    )

    client.force_login(erin)  # erin's authority covers 12M: the big one is hers next
    assert client.get(NEXT).url == reverse("approvals:detail", args=[too_big.number])


def test_next_with_nothing_left_returns_to_the_queue_saying_so(client, alice, carol):
    client.force_login(carol)
    response = client.get(NEXT, follow=True)
    assert response.redirect_chain[-1][0] == APPROVALS
    assert "ほかにありません" in response.content.decode()


def test_handlers_cannot_use_next(client, alice):
    client.force_login(alice)
    assert client.get(NEXT).status_code == 403


def test_alice_asks_for_a_send_back_and_carol_sees_it(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    other = awaiting_claim(handler=alice)
    client.force_login(alice)

    response = client.post(
        reverse("claims:send_back_request", args=[claim.number]),
        {"reason": "顧問先から追加の請求書が届いたため金額を見直したい"},
        follow=True,
    )

    page = response.content.decode()
    assert "差戻しを依頼しました。" in page and "差戻し依頼中" in page
    request = SendBackRequest.objects.get(claim=claim)
    assert request.by == alice
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_APPROVAL  # the supervisor still decides

    client.force_login(carol)
    detail = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()
    assert "差戻し依頼あり" in detail and "追加の請求書が届いたため" in detail
    queue = client.get(APPROVALS)
    flagged = {r["claim"].number for r in queue.context["rows"] if r["send_back_asked"]}
    assert flagged == {claim.number} and other.number not in flagged
    assert "差戻し依頼</span>" in queue.content.decode()


def test_bob_cannot_ask_for_a_send_back_of_alices_claim(client, alice, bob):
    claim = awaiting_claim(handler=alice)
    client.force_login(bob)
    response = client.post(
        reverse("claims:send_back_request", args=[claim.number]), {"reason": "横から"}
    )
    assert response.status_code == 404
    with pytest.raises(ClaimError, match="差戻しを依頼する権限がありません"):
        services.claim_request_send_back(claim=claim, by=bob, reason="横から")
    assert not SendBackRequest.objects.exists()


def test_a_send_back_request_needs_a_reason_and_a_claim_awaiting_approval(client, alice):
    claim = awaiting_claim(handler=alice)
    open_claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)

    blank = client.post(
        reverse("claims:send_back_request", args=[claim.number]), {"reason": " "}, follow=True
    )
    assert "差戻し依頼の理由を入力してください。" in blank.content.decode()
    with pytest.raises(ClaimError, match="承認待ちの事故のみ"):
        services.claim_request_send_back(claim=open_claim, by=alice, reason="理由")
    assert not SendBackRequest.objects.exists()
