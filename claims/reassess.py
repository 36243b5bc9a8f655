"""Stored figures never go stale: re-assess the claims a change affects, and say so.

A claim stores three figures the queue, its CSV, the workload page, the incident register
and the approval queue read without running the engine: `total_claimed`, `total_payable`
and `pending_items`. Anything that can change an assessment re-assesses the claims it
touches and stores their new figures:

- items and documents: in the request, one claim (claims.services, documents.services);
- the policy, a payout or refund on another claim of the same policy: in the request,
  after commit, the policy's other claims (`policy_claims_reassess_on_commit`);
- a plan's limits or sub-limits, an incident's leak determination: wide, so a Celery task
  (claims.tasks.reassess_claims) queued after commit works through them in batches of
  `BATCH_SIZE` with a fixed number of queries per batch (`claims_reassess`).

Every claim whose payable amount changed gets a FigureChange row (before → after, what
caused it, the admin's reason), which its timeline shows. A decided claim (approved, paid or
closed on a payout) keeps the figures frozen in its payout's snapshot: today's rules do not
move them (`claim_figures`).

`stale_figures` compares every stored figure with a fresh one (`manage.py check_figures`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from claims.models import Claim, FigureChange, Payout

logger = logging.getLogger(__name__)

S = Claim.Status
BATCH_SIZE = 500
# Statuses in which a claim stands decided on its latest live payout (claims.approvals.payouts.DECIDED).
DECIDED = {S.APPROVED, S.PAID, S.CLOSED}
LIVE = [Payout.Status.APPROVED, Payout.Status.PAID]
# Claims that an admin's change re-assesses and counts in advance: not yet decided.
OPEN_UNDECIDED = [
    S.DRAFT,
    S.REPORTED,
    S.DOCUMENTS_REQUESTED,
    S.UNDER_ASSESSMENT,
    S.AWAITING_APPROVAL,
]
FIELDS = ("total_claimed", "total_payable", "pending_items")
_LABELS = {
    "total_claimed": "請求額合計",
    "total_payable": "支払見込額",
    "pending_items": "保留項目数",
}


@dataclass(frozen=True)
class Figures:
    total_claimed: int
    total_payable: int
    pending_items: int

    @classmethod
    def stored(cls, claim) -> Figures:
        return cls(claim.total_claimed, claim.total_payable, claim.pending_items)


# --- what the stored figures should say ---------------------------------------------------


def _live_payouts(claim) -> list:
    """The claim's live payouts, newest first: prefetched by `_batch` (to_attr), else read."""
    cached = getattr(claim, "live_payouts", None)
    if cached is not None:
        return cached
    return list(Payout.objects.filter(claim=claim, status__in=LIVE).order_by("-sequence"))


def decided_snapshot(claim) -> dict | None:
    """The approval snapshot a decided claim stands on, or None (undecided, or no snapshot)."""
    if claim.status not in DECIDED:
        return None
    live = _live_payouts(claim)
    if not live or not (live[0].snapshot or {}).get("assessment"):
        return None
    return live[0].snapshot


def snapshot_figures(snapshot: dict) -> Figures:
    """The figures a payout froze: claimed as the queue counts it (damages' claimed amounts,
    expenses, overtime pay), the assessed total, the items held pending."""
    result = snapshot.get("assessment") or {}
    items = snapshot.get("items") or {}
    claimed = sum(int(row.get("claimed") or 0) for row in items.get("damages") or ())
    claimed += sum(int(row.get("amount") or 0) for row in items.get("expenses") or ())
    decisions = result.get("items") or ()
    claimed += sum(int(i.get("amount") or 0) for i in decisions if i.get("section") == "overtime")
    pending = sum(1 for i in decisions if i.get("decision") == "pending")
    return Figures(claimed, int(result.get("total_payable") or 0), pending)


def refunded_since_decided(claim) -> int:
    """Refunds asked for or received (過払い返還; a waived one is not) since the claim's latest
    live payout was approved: a claim closed with a refund request stands at what its payout
    froze less what the insured was asked to give back (the incident register's figure).
    Only a closed claim has any (a refund request closes it); `_batch` preloads them."""
    if claim.status != S.CLOSED:
        return 0
    live = _live_payouts(claim)
    if not live:
        return 0
    rows = getattr(claim, "recovered_rows", None)
    if rows is None:
        from claims.approvals.policy_limits import _RECOVERED
        from claims.models import Recovery

        rows = list(
            Recovery.objects.filter(claim=claim, status__in=_RECOVERED).values_list(
                "requested_at", "amount"
            )
        )
    return sum(amount for at, amount in rows if at >= live[0].approved_at)


def claim_figures(claim) -> Figures:
    """What the claim's stored figures should say now: its approval snapshot's when decided
    (less refunds asked for since, `refunded_since_decided`), else a fresh assessment
    through the one assessment path (coverage.adapters)."""
    snapshot = decided_snapshot(claim)
    if snapshot is not None:
        figures = snapshot_figures(snapshot)
        back = refunded_since_decided(claim)
        if back:
            figures = Figures(
                figures.total_claimed, max(figures.total_payable - back, 0), figures.pending_items
            )
        return figures
    from coverage.adapters import claim_assessment, summary_totals

    assessed = claim_assessment(claim)
    rows = {
        "damages": [row for row, _ in assessed.damages],
        "expenses": [row for row, _ in assessed.expenses],
        "overtime": [row for row, _ in assessed.overtime],
    }
    return Figures(*summary_totals(rows, assessed.assessment))


def figure_change(claim, before: Figures, after: Figures, *, cause, reason="", by=None):
    """The unsaved timeline row of a changed payable amount, or None when it did not change."""
    if before.total_payable == after.total_payable:
        return None
    return FigureChange(
        claim=claim,
        cause=cause[:200],
        reason=reason or "",
        old_payable=before.total_payable,
        new_payable=after.total_payable,
        old_claimed=before.total_claimed,
        new_claimed=after.total_claimed,
        old_pending=before.pending_items,
        new_pending=after.pending_items,
        by=by,
    )


# --- re-assessing many claims -------------------------------------------------------------


@dataclass
class Result:
    claims: int = 0  # re-assessed
    updated: int = 0  # stored figures rewritten
    payable_changed: int = 0  # timeline rows written
    batches: int = 0


def _cached(model, rows: list):
    """A queryset that is already evaluated (what prefetch_related leaves on an instance),
    without the per-instance filter building that makes Django's prefetch slow at scale."""
    qs = QuerySet(model)
    qs._result_cache = rows
    qs._prefetch_done = True
    return qs


def _batch(ids: list[int], *, lock: bool = True) -> list[Claim]:
    """One batch of claims (locked unless `lock=False`) with everything the assessment
    reads, as coverage.adapters reads it (`claim.damages.all()`, ...): a fixed number of
    queries whatever the batch's size (claims with policy, plan and incident; sub-limits;
    the three item lists; overtime documents; live payouts)."""
    from claims.models import ClientDamage, Expense, OvertimeEntry
    from coverage.models import ExpenseSublimit
    from documents.models import Document

    claims = Claim.objects.filter(pk__in=ids)
    if lock:
        claims = claims.select_for_update(of=("self",))
    rows = list(claims.select_related("policy__plan", "incident").order_by("pk"))
    pks = [c.pk for c in rows]

    def grouped(queryset, key):
        out = defaultdict(list)
        for obj in queryset:
            out[getattr(obj, key)].append(obj)
        return out

    damages = grouped(ClientDamage.objects.filter(claim_id__in=pks).order_by("id"), "claim_id")
    expenses = grouped(Expense.objects.filter(claim_id__in=pks).order_by("id"), "claim_id")
    overtime = grouped(OvertimeEntry.objects.filter(claim_id__in=pks).order_by("id"), "claim_id")
    entry_ids = [e.pk for entries in overtime.values() for e in entries]
    documents = grouped(
        Document.objects.filter(overtime_entry_id__in=entry_ids), "overtime_entry_id"
    )
    live = grouped(
        Payout.objects.filter(claim_id__in=pks, status__in=LIVE).order_by("-sequence"), "claim_id"
    )
    plan_ids = {c.policy.plan_id for c in rows}
    sublimits = grouped(ExpenseSublimit.objects.filter(plan_id__in=plan_ids), "plan_id")
    for claim in rows:
        entries = overtime.get(claim.pk, [])
        for entry in entries:
            entry._prefetched_objects_cache = {
                "documents": _cached(Document, documents.get(entry.pk, []))
            }
        claim._prefetched_objects_cache = {
            "damages": _cached(ClientDamage, damages.get(claim.pk, [])),
            "expenses": _cached(Expense, expenses.get(claim.pk, [])),
            "overtime_entries": _cached(OvertimeEntry, entries),
        }
        plan = claim.policy.plan
        plan._prefetched_objects_cache = {
            "sublimits": _cached(ExpenseSublimit, sublimits.get(plan.pk, []))
        }
        claim.live_payouts = live.get(claim.pk, [])
    for load in BATCH_LOADERS:
        load(rows)
    return rows


def _preload_policy_usage(claims: list[Claim]) -> None:
    """Limits are per policy (claims.approvals.policy_limits.policy_usage): a claim is assessed against
    what its policy's OTHER claims were paid, net of refunds. Here that usage is built for the
    whole batch in at most three queries (live payouts per claim, refunds per claim, and the
    latest snapshots where sub-limits apply) instead of one to three per claim, the same way
    policy_usage builds it (a test holds the two equal)."""
    from django.db.models import Sum

    from claims.approvals.policy_limits import (
        _RECOVERED,
        OtherClaimUse,
        PolicyUsage,
        _snapshot_categories,
        _trim,
    )
    from claims.models import Recovery
    from coverage.adapters import plan_terms

    policy_ids = {c.policy_id for c in claims}
    payouts = Payout.objects.filter(claim__policy_id__in=policy_ids, status__in=LIVE)
    paid: dict[int, list] = defaultdict(list)
    for row in (
        payouts.order_by()
        .values("claim_id", "claim__number", "claim__policy_id")
        .annotate(liability=Sum("liability_amount"), expenses=Sum("expense_amount"))
    ):
        paid[row["claim__policy_id"]].append(row)
    back, latest = {}, {}
    if paid:
        back = {
            row["claim_id"]: row
            for row in Recovery.objects.filter(
                claim__policy_id__in=list(paid), status__in=_RECOVERED
            )
            .order_by()
            .values("claim_id")
            .annotate(liability=Sum("liability_amount"), expenses=Sum("expense_amount"))
        }
        if any(plan_terms(c.policy.plan).sublimits for c in claims if c.policy_id in paid):
            for row in (
                payouts.filter(claim__policy_id__in=list(paid))
                .order_by("claim_id", "-sequence")
                .values("claim_id", "snapshot")
            ):
                latest.setdefault(row["claim_id"], row["snapshot"] or {})
    for claim in claims:
        terms = plan_terms(claim.policy.plan)
        base = {
            "liability_limit": terms.liability_limit,
            "expense_limit": terms.expense_limit,
            "sublimits": dict(terms.sublimits),
        }
        rows = [r for r in paid.get(claim.policy_id, ()) if r["claim_id"] != claim.pk]
        if not rows:
            claim.preloaded_policy_usage = PolicyUsage(**base)
            continue
        others = []
        for row in sorted(rows, key=lambda r: r["claim__number"]):
            refunded = back.get(row["claim_id"], {})
            others.append(
                OtherClaimUse(
                    claim_id=row["claim_id"],
                    number=row["claim__number"],
                    liability=max((row["liability"] or 0) - (refunded.get("liability") or 0), 0),
                    expenses=max((row["expenses"] or 0) - (refunded.get("expenses") or 0), 0),
                )
            )
        used_categories: dict[str, int] = {}
        if terms.sublimits:
            for other in others:
                cats = _trim(_snapshot_categories(latest.get(other.claim_id, {})), other.expenses)
                for category, amount in cats.items():
                    used_categories[category] = used_categories.get(category, 0) + amount
        claim.preloaded_policy_usage = PolicyUsage(
            **base,
            used_liability=sum(o.liability for o in others),
            used_expenses=sum(o.expenses for o in others),
            used_categories=used_categories,
            others=tuple(others),
        )


def _preload_refunds(claims: list[Claim]) -> None:
    """The refunds of the batch's closed claims (refunded_since_decided): one query, none
    when the batch holds no closed claim."""
    from claims.approvals.policy_limits import _RECOVERED
    from claims.models import Recovery

    closed = [c for c in claims if c.status == S.CLOSED]
    if not closed:
        return
    rows = defaultdict(list)
    for claim_id, at, amount in Recovery.objects.filter(
        claim_id__in=[c.pk for c in closed],
        status__in=_RECOVERED,
    ).values_list("claim_id", "requested_at", "amount"):
        rows[claim_id].append((at, amount))
    for claim in closed:
        claim.recovered_rows = rows.get(claim.pk, [])


# Functions called with each loaded batch of claims, to preload in one query per batch what
# the assessment path reads beyond the claim's own rows (what the other claims of each
# policy were paid, now that limits are per policy), so batches keep a fixed number of
# queries.
BATCH_LOADERS: list = [_preload_policy_usage, _preload_refunds]


def _write_figures(claims: list[Claim]) -> None:
    """Store the figures of `claims` with a few UPDATE ... CASE statements (as many as the
    database's parameter limit needs; bulk_update builds the same SQL, far more slowly)."""
    table = connection.ops.quote_name(Claim._meta.db_table)
    per_row = 2 * len(FIELDS) + 1
    limit = connection.features.max_query_params or 30_000
    size = max(1, min(len(claims), limit // per_row))
    with connection.cursor() as cursor:
        for start in range(0, len(claims), size):
            chunk = claims[start : start + size]
            sets, params = [], []
            for name in FIELDS:
                column = connection.ops.quote_name(name)
                whens = " ".join("WHEN %s THEN %s" for _ in chunk)
                sets.append(f"{column} = CASE {connection.ops.quote_name('id')} {whens} END")
                for claim in chunk:
                    params += [claim.pk, getattr(claim, name)]
            marks = ", ".join("%s" for _ in chunk)
            params += [claim.pk for claim in chunk]
            cursor.execute(
                f"UPDATE {table} SET {', '.join(sets)} WHERE {connection.ops.quote_name('id')} IN ({marks})",  # noqa: S608 (names quoted, values bound)
                params,
            )


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def claims_reassess(
    *,
    claims: QuerySet | Iterable[int],
    cause: str,
    reason: str = "",
    by=None,
    batch_size: int = BATCH_SIZE,
) -> Result:
    """Re-assess `claims` (a queryset or claim ids) and store the figures that changed, in
    batches, each in its own transaction with its claims locked (an item edit waits, so a
    batch never writes over a newer figure). Idempotent: run twice, the second run changes
    nothing and writes no timeline row."""
    if isinstance(claims, QuerySet):
        ids = list(claims.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(claims))
    result = Result()
    for chunk in _chunks(ids, batch_size):
        with transaction.atomic():
            rows = _batch(chunk)
            changed, entries = [], []
            for claim in rows:
                before = Figures.stored(claim)
                after = claim_figures(claim)
                if after != before:
                    claim.total_claimed = after.total_claimed
                    claim.total_payable = after.total_payable
                    claim.pending_items = after.pending_items
                    changed.append(claim)
                    entry = figure_change(claim, before, after, cause=cause, reason=reason, by=by)
                    if entry is not None:
                        entries.append(entry)
            if changed:
                _write_figures(changed)
            if entries:
                FigureChange.objects.bulk_create(entries)
        result.claims += len(rows)
        result.updated += len(changed)
        result.payable_changed += len(entries)
        result.batches += 1
    logger.info(
        "claims re-assessed",
        extra={"cause": cause, "claims": result.claims, "updated": result.updated},
    )
    return result


# --- which claims a change touches, and when they are re-assessed --------------------------

SCOPES = {
    "plan": "policy__plan_id",
    "incident": "incident_id",
    "policy": "policy_id",
}


def scope_claims(scope: str, pk: int, *, exclude: int | None = None) -> QuerySet:
    """The claims a change of one plan, incident or policy can re-assess."""
    claims = Claim.objects.filter(**{SCOPES[scope]: pk})
    if exclude is not None:
        claims = claims.exclude(pk=exclude)
    return claims


def open_claims_count(scope: str, pk: int) -> int:
    """How many undecided claims a change would re-assess (what the admin is told first)."""
    return scope_claims(scope, pk).filter(status__in=OPEN_UNDECIDED).count()


def reassess_scope(
    *, scope: str, pk: int, cause: str, reason: str = "", by=None, exclude=None
) -> Result:
    return claims_reassess(
        claims=scope_claims(scope, pk, exclude=exclude), cause=cause, reason=reason, by=by
    )


def reassess_later(*, scope: str, pk: int, cause: str, reason: str = "", by=None) -> None:
    """After commit, queue the Celery task that re-assesses a plan's or an incident's claims
    (eager in development and tests: it runs at once)."""
    from claims import tasks

    by_id = getattr(by, "pk", None)
    transaction.on_commit(
        lambda: tasks.reassess_claims.delay(scope, pk, cause, reason, by_id), robust=True
    )


def policy_claims_reassess_on_commit(
    *, policy_id: int, cause: str, reason: str = "", by=None, exclude: int | None = None
) -> None:
    """After commit, in the request: re-assess a policy's claims (but `exclude`), e.g. the
    siblings of a claim whose payout or refund changed what the policy has left. Its own
    transaction, so no lock is taken while the caller's locks are held."""
    transaction.on_commit(
        lambda: reassess_scope(
            scope="policy", pk=policy_id, cause=cause, reason=reason, by=by, exclude=exclude
        ),
        robust=True,
    )


def sibling_payout_changed(*, claim, what: str, by=None) -> None:
    """A payout or refund of `claim` changed: its policy's other claims are re-assessed."""
    policy_claims_reassess_on_commit(
        policy_id=claim.policy_id,
        cause=f"同じ保険契約の事故 {claim.number} の{what}",
        by=by,
        exclude=claim.pk,
    )


# --- the check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stale:
    number: str
    field: str
    label: str
    stored: int
    fresh: int


def stale_figures(claims: QuerySet | None = None, *, batch_size: int = BATCH_SIZE) -> list[Stale]:
    """Every stored figure that differs from a fresh assessment, claim by claim (read only)."""
    claims = Claim.objects.all() if claims is None else claims
    ids = list(claims.order_by("pk").values_list("pk", flat=True))
    out = []
    for chunk in _chunks(ids, batch_size):
        rows = _batch(chunk, lock=False)
        for claim in rows:
            stored, fresh = Figures.stored(claim), claim_figures(claim)
            for name in FIELDS:
                if getattr(stored, name) != getattr(fresh, name):
                    out.append(
                        Stale(
                            claim.number,
                            name,
                            _LABELS[name],
                            getattr(stored, name),
                            getattr(fresh, name),
                        )
                    )
    return out


# --- what the approver is told -------------------------------------------------------------


@dataclass(frozen=True)
class SinceSubmission:
    """A claim awaiting approval whose payable amount changed after it was sent."""

    submitted: int  # the payable amount when it was sent to approval
    now: int
    changes: list

    @property
    def difference(self) -> int:
        return self.now - self.submitted


def changed_since_submission(claim) -> SinceSubmission | None:
    """For a claim awaiting approval: how its payable amount moved since it was sent (an
    admin's limit change, a sibling's payout), or None when it did not. Two queries."""
    from claims.models import StatusChange

    if claim.status != S.AWAITING_APPROVAL:
        return None
    sent = (
        StatusChange.objects.filter(claim=claim, to_status=S.AWAITING_APPROVAL)
        .order_by("-at", "-id")
        .first()
    )
    if sent is None:
        return None
    changes = list(
        FigureChange.objects.filter(claim=claim, at__gte=sent.at)
        .select_related("by")
        .order_by("at", "id")
    )
    if not changes:
        return None
    return SinceSubmission(
        submitted=changes[0].old_payable, now=changes[-1].new_payable, changes=changes
    )
