"""The triage queue: who sees what, filters, search, sorting, paging, bulk assignment, budget."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClientDamage, Expense, OvertimeEntry
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
QUEUE = reverse("claims:queue")
ASSIGN = reverse("claims:assign")


def numbers(response):
    return [c.number for c in response.context["claims"]]


@pytest.fixture
def three(alice, bob):
    """alice's claim, bob's claim and an unassigned one."""
    return (
        make_claim(created_by=alice, handler=alice),
        make_claim(created_by=bob, handler=bob),
        make_claim(created_by=alice, handler=None),
    )


def test_handler_sees_her_claims_and_the_unassigned_pool_only(client, alice, three):
    mine, bobs, pool = three
    client.force_login(alice)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert set(numbers(response)) == {mine.number, pool.number}
    assert bobs.number not in response.content.decode()


def test_supervisor_sees_all_but_others_drafts(client, alice, carol, three):
    draft = make_claim(created_by=alice, status=S.DRAFT)
    client.force_login(carol)
    got = set(numbers(client.get(QUEUE)))
    assert got == {c.number for c in three}
    assert draft.number not in got


def test_filters_mine_unassigned_and_status(client, alice, three):
    mine, _, pool = three
    Claim.objects.filter(pk=mine.pk).update(status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    assert numbers(client.get(QUEUE, {"handler": "mine"})) == [mine.number]
    assert numbers(client.get(QUEUE, {"handler": "unassigned"})) == [pool.number]
    assert numbers(client.get(QUEUE, {"status": "under_assessment"})) == [mine.number]
    assert numbers(client.get(QUEUE, {"status": "nonsense"})) == []


def test_filter_by_plan_incident_and_reported_dates(client, carol, alice, mk_incident):
    old = make_claim(created_by=alice, handler=alice)
    new = make_claim(created_by=alice, handler=alice)
    Claim.objects.filter(pk=old.pk).update(
        reported_at=timezone.make_aware(datetime.datetime(2023, 6, 10, 9))
    )
    Claim.objects.filter(pk=new.pk).update(
        reported_at=timezone.make_aware(datetime.datetime(2023, 7, 10, 9))
    )
    client.force_login(carol)
    got = numbers(client.get(QUEUE, {"reported_from": "2023-07-01"}))
    assert got == [new.number]
    got = numbers(client.get(QUEUE, {"reported_to": "2023-06-10"}))
    assert got == [old.number]
    assert set(numbers(client.get(QUEUE, {"incident": mk_incident.pk}))) == {old.number, new.number}
    leak_plan = old.policy.plan.__class__.objects.get(code="leak_only_5m")
    assert numbers(client.get(QUEUE, {"plan": leak_plan.pk})) == []
    assert numbers(client.get(QUEUE, {"plan": "x"})) == []  # bad value: nothing, no 500
    assert client.get(QUEUE, {"reported_from": "yesterday"}).status_code == 200


def test_search_by_number_insured_registration_and_client_name(client, alice, three):
    mine, _, pool = three
    ClientDamage.objects.create(
        claim=pool,
        client_name="株式会社みどり介護",
        kind="business_interruption",
        claimed=1,
        recognized=1,
    )
    client.force_login(alice)
    assert numbers(client.get(QUEUE, {"q": mine.number})) == [mine.number]
    assert numbers(client.get(QUEUE, {"q": mine.policy.insured.name})) == [mine.number]
    reg = mine.policy.insured.registration_number
    assert numbers(client.get(QUEUE, {"q": reg})) == [mine.number]
    assert numbers(client.get(QUEUE, {"q": "みどり介護"})) == [pool.number]
    assert numbers(client.get(QUEUE, {"q": "存在しない"})) == []
    # the policy number, as the insured reads it out (any case, full-width digits too)
    policy = mine.policy.number  # "P-000123"
    assert numbers(client.get(QUEUE, {"q": policy})) == [mine.number]
    assert numbers(client.get(QUEUE, {"q": policy.lower()})) == [mine.number]
    wide = policy.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert numbers(client.get(QUEUE, {"q": wide})) == [mine.number]


def test_sort_by_amount_and_ignore_unknown_sorts(client, alice):
    small = make_claim(created_by=alice, handler=alice, total_claimed=10)
    big = make_claim(created_by=alice, handler=alice, total_claimed=1_000)
    client.force_login(alice)
    assert numbers(client.get(QUEUE, {"sort": "-claimed"})) == [big.number, small.number]
    assert numbers(client.get(QUEUE, {"sort": "claimed"})) == [small.number, big.number]
    assert client.get(QUEUE, {"sort": "password"}).status_code == 200


def test_pages_fetch_one_more_row_and_offer_next_and_previous(client, alice):
    for _ in range(27):
        make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    first = client.get(QUEUE, {"size": 25})
    assert len(numbers(first)) == 25
    assert first.context["queue"].has_next and not first.context["queue"].has_previous
    assert "次へ" in first.content.decode()
    second = client.get(QUEUE, {"size": 25, "page": 2})
    assert len(numbers(second)) == 2
    assert not second.context["queue"].has_next and second.context["queue"].has_previous
    assert set(numbers(first)).isdisjoint(numbers(second))
    assert client.get(QUEUE, {"page": "-3", "size": "7"}).status_code == 200


def test_handler_takes_unassigned_claims_in_one_post(client, alice, three):
    _, _, pool = three
    client.force_login(alice)
    response = client.post(ASSIGN, {"claim": [pool.pk], "handler": "me", "next": "/claims/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/claims/?q=x"
    pool.refresh_from_db()
    assert pool.handler.username == "alice"


def test_handler_cannot_give_claims_to_someone_else(client, alice, bob, three):
    _, _, pool = three
    client.force_login(alice)
    client.post(ASSIGN, {"claim": [pool.pk], "handler": bob.pk})
    pool.refresh_from_db()
    assert pool.handler is None


def test_handler_cannot_take_bobs_claim(client, alice, three):
    _, bobs, _ = three
    client.force_login(alice)
    response = client.post(ASSIGN, {"claim": [bobs.pk], "handler": "me"}, follow=True)
    bobs.refresh_from_db()
    assert bobs.handler.username == "bob"
    assert "見つからないか" in response.content.decode()


def test_supervisor_assigns_several_claims_to_a_handler(client, carol, bob, three):
    mine, _, pool = three
    client.force_login(carol)
    response = client.post(ASSIGN, {"claim": [mine.pk, pool.pk], "handler": bob.pk}, follow=True)
    assert set(Claim.objects.filter(handler=bob).values_list("pk", flat=True)) >= {
        mine.pk,
        pool.pk,
    }
    assert "2 件を" in response.content.decode()


def test_assign_refuses_a_non_handler_target_and_foreign_next(client, carol, dave, three):
    mine, _, _ = three
    client.force_login(carol)
    response = client.post(
        ASSIGN, {"claim": [mine.pk], "handler": dave.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == QUEUE
    mine.refresh_from_db()
    assert mine.handler.username == "alice"


def test_assign_is_post_only(client, alice):
    client.force_login(alice)
    assert client.get(ASSIGN).status_code == 405


def _bulk_claims(n, *, created_by, handlers):
    from tests.conftest import make_policy

    policies = [make_policy() for _ in range(10)]
    incident = Claim._meta.get_field("incident").related_model.objects.first()
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        Claim(
            number=f"B-{i:06d}",
            policy=policies[i % 10],
            incident=incident,
            status=[S.REPORTED, S.UNDER_ASSESSMENT, S.DOCUMENTS_REQUESTED][i % 3],
            handler=handlers[i % len(handlers)],
            created_by=created_by,
            noticed_on=datetime.date(2023, 6, 6),
            reported_at=now - datetime.timedelta(hours=i),
            total_claimed=1000 * i,
            total_payable=900 * i,
        )
        for i in range(n)
    )
    ClientDamage.objects.bulk_create(
        ClientDamage(
            claim=c,
            client_name=f"顧問先{i}",
            kind="business_interruption",
            claimed=1000,
            recognized=1000,
        )
        for i, c in enumerate(claims)
    )
    Expense.objects.bulk_create(
        Expense(claim=c, category="call_center", amount=500) for c in claims
    )
    OvertimeEntry.objects.bulk_create(
        OvertimeEntry(claim=c, employee="山田", minutes=60, hourly_rate=2000) for c in claims
    )
    return claims


@pytest.mark.parametrize("size", [25, 100])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"handler": "mine", "status": "under_assessment", "sort": "-claimed"},
        {"q": "顧問先1", "incident": "1", "plan": "1", "reported_from": "2023-01-01"},
    ],
)
def test_queue_query_budget_with_hundreds_of_claims(
    client, alice, bob, carol, django_assert_max_num_queries, size, params
):
    _bulk_claims(240, created_by=alice, handlers=[alice, bob, None])
    for user in (alice, carol):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            response = client.get(QUEUE, {**params, "size": size})
        assert response.status_code == 200
    if not params:
        assert len(response.context["claims"]) == size


@pytest.mark.parametrize(
    "params",
    [
        {"handler": "9" * 30},
        {"page": "9" * 30, "size": "9" * 30},
        {"incident": "9" * 30, "plan": "-1"},
        {"reported_from": "2023-13-45", "reported_to": "0000-00-00"},
        {"q": "%' OR 1=1 --"},
        {"q": "\x00"},
        {"sort": "-password"},
    ],
)
def test_hostile_query_strings_never_500(client, alice, three, params):
    client.force_login(alice)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    bobs = three[1]
    assert bobs.number not in response.content.decode()


def test_hostile_assign_posts_never_500(client, carol, three):
    client.force_login(carol)
    response = client.post(ASSIGN, {"claim": ["9" * 30, "x", "-1"], "handler": "9" * 30})
    assert response.status_code == 302
    response = client.post(ASSIGN, {"claim": [three[0].pk], "handler": "9" * 30})
    assert response.status_code == 302
    three[0].refresh_from_db()
    assert three[0].handler.username == "alice"


def _csv(response) -> list[list[str]]:
    import csv
    import io

    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_queue_exports_its_filter_and_sort_as_csv_without_paging(client, alice, bob):
    for n in range(60):  # more than a page
        make_claim(created_by=alice, handler=alice, total_claimed=n)
    make_claim(created_by=bob, handler=bob, total_claimed=999)  # not hers: never exported
    Claim.objects.filter(total_claimed=5).update(status=S.CLOSED)
    client.force_login(alice)
    page = client.get(QUEUE, {"status": "open", "sort": "-claimed", "page": "2"})
    link = reverse("claims:queue_csv") + "?status=open&amp;sort=-claimed"
    assert link in page.content.decode()  # the page's filter and sort, not its page

    response = client.get(reverse("claims:queue_csv"), {"status": "open", "sort": "-claimed"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="claims-')
    header, *rows = _csv(response)
    assert header[:3] == ["事故番号", "状態", "被保険者"]
    assert [int(r[header.index("請求額 (円)")]) for r in rows] == [
        n for n in range(59, -1, -1) if n != 5
    ]
    assert {r[1] for r in rows} == {"事故受付"}


def test_the_csv_is_formula_safe_and_flags_what_the_queue_flags(client, alice):
    claim = make_claim(created_by=alice, handler=alice, talks_difficult=True)
    claim.policy.insured.name = '=HYPERLINK("http://evil.example")'
    claim.policy.insured.save()
    client.force_login(alice)

    header, row = _csv(client.get(reverse("claims:queue_csv")))

    assert row[header.index("被保険者")].startswith("'=HYPERLINK")
    assert row[header.index("Q8 交渉難航")] == "はい"
    assert row[header.index("支払期限の状況")] == "書類待ち"


def test_a_bad_filter_exports_nothing_and_says_why(client, alice):
    client.force_login(alice)
    response = client.get(reverse("claims:queue_csv"), {"reported_from": "yesterday"}, follow=True)
    assert "CSV を出力できませんでした" in response.content.decode()
    assert client.get(reverse("claims:queue_csv")).status_code == 200
    client.logout()
    assert client.get(reverse("claims:queue_csv")).status_code == 302


@pytest.mark.parametrize(
    "name",
    ["＝HYPERLINK(\"http://evil.example\")", "＋1+cmd", "－1+cmd", "＠SUM(A1)",
     " =1+1", "\n=1+1", "\t=1+1", "\u3000=1+1", "|calc"],
)  # fmt: skip
def test_the_csv_guards_full_width_and_white_space_formula_starts(client, alice, name):
    claim = make_claim(created_by=alice, handler=alice)
    claim.policy.insured.name = name
    claim.policy.insured.save()
    client.force_login(alice)

    header, row = _csv(client.get(reverse("claims:queue_csv")))

    assert row[header.index("被保険者")] == "'" + name
