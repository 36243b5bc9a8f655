"""The claim's audit timeline: who, when, field label, old → new, in Japanese."""

import pytest

from claims.approvals import payouts
from claims.claim_page import timeline as audit
from coverage.models import Plan
from tests.claims.approval_helpers import awaiting_claim

pytestmark = pytest.mark.django_db


def _admin_post_plan(client, plan, **changes):
    data = {
        "code": plan.code,
        "name": plan.name,
        "liability_limit": plan.liability_limit,
        "expense_limit": plan.expense_limit,
        "sublimits-TOTAL_FORMS": "0",
        "sublimits-INITIAL_FORMS": "0",
        "sublimits-MIN_NUM_FORMS": "0",
        "sublimits-MAX_NUM_FORMS": "1000",
        "change_reason": "約款改定",
        **changes,
    }
    if plan.leak_only:
        data["leak_only"] = "on"
    return client.post(f"/admin/coverage/plan/{plan.pk}/change/", data)


def test_admin_limit_edit_and_handler_item_change_appear_with_user_and_values(
    client, alice, carol, dave
):
    claim = awaiting_claim(handler=alice)
    plan = Plan.objects.get(code="cyber_standard")
    assert claim.policy.plan == plan

    client.force_login(dave)
    response = _admin_post_plan(client, plan, liability_limit=120_000_000)
    assert response.status_code == 302

    damage = claim.damages.get()
    damage.recognized = 900_000
    damage.updated_by = alice
    damage._history_user = alice
    damage.save()

    entries = audit.claim_timeline(claim)
    plan_entry = next(e for e in entries if e.kind == "plan")
    assert plan_entry.user == "dave"
    assert [(c.label, c.old, c.new) for c in plan_entry.changes] == [
        ("賠償 支払限度額 (円)", "100,000,000", "120,000,000")
    ]
    item_entry = next(e for e in entries if e.action == "変更" and "顧問先の損害" in e.subject)
    assert item_entry.user == "佐藤 愛子 (alice)"
    assert ("認定額 (円)", "1,200,000", "900,000") in [
        (c.label, c.old, c.new) for c in item_entry.changes
    ]

    # and on the page a supervisor reads
    client.force_login(carol)
    html = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "賠償 支払限度額 (円)" in html and "120,000,000" in html and "dave" in html
    assert "認定額 (円)" in html and "900,000" in html and "佐藤 愛子 (alice)" in html


def test_status_changes_show_labels_and_reasons_and_payout_voiding(alice, carol):
    claim = awaiting_claim(handler=alice)
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    payouts.payout_void_and_reopen(claim=claim, by=carol, reason="請求額の訂正")
    entries = audit.claim_timeline(claim)
    statuses = [
        (e.changes[0].old, e.changes[0].new, e.reason) for e in entries if e.kind == "status"
    ]
    assert ("承認済み", "査定中", "支払承認を取消: 請求額の訂正") in statuses
    assert ("承認待ち", "承認済み", "支払承認") in statuses
    voided = next(e for e in entries if e.subject.startswith("支払承認") and e.action == "変更")
    labels = {c.label: (c.old, c.new) for c in voided.changes}
    assert labels["状態"] == ("承認済み", "取消")
    assert labels["取消理由"] == ("—", "請求額の訂正")
    assert voided.user == "carol"


def test_timeline_query_count_does_not_grow_with_history(
    alice, carol, django_assert_max_num_queries
):
    claim = awaiting_claim(handler=alice)
    damage = claim.damages.get()
    for n in range(30):
        damage.description = f"修正 {n}"
        damage._history_user = alice
        damage.save()
    # one query per source (claim, items, documents, payouts, recoveries, tasks, plan,
    # re-assessments…)
    with django_assert_max_num_queries(14):
        entries = audit.claim_timeline(claim)
    assert sum(1 for e in entries if "顧問先の損害" in e.subject) == 31


def test_timeline_hidden_from_who_cannot_see_the_claim(client, alice, bob):
    from django.template import Context, Template
    from django.test import RequestFactory

    claim = awaiting_claim(handler=alice)
    request = RequestFactory().get("/")
    request.user = bob
    html = Template("{% load payout_tags %}{% claim_timeline claim %}").render(
        Context({"claim": claim, "request": request})
    )
    assert html == ""
    request.user = alice
    html = Template("{% load payout_tags %}{% claim_timeline claim %}").render(
        Context({"claim": claim, "request": request})
    )
    assert "履歴" in html


def test_admin_edit_of_an_approval_limit_is_listed_with_user_and_values(client, carol):
    """Approval limits are set by superusers (the admin group only reads them, #16)."""
    from django.contrib.auth.models import User

    from claims.models import ApprovalAuthority

    authority = ApprovalAuthority.objects.get(user=carol)
    client.force_login(User.objects.create_superuser("root", password="pw-root-123"))  # noqa: S106
    response = client.post(
        f"/admin/claims/approvalauthority/{authority.pk}/change/",
        {"user": carol.pk, "limit": 15_000_000},
    )
    assert response.status_code == 302
    entry = audit.authority_timeline()[0]
    assert entry.user == "root" and "carol" in entry.subject
    assert [(c.label, c.old, c.new) for c in entry.changes] == [
        ("承認権限額 (円)", "10,000,000", "15,000,000")
    ]
    client.force_login(carol)
    html = client.get("/approvals/").content.decode()
    assert "承認権限の変更履歴" in html and "15,000,000" in html and "root" in html


def test_timeline_is_bounded_for_a_claim_with_many_items(alice):
    from claims.models import Expense

    claim = awaiting_claim(handler=alice)
    for n in range(40):
        Expense.objects.create(claim=claim, category="call_center", amount=1000 + n)
    entries = audit.claim_timeline(claim, limit=25)
    assert len(entries) == 25
    assert entries[0].at >= entries[-1].at
    assert "1,039円" in entries[0].subject  # the newest item first
