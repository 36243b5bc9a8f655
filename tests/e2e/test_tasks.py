"""In the browser: alice puts two tasks (対応予定) on a claim and completes one; the queue's
対応日到来 count follows, and carol's workload page counts the claim while a task is due."""

import datetime

import pytest
from django.utils import timezone

from claims.models import ClaimTask
from tests.conftest import make_claim
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def add_task(page, what, on):
    page.fill("#id_task-what", what)
    page.fill("#id_task-due_on", on.isoformat())
    page.click("text=予定を追加")
    page.wait_for_selector(f"text=対応予定「{what}」")


def due_total(page):
    page.goto("/claims/?status=next_action_due")
    return page.inner_text(".queue-total")


def test_two_tasks_on_a_claim_one_done_and_the_queue_counts_due(page, alice, carol):
    today = timezone.localdate()
    claim = make_claim(created_by=alice, handler=alice)
    make_claim(created_by=alice, handler=alice)  # nothing planned: never counted

    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    add_task(page, "被保険者へ電話", today)
    add_task(page, "書類を確認", today + datetime.timedelta(days=3))
    rows = page.locator("#tasks .tasks-list li")
    assert rows.count() == 2 and "未完了 2件" in page.inner_text("#tasks .task-count")
    assert "本日" in rows.nth(0).inner_text()  # the earliest open task on top

    assert "全 1 件" in due_total(page)
    assert "対応予定 本日" in page.inner_text("table.queue-table tbody")

    login(page, "carol")
    page.goto("/claims/workload/")
    assert page.inner_text(f'tr[data-handler="{alice.pk}"] a[href*="next_action_due"]') == "1"

    login(page, "alice")
    page.goto(f"/claims/{claim.number}/")
    page.click('#tasks button[aria-label="「被保険者へ電話」を完了にする"]')
    page.wait_for_selector("text=対応予定「被保険者へ電話」を完了にしました。")
    rows = page.locator("#tasks .tasks-list li")
    assert "書類を確認" in rows.nth(0).inner_text()  # open first
    assert "完了" in rows.nth(1).inner_text() and "被保険者へ電話" in rows.nth(1).inner_text()
    assert "未完了 1件" in page.inner_text("#tasks .task-count")
    assert ClaimTask.objects.get(what="被保険者へ電話").done_by == alice

    assert "全 0 件" in due_total(page)  # the other task is three days away
