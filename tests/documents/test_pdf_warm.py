"""The renderer keeps its font between renders and warms up when a worker starts."""

import io
import logging

import pytest
from pypdf import PdfReader

from documents import pdf, rendering
from documents.tasks import warm_up_pdf_renderer
from tests.conftest import make_claim
from tests.documents.pdf_helpers import add_items, pdf_pages_text, squash

FONT = "claimsdesk-asset:font/ipaexg.ttf"
CSS = "claimsdesk-asset:css/pdf.css"


@pytest.fixture
def claim(alice):
    c = make_claim(created_by=alice, handler=alice)
    add_items(c, damages=2, expenses=1, overtime=1, by=alice)
    return c


def test_the_font_is_fetched_once_per_thread_and_every_pdf_still_embeds_it(claim):
    first, second = pdf.SafeFetcher(), pdf.SafeFetcher()
    one = rendering.render_settlement_pdf(claim, fetcher=first)
    two = rendering.render_settlement_pdf(claim, fetcher=second)
    assert sorted(first.calls) == [CSS, FONT]
    assert second.calls == [CSS]  # the face is already registered
    for content in (one, two):
        fonts = {
            str(f.get_object()["/BaseFont"])
            for page in PdfReader(io.BytesIO(content)).pages
            for f in page["/Resources"]["/Font"].values()
        }
        assert len(fonts) == 1 and fonts.pop().endswith("+CDGothic")  # embedded in each file
        assert squash("支払内容のご案内") in squash("".join(pdf_pages_text(content)))


def test_a_new_font_path_registers_the_font_again(claim, settings, tmp_path):
    rendering.render_settlement_pdf(claim)
    copy = tmp_path / "ipaexg.ttf"
    copy.write_bytes(pdf.font_path().read_bytes())
    settings.PDF_FONT_PATH = str(copy)
    fetcher = pdf.SafeFetcher()
    rendering.render_settlement_pdf(claim, fetcher=fetcher)
    assert FONT in fetcher.calls


def test_worker_start_warms_the_renderer_so_the_first_job_fetches_only_the_stylesheet(claim):
    warm_up_pdf_renderer()  # what worker_process_init runs in each worker process
    fetcher = pdf.SafeFetcher()
    rendering.render_settlement_pdf(claim, fetcher=fetcher)
    assert fetcher.calls == [CSS]


def test_a_missing_font_fails_the_render_clearly_and_the_warm_up_only_logs(
    claim, settings, tmp_path, caplog
):
    settings.PDF_FONT_PATH = str(tmp_path / "missing.ttf")
    with caplog.at_level(logging.WARNING, logger="documents.pdf"):
        assert pdf.warm_up() is None  # the worker still starts
    assert "PDF warm-up failed" in caplog.text
    with pytest.raises(pdf.FontMissing, match="missing.ttf.*fonts-ipaexfont-gothic"):
        rendering.render_settlement_pdf(claim)
