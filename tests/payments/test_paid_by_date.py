"""The incident register and its CSV count what was paid by the date of payment."""

import datetime

from django.urls import reverse
from django.utils import timezone

from claims.incidents.register import incident_register
from payments import services
from tests.payments.helpers import approved_claim


def _paid(frank, claim, on):
    batch = services.batch_create(
        by=frank, transfer_date=timezone.localdate(), payouts=[claim.payouts.get()]
    )
    services.batch_file(batch=batch, by=frank)
    services.batch_mark_paid(
        batch=batch, by=frank, paid_on=timezone.localdate(), reference=f"FB-{claim.pk}"
    )
    # the bank's value date of an earlier run: moved back on the stored rows
    claim.payouts.update(paid_on=on)
    type(claim).objects.filter(pk=claim.pk).update(paid_on=on)


def test_the_register_sums_payments_by_month_of_payment(alice, bob, carol, frank, mk_incident):
    march = approved_claim(handler=alice, approver=carol)
    april = approved_claim(handler=bob, approver=carol, liability=500_000, expense=0)
    approved_claim(handler=alice, approver=carol)  # approved, not paid: in no month
    _paid(frank, march, datetime.date(2026, 3, 31))
    _paid(frank, april, datetime.date(2026, 4, 1))
    register = incident_register(mk_incident)
    assert register.paid_by_month == [
        (datetime.date(2026, 3, 1), 1, 1_248_000),
        (datetime.date(2026, 4, 1), 1, 500_000),
    ]
    assert sum(yen for _, _, yen in register.paid_by_month) == register.total.paid


def test_the_csv_takes_a_span_of_payment_dates(client, alice, bob, carol, frank, mk_incident):
    march = approved_claim(handler=alice, approver=carol)
    april = approved_claim(handler=bob, approver=carol, liability=500_000, expense=0)
    _paid(frank, march, datetime.date(2026, 3, 31))
    _paid(frank, april, datetime.date(2026, 4, 1))
    client.force_login(carol)
    url = reverse("incidents:payouts_csv", args=[mk_incident.pk])
    body = client.get(url, {"paid_from": "2026-04-01", "paid_to": "2026-04-30"}).content.decode(
        "utf-8-sig"
    )
    assert april.number in body and march.number not in body
    everything = client.get(url).content.decode("utf-8-sig")
    assert april.number in everything and march.number in everything
    bad = client.get(url, {"paid_from": "2026-02-30"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
