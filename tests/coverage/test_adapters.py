"""Model rows -> engine facts: the web app assesses a claim exactly as `assess` would."""

from decimal import Decimal

import pytest

from claims.models import Claim, ClientDamage, Expense, OvertimeEntry
from coverage import vocab
from coverage.adapters import (
    assess_claim,
    claim_assessment,
    claim_facts,
    overtime_evidence,
    plan_terms_by_code,
)
from coverage.models import ExpenseSublimit, Plan
from tests.conftest import make_claim, make_policy

pytestmark = pytest.mark.django_db


def add_damage(claim, **fields):
    fields = {
        "client_name": "株式会社A",
        "kind": vocab.KIND_BUSINESS_INTERRUPTION,
        "claimed": 120_000,
        "recognized": 100_000,
        **fields,
    }
    return ClientDamage.objects.create(claim=claim, **fields)


def add_expense(claim, **fields):
    fields = {"category": vocab.CATEGORY_CALL_CENTER, "amount": 50_000, **fields}
    return Expense.objects.create(claim=claim, **fields)


def add_overtime(claim, **fields):
    fields = {
        "employee": "山田花子",
        "minutes": 24,
        "hourly_rate": 1_001,
        "evidence": list(vocab.EVIDENCE_KINDS),
        **fields,
    }
    return OvertimeEntry.objects.create(claim=claim, **fields)


def test_facts_carry_the_rows_the_plan_and_the_incident(alice):
    claim = make_claim(
        created_by=alice,
        policy=make_policy("leak_only_30m"),
        own_cloud_service=True,
        own_cloud_service_free_promotional=True,  # the claim's fact reaches every item
    )
    d = add_damage(claim, kind=vocab.KIND_INFORMATION_LEAK, activity=vocab.ACTIVITY_IT_BUSINESS)
    e = add_expense(claim, cause=vocab.CAUSE_OWN_SERVICE_STOPPAGE)
    o = add_overtime(claim, premium=Decimal("1.35"), task=vocab.TASK_SUBSTITUTE_WORK)

    facts = claim_facts(claim)

    assert (facts.plan, facts.leak_only, facts.incident_leak_or_threat) == (
        "leak_only_30m",
        True,
        True,  # the MK System incident is determined a threat of leak (Q2)
    )
    assert (facts.limits.liability, facts.limits.expenses) == (30_000_000, 30_000_000)
    (damage,), (expense,), (entry,) = facts.damages, facts.expenses, facts.overtime
    assert (damage.id, damage.recognized, damage.claimed, damage.client) == (
        f"d{d.pk}",
        100_000,
        120_000,
        "株式会社A",
    )
    assert damage.activity == vocab.ACTIVITY_IT_BUSINESS
    assert (expense.id, expense.cause, expense.own_service_free_promotional) == (
        f"e{e.pk}",
        vocab.CAUSE_OWN_SERVICE_STOPPAGE,
        True,
    )
    assert (entry.id, entry.premium, entry.task) == (
        f"o{o.pk}",
        Decimal("1.35"),
        vocab.TASK_SUBSTITUTE_WORK,
    )


def test_direct_recovery_election_excludes_every_row(alice):
    claim = make_claim(created_by=alice, direct_recovery_elected=True)
    add_damage(claim)
    add_expense(claim)

    result = assess_claim(claim)

    assert {i.reasons for i in result.items} == {(vocab.REASON_DIRECT_RECOVERY_ELECTED,)}
    assert result.total_payable == 0


def test_plan_limits_and_sublimits_are_read_as_admins_left_them(alice):
    plan = Plan.objects.get(code="cyber_standard")
    plan.liability_limit = 60_000
    plan.save()
    ExpenseSublimit.objects.create(plan=plan, category=vocab.CATEGORY_CALL_CENTER, limit=30_000)
    claim = make_claim(created_by=alice)
    add_damage(claim)
    add_expense(claim)

    result = assess_claim(claim)

    assert (result.liability.covered, result.liability.payable) == (100_000, 60_000)
    assert (result.expenses.covered, result.expenses.payable) == (50_000, 30_000)
    assert plan_terms_by_code("cyber_standard").sublimits == {"call_center": 30_000}
    assert plan_terms_by_code("nope") is None


def test_overtime_evidence_is_the_ticked_kinds_only(alice):
    claim = make_claim(created_by=alice)
    entry = add_overtime(claim, evidence=["task_record", "payslip", 3])

    assert overtime_evidence(entry) == frozenset({"task_record"})
    item = assess_claim(claim).items[0]
    assert item.decision == vocab.DECISION_PENDING
    assert item.missing == ("attendance_record", "wage_basis")


def test_an_evidence_field_that_is_not_a_list_counts_as_none(alice):
    claim = make_claim(created_by=alice)
    entry = add_overtime(claim, evidence={"attendance_record": True})
    assert overtime_evidence(entry) == frozenset()


def test_each_row_is_paired_with_its_decision(alice):
    claim = make_claim(created_by=alice)
    covered = add_damage(claim)
    excluded = add_damage(claim, legally_liable=False)
    expense = add_expense(claim, category=vocab.CATEGORY_UNLISTED)
    entry = add_overtime(claim)

    result = claim_assessment(claim)

    assert result.decision("damages", covered.pk).decision == vocab.DECISION_COVERED
    assert result.decision("damages", excluded.pk).reasons == (vocab.REASON_NO_LEGAL_LIABILITY,)
    assert result.decision("expenses", expense.pk).reasons == (vocab.REASON_NOT_LISTED_EXPENSE,)
    assert result.decision("overtime", entry.pk).covered == 501
    assert [(row.pk, d.id) for row, d in result.damages] == [
        (covered.pk, f"d{covered.pk}"),
        (excluded.pk, f"d{excluded.pk}"),
    ]
    assert [row.pk for row, _ in result.expenses] == [expense.pk]
    assert [row.pk for row, _ in result.overtime] == [entry.pk]
    assert result.assessment.total_payable == 100_000 + 501


def test_assessing_a_prefetched_claim_reads_the_plan_sublimits_and_policy_usage_only(
    alice, django_assert_num_queries
):
    claim = make_claim(created_by=alice)
    add_damage(claim)
    add_expense(claim)
    add_overtime(claim)
    loaded = (
        Claim.objects.select_related("policy__plan", "incident")
        .prefetch_related("damages", "expenses", "overtime_entries__documents")
        .get(pk=claim.pk)
    )

    # the plan's sub-limits; the policy's other claims' payouts (limits are per policy)
    with django_assert_num_queries(2):
        claim_assessment(loaded)


@pytest.mark.parametrize(
    ("provides", "free", "item_box", "payable"),
    [
        (True, True, False, 3 * 50_000),  # free for promotion on the claim: covered
        (True, False, True, 0),  # paid service on the claim: the old item box cannot save it
        (False, True, True, 0),  # no service, no exception (a stray claim flag is ignored)
    ],
)
def test_the_free_promotion_exception_is_the_claims(alice, provides, free, item_box, payable):
    """One truth per fact (issue 15, item 2): the engine gets the claim's flag for every item
    caused by the insured's own service stopping, whatever the item's old column says."""
    claim = make_claim(
        created_by=alice, own_cloud_service=provides, own_cloud_service_free_promotional=free
    )
    own = {"cause": vocab.CAUSE_OWN_SERVICE_STOPPAGE, "own_service_free_promotional": item_box}
    add_damage(claim, recognized=50_000, claimed=50_000, **own)
    add_expense(claim, **own)
    add_overtime(claim, minutes=60, hourly_rate=40_000, **own)  # 60 × 40,000 × 1.25 ÷ 60

    facts = claim_facts(claim)
    flags = {
        f.own_service_free_promotional for f in facts.damages + facts.expenses + facts.overtime
    }
    assert flags == {provides and free}
    assert assess_claim(claim).total_payable == payable
