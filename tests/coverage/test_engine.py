"""The engine's rules one by one, stacked, and the limit arithmetic at its edges (RULES.md)."""

import json
from decimal import Decimal

import pytest

from coverage import vocab
from coverage.engine import assess, overtime_pay
from tests.coverage.engine_helpers import claim, damage, expense, overtime

DIRECT = vocab.REASON_DIRECT_RECOVERY_ELECTED
OWN = vocab.REASON_OWN_CLOUD_SERVICE
OWN_STOPPAGE = {"cause": vocab.CAUSE_OWN_SERVICE_STOPPAGE}


def decision_of(facts):
    """The single item's decision of a one-item claim."""
    (item,) = assess(facts).items
    return item


def reasons_of(facts):
    return set(decision_of(facts).reasons)


# --- the baseline: each builder makes a covered item, so every rule test shows a flip -----


def test_plain_items_are_covered_in_full():
    result = assess(claim([damage(amount=100_000)], [expense(amount=50_000)], [overtime()]))

    assert [(i.decision, i.covered) for i in result.items] == [
        ("covered", 100_000),
        ("covered", 50_000),
        ("covered", 2_500),
    ]
    assert result.total_payable == 152_500


# --- each rule alone ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "facts",
    [claim(damages=[damage()], direct_recovery=True)]
    + [claim(expenses=[expense()], direct_recovery=True)]
    + [claim(overtime=[overtime()], direct_recovery=True)],
    ids=["damage", "expense", "overtime"],
)
def test_direct_recovery_from_the_provider_excludes_every_item(facts):
    item = decision_of(facts)
    assert (item.decision, item.reasons, item.covered) == ("excluded", (DIRECT,), 0)


def test_leak_only_plan_excludes_business_interruption():
    facts = claim([damage(kind=vocab.KIND_BUSINESS_INTERRUPTION)], leak_only=True)
    assert reasons_of(facts) == {vocab.REASON_PLAN_SCOPE}


def test_leak_only_plan_covers_a_leak_damage():
    facts = claim([damage(kind=vocab.KIND_INFORMATION_LEAK)], leak_only=True)
    assert decision_of(facts).decision == "covered"


def test_plan_scope_concerns_damages_only():
    facts = claim(expenses=[expense()], overtime=[overtime()], leak_only=True)
    assert [i.decision for i in assess(facts).items] == ["covered", "covered"]


def test_leak_damage_needs_an_incident_determined_a_leak_or_threat():
    facts = claim([damage(kind=vocab.KIND_INFORMATION_LEAK)], leak_or_threat=False)
    assert reasons_of(facts) == {vocab.REASON_NOT_LEAK_EVENT}


def test_business_interruption_needs_no_leak_determination():
    facts = claim([damage(kind=vocab.KIND_BUSINESS_INTERRUPTION)], leak_or_threat=False)
    assert decision_of(facts).decision == "covered"


@pytest.mark.parametrize(
    "facts",
    [
        claim(damages=[damage(**OWN_STOPPAGE)]),
        claim(expenses=[expense(**OWN_STOPPAGE)]),
        claim(overtime=[overtime(**OWN_STOPPAGE)]),
    ],
    ids=["damage", "expense", "overtime"],
)
def test_stoppage_of_own_cloud_service_excludes(facts):
    assert reasons_of(facts) == {OWN}


@pytest.mark.parametrize(
    "facts",
    [
        claim(damages=[damage(**OWN_STOPPAGE, own_service_free_promotional=True)]),
        claim(expenses=[expense(**OWN_STOPPAGE, own_service_free_promotional=True)]),
        claim(overtime=[overtime(**OWN_STOPPAGE, own_service_free_promotional=True)]),
    ],
    ids=["damage", "expense", "overtime"],
)
def test_own_service_given_free_for_promotion_is_not_excluded(facts):
    assert decision_of(facts).decision == "covered"


def test_free_promotional_flag_alone_changes_nothing_for_provider_attack():
    facts = claim([damage(own_service_free_promotional=True)])
    assert decision_of(facts).decision == "covered"


def test_it_business_is_excluded():
    facts = claim([damage(activity=vocab.ACTIVITY_IT_BUSINESS)])
    assert reasons_of(facts) == {vocab.REASON_IT_BUSINESS}


def test_it_business_is_excluded_even_on_a_free_promotional_service():
    """Q2: the IT-business rider applies to a service the insured provided, paid or free."""
    facts = claim(
        [
            damage(
                activity=vocab.ACTIVITY_IT_BUSINESS,
                own_service_free_promotional=True,
                **OWN_STOPPAGE,
            )
        ]
    )
    assert reasons_of(facts) == {vocab.REASON_IT_BUSINESS}


def test_damage_without_legal_liability_is_excluded():
    facts = claim([damage(legally_liable=False)])
    assert reasons_of(facts) == {vocab.REASON_NO_LEGAL_LIABILITY}


EXPENSE_CATEGORY_REASONS = {
    vocab.CATEGORY_AUTHORITY_NOTIFICATION: set(),
    vocab.CATEGORY_CUSTOMER_NOTIFICATION: set(),
    vocab.CATEGORY_CALL_CENTER: set(),
    vocab.CATEGORY_OTHER_LISTED: set(),
    vocab.CATEGORY_SUBSTITUTE_WORK: {vocab.REASON_SUBSTITUTE_WORK},
    vocab.CATEGORY_ALTERNATIVE_SYSTEM: {vocab.REASON_SUBSTITUTE_WORK},
    vocab.CATEGORY_REGULAR_SALARY: {vocab.REASON_REGULAR_PAY},
    vocab.CATEGORY_UNLISTED: {vocab.REASON_NOT_LISTED_EXPENSE},
}


def test_every_expense_category_of_the_vocabulary_has_an_expected_outcome():
    assert set(EXPENSE_CATEGORY_REASONS) == set(vocab.EXPENSE_CATEGORIES)


@pytest.mark.parametrize("category", list(EXPENSE_CATEGORY_REASONS))
def test_expense_category_decides_coverage(category):
    item = decision_of(claim(expenses=[expense(category=category, amount=7_000)]))
    expected = EXPENSE_CATEGORY_REASONS[category]

    assert set(item.reasons) == expected
    assert item.covered == (0 if expected else 7_000)
    assert item.category == category


def test_overtime_on_substitute_work_is_excluded():
    facts = claim(overtime=[overtime(task=vocab.TASK_SUBSTITUTE_WORK)])
    assert reasons_of(facts) == {vocab.REASON_SUBSTITUTE_WORK}


def test_manager_without_overtime_allowance_is_regular_pay():
    facts = claim(overtime=[overtime(overtime_eligible=False)])
    assert reasons_of(facts) == {vocab.REASON_REGULAR_PAY}


def test_overtime_missing_evidence_is_pending_not_refused():
    item = decision_of(claim(overtime=[overtime(evidence=frozenset())]))

    assert item.decision == "pending"
    assert item.reasons == (vocab.REASON_MISSING_EVIDENCE,)
    assert item.missing == ("attendance_record", "wage_basis", "task_record")
    assert (item.amount, item.covered) == (2_500, 0)


def test_missing_evidence_is_listed_in_q5_order_whatever_was_given():
    item = decision_of(claim(overtime=[overtime(evidence=frozenset({"wage_basis"}))]))
    assert item.missing == ("attendance_record", "task_record")


def test_pending_overtime_counts_toward_nothing():
    result = assess(claim(overtime=[overtime(evidence=frozenset({"task_record"}))]))
    assert (result.expenses.covered, result.expenses.payable, result.total_payable) == (0, 0, 0)


# --- rules stacked: every applicable code is listed ----------------------------------------


def test_stacked_business_interruption_lists_every_exclusion():
    bad = damage(
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        activity=vocab.ACTIVITY_IT_BUSINESS,
        legally_liable=False,
        **OWN_STOPPAGE,
    )
    facts = claim([bad], leak_only=True, leak_or_threat=False, direct_recovery=True)

    assert reasons_of(facts) == {
        DIRECT,
        vocab.REASON_PLAN_SCOPE,
        OWN,
        vocab.REASON_IT_BUSINESS,
        vocab.REASON_NO_LEGAL_LIABILITY,
    }


def test_stacked_leak_damage_lists_every_exclusion():
    bad = damage(
        kind=vocab.KIND_INFORMATION_LEAK,
        activity=vocab.ACTIVITY_IT_BUSINESS,
        legally_liable=False,
        **OWN_STOPPAGE,
    )
    facts = claim([bad], leak_only=True, leak_or_threat=False, direct_recovery=True)

    assert reasons_of(facts) == {
        DIRECT,
        vocab.REASON_NOT_LEAK_EVENT,
        OWN,
        vocab.REASON_IT_BUSINESS,
        vocab.REASON_NO_LEGAL_LIABILITY,
    }


def test_stacked_expense_lists_every_exclusion():
    facts = claim(
        expenses=[expense(category=vocab.CATEGORY_ALTERNATIVE_SYSTEM, **OWN_STOPPAGE)],
        direct_recovery=True,
    )
    assert reasons_of(facts) == {DIRECT, OWN, vocab.REASON_SUBSTITUTE_WORK}


def test_excluded_overtime_is_not_pending_even_without_evidence():
    entry = overtime(
        task=vocab.TASK_SUBSTITUTE_WORK,
        overtime_eligible=False,
        evidence=frozenset(),
        **OWN_STOPPAGE,
    )
    item = decision_of(claim(overtime=[entry], direct_recovery=True))

    assert item.decision == "excluded"
    assert set(item.reasons) == {
        DIRECT,
        OWN,
        vocab.REASON_SUBSTITUTE_WORK,
        vocab.REASON_REGULAR_PAY,
    }
    assert (item.covered, item.missing) == (0, ())


# --- overtime pay: exact decimal, half up ---------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "rate", "premium", "pay"),
    [
        (24, 1_001, "1.25", 501),  # 500.5 rounds up
        (150, 2_100, "1.25", 6_563),  # 6562.5 rounds up
        (90, 1_800, "1.25", 3_375),  # exact
        (29, 1_000, "1.25", 604),  # 604.1666… rounds down
        (7, 1_111, "1.35", 175),  # 174.9825 rounds up
        (1, 1, "1.25", 0),  # 0.0208… rounds to nothing
        (0, 5_000, "1.5", 0),
        (100_000, 1_000_000_000_000, "1.25", 2_083_333_333_333_333),  # 2083…333.3
        (3, 10, "1", 1),  # exactly 0.5 rounds up
    ],
)
def test_overtime_pay_rounds_half_up_to_whole_yen(minutes, rate, premium, pay):
    assert overtime_pay(minutes, rate, Decimal(premium)) == pay


def test_overtime_amount_is_its_computed_pay():
    item = decision_of(claim(overtime=[overtime(minutes=24, hourly_rate=1_001)]))
    assert (item.amount, item.covered) == (501, 501)


# --- limits and sub-limits at the edges -----------------------------------------------------


def test_liability_exactly_at_the_limit_is_paid_in_full():
    result = assess(claim([damage(amount=3_000_000)], liability=3_000_000))
    assert (result.liability.covered, result.liability.payable) == (3_000_000, 3_000_000)


def test_liability_one_yen_over_the_limit_is_cut_to_the_limit():
    result = assess(claim([damage("d1", 2_000_000), damage("d2", 1_000_001)], liability=3_000_000))
    assert result.liability.covered == 3_000_001
    assert result.liability.payable == 3_000_000
    assert result.total_payable == 3_000_000


def test_expenses_exactly_at_and_one_yen_over_the_limit():
    at = assess(claim(expenses=[expense(amount=500_000)], expense_limit=500_000))
    over = assess(claim(expenses=[expense(amount=500_001)], expense_limit=500_000))

    assert (at.expenses.covered, at.expenses.payable) == (500_000, 500_000)
    assert (over.expenses.covered, over.expenses.payable) == (500_001, 500_000)


def test_liability_and_expenses_are_separate_pots():
    result = assess(
        claim(
            [damage(amount=9_000_000)],
            [expense(amount=1_000_000)],
            liability=5_000_000,
            expense_limit=5_000_000,
        )
    )
    assert (result.liability.payable, result.expenses.payable) == (5_000_000, 1_000_000)
    assert result.total_payable == 6_000_000


def test_sublimit_exactly_at_and_one_yen_over():
    call_center = {"category": vocab.CATEGORY_CALL_CENTER}
    limits = {vocab.CATEGORY_CALL_CENTER: 800_000}
    at = assess(claim(expenses=[expense(amount=800_000, **call_center)], sublimits=limits))
    over = assess(
        claim(
            expenses=[
                expense("e1", 400_000, **call_center),
                expense("e2", 400_001, **call_center),
            ],
            sublimits=limits,
        )
    )

    assert at.expenses.payable == 800_000
    assert (over.expenses.covered, over.expenses.payable) == (800_001, 800_000)


def test_sublimit_cuts_only_its_own_category():
    result = assess(
        claim(
            expenses=[
                expense("e1", 900_000, category=vocab.CATEGORY_CALL_CENTER),
                expense("e2", 300_000, category=vocab.CATEGORY_AUTHORITY_NOTIFICATION),
            ],
            sublimits={vocab.CATEGORY_CALL_CENTER: 500_000},
        )
    )
    assert (result.expenses.covered, result.expenses.payable) == (1_200_000, 800_000)


def test_overtime_counts_as_category_overtime_for_sublimits():
    result = assess(
        claim(
            expenses=[expense(amount=10_000)],
            overtime=[overtime("o1"), overtime("o2")],  # 2,500 yen each
            sublimits={vocab.CATEGORY_OVERTIME: 3_000},
        )
    )
    assert result.items[1].category == vocab.CATEGORY_OVERTIME
    assert (result.expenses.covered, result.expenses.payable) == (15_000, 13_000)


def test_sublimits_apply_first_then_the_expense_limit():
    result = assess(
        claim(
            expenses=[
                expense("e1", 700_000, category=vocab.CATEGORY_CALL_CENTER),
                expense("e2", 700_000, category=vocab.CATEGORY_CUSTOMER_NOTIFICATION),
            ],
            sublimits={vocab.CATEGORY_CALL_CENTER: 600_000},
            expense_limit=1_000_000,
        )
    )
    # 600,000 (cut) + 700,000 = 1,300,000, then cut to the 1,000,000 limit.
    assert result.expenses.payable == 1_000_000
    (call_center, customer) = result.categories
    assert (call_center.covered, call_center.sublimit, call_center.allowed) == (
        700_000,
        600_000,
        600_000,
    )
    assert (customer.sublimit, customer.allowed) == (None, 700_000)


def test_excluded_items_do_not_use_up_a_sublimit():
    result = assess(
        claim(
            expenses=[
                expense("e1", 500_000, category=vocab.CATEGORY_CALL_CENTER, **OWN_STOPPAGE),
                expense("e2", 400_000, category=vocab.CATEGORY_CALL_CENTER),
            ],
            sublimits={vocab.CATEGORY_CALL_CENTER: 400_000},
        )
    )
    assert result.expenses.payable == 400_000


def test_zero_limits_pay_nothing():
    result = assess(claim([damage()], [expense()], liability=0, expense_limit=0))
    assert result.total_payable == 0
    assert result.liability.covered == 100_000


# --- output shape ---------------------------------------------------------------------------


def test_items_keep_input_order_damages_then_expenses_then_overtime():
    result = assess(
        claim(
            [damage("d2"), damage("d1")],
            [expense("e9"), expense("e3")],
            [overtime("o5"), overtime("o4")],
        )
    )
    assert [i.id for i in result.items] == ["d2", "d1", "e9", "e3", "o5", "o4"]
    assert [i.section for i in result.items] == ["damages"] * 2 + ["expenses"] * 2 + [
        "overtime"
    ] * 2


def test_damage_amount_is_the_recognized_amount():
    item = decision_of(claim([damage(amount=80_000, claimed=120_000)]))
    assert (item.amount, item.covered) == (80_000, 80_000)


def test_json_dict_has_exactly_the_contract_shape():
    result = assess(
        claim(
            [damage(amount=100_000)],
            [expense(category=vocab.CATEGORY_UNLISTED, amount=5_000)],
            [overtime(evidence=frozenset({"attendance_record"}))],
        )
    )
    out = json.loads(json.dumps(result.to_json_dict()))

    assert out == {
        "plan": "cyber_standard",
        "items": [
            {
                "id": "d1",
                "section": "damages",
                "amount": 100_000,
                "decision": "covered",
                "reasons": [],
                "covered": 100_000,
                "missing": [],
            },
            {
                "id": "e1",
                "section": "expenses",
                "amount": 5_000,
                "decision": "excluded",
                "reasons": ["NOT_LISTED_EXPENSE"],
                "covered": 0,
                "missing": [],
            },
            {
                "id": "o1",
                "section": "overtime",
                "amount": 2_500,
                "decision": "pending",
                "reasons": ["MISSING_EVIDENCE"],
                "covered": 0,
                "missing": ["wage_basis", "task_record"],
            },
        ],
        "liability": {"covered": 100_000, "limit": 100_000_000, "payable": 100_000},
        "expenses": {"covered": 0, "limit": 100_000_000, "payable": 0},
        "total_payable": 100_000,
    }


def test_reason_code_constants_match_the_reasons_table():
    codes = {name for name in dir(vocab) if name.startswith("REASON_") and name != "REASONS"}
    assert {getattr(vocab, name) for name in codes} == set(vocab.REASONS)
