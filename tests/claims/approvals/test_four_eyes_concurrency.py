"""Four eyes under real concurrency (issue 16): 20 threads, each on its own PostgreSQL
connection, race approve / waive / mark-paid on one claim, some threads sharing a
supervisor, some supervisors excluded by the four-eyes rule or their authority. Exactly one
of each money event happens, none by an excluded person, and nothing but ClaimError
escapes."""

import datetime
import time

import pytest

from claims.approvals import payouts
from claims.approvals.versions import claim_version
from claims.models import Claim, Payout, Recovery, StatusChange
from claims.services import (
    ClaimError,
    claim_assign,
    claim_refresh_totals,
    claim_transition,
    claim_update_facts,
)
from coverage.adapters import claim_assessment
from tests.claims.approval_helpers import awaiting_claim, late_damage_item
from tests.claims.approvals.test_payouts_concurrency import THREADS, _race, on_postgres  # noqa: F401
from tests.conftest import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = Claim.Status
TODAY = datetime.date.today()
ACTIONS = ("approve", "waive", "mark_paid")
PERMANENT = ("四つの目", "承認権限", "監督者のみ")  # refusals a retry cannot cure
HEAD_START = 0.3  # seconds


def claim_with_an_open_refund(*, alice, erin, requester, editor):
    """Paid 1,248,000 (approved and paid by erin); reopened on a Q7 election and the whole
    amount asked back by `requester`; reopened again when the insured went back on it,
    `editor` changing a fact while it was unassigned, a late 100,000 damage added, and sent
    to approval by alice. Approving now pays 1,348,000 (the refund counts as asked for) or,
    after a waiver, 100,000."""
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=erin, amount=1_248_000)
    payouts.payout_mark_paid(claim=claim, by=erin, paid_on=TODAY, reference="FB-1")
    claim_transition(claim=claim, to=S.CLOSED, by=erin, reason="支払完了")
    claim_transition(claim=claim, to=S.UNDER_ASSESSMENT, by=alice, reason="Q7 直接請求")
    Claim.objects.filter(pk=claim.pk).update(direct_recovery_elected=True)
    claim_refresh_totals(claim=claim)
    claim_transition(claim=claim, to=S.AWAITING_APPROVAL, by=alice, reason="")
    payouts.recovery_request(claim=claim, by=requester, amount=1_248_000, reason="Q7")
    claim_transition(claim=claim, to=S.UNDER_ASSESSMENT, by=alice, reason="Q7 撤回")
    Claim.objects.filter(pk=claim.pk).update(direct_recovery_elected=False, handler=None)
    claim.refresh_from_db()
    claim_update_facts(claim=claim, by=editor, talks_difficult=True)
    claim_assign(claim=claim, handler=alice, by=erin)
    late_damage_item(claim, alice, 100_000)
    claim_refresh_totals(claim=claim)
    claim_transition(claim=claim, to=S.AWAITING_APPROVAL, by=alice, reason="")
    return claim


def test_twenty_threads_race_approve_waive_and_mark_paid_with_four_eyes(
    on_postgres,  # noqa: F811
    alice,
    erin,
):
    requester = make_user("req", "supervisor", limit=200_000_000)
    editor = make_user("ed", "supervisor", limit=200_000_000)
    small = make_user("small", "supervisor", limit=1_000_000)
    fine = [make_user(f"ok{i}", "supervisor", limit=200_000_000) for i in range(3)]
    pool = [requester, editor, small, *fine, erin]  # 7 people over 20 threads
    excluded = {requester.pk, editor.pk, alice.pk}  # four eyes
    barred = {requester.pk, editor.pk, small.pk}
    claim = claim_with_an_open_refund(alice=alice, erin=erin, requester=requester, editor=editor)
    recovery = Recovery.objects.get(claim=claim)
    assert recovery.status == Recovery.Status.REQUESTED
    paid_before = StatusChange.objects.filter(claim=claim, to_status=S.PAID).count()

    def attempt(action, who):
        fresh = Claim.objects.select_related("policy__plan", "incident").get(pk=claim.pk)
        if action == "approve":
            if fresh.status != S.AWAITING_APPROVAL:
                return "moot"
            due = payouts.next_payment(fresh, claim_assessment(fresh).assessment)
            payouts.payout_approve(
                claim=fresh, by=who, amount=due.amount, version=claim_version(fresh)
            )
        elif action == "waive":
            if Recovery.objects.get(pk=recovery.pk).status != Recovery.Status.REQUESTED:
                return "moot"
            payouts.recovery_settle(
                recovery=recovery, by=who, outcome="waived", on=TODAY, note="少額のため"
            )
        else:
            if fresh.status == S.PAID:
                return "moot"
            payouts.payout_mark_paid(claim=fresh, by=who, paid_on=TODAY, reference=f"FB-{who}")
        return "done"

    def worker(i, barrier):
        """A supervisor who keeps trying one action, as one reloading the page would, until
        it is done, no longer needed, or refused for good."""
        action, who = ACTIONS[i % 3], pool[i % len(pool)]
        refusals = []
        barrier.wait()
        if who.pk not in barred:
            time.sleep(HEAD_START)  # the barred go first: the claim is still open to them
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                outcome = attempt(action, who)
            except ClaimError as refused:
                refusals.append(str(refused))
                if any(word in str(refused) for word in PERMANENT):
                    return (action, who.pk, "refused", refusals)
                time.sleep(0.05)
                continue
            return (action, who.pk, outcome, refusals)
        return (action, who.pk, "gave up", refusals)

    results = _race(worker)

    escaped = [r for r in results if not isinstance(r, tuple)]
    assert escaped == [], escaped  # only ClaimError, caught above, ever left a service
    done = [(action, who) for action, who, outcome, _ in results if outcome == "done"]
    assert sorted(action for action, _ in done) == sorted(ACTIONS)  # one of each
    assert not [r for r in results if r[2] == "gave up"]
    for action, who in done:
        assert who not in excluded, (action, who)

    new = Payout.objects.filter(claim=claim, sequence=2)
    assert new.count() == 1
    payout = new.get()
    assert payout.status == Payout.Status.PAID
    assert payout.approved_by_id not in excluded | {small.pk}  # authority 1,000,000 < total
    assert payout.amount in {1_348_000, 100_000}  # before or after the waiver
    recovery.refresh_from_db()
    assert recovery.status == Recovery.Status.WAIVED
    assert recovery.settled_by_id not in excluded | {small.pk}  # 1,248,000 > 1,000,000
    paid = StatusChange.objects.filter(claim=claim, to_status=S.PAID).order_by("id")
    assert paid.count() == paid_before + 1
    assert paid.last().by_id not in excluded
    # the excluded tried first and were told why; the small authority was refused for it
    told = {who for _, who, outcome, refusals in results if outcome == "refused" and refusals}
    four_eyes = {
        who for _, who, outcome, refusals in results if refusals and "四つの目" in refusals[-1]
    }
    assert four_eyes == {requester.pk, editor.pk}
    assert told == {requester.pk, editor.pk, small.pk}
