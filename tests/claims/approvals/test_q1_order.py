"""Issue 15 item 7: Q1 in order.

Sending to approval needs the damage substantiation (損害額の裏付書類) complete, or an override
with a reason (who, when, why, in the claim's history); marking paid needs the claim documents
(保険金請求書類), or a supervisor's recorded override. The approval page and the payout panel
say what is missing before anyone clicks.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.approvals import payouts
from claims.claim_page import timeline as audit
from claims.models import Claim, Expense, StatusChange
from claims.services import ClaimError
from documents.models import DocumentKind
from tests.claims.approval_helpers import awaiting_claim, file_documents
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
TODAY = datetime.date.today()


def overrides():
    from documents.models import ChecklistOverride

    return ChecklistOverride.objects.all()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def assessed(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    services.item_create(
        claim=claim,
        section="damages",
        by=alice,
        data={
            "client_name": "株式会社山田製作所",
            "kind": "business_interruption",
            "claimed": 500_000,
            "recognized": 500_000,
        },
    )
    Expense.objects.create(claim=claim, category="call_center", amount=100_000)
    services.claim_refresh_totals(claim=claim)
    return claim


# --- sending to approval -----------------------------------------------------------------------


def test_sending_without_the_substantiation_is_refused_and_names_what_is_missing(alice, assessed):
    with pytest.raises(ClaimError) as refused:
        services.claim_send_to_approval(claim=assessed, by=alice)
    message = str(refused.value)
    assert "損害額の裏付書類 (Q1) が揃っていません" in message
    for label in (
        "事故連絡票",
        "顧問先 株式会社山田製作所: 顧問先との業務委託契約書",
        "支出費用明細",
    ):
        assert label in message
    assessed.refresh_from_db()
    assert assessed.status == S.UNDER_ASSESSMENT
    assert not overrides().exists()


def test_sending_with_the_substantiation_complete_needs_no_override(alice, assessed):
    file_documents(assessed, by=alice, stage="substantiation")
    services.claim_send_to_approval(claim=assessed, by=alice)
    assessed.refresh_from_db()
    assert assessed.status == S.AWAITING_APPROVAL
    assert not overrides().exists()


def test_an_override_is_recorded_with_who_when_why_and_what_was_missing(alice, assessed):
    with pytest.raises(ClaimError):  # blank is no reason
        services.claim_send_to_approval(claim=assessed, by=alice, override_reason="   ")
    file_documents(assessed, by=alice, stage="substantiation")
    assessed.documents.filter(kind=DocumentKind.SERVICE_CONTRACT).update(deleted_at=timezone.now())
    services.claim_send_to_approval(
        claim=assessed, by=alice, override_reason="契約書は原本を郵送中。写しを確認済み"
    )
    assessed.refresh_from_db()
    assert assessed.status == S.AWAITING_APPROVAL
    override = overrides().get(claim=assessed)
    assert override.stage == "substantiation" and override.by == alice and override.at
    assert override.missing == ["顧問先 株式会社山田製作所: 顧問先との業務委託契約書"]
    assert override.reason == "契約書は原本を郵送中。写しを確認済み"
    # ... and the claim's history tells it with the move it allowed
    move = StatusChange.objects.get(claim=assessed, to_status=S.AWAITING_APPROVAL)
    assert "例外" in move.reason and "契約書は原本を郵送中" in move.reason
    entries = [e for e in audit.claim_timeline(assessed) if e.kind == "status"]
    assert any("業務委託契約書" in e.reason and "alice" in e.user for e in entries)


def test_the_claim_page_lists_what_is_missing_and_takes_the_override(client, alice, assessed):
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[assessed.number])).content.decode()
    box = page[page.index("send-override") :]
    box = box[: box.index("</details>")]
    assert "事故連絡票" in box and 'name="override"' in box
    url = reverse("claims:action", args=[assessed.number])
    refused = client.post(url, {"action": "send_to_approval"}, follow=True)
    assert "損害額の裏付書類 (Q1) が揃っていません" in refused.content.decode()
    assessed.refresh_from_db()
    assert assessed.status == S.UNDER_ASSESSMENT
    client.post(url, {"action": "send_to_approval", "override": "顧問先の了承を得て先行"})
    assessed.refresh_from_db()
    assert assessed.status == S.AWAITING_APPROVAL
    assert overrides().get(claim=assessed).by == alice


def test_the_approval_page_shows_the_checklist_missing_and_overridden(
    client, alice, carol, assessed
):
    services.claim_send_to_approval(claim=assessed, by=alice, override_reason="原本郵送中")
    client.force_login(carol)
    html = client.get(reverse("approvals:detail", args=[assessed.number])).content.decode()
    q1 = html[html.index('id="q1-checklist"') :]
    q1 = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", q1[: q1.index("</section>")]))
    assert "損害額の裏付書類" in q1 and "保険金請求書類" in q1
    assert "✗ 不足: 事故連絡票" in q1
    assert "✗ 不足: 保険金請求書" in q1 and "✗ 不足: 示談書・示談確認書" in q1
    assert "例外 (損害額の裏付書類 (承認に回す)):" in q1
    assert "原本郵送中" in q1 and "alice" in q1


# --- marking paid --------------------------------------------------------------------------------


def approved(alice, carol):
    claim = awaiting_claim(handler=alice)
    claim.documents.filter(stage_kind_filter()).delete()
    payouts.payout_approve(claim=claim, by=carol, amount=1_248_000)
    return claim


def stage_kind_filter():
    from django.db.models import Q

    return Q(kind__in=[DocumentKind.CLAIM_FORM, DocumentKind.SETTLEMENT_AGREEMENT])


def test_marking_paid_without_the_claim_documents_is_refused(alice, carol):
    claim = approved(alice, carol)
    with pytest.raises(ClaimError) as refused:
        payouts.payout_mark_paid(claim=claim, by=carol, paid_on=TODAY, reference="FB-1")
    assert "保険金請求書類 (Q1) が揃っていません: 保険金請求書、示談書・示談確認書" in str(
        refused.value
    )
    claim.refresh_from_db()
    assert claim.status == S.APPROVED and claim.paid_on is None


def test_a_supervisor_may_pay_without_them_with_a_recorded_reason(alice, carol):
    claim = approved(alice, carol)
    payout = payouts.payout_mark_paid(
        claim=claim,
        by=carol,
        paid_on=TODAY,
        reference="FB-1",
        override_reason="示談書は締結済み、原本の到着待ち (写しで確認)",
    )
    assert payout.status == "paid"
    override = overrides().get(claim=claim)
    assert (override.stage, override.by) == ("claim_documents", carol)
    assert override.missing == ["保険金請求書", "示談書・示談確認書"]
    move = StatusChange.objects.get(claim=claim, to_status=S.PAID)
    assert "FB-1" in move.reason and "原本の到着待ち" in move.reason


def test_marking_paid_with_the_claim_documents_on_file_needs_no_override(alice, carol):
    claim = approved(alice, carol)
    file_documents(claim, by=alice, stage="claim_documents")
    payouts.payout_mark_paid(claim=claim, by=carol, paid_on=TODAY, reference="FB-1")
    claim.refresh_from_db()
    assert claim.status == S.PAID
    assert not overrides().exists()


def test_the_payout_panel_says_what_is_missing_before_anyone_clicks(client, alice, carol):
    claim = approved(alice, carol)
    client.force_login(carol)
    for name in ("approvals:detail", "claims:detail"):
        text = text_of(client.get(reverse(name, args=[claim.number])))
        assert "保険金請求書類 (Q1) 未提出: 保険金請求書、示談書・示談確認書" in text
    panel = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert 'name="paid-override_reason"' in panel
    # through the panel's form: refused without a reason, paid with one
    url = reverse("approvals:mark_paid", args=[claim.number])
    data = {"paid-paid_on": TODAY.isoformat(), "paid-reference": "FB-7"}
    refused = client.post(url, data, follow=True)
    assert "保険金請求書類 (Q1) が揃っていません" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.APPROVED
    client.post(url, {**data, "paid-override_reason": "原本到着待ち、写しで確認"})
    claim.refresh_from_db()
    assert claim.status == S.PAID
    assert overrides().get(claim=claim).reason == "原本到着待ち、写しで確認"


def test_a_handler_cannot_override_the_payment_rule(alice, bob, carol):
    claim = approved(alice, carol)
    with pytest.raises(ClaimError, match="監督者"):
        payouts.payout_mark_paid(
            claim=claim, by=bob, paid_on=TODAY, reference="FB-1", override_reason="急ぎ"
        )
    assert not overrides().exists()
