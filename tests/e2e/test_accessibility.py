"""axe-core (bundled by axe-playwright-python, nothing downloaded) on every kind of page of
the desk and the admin, in Debian's Chromium: no critical and no serious violation.

On failure the message lists each violation's id, impact, help and the targets, so the
fix can start from the test output alone."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import User
from django.db import OperationalError

from claims import services
from claims.models import Claim, ClaimNote, Incident, Payout, Policy
from claims.queue import selectors as queue_selectors
from coverage.models import Plan
from documents.models import Document
from payments.models import BankAccount
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


@pytest.fixture
def states(alice, bob, carol, settings, tmp_path):
    """A claim in each state the desk shows differently: approved, paid, withdrawn, a new
    report flagged as a likely duplicate, one its handler asked to have sent back
    (差戻し依頼), one whose document request went unanswered (要督促)."""
    from django.utils import timezone

    from claims.approvals import payouts
    from documents import services as doc_services
    from documents.models import DocumentRequest
    from tests.documents.doc_helpers import add_damage
    from tests.payments.helpers import approved_claim

    settings.MEDIA_ROOT = tmp_path / "media"
    approved = approved_claim(handler=alice, approver=carol)
    paid = approved_claim(handler=alice, approver=carol)
    payouts.payout_mark_paid(
        claim=paid, by=carol, paid_on=datetime.date.today(), reference="FB-A11Y"
    )
    withdrawn = make_claim(created_by=alice, handler=alice)
    services.claim_withdraw(claim=withdrawn, by=alice, reason="被保険者が請求を取り下げた")
    first = make_claim(created_by=alice, handler=alice)
    duplicate = make_claim(created_by=alice, handler=alice, policy=first.policy)
    sent_back = awaiting_claim(handler=alice)
    services.claim_request_send_back(claim=sent_back, by=alice, reason="金額を見直したい")
    quiet = make_claim(created_by=alice, handler=alice)
    add_damage(quiet, client="株式会社みどり介護")
    request = doc_services.documents_request(claim=quiet, by=alice)
    asked = timezone.now() - datetime.timedelta(days=20)
    DocumentRequest.objects.filter(pk=request.pk).update(requested_at=asked)
    return {
        "approved": approved,
        "paid": paid,
        "withdrawn": withdrawn,
        "duplicate": duplicate,
        "sent_back": sent_back,
        "follow_up": quiet,
    }


def test_no_critical_or_serious_axe_violation_in_the_states_and_pages_the_walk_misses(
    page, alice, bob, carol, dave, states, settings, monkeypatch
):
    """The claim page approved, paid, withdrawn, with the duplicate banner, a 差戻し依頼
    and 要督促; the queue with a filter error and with nothing found; the accident report
    and the password change with field errors; the 403, 404, 503 and sign-in lockout pages;
    the admin's remaining change forms, django-axes' pages and a claim's history."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    found = []

    def visit(url, status=200):
        response = page.goto(url)
        assert response.status == status, (url, response.status)
        found.extend(blocking_violations(page))

    login(page, "alice")
    for name in ("approved", "paid", "withdrawn", "sent_back"):
        visit(f"/claims/{states[name].number}/")
    # the duplicate warning, then opened to be resolved
    visit(f"/claims/{states['duplicate'].number}/")
    page.click("#duplicates summary")
    found.extend(blocking_violations(page))
    # a damage row being edited, then refused (認定額 above 請求額), then the 取下げ dialog
    visit(f"/claims/{states['follow_up'].number}/")
    page.locator("#damages .row-actions a", has_text="編集").click()
    form = page.locator("form.item-form").first
    form.wait_for()
    found.extend(blocking_violations(page))
    form.locator("[name$=recognized]").fill("999999999")
    form.locator("button.btn-primary").click()
    page.locator(".item-form .invalid-feedback").first.wait_for()
    found.extend(blocking_violations(page))
    page.click("details.action-reason summary:has-text('取下げ')")
    page.fill("#reason-withdraw", "被保険者から取下げの連絡")
    page.click("details.action-reason[open] form button")
    page.locator("dialog.confirm-dialog[open]").wait_for()
    found.extend(blocking_violations(page))
    page.keyboard.press("Escape")
    visit("/claims/?reported_from=2024-02-01&reported_to=2024-01-01")  # a reversed range
    visit("/claims/?q=該当する事故のない検索語")  # nothing found
    page.goto("/claims/new/")
    page.locator("form button[type=submit]").last.click()
    page.locator(".invalid-feedback").first.wait_for()
    found.extend(blocking_violations(page))  # the accident report's field errors
    visit("/accounts/password/")
    page.fill("#id_old_password", "wrong")
    page.fill("#id_new_password1", "alice")
    page.fill("#id_new_password2", "other")
    page.locator("main button[type=submit]").click()
    page.locator(".invalid-feedback").first.wait_for()
    found.extend(blocking_violations(page))  # the password change's field errors
    visit("/approvals/", status=403)
    visit("/claims/NO-SUCH-CLAIM/", status=404)

    def locked(**kwargs):
        raise OperationalError("database is locked")

    with monkeypatch.context() as m:  # the Japanese 503 (templates/503_busy.html)
        m.setattr(queue_selectors, "claim_queue", locked)
        visit("/claims/", status=503)
    page.context.clear_cookies()

    login(page, "carol")
    visit(f"/claims/{states['sent_back'].number}/")
    visit(f"/approvals/{states['sent_back'].number}/")
    page.context.clear_cookies()

    login(page, "dave")
    claim = states["paid"]
    # no path_info: the attempts list's パス filter then offers an empty value
    AccessAttempt.objects.create(
        username="mallory", ip_address="203.0.113.9", user_agent="curl", failures_since_start=3
    )
    log = AccessLog.objects.create(username="dave", ip_address="127.0.0.1", user_agent="x")
    for url in (
        f"/admin/claims/policy/{Policy.objects.first().pk}/change/",
        f"/admin/claims/payout/{Payout.objects.first().pk}/change/",
        f"/admin/documents/document/{Document.objects.first().pk}/change/",
        f"/admin/claims/claim/{claim.pk}/history/",
    ):
        visit(url)
    page.context.clear_cookies()

    # bank accounts and django-axes' records are not the admin group's to see: a superuser
    User.objects.create_superuser("root", password="pw-root")
    login(page, "root")
    for url in (
        f"/admin/payments/bankaccount/{BankAccount.objects.first().pk}/change/",
        "/admin/axes/accessattempt/",
        f"/admin/axes/accessattempt/{AccessAttempt.objects.first().pk}/change/",
        "/admin/axes/accesslog/",
        f"/admin/axes/accesslog/{log.pk}/change/",
        "/admin/axes/accessfailurelog/",
    ):
        visit(url)
    page.context.clear_cookies()

    # last: ten wrong passwords lock the account and this address (429)
    page.goto("/accounts/login/")
    for _ in range(10):
        page.fill("input[name=username]", "bob")
        page.fill("input[name=password]", "wrong-guess")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("button[type=submit]")
    assert answer.value.status == 429
    found.extend(blocking_violations(page))
    assert not found, "axe-core critical/serious violations:\n" + "\n".join(found)
