"""The claim page's PDF panel: generate (POST) and the polled status fragment."""

import pytest
from django.urls import reverse

from claims.models import Claim
from documents import rendering
from documents.models import Document, RenderJob
from tests.conftest import make_claim
from tests.documents.pdf_helpers import add_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(alice):
    c = make_claim(created_by=alice, handler=alice, status=Claim.Status.UNDER_ASSESSMENT)
    add_items(c, damages=2, expenses=1, overtime=1, by=alice)
    return c


def gen_url(claim, kind="settlement_summary"):
    return reverse("renders:generate", args=[claim.number, kind])


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST, then run the on-commit hooks (the test's transaction never commits)."""

    def _post(url, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, **extra)

    return _post


def login(client, user):
    client.force_login(user)
    return client


def test_handler_generates_the_summary_and_the_panel_shows_the_download(client, alice, claim, post):
    login(client, alice)
    response = post(gen_url(claim), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="render-panel"' in response.content.decode()
    # eager mode: the render ran on commit; the next poll shows the result
    body = client.get(reverse("renders:status", args=[claim.number])).content.decode()
    doc = Document.objects.get(claim=claim, kind="settlement_summary")
    assert reverse("documents:download", args=[doc.pk]) in body
    assert 'data-status="done"' in body
    assert "every 2s" not in body  # nothing left to poll for
    assert RenderJob.objects.get(claim=claim).status == RenderJob.Status.DONE


def test_generating_twice_for_the_same_version_stores_one_document(client, alice, claim, post):
    login(client, alice)
    post(gen_url(claim), HTTP_HX_REQUEST="true")
    post(gen_url(claim), HTTP_HX_REQUEST="true")
    assert Document.objects.filter(claim=claim, kind="settlement_summary").count() == 1
    assert RenderJob.objects.filter(claim=claim).count() == 1


def test_without_htmx_generate_redirects_to_the_claim_page(client, alice, claim, post):
    login(client, alice)
    response = post(gen_url(claim))
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[claim.number])


def test_supervisor_may_generate(client, carol, claim, post):
    login(client, carol)
    assert post(gen_url(claim), HTTP_HX_REQUEST="true").status_code == 200
    assert Document.objects.filter(claim=claim).count() == 1


def test_another_handlers_claim_is_404_and_renders_nothing(client, bob, claim, post):
    login(client, bob)
    assert post(gen_url(claim)).status_code == 404
    assert client.get(reverse("renders:status", args=[claim.number])).status_code == 404
    assert not RenderJob.objects.exists()


def test_a_handler_who_may_only_view_gets_403(client, alice, bob, post):
    unassigned = make_claim(created_by=bob, status=Claim.Status.REPORTED)
    login(client, alice)
    assert client.get(reverse("renders:status", args=[unassigned.number])).status_code == 200
    assert post(gen_url(unassigned)).status_code == 403
    assert not RenderJob.objects.exists()


def test_unknown_claim_or_kind_is_404_and_get_is_refused(client, alice, claim, post):
    login(client, alice)
    assert (
        post(reverse("renders:generate", args=["C99-999999", "settlement_summary"])).status_code
        == 404
    )
    assert post(gen_url(claim, kind="passwd")).status_code == 404
    assert client.get(gen_url(claim)).status_code == 405


def test_anonymous_is_sent_to_login(client, claim, post):
    response = post(gen_url(claim))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_status_fragment_polls_while_a_job_is_active(client, alice, claim):
    RenderJob.objects.create(claim=claim, kind="settlement_summary", version=1, status="rendering")
    login(client, alice)
    body = client.get(reverse("renders:status", args=[claim.number])).content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert reverse("renders:status", args=[claim.number]) in body
    assert "作成中" in body


def test_a_waiting_job_shows_送信待ち(client, alice, claim, monkeypatch):
    monkeypatch.setattr(rendering, "drain_outbox", lambda **kw: 0)  # broker still down
    RenderJob.objects.create(claim=claim, kind="settlement_summary", version=1, status="waiting")
    login(client, alice)
    body = client.get(reverse("renders:status", args=[claim.number])).content.decode()
    assert "送信待ち" in body and 'data-status="waiting"' in body
    assert 'hx-trigger="every 2s"' in body


def test_failed_job_shows_its_error_and_can_be_retried(client, alice, claim, post):
    job = RenderJob.objects.create(
        claim=claim,
        kind="settlement_summary",
        version=rendering.claim_render_version(claim),
        status="failed",
        error="ValueError: boom",
    )
    login(client, alice)
    body = client.get(reverse("renders:status", args=[claim.number])).content.decode()
    assert "失敗" in body and "ValueError: boom" in body
    post(gen_url(claim), HTTP_HX_REQUEST="true")
    job.refresh_from_db()
    assert job.status == "done" and job.document is not None


def test_request_letter_without_a_request_explains_why(client, alice, claim, post):
    login(client, alice)
    body = post(gen_url(claim, "request_letter"), HTTP_HX_REQUEST="true").content.decode()
    assert "書類依頼がまだありません。" in body
    assert not RenderJob.objects.exists()


def _latest_summary(claim):
    return Document.objects.filter(claim=claim, kind="settlement_summary").latest("pk")


def _says_latest(client, claim):
    body = client.get(reverse("renders:status", args=[claim.number])).content.decode()
    return '<span class="text-muted">最新</span>' in body


@pytest.mark.usefixtures("media")
def test_changing_linked_evidence_makes_the_summary_stale_and_regenerating_gives_a_new_file(
    client, alice, claim, post
):
    from documents import services as doc_services
    from tests.documents.doc_helpers import pdf

    entry = claim.overtime_entries.get()
    login(client, alice)
    post(gen_url(claim), HTTP_HX_REQUEST="true")
    first = _latest_summary(claim)
    assert _says_latest(client, claim)

    # a wage ledger linked to the overtime entry: the entry's evidence (and perhaps its
    # payable amount) changes, so the printed summary is no longer the latest
    (evidence,) = doc_services.document_upload(
        claim=claim, by=alice, files=[pdf("賃金台帳.pdf")], kind="wage_basis",
        overtime_entries=[entry],
    )  # fmt: skip
    assert not _says_latest(client, claim)
    post(gen_url(claim), HTTP_HX_REQUEST="true")
    second = _latest_summary(claim)
    assert second.pk != first.pk and second.render_version > first.render_version
    assert second.file.name != first.file.name
    assert _says_latest(client, claim)

    # and deleting that evidence again: stale once more, and a third file
    doc_services.document_delete(document=evidence, by=alice, reason="別人の賃金台帳")
    assert not _says_latest(client, claim)
    post(gen_url(claim), HTTP_HX_REQUEST="true")
    assert _latest_summary(claim).pk not in {first.pk, second.pk}


@pytest.mark.usefixtures("media")
def test_a_plan_limit_change_makes_the_summary_stale(client, alice, claim, post):
    login(client, alice)
    post(gen_url(claim), HTTP_HX_REQUEST="true")
    assert _says_latest(client, claim)
    plan = claim.policy.plan
    plan.expense_limit = 10_000
    plan.save()
    assert not _says_latest(client, claim)
