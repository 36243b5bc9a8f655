"""The settlement summary PDF: its Japanese text, the engine's exact figures, page furniture."""

import io
import time

import pytest
from django.conf import settings
from pypdf import PdfReader

from claims.models import ClientDamage, Expense
from coverage import vocab
from coverage.adapters import claim_assessment
from documents import pdf, rendering
from tests.conftest import make_claim
from tests.documents.pdf_helpers import add_items, pdf_pages_text, squash


def yen(n):
    return f"{n:,}円"


@pytest.fixture
def claim(alice):
    c = make_claim(created_by=alice, handler=alice)
    add_items(c, damages=5, expenses=3, overtime=4, by=alice)
    return c


def test_summary_has_items_decisions_reasons_and_engine_totals(claim):
    content = rendering.render_settlement_pdf(claim)
    text = squash("".join(pdf_pages_text(content)))
    ca = claim_assessment(claim)
    a = ca.assessment

    assert squash("支払内容のご案内") in text
    assert claim.number in text
    assert squash(claim.policy.insured.name) in text
    assert squash("株式会社顧問先0000:給与計算遅延による損害0") in text
    assert squash("お詫び状の印刷・郵送費1") in text
    assert "山田太郎3" in text
    for label in ("支払対象", "対象外", "保留(書類待ち)"):
        assert squash(label) in text
    # an IT-business damage (#4), an alternative system expense (#1) and missing evidence
    for code in (vocab.REASON_IT_BUSINESS, vocab.REASON_SUBSTITUTE_WORK):
        assert squash(vocab.REASONS[code].title) in text
        assert squash(vocab.REASONS[code].explanation)[:20] in text
    # every covered amount and every total, as the engine computed them
    for _row, d in ca.damages + ca.expenses + ca.overtime:
        assert yen(d.amount) in text
    assert a.total_payable > 0
    assert squash(f"お支払額合計{yen(a.total_payable)}") in text
    assert squash(f"賠償責任支払額{yen(a.liability.payable)}") in text
    assert squash(f"費用支払額{yen(a.expenses.payable)}") in text


def test_summary_of_an_approved_claim_prints_the_payout_snapshot_not_the_approver(claim, carol):
    from django.utils import timezone

    from claims.models import Claim, Payout

    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.APPROVED)
    claim.refresh_from_db()
    a = claim_assessment(claim).assessment
    snapshot = {
        "assessment": {**a.to_json_dict(), "total_payable": a.total_payable},
        "items": {
            "damages": [{"pk": r.pk, **_row(r)} for r, _ in claim_assessment(claim).damages],
            "expenses": [],
            "overtime": [],
        },
    }
    Payout.objects.create(
        claim=claim,
        amount=a.total_payable,
        liability_amount=a.liability.payable,
        expense_amount=a.expenses.payable,
        snapshot=snapshot,
        approved_by=carol,
    )
    # an item added after the approval must not change what the PDF says was approved
    add_items(claim, damages=1, expenses=0, overtime=0)
    text = squash("".join(pdf_pages_text(rendering.render_settlement_pdf(claim))))
    assert squash(f"お支払額合計{yen(a.total_payable)}") in text
    # sent to the insured: the decision's date, never who approved it (issue 19)
    assert "承認者" not in text and "carol" not in text
    assert squash("査定確定日") + timezone.localdate().strftime("%Y年") in text
    assert squash("承認前の査定内容") not in text


def _row(r):
    return {
        "client_name": r.client_name,
        "kind": r.kind,
        "description": r.description,
        "claimed": r.claimed,
        "recognized": r.recognized,
    }


def test_claim_number_and_page_numbers_on_every_page_and_header_repeats(alice):
    c = make_claim(created_by=alice, handler=alice)
    add_items(c, damages=60, expenses=20, overtime=20, by=alice)
    pages = pdf_pages_text(rendering.render_settlement_pdf(c))
    assert len(pages) >= 3
    # The item table ends with the overtime subtotal; every page up to there repeats its header.
    table_end = next(
        i for i, p in enumerate(pages) if squash("小計(従業員の超過勤務手当") in squash(p)
    )
    assert table_end >= 2
    for n, page in enumerate(pages, start=1):
        flat = squash(page)
        assert c.number in flat
        assert f"{n}/{len(pages)}" in flat
        if n <= table_end + 1:
            assert squash("No.内容") in flat and squash("支払対象額判定・理由") in flat


def test_every_glyph_comes_from_the_bundled_ipaex_font_face(claim):
    """One embedded font: the @font-face served by the fetcher, no system fallback."""
    content = rendering.render_settlement_pdf(claim)
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for f in page["/Resources"]["/Font"].values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert len(fonts) == 1 and next(iter(fonts)).endswith("+CDGothic"), fonts


def test_a_300_line_claim_renders_within_the_task_time_limit(alice):
    c = make_claim(created_by=alice, handler=alice)
    add_items(c, damages=150, expenses=75, overtime=75, by=alice)
    started = time.monotonic()
    content = rendering.render_settlement_pdf(c)
    elapsed = time.monotonic() - started
    assert elapsed < settings.RENDER_SOFT_TIME_LIMIT
    text = squash("".join(pdf_pages_text(content)))
    assert squash("株式会社顧問先0149") in text
    assert squash("山田太郎74") in text


def test_request_letter_lists_the_requested_items(alice):
    from documents.models import DocumentRequest

    c = make_claim(created_by=alice, handler=alice)
    req = DocumentRequest.objects.create(
        claim=c,
        items=["damage_claim", {"kind": "attendance_record", "note": "6月6日分"}, "自由記述の書類"],
        message="お手数ですがご対応をお願いします。",
        requested_by=alice,
    )
    text = squash("".join(pdf_pages_text(rendering.render_request_letter_pdf(req))))
    assert squash("書類ご提出のお願い") in text
    assert squash("顧問先からの損害賠償請求書類") in text
    assert squash("勤怠記録") in text and "6月6日分" in text
    assert "自由記述の書類" in text
    assert c.number in text


def test_only_the_font_and_stylesheet_are_fetched(claim):
    fetcher = pdf.SafeFetcher()
    rendering.render_settlement_pdf(claim, fetcher=fetcher)
    assert sorted(fetcher.calls) == [
        "claimsdesk-asset:css/pdf.css",
        "claimsdesk-asset:font/ipaexg.ttf",
    ]
    assert fetcher.refused == []


def test_an_item_prints_one_figure_when_claimed_and_recognized_are_the_same(alice):
    """Expenses and overtime have one figure; a damage prints both when the desk cut it."""
    c = make_claim(created_by=alice, handler=alice)
    ClientDamage.objects.create(
        claim=c,
        client_name="有限会社見本",
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        description="減額された損害",
        claimed=123_000,
        recognized=101_000,
        activity=vocab.ACTIVITY_IT_USER_ACT,
    )
    Expense.objects.create(
        claim=c,
        category=vocab.CATEGORY_ALTERNATIVE_SYSTEM,
        description="代替ソフトの利用料",
        amount=77_700,
    )
    text = "".join(pdf_pages_text(rendering.render_settlement_pdf(c)))
    damage = text[
        text.index("減額された損害") : text.index("支払対象", text.index("減額された損害"))
    ]
    assert "123,000円" in damage and "101,000円" in damage
    expense = text[
        text.index("代替ソフトの利用料") : text.index("対象外", text.index("代替ソフトの利用料"))
    ]
    assert expense.count("77,700円") == 1 and "0円" in expense  # one figure, then covered 0円
    assert squash("請求額と認定額が同じときは、金額を一つだけ記載") in squash(text)
