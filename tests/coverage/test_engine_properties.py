"""Properties of the assessment that must hold for any claim (hypothesis)."""

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from coverage import vocab
from coverage.engine import (
    ClaimFacts,
    DamageFact,
    ExpenseFact,
    Limits,
    OvertimeFact,
    assess,
    overtime_pay,
)

MAX_YEN = 1_000_000_000_000
yen = st.integers(min_value=0, max_value=MAX_YEN)
small_yen = st.integers(min_value=0, max_value=50_000_000)
flags = st.booleans()
premiums = st.decimals(min_value=1, max_value=3, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def damages(draw, item_id):
    claimed = draw(small_yen)
    return DamageFact(
        id=item_id,
        kind=draw(st.sampled_from(list(vocab.DAMAGE_KINDS))),
        claimed=claimed,
        recognized=draw(st.integers(0, claimed)),
        legally_liable=draw(flags),
        cause=draw(st.sampled_from(list(vocab.CAUSES))),
        own_service_free_promotional=draw(flags),
        activity=draw(st.sampled_from(list(vocab.ACTIVITIES))),
    )


@st.composite
def expenses(draw, item_id):
    return ExpenseFact(
        id=item_id,
        category=draw(st.sampled_from(list(vocab.EXPENSE_CATEGORIES))),
        amount=draw(small_yen),
        cause=draw(st.sampled_from(list(vocab.CAUSES))),
        own_service_free_promotional=draw(flags),
    )


@st.composite
def overtimes(draw, item_id):
    return OvertimeFact(
        id=item_id,
        minutes=draw(st.integers(0, 100_000)),
        hourly_rate=draw(st.integers(0, 20_000)),
        premium=draw(premiums),
        task=draw(st.sampled_from(list(vocab.TASKS))),
        overtime_eligible=draw(flags),
        evidence=draw(st.frozensets(st.sampled_from(list(vocab.EVIDENCE_KINDS)))),
        cause=draw(st.sampled_from(list(vocab.CAUSES))),
        own_service_free_promotional=draw(flags),
    )


@st.composite
def claims(draw):
    n_damages, n_expenses, n_overtime = (draw(st.integers(0, 8)) for _ in range(3))
    sublimit_categories = draw(st.sets(st.sampled_from(list(vocab.SUBLIMIT_CATEGORIES))))
    return ClaimFacts(
        plan="any",
        leak_only=draw(flags),
        incident_leak_or_threat=draw(flags),
        limits=Limits(
            liability=draw(small_yen),
            expenses=draw(small_yen),
            sublimits={c: draw(small_yen) for c in sublimit_categories},
        ),
        direct_recovery_from_provider=draw(st.booleans()),
        damages=tuple(draw(damages(f"d{i}")) for i in range(n_damages)),
        expenses=tuple(draw(expenses(f"e{i}")) for i in range(n_expenses)),
        overtime=tuple(draw(overtimes(f"o{i}")) for i in range(n_overtime)),
    )


@given(claims())
def test_total_is_within_the_limits_the_covered_sum_and_never_negative(facts):
    result = assess(facts)
    covered = sum(item.covered for item in result.items)

    assert result.total_payable >= 0
    assert result.total_payable <= facts.limits.liability + facts.limits.expenses
    assert result.total_payable <= covered
    assert result.total_payable == result.liability.payable + result.expenses.payable
    assert result.liability.payable <= facts.limits.liability
    assert result.expenses.payable <= facts.limits.expenses


@given(claims())
def test_only_covered_items_count_and_they_count_in_full(facts):
    result = assess(facts)
    for item in result.items:
        if item.decision == vocab.DECISION_COVERED:
            assert (item.covered, item.reasons, item.missing) == (item.amount, (), ())
        else:
            assert item.covered == 0
            assert item.reasons
        if item.decision == vocab.DECISION_PENDING:
            assert item.reasons == (vocab.REASON_MISSING_EVIDENCE,)
            assert item.missing
    damages_covered = sum(i.covered for i in result.items if i.section == "damages")
    assert result.liability.covered == damages_covered
    assert result.expenses.covered == sum(i.covered for i in result.items) - damages_covered


@given(claims())
def test_direct_recovery_pays_nothing(facts):
    result = assess(replace(facts, direct_recovery_from_provider=True))
    assert result.total_payable == 0
    assert all(i.decision == vocab.DECISION_EXCLUDED for i in result.items)


@given(claims(), st.randoms(use_true_random=False))
def test_item_order_does_not_change_the_totals(facts, rng):
    def shuffled(items):
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    reordered = replace(
        facts,
        damages=shuffled(facts.damages),
        expenses=shuffled(facts.expenses),
        overtime=shuffled(facts.overtime),
    )
    before, after = assess(facts), assess(reordered)

    assert (before.liability, before.expenses, before.total_payable) == (
        after.liability,
        after.expenses,
        after.total_payable,
    )
    assert {i.id: i for i in before.items} == {i.id: i for i in after.items}


EXCLUDED_CATEGORIES = [
    vocab.CATEGORY_UNLISTED,
    vocab.CATEGORY_SUBSTITUTE_WORK,
    vocab.CATEGORY_ALTERNATIVE_SYSTEM,
    vocab.CATEGORY_REGULAR_SALARY,
]
excluded_items = st.one_of(
    damages("x").map(lambda d: replace(d, legally_liable=False)),
    st.tuples(expenses("x"), st.sampled_from(EXCLUDED_CATEGORIES)).map(
        lambda pair: replace(pair[0], category=pair[1])
    ),
    overtimes("x").map(lambda o: replace(o, overtime_eligible=False)),
)
SECTION_OF = {DamageFact: "damages", ExpenseFact: "expenses", OvertimeFact: "overtime"}


@given(claims(), excluded_items)
def test_adding_an_excluded_item_never_changes_the_total(facts, extra):
    section = SECTION_OF[type(extra)]
    bigger = replace(facts, **{section: (*getattr(facts, section), extra)})

    result = assess(bigger)
    assert result.by_id()["x"].decision == vocab.DECISION_EXCLUDED
    assert result.total_payable == assess(facts).total_payable


@given(claims(), small_yen)
def test_raising_a_limit_never_lowers_what_is_paid(facts, more):
    higher = replace(
        facts,
        limits=Limits(
            facts.limits.liability + more, facts.limits.expenses + more, facts.limits.sublimits
        ),
    )
    assert assess(higher).total_payable >= assess(facts).total_payable


@given(
    st.integers(0, 100_000),
    yen,
    st.decimals(min_value=1, max_value=999, places=6, allow_nan=False, allow_infinity=False),
)
def test_overtime_pay_is_the_exact_quotient_rounded_half_up(minutes, rate, premium):
    exact = Fraction(minutes) * rate * Fraction(premium) / 60
    half_up = int(exact + Fraction(1, 2))  # floor(x + 1/2) for x >= 0
    assert overtime_pay(minutes, rate, premium) == half_up
    assert isinstance(overtime_pay(minutes, rate, Decimal(premium)), int)
