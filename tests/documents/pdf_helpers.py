"""Claims with items for the PDF tests and the benchmark."""

import datetime
import io
from decimal import Decimal

from pypdf import PdfReader

from claims.models import ClientDamage, Expense, OvertimeEntry
from coverage import vocab


def add_items(claim, *, damages=2, expenses=2, overtime=2, by=None):
    """A mix of covered, excluded and pending items, in bulk for big claims."""
    ClientDamage.objects.bulk_create(
        ClientDamage(
            claim=claim,
            client_name=f"株式会社顧問先{i:04d}",
            kind=vocab.KIND_BUSINESS_INTERRUPTION,
            description=f"給与計算遅延による損害{i}",
            claimed=100_000 + i * 1_000,
            recognized=90_000 + i * 1_000,
            cut_reason_code=vocab.CUT_DUPLICATE,
            cut_reason="請求明細の事務手数料が重複して計上されていた分",
            activity=vocab.ACTIVITY_IT_BUSINESS if i % 5 == 4 else vocab.ACTIVITY_IT_USER_ACT,
            created_by=by,
        )
        for i in range(damages)
    )
    categories = [
        vocab.CATEGORY_CUSTOMER_NOTIFICATION,
        vocab.CATEGORY_ALTERNATIVE_SYSTEM,
        vocab.CATEGORY_CALL_CENTER,
    ]
    Expense.objects.bulk_create(
        Expense(
            claim=claim,
            category=categories[i % 3],
            description=f"お詫び状の印刷・郵送費{i}",
            amount=50_000 + i * 500,
            created_by=by,
        )
        for i in range(expenses)
    )
    full = list(vocab.EVIDENCE_KINDS)
    OvertimeEntry.objects.bulk_create(
        OvertimeEntry(
            claim=claim,
            employee=f"山田太郎{i}",
            work_date=datetime.date(2023, 6, 6) + datetime.timedelta(days=i % 20),
            minutes=95 + i,
            hourly_rate=2_400,
            premium=Decimal("1.25"),
            evidence=full if i % 4 else full[:1],
            created_by=by,
        )
        for i in range(overtime)
    )


def pdf_pages_text(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def squash(text: str) -> str:
    """Extracted text without the line breaks and spaces the layout adds."""
    return "".join(text.split())
