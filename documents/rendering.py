"""Settlement-summary and request-letter PDFs: queueing (a transactional outbox) and rendering.

The flow:
- `enqueue_render(claim=, kind=, by=)` creates (or reuses) the RenderJob row for the claim's
  current render version in status `waiting` — the outbox — and, once the surrounding
  transaction commits, tries to hand it to the broker. If the broker is unreachable the row
  simply stays `waiting` ("送信待ち"): nothing is lost and no exception reaches the caller.
- `drain_outbox()` (a beat task, and opportunistically the claim page's panel) sends the
  `waiting` rows again; `sweep_stale()` puts rows stuck in `queued`/`rendering` (a worker that
  died, a lost message) back into the outbox.
- `render_job_run(job_id=)` is what the Celery task calls: idempotent. One Document per
  (claim, kind, render_version) — the `document_one_render_per_version` constraint — so a
  redelivered or duplicated message stores nothing twice; a lost race returns the winner.

Render version (`claim_render_version`): the number of django-simple-history records of
everything the summary's figures depend on: the claim, its damages, expenses, overtime
entries, payouts and recoveries, its uploaded documents (evidence decides which overtime is
pending; an upload, a link or a deletion adds a record), its policy and insured, the plan
with its sub-limits, and the incident. Every save or delete of any of them adds a record, so
the number grows whenever any of them changes and stays put otherwise (rendering itself
writes none of these rows: its own PDFs are left out). The panel says 最新 only when the
stored PDF has the current number; "作成" then stores a new file for the new number.
A FigureChange (claims.reassess: the claim's payable amount moved because of a sibling's
payout or a shared row) counts too.
Request letters use the DocumentRequest's id as their version: one letter a request.
The damage letter (損害額のご案内) follows the claim's render version like the summary; the
payment letter (保険金お支払のご案内) uses the id of the paid Payout's history record that made
it paid (`payment_letter_version`): one letter a payment, so a transfer the bank returned
(組戻し) and paid again gets a letter of its own, and the returned one's stays as it was sent.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import socket
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.services import ClaimError
from documents import pdf_context
from documents.models import Document, DocumentRequest, RenderJob

logger = logging.getLogger(__name__)

Status = RenderJob.Status
KIND_SETTLEMENT = RenderJob.Kind.SETTLEMENT_SUMMARY
KIND_REQUEST = RenderJob.Kind.REQUEST_LETTER
KIND_DAMAGE_LETTER = RenderJob.Kind.DAMAGE_LETTER
KIND_PAYMENT_LETTER = RenderJob.Kind.PAYMENT_LETTER
TEMPLATES = {
    KIND_SETTLEMENT: "documents/pdf/settlement_summary.html",
    KIND_REQUEST: "documents/pdf/request_letter.html",
    KIND_DAMAGE_LETTER: "documents/pdf/damage_letter.html",
    KIND_PAYMENT_LETTER: "documents/pdf/payment_letter.html",
}
FILE_TITLES = {
    KIND_SETTLEMENT: "支払内容のご案内",
    KIND_REQUEST: "書類ご提出のお願い",
    KIND_DAMAGE_LETTER: "損害額のご案内",
    KIND_PAYMENT_LETTER: "保険金お支払のご案内",
}
# The desk's own PDFs: never evidence, so they never move a claim's render version.
DESK_KINDS = tuple(TEMPLATES)
ACTIVE = (Status.WAITING, Status.QUEUED, Status.RENDERING)


def _setting(name, default):
    return getattr(settings, name, default)


# --- versions ----------------------------------------------------------------------------


def _history_count(qs):
    """COUNT(*) of a history queryset, as a subquery of the claim's row."""
    return Coalesce(Subquery(qs.order_by().values(n=Func("pk", function="COUNT"))[:1]), 0)


def claim_render_version(claim) -> int:
    """History records of everything the summary's figures depend on (see the module
    docstring), counted in one query."""
    from claims.models import (
        Claim,
        ClientDamage,
        Expense,
        FigureChange,
        Incident,
        Insured,
        OvertimeEntry,
        Payout,
        Policy,
        Recovery,
    )
    from coverage.models import ExpenseSublimit, Plan

    counts = [_history_count(Claim.history.filter(id=OuterRef("pk")))]
    for model in (ClientDamage, Expense, OvertimeEntry, Payout, Recovery):
        counts.append(_history_count(model.history.filter(claim_id=OuterRef("pk"))))
    # the evidence: uploads, links and deletions (not the desk's own rendered PDFs)
    counts.append(
        _history_count(
            Document.history.filter(claim_id=OuterRef("pk")).exclude(kind__in=DESK_KINDS)
        )
    )
    # shared rows: the policy, its insured, the plan (limits, sub-limits), the incident
    counts += [
        _history_count(Policy.history.filter(id=OuterRef("policy_id"))),
        _history_count(Insured.history.filter(id=OuterRef("policy__insured_id"))),
        _history_count(Plan.history.filter(id=OuterRef("policy__plan_id"))),
        _history_count(ExpenseSublimit.history.filter(plan_id=OuterRef("policy__plan_id"))),
        _history_count(Incident.history.filter(id=OuterRef("incident_id"))),
        # re-assessments that moved the payable amount (a sibling's payout: limits per policy)
        _history_count(FigureChange.objects.filter(claim_id=OuterRef("pk"))),
    ]
    total = counts[0]
    for count in counts[1:]:
        total = total + count
    n = Claim.objects.filter(pk=claim.pk).values_list(Value(0) + total, flat=True).first()
    return max(int(n or 0), 1)


def paid_payout(claim):
    """The claim's latest paid payout (what a payment letter tells), or None."""
    from claims.models import Payout

    return (
        Payout.objects.filter(claim=claim, status=Payout.Status.PAID, paid_on__isnull=False)
        .order_by("-sequence", "-pk")
        .first()
    )


def payment_letter_version(payout) -> int:
    """The payment letter's render version: the id of the history record that made `payout`
    paid (its latest while it is paid; nothing saves a paid payout but a return)."""
    from claims.models import Payout

    return (
        Payout.history.filter(id=payout.pk)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
    )


def render_version(claim, kind) -> int:
    if kind in (KIND_SETTLEMENT, KIND_DAMAGE_LETTER):
        return claim_render_version(claim)
    if kind == KIND_PAYMENT_LETTER:
        payout = paid_payout(claim)
        if payout is None:
            raise ClaimError(
                "お支払の記録がまだありません。保険金お支払のご案内は支払済みの後に作成できます。"
            )
        return payment_letter_version(payout)
    latest = DocumentRequest.objects.filter(claim=claim).order_by("-requested_at", "-pk").first()
    if latest is None:
        raise ClaimError("書類依頼がまだありません。")
    return latest.pk


# --- queueing (the outbox) ---------------------------------------------------------------


def enqueue_render(*, claim, kind, by, version=None) -> RenderJob:
    """Queue the PDF of `kind` for the claim's current version; reuse an existing job.

    Safe to call inside a transaction (the broker is contacted only after commit) and from
    an on_commit hook. A failed job for the same version is retried; a done one is kept.
    """
    if kind not in TEMPLATES:
        raise ClaimError("不明な書類の種類です。")
    if version is None:
        version = render_version(claim, kind)
    job, created = RenderJob.objects.get_or_create(
        claim=claim,
        kind=kind,
        version=version,
        defaults={"requested_by": by, "status": Status.WAITING},
    )
    if not created and job.status == Status.FAILED:
        RenderJob.objects.filter(pk=job.pk, status=Status.FAILED).update(
            status=Status.WAITING, error="", requested_by=by, updated_at=timezone.now()
        )
        job.refresh_from_db()
    if job.status == Status.WAITING:
        job_id = job.pk
        transaction.on_commit(lambda: send_job(job_id))
    return job


def enqueue_payment_letter(*, payout, by) -> RenderJob | None:
    """Queue the 保険金お支払のご案内 of a paid payout (e.g. once a payment batch is marked
    paid, or a payout is marked paid by hand). None for a payout that is not paid."""
    from claims.models import Payout

    if payout.status != Payout.Status.PAID or payout.paid_on is None:
        return None
    return enqueue_render(
        claim=payout.claim, kind=KIND_PAYMENT_LETTER, by=by, version=payment_letter_version(payout)
    )


def _check_broker(timeout: float = 0.5) -> None:
    """Fail fast when the Redis broker does not accept connections.

    redis-py retries a refused connection with backoff (about 6 s in all), which would hold
    an approval's response that long while Redis is down; one plain TCP connect answers in
    milliseconds, and the job then simply stays in the outbox.
    """
    from urllib.parse import urlsplit

    from claimsdesk.celery import app

    broker = str(app.conf.broker_url or "")
    if app.conf.task_always_eager or not broker.startswith("redis"):
        return
    url = urlsplit(broker)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout):
        pass


def send_job(job_id: int) -> bool:
    """Hand one `waiting` job to the broker. False (and the job stays waiting) on failure.

    Claims the row first (waiting -> queued, conditionally), so two drains never send the
    same job twice; a broker error puts it back. Never raises: it runs in on_commit hooks.
    """
    from documents import tasks

    now = timezone.now()
    if not RenderJob.objects.filter(pk=job_id, status=Status.WAITING).update(
        status=Status.QUEUED, updated_at=now
    ):
        return False
    try:
        _check_broker()
        tasks.render_job.apply_async(args=[job_id], retry=False)
    except Exception as exc:
        logger.warning("render job %s not sent to the broker: %s", job_id, exc)
        RenderJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.WAITING, updated_at=timezone.now()
        )
        return False
    return True


def drain_outbox(*, claim=None, older_than: float = 0, limit: int = 100) -> int:
    """Send `waiting` jobs (optionally only one claim's, only those idle for `older_than`
    seconds). Returns how many reached the broker."""
    qs = RenderJob.objects.filter(status=Status.WAITING)
    if claim is not None:
        qs = qs.filter(claim=claim)
    if older_than:
        qs = qs.filter(updated_at__lt=timezone.now() - datetime.timedelta(seconds=older_than))
    sent = 0
    for job_id in qs.order_by("created_at").values_list("pk", flat=True)[:limit]:
        try:
            sent += send_job(job_id)
        except Exception:  # a database hiccup: the next drain tries again
            logger.exception("draining render job %s failed", job_id)
    return sent


def sweep_stale() -> int:
    """Jobs stuck in rendering/queued past RENDER_STALE_SECONDS go back to the outbox (or
    fail after RENDER_MAX_ATTEMPTS), then the outbox is drained. Returns how many moved."""
    stale = timezone.now() - datetime.timedelta(seconds=_setting("RENDER_STALE_SECONDS", 600))
    stuck = RenderJob.objects.filter(
        Q(status=Status.RENDERING, started_at__lt=stale)
        | Q(status=Status.QUEUED, updated_at__lt=stale)
    )
    max_attempts = _setting("RENDER_MAX_ATTEMPTS", 5)
    moved = 0
    for job in stuck:
        if job.attempts >= max_attempts:
            moved += RenderJob.objects.filter(pk=job.pk, status=job.status).update(
                status=Status.FAILED,
                error=f"{job.attempts}回試みても作成できませんでした。",
                updated_at=timezone.now(),
            )
        else:
            moved += RenderJob.objects.filter(pk=job.pk, status=job.status).update(
                status=Status.WAITING, updated_at=timezone.now()
            )
    drain_outbox()
    return moved


# --- rendering ---------------------------------------------------------------------------


class TransientRenderError(Exception):
    """Worth retrying (database or broker hiccup); the task retries it with backoff."""


def _transient_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError

    return (OperationalError, InterfaceError, TransientRenderError)


def render_job_run(*, job_id: int) -> RenderJob:
    """Render and store the job's PDF, once. Safe to run twice, concurrently or after a crash.

    Transient errors propagate (the task retries them); any other error marks the job
    failed with its message, so the panel shows it instead of spinning forever.
    """
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().select_related("claim").get(pk=job_id)
        if job.status == Status.DONE and job.document_id:
            return job
        existing = _existing_document(job)
        if existing is not None:
            return _mark_done(job, existing)
        job.status = Status.RENDERING
        job.attempts += 1
        job.started_at = timezone.now()
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "error", "updated_at"])
    try:
        content = render_job_pdf(job)
        document = _store(job, content)
    except _transient_errors():
        RenderJob.objects.filter(pk=job.pk, status=Status.RENDERING).update(
            status=Status.QUEUED, updated_at=timezone.now()
        )
        raise
    except Exception as exc:
        logger.exception("render job %s failed", job.pk)
        RenderJob.objects.filter(pk=job.pk).exclude(status=Status.DONE).update(
            status=Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            updated_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    return _mark_done(job, document)


def _existing_document(job) -> Document | None:
    return Document.objects.filter(
        claim_id=job.claim_id, kind=job.kind, render_version=job.version
    ).first()


def _mark_done(job, document) -> RenderJob:
    RenderJob.objects.filter(pk=job.pk).update(
        status=Status.DONE, document=document, error="", updated_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _store(job, content: bytes) -> Document:
    claim = job.claim
    doc = Document(
        claim=claim,
        kind=job.kind,
        original_name=f"{claim.number}_{FILE_TITLES[job.kind]}_v{job.version}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        render_version=job.version,
        uploaded_by_id=job.requested_by_id or claim.handler_id or claim.created_by_id,
    )
    doc.file.save("render.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            doc.save()
    except IntegrityError:
        # Another worker stored this version first: keep theirs, drop our file.
        doc.file.delete(save=False)
        winner = _existing_document(job)
        if winner is None:
            raise
        return winner
    return doc


def render_job_pdf(job) -> bytes:
    """The PDF bytes for a job (no database writes)."""
    delay = float(os.environ.get("CLAIMSDESK_RENDER_TEST_DELAY", "0") or 0)
    if delay:  # only set in the test worker's environment (the SIGKILL test)
        time.sleep(delay)
    if job.kind == KIND_SETTLEMENT:
        return render_settlement_pdf(job.claim, version=job.version)
    if job.kind == KIND_DAMAGE_LETTER:
        return render_damage_letter_pdf(job.claim, version=job.version)
    if job.kind == KIND_PAYMENT_LETTER:
        from claims.models import Payout

        # the payment as that history record holds it (date, reference), even after a return
        record = Payout.history.filter(history_id=job.version, claim_id=job.claim_id).first()
        if record is None or record.status != Payout.Status.PAID:
            raise ClaimError("支払の記録が見つかりません。")
        return render_payment_letter_pdf(record.instance, version=job.version)
    request = DocumentRequest.objects.filter(pk=job.version, claim_id=job.claim_id).first()
    if request is None:
        raise ClaimError("書類依頼が見つかりません。")
    return render_request_letter_pdf(request, version=job.version)


def _render_pdf(template: str, context: dict, *, fetcher=None) -> bytes:
    # WeasyPrint (Pango, Fontconfig) takes 1-3 s to import: only a process that renders
    # pays for it, not every web worker, manage.py command and test worker at start.
    from documents import pdf

    return pdf.render_template_pdf(template, context, fetcher=fetcher)


def render_settlement_pdf(claim, *, version=None, fetcher=None) -> bytes:
    context = pdf_context.settlement_context(claim, version=version)
    return _render_pdf(TEMPLATES[KIND_SETTLEMENT], context, fetcher=fetcher)


def render_request_letter_pdf(request, *, version=None, fetcher=None) -> bytes:
    context = pdf_context.request_letter_context(request, version=version)
    return _render_pdf(TEMPLATES[KIND_REQUEST], context, fetcher=fetcher)


def render_damage_letter_pdf(claim, *, version=None, fetcher=None) -> bytes:
    from documents.letters import damage_letter_context

    context = damage_letter_context(claim, version=version)
    return _render_pdf(TEMPLATES[KIND_DAMAGE_LETTER], context, fetcher=fetcher)


def render_payment_letter_pdf(payout, *, account=None, version=None, fetcher=None) -> bytes:
    from documents.letters import payment_letter_context

    context = payment_letter_context(payout, account=account, version=version)
    return _render_pdf(TEMPLATES[KIND_PAYMENT_LETTER], context, fetcher=fetcher)


# --- reads for the panel -----------------------------------------------------------------


def latest_jobs(claim) -> list[RenderJob]:
    """The newest job of each kind for the claim (for the panel)."""
    out = {}
    for job in (
        RenderJob.objects.filter(claim=claim)
        .select_related("document")
        .order_by("-created_at", "-pk")[:20]
    ):
        out.setdefault(job.kind, job)
    return list(out.values())
