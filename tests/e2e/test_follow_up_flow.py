"""In the browser: carol sees on the workload page that alice has a claim to chase, follows
the figure to the queue, opens the claim, reads the 要督促 note and logs the call she makes;
then gives an unassigned claim to alice from that claim's page."""

import datetime

import pytest
from django.utils import timezone

from claims.models import Claim, ClaimNote
from documents import services as doc_services
from documents.models import DocumentRequest
from tests.conftest import make_claim
from tests.documents.doc_helpers import add_damage
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_carol_chases_a_quiet_request_from_the_workload_page(
    page, alice, carol, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    claim = make_claim(created_by=alice, handler=alice)
    add_damage(claim, client="株式会社みどり介護")
    req = doc_services.documents_request(claim=claim, by=alice)
    asked = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=20), datetime.time(10)
        )
    )
    DocumentRequest.objects.filter(pk=req.pk).update(requested_at=asked)
    pool = make_claim(created_by=alice, handler=None)

    login(page, "carol")
    page.click("text=担当者別")
    row = page.locator(f'tr[data-handler="{alice.pk}"]')
    row.locator("a[href*='status=follow_up']").click()
    page.wait_for_url("**/claims/?handler=*status=follow_up*")
    assert page.locator("tbody tr").count() == 1
    assert "要督促 20日" in page.locator("tbody tr").inner_text()

    page.click(f"text={claim.number}")
    assert "の依頼から20日" in page.inner_text(".follow-up")
    page.select_option("#id_note-channel", "phone")
    page.select_option("#id_note-party", "insured")
    page.fill("#id_note-body", "書類の状況を確認。今週中に郵送するとのこと。")
    page.click("text=記録する")
    page.wait_for_selector("text=経過記録を追加しました。")
    assert "今週中に郵送するとのこと" in page.inner_text("#notes")
    assert ClaimNote.objects.get(claim=claim).by == carol

    page.goto(f"/claims/{pool.number}/")
    page.select_option("#id_assign_handler", str(alice.pk))
    page.click(".assign-here button")
    page.wait_for_selector("text=さんに割り当てました")
    assert Claim.objects.get(pk=pool.pk).handler == alice
