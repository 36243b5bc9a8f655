"""Render jobs: idempotent, retried on transient errors, swept when stuck, and an outbox
that survives a broker outage."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone

from claimsdesk.celery import app as celery_app
from documents import rendering, tasks
from documents.models import Document, RenderJob
from tests.conftest import make_claim
from tests.documents.pdf_helpers import add_items

pytestmark = pytest.mark.django_db
S = RenderJob.Status


@pytest.fixture
def claim(alice):
    c = make_claim(created_by=alice, handler=alice)
    add_items(c, damages=2, expenses=1, overtime=1, by=alice)
    return c


def job_for(claim, status=S.QUEUED, **extra):
    return RenderJob.objects.create(
        claim=claim,
        kind="settlement_summary",
        version=rendering.claim_render_version(claim),
        status=status,
        **extra,
    )


def test_rendering_a_job_twice_stores_one_document(claim):
    job = job_for(claim)
    first = rendering.render_job_run(job_id=job.pk)
    second = rendering.render_job_run(job_id=job.pk)
    assert first.status == second.status == S.DONE
    assert first.document_id == second.document_id
    assert Document.objects.filter(claim=claim, render_version=job.version).count() == 1
    doc = first.document
    assert doc.file.read(5) == b"%PDF-" and doc.content_type == "application/pdf"
    assert doc.uploaded_by == claim.handler


def test_a_redelivered_job_whose_pdf_exists_only_marks_itself_done(claim):
    job = job_for(claim)
    rendering.render_job_run(job_id=job.pk)
    RenderJob.objects.filter(pk=job.pk).update(status=S.RENDERING, document=None)
    job = rendering.render_job_run(job_id=job.pk)
    assert job.status == S.DONE and job.document is not None
    assert Document.objects.filter(claim=claim).count() == 1
    assert job.attempts == 1  # not rendered again


def test_losing_the_race_to_another_worker_returns_the_winners_document(claim, monkeypatch):
    job = job_for(claim)
    real = rendering.render_job_pdf
    winner = {}

    def render_while_another_worker_stores(j):
        content = real(j)
        winner["doc"] = rendering._store(j, content)  # the other worker commits first
        return content

    monkeypatch.setattr(rendering, "render_job_pdf", render_while_another_worker_stores)
    job = rendering.render_job_run(job_id=job.pk)
    assert job.status == S.DONE
    assert job.document == winner["doc"]
    assert Document.objects.filter(claim=claim, kind="settlement_summary").count() == 1


def test_the_unique_constraint_refuses_a_second_document_for_a_version(claim, alice):
    from django.db import IntegrityError, transaction

    job = job_for(claim)
    doc = rendering.render_job_run(job_id=job.pk).document
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(
            claim=claim,
            kind=doc.kind,
            file=doc.file.name,
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            render_version=doc.render_version,
            uploaded_by=alice,
        )


def test_a_transient_error_propagates_for_retry_and_leaves_the_job_queued(claim, monkeypatch):
    job = job_for(claim)

    def flaky(j):
        raise OperationalError("database is locked")

    monkeypatch.setattr(rendering, "render_job_pdf", flaky)
    with pytest.raises(OperationalError):
        rendering.render_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == S.QUEUED and job.attempts == 1
    assert not Document.objects.exists()


def test_the_task_retries_a_transient_error_then_succeeds(claim, monkeypatch):
    job = job_for(claim)
    real = rendering.render_job_pdf
    calls = []

    def flaky_once(j):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(j)

    monkeypatch.setattr(rendering, "render_job_pdf", flaky_once)
    assert tasks.render_job.apply(args=[job.pk], throw=False).get() == S.DONE  # retried
    job.refresh_from_db()
    assert len(calls) == 2 and job.attempts == 2 and job.status == S.DONE


def test_any_other_error_fails_the_job_with_its_message(claim, monkeypatch):
    job = job_for(claim)

    def broken(j):
        raise ValueError("テンプレートが壊れています")

    monkeypatch.setattr(rendering, "render_job_pdf", broken)
    job = rendering.render_job_run(job_id=job.pk)
    assert job.status == S.FAILED
    assert "テンプレートが壊れています" in job.error


def test_task_reliability_options():
    for task in (tasks.render_job, tasks.render_settlement_pdf):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.max_retries == 5
        assert 0 < task.soft_time_limit < task.time_limit


def test_render_settlement_pdf_task_by_claim_and_version(claim):
    version = rendering.claim_render_version(claim)
    assert tasks.render_settlement_pdf.apply(args=[claim.pk, version]).get() == S.DONE
    assert Document.objects.get(claim=claim).render_version == version


def test_version_changes_when_an_item_changes_and_is_stable_otherwise(claim):
    v1 = rendering.claim_render_version(claim)
    assert rendering.claim_render_version(claim) == v1
    rendering.render_job_run(job_id=job_for(claim).pk)  # rendering changes nothing
    assert rendering.claim_render_version(claim) == v1
    damage = claim.damages.first()
    damage.recognized -= 1
    damage.save()
    assert rendering.claim_render_version(claim) > v1


def test_enqueue_reuses_the_job_of_the_same_version(
    claim, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = rendering.enqueue_render(claim=claim, kind="settlement_summary", by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        b = rendering.enqueue_render(claim=claim, kind="settlement_summary", by=alice)
    assert a.pk == b.pk
    assert RenderJob.objects.get().status == S.DONE
    assert Document.objects.count() == 1


# --- the stale sweep ---------------------------------------------------------------------


def test_sweep_requeues_a_job_stuck_in_rendering_and_it_completes(claim, settings):
    settings.RENDER_STALE_SECONDS = 60
    old = timezone.now() - datetime.timedelta(minutes=5)
    stuck = job_for(claim, status=S.RENDERING, attempts=1, started_at=old)
    fresh_claim = make_claim(created_by=claim.created_by, handler=claim.handler)
    fresh = job_for(fresh_claim, status=S.RENDERING, attempts=1, started_at=timezone.now())
    assert rendering.sweep_stale() == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == S.DONE and stuck.document is not None  # re-sent, eager
    assert fresh.status == S.RENDERING  # still within its time


def test_sweep_gives_up_after_max_attempts(claim, settings):
    settings.RENDER_MAX_ATTEMPTS = 3
    old = timezone.now() - datetime.timedelta(hours=1)
    job = job_for(claim, status=S.RENDERING, attempts=3, started_at=old)
    rendering.sweep_stale()
    job.refresh_from_db()
    assert job.status == S.FAILED and "3回" in job.error


# --- the broker is down ------------------------------------------------------------------


@pytest.fixture
def broker_down():
    """Not eager, and the broker at a closed port."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
    yield
    conf.task_always_eager, conf.broker_url = saved
    celery_app._pool = None


def test_with_the_broker_down_enqueue_leaves_the_job_waiting(
    claim, alice, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = rendering.enqueue_render(claim=claim, kind="settlement_summary", by=alice)
    job.refresh_from_db()
    assert job.status == S.WAITING
    assert job.get_status_display() == "送信待ち"
    assert rendering.drain_outbox() == 0
    job.refresh_from_db()
    assert job.status == S.WAITING


def test_the_approval_hook_survives_the_broker_being_down(claim, carol, broker_down):
    from claims.approvals.payouts import _queue_settlement_pdf

    _queue_settlement_pdf(claim.pk, carol.pk)  # what payout_approve runs on commit
    assert RenderJob.objects.get(claim=claim).status == S.WAITING


def test_drain_sends_waiting_jobs_once_the_broker_is_back(claim, alice, broker_down):
    from django.db import transaction

    with transaction.atomic():
        job = rendering.enqueue_render(claim=claim, kind="settlement_summary", by=alice)
    rendering.send_job(job.pk)
    job.refresh_from_db()
    assert job.status == S.WAITING
    celery_app.conf.task_always_eager = True  # the broker is back (eager here)
    assert rendering.drain_outbox() == 1
    job.refresh_from_db()
    assert job.status == S.DONE and job.document is not None


def test_approving_a_claim_with_the_broker_down_succeeds_and_the_pdf_waits(
    alice, carol, broker_down, django_capture_on_commit_callbacks
):
    from claims.approvals.payouts import payout_approve
    from claims.models import Claim, Payout
    from claims.services import claim_refresh_totals

    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.AWAITING_APPROVAL)
    add_items(claim, damages=2, expenses=1, overtime=0, by=alice)
    claim_refresh_totals(claim=claim)
    with django_capture_on_commit_callbacks(execute=True):
        payout = payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert Payout.objects.get(claim=claim) == payout
    job = RenderJob.objects.get(claim=claim, kind="settlement_summary")
    assert job.status == S.WAITING and job.requested_by == carol
    celery_app.conf.task_always_eager = True  # the broker is back
    assert rendering.drain_outbox() == 1
    job.refresh_from_db()
    assert job.status == S.DONE
    assert job.document.render_version == job.version
