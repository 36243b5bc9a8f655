"""Overpayments (過払い返還): a claim reopened after payment and assessed below what it was
paid is not approved but closed with a refund request, which the desk later records as
received or waives. Refunds asked for count against what was paid if it is reopened again."""

import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from claims.approvals import payouts
from claims.models import Claim, Recovery, StatusChange
from claims.services import ClaimError, claim_refresh_totals, claim_transition
from coverage.adapters import claim_assessment
from tests.claims.approval_helpers import late_damage_item, paid_and_reopened

pytestmark = pytest.mark.django_db
S = Claim.Status
TODAY = datetime.date.today()


def q7_after_payment(alice, carol):
    """Paid 1,248,000 (1,200,000 liability + 48,000 expenses); reopened because the insured
    then chose to claim from the provider directly (Q7): everything is now excluded."""
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=0)
    Claim.objects.filter(pk=claim.pk).update(direct_recovery_elected=True)
    claim.refresh_from_db()
    claim_refresh_totals(claim=claim)
    return claim


def due(claim):
    return payouts.next_payment(claim, claim_assessment(claim).assessment)


def test_a_q7_election_after_payment_asks_for_everything_back_and_closes(alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    assert due(claim).overpayment == 1_248_000
    assert (
        payouts.recovery_problems(
            claim=claim, by=erin, assessment=claim_assessment(claim).assessment
        )
        == []
    )

    recovery = payouts.recovery_request(
        claim=claim, by=erin, amount=1_248_000, reason="Q7 直接請求に切替"
    )

    assert (recovery.amount, recovery.liability_amount, recovery.expense_amount) == (
        1_248_000,
        1_200_000,
        48_000,
    )
    assert recovery.status == Recovery.Status.REQUESTED
    claim.refresh_from_db()
    assert claim.status == S.CLOSED
    change = StatusChange.objects.filter(claim=claim).latest("at", "id")
    assert change.reason == "過払い返還請求 1,248,000円: Q7 直接請求に切替"


def test_refused_with_a_stale_amount_by_the_handler_or_twice(alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    with pytest.raises(ClaimError, match="現在の過払い額 1,248,000円 と異なります"):
        payouts.recovery_request(claim=claim, by=erin, amount=1_000, reason="x")
    with pytest.raises(ClaimError, match="四つの目"):
        payouts.recovery_request(claim=claim, by=alice, amount=1_248_000, reason="x")
    with pytest.raises(ClaimError, match="理由を入力してください"):
        payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason=" ")
    payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    with pytest.raises(ClaimError, match="承認待ちの事故のみ"):
        payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    assert Recovery.objects.filter(claim=claim).count() == 1


def test_the_database_allows_one_open_request_per_claim(alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    with pytest.raises(IntegrityError):
        Recovery.objects.create(
            claim=claim, amount=1, liability_amount=1, reason="二重", requested_by=erin
        )


def test_one_pot_down_and_the_other_up_is_not_netted(alice, carol, erin):
    claim = paid_and_reopened(handler=alice, approver=carol, late_damage=0, late_expense=10_000)
    damage = claim.damages.get()
    damage.recognized = 1_000_000  # liability 200,000 below what it was paid
    damage.save()
    claim_refresh_totals(claim=claim)
    d = due(claim)
    assert (d.liability, d.expenses, d.overpayment) == (-200_000, 10_000, 0)
    assert "相殺はしません" in d.problem()
    with pytest.raises(ClaimError, match="過払いはありません"):
        payouts.recovery_request(claim=claim, by=erin, amount=190_000, reason="x")


def test_received_and_waived_are_recorded_once_with_what_they_need(alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    recovery = payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    with pytest.raises(ClaimError, match="免除の理由"):
        payouts.recovery_settle(recovery=recovery, by=erin, outcome="waived", on=TODAY, note="")
    with pytest.raises(ClaimError, match="未来の日付"):
        payouts.recovery_settle(
            recovery=recovery,
            by=erin,
            outcome="received",
            on=TODAY + datetime.timedelta(days=1),
            note="",
        )
    with pytest.raises(ClaimError, match="監督者のみ"):
        payouts.recovery_settle(recovery=recovery, by=alice, outcome="received", on=TODAY, note="")

    done = payouts.recovery_settle(
        recovery=recovery, by=erin, outcome="received", on=TODAY, note="入金 FB-9"
    )

    assert (done.status, done.settled_on, done.settled_note) == ("received", TODAY, "入金 FB-9")
    with pytest.raises(ClaimError, match="既に「返還済み」"):
        payouts.recovery_settle(recovery=recovery, by=erin, outcome="waived", on=TODAY, note="x")


def test_a_refund_asked_for_counts_against_what_was_paid_a_waived_one_does_not(alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    recovery = payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    # the insured goes back on the election; reopened, the claim is worth 1,248,000 again
    claim_transition(claim=claim, to=S.UNDER_ASSESSMENT, by=alice, reason="Q7 撤回")
    Claim.objects.filter(pk=claim.pk).update(direct_recovery_elected=False)
    claim.refresh_from_db()
    late_damage_item(claim, alice, 100_000)
    claim_refresh_totals(claim=claim)

    asked = due(claim)
    assert (asked.previously_paid, asked.amount) == (0, 1_348_000)

    # waived by another supervisor than erin, who asked for it (four eyes)
    payouts.recovery_settle(recovery=recovery, by=carol, outcome="waived", on=TODAY, note="少額")
    waived = due(claim)
    assert (waived.previously_paid, waived.amount) == (1_248_000, 100_000)


def test_the_approval_page_offers_the_refund_instead_of_a_payment(client, alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    client.force_login(erin)
    url = reverse("approvals:detail", args=[claim.number])

    page = client.get(url).content.decode()

    assert "返還請求額 <strong>1,248,000円</strong>" in page
    assert "直接請求を選択しているため (Q7)、承認できません" in page  # why no payment
    refused = client.post(
        reverse("approvals:recover", args=[claim.number]),
        {"recover-amount": "1248000", "recover-reason": "Q7"},
    )
    assert refused.status_code == 400
    assert "返還請求額を確認したらチェックを入れてください。" in refused.content.decode()
    assert not Recovery.objects.exists()

    response = client.post(
        reverse("approvals:recover", args=[claim.number]),
        {"recover-amount": "1248000", "recover-reason": "Q7 直接請求", "recover-confirm": "on"},
        follow=True,
    )

    assert "過払いの返還を請求し、事故を終了しました。" in response.content.decode()
    assert Recovery.objects.get(claim=claim).amount == 1_248_000


def test_the_payout_panel_records_the_refund_received(client, alice, carol, erin):
    claim = q7_after_payment(alice, carol)
    recovery = payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    client.force_login(erin)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "過払い返還 返還請求中" in page and 'name="settle-outcome"' in page
    settle = reverse("approvals:settle_recovery", args=[claim.number, recovery.pk])

    bad = client.post(settle, {"settle-outcome": "waived", "settle-on": TODAY.isoformat()})
    recovery.refresh_from_db()
    assert recovery.status == "requested"  # a waiver needs its reason
    assert bad.status_code == 302

    client.post(
        settle,
        {"settle-outcome": "received", "settle-on": TODAY.isoformat(), "settle-note": "FB-77"},
    )

    recovery.refresh_from_db()
    assert (recovery.status, recovery.settled_note, recovery.settled_by) == (
        "received",
        "FB-77",
        erin,
    )
    client.force_login(alice)  # the handler sees it, cannot record it
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "過払い返還 返還済み" in page and 'name="settle-outcome"' not in page


def test_the_incident_register_nets_the_refund(alice, carol, erin):
    from claims.incidents.register import incident_register

    claim = q7_after_payment(alice, carol)
    recovery = payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    incident = claim.incident

    asked = incident_register(incident).total
    assert (asked.payable, asked.paid) == (0, 1_248_000)  # owed back, not back yet

    payouts.recovery_settle(recovery=recovery, by=erin, outcome="received", on=TODAY, note="")
    back = incident_register(incident).total
    assert (back.payable, back.paid, back.paid_liability, back.paid_expenses) == (0, 0, 0, 0)


def test_the_timeline_and_the_payout_csv_tell_the_refund(client, alice, carol, erin):
    import csv
    import io

    claim = q7_after_payment(alice, carol)
    recovery = payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    payouts.recovery_settle(recovery=recovery, by=erin, outcome="received", on=TODAY, note="R-1")
    client.force_login(erin)

    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "過払い返還 1,248,000円" in page  # the timeline names it

    body = client.get(reverse("incidents:payouts_csv", args=[claim.incident_id]))
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))
    assert sum(int(r[-1]) for r in rows[1:]) == 0  # paid 1,248,000, refunded 1,248,000
    assert rows[-1][3] == "返還済み" and rows[-1][7] == "R-1"


def test_the_settlement_summary_asks_for_the_refund_instead_of_a_negative_payment(
    alice, carol, erin
):
    import io

    from pypdf import PdfReader

    from documents import rendering

    def text(claim):
        content = rendering.render_settlement_pdf(claim)
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)

    claim = q7_after_payment(alice, carol)
    before = text(claim)
    assert "過払い額 (ご返還をお願いする額)" in before and "-1,248,000" not in before

    payouts.recovery_request(claim=claim, by=erin, amount=1_248_000, reason="Q7")
    claim.refresh_from_db()
    after = text(claim)
    assert "過払いのご返還 (返還請求中)" in after and "− 1,248,000円" in after
