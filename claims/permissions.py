"""Who may see and change which claim. Every view asks here; nothing decides it twice.

- Handlers see claims assigned to them, the unassigned pool (so they can take work), and
  their own drafts; they change only claims assigned to them (or unassigned ones they filed).
- Supervisors and admins see every claim (drafts only their own); supervisors approve.
- Drafts are private to whoever filed them.
"""

from django.db.models import Q

HANDLER = "handler"
SUPERVISOR = "supervisor"
ADMIN = "admin"


def groups_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_claimsdesk_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {ADMIN}
        user._claimsdesk_groups = cached
    return cached


def is_handler(user) -> bool:
    return HANDLER in groups_of(user)


def is_supervisor(user) -> bool:
    return SUPERVISOR in groups_of(user)


def is_admin(user) -> bool:
    return ADMIN in groups_of(user)


def is_desk_user(user) -> bool:
    return bool(groups_of(user) & {HANDLER, SUPERVISOR, ADMIN})


def sees_all(user) -> bool:
    return bool(groups_of(user) & {SUPERVISOR, ADMIN})


def visible_claims_q(user) -> Q:
    """A filter for Claim querysets: the claims this user may see."""
    from claims.models import Claim

    not_draft = ~Q(status=Claim.Status.DRAFT)
    own_draft = Q(status=Claim.Status.DRAFT, created_by=user)
    if sees_all(user):
        return not_draft | own_draft
    if is_handler(user):
        return (not_draft & (Q(handler=user) | Q(handler__isnull=True))) | own_draft
    return Q(pk__in=[])


def can_view(user, claim) -> bool:
    from claims.models import Claim

    if claim.status == Claim.Status.DRAFT:
        return claim.created_by_id == user.pk and is_desk_user(user)
    if sees_all(user):
        return True
    return is_handler(user) and claim.handler_id in (None, user.pk)


def can_edit(user, claim) -> bool:
    """May change the claim's facts and items (read-only statuses aside)."""
    if not can_view(user, claim):
        return False
    if is_admin(user):
        return True
    if claim.handler_id is None:
        return claim.created_by_id == user.pk or is_supervisor(user)
    return claim.handler_id == user.pk


def can_assign(user, claim=None) -> bool:
    """Supervisors assign anyone; handlers may take unassigned claims for themselves."""
    if is_supervisor(user) or is_admin(user):
        return True
    return is_handler(user) and (claim is None or claim.handler_id is None)
