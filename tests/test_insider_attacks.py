"""Insiders attack the desk: another handler, a supervisor, a payer, a user of no group,
each with real POST data naming claims they may not touch, odd ids (repeated, negative,
non-numeric, far too many) and hostile text. Each attack answers with a Japanese message or
a 400, never a 500, and changes nothing it should not."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claims.models import Claim, ClaimNote, ClaimTask, ClientDamage, DuplicateClearance
from documents.models import DocumentRequest
from tests.conftest import make_claim, make_policy
from tests.documents.doc_helpers import add_damage

pytestmark = pytest.mark.django_db
S = Claim.Status


def messages_of(client, response) -> str:
    return client.get(response.url).content.decode()


@pytest.fixture
def mallory(db):
    return User.objects.create_user(username="mallory", password="pw-mallory-123")


# --- bulk assign ----------------------------------------------------------------------


def test_a_repeated_id_assigns_once_and_reports_no_missing_claim(client, alice):
    pool = make_claim(created_by=alice)
    client.force_login(alice)
    r = client.post(reverse("claims:assign"), {"claim": [str(pool.pk)] * 3, "handler": "me"})
    html = messages_of(client, r)
    pool.refresh_from_db()
    assert pool.handler == alice
    assert "1 件を" in html
    assert "見つからないか" not in html


def test_more_claims_than_the_bulk_limit_are_refused_not_cut_silently(client, carol, bob):
    claims = [make_claim(created_by=carol, policy=make_policy()) for _ in range(3)]
    ids = [str(c.pk) for c in claims] + [str(10_000_000 + i) for i in range(247)]
    client.force_login(carol)
    r = client.post(reverse("claims:assign"), {"claim": ids, "handler": str(bob.pk)})
    html = messages_of(client, r)
    assert "一度に割り当てられるのは" in html
    assert not Claim.objects.filter(handler=bob).exists()


def test_negative_and_non_numeric_ids_assign_nothing(client, alice):
    pool = make_claim(created_by=alice)
    client.force_login(alice)
    r = client.post(
        reverse("claims:assign"),
        {"claim": ["-1", f"-{pool.pk}", "abc", "1e3", "\x00", "9" * 40], "handler": "me"},
    )
    assert r.status_code == 302
    assert "割り当てる事故を選択してください" in messages_of(client, r)
    pool.refresh_from_db()
    assert pool.handler is None


def test_handler_cannot_take_a_claim_via_bulk_assign_naming_another_handler_or_a_payer(
    client, alice, bob, frank_user
):
    pool = make_claim(created_by=alice)
    mine = make_claim(created_by=alice, handler=alice)
    client.force_login(bob)
    for target in (str(alice.pk), str(frank_user.pk), "me"):
        client.post(reverse("claims:assign"), {"claim": [str(mine.pk)], "handler": target})
    client.post(reverse("claims:assign"), {"claim": [str(pool.pk)], "handler": str(alice.pk)})
    mine.refresh_from_db()
    pool.refresh_from_db()
    assert mine.handler == alice and pool.handler is None


@pytest.fixture
def frank_user(db):
    from tests.payments.helpers import make_frank

    return make_frank()


def test_a_supervisor_cannot_assign_to_a_payer_or_an_inactive_handler(client, carol, frank_user):
    claim = make_claim(created_by=carol)
    gone = User.objects.create_user(username="gone", password="pw-gone-12345", is_active=False)
    from django.contrib.auth.models import Group

    gone.groups.add(Group.objects.get(name="handler"))
    client.force_login(carol)
    r1 = client.post(
        reverse("claims:assign"), {"claim": [str(claim.pk)], "handler": str(frank_user.pk)}
    )
    assert "割当先は事故担当者" in messages_of(client, r1)
    r2 = client.post(reverse("claims:assign"), {"claim": [str(claim.pk)], "handler": str(gone.pk)})
    assert "割当先の担当者を選択してください" in messages_of(client, r2)
    claim.refresh_from_db()
    assert claim.handler is None


@pytest.mark.parametrize("who", ["mallory", "frank_user"])
def test_no_group_and_payer_users_assign_nothing_and_export_nothing(client, alice, who, request):
    pool = make_claim(created_by=alice)
    client.force_login(request.getfixturevalue(who))
    client.post(reverse("claims:assign"), {"claim": [str(pool.pk)], "handler": "me"})
    pool.refresh_from_db()
    assert pool.handler is None
    export = client.get(reverse("claims:queue_csv"), {"handler": str(alice.pk)})
    body = b"".join(export.streaming_content).decode() if export.status_code == 200 else ""
    assert pool.number not in body


# --- CSV export ---------------------------------------------------------------------------


def test_a_handler_filtering_the_csv_by_another_handler_gets_only_the_header(client, alice, bob):
    bobs = make_claim(created_by=bob, handler=bob, policy=make_policy())
    client.force_login(alice)
    for params in (
        {"handler": str(bob.pk)},
        {"q": bobs.number},
        {"q": bobs.policy.number, "status": "all"},
    ):
        export = client.get(reverse("claims:queue_csv"), params)
        body = b"".join(export.streaming_content).decode() if export.status_code == 200 else ""
        assert bobs.number not in body, params


@pytest.mark.parametrize("q", ["\x00", "C26\x00", "％", "_", "%' OR 1=1 --", "a" * 5000])
def test_hostile_searches_in_the_csv_never_500_and_leak_nothing(client, alice, bob, q):
    bobs = make_claim(created_by=bob, handler=bob, policy=make_policy())
    client.force_login(alice)
    export = client.get(reverse("claims:queue_csv"), {"q": q})
    assert export.status_code in (200, 302)
    if export.status_code == 200:
        assert bobs.number not in b"".join(export.streaming_content).decode()


# --- bulk 督促 ---------------------------------------------------------------------------


def test_a_bulk_follow_up_with_one_claim_repeated_asks_once_not_refused_by_count(client, alice):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    add_damage(claim)
    client.force_login(alice)
    r = client.post(reverse("documents:bulk_request"), {"claim": [str(claim.pk)] * 150})
    assert r.status_code == 302
    assert DocumentRequest.objects.filter(claim=claim).count() == 1


def test_a_bulk_follow_up_by_a_payer_or_no_group_user_asks_nothing(
    client, alice, mallory, frank_user
):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    add_damage(claim)
    for user in (mallory, frank_user):
        client.force_login(user)
        client.post(reverse("documents:bulk_request"), {"claim": [str(claim.pk)]})
    assert not DocumentRequest.objects.filter(claim=claim).exists()


# --- tasks, notes, duplicates --------------------------------------------------------------


def test_a_task_of_another_claim_cannot_be_done_through_ones_own_claim(client, alice, bob):
    mine = make_claim(created_by=bob, handler=bob)
    alices = make_claim(created_by=alice, handler=alice)
    task = ClaimTask.objects.create(
        claim=alices, what="電話", due_on=datetime.date.today(), assignee=alice, created_by=alice
    )
    client.force_login(bob)
    r = client.post(reverse("claims:task_done", args=[mine.number, task.pk]))
    assert r.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


@pytest.mark.parametrize("due", ["9999-12-31", "0000-00-00", "2026-02-30", "２０３０-０１-０１"])
def test_odd_task_dates_never_500_and_the_pages_still_load(client, alice, due):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    r = client.post(
        reverse("claims:task_add", args=[claim.number]),
        {"task-what": "電話", "task-due_on": due},
    )
    assert r.status_code in (302, 400)
    for url in (
        reverse("claims:detail", args=[claim.number]),
        reverse("claims:queue"),
        reverse("claims:queue") + "?status=due",
    ):
        assert client.get(url).status_code == 200, url
    export = client.get(reverse("claims:queue_csv"))
    assert export.status_code == 200
    b"".join(export.streaming_content)


@pytest.mark.parametrize("on", ["9999-12-31", "0000-00-00"])
def test_odd_diary_dates_never_500(client, alice, carol, on):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    r = client.post(
        reverse("claims:next_action", args=[claim.number]), {"next-on": on, "next-note": "x"}
    )
    assert r.status_code in (302, 400)
    assert client.get(reverse("claims:detail", args=[claim.number])).status_code == 200
    assert client.get(reverse("claims:queue")).status_code == 200
    client.force_login(carol)
    assert client.get(reverse("claims:workload")).status_code == 200


def test_a_nul_in_a_note_is_a_field_error_and_nothing_is_saved(client, alice):
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    r = client.post(
        reverse("claims:note", args=[claim.number]),
        {"note-channel": "phone", "note-party": "insured", "note-body": "電話\x00あり"},
    )
    assert r.status_code == 400
    assert not ClaimNote.objects.filter(claim=claim).exists()


def test_duplicates_resolution_naming_a_claim_the_user_cannot_see_does_nothing(client, alice, bob):
    policy = make_policy()
    mine = make_claim(created_by=alice, handler=alice, policy=policy)
    bobs = make_claim(created_by=bob, handler=bob, policy=policy)
    client.force_login(alice)
    for decision in ("withdraw", "not_duplicate"):
        r = client.post(
            reverse("claims:duplicates", args=[mine.number]),
            {"decision": decision, "other": [str(bobs.pk)], "reason": "別事故"},
        )
        assert "重複の疑いがある事故が見つかりません" in messages_of(client, r)
    mine.refresh_from_db()
    assert mine.status == S.REPORTED
    assert not DuplicateClearance.objects.exists()


def test_withdraw_as_duplicate_with_the_other_id_repeated_still_withdraws(client, alice):
    policy = make_policy()
    first = make_claim(created_by=alice, handler=alice, policy=policy)
    second = make_claim(created_by=alice, handler=alice, policy=policy)
    client.force_login(alice)
    r = client.post(
        reverse("claims:duplicates", args=[second.number]),
        {"decision": "withdraw", "other": [str(first.pk), str(first.pk)]},
    )
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.status == S.WITHDRAWN


# --- hostile amounts and text in items -----------------------------------------------------


DAMAGE = {
    "add-damages-client_name": "株式会社A",
    "add-damages-kind": "business_interruption",
    "add-damages-description": "遅延損害金",
    "add-damages-claimed": "120000",
    "add-damages-legally_liable": "on",
    "add-damages-activity": "it_user_act",
    "add-damages-cause": "provider_attack",
}


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("add-damages-claimed", "９" * 25, "円以下で入力してください"),
        ("add-damages-claimed", "9223372036854775808", "円以下で入力してください"),
        ("add-damages-claimed", "-9223372036854775809", "マイナス"),
        ("add-damages-claimed", "1e30", "円"),
        ("add-damages-claimed", "١٢٣", None),  # Arabic-Indic digits
        ("add-damages-claimed", "\x00", None),
        ("add-damages-client_name", "株式会社\x00A", None),
        ("add-damages-client_name", "あ" * 10_000, None),
        ("add-damages-description", "\x00", None),
    ],
)
def test_hostile_damage_input_is_a_field_error_and_saves_nothing(
    client, alice, field, value, message
):
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    r = client.post(
        reverse("claims:item_add", args=[claim.number, "damages"]), {**DAMAGE, field: value}
    )
    if field == "add-damages-claimed" and value == "١٢٣":
        # NFKC does not fold these; whichever way, no 500 and the amount is 123 or refused
        assert r.status_code in (302, 400)
        return
    assert r.status_code == 400, r.status_code
    if message:
        assert message in r.content.decode()
    assert not ClientDamage.objects.filter(claim=claim).exists()


# --- digits that are not ASCII digits ------------------------------------------------------
# str.isdigit() is true for "²" and "１", and int("²") raises: an id read with isdigit()
# and int() was a 500.

SUPERSCRIPT_TWO = "\u00b2"


def test_non_ascii_digits_as_ids_are_no_ids_not_a_500(client, alice, carol):
    pool = make_claim(created_by=alice)
    client.force_login(alice)
    for value in (SUPERSCRIPT_TWO, "\uff11", f"{pool.pk}{SUPERSCRIPT_TWO}"):
        r = client.post(reverse("claims:assign"), {"claim": [value], "handler": "me"})
        assert r.status_code == 302, value
        assert "割り当てる事故を選択してください" in messages_of(client, r)
        r = client.post(reverse("documents:bulk_request"), {"claim": [value]})
        assert r.status_code == 302, value
        assert client.get(reverse("documents:request_letters"), {"ids": value}).status_code == 200
        assert client.get(reverse("claims:new"), {"policy": value}).status_code == 200
        assert client.get(reverse("claims:queue"), {"handler": value}).status_code == 200
        export = client.get(reverse("claims:queue_csv"), {"handler": value})
        assert export.status_code in (200, 302)
    client.force_login(carol)
    r = client.post(reverse("claims:assign"), {"claim": [str(pool.pk)], "handler": SUPERSCRIPT_TWO})
    assert "割当先の担当者を選択してください" in messages_of(client, r)
    pool.refresh_from_db()
    assert pool.handler is None


def test_a_non_ascii_digit_policy_in_the_intake_form_is_a_field_error(client, alice, mk_incident):
    client.force_login(alice)
    r = client.post(
        reverse("claims:new"),
        {
            "policy": SUPERSCRIPT_TWO,
            "incident": str(mk_incident.pk),
            "noticed_on": "2023-06-06",
            "description": "x",
        },
    )
    assert r.status_code == 400
    assert not Claim.objects.exists()


# --- payments: the payer builds batches; no one else, and nothing a payer should not pay ---


@pytest.fixture
def payable(alice, carol):
    from tests.payments.helpers import approved_claim

    return approved_claim(handler=alice, approver=carol)


def test_a_batch_post_naming_other_payouts_takes_only_the_payable_ones(
    client, alice, carol, frank_user, payable
):
    """The batch form takes no payout ids: extra ids in the POST (a claim still awaiting
    approval, a voided payout) change nothing; a payout already in a live batch stays out."""
    from django.utils import timezone

    from claims.approvals import payouts
    from claims.models import Payout
    from payments.models import BatchItem
    from tests.claims.approval_helpers import awaiting_claim
    from tests.payments.helpers import approved_claim

    waiting = awaiting_claim(handler=alice)
    voided = approved_claim(handler=alice, approver=carol)
    payouts.payout_void_and_reopen(claim=voided, by=carol, reason="査定をやり直すため")
    voided_payout = Payout.objects.get(claim=voided)
    assert voided_payout.status == Payout.Status.VOIDED
    client.force_login(frank_user)
    today = f"{timezone.localdate():%Y-%m-%d}"
    extra = {"payout": [str(voided_payout.pk), "-1", "99999"], "claim": [str(waiting.pk)]}
    first = client.post(reverse("payments:batches"), {"transfer_date": today, **extra})
    assert first.status_code == 302
    assert list(BatchItem.objects.values_list("payout__claim", flat=True)) == [payable.pk]
    again = client.post(reverse("payments:batches"), {"transfer_date": today, **extra})
    assert again.status_code == 400
    assert "振込できる支払がありません" in again.content.decode()
    assert BatchItem.objects.count() == 1


@pytest.mark.parametrize("who", ["alice", "carol", "dave", "mallory"])
def test_nobody_but_the_payer_builds_a_batch(client, payable, who, request):
    from django.utils import timezone

    from payments.models import PaymentBatch

    client.force_login(request.getfixturevalue(who))
    r = client.post(
        reverse("payments:batches"), {"transfer_date": f"{timezone.localdate():%Y-%m-%d}"}
    )
    assert r.status_code == 403
    assert not PaymentBatch.objects.exists()


@pytest.mark.parametrize(
    "value,message",
    [
        ("0000-00-00", "振込指定日を正しい日付で入力してください"),
        ("2026-02-30", "振込指定日を正しい日付で入力してください"),
        ("\x00", "振込指定日を正しい日付で入力してください"),
        ("1999-01-01", "過去の日付は指定できません"),
        ("9999-12-31", "1年以内"),
    ],
)
def test_an_odd_transfer_date_is_a_japanese_error_and_no_batch(
    client, frank_user, payable, value, message
):
    from payments.models import PaymentBatch

    client.force_login(frank_user)
    r = client.post(reverse("payments:batches"), {"transfer_date": value})
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not PaymentBatch.objects.exists()


def test_a_transfer_date_a_year_ahead_is_refused_as_the_file_holds_only_month_and_day(
    frank_user, payable
):
    """The 総合振込 header carries the date as MMDD: a date a year ahead would be read by
    the bank as this year's, so a typo in the year would pay a year early."""
    from django.utils import timezone

    from claims.services import ClaimError
    from payments import services

    today = timezone.localdate()
    with pytest.raises(ClaimError, match="1年以内"):
        services.batch_create(by=frank_user, transfer_date=today.replace(year=today.year + 1))
    batch = services.batch_create(by=frank_user, transfer_date=today + datetime.timedelta(days=30))
    assert batch.count == 1


# --- approvals: amounts the form does not offer -------------------------------------------


@pytest.mark.parametrize("amount", ["9" * 30, "-1", "１２４８０００", "1e3", "\x00"])
def test_an_approval_for_an_amount_not_shown_is_refused_and_nothing_is_paid(
    client, alice, carol, amount
):
    from claims.approvals.versions import claim_version
    from claims.models import Payout
    from tests.claims.approval_helpers import awaiting_claim

    claim = awaiting_claim(handler=alice)
    client.force_login(carol)
    r = client.post(
        reverse("approvals:approve", args=[claim.number]),
        {"amount": amount, "version": claim_version(claim), "confirm": "on"},
    )
    assert r.status_code in (302, 400)
    if amount == "１２４８０００":  # full-width digits of the amount shown: the same amount
        assert Payout.objects.filter(claim=claim, amount=1_248_000).exists()
        return
    assert not Payout.objects.exists()
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_APPROVAL


# --- uploads: names with NUL and control characters -----------------------------------------


def test_a_nul_in_an_uploaded_file_name_is_dropped_not_stored_or_a_500(
    client, alice, settings, tmp_path
):
    from tests.documents.doc_helpers import pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    r = client.post(
        reverse("documents:upload", args=[claim.number]),
        {"files": [pdf("請求\x00書.pdf")], "kind": "accident_report"},
    )
    assert r.status_code < 500
    doc = claim.documents.get()
    assert "\x00" not in doc.original_name and "\x00" not in doc.file.name
    download = client.get(reverse("documents:download", args=[doc.pk]))
    assert download.status_code == 200
    assert "\x00" not in download["Content-Disposition"]


# --- import_claims: odd dates and amounts in a CSV -------------------------------------------


@pytest.mark.parametrize(
    "noticed,claimed",
    [
        ("0000-00-00", "1000"),
        ("9999-12-31", "1000"),
        ("2023-02-30", "1000"),
        ("2023-06-06\x00", "1000"),
        ("2023-06-06", "9223372036854775808"),
        ("2023-06-06", "-1"),
        ("2023-06-06", "9" * 400),
        ("2023-06-06", "1,000"),
        ("2023-06-06", "1e3"),
        ("2023-06-06", "\u00b2"),
    ],
)
def test_an_import_row_with_an_odd_date_or_amount_imports_nothing_and_says_where(
    tmp_path, alice, noticed, claimed
):
    from tests.claims.imports.test_import import HEADER, MK, run, write
    from tests.claims.imports.test_import_hostile import errors_of

    policy = make_policy()
    row = (
        f"R-1,{policy.number},{MK},{noticed},,damage,甲社,business_interruption,"
        f'"{claimed}","{claimed}",,,,,,\n'
    )
    ok, _out, err = run(write(tmp_path, "odd.csv", HEADER + row))
    assert not ok
    assert errors_of(err) and all(line.startswith("2行目") for line in errors_of(err)), err
    assert not Claim.objects.exists() and not ClientDamage.objects.exists()


def test_an_import_row_with_full_width_digits_in_the_amount_gets_the_amount(tmp_path, alice):
    from tests.claims.imports.test_import import HEADER, MK, run, write

    policy = make_policy()
    row = f"R-1,{policy.number},{MK},2023-06-06,,damage,甲社,business_interruption,１２００,１２００,,,,,,\n"
    ok, _out, err = run(write(tmp_path, "fw.csv", HEADER + row))
    # a spreadsheet typed in full-width reads as the amount it shows (NFKC), as the desk's
    # amount fields read it
    assert ok, err
    assert ClientDamage.objects.get().claimed == 1200


# --- the one free-text POST read without a form: 差戻し依頼 ------------------------------------


@pytest.mark.parametrize("reason", ["金額\x00の誤り", "\x00"])
def test_a_nul_in_a_send_back_request_is_refused_in_japanese_and_nothing_saved(
    client, alice, reason
):
    """Read straight from the POST (no form, so no NUL check): on PostgreSQL, which refuses
    a NUL in text, it was a 500; on SQLite the NUL was stored."""
    from claims.models import SendBackRequest
    from tests.claims.approval_helpers import awaiting_claim

    claim = awaiting_claim(handler=alice)
    client.force_login(alice)
    r = client.post(reverse("claims:send_back_request", args=[claim.number]), {"reason": reason})
    assert r.status_code == 302
    assert "制御文字" in messages_of(client, r)
    assert not SendBackRequest.objects.exists()


# --- the payer on the claim screens ----------------------------------------------------------


def test_the_payer_gets_no_claim_page_and_changes_nothing_on_any_claim_url(
    client, alice, bob, frank_user, settings, tmp_path
):
    """frank pays batches; the claim screens (pages, moves, items, notes, tasks, documents,
    approvals) are not his: every claim URL, GET and hostile POST, answers 403/404/405."""
    from tests import test_every_url as every

    settings.MEDIA_ROOT = tmp_path / "media"
    world = every.world.__wrapped__(alice)
    before = every.state(world)
    answers = every.sweep(client, world, login=frank_user)
    assert every.state(world) == before
    for name in every.CLAIM_BOUND:
        assert answers[name] <= {403, 404, 405}, (name, answers[name])


# --- very long text ----------------------------------------------------------------------------


def test_the_facts_form_holds_the_description_to_what_intake_takes(client, alice):
    """Intake takes 5,000 characters of 事故の概要; the facts form on the claim page took any
    length (a 1 MB description was saved and printed on every page and PDF)."""
    claim = make_claim(created_by=alice, handler=alice)
    client.force_login(alice)
    r = client.post(
        reverse("claims:facts", args=[claim.number]),
        {"facts-noticed_on": "2023-06-06", "facts-description": "あ" * 5001},
    )
    assert r.status_code == 400
    assert "5000 文字以内" in r.content.decode() or "5,000 文字以内" in r.content.decode()
    claim.refresh_from_db()
    assert claim.description == "社労夢停止"
    ok = client.post(
        reverse("claims:facts", args=[claim.number]),
        {"facts-noticed_on": "2023-06-06", "facts-description": "あ" * 5000},
    )
    assert ok.status_code == 302


# --- assigning what the claim page does not offer to assign ---------------------------------


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.PAID, S.CLOSED])
def test_a_settled_pool_claim_cannot_be_taken_by_a_crafted_assign_post(
    client, alice, bob, carol, status
):
    """The claim page offers 自分が担当する and reassignment only on claims in progress; a
    POST to the queue's assign view took a withdrawn pool claim too, which made bob its
    handler and let him reopen it."""
    claim = make_claim(created_by=alice, status=status)
    for user, target in ((bob, "me"), (carol, str(bob.pk))):
        client.force_login(user)
        r = client.post(reverse("claims:assign"), {"claim": [str(claim.pk)], "handler": target})
        assert "割り当てできません" in messages_of(client, r)
    claim.refresh_from_db()
    assert claim.handler is None
    client.force_login(bob)
    client.post(
        reverse("claims:action", args=[claim.number]), {"action": "reopen", "reason": "再開"}
    )
    claim.refresh_from_db()
    assert claim.status == status


def test_a_thousand_ids_in_one_post_is_a_japanese_400_and_nothing_assigned(client, alice):
    pool = make_claim(created_by=alice)
    client.force_login(alice)
    r = client.post(
        reverse("claims:assign"), {"claim": [str(pool.pk)] * 1000 + ["1"], "handler": "me"}
    )
    assert r.status_code == 400
    assert "リクエストが正しくありません" in r.content.decode()
    pool.refresh_from_db()
    assert pool.handler is None


def test_a_csv_document_with_nul_bytes_never_500_and_keeps_the_batch_whole(
    client, alice, settings, tmp_path
):
    from tests.documents.doc_helpers import pdf, upload_file

    settings.MEDIA_ROOT = tmp_path / "media"
    claim = make_claim(created_by=alice, handler=alice, status=S.UNDER_ASSESSMENT)
    client.force_login(alice)
    csv = upload_file("勤怠\x00.csv", "氏名,時間\n山田\x00,3\n=cmd|' /C calc'!A0,1\n".encode())
    r = client.post(
        reverse("documents:upload", args=[claim.number]),
        {"files": [pdf(), csv], "kind": "accident_report"},
    )
    assert r.status_code < 500
    stored = list(claim.documents.values_list("original_name", flat=True))
    assert len(stored) in (0, 2)  # one wrong file refuses the whole batch
    assert all("\x00" not in name for name in stored)


@pytest.mark.parametrize(
    "value,message",
    [
        ("1.5", "円未満の端数は入力できません"),
        ("1e3", "金額は円単位の整数で入力してください"),
        ("\u0661\u0662\u0663", "金額は円単位の整数で入力してください"),  # Arabic-Indic 123
        ("NaN", "金額は円単位の整数で入力してください"),
        ("Infinity", "金額は円単位の整数で入力してください"),
    ],
)
def test_an_amount_that_is_no_whole_number_of_yen_says_which_mistake(value, message):
    """Only a real fraction is told about 円未満の端数; "1e3" and digits of other scripts are
    not a fraction but not a yen amount either."""
    from django import forms

    from claims.fields import YenField

    with pytest.raises(forms.ValidationError) as refused:
        YenField().clean(value)
    assert message in refused.value.messages[0]
