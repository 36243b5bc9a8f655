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
