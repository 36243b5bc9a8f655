"""The overtime premium (issue 15, item 9): the web forms and the importer take what the
`assess` contract takes (a decimal of at least 1: 1.255, 1.3333, "1.250"), store it exactly,
and the claim pays what `manage.py assess` computes for the same facts."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.models import Claim, OvertimeEntry
from tests.conftest import make_claim, make_policy

pytestmark = pytest.mark.django_db
S = Claim.Status
NOTE = "勤怠記録・賃金台帳・日報を原本で確認"


def overtime_form(premium, minutes, rate):
    return {
        "add-overtime-employee": "山田花子",
        "add-overtime-minutes": str(minutes),
        "add-overtime-hourly_rate": str(rate),
        "add-overtime-premium": premium,
        "add-overtime-task": "incident_response",
        "add-overtime-overtime_eligible": "on",
        "add-overtime-evidence": ["attendance_record", "wage_basis", "task_record"],
        "add-overtime-evidence_note": NOTE,
        "add-overtime-cause": "provider_attack",
    }


def assess_total(premium: str, minutes: int, rate: int) -> int:
    """What the `assess` contract says the same overtime pays."""
    facts = {
        "plan": "cyber_standard",
        "incident_leak_or_threat": True,
        "overtime": [
            {
                "id": "o1",
                "minutes": minutes,
                "hourly_rate": rate,
                "premium": premium,
                "evidence": ["attendance_record", "wage_basis", "task_record"],
            }
        ],
    }
    out = StringIO()
    call_command("assess", "-", stdin=StringIO(json.dumps(facts)), stdout=out)
    return json.loads(out.getvalue())["items"][0]["amount"]


@pytest.mark.parametrize(
    ("typed", "stored", "minutes", "rate", "pay"),
    [
        ("1.255", "1.255", 60, 100, 126),  # 125.5 -> 126 (half up)
        ("1.3333", "1.3333", 90, 2_001, 4_002),  # 4001.93... -> 4,002
        ("1.250", "1.25", 150, 2_100, 6_563),  # 6,562.5 -> 6,563
        ("１．２５５", "1.255", 61, 1_999, 2_551),  # full-width digits, as typed on a JP IME
        ("999.999999999999", "999.999999999999", 100_000, 999_999, 1_666_665_000_000),
    ],
)
def test_the_form_takes_what_assess_takes_and_pays_the_same(
    client, alice, typed, stored, minutes, rate, pay
):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    response = client.post(
        reverse("claims:item_add", args=[claim.number, "overtime"]),
        overtime_form(typed, minutes, rate),
    )
    assert response.status_code == 302
    entry = OvertimeEntry.objects.get(claim=claim)
    assert entry.premium == Decimal(stored)  # exactly, read back from the database
    claim.refresh_from_db()
    assert claim.total_claimed == pay == assess_total(stored, minutes, rate)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert f"× {stored}</td>" in page  # as typed, not 1.255000000000


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # beyond the contract's 12 decimals, 1000 and more, and a float's exponent form
        # (below 1 and "1,25" were refused before too: tests/claims/test_items.py)
        ("1.2345678901234", "小数点以下12桁まで"),
        ("1000", "割増率は 1000 未満"),
        ("1e0", "割増率は 1.25 のような数"),
    ],
)
def test_what_assess_refuses_is_refused_next_to_the_field(client, alice, typed, message):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    response = client.post(
        reverse("claims:item_add", args=[claim.number, "overtime"]),
        overtime_form(typed, 60, 2000),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="error_1_id_add-overtime-premium"' in html
    assert not OvertimeEntry.objects.exists()


def test_the_importer_takes_the_contracts_premiums_and_refuses_the_rest(
    tmp_path, alice, mk_incident
):
    policy = make_policy()

    def line(ref, premium):
        return json.dumps(
            {
                "external_ref": ref,
                "policy_number": policy.number,
                "incident_id": mk_incident.pk,
                "noticed_on": "2023-06-06",
                "overtime": [
                    {"employee": "山田", "minutes": 90, "hourly_rate": 2001, "premium": premium}
                ],
            },
            ensure_ascii=False,
        )

    path = tmp_path / "o.jsonl"
    lines = [line("P-1", "1.3333"), line("P-2", "1.255"), line("P-3", "1.2345678901234")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):  # the valid claims alone come in with --skip-invalid
        call_command(
            "import_claims", str(path), "--by", "alice", "--skip-invalid", stdout=out, stderr=err
        )
    assert "3行目 [P-3] overtime[0].premium:" in err.getvalue()
    assert "小数点以下12桁まで" in err.getvalue()
    premiums = dict(
        OvertimeEntry.objects.values_list("claim__external_ref", "premium").order_by("id")
    )
    assert premiums == {"P-1": Decimal("1.3333"), "P-2": Decimal("1.255")}
    # 90 × 2,001 × 1.3333 ÷ 60 = 4,001.93... -> 4,002, as `assess` says (no evidence: pending)
    claim = Claim.objects.get(external_ref="P-1")
    assert claim.total_claimed == assess_total("1.3333", 90, 2001) == 4_002


def test_the_history_shows_the_premium_as_typed(client, alice):
    """Changing 1.25 to 1.255 reads so in the claim's audit trail."""
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    client.post(
        reverse("claims:item_add", args=[claim.number, "overtime"]),
        overtime_form("1.25", 60, 100),
    )
    entry = OvertimeEntry.objects.get(claim=claim)
    data = {k.replace("add-", "edit-"): v for k, v in overtime_form("1.255", 60, 100).items()}
    response = client.post(
        reverse("claims:item_edit", args=[claim.number, "overtime", entry.pk]), data
    )
    assert response.status_code == 302
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    timeline = page.split('id="timeline"', 1)[1]
    assert '割増率: <span class="text-muted">1.25</span> → <strong>1.255</strong>' in timeline
    assert "1.255000000000" not in page
