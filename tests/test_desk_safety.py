"""Issue 18, items 4, 8 and 9 without a browser: htmx requests that meet an expired session
or a CSRF failure get a small Japanese answer htmx does not swap (never the login page in
the middle of the claim page); irreversible and bulk actions carry a confirmation that names
the claim and the consequence; 承認に回す is shown disabled with its reason when it would be
refused; one date format on screen, 年月日 in letters, family name first."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Claim, ClientDamage
from claimsdesk.display import person_name, ymd, ymd_ja
from documents import services as doc_services
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
HX = {"HTTP_HX_REQUEST": "true"}
EXPIRED = (
    "セッションの有効期限が切れました。別のタブでサインインしてから、もう一度保存してください。"
)


def add_url(claim):
    return reverse("claims:item_add", args=[claim.number, "damages"])


def test_an_htmx_add_without_a_session_answers_401_with_the_japanese_message(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    response = Client().post(add_url(claim), {"add-damages-client_name": "山田製作所"}, **HX)

    assert response.status_code == 401
    assert response["HX-Reswap"] == "none"
    assert response["X-Login-URL"] == reverse("login")
    assert response.content.decode() == EXPIRED
    assert "<form" not in response.content.decode()  # never the login page to swap in
    assert not claim.damages.exists()


def test_a_plain_request_without_a_session_still_goes_to_the_login_page(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    response = Client().get(reverse("claims:detail", args=[claim.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_csrf_failure_answers_htmx_403_in_japanese_and_a_plain_post_a_page(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    htmx = client.post(add_url(claim), {"add-damages-client_name": "山田製作所"}, **HX)
    assert htmx.status_code == 403
    assert htmx["HX-Reswap"] == "none"
    assert "サインインしてから、もう一度保存してください" in htmx.content.decode()

    plain = client.post(add_url(claim), {"add-damages-client_name": "山田製作所"})
    assert plain.status_code == 403
    page = plain.content.decode()
    assert "保存できませんでした" in page and 'target="_blank"' in page
    assert "CSRF" not in page  # not Django's English page
    assert not claim.damages.exists()


def test_every_page_loads_the_static_script_that_handles_it(client, alice):
    client.force_login(alice)
    page = client.get(reverse("claims:queue")).content.decode()
    assert "js/safety" in page and "onclick" not in page


def test_bulk_actions_confirm_naming_the_selected_claims_and_the_consequence(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    page = client.get(reverse("claims:queue")).content.decode()
    label = f'data-confirm-label="{claim.number} {claim.policy.insured.name}"'
    assert label in page
    assert 'data-confirm-list="claim"' in page
    assert "督促 (再依頼) を記録し、被保険者あての依頼状を作ります" in page
    assert "担当者を変更します" in page


def test_rejection_withdrawal_and_deletes_name_the_claim_and_what_happens(client, alice, carol):
    from tests.claims.approval_helpers import awaiting_claim

    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社山田製作所",
        kind="business_interruption",
        claimed=100_000,
        recognized=100_000,
    )
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert f"{claim.number} ({claim.policy.insured.name}) を取下げにします" in page
    assert f"{claim.number} の損害「株式会社山田製作所」の行を削除します" in page

    waiting = awaiting_claim(handler=alice)
    client.force_login(carol)
    approval = client.get(reverse("approvals:detail", args=[waiting.number])).content.decode()
    assert f"{waiting.number} ({waiting.policy.insured.name}) を不支払として終了します" in approval
    assert "保険金は支払われず" in approval


def test_send_to_approval_is_shown_disabled_with_the_reason_when_it_would_be_refused(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert 'class="btn btn-sm btn-primary" disabled' in page
    assert "承認に回せません: 損害・費用・超過勤務が1件もないため、承認に回せません。" in page
    # the refusal still holds on the server
    client.post(reverse("claims:action", args=[claim.number]), {"action": "send_to_approval"})
    claim.refresh_from_db()
    assert claim.status == S.UNDER_ASSESSMENT


def test_a_claim_page_shows_dates_as_2026_11_30(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    Claim.objects.filter(pk=claim.pk).update(noticed_on=datetime.date(2026, 11, 30))
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "2026/11/30" in page
    # ISO only where the browser needs it: the value of an <input type="date">
    assert "2026-11-30" not in page.replace('value="2026-11-30"', "")
    assert ymd(datetime.date(2026, 1, 5)) == "2026/01/05"


def test_the_request_letter_spells_dates_in_nen_gatsu_nichi(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    Claim.objects.filter(pk=claim.pk).update(noticed_on=datetime.date(2026, 11, 30))
    request = doc_services.documents_request(claim=claim, by=alice)
    client.force_login(alice)
    letter = client.get(reverse("documents:request_letter", args=[request.pk])).content.decode()
    assert ymd_ja(request.requested_at) in letter
    assert "年" in ymd_ja(request.requested_at) and "/" not in ymd_ja(request.requested_at)
    assert f"{request.requested_at:%Y-%m-%d}" not in letter
    assert "担当 佐藤 愛子" in letter  # the letterhead: family name first, with a space


def test_names_are_family_name_first_on_screen_in_messages_and_in_the_admin(
    client, alice, carol, dave
):
    ito = User.objects.create_user("ito", first_name="恵理", last_name="伊藤")
    assert person_name(ito) == "伊藤 恵理"
    assert person_name(User(username="nobody")) == "nobody"
    claim = make_claim(created_by=alice, handler=ito, status=S.UNDER_ASSESSMENT)

    client.force_login(dave)
    changelist = client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert "伊藤 恵理" in changelist and "恵理 伊藤" not in changelist

    client.force_login(carol)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert "伊藤 恵理" in page and "恵理 伊藤" not in page
    client.force_login(alice)
    navbar = client.get(reverse("claims:queue")).content.decode()
    assert "佐藤 愛子" in navbar


def test_the_settlement_summary_writes_overtime_dates_in_nen_gatsu_nichi():
    from coverage import vocab
    from documents.pdf_context import _describe

    row = {"work_date": datetime.date(2026, 11, 30), "minutes": 90, "hourly_rate": 2000}
    _main, detail = _describe(vocab.SECTION_OVERTIME, row)
    assert detail.startswith("2026年11月30日 1時間30分")
    assert "2026-11-30" not in detail


def test_an_upload_without_a_session_answers_json_the_panel_shows(alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    url = reverse("documents:upload", args=[claim.number])
    response = Client().post(url, {}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "errors": [{"name": "", "message": EXPIRED}]}
