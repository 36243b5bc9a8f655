"""The claim page as a desk lives in it: a sticky header with the status actions, section
anchors and a skip link, a history filtered by kind, rule codes only in tooltips; the 403
page with the navigation and a way back; the admin's words in Japanese (issue 18, 5 and 7)."""

import re

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClientDamage, Incident, OvertimeEntry
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status


def url(claim, **query):
    base = reverse("claims:detail", args=[claim.number])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _claim_with_history(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    OvertimeEntry.objects.create(
        claim=claim, employee="山田花子", minutes=150, hourly_rate=2100, evidence=[]
    )
    services.claim_refresh_totals(claim=claim)
    services.claim_transition(claim=claim, to=S.DOCUMENTS_REQUESTED, by=alice, reason="書類待ち")
    return claim


def test_sticky_header_carries_number_status_and_actions_and_the_sections_are_anchored(
    client, alice
):
    claim = _claim_with_history(alice)
    client.force_login(alice)
    html = client.get(url(claim)).content.decode()
    head = html.split('id="claim-head"', 1)[1].split("</header>", 1)[0]
    assert 'class="d-flex flex-wrap align-items-start gap-3 mb-2 claim-head claim-sticky"' in html
    assert claim.number in head and "badge" in head
    assert 'name="action"' in head  # the status actions live in the sticky header
    for anchor, label in [
        ("items", "明細"),
        ("documents", "書類"),
        ("tasks", "対応予定"),
        ("notes", "経過記録"),
        ("timeline", "履歴"),
    ]:
        assert f'href="#{anchor}">{label}</a>' in head
        assert html.count(f'id="{anchor}"') == 1, anchor
    # the skip link jumps to the main content
    assert '<a class="visually-hidden-focusable skip-link" href="#main">本文へスキップ</a>' in html
    assert 'id="main"' in html
    with open("static/css/claimsdesk.css", encoding="utf-8") as f:
        css = f.read()
    assert re.search(r"\.claim-sticky \{[^}]*position: sticky; top: 0", css)


def test_history_filter_shows_only_the_chosen_kind(client, alice):
    claim = _claim_with_history(alice)
    client.force_login(alice)
    full = client.get(url(claim)).content.decode().split('id="timeline"', 1)[1]
    assert 'data-kind="status"' in full and 'data-kind="amount"' in full

    status = client.get(url(claim, history="status")).content.decode()
    timeline = status.split('id="timeline"', 1)[1]
    kinds = set(re.findall(r'data-kind="(\w+)"', timeline))
    assert kinds == {"status"}
    assert "書類待ち" in timeline  # the status change's reason
    assert "山田花子" not in timeline  # the overtime entry is an amount, left out
    assert 'aria-current="true">状態</a>' in timeline

    amounts = client.get(url(claim, history="amounts")).content.decode()
    timeline = amounts.split('id="timeline"', 1)[1]
    assert set(re.findall(r'data-kind="(\w+)"', timeline)) <= {"amount", "figures"}
    assert "山田花子" in timeline

    documents = client.get(url(claim, history="documents")).content.decode()
    assert "この種類の履歴はありません。" in documents
    # the filter links, with 「すべて」 to go back
    for key, label in [("status", "状態"), ("amounts", "金額"), ("documents", "書類")]:
        assert f'?history={key}#timeline" data-history="{key}">{label}</a>' in full
    assert "設定変更</a>" in status and ">すべて</a>" in status


def test_rule_codes_only_in_tooltips_on_the_claim_page(client, alice):
    claim = _claim_with_history(alice)
    ClientDamage.objects.create(
        claim=claim,
        client_name="有限会社川口商店",
        kind="business_interruption",
        claimed=50_000,
        recognized=50_000,
        activity="it_business",
    )
    services.claim_refresh_totals(claim=claim)
    client.force_login(alice)
    html = client.get(url(claim)).content.decode()
    assert 'title="規則コード MISSING_EVIDENCE"' in html
    assert "超過勤務の証憑不足" in html and "IT業務不担保特約" in html
    text = re.sub(r'\s[\w-]+="[^"]*"', "", html)  # every attribute value out
    for code in ("MISSING_EVIDENCE", "IT_BUSINESS"):
        assert code not in text


def test_approval_page_puts_the_decision_first_on_narrow_screens(client, alice, carol):
    claim = awaiting_claim(handler=alice)
    client.force_login(carol)
    html = client.get(reverse("approvals:detail", args=[claim.number])).content.decode()
    assert 'class="col-lg-4 order-first order-lg-last decision-column"' in html
    assert "承認の判断" in html.split("order-first order-lg-last", 1)[1]


def test_403_page_has_the_navigation_and_a_way_back(client, alice, bob):
    claim = awaiting_claim(handler=alice)
    client.force_login(bob)
    # a handler asking for the approval page of another handler's claim
    response = client.get(
        reverse("approvals:detail", args=[claim.number]),
        HTTP_REFERER="http://testserver" + url(claim),
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="navbar' in html and "事故一覧</a>" in html  # the site navigation
    assert f'href="{reverse("claims:queue")}">事故一覧へ戻る</a>' in html
    assert f'href="http://testserver{url(claim)}" data-back>前の画面に戻る</a>' in html
    assert "本文へスキップ" in html


def test_incident_is_called_インシデント_in_the_admin(client, alice, dave):
    from documents.models import DocumentRequest

    DocumentRequest.objects.create(
        claim=make_claim(created_by=alice, handler=alice), requested_by=alice, items=[]
    )
    assert Incident._meta.verbose_name == "インシデント"
    client.force_login(dave)
    index = client.get(reverse("admin:index")).content.decode()
    assert ">インシデント</a>" in index
    assert "事故 (インシデント)" not in index
    form = client.get(reverse("admin:claims_claim_add")).content.decode()
    assert "インシデント" in form
    # the claims app's admin columns and filters carry Japanese labels
    payouts = client.get(reverse("admin:claims_payout_changelist")).content.decode()
    assert "状態" in payouts and "By status" not in payouts
    requests = client.get(reverse("admin:documents_documentrequest_changelist")).content
    for label in ("事故", "依頼者", "依頼日時", "充足日時"):
        assert label in requests.decode()
    for english in ("Requested by", "Requested at", "Fulfilled at"):
        assert english not in requests.decode()


def test_admin_history_page_in_japanese(client, alice, dave):
    claim = make_claim(created_by=alice, handler=alice)
    claim.description = "変更"
    claim.save()
    client.force_login(dave)
    html = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
    for label in ("日時", "変更者", "変更理由", "変更内容"):
        assert f">{label}</th>" in html
    assert "<td>作成</td>" in html and "<td>変更</td>" in html
    assert f"<h1>変更履歴: {claim}</h1>" in html
    for english in (
        "View history",
        "Date/time",
        "Changed by",
        "Change reason",
        "Choose a date",
        "Created",
    ):
        assert english not in html


def test_desk_forms_name_the_missing_field_not_the_generic_message(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    diary = client.post(reverse("claims:next_action", args=[claim.number]), {"next-on": ""})
    assert "次回対応日を入力してください。" in diary.content.decode()
    note = client.post(
        reverse("claims:note", args=[claim.number]),
        {"note-channel": "", "note-party": "", "note-body": ""},
    )
    html = note.content.decode()
    for message in (
        "手段を選んでください。",
        "相手を選んでください。",
        "経過記録の内容を入力してください。",
    ):
        assert message in html
    for response in (diary, note):
        assert "このフィールドは必須です。" not in response.content.decode()
        assert "This field is required." not in response.content.decode()


def test_an_htmx_item_change_keeps_the_history_filter_of_the_page(client, alice):
    claim = _claim_with_history(alice)
    client.force_login(alice)
    page = "http://testserver" + url(claim, history="status")
    response = client.post(
        reverse("claims:item_add", args=[claim.number, "expenses"]),
        {
            "add-expenses-category": "customer_notification",
            "add-expenses-description": "お詫び状",
            "add-expenses-amount": "50000",
            "add-expenses-incurred_on": "2023-06-20",
            "add-expenses-cause": "provider_attack",
        },
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=page,
    )
    timeline = response.content.decode().split('id="timeline"', 1)[1]
    assert set(re.findall(r'data-kind="(\w+)"', timeline)) == {"status"}
    assert "お詫び状" not in timeline  # the new expense is an amount, filtered out
    # the filter links point at the claim page, not at the item-add URL
    assert f'href="{url(claim)}?history=amounts#timeline"' in timeline
