"""The claim's contact log (経過記録): who may write it, what bad input gets, and that it is
append-only."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimNote
from claims.services import ClaimError
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status


def note_url(claim):
    return reverse("claims:note", args=[claim.number])


def post_note(client, claim, **fields):
    data = {"note-channel": "phone", "note-party": "insured", "note-body": "電話がありました"}
    data.update({f"note-{k}": v for k, v in fields.items()})
    return client.post(note_url(claim), data)


def test_a_handler_logs_a_call_and_sees_it_first_on_the_claim_page(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    post_note(client, claim, body="請求書は来週郵送するとのこと")

    response = post_note(
        client, claim, channel="email", party="client", body="顧問先から督促のメール\n2通目"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[claim.number]) + "#notes"
    page = client.get(response["Location"]).content.decode()
    notes_html = page[page.index('id="notes"') :]
    newest = notes_html.index("顧問先から督促のメール<br>2通目")
    older = notes_html.index("請求書は来週郵送するとのこと")
    assert newest < older
    assert "相手: 顧問先" in notes_html and "相手: 被保険者" in notes_html
    assert "佐藤 愛子" in notes_html
    note = ClaimNote.objects.get(channel="email")
    assert (note.by, note.claim, note.party) == (alice, claim, "client")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "   "}, "経過記録の内容を入力してください。"),
        ({"body": "あ" * 4001}, "4,000 文字以内で入力してください (現在 4001 文字)。"),
        ({"channel": "fax"}, "選択肢から選んでください。"),
        ({"party": ""}, "相手を選んでください。"),
        ({"body": "途中に\x00が入った"}, "NUL 文字 (制御文字) は使用できません。"),
    ],
)
def test_bad_input_shows_a_japanese_field_error_and_saves_nothing(client, alice, fields, message):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)

    response = post_note(client, claim, **fields)

    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "autofocus" in body  # the page scrolls to the field in error
    assert not ClaimNote.objects.exists()


def test_nobody_writes_on_a_claim_they_may_not_see(client, alice, bob):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(bob)
    assert post_note(client, claim).status_code == 404

    outsider = User.objects.create_user(username="mallory", password="pw-mallory-1")
    client.force_login(outsider)
    assert post_note(client, claim).status_code == 404

    client.logout()
    assert post_note(client, claim).status_code == 302  # to the login page
    assert not ClaimNote.objects.exists()
    with pytest.raises(ClaimError):
        services.claim_add_note(claim=claim, by=bob, channel="phone", party="insured", body="x")


def test_a_supervisor_notes_any_claim_even_a_settled_one(client, carol, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.CLOSED)
    client.force_login(carol)

    assert post_note(client, claim, channel="internal", party="internal").status_code == 302

    assert ClaimNote.objects.get().by == carol


def test_note_text_is_escaped(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    post_note(client, claim, body='<img src=x onerror="alert(1)">')

    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()

    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_notes_cannot_be_changed_or_deleted_in_the_admin(client, dave, alice):
    claim = make_claim(created_by=alice, handler=alice)
    note = services.claim_add_note(
        claim=claim, by=alice, channel="phone", party="insured", body="最初の記録"
    )
    client.force_login(dave)
    change = reverse("admin:claims_claimnote_change", args=[note.pk])

    assert "最初の記録" in client.get(reverse("admin:claims_claimnote_changelist")).content.decode()
    client.post(change, {"body": "書き換え"})
    client.post(reverse("admin:claims_claimnote_delete", args=[note.pk]), {"post": "yes"})

    note.refresh_from_db()
    assert note.body == "最初の記録"
    assert client.get(reverse("admin:claims_claimnote_add")).status_code == 403


def test_notes_are_post_only(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    assert client.get(note_url(claim)).status_code == 405


def test_the_approver_reads_the_latest_five_notes_beside_the_decision(client, alice, carol):
    from tests.claims.approval_helpers import awaiting_claim

    claim = awaiting_claim(handler=alice)
    for i in range(7):
        services.claim_add_note(
            claim=claim, by=alice, channel="phone", party="insured", body=f"連絡その{i}"
        )
    client.force_login(carol)

    page = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()

    notes = page[page.index('id="notes"') :]
    assert "最新5件" in notes
    shown = [f"連絡その{i}" for i in range(7) if f"連絡その{i}" in notes]
    assert shown == [f"連絡その{i}" for i in range(2, 7)]
    assert notes.index("連絡その6") < notes.index("連絡その2")  # newest first
