"""Documents per file (#18): each file of a batch with its own kind and target, all or
nothing; 種類・対象を変更 on a stored document, kept in its history; one way to ask for
documents (a preview with a message and a 回答期限)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.approvals import four_eyes
from claims.models import Claim
from claims.services import ClaimError
from documents import checklist, services
from documents.models import Document, DocumentRequest
from tests.conftest import make_claim
from tests.documents.doc_helpers import add_damage, add_expense, add_overtime, pdf, png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
S = Claim.Status
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def claim(alice):
    claim = make_claim(created_by=alice, handler=alice)
    add_damage(claim, client="株式会社A")
    add_expense(claim)
    add_overtime(claim)
    return claim


def upload_url(claim):
    return reverse("documents:upload", args=[claim.number])


def satisfied(claim):
    return {i.key for i in checklist.claim_checklist(claim).items if i.satisfied}


def test_three_files_three_kinds_in_one_upload_fill_three_checklist_items(client, alice, claim):
    ot = claim.overtime_entries.get()
    client.force_login(alice)

    response = client.post(
        upload_url(claim),
        {
            "files": [pdf("勤怠記録_6月.pdf"), pdf("賃金台帳.pdf"), png("業務日報.png")],
            "kind_0": "attendance_record",
            "target_0": f"o{ot.pk}",
            "kind_1": "wage_basis",
            "target_1": f"o{ot.pk}",
            "kind_2": "task_record",
            "target_2": f"o{ot.pk}",
        },
    )

    assert response.status_code == 302
    kinds = dict(claim.documents.values_list("original_name", "kind"))
    assert kinds == {
        "勤怠記録_6月.pdf": "attendance_record",
        "賃金台帳.pdf": "wage_basis",
        "業務日報.png": "task_record",
    }
    assert {f"{k}:o{ot.pk}" for k in ("attendance_record", "wage_basis", "task_record")} <= (
        satisfied(claim)
    )


def test_a_stored_document_names_its_overtime_entry_with_the_full_work_date(client, alice, claim):
    ot = claim.overtime_entries.get()
    services.document_upload(
        claim=claim,
        by=alice,
        files=[pdf("勤怠記録_6月.pdf")],
        kind="attendance_record",
        overtime_entries=[ot],
    )
    client.force_login(alice)
    html = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    row = html.split("data-document=", 1)[1].split("</li>", 1)[0]
    assert "山田花子 2023/06/06 ·" in row  # the date as everywhere on the desk, not 6/6


def test_a_wrong_kind_in_one_row_refuses_the_whole_batch(client, alice, claim, media):
    damage = claim.damages.get()
    client.force_login(alice)

    response = client.post(
        upload_url(claim),
        {
            "files": [pdf("契約書.pdf"), pdf("保険金請求書.pdf")],
            "kind_0": "service_contract",
            "target_0": f"d{damage.pk}",
            "kind_1": "no_such_kind",
        },
        **XHR,
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == [
        {"name": "保険金請求書.pdf", "message": "書類の種類を選んでください。", "field": "kind_1"}
    ]
    assert not Document.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))  # nothing half-saved


def test_a_row_linked_to_a_target_its_kind_cannot_have_refuses_the_batch(alice, claim):
    damage = claim.damages.get()
    rows = [
        services.UploadRow(pdf("事故連絡票.pdf"), "accident_report"),
        services.UploadRow(pdf("勤怠.pdf"), "attendance_record", damage=damage),
    ]
    with pytest.raises(services.UploadRejected) as exc:
        services.document_upload_rows(claim=claim, by=alice, rows=rows)
    assert exc.value.errors == [("勤怠.pdf", "「勤怠記録」は顧問先の損害に紐付けられません。")]
    assert not Document.objects.exists()


def test_bob_cannot_upload_on_alices_claim(client, bob, claim):
    client.force_login(bob)
    response = client.post(
        upload_url(claim), {"files": [pdf("契約書.pdf")], "kind_0": "service_contract"}
    )
    assert response.status_code in (403, 404)
    assert not Document.objects.exists()


def test_without_javascript_one_kind_for_the_batch_still_works(client, alice, claim):
    client.force_login(alice)
    client.post(
        upload_url(claim),
        {"files": [pdf("a.pdf"), pdf("b.pdf")], "kind": "accident_report", "target": ""},
    )
    assert set(claim.documents.values_list("kind", flat=True)) == {"accident_report"}
    assert claim.documents.count() == 2


# --- 種類・対象を変更 ------------------------------------------------------------------


@pytest.fixture
def misfiled(alice, claim):
    """賃金台帳 filed as 勤怠記録 (the issue's case)."""
    ot = claim.overtime_entries.get()
    (doc,) = services.document_upload(
        claim=claim,
        by=alice,
        files=[pdf("賃金台帳.pdf")],
        kind="attendance_record",
        overtime_entries=[ot],
    )
    return doc


def reclassify_url(doc):
    return reverse("documents:reclassify", args=[doc.pk])


def test_reclassify_moves_the_checklist_mark_and_is_kept_in_the_history(
    client, alice, claim, misfiled
):
    ot = claim.overtime_entries.get()
    assert f"attendance_record:o{ot.pk}" in satisfied(claim)
    client.force_login(alice)

    response = client.post(
        reclassify_url(misfiled),
        {"kind": "wage_basis", "target": f"o{ot.pk}", "reason": "種類の選び間違い"},
        follow=True,
    )

    assert "「賃金台帳.pdf」を「賃金台帳・給与計算資料」に変更しました" in response.content.decode()
    now = satisfied(claim)
    assert f"wage_basis:o{ot.pk}" in now and f"attendance_record:o{ot.pk}" not in now
    last, previous = misfiled.history.all()[:2]
    assert last.history_user == alice and last.kind == "wage_basis"
    assert previous.kind == "attendance_record"
    assert last.history_change_reason == "種類・対象を変更: 種類の選び間違い"
    # the claim page's history tells who changed what, from what, and why
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "種類・対象を変更: 種類の選び間違い" in page


def test_a_request_after_a_reclassify_asks_only_for_what_is_missing(alice, claim, misfiled):
    ot = claim.overtime_entries.get()
    services.document_reclassify(document=misfiled, by=alice, kind="wage_basis", overtime_entry=ot)
    req = services.documents_request(claim=claim, by=alice)
    keys = {i["key"] for i in req.items}
    assert f"wage_basis:o{ot.pk}" not in keys and f"attendance_record:o{ot.pk}" in keys


def test_bob_cannot_reclassify_on_alices_claim(client, bob, misfiled):
    client.force_login(bob)
    response = client.post(reclassify_url(misfiled), {"kind": "wage_basis"})
    assert response.status_code == 404
    with pytest.raises(ClaimError, match="権限がありません"):
        services.document_reclassify(document=misfiled, by=bob, kind="wage_basis")
    misfiled.refresh_from_db()
    assert misfiled.kind == "attendance_record"


def test_reclassify_is_refused_while_the_claim_awaits_approval(alice, claim, misfiled):
    Claim.objects.filter(pk=claim.pk).update(status=S.AWAITING_APPROVAL)
    with pytest.raises(ClaimError, match="承認待ちの事故の書類は変更できません"):
        services.document_reclassify(document=misfiled, by=alice, kind="wage_basis")
    misfiled.refresh_from_db()
    assert misfiled.kind == "attendance_record"


def test_reclassify_refuses_a_target_its_kind_cannot_have(client, alice, claim, misfiled):
    damage = claim.damages.get()
    client.force_login(alice)
    response = client.post(
        reclassify_url(misfiled), {"kind": "wage_basis", "target": f"d{damage.pk}"}, follow=True
    )
    assert "は顧問先の損害に紐付けられません" in response.content.decode()
    misfiled.refresh_from_db()
    assert misfiled.kind == "attendance_record" and misfiled.damage is None


def test_a_supervisor_who_reclassified_a_document_may_not_approve(carol, misfiled):
    claim = misfiled.claim
    Claim.objects.filter(pk=claim.pk).update(handler=None)  # the pool: carol may edit it
    claim.refresh_from_db()
    assert carol.pk not in four_eyes.money_touchers(claim)

    services.document_reclassify(document=misfiled, by=carol, kind="wage_basis")

    assert four_eyes.money_touchers(claim)[carol.pk] == four_eyes.DOCUMENTS
    assert "書類を登録・変更・削除した" in four_eyes.four_eyes_conflict(claim=claim, user=carol)


# --- one way to ask for documents -----------------------------------------------------


def test_the_request_page_previews_the_missing_items_then_records_message_and_due_date(
    client, alice, claim
):
    client.force_login(alice)
    url = reverse("documents:request", args=[claim.number])
    missing = checklist.claim_checklist(claim).missing

    page = client.get(url).content.decode()
    assert f"依頼する書類 ({len(missing)}件)" in page
    for item in missing:
        assert f'data-item="{item.key}"' in page
    due = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(url, {"message": "勤怠を先に", "due_on": due.isoformat()})

    req = DocumentRequest.objects.get(claim=claim)
    assert response["Location"] == reverse("documents:request_letter", args=[req.pk])
    assert req.due_on == due and req.message == "勤怠を先に"
    assert [i["key"] for i in req.items] == [i.key for i in missing]
    letter = client.get(response["Location"]).content.decode()
    assert f"ご提出期限: {due.year}年{due.month}月{due.day}日" in letter


def test_a_due_date_in_the_past_is_refused(client, alice, claim):
    client.force_login(alice)
    url = reverse("documents:request", args=[claim.number])
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(url, {"due_on": past.isoformat()})
    assert response.status_code == 400
    assert "回答期限は今日以降の日付にしてください" in response.content.decode()
    assert not DocumentRequest.objects.exists()


def test_bob_cannot_ask_for_documents_on_alices_claim(client, bob, claim):
    client.force_login(bob)
    url = reverse("documents:request", args=[claim.number])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert not DocumentRequest.objects.exists()


def test_the_header_and_the_documents_card_open_the_same_request_page(client, alice, claim):
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    url = reverse("documents:request", args=[claim.number])
    assert page.count(f'href="{url}" data-request-documents') == 2
