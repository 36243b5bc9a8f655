"""Celery tasks of the claims app: thin wrappers over claims.reassess.

Re-assessing is idempotent (it stores what a fresh assessment says and writes a timeline
row only where the payable amount changed), so a redelivered message does no harm.
"""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from claims import reassess


@shared_task(
    name="claims.reassess_claims",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=5,
    time_limit=1800,
    soft_time_limit=1700,
)
def reassess_claims(scope: str, pk: int, cause: str, reason: str = "", by_id=None) -> int:
    """Re-assess every claim of one plan or incident (`scope` "plan" / "incident")."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    return reassess.reassess_scope(scope=scope, pk=pk, cause=cause, reason=reason, by=by).updated
