"""Supervisor approval: authority limits, four eyes, blockers, reopen, payment, extension."""

import datetime

import pytest
from django.contrib.auth.models import Group

from claims.approvals import payouts
from claims.approvals.versions import claim_version
from claims.models import Claim, ClientDamage, PaymentExtension, Payout, StatusChange
from claims.services import ClaimError, claim_refresh_totals
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
S = Claim.Status


def test_carol_approves_within_her_limit_and_the_payout_freezes_the_assessment(alice, carol):
    claim = awaiting_claim(handler=alice)
    payout = payouts.payout_approve(claim=claim, by=carol, amount=1_248_000)
    claim.refresh_from_db()
    assert claim.status == S.APPROVED
    assert (payout.amount, payout.liability_amount, payout.expense_amount) == (
        1_248_000,
        1_200_000,
        48_000,
    )
    assert payout.approved_by == carol
    assert payout.snapshot["assessment"]["total_payable"] == 1_248_000
    assert payout.snapshot["items"]["damages"][0]["recognized"] == 1_200_000
    trace = claim.status_changes.last()
    assert (trace.from_status, trace.to_status, trace.by) == (
        S.AWAITING_APPROVAL,
        S.APPROVED,
        carol,
    )


def test_carol_is_refused_above_her_limit_and_told_who_can_approve(alice, carol, erin):
    claim = awaiting_claim(handler=alice, liability=12_000_000, expense=0)
    with pytest.raises(ClaimError) as refused:
        payouts.payout_approve(claim=claim, by=carol, amount=12_000_000)
    message = str(refused.value)
    assert "10,000,000円" in message and "12,000,000円" in message
    assert "erin" in message or "200,000,000円" in message
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_APPROVAL
    assert not Payout.objects.filter(claim=claim).exists()

    payout = payouts.payout_approve(claim=claim, by=erin, amount=12_000_000)
    assert payout.amount == 12_000_000 and payout.approved_by == erin


def test_supervisor_without_authority_row_may_not_approve(alice):
    frank = make_user("frank", "supervisor")
    claim = awaiting_claim(handler=alice)
    with pytest.raises(ClaimError, match="承認権限が登録されていない"):
        payouts.payout_approve(claim=claim, by=frank, amount=claim.total_payable)


def test_handler_may_not_approve(alice, bob):
    claim = awaiting_claim(handler=alice)
    with pytest.raises(ClaimError, match="監督者のみ"):
        payouts.payout_approve(claim=claim, by=bob, amount=claim.total_payable)


def test_four_eyes_refuses_a_supervisor_who_handles_the_claim(erin):
    erin.groups.add(Group.objects.get(name="handler"))
    claim = awaiting_claim(handler=erin)
    with pytest.raises(ClaimError, match="四つの目"):
        payouts.payout_approve(claim=claim, by=erin, amount=claim.total_payable)
    assert claim.payouts.count() == 0


def test_four_eyes_refuses_a_supervisor_who_once_changed_an_item(alice, carol, erin):
    claim = awaiting_claim(handler=alice)
    damage = claim.damages.get()
    damage.description = "監督者が修正"
    damage.updated_by = carol
    damage._history_user = carol
    damage.save()
    # alice edits it again afterwards: the row no longer names carol, its history does
    damage.description = "担当者が再修正"
    damage.updated_by = alice
    damage._history_user = alice
    damage.save()
    with pytest.raises(ClaimError, match="四つの目"):
        payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    payouts.payout_approve(claim=claim, by=erin, amount=claim.total_payable)


def test_pending_items_block_approval(alice, erin):
    claim = awaiting_claim(handler=alice, pending=True)
    assert claim.pending_items == 1
    with pytest.raises(ClaimError, match="保留中の項目が 1 件"):
        payouts.payout_approve(claim=claim, by=erin, amount=claim.total_payable)


def test_direct_recovery_election_blocks_approval(alice, erin):
    claim = awaiting_claim(handler=alice, direct_recovery_elected=True)
    with pytest.raises(ClaimError, match="直接請求"):
        payouts.payout_approve(claim=claim, by=erin, amount=claim.total_payable)


def test_approval_refuses_an_amount_the_claim_no_longer_has(alice, erin):
    claim = awaiting_claim(handler=alice)
    seen = claim.total_payable
    ClientDamage.objects.filter(claim=claim).update(recognized=1_000_000)
    with pytest.raises(ClaimError, match="現在の査定額 1,048,000円"):
        payouts.payout_approve(claim=claim, by=erin, amount=seen)


def test_second_approval_is_a_clean_refusal(alice, carol, erin):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    with pytest.raises(ClaimError, match="承認済み"):
        payouts.payout_approve(claim=claim, by=erin, amount=claim.total_payable)
    assert claim.payouts.count() == 1


def test_send_back_and_reject_need_a_reason(alice, carol):
    claim = awaiting_claim(handler=alice)
    with pytest.raises(ClaimError, match="理由"):
        payouts.claim_send_back(claim=claim, by=carol, reason="  ")
    payouts.claim_send_back(claim=claim, by=carol, reason="証憑を再確認してください")
    assert claim.status == S.UNDER_ASSESSMENT
    assert claim.status_changes.last().reason == "証憑を再確認してください"

    other = awaiting_claim(handler=alice)
    with pytest.raises(ClaimError, match="理由"):
        payouts.claim_reject(claim=other, by=carol, reason="")
    payouts.claim_reject(claim=other, by=carol, reason="法律上の賠償責任なし")
    assert other.status == S.CLOSED


def test_handler_cannot_send_back(alice, bob):
    claim = awaiting_claim(handler=alice)
    with pytest.raises(ClaimError, match="監督者"):
        payouts.claim_send_back(claim=claim, by=bob, reason="x")


def test_reopen_voids_the_payout_with_a_trace_and_the_snapshot_stays(alice, carol, erin):
    claim = awaiting_claim(handler=alice)
    payout = payouts.payout_approve(claim=claim, by=carol, amount=1_248_000)
    with pytest.raises(ClaimError, match="理由"):
        payouts.payout_void_and_reopen(claim=claim, by=carol, reason="")
    payouts.payout_void_and_reopen(claim=claim, by=carol, reason="顧問先の請求額が減額された")
    payout.refresh_from_db()
    claim.refresh_from_db()
    assert payout.status == Payout.Status.VOIDED
    assert payout.voided_by == carol and payout.voided_at is not None
    assert payout.void_reason == "顧問先の請求額が減額された"
    assert claim.status == S.UNDER_ASSESSMENT
    trace = StatusChange.objects.filter(claim=claim).last()
    assert (trace.from_status, trace.to_status) == (S.APPROVED, S.UNDER_ASSESSMENT)
    assert "顧問先の請求額が減額された" in trace.reason

    # the handler edits the item after the reopen: the voided payout's snapshot does not move
    damage = claim.damages.get()
    damage.recognized = 900_000
    damage.updated_by = alice
    damage.save()
    claim_refresh_totals(claim=claim)
    payout.refresh_from_db()
    assert payout.snapshot["items"]["damages"][0]["recognized"] == 1_200_000
    assert payout.snapshot["assessment"]["total_payable"] == 1_248_000

    # resubmitted and approved again: a new live payout at the new amount
    Claim.objects.filter(pk=claim.pk).update(status=S.AWAITING_APPROVAL)
    second = payouts.payout_approve(claim=claim, by=erin, amount=948_000)
    assert second.amount == 948_000
    assert list(claim.payouts.order_by("id").values_list("status", flat=True)) == [
        "voided",
        "approved",
    ]


def test_mark_paid_records_date_and_reference(alice, carol):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    today = datetime.date.today()
    with pytest.raises(ClaimError, match="参照番号"):
        payouts.payout_mark_paid(claim=claim, by=carol, paid_on=today, reference="")
    with pytest.raises(ClaimError, match="未来"):
        payouts.payout_mark_paid(
            claim=claim, by=carol, paid_on=today + datetime.timedelta(days=3), reference="X"
        )
    with pytest.raises(ClaimError, match="監督者"):
        payouts.payout_mark_paid(claim=claim, by=alice, paid_on=today, reference="X")
    payout = payouts.payout_mark_paid(claim=claim, by=carol, paid_on=today, reference="FB-0001")
    claim.refresh_from_db()
    assert claim.status == S.PAID and claim.paid_on == today
    assert (payout.status, payout.paid_on, payout.payment_reference) == ("paid", today, "FB-0001")
    with pytest.raises(ClaimError, match="承認済みの事故のみ"):
        payouts.payout_mark_paid(claim=claim, by=carol, paid_on=today, reference="FB-0002")
    with pytest.raises(ClaimError):
        payouts.payout_void_and_reopen(claim=claim, by=carol, reason="誤り")


def test_payment_extension_needs_reason_and_a_later_date(alice, bob, carol):
    claim = awaiting_claim(handler=alice)
    due = claim.payment_due_on
    reason = "顧問先への事実確認が必要なため書面で通知済み"
    with pytest.raises(ClaimError, match="理由"):
        payouts.payment_extend(
            claim=claim, by=carol, new_due_on=due + datetime.timedelta(days=10), reason=""
        )
    with pytest.raises(ClaimError, match="より後"):
        payouts.payment_extend(claim=claim, by=carol, new_due_on=due, reason=reason)
    for handler in (bob, alice):  # a supervisor's decision, even on one's own claim
        with pytest.raises(ClaimError, match="監督者のみ"):
            payouts.payment_extend(
                claim=claim, by=handler, new_due_on=due + datetime.timedelta(days=10), reason=reason
            )
    payouts.payment_extend(
        claim=claim, by=carol, new_due_on=due + datetime.timedelta(days=30), reason=reason
    )
    claim.refresh_from_db()
    assert claim.payment_due_on == due + datetime.timedelta(days=30)
    ext = PaymentExtension.objects.get(claim=claim)
    assert ext.by == carol and "書面で通知済み" in ext.reason


# --- views ---------------------------------------------------------------------------------


def test_handler_gets_403_on_the_approval_queue_and_page(client, alice):
    claim = awaiting_claim(handler=alice)
    client.force_login(alice)
    assert client.get("/approvals/").status_code == 403
    assert client.get(f"/approvals/{claim.number}/").status_code == 403
    response = client.post(f"/approvals/{claim.number}/approve/", {"amount": 1, "confirm": "on"})
    assert response.status_code == 403
    assert not Payout.objects.exists()


def test_queue_lists_awaiting_claims_oldest_first_with_flags_in_fixed_queries(
    client, alice, carol, django_assert_max_num_queries
):
    first = awaiting_claim(handler=alice, talks_difficult=True)
    second = awaiting_claim(handler=alice, pending=True)
    for _ in range(8):
        awaiting_claim(handler=alice)
    # submitted to approval in this order
    for claim in Claim.objects.order_by("id"):
        StatusChange.objects.create(
            claim=claim, from_status=S.UNDER_ASSESSMENT, to_status=S.AWAITING_APPROVAL, by=alice
        )
    client.force_login(carol)
    # +2 for four eyes, whatever the page size: one UNION of every source, one history read
    with django_assert_max_num_queries(10):
        response = client.get("/approvals/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(first.number) < html.index(second.number)
    assert "交渉難航" in html and "保留 1件" in html
    assert "1,248,000円" in html
    assert "期限超過" in html  # due 2023-07-31


def test_approval_page_shows_assessment_and_refuses_over_limit(client, alice, carol):
    claim = awaiting_claim(handler=alice, liability=12_000_000, expense=0)
    client.force_login(carol)
    page = client.get(f"/approvals/{claim.number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "12,000,000円" in html and "承認できません" in html and "承認権限額" in html
    response = client.post(
        f"/approvals/{claim.number}/approve/",
        {"amount": 12_000_000, "confirm": "on", "version": claim_version(claim)},
        follow=True,
    )
    assert response.status_code == 200
    assert "承認権限額 10,000,000円 を超えています" in response.content.decode()
    assert not Payout.objects.exists()


def test_carol_approves_through_the_page(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    client.force_login(carol)
    # unconfirmed: the checkbox error is shown next to it, nothing approved
    seen = claim_version(claim)
    response = client.post(
        f"/approvals/{claim.number}/approve/", {"amount": 1_248_000, "version": seen}
    )
    assert response.status_code == 400
    assert "チェックを入れてください" in response.content.decode()
    response = client.post(
        f"/approvals/{claim.number}/approve/",
        {"amount": 1_248_000, "confirm": "on", "version": seen},
        follow=True,
    )
    assert "支払を承認しました" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.APPROVED
    assert Payout.objects.get(claim=claim).approved_by == carol


def test_send_back_without_reason_shows_the_error_next_to_the_field(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    client.force_login(carol)
    response = client.post(f"/approvals/{claim.number}/send-back/", {"back-reason": " "})
    assert response.status_code == 400
    assert "理由を入力してください" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_APPROVAL
    client.post(f"/approvals/{claim.number}/send-back/", {"back-reason": "証憑の再確認"})
    claim.refresh_from_db()
    assert claim.status == S.UNDER_ASSESSMENT


def test_unknown_claim_is_404_and_get_on_a_write_url_is_405(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    client.force_login(carol)
    assert client.get("/approvals/C99-999999/").status_code == 404
    assert client.get(f"/approvals/{claim.number}/approve/").status_code == 405


def test_garbage_posts_never_500(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    client.force_login(carol)
    for url, data in [
        ("approve", {"amount": "abc", "confirm": "on"}),
        ("approve", {"amount": "-5", "confirm": "on"}),
        ("approve", {"amount": "99999999999999999999999", "confirm": "on"}),
        ("paid", {"paid-paid_on": "2023-02-30", "paid-reference": "x"}),
        ("extend", {"extend-new_due_on": "", "extend-reason": ""}),
        ("reopen", {"reopen-reason": ""}),
    ]:
        response = client.post(f"/approvals/{claim.number}/{url}/", data)
        assert response.status_code in {302, 400}, (url, response.status_code)
    assert not Payout.objects.exists()


def test_payout_panel_mark_paid_and_extension_through_views(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    client.force_login(carol)
    page = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "支払済みにする" in page and "承認を取り消す" in page
    # alice (the handler) cannot mark it paid
    client.force_login(alice)
    client.post(
        f"/approvals/{claim.number}/paid/",
        {"paid-paid_on": datetime.date.today().isoformat(), "paid-reference": "FB-1"},
    )
    claim.refresh_from_db()
    assert claim.status == S.APPROVED
    # alice may not extend the clock, even on her own claim; carol may
    extension = {
        "extend-new_due_on": "2023-09-30",
        "extend-reason": "追加調査が必要 (書面通知済み)",
    }
    client.post(f"/approvals/{claim.number}/extend/", extension)
    claim.refresh_from_db()
    assert claim.payment_due_on == datetime.date(2023, 7, 31)
    client.force_login(carol)
    client.post(f"/approvals/{claim.number}/extend/", extension)
    claim.refresh_from_db()
    assert claim.payment_due_on == datetime.date(2023, 9, 30)
    client.post(
        f"/approvals/{claim.number}/paid/",
        {"paid-paid_on": datetime.date.today().isoformat(), "paid-reference": "FB-1"},
    )
    claim.refresh_from_db()
    assert claim.status == S.PAID and claim.paid_on == datetime.date.today()


def test_bob_cannot_touch_a_claim_he_cannot_see(client, alice, bob):
    claim = awaiting_claim(handler=alice)
    client.force_login(bob)
    response = client.post(
        f"/approvals/{claim.number}/extend/",
        {"extend-new_due_on": "2023-09-30", "extend-reason": "x"},
    )
    assert response.status_code == 404


def test_seed_demo_gives_each_approved_paid_closed_claim_one_live_payout():
    import io

    from django.core.management import call_command

    for _ in range(2):
        call_command("seed_demo", password="demo-pass-123", stdout=io.StringIO())
    past = Claim.objects.filter(status__in=[S.APPROVED, S.PAID, S.CLOSED])
    assert past.count() >= 8
    for claim in past:
        live = claim.payouts.exclude(status=Payout.Status.VOIDED)
        assert live.count() == 1
        payout = live.get()
        assert payout.amount == claim.total_payable
        assert payout.snapshot["assessment"]["total_payable"] == payout.amount
        if claim.status != S.APPROVED:
            assert payout.status == "paid" and payout.paid_on == claim.paid_on
    waiting = Claim.objects.filter(status=S.AWAITING_APPROVAL)
    assert all(c.payment_due_on for c in waiting)
    # one paid claim came back after a Q7 election: it waits for its overpayment to be asked back
    from coverage.adapters import claim_assessment

    overpaid = waiting.get(direct_recovery_elected=True)
    due = payouts.next_payment(overpaid, claim_assessment(overpaid).assessment)
    assert due.overpayment == due.previously_paid > 0


def test_approved_claim_page_shows_the_frozen_snapshot_not_todays_limits(client, alice, carol):
    from coverage.models import Plan

    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=1_248_000)
    # an admin later cuts the plan's liability limit: the approved figures do not move
    Plan.objects.filter(code="cyber_standard").update(liability_limit=1_000_000)
    client.force_login(carol)
    html = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "承認時の査定 (凍結)" in html
    assert "1,248,000円" in html and "1,200,000円" in html
    assert "査定 (現時点)" not in html


def test_a_paid_claim_sent_back_unchanged_cannot_pay_the_same_amount_twice(alice, carol, erin):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    payouts.payout_mark_paid(claim=claim, by=carol, paid_on=datetime.date.today(), reference="FB-9")
    # paid -> closed -> reopened by the desk -> sent to approval again, nothing added
    Claim.objects.filter(pk=claim.pk).update(status=S.AWAITING_APPROVAL)
    with pytest.raises(ClaimError, match="追加支払額 0円 と異なります"):
        payouts.payout_approve(claim=claim, by=erin, amount=claim.total_payable)
    with pytest.raises(ClaimError, match="追加でお支払いする金額がありません"):
        payouts.payout_approve(claim=claim, by=erin, amount=0)
    assert claim.payouts.count() == 1


def test_an_approved_unpaid_payout_blocks_a_second_approval(alice, carol, erin):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    Claim.objects.filter(pk=claim.pk).update(status=S.AWAITING_APPROVAL)  # a stale status
    with pytest.raises(ClaimError, match="既に未払いの支払承認 \\(1,248,000円\\)"):
        payouts.payout_approve(claim=claim, by=erin, amount=claim.total_payable)
    assert claim.payouts.count() == 1


def test_a_refused_panel_form_shows_its_errors_under_the_fields_and_keeps_the_input(
    client, alice, carol
):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    client.force_login(carol)
    response = client.post(
        f"/approvals/{claim.number}/paid/",
        {"paid-paid_on": "2023-07-01", "paid-reference": "   "},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("#payout-panel")  # scrolled to the panel
    page = response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.APPROVED  # nothing recorded
    field = page[page.index('id="id_paid-reference"') :][:400]
    assert "is-invalid" in page[page.index('name="paid-reference"') - 200 :][:300]
    assert "振込番号などの参照番号を入力してください。" in field
    assert 'value="2023-07-01"' in page  # the date typed is still there
    again = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "振込番号などの参照番号を入力してください。" not in again  # shown once


def test_a_refused_extension_opens_its_section_on_the_claim_page_with_the_error(
    client, alice, carol
):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    claim.refresh_from_db()
    due = claim.payment_due_on
    client.force_login(carol)
    claim_url = f"/claims/{claim.number}/"
    page = client.post(
        f"/approvals/{claim.number}/extend/",
        {"extend-new_due_on": "2023-09-30", "extend-reason": "  ", "next": claim_url},
        follow=True,
    ).content.decode()
    claim.refresh_from_db()
    assert claim.payment_due_on == due
    section = page[page.index("支払期限を延長する") - 80 :][:1500]
    assert "open" in section.split("<summary>")[0]
    assert "理由を入力してください。" in section and 'value="2023-09-30"' in section
