"""The data migrations, the database's own guarantees, seed_demo and admin history."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import (
    Claim,
    ClientDamage,
    Expense,
    Incident,
    OvertimeEntry,
    Payout,
    StatusChange,
)
from coverage.models import Plan
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db


def test_fresh_database_has_the_three_q6_plans():
    plans = {p.code: (p.liability_limit, p.expense_limit, p.leak_only) for p in Plan.objects.all()}
    assert plans == {
        "cyber_standard": (100_000_000, 100_000_000, False),
        "leak_only_30m": (30_000_000, 30_000_000, True),
        "leak_only_5m": (5_000_000, 5_000_000, True),
    }


def test_fresh_database_has_the_mk_incident_as_threat_of_leak():
    mk = Incident.objects.get(provider_name="株式会社エムケイシステム")
    assert mk.occurred_on == datetime.date(2023, 6, 5)
    assert mk.leak_or_threat is True


def test_fresh_database_has_the_three_groups_with_permissions():
    from django.contrib.auth.models import Group

    perms = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert {"handler", "supervisor", "admin"} <= set(perms)
    assert "add_clientdamage" in perms["handler"]
    assert "change_payout" not in perms["handler"]
    assert "change_payout" in perms["supervisor"]
    assert "change_plan" in perms["admin"]
    assert "change_plan" not in perms["supervisor"]


def test_database_refuses_recognized_above_claimed(alice):
    claim = make_claim(created_by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientDamage.objects.create(
            claim=claim,
            client_name="A社",
            kind="business_interruption",
            claimed=100,
            recognized=101,
        )


def test_database_refuses_negative_amounts(alice):
    claim = make_claim(created_by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Expense.objects.create(claim=claim, category="call_center", amount=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        OvertimeEntry.objects.create(claim=claim, employee="X", minutes=-5, hourly_rate=1000)


def test_database_refuses_premium_below_one(alice):
    claim = make_claim(created_by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        OvertimeEntry.objects.create(
            claim=claim, employee="X", minutes=60, hourly_rate=1000, premium=Decimal("0.9")
        )


def test_claim_numbers_are_unique(alice):
    first = make_claim(created_by=alice)
    second = make_claim(created_by=alice)
    assert first.number != second.number
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=second.pk).update(number=first.number)


def test_database_allows_one_unpaid_payout_per_claim_and_numbers_live_ones_once(alice, carol):
    claim = make_claim(created_by=alice)
    Payout.objects.create(claim=claim, amount=10, liability_amount=10, approved_by=carol)
    with pytest.raises(IntegrityError), transaction.atomic():  # a second unpaid approval
        Payout.objects.create(
            claim=claim, sequence=2, amount=10, liability_amount=10, approved_by=carol
        )
    Payout.objects.filter(claim=claim).update(status="paid")
    with pytest.raises(IntegrityError), transaction.atomic():  # the same number twice
        Payout.objects.create(claim=claim, amount=10, liability_amount=10, approved_by=carol)
    # a supplementary payout takes the next number; a voided one frees its number
    extra = Payout.objects.create(
        claim=claim, sequence=2, amount=5, expense_amount=5, approved_by=carol
    )
    Payout.objects.filter(pk=extra.pk).update(status="voided")
    Payout.objects.create(claim=claim, sequence=2, amount=5, expense_amount=5, approved_by=carol)
    assert claim.payouts.count() == 3


def test_seed_demo_is_idempotent_and_covers_every_status():
    call_command("seed_demo", password="demo-pass-123", stdout=io.StringIO())
    counts = (Claim.objects.count(), ClientDamage.objects.count(), Expense.objects.count())
    out = io.StringIO()
    call_command("seed_demo", password="demo-pass-123", stdout=out)
    assert (Claim.objects.count(), ClientDamage.objects.count(), Expense.objects.count()) == counts
    assert counts[0] >= 60
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    # totals were computed by the engine, and the named users can log in
    assert Claim.objects.filter(total_payable__gt=0).exists()
    # and every stored figure is what a fresh assessment says (limits per policy included)
    from claims.reassess import stale_figures

    assert stale_figures() == []
    # nothing past assessment still waits for evidence (it could not have been sent on)
    past = ["awaiting_approval", "approved", "paid", "closed"]
    assert not Claim.objects.filter(status__in=past, pending_items__gt=0).exists()
    # the timeline names who entered the demo items
    assert not ClientDamage.history.filter(history_user__isnull=True).exists()
    # every claim waiting for documents was asked for them, some long enough ago to chase
    from documents import followup

    waiting = Claim.objects.filter(status="documents_requested")
    assert not waiting.exclude(document_requests__fulfilled_at__isnull=True).exists()
    due = waiting.filter(followup.due_q()).count()
    assert 0 < due < waiting.count()
    # the contact log tells the Q8 calls of the claims whose talks are difficult
    from claims.models import ClaimNote

    difficult = Claim.objects.filter(talks_difficult=True).exclude(status="draft")
    assert difficult.exists()
    for claim in difficult:
        assert ClaimNote.objects.filter(claim=claim, body__contains="(Q8)").exists()
    # a claim whose payment clock runs had its documents in: its checklist says so too
    from documents.checklist import claim_checklist

    running = Claim.objects.filter(documents_complete_on__isnull=False)
    assert running.count() >= 15
    assert all(claim_checklist(c).complete for c in running)
    # every cut has its reason (issue 15 item 6)
    from django.db.models import F

    cuts = ClientDamage.objects.filter(recognized__lt=F("claimed"))
    assert cuts.exists() and not cuts.filter(cut_reason="").exists()
    # some diary dates have come, some are still ahead
    from claims.queue.filters import next_action_due_q

    assert Claim.objects.filter(next_action_due_q()).exists()
    assert Claim.objects.filter(next_action_on__gt=timezone.localdate()).exists()
    # the trace is dated as the story goes: sent on after coming in, never in the future
    for change in StatusChange.objects.exclude(to_status="reported").select_related("claim"):
        assert change.claim.reported_at <= change.at <= timezone.now()
    from django.contrib.auth import authenticate

    for name in ("alice", "bob", "carol", "dave"):
        assert authenticate(username=name, password="demo-pass-123") is not None
    # people are written family name, a space, given name: the logins and the overtime staff
    assert "alice  佐藤 愛子 (handler)" in out.getvalue()
    employees = set(OvertimeEntry.objects.values_list("employee", flat=True))
    assert employees and all(len(name.split(" ")) == 2 for name in employees), employees


def test_dave_edits_plan_limit_in_admin_and_history_records_it(client, dave):
    plan = Plan.objects.get(code="leak_only_5m")
    client.force_login(dave)
    url = f"/admin/coverage/plan/{plan.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "code": plan.code,
            "name": plan.name,
            "liability_limit": 6_000_000,
            "expense_limit": plan.expense_limit,
            "leak_only": "on",
            "sublimits-TOTAL_FORMS": "1",
            "sublimits-INITIAL_FORMS": "0",
            "sublimits-MIN_NUM_FORMS": "0",
            "sublimits-MAX_NUM_FORMS": "1000",
            "sublimits-0-category": "call_center",
            "sublimits-0-limit": "1000000",
            "change_reason": "5M型の限度額改定",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    assert plan.liability_limit == 6_000_000
    assert plan.sublimits.get().limit == 1_000_000
    latest, previous = plan.history.all()[:2]
    assert latest.history_user == dave
    assert (previous.liability_limit, latest.liability_limit) == (5_000_000, 6_000_000)
    history_page = client.get(f"/admin/coverage/plan/{plan.pk}/history/")
    assert "6000000" in history_page.content.decode().replace(",", "")


def test_handler_cannot_reach_admin_plan_edit(client, alice):
    plan = Plan.objects.get(code="cyber_standard")
    client.force_login(alice)
    response = client.get(f"/admin/coverage/plan/{plan.pk}/change/")
    assert response.status_code == 302  # to the admin login: alice is not staff
