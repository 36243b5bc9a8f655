"""Four eyes from the claim's whole history (issue 16, item 1): whoever handled the claim
(ever), filed it, changed its facts or items, uploaded its documents, sent it to approval or
asked a refund of it does not approve, send back, ask back, waive or record as paid."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from claims.approvals import four_eyes, payouts
from claims.models import Claim, ClientDamage, Expense, OvertimeEntry, Payout
from claims.services import (
    ClaimError,
    claim_assign,
    claim_refresh_totals,
    claim_send_to_approval,
    claim_start_assessment,
    claim_update_facts,
    item_create,
)
from coverage import vocab
from documents.services import document_upload
from tests.claims.approval_helpers import awaiting_claim, file_documents
from tests.conftest import make_claim, make_policy
from tests.documents.doc_helpers import pdf

pytestmark = pytest.mark.django_db
S = Claim.Status
TODAY = datetime.date.today()


def unassigned_claim(*, filer, liability=700_000, expense=78_000):
    """Under assessment, filed by `filer`, nobody assigned: any supervisor may edit it."""
    claim = make_claim(created_by=filer, handler=None, status=S.UNDER_ASSESSMENT)
    if liability:
        ClientDamage.objects.create(
            claim=claim,
            client_name="株式会社山田製作所",
            kind=vocab.KIND_BUSINESS_INTERRUPTION,
            claimed=liability,
            recognized=liability,
            created_by=filer,
            updated_by=filer,
        )
    if expense:
        Expense.objects.create(
            claim=claim,
            category=vocab.CATEGORY_CUSTOMER_NOTIFICATION,
            amount=expense,
            created_by=filer,
            updated_by=filer,
        )
    claim_refresh_totals(claim=claim)
    file_documents(claim, by=filer)  # Q1: the substantiation and claim documents on file
    return claim


def approve(claim, by):
    claim.refresh_from_db()
    return payouts.payout_approve(claim=claim, by=by, amount=claim.total_payable)


# --- the reproductions ------------------------------------------------------------------


def test_carol_edits_the_facts_sends_to_approval_and_is_refused_over_http(
    client, alice, carol, erin
):
    claim = unassigned_claim(filer=alice)
    assert claim.total_payable == 778_000
    client.force_login(carol)
    page = client.get(f"/claims/{claim.number}/").content.decode()
    assert "編集すると、この事故を承認できなくなります" in page  # said before she edits

    client.post(
        f"/claims/{claim.number}/facts/",
        {
            "facts-noticed_on": "2023-06-06",
            "facts-description": "監督者が概要を修正",
            "facts-talks_difficult": "on",
        },
    )
    client.post(f"/claims/{claim.number}/action/", {"action": "send_to_approval"})
    claim.refresh_from_db()
    assert (claim.status, claim.talks_difficult) == (S.AWAITING_APPROVAL, True)

    detail = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "ご自身が承認に回した事故の承認はできません (四つの目の原則)。" in detail
    response = client.post(
        f"/approvals/{claim.number}/approve/",
        {"amount": 778_000, "confirm": "on", "version": payouts_version(claim)},
        follow=True,
    )
    assert "四つの目の原則" in response.content.decode()
    assert not Payout.objects.filter(claim=claim).exists()
    assert approve(claim, erin).approved_by == erin  # another supervisor may


def payouts_version(claim):
    from claims.approvals.versions import claim_version

    return claim_version(claim)


def test_a_supervisor_who_changed_the_facts_only_is_refused(alice, carol, erin):
    claim = unassigned_claim(filer=alice)
    claim_update_facts(claim=claim, by=carol, talks_difficult=True)
    claim_send_to_approval(claim=claim, by=alice)  # the filer sends it, not carol

    assert four_eyes.money_touchers(claim)[carol.pk] == four_eyes.FACTS
    with pytest.raises(ClaimError, match=r"ご自身が内容 \(事故の事実\) を変更した事故の承認"):
        approve(claim, carol)
    approve(claim, erin)


def test_carol_uploads_the_evidence_that_makes_overtime_payable_and_is_refused(alice, carol, erin):
    claim = unassigned_claim(filer=alice, liability=0, expense=0)
    entry = OvertimeEntry.objects.create(
        claim=claim,
        employee="山田花子",
        minutes=12_000,
        hourly_rate=3_000,
        created_by=alice,
        updated_by=alice,
    )
    claim_refresh_totals(claim=claim)
    assert (claim.pending_items, claim.total_payable) == (1, 0)
    for kind in (
        vocab.EVIDENCE_ATTENDANCE_RECORD,
        vocab.EVIDENCE_WAGE_BASIS,
        vocab.EVIDENCE_TASK_RECORD,
    ):
        document_upload(
            claim=claim, by=carol, files=[pdf(f"{kind}.pdf")], kind=kind, overtime_entries=[entry]
        )
    claim.refresh_from_db()
    assert (claim.pending_items, claim.total_payable) == (0, 750_000)
    file_documents(claim, by=alice)
    claim_send_to_approval(claim=claim, by=alice)

    with pytest.raises(
        ClaimError, match="ご自身が書類を登録・変更・削除した事故の承認はできません"
    ):
        approve(claim, carol)
    assert approve(claim, erin).amount == 750_000


def test_a_claim_imported_with_carol_as_handler_then_reassigned_is_refused_to_her(
    tmp_path, client, alice, bob, carol, erin, mk_incident
):
    policy = make_policy()
    path = tmp_path / "import.csv"
    path.write_text(
        "external_ref,policy_number,incident_provider,incident_date,noticed_on,handler,"
        "item_type,client_name,kind,claimed,recognized\n"
        f"R-9,{policy.number},株式会社エムケイシステム,2023-06-05,2023-06-06,carol,"
        "damage,甲社,business_interruption,500000,500000\n",
        encoding="utf-8",
    )
    call_command("import_claims", str(path), "--by", "alice", stdout=StringIO())
    claim = Claim.objects.get(external_ref="R-9")
    assert claim.handler == carol
    claim_assign(claim=claim, handler=bob, by=erin)  # reassigned: the row no longer names her
    claim_start_assessment(claim=claim, by=bob)
    file_documents(claim, by=bob)
    claim_send_to_approval(claim=claim, by=bob)

    with pytest.raises(ClaimError, match="ご自身が以前担当していた事故の承認はできません"):
        approve(claim, carol)

    # the queue and the approval page say why, before she tries
    client.force_login(carol)
    queue = client.get("/approvals/").content.decode()
    assert "ご自身が以前担当していた事故の承認はできません (四つの目の原則)。" in queue
    detail = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "ご自身が以前担当していた事故の承認はできません" in detail
    assert "この金額で承認する" in detail and "disabled>この金額で承認する" in detail
    approve(claim, erin)


def test_an_item_a_supervisor_added_and_the_handler_later_deleted_still_binds(alice, carol, erin):
    claim = unassigned_claim(filer=alice)
    extra = item_create(
        claim=claim,
        section="expenses",
        by=carol,
        data={"category": vocab.CATEGORY_CUSTOMER_NOTIFICATION, "amount": 1_000},
    )
    from claims.services import item_delete

    item_delete(item=extra, by=alice)
    claim_send_to_approval(claim=claim, by=alice)
    with pytest.raises(ClaimError, match="ご自身が費用を入力・変更した事故の承認はできません"):
        approve(claim, carol)


# --- every money action asks the same question ---------------------------------------------


def test_send_back_and_mark_paid_ask_four_eyes_too(client, alice, carol, erin):
    claim = unassigned_claim(filer=alice)
    claim_update_facts(claim=claim, by=carol, talks_difficult=True)
    claim_send_to_approval(claim=claim, by=alice)

    with pytest.raises(ClaimError, match="差戻しはできません"):
        payouts.claim_send_back(claim=claim, by=carol, reason="確認")
    approve(claim, erin)
    with pytest.raises(ClaimError, match="支払済みの記録はできません"):
        payouts.payout_mark_paid(claim=claim, by=carol, paid_on=TODAY, reference="FB-1")
    client.force_login(carol)
    panel = client.get(f"/claims/{claim.number}/").content.decode()
    assert "四つの目の原則" in panel and 'name="paid-reference"' not in panel

    payouts.payout_mark_paid(claim=claim, by=erin, paid_on=TODAY, reference="FB-1")
    claim.refresh_from_db()
    assert claim.status == S.PAID


def test_the_handler_and_filer_of_an_ordinary_claim_are_still_the_touchers(alice, carol):
    claim = awaiting_claim(handler=alice)
    touchers = four_eyes.money_touchers(claim)
    assert touchers == {alice.pk: four_eyes.HANDLING}
    assert payouts.four_eyes_conflict(claim=claim, user=carol) is None


# --- refunds: waiving is a money decision (item 4) -------------------------------------------


def refund_requested(alice, carol, erin):
    """Paid 1,248,000; reopened after a Q7 election; erin asked the 1,248,000 back."""
    from tests.claims.approval_helpers import paid_and_reopened

    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=0)
    Claim.objects.filter(pk=claim.pk).update(direct_recovery_elected=True)
    claim.refresh_from_db()
    claim_refresh_totals(claim=claim)
    return payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")


def waive(recovery, by):
    return payouts.recovery_settle(
        recovery=recovery, by=by, outcome="waived", on=TODAY, note="少額のため"
    )


def test_the_supervisor_who_asked_for_a_refund_may_not_waive_it(alice, carol, erin):
    recovery = refund_requested(alice, carol, erin)
    with pytest.raises(
        ClaimError, match="ご自身が過払いの返還を請求した事故の返還の免除はできません"
    ):
        waive(recovery, erin)
    recovery.refresh_from_db()
    assert recovery.status == "requested"


def test_another_supervisor_within_authority_waives(alice, carol, erin):
    recovery = refund_requested(alice, carol, erin)
    done = waive(recovery, carol)  # 1,248,000 within carol's 10,000,000
    assert (done.status, done.settled_by) == ("waived", carol)


def test_a_waiver_beyond_authority_or_by_an_admin_is_refused(alice, carol, erin, dave):
    from tests.conftest import make_user

    recovery = refund_requested(alice, carol, erin)
    frank = make_user("frank", "supervisor", limit=1_000_000)
    with pytest.raises(ClaimError, match="免除額 1,248,000円 はあなたの承認権限額 1,000,000円"):
        waive(recovery, frank)
    with pytest.raises(ClaimError, match="返還の免除は監督者のみ"):
        waive(recovery, dave)
    recovery.refresh_from_db()
    assert recovery.status == "requested"
    # an admin still records a refund received (no money decision)
    payouts.recovery_settle(recovery=recovery, by=dave, outcome="received", on=TODAY, note="FB")


# --- approvals bind to what was seen (item 9) -----------------------------------------------


def resent_with_another_client(claim, handler, supervisor):
    """Sent back, the damage moved to another client at the same amount, sent again."""
    from claims.services import item_update

    payouts.claim_send_back(claim=claim, by=supervisor, reason="顧問先を確認してください")
    item_update(item=claim.damages.get(), by=handler, data={"client_name": "株式会社別会社"})
    file_documents(claim, by=handler)  # the new client's claim and contract
    claim_send_to_approval(claim=claim, by=handler)
    claim.refresh_from_db()


def test_an_approval_from_the_page_before_a_same_total_change_is_refused(client, alice, erin):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    item_create(
        claim=claim,
        section="damages",
        by=alice,
        data={
            "client_name": "株式会社山田製作所",
            "kind": vocab.KIND_BUSINESS_INTERRUPTION,
            "claimed": 1_200_000,
            "recognized": 1_200_000,
        },
    )
    file_documents(claim, by=alice)
    claim_send_to_approval(claim=claim, by=alice)
    client.force_login(erin)
    old_page = client.get(f"/approvals/{claim.number}/").content.decode()
    old_version = payouts_version(claim)
    assert f'name="version" value="{old_version}"' in old_page

    resent_with_another_client(claim, alice, erin)
    assert claim.total_payable == 1_200_000  # the same total: the amount alone would pass

    response = client.post(
        f"/approvals/{claim.number}/approve/",
        {"amount": 1_200_000, "confirm": "on", "version": old_version},
        follow=True,
    )
    assert "内容が変わりました。最新の内容を確認してから承認してください。" in (
        response.content.decode()
    )
    assert not Payout.objects.filter(claim=claim).exists()

    fresh = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "株式会社別会社" in fresh
    client.post(
        f"/approvals/{claim.number}/approve/",
        {"amount": 1_200_000, "confirm": "on", "version": payouts_version(claim)},
    )
    assert Payout.objects.get(claim=claim).amount == 1_200_000


def test_the_service_refuses_a_stale_version_and_a_form_without_one(client, alice, erin):
    claim = awaiting_claim(handler=alice)
    seen = payouts_version(claim)
    # sent back and sent again unchanged: a new submission, a new version
    payouts.claim_send_back(claim=claim, by=erin, reason="確認")
    claim_send_to_approval(claim=claim, by=alice)
    with pytest.raises(ClaimError, match="内容が変わりました"):
        payouts.payout_approve(claim=claim, by=erin, amount=1_248_000, version=seen)

    client.force_login(erin)
    response = client.post(
        f"/approvals/{claim.number}/approve/", {"amount": 1_248_000, "confirm": "on"}
    )
    assert response.status_code == 400
    assert "内容が変わりました" in response.content.decode()
    assert not Payout.objects.filter(claim=claim).exists()
    payouts.payout_approve(claim=claim, by=erin, amount=1_248_000, version=payouts_version(claim))
