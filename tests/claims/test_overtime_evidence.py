"""One truth for evidence (issue 15, item 5): the overtime row shows the Q5 evidence on file.

The marks name each kind (勤怠記録 / 賃金根拠 / 業務記録) and say whether a linked document is
on file, the handler only ticked it, or it is missing, the same way the engine counts them.
A tick with no file of that kind needs a note; the approval page lists those in a warning.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from claims import services
from claims.models import Claim, OvertimeEntry
from claims.services import ClaimError
from documents.models import Document
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
ALL = ["attendance_record", "wage_basis", "task_record"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def entry_of(claim, by, **fields):
    fields = {"minutes": 150, "hourly_rate": 2100, "evidence": [], **fields}
    return OvertimeEntry.objects.create(
        claim=claim, employee="山田花子", created_by=by, updated_by=by, **fields
    )


def link(entry, kind, by, name=None):
    return Document.objects.create(
        claim=entry.claim,
        kind=kind,
        file=ContentFile(b"%PDF-1.4", name="x.pdf"),
        original_name=name or f"{kind}.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        uploaded_by=by,
        overtime_entry=entry,
    )


def evidence_cell(html, entry) -> str:
    row = html.split(f'id="overtime-{entry.pk}"', 1)[1].split("</tr>", 1)[0]
    cell = row.split('class="small evidence', 1)[1].split("</td>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()


def test_the_row_shows_the_linked_files_by_name_not_only_the_ticks(client, alice):
    """Three linked uploads make the entry payable: the row says so (it showed ✗ ✗ ✗)."""
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    entry = entry_of(claim, alice)
    for kind in ALL:
        link(entry, kind, alice)
    services.claim_refresh_totals(claim=claim)
    client.force_login(alice)
    html = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    cell = evidence_cell(html, entry)
    assert "勤怠記録: ファイル1件" in cell
    assert "賃金根拠: ファイル1件" in cell
    assert "業務記録: ファイル1件" in cell
    assert "✗" not in cell and "✖" not in cell
    assert claim.total_payable == 6_563  # 150 × 2,100 × 1.25 ÷ 60 = 6,562.5 -> 6,563


def test_the_row_tells_filed_ticked_and_missing_apart(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    entry = entry_of(claim, alice, evidence=["wage_basis"], evidence_note="賃金台帳の原本を確認")
    link(entry, "attendance_record", alice)
    old_row = entry_of(claim, alice, evidence=["task_record"])  # ticked before notes existed
    client.force_login(alice)
    html = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    cell = evidence_cell(html, entry)
    assert "勤怠記録: ファイル1件" in cell
    assert "賃金根拠: ファイルなし・確認のみ" in cell
    assert "業務記録: 未提出" in cell
    assert "確認方法: 賃金台帳の原本を確認" in cell
    assert 'data-evidence="wage_basis" data-state="ticked"' in html
    assert "業務記録: ファイルなし・確認のみ 確認方法の記録なし" in evidence_cell(html, old_row)


def edit(client, claim, entry, evidence, note=""):
    data = {
        "edit-overtime-employee": entry.employee,
        "edit-overtime-minutes": str(entry.minutes),
        "edit-overtime-hourly_rate": str(entry.hourly_rate),
        "edit-overtime-premium": "1.25",
        "edit-overtime-task": "incident_response",
        "edit-overtime-overtime_eligible": "on",
        "edit-overtime-cause": "provider_attack",
        "edit-overtime-evidence": evidence,
        "edit-overtime-evidence_note": note,
    }
    return client.post(reverse("claims:item_edit", args=[claim.number, "overtime", entry.pk]), data)


def test_ticking_without_a_file_needs_a_note_which_is_recorded(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    entry = entry_of(claim, alice)
    link(entry, "attendance_record", alice)
    client.force_login(alice)

    # a kind on file needs no tick and no note
    assert edit(client, claim, entry, ["attendance_record"]).status_code == 302

    # one with no file does: refused at the note field, naming the kinds, nothing saved
    response = edit(client, claim, entry, ALL)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error_1_id_edit-overtime-evidence_note"' in html
    assert "賃金根拠・業務記録 はファイルが登録されていません" in html
    entry.refresh_from_db()
    assert entry.evidence == ["attendance_record"]
    claim.refresh_from_db()
    assert claim.pending_items == 1

    # with the note it is saved, with who wrote it and when
    assert edit(client, claim, entry, ALL, "日報・賃金台帳を来社時に原本確認").status_code == 302
    entry.refresh_from_db()
    assert entry.evidence == ALL
    assert entry.evidence_note == "日報・賃金台帳を来社時に原本確認"
    assert entry.evidence_note_by == alice and entry.evidence_note_at is not None
    claim.refresh_from_db()
    assert (claim.pending_items, claim.total_payable) == (0, 6_563)
    # the audit trail keeps it, in Japanese
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    timeline = page.split('id="timeline"', 1)[1]
    note = 'ファイルなしで確認した証憑の確認方法: <span class="text-muted">—</span> → <strong>'
    assert note + "日報・賃金台帳を来社時に原本確認" in timeline
    assert (
        '確認方法の記録者: <span class="text-muted">—</span> → <strong>佐藤 愛子 (alice)'
        in timeline
    )
    assert "evidence note" not in timeline


def test_the_service_refuses_a_tick_without_a_file_or_note(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    with pytest.raises(ClaimError, match="確認方法"):
        services.item_create(
            claim=claim,
            section="overtime",
            by=alice,
            data={"employee": "山田花子", "minutes": 60, "hourly_rate": 2000, "evidence": ALL},
        )
    assert not OvertimeEntry.objects.exists()


def test_the_approval_page_warns_of_evidence_confirmed_without_a_file(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    ticked = entry_of(
        claim,
        alice,
        evidence=ALL,
        evidence_note="勤怠・賃金台帳・日報を来社時に原本確認 (コピー不可)",
        evidence_note_by=alice,
        evidence_note_at=datetime.datetime(2023, 7, 3, 10, 0, tzinfo=datetime.UTC),
        work_date=datetime.date(2023, 6, 7),
    )
    filed = OvertimeEntry.objects.create(
        claim=claim, employee="鈴木", minutes=60, hourly_rate=2000, evidence=[]
    )
    for kind in ALL:
        link(filed, kind, alice)
    services.claim_refresh_totals(claim=claim)
    client.force_login(carol)
    html = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()
    assert 'id="unfiled-evidence"' in html
    panel = html.split('id="unfiled-evidence"', 1)[1].split("</section>", 1)[0]
    assert "alert-warning" in html.split('id="unfiled-evidence"', 1)[0][-200:]
    assert "ファイルなしで確認された証憑 (Q5) — 1件" in panel
    assert f'data-unfiled="o{ticked.pk}"' in panel
    assert "山田花子 2023/06/07 150分" in panel
    assert "勤怠記録・賃金根拠・業務記録" in panel
    assert "勤怠・賃金台帳・日報を来社時に原本確認 (コピー不可)" in panel
    assert "佐藤 愛子" in panel or "佐藤愛子" in panel  # who confirmed
    assert "鈴木" not in panel  # on file: not listed


def test_the_admin_cannot_tick_evidence_without_a_file_or_note_either(client, alice, dave):
    """Items change only through the desk's services: the admin's change form refuses the
    post outright (issue 16), so no tick can slip past the note rule there."""
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    entry = entry_of(claim, alice, minutes=60, hourly_rate=2000)
    client.force_login(dave)
    url = reverse("admin:claims_overtimeentry_change", args=[entry.pk])
    data = {
        "claim": claim.pk,
        "cause": "provider_attack",
        "employee": "山田花子",
        "minutes": "60",
        "hourly_rate": "2000",
        "premium": "1.255",
        "task": "incident_response",
        "overtime_eligible": "on",
        "evidence": '["wage_basis"]',
        "evidence_note": "",
        "created_by": alice.pk,
        "updated_by": alice.pk,
    }
    for note in ("", "原本確認"):
        response = client.post(url, dict(data, evidence_note=note))
        assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.evidence, entry.evidence_note) == ([], "")
    # the model's own rule still holds for any other writer (forms, services, imports)
    entry.evidence = ["wage_basis"]
    with pytest.raises(ValidationError, match="賃金根拠 はファイルが登録されていません"):
        entry.full_clean()
