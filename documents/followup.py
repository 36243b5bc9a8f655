"""Chasing documents (督促): when a request has gone unanswered long enough to follow up.

A claim is due a follow-up when it is open (received, not yet paid, closed or withdrawn)
and its latest unfulfilled document request was made DOCUMENT_FOLLOW_UP_DAYS or more
calendar days ago (Japan time). A new request, the follow-up itself, restarts the count;
a request is fulfilled when nothing it asked for is missing any more
(documents.services.documents_sync_completion).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from claims.models import IN_PROGRESS_STATUSES
from documents.models import DocumentRequest

# Received and not settled: the insured may still owe the desk documents.
CHASED_STATUSES = IN_PROGRESS_STATUSES


def follow_up_days() -> int:
    return max(int(getattr(settings, "DOCUMENT_FOLLOW_UP_DAYS", 14)), 1)


def _cutoff(today: datetime.date) -> datetime.datetime:
    """Requests made before this moment are follow_up_days() or more local days old."""
    first_recent_day = today - datetime.timedelta(days=follow_up_days() - 1)
    return timezone.make_aware(datetime.datetime.combine(first_recent_day, datetime.time.min))


def days_waiting(requested_at: datetime.datetime, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return max((today - timezone.localdate(requested_at)).days, 0)


def due_q(today: datetime.date | None = None) -> Q:
    """Claims due a follow-up: open, and their latest unanswered request is follow_up_days()
    or more days old, so no recent one either. Reads Claim.open_request_at, which the database
    keeps equal to the latest unanswered request's time (triggers, claims 0022): one range of
    an index, not a search of every claim's requests."""
    cutoff = _cutoff(today or timezone.localdate())
    return Q(status__in=CHASED_STATUSES, open_request_at__lt=cutoff)


@dataclass(frozen=True)
class FollowUp:
    """Where the latest unanswered request of one claim stands."""

    request: DocumentRequest
    days: int
    limit: int

    @property
    def due(self) -> bool:
        return self.days >= self.limit


def is_due(claim, requested_at, today: datetime.date | None = None) -> bool:
    """The queue row's flag, from the annotation (no query)."""
    return (
        requested_at is not None
        and claim.status in CHASED_STATUSES
        and days_waiting(requested_at, today) >= follow_up_days()
    )


def claim_follow_up(claim, requests, today: datetime.date | None = None) -> FollowUp | None:
    """The follow-up state from the claim's requests (newest first, as the panel lists them)."""
    if claim.status not in CHASED_STATUSES:
        return None
    latest = next((r for r in requests if r.fulfilled_at is None), None)
    if latest is None:
        return None
    return FollowUp(latest, days_waiting(latest.requested_at, today), follow_up_days())


def previous_open_request(req: DocumentRequest) -> DocumentRequest | None:
    """The earlier request of the same claim that was still unanswered when `req` was made:
    `req` is then a follow-up, and its letter says so."""
    return (
        DocumentRequest.objects.filter(claim_id=req.claim_id, requested_at__lt=req.requested_at)
        .filter(Q(fulfilled_at__isnull=True) | Q(fulfilled_at__gt=req.requested_at))
        .order_by("-requested_at")
        .first()
    )
