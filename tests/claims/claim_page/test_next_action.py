"""The claim's diary (次回対応日): set it on the claim page, see it come due in the queue,
clear it when done. Bad input gets a Japanese field error and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db
S = Claim.Status
QUEUE = reverse("claims:queue")
TODAY = timezone.localdate()


def url(claim):
    return reverse("claims:next_action", args=[claim.number])


def plan(client, claim, on, note=""):
    return client.post(url(claim), {"next-on": on, "next-note": note})


def test_a_handler_sets_a_date_and_the_queue_flags_it_from_that_day(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    in_three = TODAY + datetime.timedelta(days=3)

    response = plan(client, claim, in_three.isoformat(), "被保険者へ折り返し電話")

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.next_action_on, claim.next_action) == (in_three, "被保険者へ折り返し電話")
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert f"対応予定 {in_three:%Y/%m/%d}" in page and "被保険者へ折り返し電話" in page
    assert client.get(QUEUE, {"status": "next_action_due"}).context["claims"] == []

    Claim.objects.filter(pk=claim.pk).update(next_action_on=TODAY - datetime.timedelta(days=2))
    due = client.get(QUEUE, {"status": "next_action_due"})

    assert [c.number for c in due.context["claims"]] == [claim.number]
    assert (
        f"対応予定 {TODAY - datetime.timedelta(days=2):%Y/%m/%d} (2日超過)" in due.content.decode()
    )


def test_done_clears_the_date_and_the_history_keeps_it(client, alice):
    claim = make_claim(created_by=alice, handler=alice, next_action_on=TODAY, next_action="督促")
    client.force_login(alice)

    response = client.post(url(claim), {"done": "1"}, follow=True)

    assert "次回対応を完了にしました。" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.next_action_on, claim.next_action) == (None, "")
    assert claim.history.filter(next_action_on=TODAY).exists()


@pytest.mark.parametrize(
    ("on", "note", "message"),
    [
        ("", "", "次回対応日を入力してください。"),
        ("2026-13-40", "", "日付を YYYY-MM-DD の形式で入力してください。"),
        (
            (TODAY - datetime.timedelta(days=1)).isoformat(),
            "",
            "今日以降の日付を入力してください。",
        ),
        (TODAY.isoformat(), "あ" * 201, "200 文字以内で入力してください (現在 201 文字)。"),
    ],
)
def test_bad_input_gets_a_japanese_field_error_and_changes_nothing(
    client, alice, on, note, message
):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)

    response = plan(client, claim, on, note)

    assert response.status_code == 400
    assert message in response.content.decode()
    claim.refresh_from_db()
    assert claim.next_action_on is None


def test_who_may_plan_and_when(client, alice, bob, carol):
    mine = make_claim(created_by=alice, handler=alice)
    closed = make_claim(created_by=alice, handler=alice, status=S.CLOSED)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()

    client.force_login(bob)  # not his claim: he cannot even see it
    assert plan(client, mine, tomorrow).status_code == 404
    client.force_login(carol)  # a supervisor plans on anyone's claim
    assert plan(client, mine, tomorrow).status_code == 302
    client.force_login(alice)
    response = client.post(url(closed), {"next-on": tomorrow}, follow=True)
    assert "「終了」の事故には次回対応日を設定できません。" in response.content.decode()
    page = client.get(reverse("claims:detail", args=[closed.number])).content.decode()
    assert 'name="next-on"' not in page  # no form on a settled claim
    mine.refresh_from_db()
    closed.refresh_from_db()
    assert mine.next_action_on is not None and closed.next_action_on is None
