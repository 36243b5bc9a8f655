"""The payment clock (保険法21条) nobody can reset: documents frozen while a claim awaits
approval, a started clock never cleared by a deletion, extensions only by a supervisor with
a reason of substance and a bounded date, and a wrong extension corrected on the record."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import clock
from claims.approvals import payouts
from claims.claim_page import timeline as audit
from claims.models import Claim, PaymentExtension
from claims.services import ClaimError
from documents import services as doc_services
from documents.models import Document
from tests.claims.approval_helpers import awaiting_claim
from tests.documents.doc_helpers import pdf

pytestmark = [pytest.mark.django_db]
D = datetime.date


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def overdue_awaiting_claim(alice):
    """alice's claim, sent to approval, documents complete since 2023-07-01: overdue."""
    claim = awaiting_claim(handler=alice)  # documents complete 2023-07-01, due 2023-07-31
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.UNDER_ASSESSMENT)
    claim.refresh_from_db()
    doc_services.document_upload(claim=claim, by=alice, files=[pdf()], kind="accident_report")
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.AWAITING_APPROVAL)
    claim.refresh_from_db()
    return claim


def test_delete_and_reupload_on_an_awaiting_claim_does_not_restart_its_30_days(client, alice):
    claim = overdue_awaiting_claim(alice)
    doc = Document.objects.filter(claim=claim).latest("pk")  # the report alice uploaded
    on_file = Document.objects.filter(claim=claim, deleted_at__isnull=True).count()
    assert claim in Claim.objects.filter(clock.overdue_q())

    with pytest.raises(ClaimError, match="承認待ちの事故の書類は変更できません"):
        doc_services.document_delete(document=doc, by=alice, reason="差し替えのため")
    with pytest.raises(ClaimError, match="承認待ちの事故の書類は変更できません"):
        doc_services.document_upload(claim=claim, by=alice, files=[pdf()], kind="accident_report")

    # and through the pages, as alice would try it
    client.force_login(alice)
    client.post(reverse("documents:delete", args=[doc.pk]), {"reason": "差し替えのため"})
    client.post(
        reverse("documents:upload", args=[claim.number]),
        {"kind": "accident_report", "files": [pdf()]},
    )
    claim.refresh_from_db()
    assert Document.objects.filter(claim=claim, deleted_at__isnull=True).count() == on_file
    assert (claim.documents_complete_on, claim.payment_due_on) == (D(2023, 7, 1), D(2023, 7, 31))
    assert clock.payment_clock(claim).state == clock.OVERDUE
    assert claim in Claim.objects.filter(clock.overdue_q())


def test_deleting_a_document_never_clears_a_started_clock(alice):
    claim = overdue_awaiting_claim(alice)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.UNDER_ASSESSMENT)
    claim.refresh_from_db()
    doc = Document.objects.filter(claim=claim).latest("pk")
    doc_services.document_delete(document=doc, by=alice, reason="別の事故の事故連絡票")
    doc_services.document_upload(claim=claim, by=alice, files=[pdf()], kind="accident_report")
    claim.refresh_from_db()
    assert (claim.documents_complete_on, claim.payment_due_on) == (D(2023, 7, 1), D(2023, 7, 31))
    assert clock.payment_clock(claim).state == clock.OVERDUE


def test_a_handlers_extension_to_9999_12_31_with_reason_x_is_refused(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    with pytest.raises(ClaimError, match="監督者のみ"):
        payouts.payment_extend(claim=claim, by=alice, new_due_on=D(9999, 12, 31), reason="x")
    client.force_login(alice)
    client.post(
        reverse("approvals:extend", args=[claim.number]),
        {"extend-new_due_on": "9999-12-31", "extend-reason": "x"},
    )
    # a supervisor too needs a reason of substance and a date within 180 days
    with pytest.raises(ClaimError, match="10 文字以上"):
        payouts.payment_extend(claim=claim, by=carol, new_due_on=D(2023, 8, 31), reason="x")
    with pytest.raises(ClaimError, match="180 日以内"):
        payouts.payment_extend(
            claim=claim,
            by=carol,
            new_due_on=D(9999, 12, 31),
            reason="顧問先の損害額について第三者の鑑定が必要なため",
        )
    with pytest.raises(ClaimError, match="180 日以内"):
        payouts.payment_extend(
            claim=claim,
            by=carol,
            new_due_on=D(2024, 1, 28),  # 2023-07-31 + 181 days
            reason="顧問先の損害額について第三者の鑑定が必要なため",
        )
    claim.refresh_from_db()
    assert claim.payment_due_on == D(2023, 7, 31)
    assert not PaymentExtension.objects.exists()
    payouts.payment_extend(
        claim=claim,
        by=carol,
        new_due_on=D(2024, 1, 27),  # the last day allowed
        reason="顧問先の損害額について第三者の鑑定が必要なため",
    )
    claim.refresh_from_db()
    assert claim.payment_due_on == D(2024, 1, 27)


def test_the_panel_offers_extensions_to_supervisors_only(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    client.force_login(alice)
    assert (
        "支払期限を延長する"
        not in client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    )
    client.force_login(carol)
    page = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()
    assert "支払期限を延長する" in page


def test_a_supervisor_corrects_a_wrong_extension_with_a_trace(client, alice, carol, erin):
    claim = awaiting_claim(handler=alice)
    reason = "顧問先の損害額について第三者の鑑定が必要なため"
    payouts.payment_extend(claim=claim, by=carol, new_due_on=D(2024, 1, 27), reason=reason)

    # another supervisor sees the date was wrong (the letter said 2023-09-29): corrected
    client.force_login(erin)
    response = client.post(
        reverse("approvals:extend", args=[claim.number]),
        {
            "extend-new_due_on": "2023-09-29",
            "extend-reason": "書面で通知した期限は9月29日のため入力誤りを訂正",
            "extend-correct": "on",
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.payment_due_on == D(2023, 9, 29)
    first, correction = PaymentExtension.objects.filter(claim=claim).order_by("at", "pk")
    assert first.new_due_on == D(2024, 1, 27) and first.by == carol  # the wrong one stays
    assert correction.by == erin and correction.reason.startswith("【訂正】2024/01/27 → 2023/09/29")
    history = claim.history.filter(history_change_reason__contains="訂正").get()
    assert history.history_user == erin
    entries = [e for e in audit.claim_timeline(claim) if e.kind == "extension"]
    assert [e.action for e in entries] == ["訂正", "延長"]
    # a correction cannot go before the statutory date, nor be made by a handler
    with pytest.raises(ClaimError, match="法定の期限"):
        payouts.payment_extension_correct(
            claim=claim, by=erin, new_due_on=D(2023, 7, 30), reason=reason
        )
    with pytest.raises(ClaimError, match="監督者のみ"):
        payouts.payment_extension_correct(
            claim=claim, by=alice, new_due_on=D(2023, 7, 31), reason=reason
        )
    assert timezone.localdate() > claim.payment_due_on  # so the claim is overdue again
    assert clock.payment_clock(claim).state == clock.OVERDUE
