import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test's job files in a folder of its own, so a test sees only the files it made."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
