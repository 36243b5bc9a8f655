"""Reads of the triage queue and the workload page."""

import dataclasses
import functools
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from claims import permissions
from claims.models import IN_PROGRESS_STATUSES, Claim, ClaimTask, Incident
from claims.queue.filters import (
    ALL,
    DEFAULT_SORT,
    MINE_AND_POOL,
    OPEN,
    SORT_COLUMNS,
    SORTS,
    ClaimFilter,
    next_action_due_q,
)
from coverage.models import Plan
from documents import followup

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 10_000
# The total is counted up to here: "全 N 件", or "10,000件以上" beyond (a bounded COUNT).
COUNT_CAP = 10_000


@dataclass
class QueuePage:
    rows: list
    filter: ClaimFilter
    page: int
    page_size: int
    sort: str
    has_next: bool
    incidents: list
    plans: list
    total: int = 0  # counted up to COUNT_CAP + 1
    params: dict = dataclasses.field(default_factory=dict)  # the filter in force

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def count_cap(self) -> int:
        return COUNT_CAP

    @functools.cached_property
    def show_incident(self) -> bool:
        """The インシデント column only when the rows span several incidents (asked once per
        row by the template: worked out once)."""
        return len({row.incident_id for row in self.rows}) > 1

    @property
    def single_incident(self):
        return self.rows[0].incident if self.rows and not self.show_incident else None

    @property
    def columns(self) -> dict:
        """Each sortable column: its link's sort key, its aria-sort and arrow."""
        out = {}
        for name, (asc, desc, first) in SORT_COLUMNS.items():
            if self.sort == asc:
                out[name] = {"next": desc, "aria": "ascending", "arrow": "▲"}
            elif self.sort == desc:
                out[name] = {"next": asc, "aria": "descending", "arrow": "▼"}
            else:
                out[name] = {"next": first, "aria": None, "arrow": ""}
        return out

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1


def _positive_int(value, default, *, allowed=None, maximum=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    if number < 1 or (allowed and number not in allowed):
        return default
    return min(number, maximum) if maximum else number


def queue_sort(params) -> str:
    return params.get("sort") if params.get("sort") in SORTS else DEFAULT_SORT


def queue_params(*, user, params) -> dict:
    """The query string with the queue's defaults filled in: open claims (未完了) and, for a
    handler, her claims and the unassigned pool. An explicit value (すべて = "all") wins."""
    effective = {key: params.get(key) for key in params}
    if "status" not in effective:
        effective["status"] = OPEN
    elif effective["status"] == "":
        effective["status"] = ALL
    if "handler" not in effective:
        handler_default = ALL if permissions.sees_all(user) else MINE_AND_POOL
        effective["handler"] = handler_default if permissions.is_handler(user) else ALL
    elif effective["handler"] == "":
        effective["handler"] = ALL
    return effective


def _queue_base(user):
    """The claims `user` may see, with what a queue row shows joined or annotated (the plan
    only in the CSV export: the page shows none, and every join costs the planner)."""
    return (
        Claim.objects.filter(permissions.visible_claims_q(user))
        .select_related("policy__insured", "incident", "handler")
        .annotate(
            task_due_on=Subquery(
                ClaimTask.objects.filter(claim=OuterRef("pk"), done_at__isnull=True)
                .order_by("due_on")
                .values("due_on")[:1]
            ),
        )
    )


def queue_export(*, user, params):
    """Every claim of the queue's current filter and sort (no paging), for the CSV export,
    or None when the filter is invalid."""
    base = _queue_base(user).select_related("policy__plan")
    incidents = list(Incident.objects.order_by("-occurred_on", "id"))
    plans = list(Plan.objects.order_by("-liability_limit", "code"))
    params = queue_params(user=user, params=params)
    claim_filter = ClaimFilter(params, queryset=base, user=user, incidents=incidents, plans=plans)
    if not claim_filter.is_valid():
        return None
    return claim_filter.qs.order_by(*SORTS[queue_sort(params)][1])


def claim_queue(*, user, params) -> QueuePage:
    """One page of the triage queue for `user`, filtered and sorted from the query string.

    It fetches page_size + 1 rows to know whether a next page exists; the total is a COUNT
    capped at COUNT_CAP + 1 rows (a bounded index walk, never the whole table).
    Queries: incidents, plans, the total, the page (policy, insured, plan, incident, handler
    joined).
    """
    incidents = list(Incident.objects.order_by("-occurred_on", "id"))
    plans = list(Plan.objects.order_by("-liability_limit", "code"))
    page = _positive_int(params.get("page"), 1, maximum=MAX_PAGE)
    page_size = _positive_int(params.get("size"), DEFAULT_PAGE_SIZE, allowed=PAGE_SIZES)
    sort = queue_sort(params)
    base = _queue_base(user)
    params = queue_params(user=user, params=params)
    claim_filter = ClaimFilter(params, queryset=base, user=user, incidents=incidents, plans=plans)
    valid = claim_filter.is_valid()
    qs = claim_filter.qs if valid else base.none()
    total = qs.order_by().values("pk")[: COUNT_CAP + 1].count() if valid else 0
    start = (page - 1) * page_size
    order = SORTS[sort][1]
    if start:
        # Deep pages: find the page's ids on the claims table alone (an index walk), then
        # join only those rows. OFFSET over the joined query joins every skipped row:
        # page 500 of 100,000 claims went from ~800 ms to ~100 ms (docs/benchmarks.md).
        page_ids = qs.order_by(*order).values("pk")[start : start + page_size + 1]
        rows = list(base.filter(pk__in=page_ids).order_by(*order))
    else:
        rows = list(qs.order_by(*order)[: page_size + 1])
    return QueuePage(
        rows=rows[:page_size],
        filter=claim_filter,
        page=page,
        page_size=page_size,
        sort=sort,
        has_next=len(rows) > page_size,
        incidents=incidents,
        plans=plans,
        total=total,
        params=params,
    )


@dataclass
class WorkloadRow:
    handler: object | None  # None: the unassigned pool
    open: int = 0
    requested: int = 0
    follow_up: int = 0
    next_action: int = 0
    awaiting: int = 0
    overdue: int = 0
    due_soon: int = 0
    payable: int = 0

    @property
    def key(self) -> str:
        """The queue's handler filter value for this row."""
        return "unassigned" if self.handler is None else str(self.handler.pk)


def workload(today=None) -> tuple[list[WorkloadRow], WorkloadRow]:
    """Open claims per handler (and the unassigned pool) with what needs attention: one
    aggregate query over the claims, one for the handlers. Every active handler has a row,
    with zeros when they hold nothing; a former handler still holding claims has one too."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q, Sum

    from claims import clock
    from claims.fields import handler_choices

    def count(condition=None):
        return Count("pk", filter=condition) if condition is not None else Count("pk")

    S = Claim.Status
    figures = {
        row["handler_id"]: row
        for row in Claim.objects.filter(status__in=IN_PROGRESS_STATUSES)
        .values("handler_id")
        .annotate(
            open=count(),
            requested=count(Q(status=S.DOCUMENTS_REQUESTED)),
            follow_up=count(followup.due_q(today)),
            next_action=count(next_action_due_q(today)),
            awaiting=count(Q(status=S.AWAITING_APPROVAL)),
            overdue=count(clock.overdue_q(today)),
            due_soon=count(clock.due_soon_q(today)),
            payable=Sum("total_payable"),
        )
        .order_by()
    }
    handlers = handler_choices()
    known = {h.pk for h in handlers}
    others = [pk for pk in figures if pk is not None and pk not in known]
    if others:
        handlers += list(get_user_model().objects.filter(pk__in=others).order_by("username"))
    fields = [f.name for f in dataclasses.fields(WorkloadRow) if f.name != "handler"]

    def row(handler, pk):
        found = figures.get(pk, {})
        return WorkloadRow(handler, **{f: found.get(f) or 0 for f in fields})

    rows = [row(h, h.pk) for h in handlers] + [row(None, None)]
    total = WorkloadRow(None, **{f: sum(getattr(r, f) for r in rows) for f in fields})
    return rows, total
