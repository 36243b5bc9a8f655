"""Stored figures never go stale (issue 15, item 3): every change that can change an
assessment re-assesses the claims it touches, says so in their timeline, and
`manage.py check_figures` finds nothing left behind."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims import reassess
from claims.approvals import payouts
from claims.claim_page import timeline as audit
from claims.models import Claim, ClientDamage, Expense, FigureChange, Incident
from claims.services import claim_refresh_totals, item_update
from coverage import vocab
from coverage.models import ExpenseSublimit, Plan
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_claim, make_policy

pytestmark = pytest.mark.django_db
S = Claim.Status


def check_figures():
    """(exit ok?, output) of manage.py check_figures."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_figures", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def post_plan(client, plan, *, reason="約款改定", sublimits=(), delete=(), **changes):
    """The plan's admin form as an admin submits it (amounts with separators)."""
    data = {
        "code": plan.code,
        "name": plan.name,
        "liability_limit": f"{plan.liability_limit:,}",
        "expense_limit": f"{plan.expense_limit:,}",
        "change_reason": reason,
        "sublimits-TOTAL_FORMS": str(len(sublimits)),
        "sublimits-INITIAL_FORMS": str(len(sublimits)),
        "sublimits-MIN_NUM_FORMS": "0",
        "sublimits-MAX_NUM_FORMS": "1000",
        **changes,
    }
    if plan.leak_only:
        data["leak_only"] = "on"
    for n, s in enumerate(sublimits):
        data[f"sublimits-{n}-id"] = str(s.pk)
        data[f"sublimits-{n}-plan"] = str(plan.pk)
        data[f"sublimits-{n}-category"] = s.category
        data[f"sublimits-{n}-limit"] = f"{s.limit:,}"
        if s.pk in delete:
            data[f"sublimits-{n}-DELETE"] = "on"
    return client.post(f"/admin/coverage/plan/{plan.pk}/change/", data)


def leak_claim(alice, incident, amount=600_000):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    claim.incident = incident
    claim.save()
    ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社A",
        kind=vocab.KIND_INFORMATION_LEAK,
        description="漏えいのおそれに伴う通知費用の賠償",
        claimed=amount,
        recognized=amount,
        created_by=alice,
        updated_by=alice,
    )
    return claim_refresh_totals(claim=claim)


def test_leak_determination_in_admin_updates_queue_figures_and_timeline(
    client, alice, dave, django_capture_on_commit_callbacks
):
    incident = Incident.objects.create(
        provider_name="株式会社クラウドB",
        title="Bシステム障害",
        occurred_on=datetime.date(2023, 7, 1),
    )
    claim = leak_claim(alice, incident)
    assert claim.total_payable == 0  # NOT_LEAK_EVENT while undetermined
    client.force_login(dave)
    page = client.get(f"/admin/claims/incident/{incident.pk}/change/").content.decode()
    assert "未決の事故 1 件" in page  # said before saving
    data = {
        "provider_name": incident.provider_name,
        "title": incident.title,
        "occurred_on": "2023-07-01",
        "leak_or_threat": "on",
        "notes": "",
        "change_reason": "警察の発表により情報漏えいのおそれと判断",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/claims/incident/{incident.pk}/change/", data)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.total_payable == 600_000
    assert check_figures()[0]
    # the queue reads the stored figure
    client.force_login(alice)
    assert "600,000" in client.get("/claims/?status=under_assessment").content.decode()
    entry = next(e for e in audit.claim_timeline(claim) if e.kind == "figures")
    assert entry.changes[0].old == "0円" and entry.changes[0].new == "600,000円"
    assert "情報漏えい判断の変更" in entry.subject
    assert entry.reason == "警察の発表により情報漏えいのおそれと判断"
    assert entry.user == "dave"


def test_incident_change_without_reason_is_refused_and_changes_nothing(
    client, alice, dave, django_capture_on_commit_callbacks
):
    incident = Incident.objects.create(
        provider_name="株式会社クラウドB",
        title="Bシステム障害",
        occurred_on=datetime.date(2023, 7, 1),
    )
    claim = leak_claim(alice, incident)
    client.force_login(dave)
    data = {
        "provider_name": incident.provider_name,
        "title": incident.title,
        "occurred_on": "2023-07-01",
        "leak_or_threat": "on",
        "change_reason": "  ",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/claims/incident/{incident.pk}/change/", data)
    assert response.status_code == 200
    assert "変更理由を入力してください" in response.content.decode()
    incident.refresh_from_db()
    claim.refresh_from_db()
    assert not incident.leak_or_threat and claim.total_payable == 0


def test_plan_limit_edit_reassesses_and_the_approver_sees_the_change(
    client, alice, carol, dave, django_capture_on_commit_callbacks
):
    policy = make_policy("leak_only_5m")
    claim = awaiting_claim(handler=alice, liability=4_000_000, expense=0, policy=policy)
    # the damage must be a leak for a leak-only plan
    ClientDamage.objects.filter(claim=claim).update(kind=vocab.KIND_INFORMATION_LEAK)
    Expense.objects.filter(claim=claim).delete()
    claim_refresh_totals(claim=claim)
    claim.refresh_from_db()
    assert claim.total_payable == 4_000_000
    from claims.models import StatusChange

    StatusChange.objects.create(
        claim=claim, from_status=S.UNDER_ASSESSMENT, to_status=S.AWAITING_APPROVAL, by=alice
    )
    plan = Plan.objects.get(code="leak_only_5m")
    client.force_login(dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_plan(
            client, plan, liability_limit="3,000,000", reason="5M型の賠償限度額を改定"
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.total_payable == 3_000_000
    assert check_figures()[0]
    fc = FigureChange.objects.get(claim=claim)
    assert (fc.old_payable, fc.new_payable) == (4_000_000, 3_000_000)
    assert fc.cause == "プラン leak_only_5m の限度額変更"
    assert fc.reason == "5M型の賠償限度額を改定"
    client.force_login(carol)
    html = client.get(f"/approvals/{claim.number}/").content.decode()
    assert "承認依頼後に支払見込額が変わりました" in html
    assert "4,000,000円" in html and "3,000,000円" in html and "-1,000,000円" in html
    assert "5M型の賠償限度額を改定" in html
    assert "依頼後に金額変更" in client.get("/approvals/").content.decode()
    # and the claim page's history says it too
    client.force_login(alice)
    html = client.get(f"/claims/{claim.number}/").content.decode()
    assert "再査定: プラン leak_only_5m の限度額変更" in html


def test_sublimit_removal_reassesses(client, alice, dave, django_capture_on_commit_callbacks):
    plan = Plan.objects.get(code="cyber_standard")
    sub = ExpenseSublimit.objects.create(plan=plan, category="call_center", limit=1_000_000)
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    Expense.objects.create(
        claim=claim, category="call_center", amount=1_500_000, created_by=alice, updated_by=alice
    )
    claim_refresh_totals(claim=claim)
    assert claim.total_payable == 1_000_000
    from documents.rendering import claim_render_version

    version_before = claim_render_version(claim)
    client.force_login(dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_plan(client, plan, sublimits=[sub], delete={sub.pk}, reason="特約廃止")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not ExpenseSublimit.objects.filter(pk=sub.pk).exists()
    claim.refresh_from_db()
    assert claim.total_payable == 1_500_000
    assert check_figures()[0]
    fc = FigureChange.objects.get(claim=claim)
    assert fc.cause == "プラン cyber_standard の費目別限度額変更" and fc.reason == "特約廃止"
    # the settlement summary is rendered again for the new figure, not served from before
    from documents.rendering import claim_render_version

    assert claim_render_version(claim) > version_before


def test_item_edit_leaves_no_stale_figure(alice):
    claim = awaiting_claim(handler=alice)
    Claim.objects.filter(pk=claim.pk).update(status=S.UNDER_ASSESSMENT)
    claim.refresh_from_db()
    damage = claim.damages.get()
    item_update(item=damage, by=alice, data={"recognized": 700_000, "cut_reason": "示談で減額"})
    claim.refresh_from_db()
    assert claim.total_payable == 748_000
    assert check_figures() == (True, "0 differences in 0 claims\n")


def test_payout_on_a_sibling_claim_refreshes_the_policys_other_claims(
    alice, carol, django_capture_on_commit_callbacks
):
    """After approving claim A, claim B of the same policy is re-assessed (with limits per
    policy, A's payout changes what B may pay)."""
    policy = make_policy()
    a = awaiting_claim(handler=alice, policy=policy)
    b = awaiting_claim(handler=alice, policy=policy, liability=500_000)
    Claim.objects.filter(pk=b.pk).update(total_payable=1)  # a figure left behind
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_approve(claim=a, by=carol, amount=a.total_payable)
    b.refresh_from_db()
    assert b.total_payable == reassess.claim_figures(b).total_payable == 548_000
    assert check_figures()[0]


def test_check_figures_reports_each_stale_figure_and_fails(alice):
    claim = awaiting_claim(handler=alice)
    Claim.objects.filter(pk=claim.pk).update(total_payable=5, pending_items=2)
    ok, out = check_figures()
    assert not ok
    assert f"{claim.number}\ttotal_payable\tstored=5\tfresh=1248000" in out
    assert f"{claim.number}\tpending_items\tstored=2\tfresh=0" in out
    assert "2 differences in 1 claims" in out
    call_command("check_figures", "--fix", stdout=__import__("io").StringIO())
    assert check_figures()[0]


def test_batches_use_a_fixed_number_of_queries(alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = Plan.objects.get(code="cyber_standard")
    claims = [awaiting_claim(handler=alice) for _ in range(6)]

    def run(batch_size):
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(total_payable=0)
        with CaptureQueriesContext(connection) as ctx:
            result = reassess.claims_reassess(
                claims=Claim.objects.filter(policy__plan=plan),
                cause="テスト",
                batch_size=batch_size,
            )
        assert (result.updated, result.payable_changed) == (6, 6)
        return result.batches, len(ctx.captured_queries)

    one_batch, one = run(6)
    three_batches, three = run(2)
    assert (one_batch, three_batches) == (1, 3)
    per_batch = one - 1  # the ids query, then one batch
    assert three == 1 + 3 * per_batch  # three batches of 2 cost what one batch of 6 costs, 3×
    assert per_batch <= 12
    again = reassess.claims_reassess(claims=Claim.objects.filter(policy__plan=plan), cause="x")
    assert again.updated == 0  # idempotent: nothing left to change, no timeline row
    assert FigureChange.objects.filter(cause="x").count() == 0


def test_policy_moved_to_another_plan_in_admin_reassesses_its_claims(
    client, alice, dave, django_capture_on_commit_callbacks
):
    claim = awaiting_claim(handler=alice, liability=8_000_000, expense=0)
    ClientDamage.objects.filter(claim=claim).update(kind=vocab.KIND_INFORMATION_LEAK)
    claim_refresh_totals(claim=claim)
    assert claim.total_payable == 8_000_000
    policy = claim.policy
    client.force_login(dave)
    data = {
        "insured": policy.insured_id,
        "plan": Plan.objects.get(code="leak_only_5m").pk,
        "number": policy.number,
        "period_start": "2023-04-01",
        "period_end": "2024-03-31",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/claims/policy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.total_payable == 5_000_000
    assert FigureChange.objects.get(claim=claim).cause.startswith(f"保険契約 {policy.number}")
    assert check_figures()[0]


def test_voiding_a_sibling_payout_refreshes_the_policys_other_claims(
    alice, carol, django_capture_on_commit_callbacks
):
    policy = make_policy()
    a = awaiting_claim(handler=alice, policy=policy)
    b = awaiting_claim(handler=alice, policy=policy, liability=500_000)
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_approve(claim=a, by=carol, amount=a.total_payable)
    Claim.objects.filter(pk=b.pk).update(total_payable=1)
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_void_and_reopen(claim=a, by=carol, reason="金額の誤り")
    b.refresh_from_db()
    assert b.total_payable == 548_000
    assert check_figures()[0]


def test_decided_claim_keeps_its_snapshot_figures_when_the_plan_changes(
    client, alice, erin, dave, django_capture_on_commit_callbacks
):
    claim = awaiting_claim(handler=alice, liability=80_000_000, expense=0)
    payouts.payout_approve(claim=claim, by=erin, amount=80_000_000)
    client.force_login(dave)
    plan = Plan.objects.get(code="cyber_standard")
    with django_capture_on_commit_callbacks(execute=True):
        post_plan(client, plan, liability_limit="50,000,000")
    claim.refresh_from_db()
    assert claim.total_payable == 80_000_000
    assert not FigureChange.objects.filter(claim=claim).exists()
    assert check_figures()[0]


def test_a_siblings_payout_cuts_the_other_claims_stored_figure_and_says_why(
    alice, carol, django_capture_on_commit_callbacks
):
    """Limits per policy: once claim A's 4,000,000 is approved on a 5,000,000 policy, claim
    B's stored payable drops from 3,000,000 to the 1,000,000 left, and B's history says so."""
    policy = make_policy("leak_only_5m")
    a = awaiting_claim(handler=alice, policy=policy, liability=4_000_000, expense=0)
    b = awaiting_claim(handler=alice, policy=policy, liability=3_000_000, expense=0)
    for claim in (a, b):
        Expense.objects.filter(claim=claim).delete()
        ClientDamage.objects.filter(claim=claim).update(kind=vocab.KIND_INFORMATION_LEAK)
        claim_refresh_totals(claim=claim)
    b.refresh_from_db()
    assert b.total_payable == 3_000_000
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_approve(claim=a, by=carol, amount=4_000_000)
    b.refresh_from_db()
    assert b.total_payable == 1_000_000
    fc = FigureChange.objects.get(claim=b)
    assert (fc.old_payable, fc.new_payable) == (3_000_000, 1_000_000)
    assert fc.cause == f"同じ保険契約の事故 {a.number} の支払承認" and fc.by == carol
    assert check_figures()[0]


def test_batch_preloaded_policy_usage_equals_the_per_claim_one(
    alice, carol, django_capture_on_commit_callbacks
):
    """The batch builds each claim's policy usage itself (claims.reassess); it must say what
    claims.approvals.policy_limits.policy_usage says, refunds and sub-limits included."""
    from claims.approvals.policy_limits import policy_usage
    from coverage.adapters import plan_terms

    plan = Plan.objects.get(code="cyber_standard")
    ExpenseSublimit.objects.create(plan=plan, category="customer_notification", limit=30_000)
    policy = make_policy()
    a = awaiting_claim(handler=alice, policy=policy, liability=2_000_000, expense=48_000)
    b = awaiting_claim(handler=alice, policy=policy, liability=1_000_000, expense=10_000)
    c = awaiting_claim(handler=alice, policy=policy)
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_approve(claim=a, by=carol, amount=a.total_payable)
    b.refresh_from_db()  # re-assessed after a's approval: the sub-limit is used up
    assert b.total_payable == 1_000_000
    payouts.payout_approve(claim=b, by=carol, amount=b.total_payable)
    for claim in reassess._batch([a.pk, b.pk, c.pk], lock=False):
        expected = policy_usage(
            policy_id=policy.pk, exclude_claim_id=claim.pk, terms=plan_terms(plan)
        )
        assert claim.preloaded_policy_usage == expected
    c_usage = next(x for x in reassess._batch([c.pk], lock=False)).preloaded_policy_usage
    assert c_usage.used_liability == 3_000_000 and c_usage.used_categories
