"""In the browser: the queue opens deadline-first and its 支払期限 header sorts both ways;
a duplicate warning resolved as 重複ではない stays gone; the queue at 200 % zoom shows each
row's deadline without scrolling sideways and breaks no word (set SCREENSHOT_DIR to keep its
screenshot)."""

import datetime
import os

import pytest

from claims.models import Claim, DuplicateClearance, Incident
from tests.conftest import make_claim, make_policy
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
D = datetime.date


def row_numbers(page):
    return page.locator("table.queue-table tbody td:nth-child(2) a").all_inner_texts()


@pytest.fixture
def claims(alice, bob):
    return {
        "late": make_claim(created_by=alice, handler=alice, payment_due_on=D(2026, 12, 20)),
        "none": make_claim(created_by=alice, handler=alice),
        "soon": make_claim(created_by=alice, handler=None, payment_due_on=D(2026, 12, 3)),
        "closed": make_claim(
            created_by=alice,
            handler=alice,
            status=Claim.Status.CLOSED,
            payment_due_on=D(2026, 12, 1),
        ),
        "bobs": make_claim(created_by=bob, handler=bob, payment_due_on=D(2026, 12, 2)),
    }


def test_the_queue_opens_deadline_first_and_the_due_header_sorts_both_ways(page, alice, claims):
    login(page, "alice")
    page.goto("/claims/")
    order = [claims[k].number for k in ("soon", "late", "none")]
    assert row_numbers(page) == order  # open, mine and the pool, nulls last
    assert "全 3 件" in page.inner_text(".queue-total")
    header = page.locator("th", has_text="支払期限")
    assert header.get_attribute("aria-sort") == "ascending" and "▲" in header.inner_text()

    header.locator("a").click()
    page.wait_for_url("**sort=-due**")
    assert row_numbers(page) == [claims[k].number for k in ("late", "soon", "none")]
    header = page.locator("th", has_text="支払期限")
    assert header.get_attribute("aria-sort") == "descending" and "▼" in header.inner_text()

    header.locator("a").click()
    page.wait_for_url("**sort=due**")
    assert row_numbers(page) == order

    page.select_option("#id_status", "all")
    page.click("text=絞り込み")
    page.wait_for_url("**status=all**")
    assert claims["closed"].number in row_numbers(page)


def test_a_resolved_duplicate_warning_stays_gone(page, alice):
    policy = make_policy()
    first = make_claim(created_by=alice, handler=alice, policy=policy)
    second = make_claim(created_by=alice, handler=alice, policy=policy)
    login(page, "alice")
    page.goto(f"/claims/{second.number}/")
    warning = page.locator(".duplicates-warning")
    assert first.number in warning.inner_text()
    warning.locator("summary").click()
    page.fill("#duplicates-reason", "別の顧問先についての別個の請求と確認")
    page.click(".duplicates-clear button")
    page.wait_for_selector("text=とは重複ではないと記録しました")
    assert page.locator(".duplicates-warning").count() == 0
    assert "別の顧問先についての別個の請求と確認" in page.content()  # in the 経過記録
    page.goto(f"/claims/{first.number}/")
    assert page.locator(".duplicates-warning").count() == 0
    page.reload()
    assert page.locator(".duplicates-warning").count() == 0
    assert DuplicateClearance.objects.filter(claim=second, other=first, by=alice).exists()


# The number of line boxes each text node of the matched elements is laid out on (more
# than one: the text broke across lines).
BROKEN_TEXT = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.offsetParent) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(node.textContent.trim());
    }
  }
  return broken;
}"""


def test_the_queue_at_200_percent_zoom_breaks_no_word(page, alice, carol, claims):
    Claim.objects.filter(pk=claims["late"].pk).update(
        total_claimed=12_345_678, total_payable=9_876_543
    )
    page.set_viewport_size({"width": 683, "height": 384})  # 1366×768 at 200 %
    login(page, "carol")
    page.goto("/claims/")
    # the bulk bar wraps whole controls: no text in it breaks (it went one character a line)
    assert page.evaluate(BROKEN_TEXT, ".bulk-bar > *") == []
    # dates, numbers and names never break
    assert page.evaluate(BROKEN_TEXT, ".queue-table td.text-nowrap, .queue-dates > *") == []
    # yen amounts neither, at the narrowest width that shows them (Bootstrap's lg)
    page.set_viewport_size({"width": 992, "height": 496})
    assert "12,345,678円" in page.inner_text(".queue-table")
    assert page.evaluate(BROKEN_TEXT, ".queue-table td.num, .queue-table td.text-nowrap") == []
    page.set_viewport_size({"width": 683, "height": 384})
    # SCREENSHOT_DIR keeps it (the README's queue-zoom200.png is bin/screenshots.py's)
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, "queue_zoom200.png"), full_page=True)
    page.goto("/claims/workload/")
    assert page.evaluate(BROKEN_TEXT, "h1, .num") == []


# How far the page and the queue's own wrapper scroll sideways (0: everything fits).
SIDEWAYS = """() => {
  const doc = document.documentElement;
  const wrapper = document.querySelector(".table-responsive");
  return {page: doc.scrollWidth - doc.clientWidth, table: wrapper.scrollWidth - wrapper.clientWidth};
}"""


def test_the_queue_at_200_percent_zoom_shows_each_rows_deadline_without_scrolling_sideways(
    page, alice, claims
):
    today = datetime.date.today()
    overdue = make_claim(
        created_by=alice,
        handler=alice,
        payment_due_on=today - datetime.timedelta(days=2),
        next_action_on=today + datetime.timedelta(days=1),
        status=Claim.Status.UNDER_ASSESSMENT,
        total_claimed=12_345_678,
    )
    soon = claims["soon"]
    Claim.objects.filter(pk=soon.pk).update(payment_due_on=today + datetime.timedelta(days=3))
    page.set_viewport_size({"width": 683, "height": 384})  # 1366×768 at 200 %
    login(page, "alice")
    page.goto("/claims/")
    assert row_numbers(page)[:2] == [overdue.number, soon.number]  # deadline-first
    assert page.evaluate(SIDEWAYS) == {"page": 0, "table": 0}

    first = page.locator("table.queue-table tbody tr").first
    due = first.locator(".queue-due")
    assert due.inner_text() == f"期限 {today - datetime.timedelta(days=2):%Y/%m/%d}"
    box = due.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 683
    # its clock in words, not colour alone; the diary date beside it
    assert first.locator(".queue-due-state").inner_text() == "⚠ 期限超過 2日"
    assert first.locator(".queue-due-state").bounding_box()["x"] + 10 <= 683
    assert first.locator(".queue-next").inner_text() == (
        f"次回対応 {today + datetime.timedelta(days=1):%Y/%m/%d}"
    )
    second = page.locator("table.queue-table tbody tr").nth(1)
    assert second.locator(".queue-due-state").inner_text() == "⚠ 残り3日"
    # the hidden columns are out of the page, so a screen reader hears the deadline once,
    # from this copy, which is therefore not aria-hidden
    assert first.locator(".queue-dates").evaluate("e => !e.closest('[aria-hidden]')")
    assert page.locator("th", has_text="支払期限").is_hidden()
    assert page.locator("th", has_text="請求額").is_hidden()
    # the status header sorts by the deadline at this width, showing the direction
    status = page.locator("th", has_text="状態")
    assert "期限▲" in status.inner_text()
    status.locator("a").click()
    page.wait_for_url("**sort=-due**")
    assert "期限▼" in page.locator("th", has_text="状態").inner_text()
    assert row_numbers(page)[-3:] == [soon.number, overdue.number, claims["none"].number]

    # rows from several incidents: below lg the インシデント column gives way to a line under
    # the insured's name, so neither the page nor the table scrolls sideways
    other = Incident.objects.create(
        provider_name="別のクラウド事業者", title="別の障害", occurred_on=D(2026, 1, 5)
    )
    Claim.objects.filter(pk=soon.pk).update(incident=other)
    page.goto("/claims/")
    assert page.locator("th", has_text="インシデント").is_hidden()
    assert page.evaluate(SIDEWAYS) == {"page": 0, "table": 0}
    row = page.locator("table.queue-table tbody tr", has_text=soon.number)
    assert row.locator(".queue-incident").inner_text() == "別のクラウド事業者"
    box = page.locator("table.queue-table tbody tr").first.locator(".queue-due").bounding_box()
    assert box["x"] + box["width"] <= 683

    # the desk's screen: the columns as before, the copy hidden
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/claims/")
    header = page.locator("th", has_text="支払期限")
    assert header.is_visible() and header.get_attribute("aria-sort") == "ascending"
    assert page.locator("th", has_text="請求額").is_visible()
    assert page.locator(".queue-dates").first.is_hidden()
    assert page.locator("th", has_text="インシデント").is_visible()
    assert page.locator(".queue-incident").first.is_hidden()
    assert "期限" not in page.locator("th", has_text="状態").inner_text()
    assert "12,345,678円" in page.inner_text(".queue-table")
