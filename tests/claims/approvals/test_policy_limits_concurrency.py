"""Limits per policy under real concurrency: 20 supervisors approve 20 different claims of
one policy at the same moment (each thread on its own PostgreSQL connection). Together the
claims ask for more than the policy's liability limit; the policy lock serializes the
approvals, so the live payouts never exceed the limit."""

import pytest
from django.db.models import Sum

from claims.approvals import payouts
from claims.approvals.versions import claim_version
from claims.models import Claim, Payout
from claims.services import ClaimError
from coverage.adapters import claim_assessment
from tests.claims.approval_helpers import awaiting_claim
from tests.claims.approvals.test_payouts_concurrency import _race, _supervisors, on_postgres  # noqa: F401
from tests.conftest import make_policy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("on_postgres"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
THREADS = 20
EACH = 8_000_000  # 20 × 8,000,000 = 160,000,000 against a 100,000,000 liability limit
LIMIT = 100_000_000


def _claims_of_one_policy(handler):
    policy = make_policy("cyber_standard")
    claims = [
        awaiting_claim(handler=handler, liability=EACH, expense=0, policy=policy)
        for _ in range(THREADS)
    ]
    return policy, claims


def _live(policy):
    return Payout.objects.filter(claim__policy=policy, status__in=payouts.LIVE).aggregate(
        total=Sum("liability_amount")
    )["total"]


def test_twenty_approvals_on_one_policy_never_exceed_its_limit(alice):
    policy, claims = _claims_of_one_policy(alice)
    assert all(c.total_payable == EACH for c in claims)
    sups = _supervisors(THREADS)

    def approve(i, barrier):
        mine = Claim.objects.get(pk=claims[i].pk)
        barrier.wait()
        try:
            # the amount each supervisor saw before anyone approved
            payout = payouts.payout_approve(claim=mine, by=sups[i], amount=EACH)
        except ClaimError as refused:
            # refused cleanly: look again and approve what is due now, if anything
            due = payouts.next_payment(mine, claim_assessment(mine).assessment)
            try:
                payout = payouts.payout_approve(claim=mine, by=sups[i], amount=due.amount)
            except ClaimError as again:
                return ("refused", str(refused), str(again))
            return ("rest", payout.amount, str(refused))
        return ("approved", payout.amount)

    results = _race(approve)
    escaped = [r for r in results if not isinstance(r, tuple)]
    assert escaped == [], escaped  # no IntegrityError, deadlock or anything else escaped
    outcomes = [r[0] for r in results]
    assert outcomes.count("approved") == LIMIT // EACH  # 12 full claims
    rests = [r for r in results if r[0] == "rest"]
    assert [r[1] for r in rests] == [LIMIT - (LIMIT // EACH) * EACH]  # one pays the 4M left
    assert "同じ証券の他の事故の支払により限度額の残りが減りました" in rests[0][2]
    refused = [r for r in results if r[0] == "refused"]
    assert len(refused) == THREADS - LIMIT // EACH - 1
    assert all("異なります" in r[1] for r in refused)
    # the second look found nothing left, or the 4M already taken by another thread
    assert all("使い切られている" in r[2] or "異なります" in r[2] for r in refused)
    assert _live(policy) == LIMIT
    assert Payout.objects.filter(claim__policy=policy).count() == LIMIT // EACH + 1


def test_twenty_approve_posts_on_one_policy_give_no_500_and_stay_within_the_limit(alice):
    from django.contrib.messages import get_messages
    from django.test import Client

    policy, claims = _claims_of_one_policy(alice)
    sups = _supervisors(THREADS)

    def post(i, barrier):
        client = Client()
        client.force_login(sups[i])
        version = claim_version(claims[i])  # what each supervisor's approval page showed
        barrier.wait()
        response = client.post(
            f"/approvals/{claims[i].number}/approve/",
            {"amount": EACH, "confirm": "on", "version": version},
        )
        notes = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
        return (response.status_code, notes)

    results = _race(post)
    escaped = [r for r in results if not isinstance(r, tuple)]
    assert escaped == [], escaped
    assert {code for code, _ in results} == {302}
    levels = [notes[0][0] for _, notes in results]
    assert levels.count("success") == LIMIT // EACH
    assert levels.count("error") == THREADS - LIMIT // EACH
    assert _live(policy) == (LIMIT // EACH) * EACH <= LIMIT
