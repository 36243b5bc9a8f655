"""Reads of the claim page: one claim with everything its page shows, its tasks."""

from django.db.models import Prefetch
from django.http import Http404

from claims import permissions
from claims.models import Claim
from coverage.models import ExpenseSublimit


def claim_tasks(claim) -> list:
    """The claim's tasks (対応予定): open ones first by day, then the done ones, newest
    done first; the people joined (one query)."""
    tasks = list(claim.tasks.select_related("assignee", "done_by", "created_by"))
    open_tasks = [t for t in tasks if t.done_at is None]
    done = sorted(
        (t for t in tasks if t.done_at is not None), key=lambda t: t.done_at, reverse=True
    )
    return open_tasks + done


def claim_for_page(*, number: str, user) -> Claim:
    """The claim with its policy, plan (and sub-limits), incident and items, or 404 when it
    does not exist or the user may not see it (the same answer, so nothing leaks)."""
    if not number or len(number) > 20 or "\x00" in number:
        raise Http404("事故が見つかりません。")
    claim = (
        Claim.objects.select_related(
            "policy__insured", "policy__plan", "incident", "handler", "created_by"
        )
        .prefetch_related(
            Prefetch("policy__plan__sublimits", queryset=ExpenseSublimit.objects.all()),
            "damages",
            "expenses",
            "overtime_entries",
        )
        .filter(number=number)
        .first()
    )
    if claim is None or not permissions.can_view(user, claim):
        raise Http404("事故が見つかりません。")
    return claim
