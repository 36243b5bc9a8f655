"""Incident register: one attack, many claims.

Per incident: claims by status, totals claimed / payable / paid, the approved and paid
amounts split into liability and expenses (from the payouts, frozen at approval), the same
by plan, a server-side SVG chart, the claims list (paginated, filtered by what the user may
see) and, for supervisors and admins, the payouts as CSV for the recovery file (Q7: what
the insurer paid is what it may recover from the provider).

Totals read every claim of the incident whoever looks (they are sums, not claim data);
the list shows only claims the user may see. A fixed number of queries per page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from claims.approvals.payouts import RECOVERED
from claims.models import Claim, Payout, Recovery

S = Claim.Status
# Claims still on the way to a payout decision: their engine total is what may be paid.
OPEN_UNDECIDED = {S.REPORTED, S.DOCUMENTS_REQUESTED, S.UNDER_ASSESSMENT, S.AWAITING_APPROVAL}
STATUS_ORDER = [s for s in S.values if s != S.DRAFT]
LIVE = [Payout.Status.APPROVED, Payout.Status.PAID]
PAGE_SIZE = 50


@dataclass
class Bucket:
    """Totals of a group of claims (all, one status or one plan)."""

    label: str = ""
    claims: int = 0
    claimed: int = 0
    payable: int = 0  # undecided claims' engine totals + live payouts
    approved: int = 0  # approved, not yet paid
    paid: int = 0
    approved_liability: int = 0
    approved_expenses: int = 0
    paid_liability: int = 0
    paid_expenses: int = 0


@dataclass
class Register:
    total: Bucket
    by_status: list[Bucket]
    by_plan: list[Bucket]
    weekly: list[tuple[datetime.date, int]] = field(default_factory=list)
    # what was paid by the month of its payment date (支払日): (month, payouts, yen), refunds
    # received counted back in the month they came in
    paid_by_month: list[tuple[datetime.date, int, int]] = field(default_factory=list)


def incident_register(incident) -> Register:
    """The incident's totals in four queries: claims by (plan, status), live payouts by
    (plan, status), refunds asked back by (plan, status), claims reported per week."""
    total = Bucket("合計")
    statuses = {s: Bucket(S(s).label) for s in STATUS_ORDER}
    plans: dict[str, Bucket] = {}

    claim_rows = (
        Claim.objects.filter(incident=incident)
        .exclude(status=S.DRAFT)
        .values("status", "policy__plan__code", "policy__plan__name")
        .annotate(n=Count("id"), claimed=Sum("total_claimed"), payable=Sum("total_payable"))
        .order_by()
    )
    for row in claim_rows:
        plan = plans.setdefault(row["policy__plan__code"], Bucket(row["policy__plan__name"]))
        claimed = (row["claimed"] or 0) if row["status"] != S.WITHDRAWN else 0
        payable = (row["payable"] or 0) if row["status"] in OPEN_UNDECIDED else 0
        for bucket in (total, statuses[row["status"]], plan):
            bucket.claims += row["n"]
            bucket.claimed += claimed
            bucket.payable += payable

    def money_rows(queryset, paid_field):
        """Sums of a money table (payouts, refunds) by (its status, claim status, plan, the
        month of its `paid_field`)."""
        return (
            queryset.filter(claim__incident=incident)
            .annotate(month=TruncMonth(paid_field))
            .values(
                "status",
                "claim__status",
                "claim__policy__plan__code",
                "claim__policy__plan__name",
                "month",
            )
            .annotate(
                n=Count("id"),
                amount=Sum("amount"),
                liability=Sum("liability_amount"),
                expenses=Sum("expense_amount"),
            )
            .order_by()
        )

    def buckets_of(row):
        plan = plans.setdefault(
            row["claim__policy__plan__code"], Bucket(row["claim__policy__plan__name"])
        )
        buckets = [total, plan]
        if row["claim__status"] in statuses:
            buckets.append(statuses[row["claim__status"]])
        return buckets

    months: dict[datetime.date, list[int]] = {}
    for row in money_rows(Payout.objects.filter(status__in=LIVE), "paid_on"):
        if row["status"] == Payout.Status.PAID and row["month"]:
            month = months.setdefault(_as_date(row["month"]), [0, 0])
            month[0] += row["n"]
            month[1] += row["amount"]
        for bucket in buckets_of(row):
            if row["claim__status"] not in OPEN_UNDECIDED:
                # A claim reopened after payment is undecided again: its engine total above
                # already includes what it was paid, so the payout must not count twice.
                bucket.payable += row["amount"]
            if row["status"] == Payout.Status.PAID:
                bucket.paid += row["amount"]
                bucket.paid_liability += row["liability"]
                bucket.paid_expenses += row["expenses"]
            else:
                bucket.approved += row["amount"]
                bucket.approved_liability += row["liability"]
                bucket.approved_expenses += row["expenses"]

    # Overpayments asked back (過払い返還) lower what the claim stands at; refunds received
    # lower what was paid (and so what may be recovered from the provider). Waived: neither.
    for row in money_rows(Recovery.objects.filter(status__in=RECOVERED), "settled_on"):
        if row["status"] == Recovery.Status.RECEIVED and row["month"]:
            months.setdefault(_as_date(row["month"]), [0, 0])[1] -= row["amount"]
        for bucket in buckets_of(row):
            if row["claim__status"] not in OPEN_UNDECIDED:
                bucket.payable -= row["amount"]
            if row["status"] == Recovery.Status.RECEIVED:
                bucket.paid -= row["amount"]
                bucket.paid_liability -= row["liability"]
                bucket.paid_expenses -= row["expenses"]

    weekly = list(
        Claim.objects.filter(incident=incident, reported_at__isnull=False)
        .exclude(status=S.DRAFT)
        .annotate(week=TruncWeek("reported_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by("week")
        .values_list("week", "n")
    )
    weeks = [(_as_date(w), n) for w, n in weekly]
    return Register(
        total=total,
        by_status=[b for b in statuses.values() if b.claims],
        by_plan=sorted(plans.values(), key=lambda b: -b.claims),
        weekly=_fill_weeks(weeks),
        paid_by_month=[(m, n, yen) for m, (n, yen) in sorted(months.items())],
    )


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _fill_weeks(weeks, max_weeks=26):
    """Consecutive weeks from the first report (weeks with none shown as 0), the last 26."""
    if not weeks:
        return []
    counts = dict(weeks)
    start, end = weeks[0][0], weeks[-1][0]
    out, day = [], start
    while day <= end:
        out.append((day, counts.get(day, 0)))
        day += datetime.timedelta(days=7)
    return out[-max_weeks:]


# --- SVG charts (server-side, no JS) -----------------------------------------------------


def weekly_chart(weekly, width=640, height=180):
    pad_left, pad_bottom, pad_top = 36, 28, 12
    inner_w, inner_h = width - pad_left - 8, height - pad_bottom - pad_top
    top = max((n for _, n in weekly), default=0) or 1
    step = inner_w / max(len(weekly), 1)
    every = -(-len(weekly) // 8) or 1
    bars = []
    for i, (week, n) in enumerate(weekly):
        h = inner_h * n / top
        bars.append(
            {
                "x": round(pad_left + i * step + step * 0.15, 1),
                "y": round(pad_top + inner_h - h, 1),
                "w": round(step * 0.7, 1),
                "h": round(h, 1),
                "n": n,
                "label": f"{week:%Y/%m/%d}",
                # a full date needs the room of about two bars: at most eight labels
                "show_label": i % every == 0,
                "tx": round(pad_left + i * step + step / 2, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "top": top,
        "axis_y": pad_top + inner_h,
        "pad_left": pad_left,
        "pad_top": pad_top,
        "label_y": height - 10,
    }


def status_chart(by_status, width=640, row_h=26):
    label_w, right = 90, 130
    inner_w = width - label_w - right
    top = max((max(b.claimed, b.payable) for b in by_status), default=0) or 1
    rows = []
    for i, b in enumerate(by_status):
        y = 8 + i * row_h
        rows.append(
            {
                "label": b.label,
                "y": y,
                "text_y": y + 13,
                "claimed_w": round(inner_w * b.claimed / top, 1),
                "payable_w": round(inner_w * b.payable / top, 1),
                "claimed": b.claimed,
                "payable": b.payable,
                "value_x": label_w + inner_w + 6,
            }
        )
    return {
        "width": width,
        "height": 8 + len(rows) * row_h + 24,
        "rows": rows,
        "label_w": label_w,
        "legend_y": 8 + len(rows) * row_h + 12,
    }
