"""Bidirectional control characters (U+202E and friends) are refused in free text (#16):
they made a client name or a reason read backwards on pages and in the settlement PDF."""

import pytest
from django.urls import reverse

from claims.models import Claim, ClaimNote, ClientDamage, Insured
from tests.claims.claim_page.test_items import DAMAGE
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
MESSAGE = "文字の表示方向を変える制御文字"
CONTROLS = ["\u202e", "\u202a", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f"]


@pytest.fixture
def claim(alice):
    return make_claim(created_by=alice, handler=alice, status=Claim.Status.UNDER_ASSESSMENT)


@pytest.mark.parametrize("control", CONTROLS)
def test_a_note_with_a_bidi_control_is_refused_next_to_the_field(client, alice, claim, control):
    client.force_login(alice)
    response = client.post(
        reverse("claims:note", args=[claim.number]),
        {"note-channel": "phone", "note-party": "insured", "note-body": f"電話{control}gpj.exe"},
    )
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    assert not ClaimNote.objects.exists()


def test_an_item_with_a_reversed_client_name_is_refused(client, alice, claim):
    client.force_login(alice)
    data = dict(DAMAGE, **{"add-damages-client_name": "株式会社\u202e所作製田山"})
    response = client.post(reverse("claims:item_add", args=[claim.number, "damages"]), data)
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    assert not ClientDamage.objects.exists()


def test_the_facts_description_refuses_an_override(client, alice, claim):
    client.force_login(alice)
    response = client.post(
        reverse("claims:facts", args=[claim.number]),
        {"facts-noticed_on": "2023-06-06", "facts-description": "停止\u202e概要"},
        follow=True,
    )
    assert MESSAGE in response.content.decode()
    claim.refresh_from_db()
    assert claim.description == "社労夢停止"


def test_a_status_reason_with_an_override_is_refused(client, alice, claim):
    client.force_login(alice)
    response = client.post(
        reverse("claims:action", args=[claim.number]),
        {"action": "request_documents", "reason": "理由\u202e"},
        follow=True,
    )
    assert MESSAGE in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.UNDER_ASSESSMENT


def test_admin_text_fields_refuse_it_too(client, dave, claim):
    insured = claim.policy.insured
    client.force_login(dave)
    url = reverse("admin:claims_insured_change", args=[insured.pk])
    response = client.post(
        url,
        {"kind": insured.kind, "name": "事務所\u202e", "registration_number": "12345678"},
    )
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert "\u202e" not in Insured.objects.get(pk=insured.pk).name


def test_ordinary_japanese_text_is_kept(client, alice, claim):
    client.force_login(alice)
    response = client.post(
        reverse("claims:note", args=[claim.number]),
        {"note-channel": "phone", "note-party": "insured", "note-body": "（株）山田 ― 電話 ①"},
    )
    assert response.status_code == 302
