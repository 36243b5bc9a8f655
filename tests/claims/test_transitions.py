"""Guarded status changes from the claim page: each move, its guard and its refusals."""

import datetime

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClientDamage, Expense, OvertimeEntry, StatusChange
from claims.services import ClaimError
from tests.claims.approval_helpers import file_documents
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status


def act(client, claim, action, reason=""):
    return client.post(
        reverse("claims:action", args=[claim.number]),
        {"action": action, "reason": reason},
        follow=True,
    )


def status_of(claim):
    claim.refresh_from_db()
    return claim.status


def assessable(alice, **extra):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT, **extra)
    Expense.objects.create(claim=claim, category="call_center", amount=100_000)
    file_documents(claim, by=alice, stage="substantiation")  # Q1: what sending needs
    services.claim_refresh_totals(claim=claim)
    return claim


def test_creator_submits_her_draft(client, alice):
    draft = make_claim(created_by=alice, status=S.DRAFT)
    client.force_login(alice)
    response = act(client, draft, "submit")
    assert status_of(draft) == S.REPORTED
    assert draft.handler == alice and draft.reported_at is not None
    assert "状態を「事故受付」に変更しました" in response.content.decode()


def test_submit_refused_for_someone_else_and_for_a_non_draft(alice, carol):
    draft = make_claim(created_by=alice, status=S.DRAFT)
    with pytest.raises(ClaimError):
        services.claim_submit(claim=draft, by=carol)
    reported = make_claim(created_by=alice, handler=alice)
    with pytest.raises(ClaimError):
        services.claim_submit(claim=reported, by=alice)
    assert status_of(draft) == S.DRAFT


def test_request_documents_then_start_assessment(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    # the old header button only leads to the one request page (#18), recording nothing
    response = act(client, claim, "request_documents")
    assert not claim.document_requests.exists()
    assert "依頼する書類" in response.content.decode()
    client.post(reverse("documents:request", args=[claim.number]))
    assert status_of(claim) == S.DOCUMENTS_REQUESTED
    # the button records what was asked for, so the request letter matches the move
    request = claim.document_requests.get()
    assert request.requested_by == alice
    assert "accident_report" in {item["kind"] for item in request.items}
    act(client, claim, "start_assessment")
    assert status_of(claim) == S.UNDER_ASSESSMENT
    moves = list(StatusChange.objects.filter(claim=claim).values_list("from_status", "to_status"))
    assert moves == [
        (S.REPORTED, S.DOCUMENTS_REQUESTED),
        (S.DOCUMENTS_REQUESTED, S.UNDER_ASSESSMENT),
    ]


def test_ticking_the_last_evidence_starts_the_payment_clock(alice):
    """Evidence ticked on an item can complete the checklist: the 30-day clock starts then."""
    from django.core.files.base import ContentFile

    from documents.models import Document

    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    entry = OvertimeEntry.objects.create(
        claim=claim,
        employee="山田花子",
        minutes=60,
        hourly_rate=2000,
        evidence=[],
        created_by=alice,
    )
    for kind in ("accident_report", "cost_statement", "claim_form", "payment_record"):
        Document.objects.create(
            claim=claim,
            kind=kind,
            file=ContentFile(b"%PDF-1.4", name="x.pdf"),
            original_name=f"{kind}.pdf",
            content_type="application/pdf",
            size=8,
            sha256="0" * 64,
            uploaded_by=alice,
        )
    services.item_update(
        item=entry,
        by=alice,
        data={
            "evidence": ["attendance_record", "wage_basis", "task_record"],
            "evidence_note": "原本を来社時に確認",  # ticked with no file: a note is required
        },
    )
    claim.refresh_from_db()
    assert claim.pending_items == 0
    assert claim.documents_complete_on is not None
    assert (claim.payment_due_on - claim.documents_complete_on).days == 30


def test_start_assessment_refused_from_a_draft(alice):
    draft = make_claim(created_by=alice, handler=alice, status=S.DRAFT)
    with pytest.raises(ClaimError):
        services.claim_start_assessment(claim=draft, by=alice)
    assert status_of(draft) == S.DRAFT


def test_send_to_approval_when_everything_is_decided(client, alice):
    claim = assessable(alice)
    client.force_login(alice)
    act(client, claim, "send_to_approval")
    assert status_of(claim) == S.AWAITING_APPROVAL


def test_send_to_approval_refused_with_pending_overtime(client, alice):
    claim = assessable(alice)
    OvertimeEntry.objects.create(
        claim=claim, employee="山田花子", minutes=60, hourly_rate=2000, evidence=["wage_basis"]
    )
    client.force_login(alice)
    response = act(client, claim, "send_to_approval")
    assert status_of(claim) == S.UNDER_ASSESSMENT
    assert "保留中の項目が 1 件あります" in response.content.decode()


def test_send_to_approval_refused_while_direct_recovery_elected(alice):
    claim = assessable(alice, direct_recovery_elected=True)
    with pytest.raises(ClaimError, match="Q7"):
        services.claim_send_to_approval(claim=claim, by=alice)
    assert status_of(claim) == S.UNDER_ASSESSMENT


def test_send_to_approval_refused_without_items(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    with pytest.raises(ClaimError, match="1件もない"):
        services.claim_send_to_approval(claim=claim, by=alice)


def test_send_to_approval_refused_before_assessment(alice):
    claim = make_claim(created_by=alice, handler=alice)
    ClientDamage.objects.create(
        claim=claim, client_name="A", kind="business_interruption", claimed=1, recognized=1
    )
    with pytest.raises(ClaimError, match="査定中"):
        services.claim_send_to_approval(claim=claim, by=alice)


def test_only_the_handler_moves_the_claim(client, alice, bob, carol):
    claim = assessable(alice)
    with pytest.raises(ClaimError):
        services.claim_send_to_approval(claim=claim, by=bob)
    client.force_login(bob)
    assert act(client, claim, "send_to_approval").status_code == 404
    client.force_login(carol)
    assert act(client, claim, "send_to_approval").status_code == 403
    assert status_of(claim) == S.UNDER_ASSESSMENT


def test_withdraw_needs_a_reason_and_makes_the_claim_read_only(client, alice):
    claim = assessable(alice)
    client.force_login(alice)
    response = act(client, claim, "withdraw", reason="   ")
    assert status_of(claim) == S.UNDER_ASSESSMENT
    assert "理由の入力が必要です" in response.content.decode()
    act(client, claim, "withdraw", reason="被保険者より取下げの連絡")
    assert status_of(claim) == S.WITHDRAWN
    with pytest.raises(ClaimError):
        services.item_create(
            claim=claim, section="expenses", by=alice, data={"category": "call_center", "amount": 1}
        )


def test_reopen_withdrawn_leaves_the_reason_in_the_trace(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.WITHDRAWN)
    client.force_login(alice)
    act(client, claim, "reopen", reason="")
    assert status_of(claim) == S.WITHDRAWN
    act(client, claim, "reopen", reason="取下げを撤回")
    assert status_of(claim) == S.REPORTED
    trace = StatusChange.objects.get(claim=claim, to_status=S.REPORTED)
    assert (trace.reason, trace.by) == ("取下げを撤回", alice)


def test_reopen_closed_goes_back_to_assessment(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.CLOSED)
    services.claim_reopen(claim=claim, by=alice, reason="追加の損害請求")
    assert status_of(claim) == S.UNDER_ASSESSMENT


def test_reopen_refused_for_an_approved_claim(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.APPROVED)
    with pytest.raises(ClaimError):
        services.claim_reopen(claim=claim, by=alice, reason="x")
    assert status_of(claim) == S.APPROVED


def test_page_offers_only_the_moves_allowed_now(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    html = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    # 書類を依頼 is one action (#18): the header links to the request preview page
    request_url = reverse("documents:request", args=[claim.number])
    assert f'href="{request_url}" data-request-documents' in html
    assert 'value="request_documents"' not in html and 'value="start_assessment"' in html
    assert 'value="send_to_approval"' not in html and 'value="reopen"' not in html


def test_unknown_action_changes_nothing(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    response = act(client, claim, "approve")
    assert status_of(claim) == S.REPORTED
    assert "不明な操作です" in response.content.decode()


def test_moving_a_claim_the_page_does_not_offer_is_refused(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.PAID)
    client.force_login(alice)
    act(client, claim, "withdraw", reason="x")
    assert status_of(claim) == S.PAID


def test_assign_service_guards(alice, bob, carol):
    pool = make_claim(created_by=alice)
    with pytest.raises(ClaimError):
        services.claim_assign(claim=pool, handler=bob, by=alice)
    with pytest.raises(ClaimError):
        services.claim_assign(claim=pool, handler=carol, by=carol)  # not a handler
    draft = make_claim(created_by=alice, status=S.DRAFT)
    with pytest.raises(ClaimError):
        services.claim_assign(claim=draft, handler=alice, by=alice)
    services.claim_assign(claim=pool, handler=alice, by=alice)
    pool.refresh_from_db()
    assert pool.handler == alice
    with pytest.raises(ClaimError):  # no longer unassigned: bob may not take it
        services.claim_assign(claim=pool, handler=bob, by=bob)


def test_reason_with_a_nul_byte_is_kept_without_it(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.WITHDRAWN)
    client.force_login(alice)
    act(client, claim, "reopen", reason="再開\x00します")
    assert status_of(claim) == S.REPORTED
    assert StatusChange.objects.get(claim=claim).reason == "再開します"


def test_a_paid_claim_can_be_closed_and_reopened_from_the_claim_page(client, alice, carol):
    from claims.approvals import payouts
    from tests.claims.approval_helpers import awaiting_claim

    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    payouts.payout_mark_paid(claim=claim, by=carol, paid_on=datetime.date.today(), reference="F")
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert 'name="action" value="close"' in page and 'name="action" value="reopen"' in page
    act(client, claim, "close")
    assert status_of(claim) == S.CLOSED
    act(client, claim, "reopen", reason="")  # a reason is required
    assert status_of(claim) == S.CLOSED
    act(client, claim, "reopen", reason="顧問先から追加の損害賠償請求")
    assert status_of(claim) == S.UNDER_ASSESSMENT
    trace = StatusChange.objects.filter(claim=claim).latest("at")
    assert (trace.from_status, trace.reason) == (S.CLOSED, "顧問先から追加の損害賠償請求")


def test_a_paid_claim_can_be_reopened_directly_for_a_late_claim(alice, carol):
    claim = make_claim(created_by=alice, handler=alice, status=S.PAID)
    with pytest.raises(ClaimError, match="理由"):
        services.claim_reopen(claim=claim, by=alice, reason="")
    services.claim_reopen(claim=claim, by=alice, reason="追加請求")
    assert status_of(claim) == S.UNDER_ASSESSMENT
    with pytest.raises(ClaimError, match="支払済みの事故だけ"):
        services.claim_close(claim=claim, by=alice)
