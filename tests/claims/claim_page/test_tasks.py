"""Tasks on a claim (対応予定): several dated tasks, each with what, who and when; done or
open. The queue's 対応日到来 and the workload page count claims with an open task due;
the claim page lists open tasks first; the history keeps them. Refusals too."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimTask
from claims.queue.selectors import workload
from claims.services import ClaimError
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
QUEUE = reverse("claims:queue")
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def add(client, claim, what, on, assignee=""):
    return client.post(
        reverse("claims:task_add", args=[claim.number]),
        {"task-what": what, "task-due_on": on.isoformat(), "task-assignee": assignee},
    )


def due_numbers(client):
    return [c.number for c in client.get(QUEUE, {"status": "next_action_due"}).context["claims"]]


def test_two_tasks_listed_open_first_one_done_and_the_queue_counts_due(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)

    assert add(client, claim, "被保険者へ電話", TODAY).status_code == 302
    assert add(client, claim, "書類を確認", days(4)).status_code == 302

    call, check = claim.tasks.order_by("due_on")
    assert (call.assignee, call.created_by, call.done_at) == (alice, alice, None)
    assert due_numbers(client) == [claim.number]  # the call is due today

    response = client.post(reverse("claims:task_done", args=[claim.number, call.pk]), follow=True)
    assert "対応予定「被保険者へ電話」を完了にしました。" in response.content.decode()
    call.refresh_from_db()
    assert call.done_by == alice and call.done_at is not None
    assert due_numbers(client) == []  # the open one is in four days

    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "未完了 1件" in page
    listed = page.split('class="list-group list-group-flush small tasks-list"')[1]
    listed = listed.split("</ol>")[0]
    assert listed.index("書類を確認") < listed.index("被保険者へ電話")  # open first, then done
    done_row = listed.split("task-done")[1]
    assert "被保険者へ電話" in done_row and "佐藤 愛子 完了" in done_row  # who completed it
    assert "対応予定「" in page and "完了者" in page  # the history tells both steps


def test_the_history_keeps_the_task_and_who_completed_it(alice):
    from claims.claim_page.timeline import claim_timeline

    claim = make_claim(created_by=alice, handler=alice)
    task = services.claim_add_task(claim=claim, by=alice, what="顧問先へ確認", due_on=TODAY)
    services.claim_complete_task(task=task, by=alice)

    entries = [e for e in claim_timeline(claim) if "顧問先へ確認" in e.subject]
    assert [e.action for e in entries] == ["変更", "作成"]
    changes = {c.label: c.new for c in entries[0].changes}
    assert "alice" in changes["完了者"] and "完了日時" in changes


def test_workload_counts_claims_with_an_open_task_due(alice, bob):
    mine = make_claim(created_by=alice, handler=alice)
    later = make_claim(created_by=alice, handler=alice)
    closed = make_claim(created_by=alice, handler=alice)
    for claim in (mine, later, closed):
        services.claim_add_task(claim=claim, by=alice, what="電話", due_on=TODAY)
    ClaimTask.objects.filter(claim=later).update(due_on=days(2))
    Claim.objects.filter(pk=closed.pk).update(status=S.CLOSED)
    # an overdue task counts too (dates in the past are set directly: the form refuses them)
    services.claim_add_task(claim=mine, by=alice, what="督促", due_on=TODAY)
    ClaimTask.objects.filter(claim=mine, what="督促").update(due_on=days(-3))

    rows, total = workload()
    row = next(r for r in rows if r.handler == alice)
    assert row.next_action == 1 and total.next_action == 1


def test_the_queue_flags_an_overdue_task_and_stays_within_its_query_budget(
    client, alice, django_assert_max_num_queries
):
    claims = [make_claim(created_by=alice, handler=alice) for _ in range(5)]
    for claim in claims:
        services.claim_add_task(claim=claim, by=alice, what="電話", due_on=TODAY)
    ClaimTask.objects.update(due_on=days(-2))
    client.force_login(alice)

    with django_assert_max_num_queries(12):
        response = client.get(QUEUE, {"status": "next_action_due"})

    assert len(response.context["claims"]) == 5
    assert f"対応予定 {days(-2):%Y/%m/%d} (2日超過)" in response.content.decode()


def test_the_task_goes_to_the_claims_handler_unless_someone_is_chosen(client, alice, bob, carol):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(carol)  # a supervisor plans on a handler's claim

    assert add(client, claim, "支払額の確認", days(1)).status_code == 302
    assert add(client, claim, "bob へ引継ぎ", days(1), assignee=str(bob.pk)).status_code == 302

    assert dict(claim.tasks.values_list("what", "assignee__username")) == {
        "支払額の確認": "alice",
        "bob へ引継ぎ": "bob",
    }
    assert set(claim.tasks.values_list("created_by__username", flat=True)) == {"carol"}


def test_bob_cannot_add_or_complete_a_task_on_alices_claim(client, alice, bob):
    claim = make_claim(created_by=alice, handler=alice)
    task = services.claim_add_task(claim=claim, by=alice, what="電話", due_on=TODAY)
    client.force_login(bob)

    assert add(client, claim, "横取り", days(1)).status_code == 404  # not his to see
    done = client.post(reverse("claims:task_done", args=[claim.number, task.pk]))
    assert done.status_code == 404
    with pytest.raises(ClaimError, match="対応予定を変更する権限がありません"):
        services.claim_add_task(claim=claim, by=bob, what="横取り", due_on=TODAY)
    with pytest.raises(ClaimError, match="対応予定を変更する権限がありません"):
        services.claim_complete_task(task=task, by=bob)
    task.refresh_from_db()
    assert claim.tasks.count() == 1 and task.done_at is None


def test_a_handler_on_the_pool_claim_filed_by_someone_else_is_refused(client, alice, bob):
    pool = make_claim(created_by=alice, handler=None)  # bob sees it but may not change it
    client.force_login(bob)

    response = add(client, pool, "電話", days(1))

    assert response.status_code == 302 and pool.tasks.count() == 0
    page = client.get(reverse("claims:detail", args=[pool.number])).content.decode()
    assert "対応予定を変更する権限がありません" in page


def test_settled_claims_take_no_tasks_and_a_done_task_stays_done(alice):
    claim = make_claim(created_by=alice, handler=alice)
    task = services.claim_add_task(claim=claim, by=alice, what="電話", due_on=TODAY)
    services.claim_complete_task(task=task, by=alice)
    with pytest.raises(ClaimError, match="すでに完了"):
        services.claim_complete_task(task=task, by=alice)

    Claim.objects.filter(pk=claim.pk).update(status=S.CLOSED)
    claim.refresh_from_db()
    with pytest.raises(ClaimError, match="対応予定を登録できません"):
        services.claim_add_task(claim=claim, by=alice, what="電話", due_on=TODAY)


@pytest.mark.parametrize(
    ("what", "on", "message"),
    [
        ("", TODAY, "対応内容を入力してください。"),
        ("電話", TODAY - datetime.timedelta(days=1), "今日以降の日付を入力してください。"),
        ("x" * 201, TODAY, "200 文字以内で入力してください"),
    ],
)
def test_bad_input_gets_a_japanese_error_and_adds_nothing(client, alice, what, on, message):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)

    response = add(client, claim, what, on)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert claim.tasks.count() == 0


def test_a_handler_cannot_hand_a_task_to_a_non_desk_user(alice, dave):
    claim = make_claim(created_by=alice, handler=alice)
    with pytest.raises(ClaimError, match="担当者"):
        services.claim_add_task(claim=claim, by=alice, what="電話", due_on=TODAY, assignee=dave)
