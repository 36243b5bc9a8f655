"""Assignment from the claim page: a handler takes an unassigned claim where she reads it; a
supervisor (re)assigns it there. The control posts to the queue's assign view, which checks
every rule again."""

import pytest
from django.urls import reverse

from claims.models import Claim
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
ASSIGN = reverse("claims:assign")


def page(client, claim):
    return client.get(reverse("claims:detail", args=[claim.number]))


def take_button(response) -> bool:
    return "自分が担当する" in response.content.decode()


def test_a_handler_takes_an_unassigned_claim_from_its_page_and_comes_back(client, alice):
    claim = make_claim(created_by=alice, handler=None)
    client.force_login(alice)
    url = reverse("claims:detail", args=[claim.number])
    assert take_button(page(client, claim))

    response = client.post(ASSIGN, {"claim": [claim.pk], "handler": "me", "next": url}, follow=True)

    assert response.redirect_chain[-1][0] == url
    claim.refresh_from_db()
    assert claim.handler.username == "alice"
    body = response.content.decode()
    assert "佐藤" in body and "さんに割り当てました" in body
    assert not take_button(response)  # hers now: nothing left to take


def test_no_take_button_on_someone_elses_a_draft_or_a_settled_claim(client, alice, bob):
    client.force_login(alice)
    assigned = make_claim(created_by=alice, handler=bob)
    draft = make_claim(created_by=alice, handler=None, status=S.DRAFT)
    closed = make_claim(created_by=alice, handler=None, status=S.CLOSED)
    for claim in (draft, closed):
        response = page(client, claim)
        assert response.status_code == 200 and not take_button(response)
    # bob's claim is not even visible to alice (the queue view refuses to assign it too)
    assert page(client, assigned).status_code == 404


def test_a_supervisor_reassigns_from_the_claim_page(client, carol, alice, bob):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(carol)
    response = page(client, claim)
    body = response.content.decode()
    assert 'id="id_assign_handler"' in body and ">変更</button>" in body
    handlers = [h.username for h in response.context["assign_handlers"]]
    assert handlers == ["alice", "bob"]

    client.post(ASSIGN, {"claim": [claim.pk], "handler": bob.pk})

    claim.refresh_from_db()
    assert claim.handler.username == "bob"


def test_reassigning_to_the_same_handler_writes_no_history(client, carol, alice):
    claim = make_claim(created_by=alice, handler=alice)
    before = claim.history.count()
    client.force_login(carol)

    client.post(ASSIGN, {"claim": [claim.pk], "handler": alice.pk})

    assert claim.history.count() == before


def test_an_unassigned_claim_preselects_nobody_for_the_supervisor(client, carol, alice):
    """No handler is picked for her: one careless click must not hand the claim to alice."""
    claim = make_claim(created_by=alice, handler=None)
    client.force_login(carol)
    body = page(client, claim).content.decode()
    assert '<option value="">選択…</option>' in body and ">割当</button>" in body

    response = client.post(ASSIGN, {"claim": [claim.pk], "handler": ""}, follow=True)

    assert "割当先の担当者を選択してください。" in response.content.decode()
    claim.refresh_from_db()
    assert claim.handler is None
