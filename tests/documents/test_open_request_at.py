"""Claim.open_request_at, the time of a claim's latest unanswered document request, is kept
by the database (triggers, claims 0022): the queue's 要督促 filter and badge and the workload
page read it. Whatever writes the requests (the desk's services, a queryset update, a delete,
a stale save of the claim, two transactions at once) it must equal what the requests say.
These tests run on SQLite here and on PostgreSQL in .ci/run's second pass: each has its own
triggers."""

import datetime
import threading

import pytest
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from documents import services
from documents.models import DocumentRequest
from tests.claims.approvals.test_payouts_concurrency import on_postgres  # noqa: F401 - fixture
from tests.conftest import make_claim
from tests.documents.doc_helpers import add_damage

pytestmark = [pytest.mark.usefixtures("media")]


def at(days_ago: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def latest(claim) -> datetime.datetime | None:
    return Claim.objects.values_list("open_request_at", flat=True).get(pk=claim.pk)


def expected(claim) -> datetime.datetime | None:
    """What the requests themselves say, worked out in Python."""
    times = [
        r.requested_at for r in DocumentRequest.objects.filter(claim=claim) if not r.fulfilled_at
    ]
    return max(times, default=None)


def waiting(alice) -> Claim:
    claim = make_claim(created_by=alice, handler=alice)
    add_damage(claim, client="株式会社A")
    return claim


@pytest.mark.django_db
def test_the_column_follows_every_write_to_the_requests(alice):
    claim = waiting(alice)
    assert latest(claim) is None

    first = services.documents_request(claim=claim, by=alice)
    assert latest(claim) == first.requested_at  # created through the desk's service

    DocumentRequest.objects.filter(pk=first.pk).update(requested_at=at(20))
    assert latest(claim) == at(20)  # a queryset update (no save(), no signal)

    second = DocumentRequest.objects.create(claim=claim, requested_by=alice, items=[])
    DocumentRequest.objects.filter(pk=second.pk).update(requested_at=at(3))
    assert latest(claim) == at(3)  # the newest unanswered one

    second.refresh_from_db()
    second.fulfilled_at = timezone.now()
    second.save()
    assert latest(claim) == at(20)  # answered: the older one is what is outstanding

    DocumentRequest.objects.filter(pk=second.pk).update(fulfilled_at=None)
    assert latest(claim) == at(3)  # un-answered again (an admin correction)

    second.delete()
    assert latest(claim) == at(20)

    DocumentRequest.objects.filter(claim=claim).update(fulfilled_at=timezone.now())
    assert latest(claim) is None
    assert latest(claim) == expected(claim)


@pytest.mark.django_db
def test_a_request_moved_to_another_claim_updates_both(alice):
    one, other = waiting(alice), waiting(alice)
    req = services.documents_request(claim=one, by=alice)

    DocumentRequest.objects.filter(pk=req.pk).update(claim=other)

    assert latest(one) is None
    assert latest(other) == req.requested_at


@pytest.mark.django_db
def test_saving_a_claim_loaded_before_a_request_does_not_write_the_old_value_back(alice):
    claim = waiting(alice)
    stale = Claim.objects.get(pk=claim.pk)  # open_request_at None in memory
    req = services.documents_request(claim=claim, by=alice)

    stale.description = "電話で状況を確認"
    stale.save()  # every column, the stale None included

    assert latest(claim) == req.requested_at
    Claim.objects.filter(pk=claim.pk).update(open_request_at=at(400))  # by hand, wrong
    assert latest(claim) == req.requested_at


@pytest.mark.django_db
def test_the_column_leaves_no_trace_in_the_claims_history_and_no_admin_field(alice, admin_client):
    claim = waiting(alice)
    before = claim.history.count()

    DocumentRequest.objects.create(claim=claim, requested_by=alice, items=[])
    assert latest(claim) is not None

    assert claim.history.count() == before
    page = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert page.status_code == 200
    assert 'name="open_request_at"' not in page.content.decode()


@pytest.mark.django_db
def test_answering_the_last_outstanding_request_takes_the_claim_off_the_follow_up_filter(
    client, alice
):
    claim = waiting(alice)
    req = services.documents_request(claim=claim, by=alice)
    DocumentRequest.objects.filter(pk=req.pk).update(requested_at=at(30))
    client.force_login(alice)
    queue = reverse("claims:queue")
    assert [c.pk for c in client.get(queue, {"status": "follow_up"}).context["claims"]] == [
        claim.pk
    ]

    DocumentRequest.objects.filter(pk=req.pk).update(fulfilled_at=timezone.now())

    assert list(client.get(queue, {"status": "follow_up"}).context["claims"]) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("on_postgres")
def test_a_request_made_while_another_is_answered_is_not_lost(alice):
    """Thread A makes a new request and holds its transaction open; thread B meanwhile answers
    the old request. B's trigger waits for A's lock on the claim and then reads A's request:
    the claim still shows an outstanding request (A's), not None from B's older view."""
    claim = waiting(alice)
    old = services.documents_request(claim=claim, by=alice)
    DocumentRequest.objects.filter(pk=old.pk).update(requested_at=at(30))
    created = threading.Event()
    results = {}

    def make_request():
        try:
            with transaction.atomic():
                new = DocumentRequest.objects.create(
                    claim_id=claim.pk, requested_by=alice, items=[]
                )
                results["new"] = new.requested_at
                created.set()
                threading.Event().wait(1.0)  # B is now blocked on the claim row
        finally:
            connections.close_all()

    def answer_old():
        try:
            created.wait(10)
            DocumentRequest.objects.filter(pk=old.pk).update(fulfilled_at=timezone.now())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=make_request), threading.Thread(target=answer_old)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)

    assert latest(claim) == results["new"]
    assert latest(claim) == expected(claim)
