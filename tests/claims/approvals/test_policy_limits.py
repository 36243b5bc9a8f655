"""Limits erode per policy (issue 15, items 1 and 8): the Q6 limits and sub-limits apply to
the policy across all its claims, and so does a supervisor's approval authority.

One insured, one policy, two claims (80,000,000 and 70,000,000 yen of liability): the policy
pays at most its 100,000,000 yen liability limit, and the second claim says why it pays less.
"""

import re

import pytest
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claims.approvals import payouts
from claims.approvals.policy_limits import sibling_claim_ids
from claims.models import Claim, ClientDamage, Expense, Payout, Recovery
from claims.services import ClaimError, claim_refresh_totals, claim_transition
from coverage import vocab
from coverage.adapters import claim_assessment
from coverage.models import ExpenseSublimit
from tests.claims.approval_helpers import file_documents
from tests.conftest import make_claim, make_policy, make_user

pytestmark = pytest.mark.django_db
S = Claim.Status
NEW = reverse("claims:new")


def live_total(policy) -> int:
    return (
        Payout.objects.filter(claim__policy=policy, status__in=payouts.LIVE).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- through the real forms -----------------------------------------------------------------


def file_claim(client, handler, policy, incident, amount, client_name):
    """A handler files the accident report, enters one client's damage and sends it to
    approval, all through the desk's own views."""
    client.force_login(handler)
    response = client.post(
        NEW,
        {
            "policy": str(policy.pk),
            "incident": str(incident.pk),
            "noticed_on": "2023-06-06",
            "description": "社労夢が停止し、顧問先の給与計算が遅延",
            "action": "submit",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    claim = Claim.objects.filter(policy=policy, created_by=handler).latest("pk")
    action = reverse("claims:action", args=[claim.number])
    assert client.post(action, {"action": "start_assessment"}).status_code == 302
    response = client.post(
        reverse("claims:item_add", args=[claim.number, "damages"]),
        {
            "add-damages-client_name": client_name,
            "add-damages-kind": "business_interruption",
            "add-damages-description": "給与支払遅延による損害",
            "add-damages-claimed": f"{amount:,}",
            "add-damages-recognized": str(amount),
            "add-damages-legally_liable": "on",
            "add-damages-activity": "it_user_act",
            "add-damages-cause": "provider_attack",
        },
    )
    assert response.status_code == 302
    file_documents(claim, by=handler)  # Q1: substantiation and claim documents on file
    assert client.post(action, {"action": "send_to_approval"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_APPROVAL
    return claim


def page_version(client, claim) -> str:
    """The claim version the approval page hands its form (what the supervisor saw)."""
    page = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()
    return re.search(r'name="version" value="([^"]+)"', page).group(1)


def approve_post(client, claim, amount):
    return client.post(
        reverse("approvals:approve", args=[claim.number]),
        {"amount": str(amount), "confirm": "on", "version": page_version(client, claim)},
        follow=True,
    )


def test_two_claims_of_one_policy_never_pay_more_than_its_liability_limit(
    client, alice, bob, erin, mk_incident
):
    policy = make_policy("cyber_standard")
    first = file_claim(client, alice, policy, mk_incident, 80_000_000, "株式会社A商事")
    second = file_claim(client, bob, policy, mk_incident, 70_000_000, "株式会社B工業")

    client.force_login(erin)
    # before either is approved, each approval page names the other one waiting
    page = client.get(reverse("approvals:detail", args=[first.number])).content.decode()
    assert f"同じ証券の承認待ちの事故: {second.number} (支払見込額 70,000,000円)" in page
    response = approve_post(client, first, 80_000_000)
    assert "の支払を承認しました" in " ".join(messages_of(response))
    # paid, so the second claim no longer even looks like a duplicate of an open one
    response = client.post(
        reverse("approvals:mark_paid", args=[first.number]),
        {"paid-paid_on": timezone.localdate().isoformat(), "paid-reference": "FB-0001"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == S.PAID

    # The second claim's page: the policy's limit, what the first used, what is left.
    client.force_login(bob)
    html = client.get(reverse("claims:detail", args=[second.number])).content.decode()
    assert "この証券の限度額の使用状況" in html
    assert "他の事故で使用済み" in html and "80,000,000円" in html
    assert "20,000,000円" in html  # what is left, and what the claim now pays
    assert (
        f"賠償責任: 査定額 70,000,000円 のうち、この証券の残りの限度額 20,000,000円 までお支払い"
        f"します (限度額 100,000,000円 のうち他の事故 {first.number} で 80,000,000円 使用済み、Q6)"
    ) in html
    assert 'data-total="payable" id="total-payable">20,000,000円' in html

    # The supervisor approving the amount she saw before the first payout is refused,
    # with the new amount named; the approval page offers what is left.
    client.force_login(erin)
    response = approve_post(client, second, 70_000_000)
    refused = " ".join(messages_of(response))
    assert "承認しようとした金額 70,000,000円 は現在の査定額 20,000,000円 と異なります" in refused
    assert "同じ証券の他の事故の支払により限度額の残りが減りました" in refused
    assert live_total(policy) == 80_000_000
    page = client.get(reverse("approvals:detail", args=[second.number])).content.decode()
    assert "この証券の限度額の使用状況" in page and 'id="limit-cut-note"' in page
    assert 'name="amount" value="20000000"' in page

    response = approve_post(client, second, 20_000_000)
    assert "の支払を承認しました" in " ".join(messages_of(response))
    assert live_total(policy) == 100_000_000
    payout = Payout.objects.get(claim=second, status__in=payouts.LIVE)
    assert (payout.amount, payout.liability_amount) == (20_000_000, 20_000_000)
    # the snapshot keeps the policy's usage at approval time
    used = payout.snapshot["policy_limits"]["used_by_others"]
    assert used["liability"] == 80_000_000 and used["claims"] == [first.number]


def test_stored_total_and_settlement_pdf_use_the_policy_limits(alice, erin):
    from documents.pdf_context import settlement_context

    policy = make_policy("cyber_standard")
    first = awaiting(alice, policy, liability=80_000_000)
    second = awaiting(alice, policy, liability=70_000_000)
    payouts.payout_approve(claim=first, by=erin, amount=80_000_000)

    claim_refresh_totals(claim=second)
    second.refresh_from_db()
    assert second.total_payable == 20_000_000  # what the queue and the CSV show

    context = settlement_context(second)
    assert context["total_payable"] == 20_000_000
    assert context["liability_policy"]["text"] == (
        "限度額 100,000,000円 / 他の事故で使用済み 80,000,000円 / 残り 20,000,000円"
    )
    assert [row["key"] for row in context["limit_cuts"]] == ["liability"]
    html = render_to_string("documents/pdf/settlement_summary.html", context)
    assert "賠償責任 限度額 (証券ごと)" in html
    assert "他の事故で使用済み 80,000,000円 / 残り 20,000,000円" in html
    assert "限度額の残りによる減額" in html and "までお支払いします" in html

    # approved: the PDF prints the usage the payout froze, not today's
    payouts.payout_approve(claim=second, by=erin, amount=20_000_000)
    payouts.payout_void_and_reopen(claim=first, by=erin, reason="承認の誤り")
    context = settlement_context(second)
    assert context["payout"] is not None and context["total_payable"] == 20_000_000
    assert context["liability_policy"]["used"] == 80_000_000
    assert f"他の事故 {first.number} で" in context["limit_cuts"][0]["why"]
    assert sibling_claim_ids(policy, exclude=first) == [second.pk]


# --- the service, case by case ---------------------------------------------------------------


def awaiting(handler, policy, *, liability=0, expenses=(), status=S.AWAITING_APPROVAL):
    """A claim of `policy` with one client damage and (category, amount) expenses."""
    claim = make_claim(created_by=handler, handler=handler, status=status, policy=policy)
    if liability:
        ClientDamage.objects.create(
            claim=claim,
            client_name="株式会社山田製作所",
            kind=vocab.KIND_BUSINESS_INTERRUPTION,
            claimed=liability,
            recognized=liability,
            created_by=handler,
            updated_by=handler,
        )
    for category, amount in expenses:
        Expense.objects.create(
            claim=claim,
            category=category,
            description="費用",
            amount=amount,
            created_by=handler,
            updated_by=handler,
        )
    claim_refresh_totals(claim=claim)
    file_documents(claim, by=handler)  # Q1: substantiation and claim documents on file
    return claim


def due_of(claim):
    claim = Claim.objects.get(pk=claim.pk)
    return payouts.next_payment(claim, claim_assessment(claim).assessment)


def test_a_sublimit_applies_across_the_policys_claims(alice, erin):
    policy = make_policy("cyber_standard")
    ExpenseSublimit.objects.create(
        plan=policy.plan, category=vocab.CATEGORY_CALL_CENTER, limit=1_000_000
    )
    first = awaiting(alice, policy, expenses=[(vocab.CATEGORY_CALL_CENTER, 700_000)])
    second = awaiting(
        alice,
        policy,
        expenses=[
            (vocab.CATEGORY_CALL_CENTER, 600_000),
            (vocab.CATEGORY_CUSTOMER_NOTIFICATION, 50_000),
        ],
    )
    payouts.payout_approve(claim=first, by=erin, amount=700_000)

    ca = claim_assessment(Claim.objects.get(pk=second.pk))
    call_center = next(c for c in ca.assessment.categories if c.category == "call_center")
    assert (call_center.sublimit, call_center.allowed) == (300_000, 300_000)
    assert ca.assessment.total_payable == 300_000 + 50_000
    row = next(r for r in ca.policy_limits if r["key"] == "call_center")
    assert (row["limit"], row["used"], row["remaining"], row["reduced"]) == (
        1_000_000,
        700_000,
        300_000,
        True,
    )
    with pytest.raises(ClaimError, match="現在の査定額 350,000円"):
        payouts.payout_approve(claim=second, by=erin, amount=650_000)
    payouts.payout_approve(claim=second, by=erin, amount=350_000)
    assert live_total(policy) == 1_050_000


def test_a_refund_frees_the_limit_again_and_a_waiver_does_not(alice, erin):
    policy = make_policy("cyber_standard")
    first = awaiting(alice, policy, liability=80_000_000)
    second = awaiting(alice, policy, liability=70_000_000)
    payouts.payout_approve(claim=first, by=erin, amount=80_000_000)
    payouts.payout_mark_paid(claim=first, by=erin, paid_on=timezone.localdate(), reference="FB-1")
    assert due_of(second).amount == 20_000_000

    # The first claim is reassessed at 50,000,000: 30,000,000 is asked back.
    claim_transition(claim=first, to=S.CLOSED, by=erin, reason="支払完了")
    claim_transition(claim=first, to=S.UNDER_ASSESSMENT, by=alice, reason="認定額の見直し")
    ClientDamage.objects.filter(claim=first).update(recognized=50_000_000)
    claim_refresh_totals(claim=first)
    claim_transition(claim=first, to=S.AWAITING_APPROVAL, by=alice, reason="")
    recovery = payouts.recovery_request(
        claim=first, by=erin, amount=30_000_000, reason="認定額の誤り"
    )
    assert due_of(second).amount == 50_000_000  # 100M − (80M paid − 30M asked back)

    # a waiver is a second supervisor's money decision (four eyes against the requester)
    grace = make_user("grace", "supervisor", limit=200_000_000)
    payouts.recovery_settle(
        recovery=recovery,
        by=grace,
        outcome=Recovery.Status.WAIVED,
        on=timezone.localdate(),
        note="少額のため免除",
    )
    assert due_of(second).amount == 20_000_000  # the insured kept it: used again


def test_a_claims_own_earlier_payment_is_not_counted_as_another_claims(alice, erin):
    policy = make_policy("cyber_standard")
    first = awaiting(alice, policy, liability=80_000_000)
    payouts.payout_approve(claim=first, by=erin, amount=80_000_000)
    payouts.payout_mark_paid(claim=first, by=erin, paid_on=timezone.localdate(), reference="FB-1")
    claim_transition(claim=first, to=S.CLOSED, by=erin, reason="支払完了")
    claim_transition(claim=first, to=S.UNDER_ASSESSMENT, by=alice, reason="追加請求")
    ClientDamage.objects.create(
        claim=first,
        client_name="株式会社遅延商事",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        claimed=15_000_000,
        recognized=15_000_000,
        created_by=alice,
        updated_by=alice,
    )
    # its own 80,000,000 does not shrink its limit: 95M is due in all, 15M more now
    assert due_of(first).amount == 15_000_000

    # another claim of the policy paid 10,000,000 in the meantime: 90M left for this one
    other = awaiting(alice, policy, liability=10_000_000)
    payouts.payout_approve(claim=other, by=erin, amount=10_000_000)
    due = due_of(first)
    assert (due.total_payable, due.previously_paid, due.amount) == (
        90_000_000,
        80_000_000,
        10_000_000,
    )
    claim_transition(claim=first, to=S.AWAITING_APPROVAL, by=alice, reason="")
    payouts.payout_approve(claim=first, by=erin, amount=10_000_000)
    assert live_total(policy) == 100_000_000


def test_authority_is_judged_on_the_policys_total(client, alice, carol, erin):
    """carol may approve 10,000,000: a 12,000,000 loss split into two 6,000,000 claims
    still needs the authority of 12,000,000."""
    policy = make_policy("cyber_standard")
    first = awaiting(alice, policy, liability=6_000_000)
    second = awaiting(alice, policy, liability=6_000_000)
    payouts.payout_approve(claim=first, by=carol, amount=6_000_000)

    with pytest.raises(ClaimError) as refused:
        payouts.payout_approve(claim=second, by=carol, amount=6_000_000)
    message = str(refused.value)
    assert "この証券の累計支払額 12,000,000円" in message
    assert f"他の事故 {first.number} の既払額 6,000,000円" in message
    assert "承認権限は証券ごとの累計で判定します" in message
    assert "承認権限額 10,000,000円 を超えています" in message

    client.force_login(carol)
    page = client.get(reverse("approvals:detail", args=[second.number])).content.decode()
    assert "この証券の累計支払額 12,000,000円" in page
    assert 'id="policy-authority-note"' in page
    queue = client.get(reverse("approvals:queue")).content.decode()
    assert "権限超過" in queue

    payouts.payout_approve(claim=second, by=erin, amount=6_000_000)
    assert live_total(policy) == 12_000_000


def test_nothing_left_on_the_policy_refuses_with_the_reason(alice, erin):
    policy = make_policy("cyber_standard")
    first = awaiting(alice, policy, liability=100_000_000)
    second = awaiting(alice, policy, liability=5_000_000)
    payouts.payout_approve(claim=first, by=erin, amount=100_000_000)
    with pytest.raises(ClaimError, match="他の事故の支払で使い切られているため、支払額は0円"):
        payouts.payout_approve(claim=second, by=erin, amount=0)
    problems = payouts.approval_problems(
        claim=Claim.objects.get(pk=second.pk),
        by=erin,
        assessment=claim_assessment(second).assessment,
    )
    assert any("使い切られている" in p for p in problems)
    assert live_total(policy) == 100_000_000


def test_claims_of_other_policies_do_not_count(alice, erin):
    first = awaiting(alice, make_policy("cyber_standard"), liability=80_000_000)
    second = awaiting(alice, make_policy("cyber_standard"), liability=70_000_000)
    payouts.payout_approve(claim=first, by=erin, amount=80_000_000)
    ca = claim_assessment(Claim.objects.get(pk=second.pk))
    assert ca.assessment.total_payable == 70_000_000
    assert ca.limit_cuts == [] and not ca.usage.any_used
