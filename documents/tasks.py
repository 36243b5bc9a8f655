"""Celery tasks for the PDFs: thin wrappers over documents.rendering.

acks_late + reject_on_worker_lost: a worker that dies mid-render leaves the message unacked,
so the broker hands it to another worker; render_job_run is idempotent, so a redelivery
stores nothing twice. Transient database errors retry with exponential backoff.
"""

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError

from documents import pdf, rendering

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError, rendering.TransientRenderError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
    "time_limit": getattr(settings, "RENDER_TIME_LIMIT", 120),
    "soft_time_limit": getattr(settings, "RENDER_SOFT_TIME_LIMIT", 100),
}


@shared_task(name="documents.render_job", **RETRY)
def render_job(job_id: int) -> str:
    job = rendering.render_job_run(job_id=job_id)
    return job.status


@shared_task(name="documents.render_settlement_pdf", **RETRY)
def render_settlement_pdf(claim_id: int, version: int) -> str:
    """Render the settlement summary of one claim version (creating its job if needed)."""
    from claims.models import Claim

    claim = Claim.objects.get(pk=claim_id)
    job, _ = rendering.RenderJob.objects.get_or_create(
        claim=claim, kind=rendering.KIND_SETTLEMENT, version=version
    )
    return rendering.render_job_run(job_id=job.pk).status


@shared_task(name="documents.drain_render_outbox", ignore_result=True)
def drain_render_outbox() -> int:
    return rendering.drain_outbox()


@shared_task(name="documents.sweep_stale_renders", ignore_result=True)
def sweep_stale_renders() -> int:
    return rendering.sweep_stale()


@worker_process_init.connect
def warm_up_pdf_renderer(**_kwargs) -> None:
    """Each worker process renders a one-page PDF as it starts (see documents.pdf.warm_up), so
    the first settlement summary after a deploy or restart is as fast as the rest."""
    pdf.warm_up(rendering.TEMPLATES.values())
