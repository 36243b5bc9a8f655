"""Requesting the missing documents: what is recorded, the status move, the letter."""

import pytest
from django.urls import reverse

from claims.models import Claim, StatusChange
from claims.services import ClaimError
from documents import services
from documents.models import DocumentRequest
from tests.conftest import make_claim
from tests.documents.doc_helpers import add_damage, add_overtime, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
S = Claim.Status


@pytest.fixture
def claim(alice):
    claim = make_claim(created_by=alice, handler=alice)
    damage = add_damage(claim, client="株式会社A")
    add_overtime(claim)
    services.document_upload(claim=claim, by=alice, files=[pdf()], kind="accident_report")
    services.document_upload(
        claim=claim, by=alice, files=[pdf()], kind="damage_claim", damage=damage
    )
    return claim


def test_a_request_records_exactly_the_missing_items_and_moves_the_claim(claim, alice):
    req = services.documents_request(claim=claim, by=alice, message="至急お願いします")

    ot = claim.overtime_entries.get()
    assert [i["key"] for i in req.items] == [
        "service_contract:client:株式会社A",
        "cost_statement",
        f"attendance_record:o{ot.pk}",
        f"wage_basis:o{ot.pk}",
        f"task_record:o{ot.pk}",
        "claim_form",
        "settlement_agreement",
        "payment_record",
    ]
    assert req.requested_by == alice and req.requested_at is not None
    claim.refresh_from_db()
    assert claim.status == S.DOCUMENTS_REQUESTED
    change = StatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status) == (S.REPORTED, S.DOCUMENTS_REQUESTED)


def test_the_letter_lists_exactly_the_missing_items(client, claim, alice):
    client.force_login(alice)
    response = client.post(
        reverse("documents:request", args=[claim.number]), {"message": "よろしく"}
    )
    req = DocumentRequest.objects.get()
    assert response["Location"] == reverse("documents:request_letter", args=[req.pk])

    html = client.get(response["Location"]).content.decode()
    assert "書類ご提出のお願い" in html
    assert claim.policy.insured.name + " 御中" in html
    assert html.count("<li data-item=") == len(req.items) == 8
    assert '顧問先との業務委託契約書 <span class="target">— 顧問先 株式会社A</span>' in html
    assert 'data-item="accident_report"' not in html  # it is in
    assert 'data-item="damage_claim:client:株式会社A"' not in html
    assert "よろしく" in html
    assert "@media print" in html


@pytest.mark.parametrize("status", [S.UNDER_ASSESSMENT])
def test_under_assessment_moves_too(alice, status):
    claim = make_claim(created_by=alice, handler=alice, status=status)
    services.documents_request(claim=claim, by=alice)
    claim.refresh_from_db()
    assert claim.status == S.DOCUMENTS_REQUESTED


@pytest.mark.parametrize("status", [S.DOCUMENTS_REQUESTED, S.APPROVED])
def test_follow_ups_and_approved_claims_record_without_moving(alice, status):
    claim = make_claim(created_by=alice, handler=alice, status=status)
    req = services.documents_request(claim=claim, by=alice)
    claim.refresh_from_db()
    assert claim.status == status
    assert req.items[0]["key"] == "accident_report"
    assert not StatusChange.objects.filter(claim=claim).exists()


@pytest.mark.parametrize("status", [S.DRAFT, S.AWAITING_APPROVAL, S.PAID, S.CLOSED, S.WITHDRAWN])
def test_other_statuses_refuse_with_a_clear_message(alice, status):
    claim = make_claim(created_by=alice, handler=alice, status=status)
    with pytest.raises(ClaimError, match="の事故には書類を依頼できません"):
        services.documents_request(claim=claim, by=alice)
    assert not DocumentRequest.objects.exists()


def test_nothing_missing_nothing_to_request(alice):
    claim = make_claim(created_by=alice, handler=alice)
    damage = add_damage(claim)
    for kind in (
        "accident_report",
        "damage_claim",
        "service_contract",
        "claim_form",
        "settlement_agreement",
        "payment_record",
    ):
        services.document_upload(
            claim=claim,
            by=alice,
            files=[pdf()],
            kind=kind,
            damage=damage if kind in ("damage_claim", "service_contract") else None,
        )
    with pytest.raises(ClaimError, match="不足している書類はありません"):
        services.documents_request(claim=claim, by=alice)


def test_carol_may_not_request_on_alices_claim(client, carol, claim):
    client.force_login(carol)
    response = client.post(reverse("documents:request", args=[claim.number]), follow=True)
    assert "権限がありません" in response.content.decode()
    assert not DocumentRequest.objects.exists()


def test_a_request_is_fulfilled_once_nothing_it_asked_for_is_missing(claim, alice):
    req = services.documents_request(claim=claim, by=alice)
    damage = claim.damages.get()
    ot = claim.overtime_entries.get()
    items = list(req.items)
    for n, item in enumerate(items, start=1):
        kind = item["kind"]
        services.document_upload(
            claim=claim,
            by=alice,
            files=[pdf()],
            kind=kind,
            damage=damage if kind == "service_contract" else None,
            overtime_entries=[ot] if item["key"].endswith(f"o{ot.pk}") else [],
        )
        req.refresh_from_db()
        assert (req.fulfilled_at is not None) == (n == len(items))
    claim.refresh_from_db()
    assert claim.documents_complete_on is not None
