"""The coverage engine: the Q&A rules of ../shared/RULES.md as plain Python.

Pure on purpose (no Django, no database): facts go in as frozen dataclasses, an `Assessment`
comes out. `manage.py assess` builds the facts from JSON (coverage.validation), the web app
from model rows (coverage.adapters); both call `assess()`.

Each rule is one small function `rule(claim, item) -> reason code | None`, named after the
rule and citing its Q&A answer. An item's decision:
- `excluded` when any rule fires (`reasons` lists every code that fires, `covered` 0);
- else `pending` when overtime evidence (Q5) is missing (`reasons` = [MISSING_EVIDENCE]);
- else `covered` (`covered` = `amount`).
Then the pots (Q6): liability pays min(covered damages, liability limit); expenses cut each
category's covered sum to its sub-limit (overtime is category `overtime`), then to the
expense limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation

from coverage import vocab

# --- facts in ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DamageFact:
    """One item of an advisory client's damage claim against the insured (Q2, Q3)."""

    id: str
    kind: str  # vocab.DAMAGE_KINDS
    claimed: int
    recognized: int  # the proper amount (適正な損害額); what the engine assesses
    legally_liable: bool = True
    cause: str = vocab.CAUSE_PROVIDER_ATTACK
    own_service_free_promotional: bool = False
    activity: str = vocab.ACTIVITY_IT_USER_ACT
    client: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class ExpenseFact:
    """One cost the insured paid itself (Q4), other than staff overtime."""

    id: str
    category: str  # vocab.EXPENSE_CATEGORIES
    amount: int
    cause: str = vocab.CAUSE_PROVIDER_ATTACK
    own_service_free_promotional: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class OvertimeFact:
    """One employee's overtime on the incident (Q4, Q5)."""

    id: str
    minutes: int
    hourly_rate: int
    premium: Decimal = Decimal(vocab.DEFAULT_PREMIUM)
    task: str = vocab.TASK_INCIDENT_RESPONSE
    overtime_eligible: bool = True  # False: a manager with no overtime allowance
    evidence: frozenset[str] = frozenset()  # vocab.EVIDENCE_KINDS provided
    cause: str = vocab.CAUSE_PROVIDER_ATTACK
    own_service_free_promotional: bool = False
    employee: str = ""


@dataclass(frozen=True, slots=True)
class Limits:
    """The two pots of Q6 and the expense categories' own sub-limits (category -> yen)."""

    liability: int
    expenses: int
    sublimits: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    plan: str
    leak_only: bool  # an information-leak-only plan (情報漏えい限定補償プラン)
    incident_leak_or_threat: bool  # the incident is determined a leak or a threat of leak
    limits: Limits
    direct_recovery_from_provider: bool = False
    damages: tuple[DamageFact, ...] = ()
    expenses: tuple[ExpenseFact, ...] = ()
    overtime: tuple[OvertimeFact, ...] = ()


# --- results out -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemDecision:
    id: str
    section: str  # vocab.SECTION_*
    amount: int
    decision: str  # vocab.DECISIONS
    reasons: tuple[str, ...]
    covered: int
    missing: tuple[str, ...] = ()  # absent evidence kinds, Q5 order, pending items only
    category: str | None = None  # expense category (overtime: "overtime"); None for damages


@dataclass(frozen=True, slots=True)
class PotTotals:
    covered: int
    limit: int
    payable: int


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    """One expense category's covered sum and what its sub-limit (if any) lets through."""

    category: str
    covered: int
    sublimit: int | None
    allowed: int


@dataclass(frozen=True, slots=True)
class Assessment:
    plan: str
    items: tuple[ItemDecision, ...]
    liability: PotTotals
    expenses: PotTotals
    categories: tuple[CategoryTotal, ...]
    total_payable: int

    def by_id(self) -> dict[str, ItemDecision]:
        return {item.id: item for item in self.items}

    def to_json_dict(self) -> dict:
        """The output of `manage.py assess`, exactly as RULES.md's contract shapes it."""
        return {
            "plan": self.plan,
            "items": [
                {
                    "id": i.id,
                    "section": i.section,
                    "amount": i.amount,
                    "decision": i.decision,
                    "reasons": list(i.reasons),
                    "covered": i.covered,
                    "missing": list(i.missing),
                }
                for i in self.items
            ],
            "liability": _pot_json(self.liability),
            "expenses": _pot_json(self.expenses),
            "total_payable": self.total_payable,
        }


def _pot_json(pot: PotTotals) -> dict:
    return {"covered": pot.covered, "limit": pot.limit, "payable": pot.payable}


# --- overtime pay ------------------------------------------------------------------------

# Exact products (Inexact is trapped: a lost digit would be a bug, not a rounding), then one
# division by 60 and one explicit half-up rounding to whole yen. minutes × rate × premium has
# well under 60 digits, so the quotient keeps dozens of exact fraction digits; its repeating
# tail (from ÷3) is 3s or 6s, never 9s, so it cannot be mistaken for a half.
_PAY_CONTEXT = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Inexact])
_DIVIDE_CONTEXT = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation])
_SIXTY = Decimal(60)
_ONE_YEN = Decimal(1)


def overtime_pay(minutes: int, hourly_rate: int, premium: Decimal) -> int:
    """minutes × hourly_rate × premium ÷ 60, rounded half up to whole yen (RULES.md)."""
    gross = _PAY_CONTEXT.multiply(Decimal(minutes * hourly_rate), premium)
    pay = _DIVIDE_CONTEXT.divide(gross, _SIXTY)
    return int(pay.quantize(_ONE_YEN, rounding=ROUND_HALF_UP, context=_DIVIDE_CONTEXT))


# --- the rules, one by one ---------------------------------------------------------------
# Each takes the claim and one item and returns its reason code when it excludes the item.


def direct_recovery_elected(claim: ClaimFacts, item: object) -> str | None:
    """Q7: claiming from the cloud provider directly means no insurance, for every item."""
    return vocab.REASON_DIRECT_RECOVERY_ELECTED if claim.direct_recovery_from_provider else None


def plan_scope(claim: ClaimFacts, damage: DamageFact) -> str | None:
    """Q2: a leak-only plan pays only damages for an information leak or its threat."""
    if claim.leak_only and damage.kind != vocab.KIND_INFORMATION_LEAK:
        return vocab.REASON_PLAN_SCOPE
    return None


def not_leak_event(claim: ClaimFacts, damage: DamageFact) -> str | None:
    """Q2 (2): a leak damage needs an incident determined a leak or a threat of leak."""
    if damage.kind == vocab.KIND_INFORMATION_LEAK and not claim.incident_leak_or_threat:
        return vocab.REASON_NOT_LEAK_EVENT
    return None


def own_cloud_service(
    claim: ClaimFacts, item: DamageFact | ExpenseFact | OvertimeFact
) -> str | None:
    """Q2, Q3, Q4: the stoppage of the insured's own cloud service is not covered, unless
    that service is given free for advertising, publicity or sales promotion."""
    if item.cause == vocab.CAUSE_OWN_SERVICE_STOPPAGE and not item.own_service_free_promotional:
        return vocab.REASON_OWN_CLOUD_SERVICE
    return None


def it_business(claim: ClaimFacts, damage: DamageFact) -> str | None:
    """Q2, IT業務不担保特約: the client's own payroll or premium calculation on a cloud
    service the insured provided (paid or free) is IT business; IT-user acts are covered."""
    return vocab.REASON_IT_BUSINESS if damage.activity == vocab.ACTIVITY_IT_BUSINESS else None


def no_legal_liability(claim: ClaimFacts, damage: DamageFact) -> str | None:
    """Q2, Q3: only damages the insured is legally liable for under its contract."""
    return None if damage.legally_liable else vocab.REASON_NO_LEGAL_LIABILITY


LISTED_CATEGORIES = frozenset(
    {
        vocab.CATEGORY_AUTHORITY_NOTIFICATION,
        vocab.CATEGORY_CUSTOMER_NOTIFICATION,
        vocab.CATEGORY_CALL_CENTER,
        vocab.CATEGORY_OTHER_LISTED,
    }
)
SUBSTITUTE_CATEGORIES = frozenset(
    {vocab.CATEGORY_SUBSTITUTE_WORK, vocab.CATEGORY_ALTERNATIVE_SYSTEM}
)


def substitute_work_expense(claim: ClaimFacts, expense: ExpenseFact) -> str | None:
    """Q4: substituting the stopped work (an alternative system, manual work) is not covered."""
    if expense.category in SUBSTITUTE_CATEGORIES:
        return vocab.REASON_SUBSTITUTE_WORK
    return None


def regular_pay_expense(claim: ClaimFacts, expense: ExpenseFact) -> str | None:
    """Q4: in-hours pay and managers' pay are not costs of the incident."""
    if expense.category == vocab.CATEGORY_REGULAR_SALARY:
        return vocab.REASON_REGULAR_PAY
    return None


def not_listed_expense(claim: ClaimFacts, expense: ExpenseFact) -> str | None:
    """Q4: only the costs the pamphlet and policy wording list are covered."""
    category = expense.category
    if (
        category in LISTED_CATEGORIES
        or category in SUBSTITUTE_CATEGORIES
        or category == vocab.CATEGORY_REGULAR_SALARY
    ):
        return None
    return vocab.REASON_NOT_LISTED_EXPENSE


def substitute_work_overtime(claim: ClaimFacts, entry: OvertimeFact) -> str | None:
    """Q4: overtime spent doing the stopped work by hand (e.g. manual payroll)."""
    return vocab.REASON_SUBSTITUTE_WORK if entry.task == vocab.TASK_SUBSTITUTE_WORK else None


def regular_pay_overtime(claim: ClaimFacts, entry: OvertimeFact) -> str | None:
    """Q4: a manager who gets no overtime allowance costs the insured nothing extra."""
    return None if entry.overtime_eligible else vocab.REASON_REGULAR_PAY


def missing_evidence(entry: OvertimeFact) -> tuple[str, ...]:
    """Q5 (1)-(3): the evidence kinds not yet provided, in Q5 order (empty when complete)."""
    return tuple(kind for kind in vocab.EVIDENCE_KINDS if kind not in entry.evidence)


Rule = Callable[[ClaimFacts, object], "str | None"]

DAMAGE_RULES: tuple[Rule, ...] = (
    direct_recovery_elected,
    plan_scope,
    not_leak_event,
    own_cloud_service,
    it_business,
    no_legal_liability,
)
EXPENSE_RULES: tuple[Rule, ...] = (
    direct_recovery_elected,
    own_cloud_service,
    substitute_work_expense,
    regular_pay_expense,
    not_listed_expense,
)
OVERTIME_RULES: tuple[Rule, ...] = (
    direct_recovery_elected,
    own_cloud_service,
    substitute_work_overtime,
    regular_pay_overtime,
)


# --- assessing a claim -------------------------------------------------------------------

_PENDING_REASONS = (vocab.REASON_MISSING_EVIDENCE,)


def _decide(
    claim: ClaimFacts,
    item: DamageFact | ExpenseFact | OvertimeFact,
    rules: tuple[Rule, ...],
    section: str,
    amount: int,
    category: str | None,
    missing: tuple[str, ...] = (),
) -> ItemDecision:
    reasons = tuple(code for rule in rules if (code := rule(claim, item)) is not None)
    if reasons:
        return ItemDecision(
            item.id, section, amount, vocab.DECISION_EXCLUDED, reasons, 0, (), category
        )
    if missing:
        return ItemDecision(
            item.id, section, amount, vocab.DECISION_PENDING, _PENDING_REASONS, 0, missing, category
        )
    return ItemDecision(item.id, section, amount, vocab.DECISION_COVERED, (), amount, (), category)


def assess_items(claim: ClaimFacts) -> tuple[ItemDecision, ...]:
    """Every item's decision: damages, then expenses, then overtime, each in input order."""
    decisions = [
        _decide(claim, d, DAMAGE_RULES, vocab.SECTION_DAMAGES, d.recognized, None)
        for d in claim.damages
    ]
    decisions += [
        _decide(claim, e, EXPENSE_RULES, vocab.SECTION_EXPENSES, e.amount, e.category)
        for e in claim.expenses
    ]
    decisions += [
        _decide(
            claim,
            o,
            OVERTIME_RULES,
            vocab.SECTION_OVERTIME,
            overtime_pay(o.minutes, o.hourly_rate, o.premium),
            vocab.CATEGORY_OVERTIME,
            missing_evidence(o),
        )
        for o in claim.overtime
    ]
    return tuple(decisions)


def category_totals(
    items: tuple[ItemDecision, ...], sublimits: Mapping[str, int]
) -> tuple[CategoryTotal, ...]:
    """Covered expense sums per category (first-appearance order), each cut to its sub-limit."""
    sums: dict[str, int] = {}
    for item in items:
        if item.category is not None:
            sums[item.category] = sums.get(item.category, 0) + item.covered
    totals = []
    for category, covered in sums.items():
        sublimit = sublimits.get(category)
        allowed = covered if sublimit is None else min(covered, sublimit)
        totals.append(CategoryTotal(category, covered, sublimit, allowed))
    return tuple(totals)


def assess(claim: ClaimFacts) -> Assessment:
    items = assess_items(claim)
    limits = claim.limits

    damages_covered = sum(i.covered for i in items if i.section == vocab.SECTION_DAMAGES)
    liability = PotTotals(damages_covered, limits.liability, min(damages_covered, limits.liability))

    categories = category_totals(items, limits.sublimits)
    expenses_covered = sum(c.covered for c in categories)
    expenses_allowed = sum(c.allowed for c in categories)
    expenses = PotTotals(expenses_covered, limits.expenses, min(expenses_allowed, limits.expenses))

    return Assessment(
        plan=claim.plan,
        items=items,
        liability=liability,
        expenses=expenses,
        categories=categories,
        total_payable=liability.payable + expenses.payable,
    )
