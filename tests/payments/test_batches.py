"""Payment batches: one live batch per payout, stable files, idempotent payment, returns,
and accounts nobody else confirmed."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims import clock
from claims.models import Claim, Payout, StatusChange
from claims.services import ClaimError
from payments import services, zengin
from payments.models import BankAccount, BatchItem, PaymentBatch
from payments.signals import payout_paid
from tests.payments.helpers import ACCOUNT, approved_claim

TODAY = timezone.localdate


def _batch(frank, claims):
    return services.batch_create(
        by=frank, transfer_date=TODAY(), payouts=[c.payouts.get() for c in claims]
    )


def test_a_payout_in_two_live_batches_is_refused_by_the_database(alice, carol, frank):
    claim = approved_claim(handler=alice, approver=carol)
    first = _batch(frank, [claim])
    payout = claim.payouts.get()
    other = PaymentBatch.objects.create(transfer_date=TODAY(), created_by=frank)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchItem.objects.create(
            batch=other, payout=payout, account=first.items.get().account, amount=payout.amount
        )
    with pytest.raises(ClaimError, match="既に別の振込バッチ"):
        _batch(frank, [claim])


def test_cancelling_a_batch_frees_its_payouts(alice, carol, frank):
    claim = approved_claim(handler=alice, approver=carol)
    first = _batch(frank, [claim])
    services.batch_cancel(batch=first, by=frank, reason="振込指定日の誤り")
    again = _batch(frank, [claim])
    assert again.items.get().payout == claim.payouts.get()
    with pytest.raises(ClaimError, match="取り消した"):
        services.batch_file(batch=first, by=frank)


def test_gathering_takes_every_payable_payout_and_shows_control_totals(alice, bob, carol, frank):
    one = approved_claim(handler=alice, approver=carol)
    two = approved_claim(handler=bob, approver=carol, liability=500_000, expense=0)
    batch = services.batch_create(by=frank, transfer_date=TODAY())
    assert (batch.count, batch.total) == (2, 1_248_000 + 500_000)
    parsed = zengin.parse(services.batch_file(batch=batch, by=frank), year=TODAY().year)
    assert (parsed.count, parsed.total) == (2, 1_748_000)
    assert {t.customer_code1 for t in parsed.transfers} == {
        str(one.payouts.get().pk),
        str(two.payouts.get().pk),
    }
    assert parsed.transfers[0].holder == "ﾔﾏﾀﾞ ﾀﾛｳ"


def test_downloading_twice_gives_identical_bytes_even_after_the_account_changes(
    alice, carol, frank
):
    claim = approved_claim(handler=alice, approver=carol)
    batch = _batch(frank, [claim])
    first = services.batch_file(batch=batch, by=frank)
    change = services.account_enter(
        insured=claim.policy.insured, by=alice, **(ACCOUNT | {"account_number": "7777777"})
    )
    services.account_confirm(account=change, by=carol)
    assert services.batch_file(batch=batch, by=frank) == first
    assert b"1234567" in first and b"7777777" not in first


def test_marking_a_batch_paid_pays_each_payout_stops_the_clock_and_signals_once(
    alice, bob, carol, frank, django_capture_on_commit_callbacks
):
    claims = [
        approved_claim(handler=alice, approver=carol),
        approved_claim(handler=bob, approver=carol),
    ]
    batch = _batch(frank, claims)
    services.batch_file(batch=batch, by=frank)
    sent = []

    def listen(sender, payout, batch, **kw):
        sent.append(payout.pk)

    payout_paid.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.batch_mark_paid(
                batch=batch, by=frank, paid_on=TODAY(), reference="FB-20260415"
            )
            changes = StatusChange.objects.count()
            history = Payout.history.count()
        with django_capture_on_commit_callbacks(execute=True):
            again = services.batch_mark_paid(
                batch=batch, by=frank, paid_on=TODAY(), reference="FB-20260415"
            )
    finally:
        payout_paid.disconnect(listen)
    assert again.status == PaymentBatch.Status.PAID
    assert StatusChange.objects.count() == changes  # the second time changed nothing
    assert Payout.history.count() == history
    assert sorted(sent) == sorted(c.payouts.get().pk for c in claims)  # once each
    for c in claims:
        c.refresh_from_db()
        payout = c.payouts.get()
        assert c.status == Claim.Status.PAID and c.paid_on == TODAY()
        assert (payout.status, payout.paid_on, payout.payment_reference) == (
            Payout.Status.PAID,
            TODAY(),
            "FB-20260415",
        )
        assert clock.payment_clock(c).state == clock.STOPPED
    with pytest.raises(ClaimError, match="既に"):
        services.batch_mark_paid(batch=batch, by=frank, paid_on=TODAY(), reference="OTHER")


def test_a_returned_transfer_reopens_exactly_that_payout_with_the_reason(alice, bob, carol, frank):
    kept, returned = (
        approved_claim(handler=alice, approver=carol),
        approved_claim(handler=bob, approver=carol),
    )
    batch = _batch(frank, [kept, returned])
    services.batch_file(batch=batch, by=frank)
    services.batch_mark_paid(batch=batch, by=frank, paid_on=TODAY(), reference="FB-1")
    item = batch.items.get(payout__claim=returned)
    services.item_return(item=item, by=frank, returned_on=TODAY(), reason="口座解約済み (資金返却)")
    kept.refresh_from_db()
    returned.refresh_from_db()
    assert kept.status == Claim.Status.PAID and kept.payouts.get().status == Payout.Status.PAID
    assert returned.status == Claim.Status.APPROVED and returned.paid_on is None
    assert returned.payouts.get().status == Payout.Status.APPROVED
    item.refresh_from_db()
    assert item.return_reason == "口座解約済み (資金返却)" and not item.live
    assert StatusChange.objects.filter(claim=returned, reason__contains="口座解約済み").exists()
    # the payout goes into a new batch; the kept one cannot
    assert _batch(frank, [returned]).items.get().payout == returned.payouts.get()
    with pytest.raises(ClaimError):
        _batch(frank, [kept])


def test_an_unconfirmed_account_change_blocks_payment(alice, bob, carol, frank):
    claim = approved_claim(handler=alice, approver=carol)
    ready = approved_claim(handler=bob, approver=carol)
    services.account_enter(
        insured=claim.policy.insured, by=bob, **(ACCOUNT | {"account_number": "9999999"})
    )
    with pytest.raises(ClaimError, match="確認待ち"):
        _batch(frank, [claim])
    batch = services.batch_create(by=frank, transfer_date=TODAY())
    assert [i.payout.claim_id for i in batch.items.all()] == [ready.pk]


def test_an_account_nobody_confirmed_is_not_paid_to(alice, carol, frank):
    claim = approved_claim(handler=alice, approver=carol, account=False)
    services.account_enter(insured=claim.policy.insured, by=alice, **ACCOUNT)
    with pytest.raises(ClaimError, match="確認待ち"):
        _batch(frank, [claim])


def test_whoever_entered_an_account_cannot_confirm_it(alice, carol):
    claim = approved_claim(handler=alice, approver=carol, account=False)
    account = services.account_enter(insured=claim.policy.insured, by=alice, **ACCOUNT)
    with pytest.raises(ClaimError, match="本人は確認できません"):
        services.account_confirm(account=account, by=alice)
    account.refresh_from_db()
    assert account.status == BankAccount.Status.PENDING
    services.account_confirm(account=account, by=carol)
    assert account.history.count() == 2  # entered, confirmed: both kept


def test_account_fields_are_checked_against_the_zengin_master_and_character_set(alice, carol):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        services.clean_account(
            bank_code="0001",
            branch_code="999",
            account_type="1",
            account_number="12a",
            holder="ヤマダ商事",
        )
    errors = err.value.message_dict
    assert "支店マスタにありません" in errors["branch_code"][0]
    assert "口座番号" in errors["account_number"][0]
    assert "「商」「事」" in errors["holder"][0]
    with pytest.raises(ValidationError, match="金融機関マスタにありません"):
        services.clean_account(**(ACCOUNT | {"bank_code": "0002"}))
    ok = services.clean_account(**ACCOUNT)
    assert (ok["bank_name"], ok["branch_name"], ok["holder"]) == ("みずほ", "東京営業部", "ﾔﾏﾀﾞ ﾀﾛｳ")


def test_only_a_payer_builds_batches(alice, carol):
    approved_claim(handler=alice, approver=carol)
    with pytest.raises(ClaimError, match="支払担当"):
        services.batch_create(by=carol, transfer_date=TODAY())


def test_a_past_transfer_date_is_refused(alice, carol, frank):
    approved_claim(handler=alice, approver=carol)
    with pytest.raises(ClaimError, match="過去"):
        services.batch_create(by=frank, transfer_date=TODAY() - datetime.timedelta(days=1))


def test_missing_claim_documents_keep_a_payout_out_and_the_bulk_check_agrees(
    alice, bob, carol, frank
):
    from claims.approvals.payouts import claim_documents_missing
    from documents.models import DocumentKind

    complete = approved_claim(handler=alice, approver=carol)
    short = approved_claim(handler=bob, approver=carol)
    short.documents.filter(kind=DocumentKind.SETTLEMENT_AGREEMENT).update(deleted_at=timezone.now())
    expenses_only = approved_claim(handler=alice, approver=carol, liability=0, expense=48_000)
    expenses_only.documents.filter(kind=DocumentKind.PAYMENT_RECORD).update(
        deleted_at=timezone.now()
    )
    claims = [complete, short, expenses_only]
    bulk = services.claim_documents_missing_bulk(
        Claim.objects.filter(pk__in=[c.pk for c in claims])
    )
    for c in claims:
        assert bulk.get(c.pk, set()) == {i.kind for i in claim_documents_missing(c)}
    assert bulk[short.pk] == {DocumentKind.SETTLEMENT_AGREEMENT}
    with pytest.raises(ClaimError, match="保険金請求書類"):
        _batch(frank, [short])
    batch = services.batch_create(by=frank, transfer_date=TODAY())
    assert [i.payout.claim_id for i in batch.items.all()] == [complete.pk]


def test_the_payment_letter_finds_the_account_paid_to_masked(alice, carol, frank):
    from payments.selectors import payout_account

    claim = approved_claim(handler=alice, approver=carol)
    payout = claim.payouts.get()
    batch = _batch(frank, [claim])
    change = services.account_enter(
        insured=claim.policy.insured, by=alice, **(ACCOUNT | {"account_number": "7654321"})
    )
    services.account_confirm(account=change, by=carol)
    account = payout_account(payout)  # the one the batch pays to, not the newer one
    assert account == batch.items.get().account and account.masked_number == "****567"


def test_a_batch_marked_paid_queues_each_insureds_payment_letter(
    alice, bob, carol, frank, django_capture_on_commit_callbacks
):
    """The bank's confirmation reaches the insured as 保険金お支払のご案内, as a supervisor's
    mark-paid does (claims.signals.payout_paid, received by the documents app)."""
    from documents.models import RenderJob

    claims = [
        approved_claim(handler=alice, approver=carol),
        approved_claim(handler=bob, approver=carol),
    ]
    batch = _batch(frank, claims)
    services.batch_file(batch=batch, by=frank)
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_mark_paid(batch=batch, by=frank, paid_on=TODAY(), reference="FB-1")
    letters = RenderJob.objects.filter(kind="payment_letter")
    assert sorted(letters.values_list("claim_id", flat=True)) == sorted(c.pk for c in claims)


def test_a_paid_date_before_an_approval_refuses_the_whole_batch_naming_the_claim(
    alice, bob, carol, frank
):
    """The batch pays through the same step as a single claim (payouts.record_paid): a
    transfer cannot predate the approval it pays. One such claim stops the batch, named, and
    nothing in it is recorded as paid."""
    early = approved_claim(handler=alice, approver=carol)
    late = approved_claim(handler=bob, approver=carol)
    yesterday = TODAY() - datetime.timedelta(days=1)
    Payout.objects.filter(claim=early).update(
        approved_at=timezone.now() - datetime.timedelta(days=3)
    )
    batch = _batch(frank, [early, late])
    services.batch_file(batch=batch, by=frank)
    refused = f"^{late.number}: 支払日は承認日より前にできません"
    with pytest.raises(ClaimError, match=refused), transaction.atomic():
        services.batch_mark_paid(batch=batch, by=frank, paid_on=yesterday, reference="FB-1")
    for claim in (early, late):
        claim.refresh_from_db()
        assert claim.status == Claim.Status.APPROVED and claim.paid_on is None
        assert claim.payouts.get().status == Payout.Status.APPROVED
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.OPEN
