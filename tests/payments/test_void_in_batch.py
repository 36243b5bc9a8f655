"""A payout already in a 総合振込 batch the bank may be paying cannot be voided behind the
payer's back: the supervisor is told to have the batch cancelled first, nothing changes,
and the batch can still be marked paid."""

import pytest
from django.utils import timezone

from claims.approvals import payouts
from claims.models import Claim, Payout
from claims.services import ClaimError
from payments import services
from payments.models import PaymentBatch
from tests.payments.helpers import approved_claim

TODAY = timezone.localdate


def test_a_payout_in_an_open_batch_cannot_be_voided_until_the_batch_is_cancelled(
    alice, carol, erin, frank
):
    claim = approved_claim(handler=alice, approver=carol)
    batch = services.batch_create(by=frank, transfer_date=TODAY(), payouts=[claim.payouts.get()])
    services.batch_file(batch=batch, by=frank)

    with pytest.raises(ClaimError, match=f"振込バッチ {batch.pk} .*取り消し"):
        payouts.payout_void_and_reopen(claim=claim, by=erin, reason="顧問先が請求を取下げ")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert claim.payouts.get().status == Payout.Status.APPROVED
    # the bank paid the file: the desk can still record it
    services.batch_mark_paid(batch=batch, by=frank, paid_on=TODAY(), reference="FB-1")
    assert PaymentBatch.objects.get(pk=batch.pk).status == PaymentBatch.Status.PAID

    # a batch cancelled first frees the payout: it can be voided and the claim withdrawn
    other = approved_claim(handler=alice, approver=carol)
    batch = services.batch_create(by=frank, transfer_date=TODAY(), payouts=[other.payouts.get()])
    services.batch_cancel(batch=batch, by=frank, reason="取下げの連絡あり")
    payouts.payout_void_and_reopen(claim=other, by=erin, reason="顧問先が請求を取下げ")
    assert other.payouts.get().status == Payout.Status.VOIDED


def test_a_payout_in_an_open_batch_is_not_marked_paid_by_hand_as_well(alice, carol, erin, frank):
    claim = approved_claim(handler=alice, approver=carol)
    batch = services.batch_create(by=frank, transfer_date=TODAY(), payouts=[claim.payouts.get()])
    services.batch_file(batch=batch, by=frank)

    with pytest.raises(ClaimError, match=f"振込バッチ {batch.pk} "):
        payouts.payout_mark_paid(claim=claim, by=erin, paid_on=TODAY(), reference="HAND-1")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert claim.payouts.get().status == Payout.Status.APPROVED
    services.batch_mark_paid(batch=batch, by=frank, paid_on=TODAY(), reference="FB-1")
    assert claim.payouts.get().payment_reference == "FB-1"
