"""In the browser: carol approves a claim on the approval page, then records the payment."""

import pytest
from django.utils import timezone

from claims.models import Claim, Payout
from tests.claims.approval_helpers import awaiting_claim
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_carol_approves_and_marks_paid_in_the_browser(page, alice, carol):
    claim = awaiting_claim(handler=alice)
    login(page, "carol")
    page.goto("/approvals/")
    page.click(f"text={claim.number}")
    assert "1,248,000円" in page.inner_text("#total-payable")
    page.click("text=この金額で承認する")  # not confirmed yet: refused next to the box
    assert "チェックを入れてください" in page.content()
    page.check("#id_confirm")
    page.click("text=この金額で承認する")
    page.wait_for_selector("text=支払を承認しました")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.APPROVED
    page.fill("#id_paid-reference", "FB-E2E-1")
    page.click("text=支払済みにする")
    page.wait_for_selector("text=支払済みとして記録しました")
    payout = Payout.objects.get(claim=claim)
    assert (payout.status, payout.payment_reference) == ("paid", "FB-E2E-1")
    assert payout.paid_on == timezone.localdate()  # the form's default: today in Tokyo
