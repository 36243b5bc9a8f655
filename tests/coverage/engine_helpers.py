"""Small builders of engine facts for the coverage tests: a covered item unless told otherwise."""

from decimal import Decimal

from coverage import vocab
from coverage.engine import ClaimFacts, DamageFact, ExpenseFact, Limits, OvertimeFact

ALL_EVIDENCE = frozenset(vocab.EVIDENCE_KINDS)
STANDARD = 100_000_000


def damage(item_id="d1", amount=100_000, **facts) -> DamageFact:
    facts.setdefault("kind", vocab.KIND_BUSINESS_INTERRUPTION)
    facts.setdefault("claimed", amount)
    return DamageFact(id=item_id, recognized=amount, **facts)


def expense(item_id="e1", amount=50_000, **facts) -> ExpenseFact:
    facts.setdefault("category", vocab.CATEGORY_CUSTOMER_NOTIFICATION)
    return ExpenseFact(id=item_id, amount=amount, **facts)


def overtime(item_id="o1", minutes=60, hourly_rate=2_000, **facts) -> OvertimeFact:
    """60 minutes at 2,000 yen × 1.25 = 2,500 yen, with all three Q5 evidence kinds."""
    facts.setdefault("evidence", ALL_EVIDENCE)
    facts.setdefault("premium", Decimal("1.25"))
    return OvertimeFact(id=item_id, minutes=minutes, hourly_rate=hourly_rate, **facts)


def claim(
    damages=(),
    expenses=(),
    overtime=(),
    *,
    leak_only=False,
    leak_or_threat=True,
    direct_recovery=False,
    liability=STANDARD,
    expense_limit=STANDARD,
    sublimits=None,
) -> ClaimFacts:
    return ClaimFacts(
        plan="leak_only_30m" if leak_only else "cyber_standard",
        leak_only=leak_only,
        incident_leak_or_threat=leak_or_threat,
        limits=Limits(liability=liability, expenses=expense_limit, sublimits=sublimits or {}),
        direct_recovery_from_provider=direct_recovery,
        damages=tuple(damages),
        expenses=tuple(expenses),
        overtime=tuple(overtime),
    )
