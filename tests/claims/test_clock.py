"""The payment clock: 30 days from complete documents, extensions, overdue and due-soon flags."""

import datetime

import pytest

from claims import clock
from claims.approvals import payouts
from claims.models import Claim
from tests.claims.approval_helpers import awaiting_claim
from tests.conftest import make_claim

D = datetime.date


def _claim(**fields):
    return Claim(status=fields.pop("status", "under_assessment"), **fields)


def test_clock_not_started_before_documents_complete():
    c = clock.payment_clock(_claim(), today=D(2023, 7, 1))
    assert c.state == clock.NOT_STARTED and c.label == "書類待ち" and not c.flagged


def test_clock_runs_30_days_from_complete_documents():
    claim = _claim(documents_complete_on=D(2023, 7, 1))
    c = clock.payment_clock(claim, today=D(2023, 7, 10))
    assert (c.due_on, c.days_left, c.days_elapsed) == (D(2023, 7, 31), 21, 9)
    assert c.state == clock.RUNNING and c.label == "残り21日"


@pytest.mark.parametrize(
    ("today", "state", "label"),
    [
        (D(2023, 7, 25), clock.RUNNING, "残り6日"),
        (D(2023, 7, 26), clock.DUE_SOON, "残り5日"),
        (D(2023, 7, 31), clock.DUE_SOON, "本日期限"),
        (D(2023, 8, 1), clock.OVERDUE, "期限超過 1日"),
    ],
)
def test_clock_flags_due_soon_and_overdue(today, state, label):
    claim = _claim(documents_complete_on=D(2023, 7, 1), payment_due_on=D(2023, 7, 31))
    c = clock.payment_clock(claim, today=today)
    assert (c.state, c.label) == (state, label)
    assert c.flagged == (state != clock.RUNNING)


@pytest.mark.parametrize(
    ("fields", "html"),
    [
        (
            {"documents_complete_on": D(2023, 7, 1)},  # due 2023-07-31, 4 days overdue
            '<span class="badge text-bg-danger" title="支払期限 2023年7月31日 (保険法21条)">'
            "⚠ 期限超過 4日</span>",
        ),
        (
            {"documents_complete_on": D(2023, 7, 6)},
            '<span class="badge text-bg-warning" title="支払期限 2023年8月5日 (保険法21条)">'
            "残り1日</span>",
        ),
        (
            {},
            '<span class="badge text-bg-secondary" title="書類完備日から30日">書類待ち</span>',
        ),
        ({"status": "paid", "documents_complete_on": D(2023, 7, 1)}, ""),
    ],
)
def test_the_clock_badge_of_the_queue_rows_and_the_claim_pages(fields, html):
    """One badge everywhere (the queue's {% payment_clock %} and claims/_clock.html)."""
    from django.template.loader import render_to_string

    from claims.templatetags.payout_tags import clock_badge

    state = clock.payment_clock(_claim(**fields), today=D(2023, 8, 4))
    assert clock_badge(state) == html
    assert render_to_string("claims/_clock.html", {"clock": state}).strip() == html


def test_clock_stops_once_paid():
    claim = _claim(
        status="paid", documents_complete_on=D(2023, 7, 1), payment_due_on=D(2023, 7, 31)
    )
    assert clock.payment_clock(claim, today=D(2023, 9, 1)).state == clock.STOPPED


@pytest.mark.django_db
def test_extension_moves_the_due_date_and_clears_the_overdue_flag(alice, carol):
    claim = awaiting_claim(handler=alice)  # due 2023-07-31
    assert clock.payment_clock(claim, today=D(2023, 8, 5)).state == clock.OVERDUE
    payouts.payment_extend(
        claim=claim, by=carol, new_due_on=D(2023, 8, 31), reason="追加調査が必要 (書面通知済み)"
    )
    claim.refresh_from_db()
    c = clock.payment_clock(claim, today=D(2023, 8, 5))
    assert (c.state, c.days_left) == (clock.RUNNING, 26)


@pytest.mark.django_db
def test_extension_refused_before_the_clock_starts(alice, carol):
    claim = make_claim(created_by=alice, handler=alice, status=Claim.Status.UNDER_ASSESSMENT)
    from claims.services import ClaimError

    with pytest.raises(ClaimError, match="書類が揃っていない"):
        payouts.payment_extend(
            claim=claim, by=carol, new_due_on=D(2030, 1, 1), reason="顧問先の損害額の鑑定が必要"
        )
