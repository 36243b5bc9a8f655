"""In the browser: carol approves a claim on the approval page, then records the payment."""

import pytest
from django.utils import timezone

from claims.models import Claim, Payout
from tests.claims.approval_helpers import awaiting_claim, paid_and_reopened
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


def test_carol_approves_a_supplementary_payment_in_the_browser(page, alice, carol):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    login(page, "carol")
    page.goto("/approvals/")
    row = page.locator("tr", has_text=claim.number)
    assert "追加支払" in row.inner_text() and "累計 1,548,000円" in row.inner_text()
    row.locator(f"text={claim.number}").click()
    assert page.inner_text("#payment-due") == "300,000円"
    assert "1,248,000円" in page.inner_text("#snapshot, .card:has(#payment-due)")
    page.check("#id_confirm")
    page.click("text=この金額で承認する")
    page.wait_for_selector("text=支払を承認しました")
    assert "承認額 (第2回 追加支払)" in page.content()
    second = Payout.objects.get(claim=claim, sequence=2)
    assert (second.amount, second.previously_paid, second.status) == (
        300_000,
        1_248_000,
        "approved",
    )


def test_erin_asks_an_overpayment_back_and_records_the_refund(page, alice, carol, erin):
    from claims.models import Recovery
    from claims.services import claim_refresh_totals

    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=0)
    Claim.objects.filter(pk=claim.pk).update(direct_recovery_elected=True)  # Q7 after payment
    claim.refresh_from_db()
    claim_refresh_totals(claim=claim)
    login(page, "erin")
    page.goto("/approvals/")
    row = page.locator("tr", has_text=claim.number)
    assert "過払い返還" in row.inner_text() and "1,248,000円" in row.inner_text()
    row.locator(f"text={claim.number}").click()
    assert page.inner_text("#payment-due") == "1,248,000円"
    assert page.locator("text=この金額で承認する").count() == 0  # nothing to approve
    page.fill("#id_recover-reason", "Q7 直接請求に切替")
    page.check("#id_recover-confirm")
    page.click("text=返還を請求して終了する")
    page.wait_for_selector("text=過払いの返還を請求し、事故を終了しました。")
    page.goto(f"/claims/{claim.number}/")
    page.fill("#payout-panel input[name=settle-note]", "入金 R-1")
    page.click("#payout-panel >> text=記録する")
    page.wait_for_selector("text=過払い返還の結果を記録しました。")
    refund = Recovery.objects.get(claim=claim)
    assert (refund.status, refund.settled_note, refund.amount) == (
        "received",
        "入金 R-1",
        1_248_000,
    )
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.CLOSED
