"""The payment clock on the payer's page: open batches with the earliest 支払期限 of their
claims (a batch transferring after a due date flagged), and approved payouts in no batch
whose 支払期限 is within 5 days or past."""

import datetime

from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from payments import services
from tests.payments.helpers import approved_claim


def _due(claim, days):
    due = timezone.localdate() + datetime.timedelta(days=days)
    Claim.objects.filter(pk=claim.pk).update(payment_due_on=due)
    return due


def _section(html):
    return html.split('id="payment-clock"', 1)[1].split("</section>", 1)[0]


def test_a_batch_transferring_after_a_due_date_is_flagged(client, alice, carol, frank):
    late, fine = (approved_claim(handler=alice, approver=carol) for _ in range(2))
    transfer = timezone.localdate() + datetime.timedelta(days=3)
    due = _due(late, 2)
    _due(fine, 20)
    late_batch = services.batch_create(
        by=frank, transfer_date=transfer, payouts=[late.payouts.get()]
    )
    ok_batch = services.batch_create(by=frank, transfer_date=transfer, payouts=[fine.payouts.get()])
    client.force_login(frank)
    html = client.get(reverse("payments:batches")).content.decode()
    section = _section(html)
    assert "支払期限と振込予定" in html
    late_row = section.split(f'id="batch-due-{late_batch.pk}"', 1)[1].split("</tr>", 1)[0]
    ok_row = section.split(f'id="batch-due-{ok_batch.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "支払期限後の振込予定" in late_row and "text-bg-danger" in late_row
    assert f"{due:%Y/%m/%d}" in late_row and f"{transfer:%Y/%m/%d}" in late_row
    assert "1 / 1 件" in late_row
    assert "支払期限後の振込予定" not in ok_row and "0 / 1 件" in ok_row


def test_a_paid_or_cancelled_batch_is_not_listed(client, alice, carol, frank):
    claim = approved_claim(handler=alice, approver=carol)
    batch = services.batch_create(
        by=frank, transfer_date=timezone.localdate(), payouts=[claim.payouts.get()]
    )
    services.batch_cancel(batch=batch, by=frank, reason="口座誤り")
    client.force_login(frank)
    section = _section(client.get(reverse("payments:batches")).content.decode())
    assert f'id="batch-due-{batch.pk}"' not in section and "振込待ちのバッチはありません" in section


def test_a_near_due_unbatched_payout_is_listed_and_a_far_or_batched_one_is_not(
    client, alice, bob, carol, frank
):
    near = approved_claim(handler=alice, approver=carol)
    far = approved_claim(handler=bob, approver=carol)
    batched = approved_claim(handler=alice, approver=carol)
    due = _due(near, 4)
    _due(far, 10)
    _due(batched, 1)
    services.batch_create(
        by=frank, transfer_date=timezone.localdate(), payouts=[batched.payouts.get()]
    )
    client.force_login(frank)
    unbatched = _section(client.get(reverse("payments:batches")).content.decode()).split(
        "未バッチ・期限間近", 1
    )[1]
    assert near.number in unbatched and f"{due:%Y/%m/%d}" in unbatched
    assert "残り4日" in unbatched
    assert far.number not in unbatched and batched.number not in unbatched


def test_the_page_runs_a_constant_number_of_queries(
    client, alice, carol, frank, django_assert_max_num_queries
):
    def build(n):
        claims = [approved_claim(handler=alice, approver=carol) for _ in range(n)]
        for c in claims:
            _due(c, 1)
        services.batch_create(
            by=frank, transfer_date=timezone.localdate(), payouts=[claims[0].payouts.get()]
        )

    client.force_login(frank)
    build(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("payments:batches"))
    build(3)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("payments:batches"))
    html = page.content.decode()
    assert html.count('class="unbatched-due"') == 2 and html.count('class="batch-due"') == 2


def test_people_without_the_payer_permission_do_not_see_the_report(client, alice, carol):
    claim = approved_claim(handler=alice, approver=carol)
    _due(claim, 1)
    for who in (alice, carol):
        client.force_login(who)
        r = client.get(reverse("payments:batches"))
        assert r.status_code == 403 and "未バッチ・期限間近" not in r.content.decode()
