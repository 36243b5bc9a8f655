"""A claim's money over its whole life: after a refund is asked for (過払い返還) the closed
claim stands at what the insured keeps, wherever its figures are stored or re-assessed."""

import datetime

import pytest

from claims.approvals import payouts
from claims.models import ClientDamage, FigureChange, Recovery
from claims.reassess import claim_figures, stale_figures
from claims.services import claim_refresh_totals, claim_transition
from tests.claims.approval_helpers import awaiting_claim, paid_and_reopened

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def overpaid_and_closed(alice, carol, erin):
    """Paid 1,248,000; reopened and the client's damage recognized at 1,000,000 instead of
    1,200,000: 200,000 asked back, the claim closed at 1,048,000."""
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=0)
    claim_transition(claim=claim, to="under_assessment", by=alice, reason="認定額の見直し")
    ClientDamage.objects.filter(claim=claim).update(recognized=1_000_000)
    claim_refresh_totals(claim=claim)
    claim_transition(claim=claim, to="awaiting_approval", by=alice, reason="")
    recovery = payouts.recovery_request(claim=claim, by=erin, amount=200_000, reason="認定額の誤り")
    claim.refresh_from_db()
    assert claim.status == "closed" and claim.total_payable == 1_048_000
    return claim, recovery


def test_a_closed_claim_with_a_refund_keeps_standing_at_what_the_insured_keeps(
    alice, bob, carol, erin, django_capture_on_commit_callbacks
):
    claim, recovery = overpaid_and_closed(alice, carol, erin)
    # what a fresh look (the nightly check, any re-assessment) says the claim stands at
    assert claim_figures(claim).total_payable == 1_048_000
    assert stale_figures() == []

    # a second claim on the same policy is approved: the first one is re-assessed
    other = awaiting_claim(handler=bob, policy=claim.policy, liability=500_000, expense=0)
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_approve(claim=other, by=erin, amount=500_000)
    claim.refresh_from_db()
    assert claim.total_payable == 1_048_000
    assert not FigureChange.objects.filter(claim=claim, new_payable=1_248_000).exists()

    # received: still 1,048,000; waived instead, the insured keeps 1,248,000
    payouts.recovery_settle(recovery=recovery, by=erin, outcome="received", on=TODAY, note="")
    assert claim_figures(claim).total_payable == 1_048_000
    Recovery.objects.filter(pk=recovery.pk).update(status="waived")
    assert claim_figures(claim).total_payable == 1_248_000
