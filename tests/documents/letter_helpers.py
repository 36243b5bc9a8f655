"""A claim with a reduced, an excluded and a plain client damage, for the letter tests and
the letter screenshots (bin/letter_screenshots.py)."""

from claims.models import ClientDamage
from claims.services import claim_refresh_totals
from coverage import vocab
from tests.claims.approval_helpers import awaiting_claim

REDUCED = {
    "client_name": "有限会社中村商店",
    "description": "給与振込遅延に伴う取引先への違約金",
    "claimed": 480_000,
    "recognized": 360_000,
    "cut_reason_code": vocab.CUT_DUPLICATE,
    "cut_reason": "同じ違約金が二つの請求書に重複して計上されていた分",
}
EXCLUDED = {
    "client_name": "株式会社データワークス",
    "description": "自社システムの停止による逸失利益",
    "claimed": 250_000,
    "recognized": 250_000,
    "activity": vocab.ACTIVITY_IT_BUSINESS,
}


def letter_claim(*, handler):
    """awaiting_claim (株式会社山田製作所 1,200,000 paid as claimed, お詫び状 48,000) plus a
    reduced and an excluded client damage; the Q1 documents on file."""
    claim = awaiting_claim(handler=handler)
    for row in (REDUCED, EXCLUDED):
        ClientDamage.objects.create(
            claim=claim,
            kind=vocab.KIND_BUSINESS_INTERRUPTION,
            created_by=handler,
            updated_by=handler,
            **row,
        )
    claim_refresh_totals(claim=claim)
    claim.refresh_from_db()
    return claim


class FakeAccount:
    """What the payments app's bank account offers a letter (documents.letters.account_view)."""

    bank_name = "みずほ銀行"
    branch_name = "丸の内"
    account_number = "1234567"
    holder_name = "ｶ)ﾔﾏﾀﾞｼｬﾛｳｼﾞﾑｼｮ"

    def get_account_type_display(self):
        return "普通"
