"""The damage letter (損害額のご案内) of a claim reassessed below what it was paid: it asks
for the overpayment back, as the settlement summary does, never a negative payment."""

import pytest

from documents import rendering
from tests.claims.approvals.test_lifecycle_money import overpaid_and_closed
from tests.claims.approvals.test_recoveries import q7_after_payment
from tests.documents.pdf_helpers import pdf_pages_text, squash

pytestmark = pytest.mark.django_db


def _text(claim) -> str:
    return squash("".join(pdf_pages_text(rendering.render_damage_letter_pdf(claim))))


def test_a_reassessment_below_what_was_paid_asks_for_the_overpayment_back(alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    text = _text(claim)
    assert "-1,248,000" not in text and "−-" not in text
    assert squash("過払い額 (ご返還をお願いする額)1,248,000円") in text


def test_after_the_refund_request_the_letter_names_the_refund(alice, carol, erin):
    claim, _ = overpaid_and_closed(alice, carol, erin)
    text = _text(claim)
    assert squash("過払いのご返還 (返還請求中)− 200,000円") in text
    assert squash("ご返還後のお支払額 累計1,048,000円") in text  # as the queue stores it
    claim.refresh_from_db()
    assert claim.total_payable == 1_048_000


def _settlement_text(claim) -> str:
    return squash("".join(pdf_pages_text(rendering.render_settlement_pdf(claim))))


def test_a_refund_already_netted_in_what_was_paid_is_not_subtracted_again(alice, carol, erin):
    from claims.approvals import payouts
    from claims.models import ClientDamage
    from claims.services import claim_refresh_totals, claim_transition

    claim, _ = overpaid_and_closed(alice, carol, erin)  # paid 1,248,000, 200,000 asked back
    claim_transition(claim=claim, to="under_assessment", by=alice, reason="顧問先から再請求")
    ClientDamage.objects.filter(claim=claim).update(recognized=1_100_000)
    claim_refresh_totals(claim=claim)
    claim_transition(claim=claim, to="awaiting_approval", by=alice, reason="")
    claim.refresh_from_db()
    for text in (_settlement_text(claim), _text(claim)):
        assert squash("既にお支払済みの額") in text and squash("− 1,048,000円") in text
        assert (
            squash("今回のお支払見込額100,000円") in text
            or squash("今回のお支払額100,000円") in text
        )
        # the refund is part of the 1,048,000, not a second deduction after the payment
        assert squash("過払いのご返還 (返還請求中)− 200,000円") not in text
        assert squash("過払いのご返還 200,000円 (返還請求中) を差し引いた額") in text

    payouts.payout_approve(claim=claim, by=carol, amount=100_000)
    claim.refresh_from_db()
    for text in (_settlement_text(claim), _text(claim)):
        assert squash("過払いのご返還 (返還請求中)− 200,000円") not in text
        assert squash("過払いのご返還 200,000円 (返還請求中) を差し引いた額") in text
