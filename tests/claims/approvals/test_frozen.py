"""Decided claims are frozen (issue 15, item 4): an approved, paid or closed claim's page and
its settlement PDF show the approval snapshot, limits and sub-limits included; today's rules
appear only as a difference."""

import datetime

import pytest

from claims.approvals import payouts
from claims.models import Claim, Expense
from claims.services import claim_refresh_totals
from coverage.models import ExpenseSublimit, Plan
from documents.pdf_context import settlement_context
from tests.claims.approval_helpers import awaiting_claim
from tests.claims.test_reassess import post_plan
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db


def test_approved_claim_page_after_a_plan_edit_shows_what_was_decided(
    client, alice, erin, dave, django_capture_on_commit_callbacks
):
    claim = awaiting_claim(handler=alice, liability=80_000_000, expense=0)
    payouts.payout_approve(claim=claim, by=erin, amount=80_000_000)
    plan = Plan.objects.get(code="cyber_standard")
    client.force_login(dave)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_plan(client, plan, liability_limit="50,000,000").status_code == 302

    client.force_login(alice)
    html = client.get(f"/claims/{claim.number}/").content.decode()
    payable = html.split('data-total="payable"', 1)[1].split("</div>", 1)[0]
    assert "80,000,000円" in payable
    assert "限度額 100,000,000円" in html  # the limit in force at approval
    assert "現在の規則では 50,000,000円 (差額 -30,000,000円)" in html
    assert "承認時の査定を表示しています" in html


def test_approved_claim_page_without_rule_changes_has_no_difference_note(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    client.force_login(alice)
    html = client.get(f"/claims/{claim.number}/").content.decode()
    assert "承認時の査定を表示しています" in html
    assert "現在の規則では" not in html


def test_decided_claim_page_lists_the_sublimits_in_force_at_approval(client, alice, carol):
    plan = Plan.objects.get(code="cyber_standard")
    sub = ExpenseSublimit.objects.create(plan=plan, category="call_center", limit=1_000_000)
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.AWAITING_APPROVAL)
    Expense.objects.create(
        claim=claim, category="call_center", amount=1_700_000, created_by=alice, updated_by=alice
    )
    claim_refresh_totals(claim=claim)
    payouts.payout_approve(claim=claim, by=carol, amount=1_000_000)
    sub.delete()  # removed after approval
    client.force_login(alice)
    html = client.get(f"/claims/{claim.number}/").content.decode()
    terms = html.split('id="decided-terms"', 1)[1].split("</div>", 1)[0]
    assert "1,000,000円" in terms and "コールセンター" in terms
    assert "現在の規則では 1,700,000円 (差額 +700,000円)" in html
    payable = html.split('data-total="payable"', 1)[1].split("</div>", 1)[0]
    assert "1,000,000円" in payable


def test_paid_claims_pdf_after_a_sublimit_change_prints_the_sublimit_in_force_then(alice, carol):
    plan = Plan.objects.get(code="cyber_standard")
    sub = ExpenseSublimit.objects.create(plan=plan, category="call_center", limit=1_000_000)
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.AWAITING_APPROVAL)
    Expense.objects.create(
        claim=claim, category="call_center", amount=1_700_000, created_by=alice, updated_by=alice
    )
    claim_refresh_totals(claim=claim)
    payouts.payout_approve(claim=claim, by=carol, amount=1_000_000)
    payouts.payout_mark_paid(
        claim=claim,
        by=carol,
        paid_on=datetime.date.today(),
        reference="FB-9",
        override_reason="請求書類は原本を郵送で受領済み",
    )
    sub.limit = 5_000_000  # the admin raises the sub-limit after payment
    sub.save()
    plan.expense_limit = 1_200_000
    plan.save()

    ctx = settlement_context(claim)
    call_center = next(c for c in ctx["categories"] if c["sublimit"] is not None)
    assert (call_center["covered"], call_center["sublimit"], call_center["allowed"]) == (
        1_700_000,
        1_000_000,
        1_000_000,
    )
    assert ctx["expenses_allowed"] == 1_000_000 == ctx["total_payable"]
    assert ctx["plan"].expense_limit == 100_000_000  # the plan's limit at approval


def test_pdf_of_a_payout_from_before_sublimits_were_snapshotted_reads_their_history(alice, carol):
    plan = Plan.objects.get(code="cyber_standard")
    sub = ExpenseSublimit.objects.create(plan=plan, category="call_center", limit=1_000_000)
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.AWAITING_APPROVAL)
    Expense.objects.create(
        claim=claim, category="call_center", amount=1_700_000, created_by=alice, updated_by=alice
    )
    claim_refresh_totals(claim=claim)
    payout = payouts.payout_approve(claim=claim, by=carol, amount=1_000_000)
    snapshot = payout.snapshot
    del snapshot["plan"]["sublimits"]  # as older payouts stored it
    type(payout).objects.filter(pk=payout.pk).update(snapshot=snapshot)
    sub.delete()
    ctx = settlement_context(claim)
    capped = [c for c in ctx["categories"] if c["sublimit"] is not None]
    assert [(c["sublimit"], c["allowed"]) for c in capped] == [(1_000_000, 1_000_000)]


def test_reopening_a_decided_claim_assesses_it_under_todays_rules_and_says_so(
    client, alice, erin, dave, django_capture_on_commit_callbacks
):
    from claims.models import FigureChange
    from claims.services import claim_reopen
    from tests.claims.test_reassess import check_figures

    claim = awaiting_claim(handler=alice, liability=80_000_000, expense=0)
    payouts.payout_approve(claim=claim, by=erin, amount=80_000_000)
    payouts.payout_mark_paid(
        claim=claim,
        by=erin,
        paid_on=datetime.date.today(),
        reference="R1",
        override_reason="請求書類は原本を郵送で受領済み",
    )
    client.force_login(dave)
    with django_capture_on_commit_callbacks(execute=True):
        post_plan(client, Plan.objects.get(code="cyber_standard"), liability_limit="50,000,000")
    claim.refresh_from_db()
    assert claim.total_payable == 80_000_000  # paid: frozen
    claim_reopen(claim=claim, by=alice, reason="顧問先から追加請求")
    claim.refresh_from_db()
    assert claim.total_payable == 50_000_000
    fc = FigureChange.objects.get(claim=claim)
    assert (fc.old_payable, fc.new_payable, fc.reason) == (
        80_000_000,
        50_000_000,
        "顧問先から追加請求",
    )
    assert check_figures()[0]
