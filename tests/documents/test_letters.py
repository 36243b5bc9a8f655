"""The letters an insured gets (issue 19): the insurer's letterhead on every one, nothing
internal, 「案」 and a watermark before approval, the damage letter's reasons on their lines
and the documents to send next, the payment letter's date and masked account."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags

from claims.approvals import payouts
from claims.models import Claim
from documents import letters, pdf_context, rendering
from documents.models import Document, DocumentRequest, RenderJob
from tests.documents.letter_helpers import EXCLUDED, REDUCED, FakeAccount, letter_claim
from tests.documents.pdf_helpers import pdf_pages_text, squash

INSURER = {
    "INSURER_NAME": "テスト海上日動火災保険株式会社",
    "INSURER_DEPARTMENT": "賠償保険金サービス部 第三課",
    "INSURER_POSTCODE": "160-0023",
    "INSURER_ADDRESS": "東京都新宿区西新宿二丁目2番2号",
    "INSURER_PHONE": "03-1234-5678",
    "INSURER_EMAIL": "desk@insurer.example.jp",
}
INTERNAL = ("claimsdesk", "状態", "承認済み", "承認者", "carol")


@pytest.fixture(autouse=True)
def insurer(settings):
    for name, value in INSURER.items():
        setattr(settings, name, value)


@pytest.fixture
def claim(alice):
    return letter_claim(handler=alice)


def approve(claim, carol):
    return payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)


def pay(claim, carol):
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    return payouts.payout_mark_paid(
        claim=claim, by=carol, paid_on=datetime.date.today(), reference="FB-20240115-0042"
    )


def text_of(content: bytes) -> str:
    return squash("".join(pdf_pages_text(content)))


def all_letters(claim, carol):
    """(name, HTML, PDF text) of each letter and PDF an insured gets, for a paid claim."""
    payout = pay(claim, carol)
    request = DocumentRequest.objects.create(
        claim=claim, items=["claim_form"], requested_by=claim.handler
    )
    out = []
    for name, template, context in (
        ("settlement", "settlement_summary", pdf_context.settlement_context(claim, version=14)),
        ("request", "request_letter", pdf_context.request_letter_context(request, version=14)),
        ("damage", "damage_letter", letters.damage_letter_context(claim, version=14)),
        (
            "payment",
            "payment_letter",
            letters.payment_letter_context(payout, account=FakeAccount(), version=14),
        ),
    ):
        html = render_to_string(f"documents/pdf/{template}.html", context)
        from documents import pdf

        out.append((name, html, text_of(pdf.html_to_pdf(html))))
    return out


def test_every_letter_carries_the_insurers_letterhead_and_nothing_internal(claim, carol):
    for name, html, text in all_letters(claim, carol):
        visible = squash(strip_tags(html))
        for value in INSURER.values():
            if value == INSURER["INSURER_EMAIL"]:
                continue  # alice has no mail address of her own: the desk's is printed
            assert squash(value) in text, (name, value)
        assert INSURER["INSURER_EMAIL"] in text, name
        assert "担当佐藤愛子" in text, name  # the handler by name, not by login
        for word in INTERNAL:
            assert word not in text, (name, word)
            assert word not in visible, (name, word)
        assert not re.search(r"版\(?\d", text), name  # no version counter ("版 14")
        assert "alice" not in text, name


def test_the_handlers_own_mail_address_is_printed_when_set(claim, alice):
    alice.email = "sato.aiko@insurer.example.jp"
    alice.save()
    text = text_of(rendering.render_damage_letter_pdf(claim))
    assert "sato.aiko@insurer.example.jp" in text


def _watermarks(page_text: str) -> int:
    """The 案 on a page that is neither in ご案内 nor in the title's （案）."""
    flat = squash(page_text)
    return flat.count("案") - flat.count("ご案内") - flat.count("（案）") - flat.count("(案)")


def test_before_approval_the_letters_are_drafts_with_a_watermark_on_every_page(claim):
    assert claim.status == Claim.Status.AWAITING_APPROVAL
    for render, title in (
        (rendering.render_damage_letter_pdf, "損害額のご案内（案）"),
        (rendering.render_settlement_pdf, "支払内容のご案内（案）"),
    ):
        pages = pdf_pages_text(render(claim))
        assert squash(title) in squash(pages[0])
        for page in pages:
            assert _watermarks(page) >= 1, title
    html = render_to_string(
        "documents/pdf/damage_letter.html", letters.damage_letter_context(claim)
    )
    assert 'class="draft-mark"' in html


def test_after_approval_neither_title_nor_watermark_says_draft(claim, carol):
    approve(claim, carol)
    for render, title in (
        (rendering.render_damage_letter_pdf, "損害額のご案内"),
        (rendering.render_settlement_pdf, "支払内容のご案内"),
    ):
        pages = pdf_pages_text(render(claim))
        assert squash(title) in squash(pages[0])
        assert "案）" not in "".join(pages) and "(案)" not in squash("".join(pages))
        assert all(_watermarks(p) == 0 for p in pages), title
    html = render_to_string(
        "documents/pdf/damage_letter.html", letters.damage_letter_context(claim)
    )
    assert "draft-mark" not in html.split("</style>", 1)[1]


def test_damage_letter_puts_each_reduced_or_excluded_lines_reason_on_its_line(claim, carol):
    approve(claim, carol)
    text = text_of(rendering.render_damage_letter_pdf(claim))
    # per client: claimed, recognized, covered
    assert squash(f"{REDUCED['client_name']}480,000円360,000円360,000円") in text
    assert squash(f"{EXCLUDED['client_name']}250,000円250,000円0円") in text
    # the reduced line: its amounts, then the cut reason, in the same row
    assert (
        squash(
            f"{REDUCED['client_name']}:{REDUCED['description']}480,000円360,000円"
            f"減額理由:重複請求(Q1):{REDUCED['cut_reason']}"
        )
        in text
    )
    # the excluded line: the engine's Q&A reason with its explanation, on the line
    from coverage import vocab

    reason = vocab.REASONS[vocab.REASON_IT_BUSINESS]
    assert (
        squash(
            f"{EXCLUDED['client_name']}:{EXCLUDED['description']}250,000円0円"
            f"対象外:{reason.title}({reason.qa}){reason.explanation}"
        )
        in text
    )
    # a line paid as claimed says so
    assert (
        squash("株式会社山田製作所:給与支払遅延に伴う遅延損害金1,200,000円1,200,000円ご請求どおり")
        in text
    )
    # what the insured sends next (Q1 保険金請求書類)
    for label in ("保険金請求書", "示談書または示談確認書", "支払明細(出金の記録)"):
        assert squash(label) in text
    assert squash(f"お支払額合計{claim.total_payable:,}円") in text


def test_payment_letter_shows_the_date_the_masked_account_and_the_amounts(claim, carol):
    payout = pay(claim, carol)
    text = text_of(rendering.render_payment_letter_pdf(payout, account=FakeAccount()))
    assert squash("保険金お支払のご案内") in text and "（案）" not in text
    assert (
        squash(f"お支払日{payout.paid_on:%Y}年{payout.paid_on.month}月{payout.paid_on.day}日")
        in text
    )
    assert squash("みずほ銀行丸の内支店") in text
    assert squash("普通****567") in text
    assert "1234567" not in text
    assert squash("ｶ)ﾔﾏﾀﾞｼｬﾛｳｼﾞﾑｼｮ") in text
    assert squash(f"お支払額{payout.amount:,}円") in text
    assert squash(f"賠償責任保険金{payout.liability_amount:,}円") in text
    assert "FB-20240115-0042" in text


def test_payment_letter_without_an_account_model_names_the_chosen_account(claim, carol):
    payout = pay(claim, carol)
    assert letters.payout_account(payout) is None  # the payments app's hook, not wired yet
    text = text_of(rendering.render_payment_letter_pdf(payout))
    assert squash("お振込先ご指定の口座") in text
    assert "****" not in text


def test_masking_keeps_only_the_last_three_digits():
    assert letters.mask_account_number("1234567") == "****567"
    assert letters.mask_account_number("0001234") == "****234"
    assert letters.mask_account_number("") == ""


# --- the claim page's buttons and the render jobs ----------------------------------------


def test_handler_generates_the_damage_letter_and_it_is_stored(
    client, alice, claim, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[claim.number]))
    assert 'data-kind="damage_letter"' in page.content.decode()
    assert 'data-kind="payment_letter"' not in page.content.decode()  # not paid yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("renders:generate", args=[claim.number, "damage_letter"]))
    assert response.status_code == 302
    doc = Document.objects.get(claim=claim, kind="damage_letter")
    assert doc.original_name.endswith(".pdf") and "損害額のご案内" in doc.original_name
    download = client.get(reverse("documents:download", args=[doc.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content) if download.streaming else download.content
    assert squash("損害額のご案内（案）") in text_of(content)


def test_outsider_cannot_generate_a_letter(client, bob, claim):
    client.force_login(bob)
    response = client.post(reverse("renders:generate", args=[claim.number, "damage_letter"]))
    assert response.status_code == 404
    assert not RenderJob.objects.filter(claim=claim).exists()


def test_payment_letter_is_refused_before_payment(client, alice, claim):
    client.force_login(alice)
    response = client.post(
        reverse("renders:generate", args=[claim.number, "payment_letter"]), follow=True
    )
    assert "支払済みの後に作成できます" in response.content.decode()
    assert not RenderJob.objects.filter(claim=claim, kind="payment_letter").exists()
    with pytest.raises(Exception, match="お支払の記録がまだありません"):
        rendering.render_version(claim, rendering.KIND_PAYMENT_LETTER)


def test_marking_paid_queues_the_payment_letter(
    client, alice, claim, carol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payout = pay(claim, carol)
    job = RenderJob.objects.get(claim=claim, kind="payment_letter")
    assert (
        job.version == rendering.payment_letter_version(payout)
        and job.status == RenderJob.Status.DONE
    )
    client.force_login(alice)
    page = client.get(reverse("claims:detail", args=[claim.number])).content.decode()
    assert 'data-kind="payment_letter"' in page
    assert reverse("documents:download", args=[job.document_id]) in page


def test_letters_do_not_make_the_summary_stale(claim, carol):
    approve(claim, carol)
    before = rendering.claim_render_version(claim)
    job = rendering.enqueue_render(claim=claim, kind=rendering.KIND_DAMAGE_LETTER, by=carol)
    rendering.render_job_run(job_id=job.pk)
    assert rendering.claim_render_version(claim) == before


def test_printed_request_letter_page_carries_the_letterhead_and_no_login_name(client, bob):
    from documents import services

    claim = letter_claim(handler=bob)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.UNDER_ASSESSMENT)
    bob.last_name, bob.first_name = "", ""  # no personal name: the login must not stand in
    bob.save()
    req = services.documents_request(claim=claim, by=bob)
    client.force_login(bob)
    html = client.get(reverse("documents:request_letter", args=[req.pk])).content.decode()
    sheet = squash(strip_tags(html.split('<article class="sheet">', 1)[1]))
    for name in ("INSURER_NAME", "INSURER_DEPARTMENT", "INSURER_ADDRESS", "INSURER_PHONE"):
        assert squash(INSURER[name]) in sheet, name
    assert "bob" not in sheet and "claimsdesk" not in squash(strip_tags(html))
