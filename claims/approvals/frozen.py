"""Decided claims are frozen: what an approved, paid or closed claim shows and prints.

Such a claim stands on its payout's snapshot (claims.approvals.payouts._snapshot): the items as they
were, the engine's decisions, the plan's limits and sub-limits in force at approval. Its page
and its documents show that; today's rules (a plan edited since, say) appear only as a
difference note next to it (`difference`), never in place of what was decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from coverage import engine, vocab

_MODELS = {
    vocab.SECTION_DAMAGES: "ClientDamage",
    vocab.SECTION_EXPENSES: "Expense",
    vocab.SECTION_OVERTIME: "OvertimeEntry",
}
_PREFIX = {vocab.SECTION_DAMAGES: "d", vocab.SECTION_EXPENSES: "e", vocab.SECTION_OVERTIME: "o"}


@dataclass(frozen=True)
class FrozenTerms:
    """The plan's terms as the payout froze them (what the page and the PDF print)."""

    code: str
    name: str
    liability_limit: int
    expense_limit: int
    sublimits: dict

    @property
    def sublimit_labels(self) -> list[tuple[str, int]]:
        """(category label, limit) of each sub-limit, for the page."""
        return [
            (vocab.SUBLIMIT_CATEGORIES.get(category, category), limit)
            for category, limit in sorted(self.sublimits.items())
        ]


def frozen_terms(payout) -> FrozenTerms:
    """The limits and sub-limits in force when `payout` was approved: from its snapshot, or,
    for a snapshot taken before sub-limits were stored in it, from the sub-limits' history
    as of the approval."""
    snapshot = payout.snapshot or {}
    plan = snapshot.get("plan") or {}
    result = snapshot.get("assessment") or {}
    sublimits = plan.get("sublimits")
    if sublimits is None:
        from coverage.models import ExpenseSublimit

        plan_id = payout.claim.policy.plan_id
        try:
            past = ExpenseSublimit.history.as_of(payout.approved_at).filter(plan_id=plan_id)
            sublimits = {s.category: s.limit for s in past}
        except ExpenseSublimit.DoesNotExist:
            sublimits = {}
    return FrozenTerms(
        code=plan.get("code", result.get("plan", "")),
        name=plan.get("name", ""),
        liability_limit=int(
            plan.get("liability_limit", (result.get("liability") or {}).get("limit", 0))
        ),
        expense_limit=int(
            plan.get("expense_limit", (result.get("expenses") or {}).get("limit", 0))
        ),
        sublimits={k: int(v) for k, v in sublimits.items()},
    )


def frozen_row(model, data: dict, claim_id: int):
    """An unsaved model instance holding a snapshot row's values (for the item templates)."""
    obj = model(claim_id=claim_id)
    for f in model._meta.concrete_fields:
        if f.name in data and f.name != "id":
            value = data[f.name]
            setattr(obj, f.attname, None if value is None else f.to_python(value))
    obj.pk = data.get("pk")
    return obj


def frozen_assessment(claim, payout):
    """The claim's assessment as `payout` froze it, shaped like coverage.adapters'
    ClaimAssessment (rows paired with decisions) so the claim page shows it unchanged."""
    from django.apps import apps

    from coverage.adapters import ClaimAssessment

    snapshot = payout.snapshot or {}
    result = snapshot.get("assessment") or {}
    terms = frozen_terms(payout)
    by_id = {i.get("id"): i for i in result.get("items") or ()}
    paired: dict[str, list] = {}
    decisions = []
    by_row = {}
    for section, model_name in _MODELS.items():
        model = apps.get_model("claims", model_name)
        paired[section] = []
        for data in (snapshot.get("items") or {}).get(section) or ():
            row = frozen_row(model, data, claim.pk)
            item = by_id.get(f"{_PREFIX[section]}{data.get('pk')}", {})
            category = (
                data.get("category")
                if section == vocab.SECTION_EXPENSES
                else (vocab.CATEGORY_OVERTIME if section == vocab.SECTION_OVERTIME else None)
            )
            decision = engine.ItemDecision(
                str(item.get("id", f"{_PREFIX[section]}{data.get('pk')}")),
                section,
                int(item.get("amount", data.get("covered") or 0)),
                item.get("decision", data.get("decision", "")),
                tuple(item.get("reasons", data.get("reasons") or ())),
                int(item.get("covered", data.get("covered") or 0)),
                tuple(item.get("missing") or ()),
                category,
            )
            decisions.append(decision)
            by_row[(section, row.pk)] = decision
            paired[section].append((row, decision))

    def pot(name):
        p = result.get(name) or {}
        return engine.PotTotals(
            int(p.get("covered", 0)), int(p.get("limit", 0)), int(p.get("payable", 0))
        )

    assessment = engine.Assessment(
        plan=result.get("plan", terms.code),
        items=tuple(decisions),
        liability=pot("liability"),
        expenses=pot("expenses"),
        categories=engine.category_totals(tuple(decisions), terms.sublimits),
        total_payable=int(result.get("total_payable", 0)),
    )
    from claims.approvals.policy_limits import usage_from_snapshot

    return ClaimAssessment(
        assessment=assessment,
        by_row=by_row,
        damages=paired[vocab.SECTION_DAMAGES],
        expenses=paired[vocab.SECTION_EXPENSES],
        overtime=paired[vocab.SECTION_OVERTIME],
        # the policy's usage as it stood at approval (limits per policy, claims.approvals.policy_limits)
        usage=usage_from_snapshot(snapshot),
    )


@dataclass(frozen=True)
class Difference:
    """Today's rules against the decided figure, pot by pot and in total."""

    decided: int
    today: int
    liability_decided: int
    liability_today: int
    expenses_decided: int
    expenses_today: int

    @property
    def amount(self) -> int:
        return self.today - self.decided

    @property
    def text(self) -> str:
        sign = "+" if self.amount > 0 else ""
        return f"現在の規則では {self.today:,}円 (差額 {sign}{self.amount:,}円)"


def difference(decided: engine.Assessment, today: engine.Assessment) -> Difference | None:
    """How today's assessment differs from the decided one, or None when it does not."""
    if (decided.total_payable, decided.liability.payable, decided.expenses.payable) == (
        today.total_payable,
        today.liability.payable,
        today.expenses.payable,
    ):
        return None
    return Difference(
        decided=decided.total_payable,
        today=today.total_payable,
        liability_decided=decided.liability.payable,
        liability_today=today.liability.payable,
        expenses_decided=decided.expenses.payable,
        expenses_today=today.expenses.payable,
    )
