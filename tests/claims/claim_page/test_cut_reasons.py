"""Issue 15 item 6: every cut and every decision has a basis.

A client's damage recognized below what was claimed needs a written reason (with an optional
standard code) in the form, the service and the importer; covered lines cite the Q&A passage
they rest on; the approval page shows 請求額 / 認定額 / 差額 with the reason; the settlement
PDF prints the reason in the line's own cell.
"""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse

from claims import services
from claims.approvals import payouts
from claims.models import Claim, ClientDamage, Expense
from claims.services import ClaimError
from coverage import vocab
from documents.pdf_context import settlement_context
from tests.claims.approval_helpers import file_documents
from tests.conftest import make_claim, make_policy

pytestmark = pytest.mark.django_db
S = Claim.Status

CUT = {
    "add-damages-client_name": "株式会社山田製作所",
    "add-damages-kind": "business_interruption",
    "add-damages-description": "遅延損害金",
    "add-damages-claimed": "350,000",
    "add-damages-recognized": "300,000",
    "add-damages-legally_liable": "on",
    "add-damages-activity": "it_user_act",
    "add-damages-cause": "provider_attack",
}


@pytest.fixture
def claim(alice):
    return make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)


def add_damage(client, claim, data):
    return client.post(reverse("claims:item_add", args=[claim.number, "damages"]), data)


def cut_damage(claim, by, **extra):
    return services.item_create(
        claim=claim,
        section="damages",
        by=by,
        data={
            "client_name": "株式会社山田製作所",
            "kind": vocab.KIND_BUSINESS_INTERRUPTION,
            "description": "遅延損害金",
            "claimed": 350_000,
            "recognized": 300_000,
            "cut_reason_code": vocab.CUT_DUPLICATE,
            "cut_reason": "6月分の遅延損害金が二重に計上されていたため",
            **extra,
        },
    )


# --- the form, the service -----------------------------------------------------------------


def test_a_cut_without_a_reason_is_a_field_error_in_japanese(client, alice, claim):
    client.force_login(alice)
    response = add_damage(client, claim, CUT)
    html = response.content.decode()
    assert response.status_code == 400
    assert "認定額が請求額を 50,000円 下回っています。減額の理由を入力してください" in html
    # the message sits under the reason field itself
    field = html[html.index('name="add-damages-cut_reason"') :]
    assert "減額の理由を入力してください" in field[:1500]
    assert not ClientDamage.objects.filter(claim=claim).exists()


def test_a_cut_with_its_reason_and_code_is_saved_and_shown_on_the_claim_page(client, alice, claim):
    client.force_login(alice)
    data = {
        **CUT,
        "add-damages-cut_reason_code": "excessive",
        "add-damages-cut_reason": "遅延損害金の利率が契約の定めを超える部分",
    }
    assert add_damage(client, claim, data).status_code == 302
    damage = ClientDamage.objects.get(claim=claim)
    assert (damage.cut_reason_code, damage.cut_reason) == (
        vocab.CUT_EXCESSIVE,
        "遅延損害金の利率が契約の定めを超える部分",
    )
    html = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    row = html[html.index(f'id="damages-{damage.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "減額 50,000円" in row
    assert "過大請求 (Q1): 遅延損害金の利率が契約の定めを超える部分" in row


def test_the_service_refuses_a_cut_without_a_reason(alice, claim):
    with pytest.raises(ClaimError, match="減額の理由を入力してください"):
        cut_damage(claim, alice, cut_reason="", cut_reason_code=vocab.CUT_EXCESSIVE)
    assert not ClientDamage.objects.exists()


def test_no_cut_needs_no_reason_and_a_stale_reason_is_dropped(client, alice, claim):
    client.force_login(alice)
    data = {**CUT, "add-damages-recognized": "", "add-damages-cut_reason": "古い理由"}
    assert add_damage(client, claim, data).status_code == 302
    damage = ClientDamage.objects.get(claim=claim)
    assert damage.recognized == damage.claimed == 350_000
    assert damage.cut_reason == ""


def test_sending_to_approval_refuses_a_cut_that_has_no_reason(alice, claim):
    """A row from before the rule (or written past the form) still needs its reason."""
    ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社旧データ",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        claimed=200_000,
        recognized=150_000,
    )
    file_documents(claim, by=alice, stage="substantiation")
    with pytest.raises(ClaimError, match="減額の理由がありません: 株式会社旧データ"):
        services.claim_send_to_approval(claim=claim, by=alice)
    claim.refresh_from_db()
    assert claim.status == S.UNDER_ASSESSMENT


# --- covered lines cite their basis ---------------------------------------------------------


def test_covered_lines_cite_the_qa_passage_they_rest_on(client, alice, claim):
    damage = cut_damage(claim, alice)
    expense = services.item_create(
        claim=claim,
        section="expenses",
        by=alice,
        data={"category": vocab.CATEGORY_CUSTOMER_NOTIFICATION, "amount": 48_000},
    )
    overtime = services.item_create(
        claim=claim,
        section="overtime",
        by=alice,
        data={
            "employee": "山田花子",
            "minutes": 120,
            "hourly_rate": 2_000,
            "evidence": list(vocab.EVIDENCE_KINDS),
            "evidence_note": "勤怠・賃金台帳・日報の原本を窓口で確認",
        },
    )
    client.force_login(alice)
    html = client.get(reverse("claims:detail", args=[claim.number])).content.decode()

    def reasons_cell(row_id):
        row = html[html.index(f'id="{row_id}"') :]
        row = row[: row.index("</tr>")]
        return row[row.index('class="reasons') :]

    damage_cell = reasons_cell(f"damages-{damage.pk}")
    assert "法律上の損害賠償責任" in damage_cell and "Q2, Q3" in damage_cell
    expense_cell = reasons_cell(f"expenses-{expense.pk}")
    assert "約款に列挙された費用" in expense_cell and ">Q4<" in expense_cell
    overtime_cell = reasons_cell(f"overtime-{overtime.pk}")
    assert "超過勤務手当" in overtime_cell and "Q4, Q5" in overtime_cell
    for cell in (damage_cell, expense_cell, overtime_cell):
        assert "—" not in cell


def test_the_basis_lives_next_to_the_reason_vocabulary():
    assert vocab.covered_basis(vocab.SECTION_DAMAGES).qa.startswith("Q2")
    assert vocab.covered_basis(vocab.SECTION_EXPENSES).qa == "Q4"
    assert "Q5" in vocab.covered_basis(vocab.SECTION_OVERTIME).qa
    assert set(vocab.CUT_REASONS.values()) == {
        "過大請求",
        "因果関係なし",
        "重複請求",
        "証憑不足",
        "契約上の責任範囲外",
        "その他",
    }


# --- the approval page -----------------------------------------------------------------------


def awaiting_with_cut(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    cut_damage(claim, alice)
    services.item_create(
        claim=claim,
        section="damages",
        by=alice,
        data={
            "client_name": "有限会社川口商店",
            "kind": vocab.KIND_BUSINESS_INTERRUPTION,
            "claimed": 120_000,
            "recognized": 120_000,
        },
    )
    file_documents(claim, by=alice)
    services.claim_send_to_approval(claim=claim, by=alice)
    return claim


def test_the_approval_page_shows_claimed_recognized_difference_and_reason(client, alice, carol):
    claim = awaiting_with_cut(alice)
    client.force_login(carol)
    html = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "請求額 350,000円 / 認定額 300,000円 / 差額 50,000円" in text
    assert "減額の理由: 重複請求 (Q1): 6月分の遅延損害金が二重に計上されていたため" in text
    assert "請求額 120,000円 / 認定額 120,000円 / 差額 0円" in text
    assert "法律上の損害賠償責任" in text  # the covered lines' basis


def test_an_approved_claim_shows_the_reason_from_its_snapshot(client, alice, carol):
    claim = awaiting_with_cut(alice)
    payouts.payout_approve(claim=claim, by=carol, amount=420_000)
    client.force_login(carol)
    html = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()
    snapshot = re.sub(r"<[^>]+>", "", html[html.index('id="snapshot"') :])
    assert "請求額 350,000円 / 認定額 300,000円 / 差額 50,000円" in snapshot
    assert "6月分の遅延損害金が二重に計上されていたため" in snapshot


# --- the settlement PDF ------------------------------------------------------------------------


def test_the_pdf_prints_the_reason_in_the_lines_own_cell_and_keeps_its_rows(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    damage = cut_damage(claim, alice)
    Expense.objects.create(claim=claim, category=vocab.CATEGORY_CALL_CENTER, amount=90_000)
    before = render_to_string(
        "documents/pdf/settlement_summary.html", settlement_context(claim)
    ).count("<tr")
    context = settlement_context(claim)
    (line,) = context["groups"][0]["lines"]
    assert line["detail"].endswith(
        "／ 減額理由: 重複請求 (Q1): 6月分の遅延損害金が二重に計上されていたため"
    )
    html = render_to_string("documents/pdf/settlement_summary.html", context)
    # covered lines cite their basis once per group, in the group's heading row
    assert "顧問先の損害 (賠償責任) — 支払対象の根拠: 法律上の損害賠償責任 (Q2, Q3)" in html
    assert "費用 — 支払対象の根拠: 約款に列挙された費用 (Q4)" in html
    row = html[html.index("株式会社山田製作所") :]
    row = row[: row.index("</tr>")]
    assert "6月分の遅延損害金が二重に計上されていたため" in row  # same row, same cell count
    assert row.count("<td") == 3  # the description cell, then the three others
    ClientDamage.objects.filter(pk=damage.pk).update(
        recognized=350_000, cut_reason="", cut_reason_code=""
    )
    after = render_to_string(
        "documents/pdf/settlement_summary.html", settlement_context(claim)
    ).count("<tr")
    assert before == after


# --- the importer ------------------------------------------------------------------------------


def _jsonl(tmp_path, damage):
    policy = make_policy()
    line = {
        "external_ref": "CUT-1",
        "policy_number": policy.number,
        "incident_provider": "株式会社エムケイシステム",
        "incident_date": "2023-06-05",
        "noticed_on": "2023-06-06",
        "damages": [damage],
    }
    path = tmp_path / "cut.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _import(path):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_claims", str(path), "--by", "alice", stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue() + str(exc)
    return True, err.getvalue()


def test_the_importer_requires_the_reason_of_a_cut(tmp_path, alice):
    damage = {"client_name": "甲社", "kind": "business_interruption", "claimed": 9, "recognized": 5}
    ok, err = _import(_jsonl(tmp_path, damage))
    assert not ok
    assert "[CUT-1] damages[0].cut_reason: 認定額が請求額を 4円 下回っています" in err
    assert not Claim.objects.filter(external_ref="CUT-1").exists()


def test_the_importer_stores_the_reason_and_checks_the_code(tmp_path, alice):
    damage = {
        "client_name": "甲社",
        "kind": "business_interruption",
        "claimed": 9,
        "recognized": 5,
        "cut_reason_code": "bogus",
        "cut_reason": "重複分",
    }
    ok, err = _import(_jsonl(tmp_path, damage))
    assert not ok and "damages[0].cut_reason_code:" in err
    damage["cut_reason_code"] = "duplicate"
    ok, err = _import(_jsonl(tmp_path, damage))
    assert ok, err
    stored = ClientDamage.objects.get(claim__external_ref="CUT-1")
    assert (stored.cut_reason_code, stored.cut_reason) == ("duplicate", "重複分")
