"""axe-core (bundled by axe-playwright-python, nothing downloaded) on every kind of page of
the desk and the admin, in Debian's Chromium: no critical and no serious violation.

On failure the message lists each violation's id, impact, help and the targets, so the
fix can start from the test output alone."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from claims import services
from claims.models import Claim, ClaimNote, Incident
from coverage.models import Plan
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_claim
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
BLOCKING = {"critical", "serious"}


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    found = []
    for v in results.response["violations"]:
        if v["impact"] in BLOCKING:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:8])
            found.append(f"{page.url} {v['id']} ({v['impact']}, {len(v['nodes'])}×): {targets}")
    return found


@pytest.fixture
def desk(alice, bob, carol, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from documents import services as doc_services
    from tests.documents.doc_helpers import pdf

    claim = awaiting_claim(handler=alice, pending=True)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.UNDER_ASSESSMENT)
    claim.refresh_from_db()
    doc_services.document_upload(
        claim=claim, by=alice, files=[pdf("jiko.pdf")], kind="accident_report"
    )
    services.claim_set_next_action(
        claim=claim, by=alice, on=datetime.date.today() + datetime.timedelta(days=3), note="電話"
    )
    today = datetime.date.today()
    call = services.claim_add_task(claim=claim, by=alice, what="被保険者へ電話", due_on=today)
    services.claim_add_task(claim=claim, by=alice, what="書類を確認", due_on=today)
    services.claim_complete_task(task=call, by=alice)
    ClaimNote.objects.create(
        claim=claim, channel="phone", party="insured", body="状況を確認", by=alice
    )
    make_claim(created_by=alice, handler=None, policy=claim.policy)  # a duplicate warning
    waiting = awaiting_claim(handler=bob)
    services.claim_request_send_back(claim=waiting, by=bob, reason="金額を見直したい")  # 差戻し依頼
    return claim, waiting


def test_no_critical_or_serious_axe_violation_on_the_desk_and_the_admin(
    page, alice, carol, dave, desk
):
    claim, waiting = desk
    found = []
    page.goto("/accounts/login/")
    found += blocking_violations(page)

    login(page, "alice")
    for url in (
        "/claims/",
        "/claims/new/",
        f"/claims/{claim.number}/",
        f"/documents/claims/{claim.number}/request/",  # 書類を依頼: the preview (#18)
    ):
        page.goto(url)
        found += blocking_violations(page)
    # the queue at 200 % zoom (#23): its dates under the status badge, the header that sorts by them
    page.set_viewport_size({"width": 683, "height": 384})
    page.goto("/claims/")
    found += blocking_violations(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    # the upload card's per-file rows and an open 種類・対象を変更 form (#18)
    page.goto(f"/claims/{claim.number}/")
    form = page.locator("form[data-upload-form]")
    form.locator("input[name=files]").set_input_files(
        [
            {"name": n, "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}
            for n in ("勤怠記録.pdf", "賃金台帳.pdf")
        ]
    )
    form.locator("[data-file-row]").nth(1).wait_for()
    page.locator("details.doc-reclassify summary").first.click()
    found += blocking_violations(page)
    page.context.clear_cookies()

    login(page, "carol")
    incident = Incident.objects.first()
    for url in (
        "/claims/",  # every open claim: the 承認待ち badge among them
        "/approvals/",
        f"/approvals/{waiting.number}/",
        "/claims/workload/",
        "/incidents/",
        f"/incidents/{incident.pk}/",
    ):
        page.goto(url)
        found += blocking_violations(page)
    page.context.clear_cookies()

    login(page, "dave")
    plan = Plan.objects.first()
    for url in ("/admin/", "/admin/claims/claim/", f"/admin/coverage/plan/{plan.pk}/change/"):
        response = page.goto(url)
        assert response.status == 200, url
        found += blocking_violations(page)
    assert not found, "axe-core critical/serious violations:\n" + "\n".join(found)
