"""Every URL of the desk, as every kind of user, with hostile input: never a 500, and no
one outside a claim gets it or changes it.

The URL list is walked from the project's URLconf (the admin aside, which Django tests),
so a new view is swept as soon as it is routed: a route parameter this file does not know
fails the test, rather than going unswept.
"""

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from claims.models import (
    Claim,
    ClaimNote,
    ClientDamage,
    Incident,
    Payout,
    Recovery,
    StatusChange,
)
from documents import services as doc_services
from documents.models import Document, DocumentRequest
from payments.models import BankAccount
from tests.conftest import make_claim
from tests.documents.doc_helpers import add_damage, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

HOSTILE = "\x00<script>alert(1)</script>'\"; DROP TABLE claims_claim;--" + "9" * 30
FIELDS = [
    # every name the desk's forms use, and the ones an attacker would guess
    "action", "reason", "handler", "claim", "message", "kind", "next", "q", "page", "size",
    "sort", "status", "policy", "policy_q", "incident", "noticed_on", "description",
    "own_cloud_service", "note-body", "note-channel", "note-party", "new_due_on",
    "paid_on", "payment_reference", "version", "damage", "overtime_entry", "files",
    "add-damages-claimed", "add-damages-client_name", "edit-claimed", "amount", "minutes",
    "hourly_rate", "premium", "evidence", "confirm", "expected_total", "next-on",
    "next-note", "done", "ids", "recover-amount", "recover-reason", "recover-confirm",
    "settle-outcome", "settle-on", "settle-note",
]  # fmt: skip


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def routes():
    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                yield name, list(p.pattern.converters)

    return sorted(set((n, tuple(c)) for n, c in walk(get_resolver().url_patterns, "", None)))


@pytest.fixture
def world(alice):
    """alice's claim with an item, a document, a request; the incident it hangs off."""
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.UNDER_ASSESSMENT)
    damage = add_damage(claim)
    doc_services.document_upload(claim=claim, by=alice, files=[pdf()], kind="accident_report")
    request = doc_services.documents_request(claim=claim, by=alice)
    recovery = Recovery.objects.create(
        claim=claim, amount=1, liability_amount=1, reason="掃引用", requested_by=alice
    )
    from claims.models import ClaimTask

    task = ClaimTask.objects.create(
        claim=claim, what="掃引用", due_on=claim.noticed_on, assignee=alice, created_by=alice
    )
    from payments.models import PaymentBatch
    from payments.services import account_enter
    from tests.payments.helpers import ACCOUNT

    account = account_enter(insured=claim.policy.insured, by=alice, **ACCOUNT)
    batch = PaymentBatch.objects.create(transfer_date=timezone.localdate(), created_by=alice)
    return {
        "task": task,
        "account": account,
        "batch": batch,
        "recovery": recovery,
        "claim": claim,
        "damage": damage,
        "document": Document.objects.get(claim=claim),
        "request": request,
        "incident": Incident.objects.get(pk=claim.incident_id),
    }


def url_for(name: str, params: tuple[str, ...], world) -> str:
    values = {
        "number": world["claim"].number,
        "section": "damages",
        "kind": "settlement_summary",
    }
    by_view_pk = {
        "claims:item_edit": world["damage"].pk,
        "claims:item_delete": world["damage"].pk,
        "incidents:detail": world["incident"].pk,
        "incidents:payouts_csv": world["incident"].pk,
        "documents:download": world["document"].pk,
        "documents:preview": world["document"].pk,
        "documents:delete": world["document"].pk,
        "documents:reclassify": world["document"].pk,
        "documents:request_letter": world["request"].pk,
        "approvals:settle_recovery": world["recovery"].pk,
        "claims:task_done": world["task"].pk,
        "payments:batch": world["batch"].pk,
        "payments:file": world["batch"].pk,
        "payments:paid": world["batch"].pk,
        "payments:cancel": world["batch"].pk,
        "payments:return": world["batch"].pk,  # no such item: a payer gets 404
        "payments:account": world["claim"].policy.insured_id,
        "payments:account_confirm": world["account"].pk,
        "payments:account_reject": world["account"].pk,
    }
    kwargs = {}
    for param in params:
        if param == "pk":
            assert name in by_view_pk, f"{name}: which object's pk? add it to this sweep"
            kwargs["pk"] = by_view_pk[name]
        else:
            assert param in values, f"{name}: unknown route parameter {param!r}"
            kwargs[param] = values[param]
    return reverse(name, kwargs=kwargs)


def state(world) -> tuple:
    """What an outsider must not be able to change."""
    claim = Claim.objects.get(pk=world["claim"].pk)
    damage = ClientDamage.objects.get(pk=world["damage"].pk)
    return (
        claim.status,
        claim.handler_id,
        claim.description,
        damage.claimed,
        Document.objects.filter(claim=claim, deleted_at__isnull=True).count(),
        DocumentRequest.objects.filter(claim=claim).count(),
        ClaimNote.objects.filter(claim=claim).count(),
        StatusChange.objects.filter(claim=claim).count(),
        Payout.objects.filter(claim=claim).count(),
        list(Recovery.objects.filter(claim=claim).values_list("status", flat=True)),
    )


def sweep(client, world, login=None):
    """GET with a hostile query string, POST empty and POST hostile, on every URL."""
    answers = {}
    for name, params in routes():
        url = url_for(name, params, world)
        hostile_post = {field: HOSTILE for field in FIELDS}
        for method, data in (("get", {"q": HOSTILE, "page": "-1", "status": HOSTILE}),
                             ("post", {}), ("post", hostile_post)):  # fmt: skip
            if login:
                client.force_login(login)  # a logout POST must not end the sweep
            response = getattr(client, method)(url, data)
            assert response.status_code < 500, (name, method, response.status_code)
            answers.setdefault(name, set()).add(response.status_code)
    return answers


CLAIM_BOUND = (
    "claims:detail", "claims:facts", "claims:action", "claims:note", "claims:next_action",
    "claims:duplicates", "claims:task_add", "claims:task_done", "claims:send_back_request",
    "claims:item_add", "claims:item_edit", "claims:item_delete",
    "approvals:detail", "approvals:approve", "approvals:send_back", "approvals:reject",
    "approvals:mark_paid", "approvals:reopen", "approvals:extend", "approvals:recover",
    "approvals:settle_recovery",
    "documents:download", "documents:preview", "documents:delete", "documents:reclassify",
    "documents:panel",
    "documents:upload", "documents:request", "documents:request_letter",
    "renders:status", "renders:generate",
)  # fmt: skip


# the payer's pages (frank), and the accounts of an insured whose claims one cannot see
PAYER_BOUND = (
    "payments:batches", "payments:batch", "payments:file", "payments:paid", "payments:cancel",
    "payments:return", "payments:account", "payments:account_confirm", "payments:account_reject",
)  # fmt: skip


def test_every_claim_url_is_in_the_outsiders_list(world):
    """CLAIM_BOUND below must name every route that takes a claim, a document or a request."""
    bound = {name for name, params in routes() if set(params) & {"number"}}
    bound |= {n for n, _ in routes() if n.startswith("documents:") and n != "documents:panel"}
    # these take their claims or requests as ids in the form or query (tests/documents/
    # test_follow_up.py checks that an outsider's ids do nothing), or belong to an incident
    by_ids = {"documents:bulk_request", "documents:request_letters"}
    assert bound <= set(CLAIM_BOUND) | by_ids | {"incidents:detail", "incidents:payouts_csv"}


@pytest.mark.parametrize("who", ["anonymous", "no_group", "bob"])
def test_outsiders_get_nothing_and_change_nothing(client, world, bob, who):
    before = state(world)
    login = {"anonymous": None, "bob": bob}.get(who)
    if who == "no_group":
        login = User.objects.create_user(username="mallory", password="pw-mallory-123")

    answers = sweep(client, world, login=login)

    assert state(world) == before
    assert BankAccount.objects.get().status == "pending"  # nobody outside confirmed it
    for name in PAYER_BOUND:
        allowed = {302, 403, 404, 405} if who == "anonymous" else {403, 404, 405}
        assert answers[name] <= allowed, (name, answers[name])
    for name in CLAIM_BOUND:
        allowed = {302, 403, 404, 405} if who == "anonymous" else {403, 404, 405}
        assert answers[name] <= allowed, (name, answers[name])


@pytest.mark.parametrize("who", ["alice", "carol", "dave"])
def test_insiders_never_get_a_500_whatever_they_send(client, world, who, request):
    answers = sweep(client, world, login=request.getfixturevalue(who))

    # the sweep reached the pages themselves, and the bad input got answered as such
    assert 200 in answers["claims:detail"] and 200 in answers["documents:request_letter"]
    assert 400 in answers["claims:note"]


# --- NUL bytes and out-of-range values in every path segment and query parameter ----------
# Run this file on PostgreSQL too (DATABASE_URL=postgres://...): SQLite stores a NUL where
# PostgreSQL refuses it, so a NUL that reaches a query is a 500 only there.

PATH_HOSTILE = {
    "str": ["\x00", "C26-000001\x00", "\x00' OR 1=1 --", "9" * 300, "\u202e1-62C"],
    "int": [2**63, 10**30, 0],
}
QUERY_PARAMS = [
    # the queue's filters (claims/queue/filters.py) and the other GET parameters the views read
    "q", "status", "handler", "incident", "plan", "reported_from", "reported_to", "page",
    "size", "sort", "policy", "policy_q", "ids", "next", "kind", "number",
]  # fmt: skip
QUERY_HOSTILE = [
    "\x00", "a\x00b", "9999-12-31", "0001-01-01", "2023-02-30", "99999999999999999999",
    "-1", "9" * 400, "\u00b2", "1\uff12",
]  # fmt: skip
SENTINEL = {"number": "ZZ9-SENTINEL", "section": "damages", "kind": "settlement_summary"}
SENTINEL_PK = 987654321


def hostile_path_urls(world):
    """Every route, each of its parameters in turn replaced by each hostile value."""
    from urllib.parse import quote

    for name, params in routes():
        for param in params:
            good = {p: (SENTINEL_PK if p == "pk" else SENTINEL[p]) for p in params}
            url = reverse(name, kwargs=good)
            kind = "int" if param == "pk" else "str"
            for bad in PATH_HOSTILE[kind]:
                segment = f"/{good[param]}/"
                assert segment in url, (name, url)
                yield name, url.replace(segment, f"/{quote(str(bad), safe='')}/", 1)


@pytest.mark.parametrize("who", ["alice", "carol", "dave"])
def test_nul_and_out_of_range_path_segments_are_404_never_500(client, world, who, request):
    client.force_login(request.getfixturevalue(who))
    before = state(world)
    swept = 0
    for name, url in hostile_path_urls(world):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in {403, 404, 405}, (name, url, response.status_code)
            swept += 1
    assert swept > 200 and state(world) == before


def test_nul_and_out_of_range_query_values_never_give_a_500(client, world, carol):
    """Every GET page with every parameter at once set to each hostile value; the filtered
    lists (where one invalid filter would hide what the others do) one parameter at a time."""
    client.force_login(carol)
    one_by_one = {"claims:queue", "claims:queue_csv", "approvals:queue", "incidents:list"}
    for name, params in routes():
        url = url_for(name, params, world)
        if name == "logout" or client.get(url).status_code == 405:
            continue  # POST only: the query string is never read
        for bad in QUERY_HOSTILE:
            response = client.get(url, dict.fromkeys(QUERY_PARAMS, bad))
            assert response.status_code < 500, (name, bad, response.status_code)
            if name not in one_by_one:
                continue
            for param in QUERY_PARAMS:
                response = client.get(url, {param: bad})
                assert response.status_code < 500, (name, param, bad, response.status_code)


@pytest.mark.parametrize("field", ["reported_to", "reported_from"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_an_out_of_range_date_is_a_form_error_on_the_queue_and_its_csv(
    client, world, carol, field, value
):
    client.force_login(carol)
    page = client.get(reverse("claims:queue"), {field: value})
    assert page.status_code == 200
    assert "の日付を入力してください" in page.content.decode()
    export = client.get(reverse("claims:queue_csv"), {field: value})
    assert export.status_code == 302  # back to the queue with a message, not a file
    assert "CSV を出力できませんでした" in client.get(export.url).content.decode()
