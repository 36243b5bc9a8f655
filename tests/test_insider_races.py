"""Two people act on the same claim at the same moment, each on their own PostgreSQL
connection (SQLite serialises writers, so these run in .ci/run's PostgreSQL pass): exactly
one wins, the other is told in Japanese, nothing is recorded twice and nothing escapes as
a 500."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimNote, ClaimTask, DuplicateClearance, StatusChange
from claims.services import ClaimError
from tests.claims.approvals.test_payouts_concurrency import _race, on_postgres  # noqa: F401
from tests.conftest import make_claim, make_policy, make_user
from tests.documents.doc_helpers import add_damage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("on_postgres"),
]
S = Claim.Status


def _handlers(n):
    return [make_user(f"h{i:02d}", "handler") for i in range(n)]


def _posts(users, url_data):
    """Each user POSTs (url, data) through the Django test client at once."""
    clients = []
    for user in users:
        c = Client()
        c.force_login(user)
        clients.append(c)

    def worker(i, barrier):
        url, data = url_data(i)
        barrier.wait()
        return clients[i].post(url, data).status_code

    results = _race(worker, n=len(users))
    assert all(isinstance(r, int) and r < 500 for r in results), results
    return results


def test_ten_handlers_take_the_same_pool_claim_one_gets_it(alice):
    claim = make_claim(created_by=alice)
    handlers = _handlers(10)

    def take(i, barrier):
        mine = Claim.objects.get(pk=claim.pk)
        barrier.wait()
        try:
            services.claim_assign(claim=mine, handler=handlers[i], by=handlers[i])
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("taken", handlers[i].pk)

    results = _race(take, n=10)
    taken = [r for r in results if r[0] == "taken"]
    assert len(taken) == 1, results
    assert all("割り当ての権限がありません" in r[1] for r in results if r[0] == "refused")
    claim.refresh_from_db()
    assert claim.handler_id == taken[0][1]
    assert claim.history.exclude(handler=None).count() == 1


def test_two_handlers_take_the_same_claim_through_the_queue_never_a_500(alice):
    claim = make_claim(created_by=alice)
    handlers = _handlers(2)
    _posts(handlers, lambda i: (reverse("claims:assign"), {"claim": [claim.pk], "handler": "me"}))
    claim.refresh_from_db()
    assert claim.handler_id in {h.pk for h in handlers}
    assert claim.history.exclude(handler=None).count() == 1


def test_a_task_marked_done_twice_at_once_is_done_once(alice, carol):
    claim = make_claim(created_by=alice, handler=alice)
    task = ClaimTask.objects.create(
        claim=claim, what="電話", due_on=datetime.date.today(), assignee=alice, created_by=alice
    )
    people = [alice, carol]

    def done(i, barrier):
        mine = ClaimTask.objects.get(pk=task.pk)
        barrier.wait()
        try:
            services.claim_complete_task(task=mine, by=people[i])
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("done", people[i].pk)

    results = _race(done, n=2)
    assert sorted(r[0] for r in results) == ["done", "refused"], results
    refused = next(r for r in results if r[0] == "refused")
    assert "すでに完了しています" in refused[1]
    task.refresh_from_db()
    assert task.done_by_id == next(r for r in results if r[0] == "done")[1]
    assert task.history.filter(done_at__isnull=False).count() == 1


def _pair(alice):
    policy = make_policy()
    first = make_claim(created_by=alice, handler=alice, policy=policy)
    second = make_claim(created_by=alice, handler=alice, policy=policy)
    return first, second


def test_two_people_clear_the_same_duplicate_pair_at_once_one_record_one_note_each(alice, carol):
    first, second = _pair(alice)
    people = [alice, carol]

    def clear(i, barrier):
        mine = Claim.objects.get(pk=second.pk)
        barrier.wait()
        try:
            services.claim_clear_duplicates(
                claim=mine, others=[first.pk], by=people[i], reason="別の顧問先の事故"
            )
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("cleared", None)

    results = _race(clear, n=2)
    assert [r for r in results if not isinstance(r, tuple)] == [], results
    assert DuplicateClearance.objects.count() == 2  # both ways, once
    for claim in (first, second):
        notes = ClaimNote.objects.filter(claim=claim, body__startswith="重複報告の確認")
        assert notes.count() == 1, list(notes.values_list("body", "by__username"))
    refused = [r for r in results if r[0] == "refused"]
    assert len(refused) == 1 and "すでに処理済み" in refused[0][1], results


def test_the_pair_cleared_from_both_pages_at_once_never_deadlocks(alice, carol):
    first, second = _pair(alice)
    people = [alice, carol]
    pages = [(second, first), (first, second)]

    def clear(i, barrier):
        claim, other = pages[i]
        mine = Claim.objects.get(pk=claim.pk)
        barrier.wait()
        try:
            services.claim_clear_duplicates(
                claim=mine, others=[other.pk], by=people[i], reason="別の顧問先の事故"
            )
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("cleared", None)

    for _ in range(5):
        DuplicateClearance.objects.all().delete()
        ClaimNote.objects.all().delete()
        results = _race(clear, n=2)
        assert [r for r in results if not isinstance(r, tuple)] == [], results
        assert DuplicateClearance.objects.count() == 2
        assert ClaimNote.objects.filter(body__startswith="重複報告の確認").count() == 2


def test_withdraw_as_duplicate_racing_not_a_duplicate_one_wins(alice, carol):
    first, second = _pair(alice)

    def act(i, barrier):
        mine = Claim.objects.get(pk=second.pk)
        barrier.wait()
        try:
            if i == 0:
                services.claim_withdraw_duplicate(claim=mine, other=first.pk, by=alice)
            else:
                services.claim_clear_duplicates(
                    claim=mine, others=[first.pk], by=carol, reason="別の事故"
                )
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("ok", i)

    results = _race(act, n=2)
    assert [r for r in results if not isinstance(r, tuple)] == [], results
    second.refresh_from_db()
    withdrawn = second.status == S.WITHDRAWN
    cleared = DuplicateClearance.objects.exists()
    assert withdrawn != cleared, (results, second.status)


def test_a_withdrawal_racing_send_to_approval_one_move_only(alice):
    from tests.claims.approval_helpers import file_documents

    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    add_damage(claim)
    services.claim_refresh_totals(claim=claim)
    file_documents(claim, by=alice)

    def act(i, barrier):
        mine = Claim.objects.get(pk=claim.pk)
        barrier.wait()
        try:
            if i == 0:
                services.claim_withdraw(claim=mine, by=alice, reason="被保険者から取下げの連絡")
            else:
                services.claim_send_to_approval(claim=mine, by=alice)
        except ClaimError as refused:
            return ("refused", str(refused))
        return ("moved", i)

    results = _race(act, n=2)
    assert sorted(r[0] for r in results) == ["moved", "refused"], results
    claim.refresh_from_db()
    assert StatusChange.objects.filter(claim=claim).count() == 1
    assert claim.status in (S.WITHDRAWN, S.AWAITING_APPROVAL)


def test_the_pair_cleared_from_its_two_pages_through_the_views_never_a_500(alice, carol):
    first, second = _pair(alice)
    pages = [(second, first), (first, second)]

    def url_data(i):
        claim, other = pages[i]
        data = {"decision": "not_duplicate", "other": [other.pk], "reason": "別の顧問先の事故"}
        return reverse("claims:duplicates", args=[claim.number]), data

    assert _posts([alice, carol], url_data) == [302, 302]
    assert DuplicateClearance.objects.count() == 2
    assert ClaimNote.objects.filter(body__startswith="重複報告の確認").count() == 2


def test_two_bulk_follow_ups_at_once_ask_once(alice, carol):
    from documents.models import DocumentRequest

    claims = [
        make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT) for _ in range(3)
    ]
    for claim in claims:
        add_damage(claim)
    ids = [c.pk for c in claims]
    _posts([alice, carol], lambda i: (reverse("documents:bulk_request"), {"claim": ids}))
    for claim in claims:
        assert DocumentRequest.objects.filter(claim=claim).count() == 1
        assert (
            StatusChange.objects.filter(claim=claim, to_status=S.DOCUMENTS_REQUESTED).count() == 1
        )


def test_a_pool_claim_taken_while_its_filer_withdraws_it_one_of_them_only(alice):
    """alice filed a pool claim; bob takes it while alice withdraws it. Either it is
    withdrawn unassigned, or bob has it and alice (no longer allowed to change it) is told;
    never bob's claim withdrawn by alice."""
    bob = make_user("bob", "handler")
    outcomes = set()
    for _ in range(6):
        claim = make_claim(created_by=alice)

        def act(i, barrier, claim=claim):
            mine = Claim.objects.get(pk=claim.pk)
            barrier.wait()
            try:
                if i == 0:
                    services.claim_withdraw(claim=mine, by=alice, reason="二重登録のため")
                else:
                    services.claim_assign(claim=mine, handler=bob, by=bob)
            except ClaimError as refused:
                return ("refused", str(refused))
            return ("ok", i)

        results = _race(act, n=2)
        assert [r for r in results if not isinstance(r, tuple)] == [], results
        claim.refresh_from_db()
        assert (claim.status, claim.handler_id) in {(S.WITHDRAWN, None), (S.REPORTED, bob.pk)}, (
            results
        )
        outcomes.add(claim.status)
