"""The claim page: who sees it, what it shows (summary, live assessment, banners, panels)."""

import pytest
from django.urls import reverse

from claims import services
from claims.models import Claim, ClientDamage, OvertimeEntry
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status


def url(claim):
    return reverse("claims:detail", args=[claim.number])


def test_handler_sees_her_claim_with_each_rows_decision_and_reasons(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    ClientDamage.objects.create(
        claim=claim,
        client_name="株式会社山田製作所",
        kind="business_interruption",
        claimed=120_000,
        recognized=100_000,
    )
    ClientDamage.objects.create(
        claim=claim,
        client_name="有限会社川口商店",
        kind="business_interruption",
        claimed=50_000,
        recognized=50_000,
        activity="it_business",
    )
    OvertimeEntry.objects.create(
        claim=claim,
        employee="山田花子",
        minutes=150,
        hourly_rate=2100,
        evidence=["attendance_record"],
    )
    services.claim_refresh_totals(claim=claim)
    client.force_login(alice)
    response = client.get(url(claim))
    assert response.status_code == 200
    html = response.content.decode()
    assert claim.policy.insured.name in html
    assert "株式会社山田製作所" in html and "100,000円" in html
    # the excluded row shows its code, title, explanation and Q&A reference
    assert (
        "IT_BUSINESS" in html and "IT業務不担保特約" in html and "ITユーザ行為の結果は対象" in html
    )
    # the pending overtime row names what is missing, and the top says so
    assert "MISSING_EVIDENCE" in html and "超過勤務の証憑不足" in html
    assert "時間単価の計算根拠" in html
    assert 'data-total="pending">1 件' in html
    # totals: liability 100,000 covered; overtime pending so expenses 0
    assert 'id="total-payable">100,000円' in html
    assert "限度額 100,000,000円" in html


def test_unknown_claim_number_is_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("claims:detail", args=["C23-999999"])).status_code == 404


def test_other_handlers_claim_is_404_not_its_data(client, alice, bob):
    claim = make_claim(created_by=bob, handler=bob)
    client.force_login(alice)
    response = client.get(url(claim))
    assert response.status_code == 404
    assert claim.policy.insured.name not in response.content.decode()


def test_a_draft_is_private_to_its_creator_even_for_supervisors(client, alice, carol):
    draft = make_claim(created_by=alice, status=S.DRAFT)
    client.force_login(carol)
    assert client.get(url(draft)).status_code == 404
    client.force_login(alice)
    assert client.get(url(draft)).status_code == 200


def test_supervisor_sees_any_reported_claim_read_only_when_not_hers(client, alice, carol):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(carol)
    response = client.get(url(claim))
    assert response.status_code == 200
    html = response.content.decode()
    assert "＋ 顧問先の損害を追加" not in html
    assert "閲覧のみ" in html


def test_anonymous_is_sent_to_login(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    response = client.get(url(claim))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_direct_recovery_election_shows_the_q7_banner(client, alice):
    claim = make_claim(created_by=alice, handler=alice, direct_recovery_elected=True)
    client.force_login(alice)
    html = client.get(url(claim)).content.decode()
    assert "banner-q7" in html
    assert "この選択が続く限り、保険金は一切支払われません" in html


def test_difficult_talks_show_the_q8_guidance(client, alice):
    plain = make_claim(created_by=alice, handler=alice)
    hard = make_claim(created_by=alice, handler=alice, talks_difficult=True)
    client.force_login(alice)
    assert "banner-q8" not in client.get(url(plain)).content.decode()
    html = client.get(url(hard)).content.decode()
    assert "弊社が被保険者に代わって顧問先と示談交渉を行うことはできません" in html


def test_read_only_claim_hides_item_forms(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.APPROVED)
    ClientDamage.objects.create(
        claim=claim, client_name="A社", kind="business_interruption", claimed=1, recognized=1
    )
    client.force_login(alice)
    html = client.get(url(claim)).content.decode()
    assert "＋ 顧問先の損害を追加" not in html
    assert "削除</button>" not in html
    assert "読み取り専用" in html


def test_facts_update_sets_direct_recovery_and_zeroes_the_payable(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    ClientDamage.objects.create(
        claim=claim, client_name="A社", kind="business_interruption", claimed=1000, recognized=1000
    )
    services.claim_refresh_totals(claim=claim)
    client.force_login(alice)
    response = client.post(
        reverse("claims:facts", args=[claim.number]),
        {
            "facts-noticed_on": "2023-06-06",
            "facts-description": "x",
            "facts-direct_recovery_elected": "on",
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.direct_recovery_elected is True
    assert claim.total_payable == 0


def test_facts_update_refuses_a_future_date_next_to_the_field(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    response = client.post(
        reverse("claims:facts", args=[claim.number]),
        {"facts-noticed_on": "2999-01-01", "facts-description": "x"},
    )
    assert response.status_code == 400
    assert "未来の日付は入力できません" in response.content.decode()
    claim.refresh_from_db()
    assert str(claim.noticed_on) == "2023-06-06"


def test_possible_duplicate_is_linked(client, alice):
    first = make_claim(created_by=alice, handler=alice)
    second = make_claim(created_by=alice, handler=alice, policy=first.policy)
    client.force_login(alice)
    html = client.get(url(second)).content.decode()
    assert "重複報告の可能性" in html
    assert reverse("claims:detail", args=[first.number]) in html


def _page_queries(client, claim):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(claim))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_claim_page_queries_do_not_grow_with_its_rows(client, alice):
    small = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    big = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    for claim, n in ((small, 1), (big, 25)):
        for i in range(n):
            ClientDamage.objects.create(
                claim=claim,
                client_name=f"顧問先{i}",
                kind="business_interruption",
                claimed=10,
                recognized=10,
            )
            OvertimeEntry.objects.create(
                claim=claim,
                employee=f"従業員{i}",
                minutes=60,
                hourly_rate=100,
                evidence=["wage_basis"],
            )
            services.claim_add_note(
                claim=claim, by=alice, channel="phone", party="insured", body=f"電話 {i}"
            )
        services.claim_refresh_totals(claim=claim)
    client.force_login(alice)
    _page_queries(client, small)  # warm the session
    assert _page_queries(client, big) == _page_queries(client, small)


def test_the_insured_can_be_called_or_mailed_from_the_claim_page(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    insured = claim.policy.insured
    insured.contact_person, insured.phone, insured.email = (
        "東西 太郎",
        "03-5555-0005",
        "a@sr.example",
    )
    insured.save()
    client.force_login(alice)

    html = client.get(url(claim)).content.decode()

    assert "東西 太郎 様" in html
    assert '<a href="tel:0355550005">03-5555-0005</a>' in html
    assert '<a href="mailto:a@sr.example">a@sr.example</a>' in html
