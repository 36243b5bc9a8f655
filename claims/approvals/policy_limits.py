"""Limits erode per policy (Q6): what a policy's other claims have already used.

The liability and expense limits and every expense sub-limit apply to the policy (its
period) across all its claims. A claim is assessed against what is left after the OTHER
claims' live payouts (approved or paid, net of refunds asked for or received: the same
`LIVE` and `RECOVERED` as claims.approvals.payouts.next_payment). The claim's own earlier payouts are
not "used by others": next_payment subtracts them from the claim's cumulative total.

The engine stays pure: `PolicyUsage.limits()` is an ordinary `engine.Limits` (the remaining
amounts) that coverage.adapters hands it in place of the plan's.

Sub-limit usage per category comes from each other claim's latest live payout snapshot
(`snapshot["policy_limits"]["categories"]`, the claim's cumulative payment attributed to
its expense categories in the engine's category order; older snapshots fall back to the
covered amounts of their items), trimmed from the last category when refunds brought the
claim's net expense payment below that sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Sum

from coverage import engine, vocab

# Same statuses as claims.approvals.payouts (LIVE, RECOVERED); spelled here to avoid an import cycle.
_LIVE = ("approved", "paid")
_RECOVERED = ("requested", "received")


@dataclass(frozen=True)
class OtherClaimUse:
    """One other claim of the policy and what its live payouts (net of refunds) used."""

    claim_id: int
    number: str
    liability: int
    expenses: int

    @property
    def total(self) -> int:
        return self.liability + self.expenses


@dataclass(frozen=True)
class PolicyUsage:
    """The plan's limits for a policy, what its other claims used, and what is left."""

    liability_limit: int
    expense_limit: int
    sublimits: dict[str, int]
    used_liability: int = 0
    used_expenses: int = 0
    used_categories: dict[str, int] = field(default_factory=dict)
    others: tuple[OtherClaimUse, ...] = ()

    @property
    def remaining_liability(self) -> int:
        return max(self.liability_limit - self.used_liability, 0)

    @property
    def remaining_expenses(self) -> int:
        return max(self.expense_limit - self.used_expenses, 0)

    def remaining_sublimit(self, category: str) -> int:
        return max(self.sublimits[category] - self.used_categories.get(category, 0), 0)

    @property
    def used_total(self) -> int:
        return self.used_liability + self.used_expenses

    @property
    def any_used(self) -> bool:
        return bool(self.used_liability or self.used_expenses or any(self.used_categories.values()))

    def limits(self) -> engine.Limits:
        """The remaining limits, for the engine."""
        return engine.Limits(
            liability=self.remaining_liability,
            expenses=self.remaining_expenses,
            sublimits={c: self.remaining_sublimit(c) for c in self.sublimits},
        )

    def other_numbers(self) -> str:
        return "、".join(o.number for o in self.others if o.total)

    # --- what the pages print --------------------------------------------------------

    def pots(self, assessment: engine.Assessment) -> list[dict]:
        """Per pot: the plan's limit, used by other claims, left, and whether (and why)
        this claim's payable was cut to what is left."""
        allowed = sum(c.allowed for c in assessment.categories)
        rows = [
            self._row(
                "liability",
                "賠償責任",
                self.liability_limit,
                self.used_liability,
                self.remaining_liability,
                assessment.liability.covered,
                assessment.liability.payable,
            ),
            self._row(
                "expenses",
                "費用",
                self.expense_limit,
                self.used_expenses,
                self.remaining_expenses,
                allowed,
                assessment.expenses.payable,
            ),
        ]
        for c in assessment.categories:
            if c.category in self.sublimits:
                rows.append(
                    self._row(
                        c.category,
                        f"{vocab.SUBLIMIT_CATEGORIES.get(c.category, c.category)} (支払限度額)",
                        self.sublimits[c.category],
                        self.used_categories.get(c.category, 0),
                        self.remaining_sublimit(c.category),
                        c.covered,
                        c.allowed,
                    )
                )
        return rows

    def _row(self, key, label, limit, used, remaining, wanted, payable) -> dict:
        reduced = bool(used) and wanted > remaining
        why = ""
        if reduced:
            why = (
                f"{label}: 査定額 {wanted:,}円 のうち、この証券の残りの限度額 {remaining:,}円 "
                f"までお支払いします (限度額 {limit:,}円 のうち他の事故"
                f"{' ' + self.other_numbers() + ' ' if self.other_numbers() else ''}で"
                f" {used:,}円 使用済み、Q6)。"
            )
        return {
            "key": key,
            "label": label,
            "limit": limit,
            "used": used,
            "remaining": remaining,
            "wanted": wanted,
            "payable": payable,
            "reduced": reduced,
            "cut": max(wanted - remaining, 0) if reduced else 0,
            "why": why,
            "text": f"限度額 {limit:,}円 / 他の事故で使用済み {used:,}円 / 残り {remaining:,}円",
        }

    def to_json(self, assessment: engine.Assessment) -> dict:
        """What a payout snapshot keeps: the usage then, and this claim's cumulative
        payment per expense category (what other claims later count against sub-limits)."""
        return {
            "limits": {
                "liability": self.liability_limit,
                "expenses": self.expense_limit,
                "sublimits": dict(self.sublimits),
            },
            "used_by_others": {
                "liability": self.used_liability,
                "expenses": self.used_expenses,
                "categories": dict(self.used_categories),
                "claims": [o.number for o in self.others if o.total],
            },
            "categories": paid_by_category(assessment),
        }


def paid_by_category(assessment: engine.Assessment) -> dict[str, int]:
    """The expense pot's payable attributed to its categories, in the engine's order: each
    category its allowed sum (after its sub-limit) until the pot's payable runs out."""
    left = assessment.expenses.payable
    out = {}
    for c in assessment.categories:
        take = min(c.allowed, left)
        out[c.category] = take
        left -= take
    return out


def _snapshot_categories(snapshot: dict) -> dict[str, int]:
    stored = (snapshot.get("policy_limits") or {}).get("categories")
    if isinstance(stored, dict):
        return {str(k): int(v or 0) for k, v in stored.items()}
    out: dict[str, int] = {}  # older snapshots: the items' covered amounts per category
    items = snapshot.get("items") or {}
    for row in items.get(vocab.SECTION_EXPENSES) or ():
        category = row.get("category")
        if category:
            out[category] = out.get(category, 0) + int(row.get("covered") or 0)
    overtime = sum(int(row.get("covered") or 0) for row in items.get(vocab.SECTION_OVERTIME) or ())
    if overtime:
        out[vocab.CATEGORY_OVERTIME] = overtime
    return out


def _trim(categories: dict[str, int], cap: int) -> dict[str, int]:
    """Cut the last categories first until they sum to at most `cap` (refunds, limits)."""
    out = dict(categories)
    excess = sum(out.values()) - max(cap, 0)
    for category in reversed(list(out)):
        if excess <= 0:
            break
        cut = min(out[category], excess)
        out[category] -= cut
        excess -= cut
    return out


def policy_usage(*, policy_id: int, exclude_claim_id: int | None, terms) -> PolicyUsage:
    """What the policy's claims other than `exclude_claim_id` have used of `terms` (a
    coverage.validation.PlanTerms). One query when no other claim was paid; two, three
    with sub-limits, otherwise."""
    from claims.models import Payout, Recovery

    payouts = Payout.objects.filter(claim__policy_id=policy_id, status__in=_LIVE)
    recoveries = Recovery.objects.filter(claim__policy_id=policy_id, status__in=_RECOVERED)
    if exclude_claim_id is not None:
        payouts = payouts.exclude(claim_id=exclude_claim_id)
        recoveries = recoveries.exclude(claim_id=exclude_claim_id)
    paid = {
        row["claim_id"]: row
        for row in payouts.order_by()
        .values("claim_id", "claim__number")
        .annotate(liability=Sum("liability_amount"), expenses=Sum("expense_amount"))
    }
    sublimits = dict(terms.sublimits)
    usage_base = {
        "liability_limit": terms.liability_limit,
        "expense_limit": terms.expense_limit,
        "sublimits": sublimits,
    }
    if not paid:
        return PolicyUsage(**usage_base)
    back = {
        row["claim_id"]: row
        for row in recoveries.order_by()
        .values("claim_id")
        .annotate(liability=Sum("liability_amount"), expenses=Sum("expense_amount"))
    }
    others = []
    for claim_id, row in sorted(paid.items(), key=lambda kv: kv[1]["claim__number"]):
        refunded = back.get(claim_id, {})
        others.append(
            OtherClaimUse(
                claim_id=claim_id,
                number=row["claim__number"],
                liability=max((row["liability"] or 0) - (refunded.get("liability") or 0), 0),
                expenses=max((row["expenses"] or 0) - (refunded.get("expenses") or 0), 0),
            )
        )
    used_categories: dict[str, int] = {}
    if sublimits:
        latest: dict[int, dict] = {}
        for row in payouts.order_by("claim_id", "-sequence").values("claim_id", "snapshot"):
            latest.setdefault(row["claim_id"], row["snapshot"] or {})
        for other in others:
            cats = _trim(_snapshot_categories(latest.get(other.claim_id, {})), other.expenses)
            for category, amount in cats.items():
                used_categories[category] = used_categories.get(category, 0) + amount
    return PolicyUsage(
        **usage_base,
        used_liability=sum(o.liability for o in others),
        used_expenses=sum(o.expenses for o in others),
        used_categories=used_categories,
        others=tuple(others),
    )


def sibling_claim_ids(policy, exclude=None) -> list[int]:
    """The ids of the policy's other claims: the ones whose assessment changes when a
    payout of `exclude` is approved, voided or refunded (for re-assessing stored figures)."""
    from claims.models import Claim

    policy_id = getattr(policy, "pk", policy)
    exclude_id = getattr(exclude, "pk", exclude)
    qs = Claim.objects.filter(policy_id=policy_id)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("pk").values_list("pk", flat=True))


def lock_policy(claim):
    """Lock the claim's policy row (SELECT ... FOR NO KEY UPDATE): every money service takes
    it BEFORE the claim's lock (claims.approvals.payouts._lock does), so approvals on one policy are
    serialized and the lock order is always policy, then claim. NO KEY: the lock does not
    block the foreign-key checks (FOR KEY SHARE) other writers make on the policy row, so a
    claim-row holder never waits on it."""
    from claims.models import Claim, Policy
    from claims.services import ClaimError

    policy_id = Claim.objects.filter(pk=claim.pk).values_list("policy_id", flat=True).first()
    if policy_id is None:
        raise ClaimError("事故が見つかりません。")
    return Policy.objects.select_for_update(no_key=True).get(pk=policy_id)


def usage_from_snapshot(snapshot: dict) -> PolicyUsage | None:
    """The policy's usage as a payout froze it (None for snapshots taken before limits
    were per policy): what a decided claim's pages and documents print."""
    stored = (snapshot or {}).get("policy_limits")
    if not isinstance(stored, dict):
        return None
    limits = stored.get("limits") or {}
    used = stored.get("used_by_others") or {}
    numbers = used.get("claims") or []
    return PolicyUsage(
        liability_limit=int(limits.get("liability") or 0),
        expense_limit=int(limits.get("expenses") or 0),
        sublimits={str(k): int(v) for k, v in (limits.get("sublimits") or {}).items()},
        used_liability=int(used.get("liability") or 0),
        used_expenses=int(used.get("expenses") or 0),
        used_categories={str(k): int(v) for k, v in (used.get("categories") or {}).items()},
        # the numbers only (the split per claim was not kept): enough for the wording
        others=tuple(OtherClaimUse(0, str(n), 0, 1) for n in numbers),
    )


def open_siblings(claim) -> list:
    """The policy's other claims still awaiting approval: whichever is approved first
    takes from the limits the others are assessed against (the approval page says so)."""
    from claims.models import Claim

    return list(
        Claim.objects.filter(policy_id=claim.policy_id, status=Claim.Status.AWAITING_APPROVAL)
        .exclude(pk=claim.pk)
        .only("number", "total_payable")
        .order_by("number")
    )
