"""A claim ready for a supervisor: items entered by its handler, totals computed."""

import datetime

from claims.models import Claim, ClientDamage, Expense, OvertimeEntry
from claims.services import claim_refresh_totals
from coverage import vocab
from tests.conftest import make_claim


def awaiting_claim(*, handler, liability=1_200_000, expense=48_000, pending=False, **extra):
    claim = make_claim(
        created_by=handler, handler=handler, status=Claim.Status.AWAITING_APPROVAL, **extra
    )
    ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社山田製作所",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        description="給与支払遅延に伴う遅延損害金",
        claimed=liability,
        recognized=liability,
        created_by=handler,
        updated_by=handler,
    )
    Expense.objects.create(
        claim=claim,
        category=vocab.CATEGORY_CUSTOMER_NOTIFICATION,
        description="お詫び状",
        amount=expense,
        created_by=handler,
        updated_by=handler,
    )
    if pending:
        OvertimeEntry.objects.create(
            claim=claim,
            employee="山田花子",
            minutes=120,
            hourly_rate=2000,
            evidence=["attendance_record"],
            created_by=handler,
            updated_by=handler,
        )
    claim.documents_complete_on = datetime.date(2023, 7, 1)
    claim.payment_due_on = datetime.date(2023, 7, 31)
    claim.save()
    claim_refresh_totals(claim=claim)
    return claim
