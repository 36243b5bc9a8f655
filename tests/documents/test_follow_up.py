"""Chasing documents (督促): a request unanswered for DOCUMENT_FOLLOW_UP_DAYS flags the claim
in the queue (badge and 状態 filter) and on its page, and the follow-up letter says so."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from claims.models import Claim
from claims.services import ClaimError
from documents import rendering, services
from documents.models import DocumentRequest
from tests.conftest import make_claim
from tests.documents.doc_helpers import add_damage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
S = Claim.Status
QUEUE = reverse("claims:queue")


def asked(claim, by, days_ago: int) -> DocumentRequest:
    """A request for what the claim misses, made `days_ago` calendar days ago (10:00 JST)."""
    req = services.documents_request(claim=claim, by=by)
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    DocumentRequest.objects.filter(pk=req.pk).update(requested_at=at)
    req.refresh_from_db()
    return req


def waiting_claim(alice, days_ago: int, **extra) -> Claim:
    claim = make_claim(created_by=alice, handler=alice, **extra)
    add_damage(claim, client="株式会社A")
    asked(claim, alice, days_ago)
    claim.refresh_from_db()
    return claim


def queue_rows(client, **params) -> dict[str, str]:
    """Claim number -> that row's HTML, from the queue page."""
    body = client.get(QUEUE, params).content.decode()
    rows = {}
    for chunk in body.split("<tr>")[1:]:
        for number in Claim.objects.values_list("number", flat=True):
            if f">{number}</a>" in chunk:
                rows[number] = chunk
    return rows


def test_a_request_unanswered_for_14_days_is_flagged_in_the_queue_and_13_is_not(client, alice):
    old = waiting_claim(alice, 14)
    recent = waiting_claim(alice, 13)
    client.force_login(alice)

    rows = queue_rows(client)

    assert "要督促 14日" in rows[old.number]
    assert "要督促" not in rows[recent.number]


def test_the_follow_up_filter_lists_exactly_the_claims_to_chase(client, alice):
    due = waiting_claim(alice, 20)
    waiting_claim(alice, 3)  # asked recently
    answered = waiting_claim(alice, 30)
    DocumentRequest.objects.filter(claim=answered).update(fulfilled_at=timezone.now())
    chased = waiting_claim(alice, 30)
    asked(chased, alice, 2)  # already followed up two days ago: the count restarted
    withdrawn = waiting_claim(alice, 30)
    Claim.objects.filter(pk=withdrawn.pk).update(status=S.WITHDRAWN)
    make_claim(created_by=alice, handler=alice)  # never asked for anything
    client.force_login(alice)

    response = client.get(QUEUE, {"status": "follow_up"})

    assert [c.number for c in response.context["claims"]] == [due.number]
    assert 'value="follow_up" selected' in response.content.decode()
    rows = queue_rows(client)
    assert [n for n, row in rows.items() if "要督促" in row] == [due.number]


def test_only_the_latest_open_request_counts_for_the_follow_up(client, alice, carol):
    """due_q (the queue's filter and the workload figure) and the row's badge agree: the
    latest unanswered request decides, an answered later one does not restart the count."""
    from claims.queue.selectors import workload
    from documents import followup

    renewed = waiting_claim(alice, 30)
    asked(renewed, alice, 3)  # a newer request still open: not due
    answered_later = waiting_claim(alice, 30)
    DocumentRequest.objects.filter(pk=asked(answered_later, alice, 3).pk).update(
        fulfilled_at=timezone.now()
    )  # the newer one was answered, the old one still waits: due
    both_old = waiting_claim(alice, 40)
    asked(both_old, alice, 20)  # the newer one is old as well: due, 20 days
    client.force_login(alice)

    listed = client.get(QUEUE, {"status": "follow_up"}).context["claims"]
    assert sorted(c.number for c in listed) == sorted([answered_later.number, both_old.number])
    due = Claim.objects.filter(followup.due_q())
    assert set(due) == {answered_later, both_old}
    rows = queue_rows(client)
    assert "要督促" not in rows[renewed.number]
    assert "要督促 30日" in rows[answered_later.number]
    assert "要督促 20日" in rows[both_old.number]
    _, total = workload()
    assert total.follow_up == 2


def test_the_open_claims_index_covers_exactly_the_chased_statuses():
    """The 要督促 total reads the open claims from claim_open_cover_idx (docs/benchmarks.md);
    its condition spells the statuses out and must follow CHASED_STATUSES."""
    from claims.models import Claim
    from documents import followup

    index = next(i for i in Claim._meta.indexes if i.name == "claim_open_cover_idx")
    assert index.condition.children == [("status__in", [str(s) for s in followup.CHASED_STATUSES])]


def test_the_follow_up_flag_costs_the_queue_no_extra_query(
    client, alice, django_assert_max_num_queries
):
    for days in (1, 15, 30):
        waiting_claim(alice, days)
    client.force_login(alice)
    client.get(QUEUE)  # warm the session and the content types
    # 8: the page's 7 and the queue's total (全 N 件, one capped COUNT)
    with django_assert_max_num_queries(8):
        client.get(QUEUE, {"status": "follow_up"})


def test_the_claim_page_says_when_to_chase_and_offers_the_follow_up(client, alice):
    due = waiting_claim(alice, 21)
    recent = waiting_claim(alice, 5)
    client.force_login(alice)

    page = client.get(reverse("claims:detail", args=[due.number])).content.decode()
    assert "<strong>要督促</strong>" in page and "の依頼から21日" in page
    assert "督促する: 不足書類を再依頼" in page

    page = client.get(reverse("claims:detail", args=[recent.number])).content.decode()
    assert "要督促" not in page
    assert "から5日 (督促の目安 14日)" in page
    # 督促 only after the interval (#18): the page says from when, and offers no button
    assert "督促する: 不足書類を再依頼" not in page
    first_day = timezone.localdate() + datetime.timedelta(days=14 - 5)
    assert f"督促は {first_day:%Y/%m/%d} 以降にできます" in page


def test_no_follow_up_on_the_day_of_the_first_request(client, alice):
    claim = waiting_claim(alice, 0)
    client.force_login(alice)
    url = reverse("documents:request", args=[claim.number])

    page = client.get(url).content.decode()
    assert "依頼したばかりです" in page and "依頼を記録して" not in page
    response = client.post(url, {"message": "再送"})

    assert response.status_code == 400
    assert "督促は" in response.content.decode()
    assert DocumentRequest.objects.filter(claim=claim).count() == 1
    with pytest.raises(ClaimError, match="依頼したばかりです"):
        services.documents_request(claim=claim, by=alice)


def test_a_new_item_may_be_asked_for_at_once(alice):
    claim = waiting_claim(alice, 0)
    add_damage(claim, client="株式会社B")  # new documents missing: not a follow-up
    req = services.documents_request(claim=claim, by=alice)
    assert any(i["target"] == "顧問先 株式会社B" for i in req.items)


def test_a_follow_up_letter_says_it_repeats_the_first_request(client, alice):
    claim = waiting_claim(alice, 20)
    first = DocumentRequest.objects.get(claim=claim)
    client.force_login(alice)
    response = client.post(reverse("documents:request", args=[claim.number]), {"message": ""})
    second = DocumentRequest.objects.exclude(pk=first.pk).get(claim=claim)
    assert response["Location"] == reverse("documents:request_letter", args=[second.pk])

    letter = client.get(response["Location"]).content.decode()
    first_date = timezone.localtime(first.requested_at)
    assert "書類ご提出のお願い (再依頼)" in letter
    assert f"{first_date.year}年{first_date.month}月{first_date.day}日付で" in letter
    original = client.get(reverse("documents:request_letter", args=[first.pk])).content.decode()
    assert "再依頼" not in original

    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(rendering.render_request_letter_pdf(second))).pages
    )
    assert "(再依頼)" in text and "まだ届いておりません" in text


def test_a_request_made_after_the_first_was_answered_is_not_a_follow_up(client, alice):
    claim = waiting_claim(alice, 20)
    DocumentRequest.objects.filter(claim=claim).update(fulfilled_at=timezone.now())
    add_damage(claim, client="株式会社B")  # a new client: new documents missing
    req = services.documents_request(claim=claim, by=alice)
    client.force_login(alice)

    letter = client.get(reverse("documents:request_letter", args=[req.pk])).content.decode()

    assert "再依頼" not in letter


BULK = reverse("documents:bulk_request")


def test_a_bulk_follow_up_asks_again_on_each_claim_and_prints_every_letter(client, alice):
    due = [waiting_claim(alice, 20), waiting_claim(alice, 30)]
    complete = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    Claim.objects.filter(pk=complete.pk).update(status=S.CLOSED)  # nothing to ask there
    client.force_login(alice)

    response = client.post(
        BULK, {"claim": [c.pk for c in due] + [complete.pk], "next": "/claims/?status=follow_up"}
    )

    assert response.status_code == 302
    assert DocumentRequest.objects.filter(claim__in=due).count() == 4  # one more each
    letters = client.get(response["Location"])
    body = letters.content.decode()
    assert body.count('<article class="sheet">') == 2
    assert body.count("(再依頼)") >= 2 and "印刷する (2通)" in body
    assert f"{complete.number}: 「終了」の事故には書類を依頼できません。" in body
    assert "break-before: page" in body
    assert client.get(response["Location"]).content.decode().count("依頼しなかった") == 0


def test_an_outsider_bulk_follow_up_does_nothing_and_shows_no_letter(client, alice, bob):
    claim = waiting_claim(alice, 20)
    first = DocumentRequest.objects.get(claim=claim)
    client.force_login(bob)

    response = client.post(BULK, {"claim": [claim.pk]}, follow=True)

    assert DocumentRequest.objects.filter(claim=claim).count() == 1
    assert "見つからないか、表示する権限がありません" in response.content.decode()
    letters = client.get(reverse("documents:request_letters"), {"ids": f"{first.pk},x,-1"})
    assert letters.status_code == 200
    body = letters.content.decode()
    assert '<article class="sheet">' not in body and "印刷する依頼状はありません" in body
    assert claim.number not in body


def test_bulk_follow_up_needs_a_selection_and_has_a_ceiling(client, alice):
    client.force_login(alice)
    assert "督促する事故を選択してください" in client.post(BULK, {}, follow=True).content.decode()
    too_many = client.post(BULK, {"claim": [str(n) for n in range(1, 102)]}, follow=True)
    assert "一度に督促できるのは 100件までです" in too_many.content.decode()
    assert client.get(BULK).status_code == 405
