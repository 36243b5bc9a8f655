"""Two payers confirm the same 総合振込 batch at the same moment, each on their own
PostgreSQL connection: every payout of the batch is paid exactly once, with one date and one
reference, and the one who came second is told in Japanese what was recorded (or nothing
changes for them when they typed the same). SQLite serialises writers, so these run in
.ci/run's PostgreSQL pass."""

import pytest

from claims.models import Claim, Payout, StatusChange
from claims.services import ClaimError
from payments import services
from payments.models import PaymentBatch
from tests.claims.approvals.test_payouts_concurrency import _race, on_postgres  # noqa: F401
from tests.conftest import make_user
from tests.payments.helpers import approved_claim, make_frank
from tests.payments.test_batches import TODAY, _batch

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("on_postgres"),
]


def _filed_batch(alice, bob, carol, frank):
    claims = [
        approved_claim(handler=alice, approver=carol),
        approved_claim(handler=bob, approver=carol),
    ]
    batch = _batch(frank, claims)
    services.batch_file(batch=batch, by=frank)
    return batch, claims


def _mark(batch, payers, references):
    def worker(i, barrier):
        mine = PaymentBatch.objects.get(pk=batch.pk)
        barrier.wait()
        try:
            services.batch_mark_paid(
                batch=mine, by=payers[i], paid_on=TODAY(), reference=references[i]
            )
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("paid", None)

    results = _race(worker, n=len(payers))
    assert [r for r in results if not isinstance(r, tuple)] == []  # nothing else escaped
    return results


def _paid_once(claims, reference):
    for claim in claims:
        claim.refresh_from_db()
        payout = claim.payouts.get()
        assert claim.status == Claim.Status.PAID
        assert (payout.status, payout.payment_reference) == (Payout.Status.PAID, reference)
        assert StatusChange.objects.filter(claim=claim, to_status="paid").count() == 1
        assert payout.history.filter(status=Payout.Status.PAID).count() == 1


def test_two_payers_confirm_a_batch_at_once_with_the_same_reference(alice, bob, carol):
    frank, grace = make_frank(), make_user("grace", "payer", last_name="石井", first_name="恵")
    batch, claims = _filed_batch(alice, bob, carol, frank)

    results = _mark(batch, [frank, grace], ["FB-20261130", "FB-20261130"])

    assert [r[0] for r in results] == ["paid", "paid"]  # the second changed nothing
    _paid_once(claims, "FB-20261130")
    batch.refresh_from_db()
    assert (batch.status, batch.reference) == (PaymentBatch.Status.PAID, "FB-20261130")


def test_two_payers_with_different_references_one_is_recorded_the_other_told(alice, bob, carol):
    frank, grace = make_frank(), make_user("grace", "payer", last_name="石井", first_name="恵")
    batch, claims = _filed_batch(alice, bob, carol, frank)

    results = _mark(batch, [frank, grace], ["FB-A", "FB-B"])

    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["paid", "refused"]
    winner = "FB-A" if results[0][0] == "paid" else "FB-B"
    refusal = next(message for outcome, message in results if outcome == "refused")
    assert "既に" in refusal and winner in refusal  # names what was recorded
    _paid_once(claims, winner)
    batch.refresh_from_db()
    assert batch.reference == winner


def test_a_void_and_a_batch_at_once_never_leave_a_voided_payout_in_a_batch(alice, bob, carol):
    """A supervisor voids an approved payout while the payer gathers it into a batch, each on
    its own connection: one of them wins. Either the payout is voided and the batch does not
    hold it (the batch is refused or holds nothing of it), or the batch holds it and the void
    is refused naming the batch — never a voided payout in a live batch the bank may pay."""
    from claims.approvals import payouts
    from payments.models import BatchItem

    frank = make_frank()
    erin = make_user("erin", "supervisor", limit=200_000_000)
    claim = approved_claim(handler=alice, approver=carol)
    payout = claim.payouts.get()

    def worker(i, barrier):
        mine = Claim.objects.get(pk=claim.pk)
        barrier.wait()
        try:
            if i == 0:
                payouts.payout_void_and_reopen(claim=mine, by=erin, reason="顧問先が取下げ")
            else:
                services.batch_create(by=frank, transfer_date=TODAY(), payouts=[payout])
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("done", None)

    results = _race(worker, n=2)
    assert [r for r in results if not isinstance(r, tuple)] == []
    payout.refresh_from_db()
    in_batch = BatchItem.objects.filter(payout=payout, live=True).exists()
    if payout.status == Payout.Status.VOIDED:
        assert results[0][0] == "done" and not in_batch
    else:
        assert (payout.status, in_batch) == (Payout.Status.APPROVED, True)
        assert results[0][0] == "refused" and "振込バッチ" in results[0][1]
