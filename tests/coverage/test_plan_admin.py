"""Plan and sub-limit admin: yen with separators, a reason, and the count said beforehand."""

import pytest

from claims.models import Claim
from coverage.forms import YenField
from coverage.models import ExpenseSublimit, Plan
from tests.claims.approval_helpers import awaiting_claim
from tests.claims.test_reassess import post_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, amount",
    [("100,000,000", 100_000_000), ("100000000", 100_000_000), ("１，５００円", 1_500), ("0", 0)],
)
def test_yen_field_reads_separators(text, amount):
    assert YenField().clean(text) == amount


@pytest.mark.parametrize("text", ["1,5", "10,00,000", "1,000,00", "1.5", "-100", "百万", ",100"])
def test_yen_field_refuses_misplaced_separators(text):
    with pytest.raises(Exception) as exc:
        YenField().clean(text)
    assert "桁区切り" in str(exc.value)


def test_plan_page_shows_amounts_with_separators_and_the_open_claims_it_will_reassess(
    client, alice, dave
):
    awaiting_claim(handler=alice)
    other = awaiting_claim(handler=alice)
    Claim.objects.filter(pk=other.pk).update(status=Claim.Status.UNDER_ASSESSMENT)
    decided = awaiting_claim(handler=alice)
    Claim.objects.filter(pk=decided.pk).update(status=Claim.Status.PAID)  # not counted
    plan = Plan.objects.get(code="cyber_standard")
    client.force_login(dave)
    html = client.get(f"/admin/coverage/plan/{plan.pk}/change/").content.decode()
    assert 'value="100,000,000"' in html
    assert "未決の事故 2 件 (うち承認待ち 1 件) を再査定します" in html


def test_misplaced_separator_is_a_field_error_and_saves_nothing(client, dave):
    plan = Plan.objects.get(code="cyber_standard")
    client.force_login(dave)
    response = post_plan(client, plan, liability_limit="1,5")
    assert response.status_code == 200
    assert "桁区切りのカンマは3桁ごと" in response.content.decode()
    plan.refresh_from_db()
    assert plan.liability_limit == 100_000_000


def test_plan_change_needs_a_reason(client, dave):
    plan = Plan.objects.get(code="cyber_standard")
    client.force_login(dave)
    response = post_plan(client, plan, liability_limit="90,000,000", reason="")
    assert response.status_code == 200
    assert "変更理由を入力してください" in response.content.decode()
    plan.refresh_from_db()
    assert plan.liability_limit == 100_000_000


def test_plan_change_reason_is_kept_in_the_plans_history(client, dave):
    plan = Plan.objects.get(code="cyber_standard")
    client.force_login(dave)
    response = post_plan(client, plan, liability_limit="90,000,000", reason="再保険条件の変更")
    assert response.status_code == 302
    latest = plan.history.first()
    assert latest.liability_limit == 90_000_000
    assert latest.history_change_reason == "再保険条件の変更"


def test_sublimit_added_on_its_own_page_needs_a_reason_and_cannot_be_deleted_there(
    client, alice, dave, django_capture_on_commit_callbacks
):
    plan = Plan.objects.get(code="cyber_standard")
    claim = awaiting_claim(handler=alice, expense=48_000)
    client.force_login(dave)
    data = {"plan": plan.pk, "category": "customer_notification", "limit": "30,000"}
    refused = client.post("/admin/coverage/expensesublimit/add/", data)
    assert refused.status_code == 200 and "変更理由を入力してください" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            "/admin/coverage/expensesublimit/add/", {**data, "change_reason": "通知費の縮小"}
        )
    assert ok.status_code == 302
    claim.refresh_from_db()
    assert claim.total_payable == 1_200_000 + 30_000
    sub = ExpenseSublimit.objects.get(plan=plan)
    assert client.get(f"/admin/coverage/expensesublimit/{sub.pk}/delete/").status_code == 403
