"""The supervisors' workload page: open claims per handler with what needs attention, every
figure a link to the queue filtered to exactly those claims."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import clock
from claims.models import Claim
from documents.models import DocumentRequest
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
WORKLOAD = reverse("claims:workload")
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def asked(claim, days_ago: int):
    at = timezone.make_aware(datetime.datetime.combine(days(-days_ago), datetime.time(10)))
    req = DocumentRequest.objects.create(claim=claim, items=[], requested_by=claim.created_by)
    DocumentRequest.objects.filter(pk=req.pk).update(requested_at=at)


@pytest.fixture
def desk(alice, bob):
    """alice: a claim to chase and an approval overdue; bob: one due in 3 days and one asked
    recently; the pool: one new claim. Settled and draft claims count nowhere."""
    chase = make_claim(created_by=alice, handler=alice, status=S.DOCUMENTS_REQUESTED)
    asked(chase, 20)
    make_claim(
        created_by=alice,
        handler=alice,
        status=S.AWAITING_APPROVAL,
        documents_complete_on=days(-40),
        payment_due_on=days(-10),
        total_payable=300_000,
    )
    make_claim(
        created_by=bob,
        handler=bob,
        status=S.UNDER_ASSESSMENT,
        documents_complete_on=days(-27),
        payment_due_on=days(3),
        total_payable=50_000,
    )
    recent = make_claim(created_by=bob, handler=bob, status=S.DOCUMENTS_REQUESTED)
    asked(recent, 2)
    make_claim(
        created_by=alice, handler=None, status=S.REPORTED, total_payable=7, next_action_on=TODAY
    )
    make_claim(  # a settled claim: its old diary date counts nowhere
        created_by=bob, handler=bob, status=S.CLOSED, next_action_on=days(-3)
    )
    make_claim(created_by=alice, handler=alice, status=S.PAID, payment_due_on=days(-50))
    make_claim(created_by=alice, handler=alice, status=S.CLOSED)
    make_claim(created_by=alice, handler=None, status=S.DRAFT)


def figures(response) -> dict[str, list[str]]:
    """handler key -> the row's cell texts (tags stripped)."""
    rows = {}
    for key, cells in re.findall(
        r'<tr data-handler="([^"]+)">(.*?)</tr>', response.content.decode(), re.S
    ):
        texts = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", cells, re.S)
        rows[key] = [re.sub(r"<[^>]+>", "", t).strip() for t in texts]
    return rows


def test_the_page_counts_what_each_handler_holds(client, carol, alice, bob, desk):
    client.force_login(carol)

    rows = figures(client.get(WORKLOAD))

    # 担当者, 未完了, 書類依頼中, 要督促, 対応日到来, 承認待ち, 期限超過, 5日以内, 支払見込額
    assert rows[str(alice.pk)] == ["佐藤 愛子", "2", "1", "1", "0", "1", "1", "0", "300,000円"]
    assert rows[str(bob.pk)] == ["鈴木 一郎", "2", "1", "0", "0", "0", "0", "1", "50,000円"]
    assert rows["unassigned"] == ["未割当", "1", "0", "0", "1", "0", "0", "0", "7円"]


def test_every_linked_figure_lists_exactly_that_many_claims_in_the_queue(client, carol, desk):
    client.force_login(carol)
    body = client.get(WORKLOAD).content.decode()
    links = re.findall(r'href="(/claims/\?[^"]+)">(\d+)</a>', body)
    assert len(links) >= 7  # the 5-day column links too

    for url, shown in links:
        queue = client.get(url.replace("&amp;", "&"))
        assert len(queue.context["claims"]) == int(shown), url


def test_a_handler_with_nothing_open_still_has_a_row(client, carol, alice):
    client.force_login(carol)
    assert figures(client.get(WORKLOAD))[str(alice.pk)][1] == "0"


def test_only_supervisors_and_admins_see_it(client, alice, carol, dave):
    client.force_login(alice)
    assert client.get(WORKLOAD).status_code == 403
    assert "担当者別" not in client.get(reverse("claims:queue")).content.decode()
    for user in (carol, dave):
        client.force_login(user)
        assert client.get(WORKLOAD).status_code == 200
    client.logout()
    assert client.get(WORKLOAD).status_code == 302


def test_its_queries_do_not_grow_with_the_claims(client, carol, alice, django_assert_num_queries):
    client.force_login(carol)
    client.get(WORKLOAD)
    # session, user, their groups, the aggregate, the handlers
    with django_assert_num_queries(5):
        client.get(WORKLOAD)
    for _ in range(20):
        asked(make_claim(created_by=alice, handler=alice, status=S.DOCUMENTS_REQUESTED), 30)
    with django_assert_num_queries(5):
        client.get(WORKLOAD)


def test_the_overdue_and_due_soon_filters_agree_with_the_payment_clock(alice):
    """The queryset twins of clock.payment_clock, over every status and due date around
    today (and a claim with only its documents date, as older rows have)."""
    claims = []
    for status in S.values:
        for offset in (-31, -1, 0, 1, 5, 6, 30):
            claims.append(
                make_claim(
                    created_by=alice,
                    handler=alice,
                    status=status,
                    documents_complete_on=days(offset - 30),
                    payment_due_on=days(offset) if offset != 6 else None,
                )
            )
    ids = [c.pk for c in claims]
    by_clock = {
        state: {c.pk for c in claims if clock.payment_clock(c).state == state}
        for state in (clock.OVERDUE, clock.DUE_SOON)
    }
    pks = Claim.objects.filter(pk__in=ids).values_list

    assert set(pks("pk", flat=True).filter(clock.overdue_q())) - {
        c.pk for c in claims if c.status == S.DRAFT
    } == by_clock[clock.OVERDUE] - {c.pk for c in claims if c.status == S.DRAFT}
    assert set(pks("pk", flat=True).filter(clock.due_soon_q())) - {
        c.pk for c in claims if c.status == S.DRAFT
    } == by_clock[clock.DUE_SOON] - {c.pk for c in claims if c.status == S.DRAFT}
    assert by_clock[clock.OVERDUE] and by_clock[clock.DUE_SOON]
