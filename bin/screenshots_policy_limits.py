#!/usr/bin/env python
"""Screenshots of limits per policy (issue 15): the claim page and the approval page of a
second claim on a policy whose first claim already used most of its liability limit.

    .venv/bin/python bin/screenshots_policy_limits.py [--out docs/screenshots]

Like bin/screenshots.py: a throw-away SQLite database with `seed_demo`, then one policy with
two claims (80,000,000 yen approved and paid; 72,500,000 yen claimed, recognized 70,000,000
with a written reason for the cut, awaiting approval), Chromium 1366 wide. Writes
policy-limits-claim.png (the claim page down to the reduced damage line),
policy-limits-approval.png (the approval page as it opens) and cut-reason-approval.png (its
limit usage and assessment, the reduced line with 請求額 / 認定額 / 差額 and the reason).
"""

import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))
from screenshots import VIEWPORT, launch, login, run_on_demo  # noqa: E402


def file_documents(claim, user, stage=None) -> None:
    """Put on file one blank PDF for each document the claim's Q1 checklist still misses
    (only `stage`'s when given), linked to the client it is for, as the insured sent them."""
    import hashlib

    from django.core.files.base import ContentFile

    from documents.checklist import claim_checklist
    from documents.models import Document

    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    by_client = {d.client_name: d for d in claim.damages.all()}
    for item in claim_checklist(claim).missing:
        if stage and item.stage != stage:
            continue
        client = item.key.split(":client:", 1)[1] if ":client:" in item.key else None
        doc = Document(
            claim=claim,
            kind=item.kind,
            original_name=f"{item.label}.pdf"[:255],
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            damage=by_client.get(client) if client else None,
            uploaded_by=user,
        )
        doc.file.save("demo.pdf", ContentFile(content), save=False)
        doc.save()


def two_claims() -> str:
    """One policy, two clients' claims; the first approved and paid. The second's number."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from claims.approvals import payouts
    from claims.models import Claim, ClientDamage, Expense, Incident, Insured, Policy
    from claims.services import claim_refresh_totals, next_claim_number
    from coverage import vocab
    from coverage.models import Plan
    from documents.checklist import STAGE_SUBSTANTIATION

    alice, bob, erin = (User.objects.get(username=u) for u in ("alice", "bob", "erin"))
    insured = Insured.objects.create(
        name="社会保険労務士法人みなと総合事務所", registration_number="13990001"
    )
    policy = Policy.objects.create(
        insured=insured,
        plan=Plan.objects.get(code="cyber_standard"),
        number="CY-2023-900001",
        period_start=datetime.date(2023, 4, 1),
        period_end=datetime.date(2024, 3, 31),
    )
    incident = Incident.objects.get(provider_name="株式会社エムケイシステム")

    def claim(handler, client_name, amount, notices=0, cut=None):
        c = Claim.objects.create(
            number=f"tmp-{client_name}",
            policy=policy,
            incident=incident,
            status=Claim.Status.AWAITING_APPROVAL,
            handler=handler,
            created_by=handler,
            noticed_on=datetime.date(2023, 6, 6),
            reported_at=timezone.now(),
            description="社労夢の停止により顧問先の給与支払が遅延",
            documents_complete_on=timezone.localdate() - datetime.timedelta(days=10),
            payment_due_on=timezone.localdate() + datetime.timedelta(days=20),
        )
        c.number = next_claim_number(c.pk)
        c.save(update_fields=["number"])
        ClientDamage.objects.create(
            claim=c,
            client_name=client_name,
            kind=vocab.KIND_BUSINESS_INTERRUPTION,
            description="給与支払遅延による損害賠償",
            claimed=amount + (cut[0] if cut else 0),
            recognized=amount,
            cut_reason_code=cut[1] if cut else "",
            cut_reason=cut[2] if cut else "",
            created_by=handler,
            updated_by=handler,
        )
        if notices:
            Expense.objects.create(
                claim=c,
                category=vocab.CATEGORY_CUSTOMER_NOTIFICATION,
                description="顧問先へのお詫び状",
                amount=notices,
                created_by=handler,
                updated_by=handler,
            )
        claim_refresh_totals(claim=c)
        return c

    first = claim(alice, "株式会社A商事", 80_000_000)
    # The second client's claim is cut before the limit cuts it again: 請求額 72,500,000,
    # 認定額 70,000,000, with the reason the approver reads next to the line (issue 15, 6).
    second = claim(
        bob,
        "株式会社B工業",
        70_000_000,
        notices=120_000,
        cut=(
            2_500_000,
            vocab.CUT_EXCESSIVE,
            "遅延損害金を契約所定の年14.6%で再計算 (請求は年20%で算定)",
        ),
    )
    # Q1 in order: the first claim was sent on with every document, paid against the claim
    # documents; the second waits for approval with its damage substantiation complete.
    file_documents(first, alice)
    file_documents(second, bob, stage=STAGE_SUBSTANTIATION)
    payouts.payout_approve(claim=first, by=erin, amount=80_000_000)
    payouts.payout_mark_paid(
        claim=first, by=erin, paid_on=timezone.localdate(), reference="FB-2023-0815"
    )
    claim_refresh_totals(claim=second)
    return second.number


def main() -> None:
    run_on_demo(
        two_claims,
        shoot,
        lambda out, number: (
            "wrote policy-limits-claim.png, policy-limits-approval.png and"
            f" cut-reason-approval.png in {out} ({number})"
        ),
    )


def page_box(page, first: str, last: str, margin: int = 12) -> dict:
    """The full-width page area from the top of `first` to the bottom of `last` (selectors),
    in page coordinates, for a full-page clip."""
    top, bottom = page.evaluate(
        """([first, last]) => {
            const a = document.querySelector(first).getBoundingClientRect();
            const b = document.querySelector(last).getBoundingClientRect();
            return [a.top + window.scrollY, b.bottom + window.scrollY];
        }""",
        [first, last],
    )
    top = max(top - margin, 0)
    return {"x": 0, "y": top, "width": VIEWPORT["width"], "height": bottom + margin - top}


def shoot(base: str, number: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        # The claim page from its top down to the clients' damages: the totals, the policy's
        # limit usage and the reduced line (請求額 → 認定額, 減額 and its reason).
        page = login(browser, base, "bob")
        page.goto(f"/claims/{number}/")
        page.screenshot(
            path=str(out / "policy-limits-claim.png"),
            full_page=True,
            clip=page_box(page, "body", "#damages", margin=0) | {"y": 0},
        )
        # The approval page as the approver opens it (1366×768) ...
        page = login(browser, base, "erin")
        page.goto(f"/approvals/{number}/")
        page.screenshot(path=str(out / "policy-limits-approval.png"))
        # ... and its limit usage with the assessment below it, where the damage line shows
        # 請求額 / 認定額 / 差額 and the reason for the cut.
        page.screenshot(
            path=str(out / "cut-reason-approval.png"),
            full_page=True,
            clip=page_box(page, "#policy-limits", "#policy-limits + section"),
        )
        browser.close()


if __name__ == "__main__":
    main()
