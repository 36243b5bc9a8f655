"""The PDF panel in Chromium: generate, and the status that updates without a reload."""

import pytest
from django.utils import timezone

from claims.models import Claim
from documents import rendering
from documents.models import Document, RenderJob
from tests.conftest import make_claim
from tests.documents.pdf_helpers import add_items
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """The data migrations' rows (groups, plans, the MK incident). A transactional test that
    runs after other transactional tests in one session can find them flushed; put back the
    few these tests need (names only; permissions are decided by group name)."""
    import datetime
    import importlib

    from django.contrib.auth.models import Group

    from claims.models import Incident
    from coverage.models import Plan

    for name in ("handler", "supervisor", "admin"):
        Group.objects.get_or_create(name=name)
    Incident.objects.get_or_create(
        provider_name="株式会社エムケイシステム",
        occurred_on=datetime.date(2023, 6, 5),
        defaults={"title": "株式会社エムケイシステムへのサイバー攻撃", "leak_or_threat": True},
    )
    plans = importlib.import_module("coverage.migrations.0002_default_plans").PLANS
    for code, name, liability, expenses, leak_only in plans:
        Plan.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "liability_limit": liability,
                "expense_limit": expenses,
                "leak_only": leak_only,
            },
        )


@pytest.fixture
def claim(alice):
    c = make_claim(created_by=alice, handler=alice, status=Claim.Status.UNDER_ASSESSMENT)
    add_items(c, damages=3, expenses=2, overtime=2, by=alice)
    return c


def test_alice_generates_the_summary_from_the_claim_page(page, alice, claim, tmp_path):
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    panel = page.locator("#render-panel")
    # one row per document (the summary, the 損害額のご案内 letter): each button names its own
    panel.locator('tr[data-kind="settlement_summary"]').get_by_role("button").click()
    panel.locator('[data-status="done"]').wait_for()
    link = page.locator("#render-panel a", has_text="PDF (版")
    assert link.count() == 1
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Document.objects.filter(claim=claim, kind="settlement_summary").count() == 1
    page.screenshot(path=str(tmp_path / "render-panel.png"), full_page=True)


def test_the_status_updates_without_a_reload(page, alice, claim):
    job = RenderJob.objects.create(
        claim=claim,
        kind="settlement_summary",
        version=rendering.claim_render_version(claim),
        status=RenderJob.Status.RENDERING,
        started_at=timezone.now(),
        requested_by=alice,
    )
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    page.evaluate("window.__noReload = true")
    page.locator('#render-panel [data-status="rendering"]').wait_for()
    assert "作成中" in page.locator("#render-panel").inner_text()
    # the worker finishes in the background
    rendering.render_job_run(job_id=job.pk)
    page.locator('#render-panel [data-status="done"]').wait_for(timeout=10_000)
    assert page.evaluate("window.__noReload") is True
    assert page.locator("#render-panel a", has_text="PDF (版").count() == 1
