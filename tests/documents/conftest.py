import pytest


@pytest.fixture
def media(settings, tmp_path):
    """A private MEDIA_ROOT so uploads never land in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_pdf_font_config():
    """Each test starts with no font registered in this thread (as a new worker does), so the
    fetcher-count tests see the font fetched; the reuse itself is tested in test_pdf_warm."""
    from documents import pdf

    pdf.reset_font_config()
    yield
    pdf.reset_font_config()
