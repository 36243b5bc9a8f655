"""HTML -> PDF with WeasyPrint, fetching nothing but the project's own assets.

WeasyPrint fetches every url() and src it meets. The templates reference their stylesheet
and font only through the internal `claimsdesk-asset:` scheme; `SafeFetcher` serves exactly
the names in `ASSETS` (an allowlist of files on disk) and refuses everything else — file://,
http(s)://, data:, other schemes, unknown names — by raising. User text never becomes a URL:
the Django template engine escapes it, so `<img src="file:///etc/passwd">` typed as a client
name is text in the PDF. The fetcher counts every call (allowed and refused) for the tests.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template, render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

SCHEME = "claimsdesk-asset:"
DEFAULT_FONT_PATH = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"


class FetchRefused(ValueError):
    """A URL outside the allowlist: nothing was read."""


class FontMissing(RuntimeError):
    """The Japanese font file is not where settings.PDF_FONT_PATH says."""


def font_path() -> Path:
    return Path(getattr(settings, "PDF_FONT_PATH", DEFAULT_FONT_PATH))


def assets() -> dict[str, Path]:
    """The only files a PDF may load: internal name -> path on disk."""
    return {
        "font/ipaexg.ttf": font_path(),
        "css/pdf.css": Path(settings.BASE_DIR) / "templates" / "documents" / "pdf" / "pdf.css",
    }


class SafeFetcher(URLFetcher):
    """Serves the allowlisted assets by exact internal name; raises on anything else."""

    def __init__(self, allowed: dict[str, Path] | None = None):
        super().__init__(allowed_protocols=(), fail_on_errors=False)
        self.allowed = assets() if allowed is None else allowed
        self.calls: list[str] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()

    def fetch(self, url, headers=None):
        with self._lock:
            self.calls.append(url)
        name = url[len(SCHEME) :] if url.startswith(SCHEME) else None
        path = self.allowed.get(name) if name is not None else None
        if path is None:
            with self._lock:
                self.refused.append(url)
            raise FetchRefused(f"refused to fetch {url[:200]!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, path.read_bytes(), headers={"Content-Type": content_type}, status=200
        )

    # WeasyPrint may call open(); route it through the same allowlist.
    def open(self, url, data=None, timeout=None):
        return self.fetch(getattr(url, "full_url", url))


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for the duration of one render.

    A render allocates hundreds of thousands of long-lived box objects, so the collector runs
    full (generation 2) passes over an ever larger heap again and again: for a 300-line
    settlement summary that was about a quarter of the render time (about 2.0 s -> 1.5 s
    without it). Almost everything a render frees is freed by reference counting (peak RSS
    stays the same); the few cycles left are collected by the next automatic pass after the
    collector is re-enabled. Process-wide, but only for the length of the call.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_local = threading.local()


def font_config() -> FontConfiguration:
    """This thread's WeasyPrint font configuration, kept across renders.

    A fresh FontConfiguration per render fetches the 4 MB IPAex font again, copies it to a
    temporary file and registers it with Fontconfig and Pango; kept, the face is registered
    once (WeasyPrint skips a face it already holds) and Pango's font caches stay warm. One per
    thread, because Pango font maps are not shared between threads. Rebuilt when the font path
    setting changes. Only our own @font-face rules ever reach it: user text is escaped.
    """
    key = str(font_path())
    if getattr(_local, "key", None) != key:
        _local.font_config, _local.key = FontConfiguration(), key
    return _local.font_config


def reset_font_config() -> None:
    """Forget this thread's font configuration (the next render registers the font again)."""
    _local.__dict__.clear()


WARM_UP_HTML = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<link rel="stylesheet" href="claimsdesk-asset:css/pdf.css"></head><body>
<h1>準備</h1><table class="items"><thead><tr><th>No. 内容</th><th>請求額</th><th>支払対象額</th>
<th>判定・理由</th></tr></thead><tbody><tr><td>1. 株式会社 0123456789,円</td><td>1,000円</td>
<td>1,000円</td><td>支払対象</td></tr></tbody></table></body></html>"""


def warm_up(templates=()) -> float | None:
    """Render a one-page PDF so that a worker's first real job starts warm.

    Called once per worker process at start (documents.tasks, worker_process_init): it
    compiles the given Django templates and loads the font into this thread's font
    configuration, Pango's caches and WeasyPrint's lazily built tables, which otherwise cost
    the first settlement summary after a restart 0.2-0.4 s extra. Never raises: a worker
    without its font still starts, and the render jobs then fail with the real error.
    Returns the seconds spent, or None on failure.
    """

    started = time.perf_counter()
    try:
        for name in templates:  # compiled once into the cached template loader
            get_template(name)
        html_to_pdf(WARM_UP_HTML)
    except Exception:  # noqa: BLE001 - a failed warm-up must not stop the worker
        logger.warning(
            "PDF warm-up failed; the first render will pay the start-up cost", exc_info=True
        )
        return None
    return time.perf_counter() - started


def html_to_pdf(html: str, *, fetcher: SafeFetcher | None = None) -> bytes:
    """Render an HTML string (from our templates) to PDF bytes with the safe fetcher."""
    if not font_path().is_file():
        # WeasyPrint would quietly fall back to whatever font the system has (or none).
        raise FontMissing(
            f"PDF font not found at {font_path()}: install fonts-ipaexfont-gothic "
            "or set PDF_FONT_PATH"
        )
    fetcher = fetcher or SafeFetcher()
    with gc_paused():
        document = HTML(string=html, base_url=SCHEME, url_fetcher=fetcher)
        return document.write_pdf(font_config=font_config())


def render_template_pdf(template: str, context: dict, *, fetcher=None) -> bytes:
    """Render a Django template (autoescape on) and turn it into a PDF."""
    return html_to_pdf(render_to_string(template, context), fetcher=fetcher)
