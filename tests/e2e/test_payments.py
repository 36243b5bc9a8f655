"""In the browser: an account entered with the bank's names shown as the codes are typed,
and frank's 総合振込 batch from approved claims to 支払済み."""

import io
import time
from pathlib import Path

import pytest
from django.utils import timezone

from claims.models import Claim
from documents.models import Document, RenderJob
from payments import zengin
from payments.models import BankAccount
from tests.e2e.conftest import login
from tests.payments.helpers import approved_claim, make_frank

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_frank_builds_a_batch_downloads_the_file_and_marks_it_paid(page, alice, bob, carol):
    make_frank()
    claims = [
        approved_claim(handler=alice, approver=carol),
        approved_claim(handler=bob, approver=carol),
    ]
    login(page, "frank")
    page.goto("/payments/")
    assert page.inner_text("#ready-count") == "2"
    assert page.inner_text("#ready-total") == "2,496,000"
    page.click("text=振込バッチを作成")
    page.wait_for_selector("text=振込バッチを作成しました")
    assert "2 件" in page.inner_text("#batch-count")
    assert "2,496,000 円" in page.inner_text("#batch-total")
    with page.expect_download() as download:
        page.click("text=振込ファイル (全銀協 総合振込) をダウンロード")
    data = Path(download.value.path()).read_bytes()
    parsed = zengin.parse(data, year=timezone.localdate().year)
    assert (parsed.count, parsed.total) == (2, 2_496_000)
    assert {t.holder for t in parsed.transfers} == {"ﾔﾏﾀﾞ ﾀﾛｳ"}
    page.fill("#id_reference", "FB-E2E-BATCH")
    page.click("text=振込済みにする")
    page.wait_for_selector("text=振込済みとして記録しました")
    today = f"{timezone.localdate():%Y-%m-%d}"
    for row in page.locator("tr.batch-item").all():
        assert row.locator(".claim-status").inner_text() == "支払済み"
        assert row.locator(".claim-paid-on").inner_text() == today
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == Claim.Status.PAID and claim.paid_on == timezone.localdate()
    # The batch sent payout_paid: each insured's 保険金お支払のご案内 was rendered (eager
    # Celery), showing the account it was paid to masked, never the full number.
    for claim in claims:
        letter = _payment_letter_text(claim)
        assert "****567" in letter
        assert "1234567" not in letter


def _payment_letter_text(claim, timeout=10.0):
    from pypdf import PdfReader

    deadline = time.monotonic() + timeout
    while True:
        job = RenderJob.objects.filter(claim=claim, kind=RenderJob.Kind.PAYMENT_LETTER).first()
        if job is not None and job.status == RenderJob.Status.DONE and job.document_id:
            break
        assert time.monotonic() < deadline, f"no payment letter rendered for {claim.number}: {job}"
        time.sleep(0.2)
    document = Document.objects.get(pk=job.document_id)
    assert document.kind == "payment_letter"
    with document.file.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return "".join(page.extract_text() for page in reader.pages)


def test_the_bank_and_branch_names_appear_as_the_codes_are_typed(page, alice, carol):
    claim = approved_claim(handler=alice, approver=carol, account=False)
    login(page, "alice")
    page.goto(f"/payments/insured/{claim.policy.insured_id}/account/")
    page.fill("#id_bank_code", "0001")
    page.fill("#id_branch_code", "001")
    page.wait_for_selector("#bank-name >> text=みずほ 東京営業部")
    page.fill("#id_account_number", "1234567")
    page.fill("#id_holder", "やまだ　たろう")
    page.click("text=登録する")
    page.wait_for_selector("text=口座を登録しました")
    assert BankAccount.objects.get().holder == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert "確認待ち" in page.content()


def test_no_critical_or_serious_axe_violation_on_the_payment_pages(page, alice, carol):
    from payments import services
    from tests.e2e.test_accessibility import blocking_violations

    frank = make_frank()
    claim = approved_claim(handler=alice, approver=carol)
    approved_claim(handler=alice, approver=carol, account=False)  # listed with its problem
    batch = services.batch_create(
        by=frank, transfer_date=timezone.localdate(), payouts=[claim.payouts.get()]
    )
    found = []
    login(page, "frank")
    for url in ("/payments/", f"/payments/batches/{batch.pk}/"):
        page.goto(url)
        found += blocking_violations(page)
    page.context.clear_cookies()
    login(page, "alice")
    page.goto(f"/payments/insured/{claim.policy.insured_id}/account/")
    found += blocking_violations(page)
    assert not found, "axe-core critical/serious violations:\n" + "\n".join(found)
