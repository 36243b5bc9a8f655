"""Reads other apps share: which account a payout went (or goes) to."""

from payments.models import BankAccount, BatchItem


def payout_account(payout) -> BankAccount | None:
    """The account `payout` was transferred to (its live batch item's), else the insured's
    confirmed account, else None. For the payment letter: print `masked_number`."""
    item = (
        BatchItem.objects.filter(payout=payout, live=True)
        .select_related("account")
        .order_by("-pk")
        .first()
    )
    if item is not None:
        return item.account
    return BankAccount.objects.filter(
        insured_id=payout.claim.policy.insured_id, status=BankAccount.Status.CONFIRMED
    ).first()


def batches_due():
    """The open batches (振込待ち) with the payment clock of their live items, one query:
    `earliest_due` (the earliest 支払期限 among their claims), `due_by_transfer` (how many
    items fall due on or before the transfer date) and `late` (the transfer date is after
    some claim's 支払期限: 支払期限後の振込予定)."""
    from django.db.models import Count, F, Min, Q

    from payments.models import PaymentBatch

    live = Q(items__live=True)
    due = "items__payout__claim__payment_due_on"
    return (
        PaymentBatch.objects.filter(status=PaymentBatch.Status.OPEN)
        .annotate(
            earliest_due=Min(due, filter=live),
            due_by_transfer=Count("items", filter=live & Q(**{f"{due}__lte": F("transfer_date")})),
            late_count=Count("items", filter=live & Q(**{f"{due}__lt": F("transfer_date")})),
        )
        .order_by("transfer_date", "pk")
    )


def unbatched_due(today=None, limit=200):
    """Approved payouts in no live batch whose claim's 支払期限 is within DUE_SOON_DAYS or
    past (未バッチ・期限間近), earliest due first: one query."""
    from django.utils import timezone

    from claims import clock
    from claims.models import Claim, Payout

    today = today or timezone.localdate()
    at_risk = Claim.objects.filter(clock.overdue_q(today) | clock.due_soon_q(today))
    return (
        Payout.objects.filter(
            status=Payout.Status.APPROVED, claim__status=Claim.Status.APPROVED, claim__in=at_risk
        )
        .exclude(batch_items__live=True)
        .select_related("claim")
        .defer("snapshot")
        .order_by("claim__payment_due_on", "pk")[:limit]
    )
