"""The accident report (事故連絡票, Q1): draft or submit, validation, duplicate warning."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claims.models import Claim, StatusChange
from tests.conftest import make_claim, make_policy

pytestmark = pytest.mark.django_db
S = Claim.Status
NEW = reverse("claims:new")


def report(policy_, incident_, **extra):
    data = {
        "policy": str(policy_.pk),
        "incident": str(incident_.pk),
        "noticed_on": "2023-06-06",
        "description": "社労夢が停止し、顧問先の給与計算が遅延",
        "action": "submit",
    }
    data.update(extra)
    return data


def test_form_renders_in_japanese(client, alice, mk_incident):
    client.force_login(alice)
    response = client.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert "事故連絡票" in html and "下書き保存" in html and "受付 (提出)" in html
    assert "株式会社エムケイシステム" in html


def test_submit_reports_the_claim_and_makes_the_filer_its_handler(client, alice, mk_incident):
    policy = make_policy(provides_cloud_service=True)
    client.force_login(alice)
    response = client.post(NEW, report(policy, mk_incident, direct_recovery_elected="on"))
    claim = Claim.objects.get(policy=policy)
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[claim.number])
    assert claim.number.startswith("C") and claim.number.endswith(f"{claim.pk:06d}")
    assert claim.status == S.REPORTED and claim.reported_at is not None
    assert claim.handler == alice and claim.created_by == alice
    assert claim.direct_recovery_elected is True
    assert StatusChange.objects.filter(claim=claim, to_status=S.REPORTED, by=alice).exists()


def test_draft_stays_private_and_unassigned(client, alice, bob, mk_incident):
    policy = make_policy()
    client.force_login(alice)
    client.post(NEW, report(policy, mk_incident, action="draft"))
    claim = Claim.objects.get(policy=policy)
    assert claim.status == S.DRAFT and claim.reported_at is None and claim.handler is None
    client.force_login(bob)
    assert client.get(reverse("claims:detail", args=[claim.number])).status_code == 404


def test_supervisor_filing_a_report_does_not_become_handler(client, carol, mk_incident):
    policy = make_policy()
    client.force_login(carol)
    client.post(NEW, report(policy, mk_incident))
    claim = Claim.objects.get(policy=policy)
    assert claim.status == S.REPORTED and claim.handler is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("noticed_on", "2999-01-01", "未来の日付は入力できません"),
        ("noticed_on", "", "事故を知った日を入力してください"),
        ("noticed_on", "6月6日", "YYYY-MM-DD"),
        ("policy", "999999", "保険契約を一覧から選んでください"),
        ("policy", "abc", "保険契約を一覧から選んでください"),
        ("policy", "", "被保険者・保険契約を選んでください"),
        ("incident", "999999", "インシデントを一覧から選んでください"),
        ("own_cloud_service_free_promotional", "on", "無償提供にチェックする場合は"),
    ],
)
def test_bad_report_is_refused_with_a_japanese_message(
    client, alice, mk_incident, field, value, message
):
    policy = make_policy()
    client.force_login(alice)
    response = client.post(NEW, report(policy, mk_incident, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Claim.objects.exists()


def test_second_report_on_same_policy_and_incident_warns_with_a_link(client, alice, mk_incident):
    first = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    response = client.post(NEW, report(first.policy, mk_incident), follow=True)
    html = response.content.decode()
    assert Claim.objects.filter(policy=first.policy).count() == 2  # warned, not blocked
    assert "重複報告の可能性" in html
    assert reverse("claims:detail", args=[first.number]) in html


def test_policy_lookup_finds_by_registration_number_and_name(client, alice):
    wanted = make_policy()
    other = make_policy()
    client.force_login(alice)
    url = reverse("claims:policy_lookup")
    html = client.get(url, {"policy_q": wanted.insured.registration_number}).content.decode()
    assert wanted.insured.name in html and other.insured.name not in html
    html = client.get(url, {"policy_q": wanted.insured.name}).content.decode()
    assert f'value="{wanted.pk}"' in html and f'value="{other.pk}"' not in html


def test_user_outside_the_desk_groups_cannot_file(client, mk_incident):
    outsider = User.objects.create_user("mallory", password="pw")
    client.force_login(outsider)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, report(make_policy(), mk_incident)).status_code == 403
    assert not Claim.objects.exists()


def test_anonymous_cannot_file(client, mk_incident):
    response = client.post(NEW, report(make_policy(), mk_incident))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Claim.objects.exists()


def test_hostile_intake_input_never_500(client, alice, mk_incident):
    client.force_login(alice)
    huge = "9" * 30
    assert client.get(NEW, {"policy": huge, "policy_q": "\x00%"}).status_code == 200
    response = client.post(NEW, report(make_policy(), mk_incident, policy=huge, incident=huge))
    assert response.status_code == 400
    assert "保険契約を一覧から選んでください" in response.content.decode()
    assert not Claim.objects.exists()


def test_intake_form_warns_of_an_open_claim_on_the_chosen_policy(client, alice, bob, mk_incident):
    first = make_claim(created_by=alice, handler=alice)
    bobs = make_claim(created_by=bob, handler=bob)
    client.force_login(alice)
    url = reverse("claims:intake_duplicates")
    html = client.get(url, {"policy": first.policy.pk, "incident": mk_incident.pk}).content.decode()
    assert "重複報告の可能性" in html and first.number in html
    assert client.get(url, {"policy": "", "incident": "x"}).content.decode().strip() == ""
    # bob's claim is not alice's to see: no warning, no number
    html = client.get(url, {"policy": bobs.policy.pk, "incident": mk_incident.pk}).content.decode()
    assert bobs.number not in html
