"""Model rows -> engine facts, so the web app and `manage.py assess` share one engine.

The engine (coverage.engine) knows nothing of Django; this module reads plans, claims and
their line items from the database and hands the engine plain facts. Item ids in the facts
are "d<pk>", "e<pk>" and "o<pk>" (damages, expenses, overtime), stable across runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import prefetch_related_objects

from coverage import engine, vocab
from coverage.models import Plan
from coverage.validation import PlanTerms

_ID_PREFIX = {
    vocab.SECTION_DAMAGES: "d",
    vocab.SECTION_EXPENSES: "e",
    vocab.SECTION_OVERTIME: "o",
}


def plan_terms(plan: Plan) -> PlanTerms:
    """The engine's view of a plan row: its two limits, scope and sub-limits as admins set them."""
    return PlanTerms(
        liability_limit=plan.liability_limit,
        expense_limit=plan.expense_limit,
        leak_only=plan.leak_only,
        sublimits={s.category: s.limit for s in plan.sublimits.all()},
    )


def plan_terms_by_code(code: str) -> PlanTerms | None:
    """Plan lookup for coverage.validation: None for an unknown code."""
    plan = Plan.objects.filter(code=code).prefetch_related("sublimits").first()
    return None if plan is None else plan_terms(plan)


def default_plan_terms(code: str) -> PlanTerms | None:
    """The Q6 default terms of a plan (vocab.DEFAULT_PLANS): None for an unknown code."""
    terms = vocab.DEFAULT_PLANS.get(code)
    if terms is None:
        return None
    liability, expenses, leak_only = terms
    return PlanTerms(liability_limit=liability, expense_limit=expenses, leak_only=leak_only)


def item_id(section: str, pk: int) -> str:
    return f"{_ID_PREFIX[section]}{pk}"


def overtime_evidence(entry) -> frozenset[str]:
    """The Q5 evidence kinds provided for one overtime entry.

    The kinds a handler ticked on the entry (its `evidence` JSON list) together with the
    kinds of the entry's linked, not-deleted documents (document kind codes equal the
    evidence codes); anything that is not a known kind is ignored. Reads
    `entry.documents.all()`, so callers prefetch `documents` (as `_rows` does).
    """
    ticked = entry.evidence if isinstance(entry.evidence, list) else []
    kinds = set(ticked)
    if entry.pk is not None:
        kinds.update(d.kind for d in entry.documents.all() if d.deleted_at is None)
    return frozenset(kind for kind in kinds if kind in vocab.EVIDENCE_KINDS)


def damage_fact(row, *, free_promotional: bool = False) -> engine.DamageFact:
    return engine.DamageFact(
        id=item_id(vocab.SECTION_DAMAGES, row.pk),
        kind=row.kind,
        claimed=row.claimed,
        recognized=row.recognized,
        legally_liable=row.legally_liable,
        cause=row.cause,
        own_service_free_promotional=free_promotional,
        activity=row.activity,
        client=row.client_name,
        description=row.description,
    )


def expense_fact(row, *, free_promotional: bool = False) -> engine.ExpenseFact:
    return engine.ExpenseFact(
        id=item_id(vocab.SECTION_EXPENSES, row.pk),
        category=row.category,
        amount=row.amount,
        cause=row.cause,
        own_service_free_promotional=free_promotional,
        description=row.description,
    )


def overtime_fact(row, *, free_promotional: bool = False) -> engine.OvertimeFact:
    return engine.OvertimeFact(
        id=item_id(vocab.SECTION_OVERTIME, row.pk),
        minutes=row.minutes,
        hourly_rate=row.hourly_rate,
        premium=row.premium,
        task=row.task,
        overtime_eligible=row.overtime_eligible,
        evidence=overtime_evidence(row),
        cause=row.cause,
        own_service_free_promotional=free_promotional,
        employee=row.employee,
    )


def _rows(claim) -> dict[str, list]:
    overtime = list(claim.overtime_entries.all())
    # Linked evidence documents, one query for all entries (kept if the caller prefetched).
    prefetch_related_objects(overtime, "documents")
    return {
        vocab.SECTION_DAMAGES: list(claim.damages.all()),
        vocab.SECTION_EXPENSES: list(claim.expenses.all()),
        vocab.SECTION_OVERTIME: overtime,
    }


def _facts(
    claim, rows: dict[str, list], *, plan=None, terms=None, ids=None, limits=None
) -> engine.ClaimFacts:
    """Engine facts of a claim and its rows. `plan`/`terms` spare the plan's queries when the
    caller has them; `ids(section, n, row)` names facts of unsaved rows (they have no pk);
    `limits` (engine.Limits) replaces the plan's, e.g. what the policy has left."""
    plan = plan or claim.policy.plan
    terms = terms or plan_terms(plan)
    if limits is None:
        limits = engine.Limits(
            liability=terms.liability_limit,
            expenses=terms.expense_limit,
            sublimits=dict(terms.sublimits),
        )

    # One truth per fact (claims.facts): the free-promotion exception of Q2-Q4 is the
    # claim's, never an item's own box; without a provided service there is none.
    free = bool(claim.own_cloud_service and claim.own_cloud_service_free_promotional)

    def facts(builder, section):
        built = (builder(row, free_promotional=free) for row in rows[section])
        if ids is None:
            return tuple(built)
        return tuple(replace(fact, id=ids(section, n)) for n, fact in enumerate(built, start=1))

    return engine.ClaimFacts(
        plan=plan.code,
        leak_only=terms.leak_only,
        incident_leak_or_threat=claim.incident.leak_or_threat,
        limits=limits,
        direct_recovery_from_provider=claim.direct_recovery_elected,
        damages=facts(damage_fact, vocab.SECTION_DAMAGES),
        expenses=facts(expense_fact, vocab.SECTION_EXPENSES),
        overtime=facts(overtime_fact, vocab.SECTION_OVERTIME),
    )


def assess_unsaved(claim, rows: dict[str, list], *, plan, terms) -> engine.Assessment:
    """The engine on rows not yet saved (bulk import): their facts get positional ids. Like
    a saved claim it is assessed against what its policy has left (policy_usage)."""
    usage = policy_usage(claim, terms=terms)
    return engine.assess(
        _facts(
            claim,
            rows,
            plan=plan,
            terms=terms,
            ids=lambda section, n: item_id(section, n),
            limits=usage.limits(),
        )
    )


def policy_usage(claim, *, terms=None):
    """What the claim's policy has used of its limits on its OTHER claims' live payouts
    (claims.approvals.policy_limits.PolicyUsage); `.limits()` is what the engine is handed."""
    from claims.approvals.policy_limits import policy_usage as usage_of

    preloaded = getattr(claim, "preloaded_policy_usage", None)
    if preloaded is not None:  # claims.reassess loaded it for a whole batch
        return preloaded
    terms = terms or plan_terms(claim.policy.plan)
    return usage_of(policy_id=claim.policy_id, exclude_claim_id=claim.pk, terms=terms)


def summary_totals(rows: dict[str, list], assessment: engine.Assessment) -> tuple[int, int, int]:
    """The queue's summary columns of a claim: (total claimed, total payable, pending items).

    Claimed counts the damages' claimed amounts, the expenses and the overtime pay."""
    claimed = sum(row.claimed for row in rows[vocab.SECTION_DAMAGES])
    claimed += sum(row.amount for row in rows[vocab.SECTION_EXPENSES])
    claimed += sum(
        item.amount for item in assessment.items if item.section == vocab.SECTION_OVERTIME
    )
    pending = sum(1 for item in assessment.items if item.decision == vocab.DECISION_PENDING)
    return claimed, assessment.total_payable, pending


def claim_facts(claim, *, policy_aware: bool = True) -> engine.ClaimFacts:
    """Facts of a claims.models.Claim: its incident, its three item lists and the limits its
    policy has left after its other claims' payouts (the plan's with `policy_aware=False`).

    Queries: the policy and plan, the plan's sub-limits, the incident and each item list,
    fewer when the caller used select_related/prefetch_related; one to three for the policy's
    other payouts (claims.approvals.policy_limits).
    """
    if not policy_aware:
        return _facts(claim, _rows(claim))
    terms = plan_terms(claim.policy.plan)
    usage = policy_usage(claim, terms=terms)
    return _facts(claim, _rows(claim), terms=terms, limits=usage.limits())


def assess_claim(claim) -> engine.Assessment:
    return engine.assess(claim_facts(claim))


@dataclass(frozen=True)
class ClaimAssessment:
    """An assessment with each decision findable from its row, for views and templates.

    `decision(section, pk)` answers one row; `damages`, `expenses` and `overtime` pair every
    row with its decision, in the order the rows were read, for a template to loop over.
    """

    assessment: engine.Assessment
    by_row: dict[tuple[str, int], engine.ItemDecision]
    damages: list[tuple[object, engine.ItemDecision]]
    expenses: list[tuple[object, engine.ItemDecision]]
    overtime: list[tuple[object, engine.ItemDecision]]
    # the policy's limits, what its other claims used and what is left (policy_limits)
    usage: object = None

    @property
    def policy_limits(self) -> list[dict]:
        """Per pot and sub-limit: limit / used by other claims / left, and why a cut."""
        return self.usage.pots(self.assessment) if self.usage is not None else []

    @property
    def limit_cuts(self) -> list[dict]:
        return [row for row in self.policy_limits if row["reduced"]]

    def decision(self, section: str, pk: int) -> engine.ItemDecision:
        return self.by_row[(section, pk)]


def claim_assessment(claim, *, policy_aware: bool = True) -> ClaimAssessment:
    """Assess a claim and index the decisions by (section, pk) of the row they judge.

    The claim is assessed against what its policy has left after its other claims' live
    payouts (Q6 limits are per policy); `policy_aware=False` gives the claim on its own."""
    sections = _rows(claim)
    usage = None
    if policy_aware:
        terms = plan_terms(claim.policy.plan)
        usage = policy_usage(claim, terms=terms)
        assessment = engine.assess(_facts(claim, sections, terms=terms, limits=usage.limits()))
    else:
        assessment = engine.assess(_facts(claim, sections))
    by_id = assessment.by_id()
    by_row = {}
    paired: dict[str, list] = {}
    for section, rows in sections.items():
        paired[section] = []
        for row in rows:
            decision = by_id[item_id(section, row.pk)]
            by_row[(section, row.pk)] = decision
            paired[section].append((row, decision))
    return ClaimAssessment(
        assessment=assessment,
        by_row=by_row,
        damages=paired[vocab.SECTION_DAMAGES],
        expenses=paired[vocab.SECTION_EXPENSES],
        overtime=paired[vocab.SECTION_OVERTIME],
        usage=usage,
    )
