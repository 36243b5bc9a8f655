"""WeasyPrint fetches only the font and stylesheet; hostile user text stays text."""

import pytest

from claims.models import ClientDamage, Insured
from coverage import vocab
from documents import pdf, rendering
from tests.conftest import make_claim
from tests.documents.pdf_helpers import pdf_pages_text, squash

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/x">',
    '<img src="http://127.0.0.1:9/x">',
    "<style>@import url(http://127.0.0.1:9/y);</style>",
    '<object data="data:text/html,<b>x</b>"></object>',
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_client_name_renders_as_text_and_fetches_nothing(alice, name):
    claim = make_claim(created_by=alice, handler=alice)
    ClientDamage.objects.create(
        claim=claim,
        client_name=name,
        kind=vocab.KIND_BUSINESS_INTERRUPTION,
        description=name,
        claimed=10_000,
        recognized=10_000,
    )
    Insured.objects.filter(pk=claim.policy.insured_id).update(name=name)
    fetcher = pdf.SafeFetcher()
    text = squash("".join(pdf_pages_text(rendering.render_settlement_pdf(claim, fetcher=fetcher))))
    assert sorted(fetcher.calls) == [
        "claimsdesk-asset:css/pdf.css",
        "claimsdesk-asset:font/ipaexg.ttf",
    ]
    assert fetcher.refused == []
    assert squash(name) in text  # printed literally, markup and all


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.com/x.css",
        "data:text/css,body{}",
        "ftp://example.com/x",
        "claimsdesk-asset:../../../../etc/passwd",
        "claimsdesk-asset:font/other.ttf",
        "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    ],
)
def test_the_fetcher_refuses_everything_outside_the_allowlist(url):
    fetcher = pdf.SafeFetcher()
    with pytest.raises(pdf.FetchRefused):
        fetcher(url)
    assert fetcher.calls == [url] and fetcher.refused == [url]


def test_markup_that_would_fetch_is_refused_by_the_fetcher_not_followed():
    """Even HTML that reaches WeasyPrint unescaped fetches nothing outside the allowlist."""
    fetcher = pdf.SafeFetcher()
    html = (
        '<link rel="stylesheet" href="claimsdesk-asset:css/pdf.css">'
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x">'
        '<p style="background: url(data:image/png;base64,AAAA)">本文</p>'
    )
    content = pdf.html_to_pdf(html, fetcher=fetcher)
    assert "passwd" not in content.decode("latin-1")
    assert set(fetcher.refused) == {
        "file:///etc/passwd",
        "http://127.0.0.1:9/x",
        "data:image/png;base64,AAAA",
    }
    assert "本文" in "".join(pdf_pages_text(content))
