"""The payment clock (保険法21条): payment is due 30 days after the claim documents are
complete, unless the insured was told in writing that more investigation is needed
(a PaymentExtension moves Claim.payment_due_on later).

Pure date arithmetic over the claim's own columns: no query, so queues can show it per row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

PAYMENT_PERIOD_DAYS = 30
DUE_SOON_DAYS = 5

NOT_STARTED = "not_started"  # documents not complete yet
RUNNING = "running"
DUE_SOON = "due_soon"  # 0..5 days left
OVERDUE = "overdue"
STOPPED = "stopped"  # paid, closed or withdrawn: nothing is due

_STOPPED_STATUSES = {"paid", "closed", "withdrawn"}


def due_date(documents_complete_on: datetime.date) -> datetime.date:
    return documents_complete_on + datetime.timedelta(days=PAYMENT_PERIOD_DAYS)


@dataclass(frozen=True)
class Clock:
    state: str
    due_on: datetime.date | None
    days_left: int | None  # negative when overdue
    days_elapsed: int | None  # days since the documents were complete

    @property
    def label(self) -> str:
        if self.state == NOT_STARTED:
            return "書類待ち"
        if self.state == STOPPED:
            return "—"
        if self.state == OVERDUE:
            return f"期限超過 {-self.days_left}日"
        if self.days_left == 0:
            return "本日期限"
        return f"残り{self.days_left}日"

    @property
    def css(self) -> str:
        return {
            OVERDUE: "text-bg-danger",
            DUE_SOON: "text-bg-warning",
            RUNNING: "text-bg-light border",
        }.get(self.state, "text-bg-secondary")

    @property
    def flagged(self) -> bool:
        return self.state in {OVERDUE, DUE_SOON}


def payment_clock(claim, today: datetime.date | None = None) -> Clock:
    today = today or timezone.localdate()
    due = claim.payment_due_on
    if due is None and claim.documents_complete_on:
        due = due_date(claim.documents_complete_on)
    elapsed = (today - claim.documents_complete_on).days if claim.documents_complete_on else None
    if claim.status in _STOPPED_STATUSES:
        return Clock(STOPPED, due, None, elapsed)
    if due is None:
        return Clock(NOT_STARTED, None, None, None)
    left = (due - today).days
    if left < 0:
        state = OVERDUE
    elif left <= DUE_SOON_DAYS:
        state = DUE_SOON
    else:
        state = RUNNING
    return Clock(state, due, left, elapsed)


def _due_before_q(day: datetime.date) -> Q:
    """Claims whose payment falls due before `day` (the due date, or 30 days after the
    documents were complete where no due date was stored)."""
    return Q(payment_due_on__lt=day) | Q(
        payment_due_on__isnull=True,
        documents_complete_on__lt=day - datetime.timedelta(days=PAYMENT_PERIOD_DAYS),
    )


# Received and not paid, closed or withdrawn: a claim whose clock can run out.
_RUNNING_Q = ~Q(status__in=_STOPPED_STATUSES) & ~Q(status="draft")


def overdue_q(today: datetime.date | None = None) -> Q:
    """The queryset twin of payment_clock(...).state == OVERDUE."""
    today = today or timezone.localdate()
    return _RUNNING_Q & _due_before_q(today)


def due_soon_q(today: datetime.date | None = None) -> Q:
    """The queryset twin of payment_clock(...).state == DUE_SOON (0-5 days left)."""
    today = today or timezone.localdate()
    later = today + datetime.timedelta(days=DUE_SOON_DAYS + 1)
    return _RUNNING_Q & _due_before_q(later) & ~_due_before_q(today)
