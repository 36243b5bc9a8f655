"""Incident register: totals equal the sums over the incident's claims, in fixed queries."""

import csv
import datetime
import io
import random

import pytest
from django.utils import timezone

from claims.models import Claim, Incident, Payout
from tests.conftest import make_policy

pytestmark = pytest.mark.django_db
S = Claim.Status
N_CLAIMS = 300


def _bulk_claims(incident, *, users, n=N_CLAIMS, seed=7, prefix="R"):
    rng = random.Random(seed)
    policies = [make_policy(code) for code in ("cyber_standard", "leak_only_30m", "leak_only_5m")]
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        [
            Claim(
                number=f"{prefix}{i:06d}",
                policy=policies[i % 3],
                incident=incident,
                status=rng.choice(S.values),
                handler=rng.choice(users + [None]),
                created_by=users[0],
                noticed_on=datetime.date(2023, 6, 6),
                reported_at=now - datetime.timedelta(days=rng.randint(0, 120)),
                total_claimed=rng.randint(0, 5_000_000),
                total_payable=rng.randint(0, 3_000_000),
            )
            for i in range(n)
        ]
    )
    payouts = []
    for claim in claims:
        if claim.status in {S.APPROVED, S.PAID, S.CLOSED}:
            liability, expense = rng.randint(0, 2_000_000), rng.randint(0, 500_000)
            status = {
                S.APPROVED: Payout.Status.APPROVED,
                S.PAID: Payout.Status.PAID,
                S.CLOSED: rng.choice([Payout.Status.PAID, Payout.Status.VOIDED]),
            }[claim.status]
            payouts.append(
                Payout(
                    claim=claim,
                    status=status,
                    amount=liability + expense,
                    liability_amount=liability,
                    expense_amount=expense,
                    approved_by=users[-1],
                    paid_on=datetime.date(2023, 9, 1) if status == Payout.Status.PAID else None,
                    payment_reference=f"FB-{claim.number}" if status == Payout.Status.PAID else "",
                )
            )
    Payout.objects.bulk_create(payouts)
    return claims, payouts


def _expected(claims, payouts):
    counted = [c for c in claims if c.status != S.DRAFT]
    live = [p for p in payouts if p.status != Payout.Status.VOIDED]
    paid = [p for p in live if p.status == Payout.Status.PAID]
    open_statuses = {S.REPORTED, S.DOCUMENTS_REQUESTED, S.UNDER_ASSESSMENT, S.AWAITING_APPROVAL}
    return {
        "claims": len(counted),
        "claimed": sum(c.total_claimed for c in counted if c.status != S.WITHDRAWN),
        "payable": sum(c.total_payable for c in counted if c.status in open_statuses)
        + sum(p.amount for p in live),
        "paid": sum(p.amount for p in paid),
        "paid_liability": sum(p.liability_amount for p in paid),
        "paid_expenses": sum(p.expense_amount for p in paid),
        "approved": sum(p.amount for p in live if p.status == Payout.Status.APPROVED),
    }


@pytest.fixture
def other_incident():
    return Incident.objects.create(
        provider_name="別のクラウド株式会社", title="別事故", occurred_on=datetime.date(2024, 1, 10)
    )


def test_register_totals_equal_the_sums_over_its_claims(
    client, alice, bob, carol, mk_incident, other_incident, django_assert_max_num_queries
):
    from claims.incidents.register import incident_register

    claims, payouts = _bulk_claims(mk_incident, users=[alice, bob, carol])
    _bulk_claims(other_incident, users=[alice, bob, carol], n=40, seed=9, prefix="X")
    expected = _expected(claims, payouts)

    with django_assert_max_num_queries(4):
        register = incident_register(mk_incident)
    t = register.total
    got = {
        "claims": t.claims,
        "claimed": t.claimed,
        "payable": t.payable,
        "paid": t.paid,
        "paid_liability": t.paid_liability,
        "paid_expenses": t.paid_expenses,
        "approved": t.approved,
    }
    assert got == expected
    assert t.paid == t.paid_liability + t.paid_expenses
    # the status and plan tables add up to the same totals
    for rows in (register.by_status, register.by_plan):
        assert sum(b.claims for b in rows) == t.claims
        assert sum(b.claimed for b in rows) == t.claimed
        assert sum(b.payable for b in rows) == t.payable
        assert sum(b.paid for b in rows) == t.paid
    assert sum(n for _, n in register.weekly) == sum(
        1 for c in claims if c.status != S.DRAFT and c.reported_at
    )

    client.force_login(carol)
    with django_assert_max_num_queries(12):
        response = client.get(f"/incidents/{mk_incident.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{expected['paid']:,}円" in html and f"{expected['claimed']:,}円" in html
    assert "<svg" in html and "支払一覧 CSV" in html
    with django_assert_max_num_queries(12):
        assert client.get(f"/incidents/{mk_incident.pk}/?page=3").status_code == 200
    assert client.get(f"/incidents/{mk_incident.pk}/?page=zzz").status_code == 200


def test_handler_sees_totals_but_only_her_claims_and_no_csv(client, alice, bob, mk_incident):
    claims, _ = _bulk_claims(mk_incident, users=[alice, bob], n=60)
    client.force_login(alice)
    html = client.get(f"/incidents/{mk_incident.pk}/").content.decode()
    visible = [
        c
        for c in claims
        if c.status != S.DRAFT
        and c.handler_id in (alice.pk, None)
        or (c.status == S.DRAFT and c.created_by_id == alice.pk)
    ]
    assert f"閲覧できる事故 {len(visible)}件" in html
    bobs = next(c for c in claims if c.handler_id == bob.pk and c.status != S.DRAFT)
    assert bobs.number not in html
    assert "支払一覧 CSV" not in html
    assert client.get(f"/incidents/{mk_incident.pk}/payouts.csv").status_code == 403


def test_csv_export_has_bom_japanese_header_and_live_payouts(client, alice, carol, mk_incident):
    claims, payouts = _bulk_claims(mk_incident, users=[alice, carol], n=80)
    client.force_login(carol)
    response = client.get(f"/incidents/{mk_incident.pk}/payouts.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["事故番号", "被保険者", "登録番号"]
    live = [p for p in payouts if p.status != Payout.Status.VOIDED]
    assert len(rows) - 1 == len(live)
    assert sum(int(r[-1]) for r in rows[1:]) == sum(p.amount for p in live)
    assert all(int(r[8]) + int(r[9]) == int(r[10]) for r in rows[1:])
    assert rows[0][4] == "支払回数" and {r[4] for r in rows[1:]} == {"1"}


def test_csv_cells_cannot_start_a_formula(client, alice, carol, mk_incident):
    claims, payouts = _bulk_claims(mk_incident, users=[alice, carol], n=30)
    paid = next(p for p in payouts if p.status == Payout.Status.PAID)
    Payout.objects.filter(pk=paid.pk).update(payment_reference="=HYPERLINK(1)")
    client.force_login(carol)
    text = client.get(f"/incidents/{mk_incident.pk}/payouts.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_register_list_and_unknown_incident(client, alice, mk_incident):
    client.force_login(alice)
    response = client.get("/incidents/")
    assert response.status_code == 200 and mk_incident.title in response.content.decode()
    assert client.get("/incidents/999999/").status_code == 404


def test_user_without_desk_group_is_refused(client, django_user_model, mk_incident):
    outsider = django_user_model.objects.create_user("mallory", password="x")
    client.force_login(outsider)
    assert client.get("/incidents/").status_code == 403
    assert client.get(f"/incidents/{mk_incident.pk}/").status_code == 403


def test_weekly_chart_labels_full_dates_with_room_for_each():
    from claims.incidents.register import weekly_chart

    weeks = [(datetime.date(2026, 8, 3) + datetime.timedelta(weeks=i), i) for i in range(17)]
    labels = [b["label"] for b in weekly_chart(weeks)["bars"] if b["show_label"]]
    # dates as the desk writes them everywhere, at most eight under the 640-wide axis
    assert labels[0] == "2026/08/03" and len(labels) <= 8
    assert [b["label"] for b in weekly_chart(weeks[:8])["bars"] if b["show_label"]] == [
        f"{w:%Y/%m/%d}" for w, _ in weeks[:8]
    ]
