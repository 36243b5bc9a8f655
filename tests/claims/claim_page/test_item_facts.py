"""One truth per fact (issue 15, item 2): the claim's own-cloud-service facts decide.

An item cannot say the insured's own cloud service stopped, or that a client did IT業務 on
it, when the claim says the insured provides no cloud service (Q2: the IT業務不担保特約 and
the own-service exclusion presuppose such a service). The free-promotion exception follows
the claim. Rows saved before the rule are listed by `manage.py fact_conflicts`, not changed.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims import services
from claims.models import Claim, ClientDamage, Expense, OvertimeEntry
from claims.services import ClaimError
from coverage import vocab
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status

DAMAGE = {
    "add-damages-client_name": "株式会社山田製作所",
    "add-damages-kind": "business_interruption",
    "add-damages-description": "遅延損害金",
    "add-damages-claimed": "300,000",
    "add-damages-legally_liable": "on",
    "add-damages-activity": "it_user_act",
    "add-damages-cause": "provider_attack",
}
EXPENSE = {
    "add-expenses-category": "customer_notification",
    "add-expenses-description": "お詫び状",
    "add-expenses-amount": "250000",
    "add-expenses-cause": "provider_attack",
}
OVERTIME = {
    "add-overtime-employee": "山田花子",
    "add-overtime-minutes": "60",
    "add-overtime-hourly_rate": "2000",
    "add-overtime-premium": "1.25",
    "add-overtime-task": "incident_response",
    "add-overtime-overtime_eligible": "on",
    "add-overtime-cause": "provider_attack",
}
FORMS = {"damages": DAMAGE, "expenses": EXPENSE, "overtime": OVERTIME}


def claim_of(alice, **facts):
    return make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT, **facts)


def add(client, claim, section, data):
    return client.post(reverse("claims:item_add", args=[claim.number, section]), data)


def items_saved() -> int:
    return ClientDamage.objects.count() + Expense.objects.count() + OvertimeEntry.objects.count()


@pytest.mark.parametrize("section", ["damages", "expenses", "overtime"])
def test_own_service_stoppage_without_a_provided_service_is_refused_at_the_field(
    client, alice, section
):
    claim = claim_of(alice)  # the insured provides no cloud service
    client.force_login(alice)
    data = dict(FORMS[section], **{f"add-{section}-cause": "own_service_stoppage"})
    response = add(client, claim, section, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="error_1_id_add-{section}-cause"' in html  # next to the field
    assert "被保険者が顧問先へクラウドサービスを提供していない" in html
    assert "Q2〜Q4" in html
    assert items_saved() == 0


def test_it_business_without_a_provided_service_is_refused_with_the_q2_reason(client, alice):
    claim = claim_of(alice)
    client.force_login(alice)
    response = add(
        client, claim, "damages", dict(DAMAGE, **{"add-damages-activity": "it_business"})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error_1_id_add-damages-activity"' in html
    assert "IT業務不担保特約 (Q2)" in html
    assert "被保険者が提供したクラウドサービスで顧問先自身が" in html
    assert items_saved() == 0

    # once the claim says the insured provides the service, the rider applies (Q2)
    services.claim_update_facts(claim=claim, by=alice, own_cloud_service=True)
    response = add(
        client, claim, "damages", dict(DAMAGE, **{"add-damages-activity": "it_business"})
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.total_payable == 0
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "IT業務不担保特約" in page


def test_the_service_refuses_a_contradicting_item_too(alice):
    claim = claim_of(alice)
    with pytest.raises(ClaimError, match="IT業務不担保特約"):
        services.item_create(
            claim=claim,
            section="damages",
            by=alice,
            data={
                "client_name": "株式会社A",
                "kind": vocab.KIND_BUSINESS_INTERRUPTION,
                "claimed": 300_000,
                "recognized": 300_000,
                "activity": vocab.ACTIVITY_IT_BUSINESS,
            },
        )
    assert items_saved() == 0


def test_labels_and_help_say_the_q2_condition(client, alice):
    claim = claim_of(alice)
    client.force_login(alice)
    html = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "IT業務 (被保険者が提供したクラウドサービスで顧問先自身が給与計算等を行った)" in html
    assert "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)" in html
    assert "この事故: 被保険者はクラウドサービスを提供していません" in html
    # no per-item free-promotion box any more: the claim's fact is the only one
    assert "own_service_free_promotional" not in html


def test_the_free_promotion_exception_follows_the_claim(client, alice):
    """The claim says the service is free for promotion: an expense caused by its stoppage is
    covered, although the item has no box of its own (it used to be excluded, 250,000 lost)."""
    claim = claim_of(alice, own_cloud_service=True, own_cloud_service_free_promotional=True)
    client.force_login(alice)
    data = dict(EXPENSE, **{"add-expenses-cause": "own_service_stoppage"})
    assert add(client, claim, "expenses", data).status_code == 302
    claim.refresh_from_db()
    assert claim.total_payable == 250_000
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "自社提供クラウドサービスの停止" not in page  # no OWN_CLOUD_SERVICE reason shown


def test_an_old_item_box_cannot_override_a_paid_service(alice):
    """A row saved with the old per-item box ticked, on a claim whose service is paid: the
    claim decides, OWN_CLOUD_SERVICE applies."""
    claim = claim_of(alice, own_cloud_service=True)
    Expense.objects.create(
        claim=claim,
        category=vocab.CATEGORY_CUSTOMER_NOTIFICATION,
        amount=250_000,
        cause=vocab.CAUSE_OWN_SERVICE_STOPPAGE,
        own_service_free_promotional=True,
    )
    services.claim_refresh_totals(claim=claim)
    assert claim.total_payable == 0


def test_turning_the_service_off_is_refused_while_items_rely_on_it(client, alice):
    claim = claim_of(alice, own_cloud_service=True)
    damage = ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社B",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        description="給与計算の遅延",
        claimed=300_000,
        recognized=300_000,
        activity=vocab.ACTIVITY_IT_BUSINESS,
    )
    client.force_login(alice)
    response = client.post(
        reverse("claims:facts", args=[claim.number]),
        {"facts-noticed_on": "2023-06-06", "facts-description": "変更"},  # box unticked
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error_1_id_facts-own_cloud_service"' in html
    assert f"顧問先の損害 #{damage.pk} 株式会社B 給与計算の遅延" in html
    assert "業務の性質「IT業務」" in html
    claim.refresh_from_db()
    assert claim.own_cloud_service is True and claim.description != "変更"  # nothing saved

    with pytest.raises(ClaimError, match="オフにできません"):
        services.claim_update_facts(claim=claim, by=alice, own_cloud_service=False)


def test_fact_conflicts_lists_old_rows_and_changes_nothing(alice):
    no_service = claim_of(alice)
    stoppage = Expense.objects.create(
        claim=no_service,
        category=vocab.CATEGORY_CALL_CENTER,
        description="窓口",
        amount=250_000,
        cause=vocab.CAUSE_OWN_SERVICE_STOPPAGE,
    )
    it_business = ClientDamage.objects.create(
        claim=no_service,
        client_name="株式会社C",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        claimed=300_000,
        recognized=300_000,
        activity=vocab.ACTIVITY_IT_BUSINESS,
    )
    free_claim = claim_of(alice, own_cloud_service=True, own_cloud_service_free_promotional=True)
    old_box = OvertimeEntry.objects.create(
        claim=free_claim,
        employee="佐藤",
        minutes=60,
        hourly_rate=2000,
        cause=vocab.CAUSE_OWN_SERVICE_STOPPAGE,
        own_service_free_promotional=False,
    )
    claim_of(alice)  # a clean claim is not listed
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("fact_conflicts", stdout=out)
    assert exit_.value.code == 1
    text = out.getvalue()
    lines = [line for line in text.splitlines() if "\t" in line]
    assert len(lines) == 3
    assert f"{no_service.number}\t査定中\t費用 #{stoppage.pk}" in text
    assert "原因「自社クラウド停止」だが、事故は「クラウドサービスの提供なし」" in text
    assert f"顧問先の損害 #{it_business.pk} 株式会社C" in text
    assert f"{free_claim.number}\t査定中\t超過勤務 #{old_box.pk} 佐藤 60分" in text
    assert "品目の旧欄は「有償提供」、事故は「無償提供」" in text
    assert "矛盾: 3件" in text
    # listed, not changed
    stoppage.refresh_from_db()
    it_business.refresh_from_db()
    assert stoppage.cause == vocab.CAUSE_OWN_SERVICE_STOPPAGE
    assert it_business.activity == vocab.ACTIVITY_IT_BUSINESS


def test_fact_conflicts_says_so_when_there_are_none(alice):
    claim_of(alice)
    out = StringIO()
    call_command("fact_conflicts", stdout=out)
    assert "矛盾はありません。" in out.getvalue()


def test_the_importer_refuses_items_that_contradict_the_claim(tmp_path, alice, mk_incident):
    import json

    from django.core.management import CommandError

    from tests.conftest import make_policy

    no_service = make_policy()
    free_service = make_policy(provides_cloud_service=True, cloud_service_free_promotional=True)

    def line(ref, policy, **item):
        expense = {"category": "call_center", "amount": 250_000, **item}
        return json.dumps(
            {
                "external_ref": ref,
                "policy_number": policy.number,
                "incident_id": mk_incident.pk,
                "noticed_on": "2023-06-06",
                "expenses": [expense],
            },
            ensure_ascii=False,
        )

    path = tmp_path / "f.jsonl"
    lines = [
        line("F-1", no_service, cause="own_service_stoppage"),
        line("F-2", free_service, cause="own_service_stoppage", own_service_free_promotional=False),
        line("F-3", free_service, cause="own_service_stoppage"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):  # the valid claim alone comes in with --skip-invalid
        call_command(
            "import_claims", str(path), "--by", "alice", "--skip-invalid", stdout=out, stderr=err
        )
    text = err.getvalue()
    assert "1行目 [F-1] expenses[0].cause: この事故では被保険者が顧問先へクラウドサービスを" in text
    assert "2行目 [F-2] expenses[0].own_service_free_promotional: 無償提供かどうかは事故の" in text
    imported = Claim.objects.get()
    assert imported.external_ref == "F-3"
    assert imported.total_payable == 250_000  # the claim's free-promotion fact applies


def test_the_demo_data_contradicts_no_claim():
    call_command("seed_demo", "--password", "pw-Example-123", stdout=StringIO())
    out = StringIO()
    call_command("fact_conflicts", stdout=out)  # exits 1 (SystemExit) on any contradiction
    assert "矛盾はありません。" in out.getvalue()
