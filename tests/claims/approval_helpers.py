"""A claim ready for a supervisor: items entered by its handler, totals computed."""

import datetime

from claims.approvals import payouts
from claims.models import Claim, ClientDamage, Expense, OvertimeEntry
from claims.services import claim_refresh_totals, claim_transition
from coverage import vocab
from tests.conftest import make_claim

EVIDENCE = set(vocab.EVIDENCE_KINDS)


def file_documents(claim, *, by, stage=None, evidence=False):
    """Put on file one document for each checklist item `claim` still misses (Q1): the
    substantiation, the claim documents, or, with `stage`, only that stage's items; the Q5
    overtime evidence only with `evidence` (it decides whether an entry is pending)."""
    import hashlib

    from django.core.files.base import ContentFile

    from documents.checklist import claim_checklist
    from documents.models import Document

    content = b"%PDF-1.4\n%test\n"
    by_client = {d.client_name: d for d in claim.damages.all()}
    made = []
    for item in claim_checklist(claim).missing:
        if (stage and item.stage != stage) or (item.kind in EVIDENCE and not evidence):
            continue
        client = item.key.split(":client:", 1)[1] if ":client:" in item.key else None
        overtime = int(item.key.rsplit(":o", 1)[1]) if ":o" in item.key else None
        doc = Document(
            claim=claim,
            kind=item.kind,
            original_name=f"{item.label}.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            damage=by_client.get(client) if client else None,
            overtime_entry_id=overtime,
            uploaded_by=by,
        )
        doc.file.save("test.pdf", ContentFile(content), save=False)
        doc.save()
        made.append(doc)
    return made


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
    file_documents(claim, by=handler)  # Q1: what it was sent on with, and what payment needs
    claim_refresh_totals(claim=claim)
    return claim


S = Claim.Status


def paid_and_reopened(*, handler, approver, late_damage=300_000, late_expense=0):
    """1,248,000 yen approved and paid; closed; reopened with a late client damage and sent
    to approval again (a supplementary payment)."""
    claim = awaiting_claim(handler=handler)
    payouts.payout_approve(claim=claim, by=approver, amount=1_248_000)
    payouts.payout_mark_paid(
        claim=claim, by=approver, paid_on=datetime.date.today(), reference="FB-1"
    )
    claim_transition(claim=claim, to=S.CLOSED, by=approver, reason="支払完了")
    claim_transition(claim=claim, to=S.UNDER_ASSESSMENT, by=handler, reason="顧問先から追加請求")
    if late_damage:
        late_damage_item(claim, handler, late_damage)
    if late_expense:
        Expense.objects.create(
            claim=claim,
            category=vocab.CATEGORY_CUSTOMER_NOTIFICATION,
            description="追加のお詫び状",
            amount=late_expense,
            created_by=handler,
            updated_by=handler,
        )
    claim_refresh_totals(claim=claim)
    claim_transition(claim=claim, to=S.AWAITING_APPROVAL, by=handler, reason="")
    return claim


def late_damage_item(claim, handler, amount):
    return ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社遅延商事",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        description="追加の遅延損害金",
        claimed=amount,
        recognized=amount,
        created_by=handler,
        updated_by=handler,
    )
