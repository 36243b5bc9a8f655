"""Who may open and change which claim on the desk, person by person (404 hides, 403 refuses)."""

import pytest
from django.urls import reverse

from claims.models import Claim, Expense
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
EXPENSE = {
    "add-expenses-category": "call_center",
    "add-expenses-amount": "1000",
    "add-expenses-cause": "provider_attack",
}


@pytest.fixture
def claims(alice, bob, carol, dave):
    return {
        "alices": make_claim(created_by=alice, handler=alice),
        "alices_draft": make_claim(created_by=alice, status=S.DRAFT),
        "pool_filed_by_alice": make_claim(created_by=alice),
    }


# (user, claim) -> (GET status, POST add-expense status)
EXPECTED = {
    ("alice", "alices"): (200, 302),
    ("alice", "alices_draft"): (200, 302),
    ("alice", "pool_filed_by_alice"): (200, 302),
    ("bob", "alices"): (404, 404),
    ("bob", "alices_draft"): (404, 404),
    ("bob", "pool_filed_by_alice"): (200, 403),
    ("carol", "alices"): (200, 403),
    ("carol", "alices_draft"): (404, 404),
    ("carol", "pool_filed_by_alice"): (200, 302),
    ("dave", "alices"): (200, 302),
    ("dave", "alices_draft"): (404, 404),
    ("dave", "pool_filed_by_alice"): (200, 302),
}


@pytest.mark.parametrize(("username", "which"), list(EXPECTED))
def test_open_and_change_matrix(client, claims, username, which):
    from django.contrib.auth.models import User

    claim = claims[which]
    client.force_login(User.objects.get(username=username))
    want_get, want_post = EXPECTED[(username, which)]
    response = client.get(reverse("claims:detail", args=[claim.number]))
    assert response.status_code == want_get
    if want_get == 404:
        assert claim.policy.insured.name not in response.content.decode()
    response = client.post(reverse("claims:item_add", args=[claim.number, "expenses"]), EXPENSE)
    assert response.status_code == want_post
    assert Expense.objects.filter(claim=claim).exists() == (want_post == 302)
