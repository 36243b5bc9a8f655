"""In the browser, at 1366×768 (the desk's screen): what the README's screenshots showed cut
or broken (#18). Names and short labels stay whole, a hint or a chosen option is not cut at
its field's edge, a table stays inside its column.

The same checks a claims handler makes looking at docs/screenshots/ (bin/screenshots.py).
"""

import pytest

from claims.models import ClientDamage, OvertimeEntry
from claims.services import claim_refresh_totals
from coverage import vocab
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_claim, make_policy
from tests.documents import hostile
from tests.e2e.conftest import login
from tests.e2e.test_queue_and_duplicates import BROKEN_TEXT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The text a field shows (its placeholder, or a select's chosen option) wider than the room
# the field gives it: it is drawn cut at the field's edge.
CUT_IN_FIELD = """(selector) => {
  const canvas = document.createElement("canvas").getContext("2d");
  const cut = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.offsetParent) continue;
    const text = el.tagName === "SELECT"
      ? (el.selectedOptions[0] || {}).textContent || ""
      : el.value ? "" : el.placeholder || "";
    if (!text.trim()) continue;
    const style = getComputedStyle(el);
    canvas.font = style.font;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (canvas.measureText(text.trim()).width > room + 0.5) cut.push(text.trim());
  }
  return cut;
}"""

# Tables wider than the block they sit in (outside a sideways-scrolling wrapper).
SPILLED_TABLES = """() => {
  const spilled = [];
  for (const table of document.querySelectorAll("main table, table")) {
    if (!table.offsetParent || table.closest(".table-responsive")) continue;
    const room = table.parentElement.getBoundingClientRect();
    const box = table.getBoundingClientRect();
    if (box.right > room.right + 1) spilled.push(table.closest("[id]")?.id || table.className);
  }
  return [...new Set(spilled)];
}"""

CUT = "遅延損害金を契約所定の年14.6%で再計算 (請求は年20%で算定)"


@pytest.mark.parametrize("width", [780, 911])  # 1366 px at 175 % and 150 %
def test_at_150_and_175_percent_zoom_a_supervisors_menu_folds_not_widening_the_page(
    page, carol, width
):
    """Below lg the navigation folds behind its menu button: a supervisor's longer menu
    (承認待ち, 担当者別) laid out in one row pushed the page 70-200 px sideways."""
    page.set_viewport_size({"width": width, "height": width * 9 // 16})
    login(page, "carol")
    for url in ("/claims/", "/approvals/"):
        page.goto(url)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, url
        assert page.get_by_role("button", name="メニュー").is_visible()


def test_the_queue_shows_its_search_hint_whole(page, alice):
    make_claim(created_by=alice, handler=alice)
    login(page, "alice")
    page.goto("/claims/")
    assert page.evaluate(CUT_IN_FIELD, "input[placeholder]") == []


def test_upload_rows_show_each_files_kind_and_target_whole(page, alice):
    claim = make_claim(created_by=alice, handler=alice)
    entry = OvertimeEntry.objects.create(
        claim=claim,
        employee="佐々木 健",
        minutes=90,
        hourly_rate=1800,
        work_date="2023-06-09",
        evidence=[],
    )
    OvertimeEntry.objects.create(
        claim=claim, employee="山田 花子", minutes=300, hourly_rate=2100, work_date="2023-06-28"
    )
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    form = page.locator("form[data-upload-form]")
    pdf = hostile.PDF_BYTES
    names = ["勤怠記録_6月.pdf", "賃金台帳_2023.pdf", "業務日報_6月.png"]
    form.locator("input[name=files]").set_input_files(
        [{"name": n, "mimeType": "application/pdf", "buffer": pdf} for n in names]
    )
    for name in names:
        form.get_by_label(f"対象: {name}").select_option(f"o{entry.pk}")
    assert form.get_by_label(f"対象: {names[0]}").input_value() == f"o{entry.pk}"
    # 超過勤務 佐々木 健 2023/06/09・90分 reads whole: the two entries of one person differ
    # only in the date
    assert page.evaluate(CUT_IN_FIELD, "[data-file-row] select") == []


def test_the_claim_page_keeps_a_clients_name_whole_beside_a_reduced_line(page, alice):
    claim = make_claim(created_by=alice, handler=alice)
    ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社北村食品",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        description="従業員への説明対応費用",
        claimed=2_400_000,
        recognized=2_395_000,
        cut_reason_code=vocab.CUT_EXCESSIVE,
        cut_reason="顧問先の請求明細のうち、事務手数料の重複計上分を減額",
        created_by=alice,
        updated_by=alice,
    )
    claim_refresh_totals(claim=claim)
    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    assert page.evaluate(BROKEN_TEXT, "#damages tbody td:first-child") == []
    assert page.evaluate(SPILLED_TABLES) == []


def test_the_approval_page_keeps_each_lines_section_whole(page, alice, erin):
    claim = awaiting_claim(handler=alice, pending=True)
    damage = claim.damages.get()
    ClientDamage.objects.filter(pk=damage.pk).update(
        claimed=damage.claimed + 2_500_000,
        cut_reason_code=vocab.CUT_EXCESSIVE,
        cut_reason=CUT,
        description="給与支払遅延による損害賠償 (遅延損害金を含む)",
    )
    claim_refresh_totals(claim=claim)
    login(page, "erin")
    page.goto(f"/approvals/{claim.number}/")
    sections = "table tbody td:first-child"  # 損害, 費用, 超過勤務
    assert page.locator(sections).all_inner_texts()[:3] == ["損害", "費用", "超過勤務"]
    assert page.evaluate(BROKEN_TEXT, f"{sections}, th") == []
    # 請求額 / 認定額 / 差額 each stay with their amount
    assert page.evaluate(BROKEN_TEXT, ".cut-line > span") == []
    assert page.locator(".cut-line > span").all_inner_texts() == [
        "請求額 3,700,000円",
        "認定額 1,200,000円",
        "差額 2,500,000円",
    ]
    # the status reads as on the claim page and in the queue (one colour per status)
    assert page.locator("[data-status=awaiting_approval].status-awaiting").count() == 1


def test_the_incident_register_keeps_plan_names_whole(page, alice, carol, mk_incident):
    for code in ("cyber_standard", "leak_only_30m", "leak_only_5m"):
        make_claim(created_by=alice, handler=alice, policy=make_policy(code), total_claimed=10)
    login(page, "carol")
    page.goto(f"/incidents/{mk_incident.pk}/")
    plans = page.locator("td.small").all_inner_texts()
    assert "サイバーリスク保険 情報漏えい限定補償プラン (3,000万円タイプ)" in plans
    assert page.evaluate(BROKEN_TEXT, "td.small") == []
    assert page.evaluate(SPILLED_TABLES) == []
