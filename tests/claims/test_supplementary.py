"""Supplementary payments (追加支払): a paid claim reopened when more comes in.

The desk closes a paid claim, a client's late damage claim arrives, the claim is reopened,
assessed again as a whole and approved again: the new payout pays only the difference, pot by
pot, numbered 2; limits and authority apply to the cumulative total.
"""

import datetime
import io

import pytest
from pypdf import PdfReader

from claims.approvals import payouts
from claims.approvals.versions import claim_version
from claims.models import Claim, ClientDamage, Expense, Payout
from claims.services import ClaimError, claim_refresh_totals, claim_transition
from documents import rendering
from tests.claims.approval_helpers import awaiting_claim, late_damage_item, paid_and_reopened

pytestmark = pytest.mark.django_db
S = Claim.Status
TODAY = datetime.date.today()


def test_a_reopened_claim_pays_only_the_difference_as_payout_two(alice, carol):
    claim = paid_and_reopened(
        handler=alice, approver=carol, late_damage=300_000, late_expense=12_000
    )
    due = payouts.next_payment(claim, payouts_assessment(claim))
    assert (due.total_payable, due.previously_paid, due.amount, due.sequence) == (
        1_560_000,
        1_248_000,
        312_000,
        2,
    )
    with pytest.raises(ClaimError, match="1,560,000円"):  # the cumulative total is refused
        payouts.payout_approve(claim=claim, by=carol, amount=1_560_000)

    second = payouts.payout_approve(claim=claim, by=carol, amount=312_000)
    assert (second.sequence, second.amount, second.previously_paid, second.cumulative) == (
        2,
        312_000,
        1_248_000,
        1_560_000,
    )
    assert (second.liability_amount, second.expense_amount) == (300_000, 12_000)
    assert second.snapshot["payment"]["previously_paid"] == 1_248_000
    claim.refresh_from_db()
    assert claim.status == S.APPROVED
    assert claim.status_changes.last().reason == "追加支払の承認 (第2回)"

    payouts.payout_mark_paid(claim=claim, by=carol, paid_on=TODAY, reference="FB-2")
    paid = claim.payouts.filter(status=Payout.Status.PAID).order_by("sequence")
    assert [(p.sequence, p.amount) for p in paid] == [(1, 1_248_000), (2, 312_000)]


def payouts_assessment(claim):
    from coverage.adapters import claim_assessment

    return claim_assessment(claim).assessment


def test_nothing_more_to_pay_is_refused_with_the_figures_and_nothing_saved(alice, carol):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=0)
    problems = payouts.approval_problems(
        claim=claim, by=carol, assessment=payouts_assessment(claim)
    )
    assert any("追加でお支払いする金額がありません" in p for p in problems)
    with pytest.raises(ClaimError, match="既払額 1,248,000円"):
        payouts.payout_approve(claim=claim, by=carol, amount=0)
    assert claim.payouts.count() == 1
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_APPROVAL


def test_a_pot_assessed_below_what_was_paid_is_refused_not_netted(alice, carol):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=0)
    # the expense paid (48,000) turns out smaller; a new damage would hide it if netted
    Expense.objects.filter(claim=claim).update(amount=8_000)
    late_damage_item(claim, alice, 500_000)
    with pytest.raises(ClaimError, match="費用の査定額が既払額を下回っています"):
        payouts.payout_approve(claim=claim, by=carol, amount=460_000)
    assert claim.payouts.count() == 1


def test_authority_is_judged_on_the_cumulative_total(alice, carol, erin):
    # Carol's limit (10,000,000) covers the 9,000,000 top-up but not the 10,248,000 total
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=9_000_000)
    with pytest.raises(ClaimError, match="累計支払額 10,248,000円 \\(既払額 1,248,000円 を含む\\)"):
        payouts.payout_approve(claim=claim, by=carol, amount=9_000_000)
    assert claim.payouts.count() == 1
    assert payouts.payout_approve(claim=claim, by=erin, amount=9_000_000).sequence == 2


def test_the_plan_limit_caps_the_claim_as_a_whole_not_each_payment(alice, carol, erin):
    from coverage.models import Plan

    # 1,200,000 of liability paid; 9,500,000 more claimed under a 10,000,000 limit
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=9_500_000)
    Plan.objects.filter(code="cyber_standard").update(liability_limit=10_000_000)
    due = payouts.next_payment(claim, payouts_assessment(claim))
    assert (due.liability, due.expenses, due.amount) == (8_800_000, 0, 8_800_000)
    payout = payouts.payout_approve(claim=claim, by=erin, amount=8_800_000)
    assert payout.cumulative == 10_048_000


def test_approval_page_shows_the_cumulative_total_what_was_paid_and_the_top_up(
    client, alice, carol
):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    client.force_login(carol)
    html = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "査定 (現時点)" in html and "承認時の査定 (凍結)" not in html
    assert "株式会社遅延商事" in html
    assert "既払額 (第1回)" in html and "1,548,000円" in html
    assert '<td class="text-end fs-6 fw-bold" id="payment-due">300,000円</td>' in html
    assert 'name="amount" value="300000"' in html
    response = client.post(
        f"/approvals/{claim.number}/approve/",
        {"amount": "300000", "confirm": "on", "version": claim_version(claim)},
    )
    assert response.status_code == 302
    html = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "承認時の査定 (凍結) 第2回" in html
    assert "承認額 (第2回 追加支払)" in html
    # the payout panel lists the first, paid payout under the new one
    assert "第2回 追加支払 承認済み" in html
    assert "第1回 支払済み 1,248,000円" in html and "参照番号 FB-1" in html


def test_settlement_pdf_of_a_supplementary_payout_prints_paid_and_this_payment(alice, carol):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    # before approval: today's assessment less what was paid
    text = _pdf_text(claim)
    assert "お支払額 累計 (査定額) 1,548,000円" in text
    assert "既にお支払済みの額 − 1,248,000円" in text
    assert "今回のお支払額 300,000円" in text
    assert "株式会社遅延商事" in text
    payouts.payout_approve(claim=claim, by=carol, amount=300_000)
    text = _pdf_text(claim)
    assert "既にお支払済みの額 (第1回) − 1,248,000円" in text
    assert "今回のお支払額 (第2回) 300,000円" in text


def _pdf_text(claim) -> str:
    content = rendering.render_settlement_pdf(claim)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_the_incident_register_does_not_count_a_reopened_claims_payment_twice(alice, carol):
    from claims.incidents.register import incident_register

    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    register = incident_register(claim.incident)
    # expected to cost 1,548,000 in all, of which 1,248,000 is paid
    assert (register.total.payable, register.total.paid) == (1_548_000, 1_248_000)


def test_voiding_a_supplementary_payout_frees_its_number_and_keeps_the_paid_one(alice, carol):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    second = payouts.payout_approve(claim=claim, by=carol, amount=300_000)
    payouts.payout_void_and_reopen(claim=claim, by=carol, reason="追加請求の金額を再確認")
    second.refresh_from_db()
    assert second.status == Payout.Status.VOIDED
    ClientDamage.objects.filter(claim=claim, client_name="株式会社遅延商事").update(
        recognized=250_000
    )
    claim_refresh_totals(claim=claim)
    claim_transition(claim=claim, to=S.AWAITING_APPROVAL, by=alice, reason="")
    again = payouts.payout_approve(claim=claim, by=carol, amount=250_000)
    assert (again.sequence, again.previously_paid) == (2, 1_248_000)
    statuses = list(claim.payouts.order_by("pk").values_list("sequence", "status"))
    assert statuses == [(1, "paid"), (2, "voided"), (2, "approved")]


def test_approval_queue_shows_the_top_up_and_the_cumulative_total(client, alice, carol):
    reopened = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    fresh = awaiting_claim(handler=alice)
    client.force_login(carol)
    html = client.get("/approvals/").content.decode()
    row = html[html.index(reopened.number) : html.index("</tr>", html.index(reopened.number))]
    assert "追加支払" in row and "300,000円" in row and "累計 1,548,000円" in row
    other = html[html.index(fresh.number) : html.index("</tr>", html.index(fresh.number))]
    assert "追加支払" not in other and "1,248,000円" in other


def test_payout_csv_lists_both_payments_of_a_reopened_claim_in_order(client, alice, carol):
    import csv

    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    payouts.payout_approve(claim=claim, by=carol, amount=300_000)
    client.force_login(carol)
    body = client.get(f"/incidents/{claim.incident_id}/payouts.csv").content.decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(body)) if r[0] == claim.number]
    assert [(r[3], r[4], r[-1]) for r in rows] == [
        ("支払済み", "1", "1248000"),
        ("承認済み", "2", "300000"),
    ]


def test_the_claim_page_of_a_reopened_claim_shows_what_was_paid_and_the_top_up(
    client, alice, carol
):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    client.force_login(alice)
    html = client.get(f"/claims/{claim.number}/").content.decode()
    assert 'id="supplementary-due">既払額 1,248,000円 → <strong>追加支払 300,000円</strong>' in html
    fresh = awaiting_claim(handler=alice)
    assert "supplementary-due" not in client.get(f"/claims/{fresh.number}/").content.decode()


def test_new_and_changed_items_are_marked_on_the_approval_page_and_in_the_pdf(client, alice, carol):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=300_000)
    # the client also raised its first claim: 1,200,000 -> 1,300,000 recognized
    ClientDamage.objects.filter(claim=claim, client_name="株式会社山田製作所").update(
        claimed=1_300_000, recognized=1_300_000
    )
    claim_refresh_totals(claim=claim)
    client.force_login(carol)
    html = client.get(f"/approvals/{claim.number}/").content.decode()
    assert html.count('class="badge text-bg-info me-1 item-mark"') == 2
    assert 'item-mark">今回追加</span>株式会社遅延商事' in html
    assert 'item-mark">前回 1,200,000円から変更</span>株式会社山田製作所' in html

    text = _pdf_text(claim)
    assert "【今回追加】株式会社遅延商事" in text
    assert "【前回 1,200,000円から変更】株式会社山田製作所" in text
    assert text.count("【") == 4  # the two lines and the note that explains them
    assert "※【今回追加】は前回のお支払の後に追加された明細" in text
    # once approved, the frozen snapshot on the approval page keeps the same marks
    payouts.payout_approve(claim=claim, by=carol, amount=400_000)
    html = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "承認時の査定 (凍結) 第2回" in html
    assert html.count('class="badge text-bg-info me-1 item-mark"') == 2
    assert 'item-mark">今回追加</span>株式会社遅延商事' in html
    # the first payment's own summary marks nothing
    first = Payout.objects.get(claim=claim, sequence=1)
    assert payouts.earlier_payout(claim, first) is None
