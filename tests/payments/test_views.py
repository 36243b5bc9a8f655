"""The payer's pages and the account page: success, refusals, no 500s."""

from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from payments.models import BankAccount, PaymentBatch
from tests.payments.helpers import ACCOUNT, approved_claim


def test_frank_builds_downloads_and_marks_a_batch_paid(client, alice, carol, frank):
    claim = approved_claim(handler=alice, approver=carol)
    client.force_login(frank)
    page = client.get(reverse("payments:batches"))
    assert page.status_code == 200 and claim.number in page.content.decode()
    r = client.post(reverse("payments:batches"), {"transfer_date": timezone.localdate()})
    batch = PaymentBatch.objects.get()
    assert r.status_code == 302 and (batch.count, batch.total) == (1, 1_248_000)
    first = client.get(reverse("payments:file", args=[batch.pk]))
    second = client.get(reverse("payments:file", args=[batch.pk]))
    assert first["Content-Disposition"].startswith("attachment")
    assert first.content == second.content and len(first.content) == 4 * 122
    client.post(
        reverse("payments:paid", args=[batch.pk]),
        {"paid_on": timezone.localdate(), "reference": "FB-9"},
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID
    page = client.get(reverse("payments:batch", args=[batch.pk])).content.decode()
    assert "支払済み" in page and f"{timezone.localdate():%Y-%m-%d}" in page


def test_people_without_the_payer_permission_get_403(client, alice, carol):
    approved_claim(handler=alice, approver=carol)
    for who in (alice, carol):
        client.force_login(who)
        assert client.get(reverse("payments:batches")).status_code == 403
        assert (
            client.post(reverse("payments:batches"), {"transfer_date": "2030-01-01"}).status_code
            == 403
        )
    assert PaymentBatch.objects.count() == 0


def test_a_refused_mark_paid_is_a_message_not_a_500(client, alice, carol, frank):
    approved_claim(handler=alice, approver=carol)
    client.force_login(frank)
    client.post(reverse("payments:batches"), {"transfer_date": timezone.localdate()})
    batch = PaymentBatch.objects.get()
    r = client.post(
        reverse("payments:paid", args=[batch.pk]),
        {"paid_on": "2999-01-01", "reference": "x"},
        follow=True,
    )
    assert r.status_code == 200 and "未来の日付" in r.content.decode()
    r = client.post(
        reverse("payments:paid", args=[batch.pk]),
        {"paid_on": timezone.localdate(), "reference": "x"},
        follow=True,
    )
    assert "振込ファイルを取得してから" in r.content.decode()
    assert PaymentBatch.objects.get().status == PaymentBatch.Status.OPEN
    r = client.post(reverse("payments:paid", args=[batch.pk]), {"paid_on": "nope"}, follow=True)
    assert "支払日を正しい日付で" in r.content.decode()


def test_the_account_page_normalises_the_name_and_reports_refused_characters(client, alice, carol):
    claim = approved_claim(handler=alice, approver=carol, account=False)
    insured = claim.policy.insured
    client.force_login(alice)
    url = reverse("payments:account", args=[insured.pk])
    bad = client.post(url, ACCOUNT | {"holder": "山田太郎"})
    assert bad.status_code == 400 and "銀行で使えない文字があります" in bad.content.decode()
    client.post(url, ACCOUNT | {"holder": "やまだ　たろう"})
    account = BankAccount.objects.get(insured=insured)
    assert (account.holder, account.status) == ("ﾔﾏﾀﾞ ﾀﾛｳ", "pending")
    # alice entered it: her confirmation is refused; carol's is taken
    r = client.post(reverse("payments:account_confirm", args=[account.pk]), follow=True)
    assert "本人は確認できません" in r.content.decode()
    client.force_login(carol)
    client.post(reverse("payments:account_confirm", args=[account.pk]))
    account.refresh_from_db()
    assert account.status == "confirmed" and account.confirmed_by == carol


def test_a_handler_cannot_see_the_account_of_another_handlers_insured(client, alice, bob, carol):
    claim = approved_claim(handler=alice, approver=carol)
    client.force_login(bob)
    assert (
        client.get(reverse("payments:account", args=[claim.policy.insured.pk])).status_code == 403
    )


def test_the_bank_and_branch_names_show_as_the_codes_are_typed(client, alice):
    client.force_login(alice)
    url = reverse("payments:bank_lookup")
    assert (
        "みずほ 東京営業部"
        in client.get(url, {"bank_code": "0001", "branch_code": "001"}).content.decode()
    )
    assert "該当する金融機関がありません" in client.get(url, {"bank_code": "0002"}).content.decode()
    assert (
        "該当する支店がありません"
        in client.get(url, {"bank_code": "0001", "branch_code": "999"}).content.decode()
    )
    assert client.get(url, {"bank_code": "\x00"}).status_code == 200
