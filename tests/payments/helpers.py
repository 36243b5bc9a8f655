"""Approved claims ready to be paid by transfer, and the payer frank."""

from claims.approvals import payouts
from payments import services
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_user

ACCOUNT = {
    "bank_code": "0001",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "1234567",
    "holder": "ヤマダ　タロウ",
}


def make_frank():
    return make_user("frank", "payer", last_name="渡辺", first_name="文也")


def confirmed_account(insured, *, entered_by, confirmed_by, **fields):
    account = services.account_enter(insured=insured, by=entered_by, **(ACCOUNT | fields))
    return services.account_confirm(account=account, by=confirmed_by)


def approved_claim(*, handler, approver, account=True, liability=1_200_000, expense=48_000):
    """A claim approved for liability + expense yen, its Q1 documents on file, its insured's
    account entered by the handler and confirmed by the approver."""
    claim = awaiting_claim(handler=handler, liability=liability, expense=expense)
    payouts.payout_approve(claim=claim, by=approver, amount=liability + expense)
    if account:
        confirmed_account(claim.policy.insured, entered_by=handler, confirmed_by=approver)
    claim.refresh_from_db()
    return claim
