"""A claim's money over its life, as the insured reads it: a transfer the bank returned
(組戻し) and paid again gets its own 保険金お支払のご案内, with the new date, reference and
account; the letter of the returned transfer stays on file as it was sent."""

from django.utils import timezone

from claims.models import Claim
from documents.models import Document
from documents.render_views import panel_context
from payments import services
from tests.documents.pdf_helpers import pdf_pages_text, squash
from tests.payments.helpers import ACCOUNT, approved_claim

TODAY = timezone.localdate


def _pay_by_batch(frank, claim, reference):
    batch = services.batch_create(by=frank, transfer_date=TODAY(), payouts=[claim.payouts.get()])
    services.batch_file(batch=batch, by=frank)
    services.batch_mark_paid(batch=batch, by=frank, paid_on=TODAY(), reference=reference)
    return batch


def _letters(claim):
    docs = Document.objects.filter(claim=claim, kind="payment_letter").order_by("pk")
    return [squash("".join(pdf_pages_text(d.file.read()))) for d in docs]


def test_a_returned_transfer_paid_again_gets_a_new_payment_letter(
    alice, bob, carol, frank, django_capture_on_commit_callbacks
):
    claim = approved_claim(handler=alice, approver=carol)
    with django_capture_on_commit_callbacks(execute=True):
        first = _pay_by_batch(frank, claim, "FB-FIRST")
    assert len(_letters(claim)) == 1 and "FB-FIRST" in _letters(claim)[0]
    assert "****567" in _letters(claim)[0]

    # the account was closed: the bank returns the transfer, a new account is confirmed
    services.item_return(
        item=first.items.get(), by=frank, returned_on=TODAY(), reason="口座解約済み"
    )
    new = services.account_enter(
        insured=claim.policy.insured, by=bob, **(ACCOUNT | {"account_number": "7654321"})
    )
    services.account_confirm(account=new, by=carol)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    with django_capture_on_commit_callbacks(execute=True):
        _pay_by_batch(frank, claim, "FB-AGAIN")

    letters = _letters(claim)
    assert len(letters) == 2, "the payment made again has no letter of its own"
    assert "FB-FIRST" in letters[0]  # the letter of the returned transfer, as it was sent
    assert "FB-AGAIN" in letters[1] and "****321" in letters[1]
    assert "FB-FIRST" not in letters[1] and "****567" not in letters[1]
    # the claim page offers the new letter as the current one
    row = next(r for r in panel_context(alice, claim)["rows"] if r["kind"] == "payment_letter")
    assert not row["stale"]
    assert "FB-AGAIN" in squash("".join(pdf_pages_text(row["doc"].file.read())))


def test_a_transfer_returned_after_the_claim_was_closed_can_still_be_recorded(alice, carol, frank):
    from claims.models import Payout, StatusChange
    from claims.services import claim_close

    claim = approved_claim(handler=alice, approver=carol)
    batch = _pay_by_batch(frank, claim, "FB-1")
    claim.refresh_from_db()
    claim_close(claim=claim, by=alice)  # the handler closes the file right after payment
    services.item_return(
        item=batch.items.get(), by=frank, returned_on=TODAY(), reason="口座番号相違"
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.paid_on is None
    assert claim.payouts.get().status == Payout.Status.APPROVED
    change = StatusChange.objects.filter(claim=claim).latest("at", "id")
    assert (change.from_status, change.by) == (Claim.Status.CLOSED, frank)
    assert "口座番号相違" in change.reason
    # and it is paid again in a new batch
    _pay_by_batch(frank, claim, "FB-2")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID
