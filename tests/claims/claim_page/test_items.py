"""Adding, changing and deleting a claim's damages, expenses and overtime entries."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClientDamage, Expense, OvertimeEntry
from claims.services import ClaimError
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status

DAMAGE = {
    "add-damages-client_name": "株式会社山田製作所",
    "add-damages-kind": "business_interruption",
    "add-damages-description": "遅延損害金",
    "add-damages-claimed": "120,000",
    "add-damages-recognized": "100000",
    "add-damages-cut_reason": "遅延損害金の重複計上分",  # 認定額 < 請求額 needs its reason
    "add-damages-legally_liable": "on",
    "add-damages-activity": "it_user_act",
    "add-damages-cause": "provider_attack",
}
EXPENSE = {
    "add-expenses-category": "customer_notification",
    "add-expenses-description": "お詫び状",
    "add-expenses-amount": "50000",
    "add-expenses-incurred_on": "2023-06-20",
    "add-expenses-cause": "provider_attack",
}
OVERTIME = {
    "add-overtime-employee": "山田花子",
    "add-overtime-work_date": "2023-06-07",
    "add-overtime-minutes": "150",
    "add-overtime-hourly_rate": "2100",
    "add-overtime-premium": "1.25",
    "add-overtime-task": "incident_response",
    "add-overtime-overtime_eligible": "on",
    "add-overtime-evidence": ["attendance_record", "wage_basis"],
    "add-overtime-evidence_note": "勤怠記録・賃金台帳の原本を来社時に確認",
    "add-overtime-cause": "provider_attack",
}


@pytest.fixture
def claim(alice):
    return make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)


def add(client, claim, section, data, **headers):
    return client.post(reverse("claims:item_add", args=[claim.number, section]), data, **headers)


def test_adding_the_three_kinds_keeps_the_queue_totals_current(client, alice, claim):
    client.force_login(alice)
    assert add(client, claim, "damages", DAMAGE).status_code == 302
    assert add(client, claim, "expenses", EXPENSE).status_code == 302
    assert add(client, claim, "overtime", OVERTIME).status_code == 302
    damage = ClientDamage.objects.get(claim=claim)
    assert (damage.claimed, damage.recognized, damage.created_by) == (120_000, 100_000, alice)
    entry = OvertimeEntry.objects.get(claim=claim)
    assert entry.evidence == ["attendance_record", "wage_basis"]
    claim.refresh_from_db()
    # 150 min × 2,100 × 1.25 ÷ 60 = 6,562.5 -> 6,563 (pending: no task record yet)
    assert claim.total_claimed == 120_000 + 50_000 + 6_563
    assert claim.total_payable == 100_000 + 50_000
    assert claim.pending_items == 1


def test_ticking_the_missing_evidence_makes_the_overtime_covered(client, alice, claim):
    client.force_login(alice)
    add(client, claim, "overtime", OVERTIME)
    entry = OvertimeEntry.objects.get(claim=claim)
    data = {k.replace("add-", "edit-"): v for k, v in OVERTIME.items()}
    data["edit-overtime-evidence"] = ["task_record", "attendance_record", "wage_basis"]
    response = client.post(
        reverse("claims:item_edit", args=[claim.number, "overtime", entry.pk]), data
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.evidence == ["attendance_record", "wage_basis", "task_record"]
    assert entry.updated_by == alice
    claim.refresh_from_db()
    assert (claim.total_payable, claim.pending_items) == (6_563, 0)


def test_htmx_add_returns_the_live_part_with_new_totals(client, alice, claim):
    client.force_login(alice)
    response = add(client, claim, "expenses", EXPENSE, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="claim-live"' in html and "<nav" not in html
    assert 'id="total-payable">50,000円' in html
    assert "費用を追加しました" in html


def test_htmx_add_also_refreshes_the_documents_panel_and_timeline(client, alice, claim):
    """The checklist and the history follow an item change without a reload."""
    client.force_login(alice)
    response = add(client, claim, "expenses", EXPENSE, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<div id="documents-slot" hx-swap-oob="true">' in html
    assert '<section class="mt-3" id="timeline" hx-swap-oob="true">' in html
    documents_part = html.split('id="documents-slot"', 1)[1].split('id="payout-slot"', 1)[0]
    assert "支出費用明細" in documents_part  # an expense now needs the cost statement
    timeline_part = html.split('id="timeline"', 1)[1]
    assert "費用" in timeline_part and "佐藤" in timeline_part


def test_htmx_edit_form_opens_in_place(client, alice, claim):
    client.force_login(alice)
    add(client, claim, "expenses", EXPENSE)
    expense = Expense.objects.get(claim=claim)
    response = client.get(
        reverse("claims:item_edit", args=[claim.number, "expenses", expense.pk]),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="edit-expenses-amount"' in html and 'value="50,000"' in html


@pytest.mark.parametrize(
    ("section", "field", "value", "message"),
    [
        ("damages", "claimed", "-5", "金額にマイナスは入力できません"),
        ("damages", "claimed", "1200.5", "円未満の端数は入力できません"),
        ("damages", "claimed", "十万", "金額は円単位の整数で入力してください"),
        ("damages", "claimed", "1000000000001", "1,000,000,000,000 円以下"),
        ("damages", "claimed", "1,5", "桁区切りのカンマの位置が正しくありません"),
        ("damages", "claimed", "12,34,567", "桁区切りのカンマの位置が正しくありません"),
        ("expenses", "amount", "１，５", "桁区切りのカンマの位置が正しくありません"),
        ("overtime", "minutes", "1,50", "桁区切りのカンマの位置が正しくありません"),
        ("damages", "recognized", "130000", "認定額は請求額を超えられません"),
        ("damages", "kind", "earthquake", "選択肢から選んでください"),
        ("damages", "client_name", "", "顧問先を入力してください"),
        ("expenses", "amount", "-1", "金額にマイナスは入力できません"),
        ("expenses", "category", "lunch", "選択肢から選んでください"),
        ("expenses", "incurred_on", "2999-12-31", "未来の日付は入力できません"),
        ("expenses", "incurred_on", "昨日", "YYYY-MM-DD"),
        ("overtime", "minutes", "100001", "0〜100,000 分の範囲"),
        ("overtime", "minutes", "-10", "時間にマイナスは入力できません"),
        ("overtime", "minutes", "90.5", "分未満の端数"),
        ("overtime", "premium", "0.9", "割増率は 1 以上"),
        ("overtime", "premium", "abc", "割増率は 1.25 のような数"),
        ("overtime", "work_date", "2999-01-01", "未来の日付は入力できません"),
        ("overtime", "evidence", ["selfie"], "証憑の種類を選択肢から選んでください"),
        ("overtime", "task", "coffee", "選択肢から選んでください"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_saved(
    client, alice, claim, section, field, value, message
):
    data = dict({"damages": DAMAGE, "expenses": EXPENSE, "overtime": OVERTIME}[section])
    data[f"add-{section}-{field}"] = value
    client.force_login(alice)
    response = add(client, claim, section, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="error_1_id_add-{section}-{field}"' in html  # crispy puts it by the field
    assert not ClientDamage.objects.exists()
    assert not Expense.objects.exists()
    assert not OvertimeEntry.objects.exists()


def test_full_width_digits_and_yen_sign_are_accepted(client, alice, claim):
    client.force_login(alice)
    data = dict(EXPENSE, **{"add-expenses-amount": "１２，３４５円"})
    assert add(client, claim, "expenses", data).status_code == 302
    assert Expense.objects.get(claim=claim).amount == 12_345


def test_a_comma_every_three_digits_is_a_thousands_separator(client, alice, claim):
    client.force_login(alice)
    data = dict(EXPENSE, **{"add-expenses-amount": "1,500"})
    assert add(client, claim, "expenses", data).status_code == 302
    assert Expense.objects.get(claim=claim).amount == 1_500


def test_blank_recognized_means_the_claimed_amount(client, alice, claim):
    client.force_login(alice)
    add(client, claim, "damages", dict(DAMAGE, **{"add-damages-recognized": ""}))
    assert ClientDamage.objects.get(claim=claim).recognized == 120_000


def test_delete_removes_the_row_and_updates_totals(client, alice, claim):
    client.force_login(alice)
    add(client, claim, "expenses", EXPENSE)
    expense = Expense.objects.get(claim=claim)
    response = client.post(
        reverse("claims:item_delete", args=[claim.number, "expenses", expense.pk])
    )
    assert response.status_code == 302
    assert not Expense.objects.exists()
    claim.refresh_from_db()
    assert (claim.total_claimed, claim.total_payable) == (0, 0)


def test_item_of_another_claim_is_404(client, alice, claim):
    other = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    expense = Expense.objects.create(claim=other, category="call_center", amount=1)
    client.force_login(alice)
    response = client.post(
        reverse("claims:item_delete", args=[claim.number, "expenses", expense.pk])
    )
    assert response.status_code == 404
    assert Expense.objects.filter(pk=expense.pk).exists()


def test_unknown_section_is_404(client, alice, claim):
    client.force_login(alice)
    assert add(client, claim, "bribes", {}).status_code == 404


def test_get_on_a_write_url_is_refused(client, alice, claim):
    client.force_login(alice)
    response = client.get(reverse("claims:item_add", args=[claim.number, "expenses"]))
    assert response.status_code == 405


def test_other_handler_cannot_add_to_alices_claim(client, alice, bob, claim):
    client.force_login(bob)
    assert add(client, claim, "expenses", EXPENSE).status_code == 404
    assert not Expense.objects.exists()


def test_supervisor_who_sees_but_does_not_handle_gets_403(client, alice, carol, claim):
    client.force_login(carol)
    assert add(client, claim, "expenses", EXPENSE).status_code == 403
    assert not Expense.objects.exists()


@pytest.mark.parametrize("status", [S.APPROVED, S.PAID, S.CLOSED, S.WITHDRAWN, S.AWAITING_APPROVAL])
def test_read_only_statuses_refuse_item_changes(client, alice, status):
    claim = make_claim(created_by=alice, handler=alice, status=status)
    expense = Expense.objects.create(claim=claim, category="call_center", amount=1000)
    client.force_login(alice)
    response = add(client, claim, "expenses", EXPENSE)
    assert response.status_code == 302
    assert Expense.objects.count() == 1
    response = client.post(
        reverse("claims:item_delete", args=[claim.number, "expenses", expense.pk]), follow=True
    )
    assert Expense.objects.filter(pk=expense.pk).exists()
    assert "変更できません" in response.content.decode()
    with pytest.raises(ClaimError):
        services.item_update(item=expense, by=alice, data={"amount": 5})
    expense.refresh_from_db()
    assert expense.amount == 1000


def test_service_refuses_recognized_above_claimed_without_saving(alice, claim):
    with pytest.raises(ClaimError):
        services.item_create(
            claim=claim,
            section="damages",
            by=alice,
            data={
                "client_name": "A",
                "kind": "business_interruption",
                "claimed": 10,
                "recognized": 11,
            },
        )
    assert not ClientDamage.objects.exists()


def test_service_refuses_someone_who_may_not_edit(bob, claim):
    with pytest.raises(ClaimError):
        services.item_create(
            claim=claim,
            section="expenses",
            by=bob,
            data={"category": "call_center", "amount": 10},
        )
    assert not Expense.objects.exists()


def test_hostile_item_urls_never_500(client, alice, claim):
    client.force_login(alice)
    huge = "9" * 30
    base = f"/claims/{claim.number}/expenses/{huge}/"
    assert client.get(base + "edit/").status_code == 404
    assert client.post(base + "delete/").status_code == 404
    assert client.get("/claims/%00%27%22/").status_code == 404


def test_edit_form_is_not_offered_on_a_read_only_claim(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.PAID)
    expense = Expense.objects.create(claim=claim, category="call_center", amount=1000)
    client.force_login(alice)
    url = reverse("claims:item_edit", args=[claim.number, "expenses", expense.pk])
    response = client.get(url, follow=True)
    html = response.content.decode()
    assert 'name="edit-expenses-amount"' not in html
    assert "読み取り専用" in html
