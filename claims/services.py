"""Writes that matter: every status change and every claim creation goes through here."""

from django.db import transaction
from django.utils import timezone

from claims.models import Claim, StatusChange

S = Claim.Status


class ClaimError(Exception):
    """A business rule refused the change; the message is for the user (Japanese)."""


# from-status -> the statuses it may move to
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.REPORTED, S.WITHDRAWN},
    S.REPORTED: {S.DOCUMENTS_REQUESTED, S.UNDER_ASSESSMENT, S.WITHDRAWN},
    S.DOCUMENTS_REQUESTED: {S.UNDER_ASSESSMENT, S.WITHDRAWN},
    S.UNDER_ASSESSMENT: {S.DOCUMENTS_REQUESTED, S.AWAITING_APPROVAL, S.WITHDRAWN},
    S.AWAITING_APPROVAL: {S.APPROVED, S.UNDER_ASSESSMENT, S.CLOSED},
    S.APPROVED: {S.PAID, S.UNDER_ASSESSMENT},
    S.PAID: {S.CLOSED},
    S.CLOSED: {S.UNDER_ASSESSMENT},
    S.WITHDRAWN: {S.REPORTED},
}

# Moves that need a written reason (reopening, sending back, rejecting, withdrawing).
REASON_REQUIRED: set[tuple[str, str]] = {
    (S.AWAITING_APPROVAL, S.UNDER_ASSESSMENT),
    (S.AWAITING_APPROVAL, S.CLOSED),
    (S.APPROVED, S.UNDER_ASSESSMENT),
    (S.CLOSED, S.UNDER_ASSESSMENT),
    (S.WITHDRAWN, S.REPORTED),
    (S.DRAFT, S.WITHDRAWN),
    (S.REPORTED, S.WITHDRAWN),
    (S.DOCUMENTS_REQUESTED, S.WITHDRAWN),
    (S.UNDER_ASSESSMENT, S.WITHDRAWN),
}


def allowed_transitions(claim: Claim) -> set[str]:
    return TRANSITIONS.get(claim.status, set())


@transaction.atomic
def claim_transition(*, claim: Claim, to: str, by, reason: str = "") -> Claim:
    """Move a claim to another status, guarded by the transition table, leaving a trace.

    Locks the claim row so two people cannot move the same claim at once. Callers add their
    own guards (pending items, four eyes, ...) before calling this.
    """
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if to not in TRANSITIONS.get(locked.status, set()):
        raise ClaimError(
            f"「{locked.get_status_display()}」から「{S(to).label}」へは変更できません。"
        )
    reason = (reason or "").strip()
    if (locked.status, to) in REASON_REQUIRED and not reason:
        raise ClaimError("この操作には理由の入力が必要です。")
    StatusChange.objects.create(
        claim=locked, from_status=locked.status, to_status=to, reason=reason, by=by
    )
    locked.status = to
    if to == S.REPORTED and locked.reported_at is None:
        locked.reported_at = timezone.now()
    locked._change_reason = reason or f"status → {to}"
    locked.save()
    claim.refresh_from_db()
    return claim


def next_claim_number(pk: int, when=None) -> str:
    when = when or timezone.localdate()
    return f"C{when:%y}-{pk:06d}"


def claim_refresh_totals(*, claim: Claim) -> Claim:
    """Re-assess the claim with the coverage engine and store the queue's summary columns."""
    from coverage.adapters import assess_claim

    assessment = assess_claim(claim)
    claimed = sum(d.claimed for d in claim.damages.all())
    claimed += sum(e.amount for e in claim.expenses.all())
    claimed += sum(item.amount for item in assessment.items if item.section == "overtime")
    pending = sum(1 for item in assessment.items if item.decision == "pending")
    Claim.objects.filter(pk=claim.pk).update(
        total_claimed=claimed, total_payable=assessment.total_payable, pending_items=pending
    )
    claim.total_claimed, claim.total_payable, claim.pending_items = (
        claimed,
        assessment.total_payable,
        pending,
    )
    return claim
