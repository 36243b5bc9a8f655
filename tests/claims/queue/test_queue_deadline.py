"""The queue deadline-first: open claims by 支払期限 by default, both-way sorts with a
visible direction, the total, a reversed date range explained, the incident column only
when the rows span several incidents."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Incident
from claims.queue import selectors
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
QUEUE = reverse("claims:queue")
D = datetime.date


def numbers(response):
    return [c.number for c in response.context["claims"]]


@pytest.fixture
def desk(alice, bob):
    """alice's claims with payment dates (one without), one closed, bob's, and the pool."""
    return {
        "late": make_claim(created_by=alice, handler=alice, payment_due_on=D(2026, 12, 20)),
        "none": make_claim(created_by=alice, handler=alice),
        "soon": make_claim(created_by=alice, handler=alice, payment_due_on=D(2026, 12, 3)),
        "pool": make_claim(created_by=alice, handler=None, payment_due_on=D(2026, 12, 10)),
        "closed": make_claim(
            created_by=alice, handler=alice, status=S.CLOSED, payment_due_on=D(2026, 12, 1)
        ),
        "bobs": make_claim(created_by=bob, handler=bob, payment_due_on=D(2026, 12, 2)),
    }


def test_a_handler_lands_on_her_open_claims_and_the_pool_by_payment_date(client, alice, desk):
    client.force_login(alice)
    response = client.get(QUEUE)
    order = [desk[k].number for k in ("soon", "pool", "late", "none")]
    assert numbers(response) == order  # closed gone, no date last
    html = response.content.decode()
    assert "全 4 件" in html
    assert 'value="open" selected' in html and 'value="mine_pool" selected' in html
    assert 'aria-sort="ascending"' in html and '支払期限<span class="sort-arrow"' in html


def test_a_supervisor_lands_on_every_open_claim_and_can_ask_for_all(client, carol, desk):
    client.force_login(carol)
    assert numbers(client.get(QUEUE)) == [
        desk[k].number for k in ("bobs", "soon", "pool", "late", "none")
    ]
    everything = numbers(client.get(QUEUE, {"status": "all", "handler": "all"}))
    assert desk["closed"].number in everything and len(everything) == 6
    # the old empty choice of the filter bar still means every status
    assert desk["closed"].number in numbers(client.get(QUEUE, {"status": ""}))


def test_payment_date_sorts_both_ways_with_nulls_last_and_a_visible_direction(client, alice, desk):
    client.force_login(alice)
    response = client.get(QUEUE, {"sort": "-due"})
    assert numbers(response) == [desk[k].number for k in ("late", "pool", "soon", "none")]
    html = response.content.decode()
    assert 'aria-sort="descending"' in html and "▼" in html
    # the header link reverses it
    assert "?sort=due" in html


def test_next_action_date_sorts_both_ways(client, alice, desk):
    Claim.objects.filter(pk=desk["late"].pk).update(next_action_on=D(2026, 12, 1))
    Claim.objects.filter(pk=desk["none"].pk).update(next_action_on=D(2026, 12, 5))
    client.force_login(alice)
    asc = numbers(client.get(QUEUE, {"sort": "next"}))
    desc = numbers(client.get(QUEUE, {"sort": "-next"}))
    assert asc[:2] == [desk["late"].number, desk["none"].number]
    assert desc[:2] == [desk["none"].number, desk["late"].number]
    assert "2026/12/05" in client.get(QUEUE, {"sort": "next"}).content.decode()


@pytest.mark.parametrize("column", ["days", "claimed", "payable", "due", "next"])
def test_every_sortable_header_reverses_when_clicked_again(client, alice, desk, column):
    client.force_login(alice)
    first = selectors.SORT_COLUMNS[column][2]
    page = client.get(QUEUE, {"sort": first})
    cols = page.context["queue"].columns
    assert cols[column]["aria"] in ("ascending", "descending")
    assert cols[column]["next"] != first and cols[column]["next"] in selectors.SORTS
    again = client.get(QUEUE, {"sort": cols[column]["next"]}).context["queue"].columns
    assert {cols[column]["aria"], again[column]["aria"]} == {"ascending", "descending"}


def test_the_total_is_capped_beyond_ten_thousand(client, carol, desk, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    client.force_login(carol)
    html = client.get(QUEUE).content.decode()
    assert "3件以上" in html and "全 5 件" not in html
    assert "全 1 件" in client.get(QUEUE, {"q": desk["soon"].number}).content.decode()


def test_a_reversed_date_range_is_explained_not_an_empty_list(client, alice, desk):
    client.force_login(alice)
    response = client.get(QUEUE, {"reported_from": "2026-12-10", "reported_to": "2026-12-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "受付日の期間が逆です" in html and 'role="alert"' in html
    # the CSV export refuses it the same way rather than exporting nothing
    csv = client.get(
        reverse("claims:queue_csv"), {"reported_from": "2026-12-10", "reported_to": "2026-12-01"}
    )
    assert csv.status_code == 302


def test_the_incident_column_only_when_the_rows_span_several_incidents(client, alice, desk):
    client.force_login(alice)
    one = client.get(QUEUE)
    assert not one.context["queue"].show_incident
    assert ">インシデント</th>" not in one.content.decode()
    assert "インシデント: 株式会社エムケイシステム" in one.content.decode()
    other = Incident.objects.create(
        provider_name="別のクラウド事業者",
        title="別の障害",
        occurred_on=D(2026, 1, 5),
    )
    Claim.objects.filter(pk=desk["pool"].pk).update(incident=other)
    two = client.get(QUEUE)
    assert two.context["queue"].show_incident
    assert ">インシデント</th>" in two.content.decode()


def test_an_empty_open_queue_offers_the_closed_claims_too(client, alice, desk):
    client.force_login(alice)
    html = client.get(QUEUE, {"q": desk["closed"].number}).content.decode()
    assert "該当する事故はありません" in html and "status=all" in html
    found = numbers(client.get(QUEUE, {"q": desk["closed"].number, "status": "all"}))
    assert found == [desk["closed"].number]


def _dates_lines(html):
    """Each row's compact date block (shown below lg), as text."""
    blocks = re.findall(r'<div class="queue-dates d-lg-none"([^>]*)>(.*?)</div>', html, re.S)
    return [(attrs, re.sub(r"<[^>]+>", "", body).split()) for attrs, body in blocks]


def test_below_lg_each_row_shows_its_deadline_and_diary_date_under_the_status(client, alice):
    """A 1366 px screen at 200 % zoom is below lg: the date and money columns are hidden and
    the deadline (date and clock, in words) and 次回対応日 move under the status badge, read
    by screen readers there (the hidden columns are not)."""
    today = timezone.localdate()
    make_claim(
        created_by=alice,
        handler=alice,
        status=S.UNDER_ASSESSMENT,
        payment_due_on=today - datetime.timedelta(days=2),
        next_action_on=today + datetime.timedelta(days=1),
    )
    make_claim(created_by=alice, handler=alice, payment_due_on=today + datetime.timedelta(days=3))
    make_claim(created_by=alice, handler=alice)  # documents not complete yet
    client.force_login(alice)
    html = client.get(QUEUE).content.decode()
    assert _dates_lines(html) == [
        (
            "",  # not aria-hidden
            ["期限", f"{today - datetime.timedelta(days=2):%Y/%m/%d}", "⚠", "期限超過", "2日"]
            + ["次回対応", f"{today + datetime.timedelta(days=1):%Y/%m/%d}"],
        ),
        ("", ["期限", f"{today + datetime.timedelta(days=3):%Y/%m/%d}", "⚠", "残り3日"]),
        ("", ["期限", "書類待ち"]),
    ]
    for header in ("受付からの日数", "請求額", "支払見込額", "支払期限", "次回対応日"):
        assert re.search(
            rf'<th scope="col" class="[^"]*d-none d-lg-table-cell"[^>]*><a [^>]*>{header}<', html
        ), header
    # the status header sorts by the deadline there, the direction shown
    assert re.search(
        r'状態<span class="d-lg-none"> / <a href="\?sort=-due"[^>]*>期限<span class="sort-arrow" aria-hidden="true">▲',
        html,
    )
