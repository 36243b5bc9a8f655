import pytest


@pytest.fixture
def media(settings, tmp_path):
    """A private MEDIA_ROOT so uploads never land in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
