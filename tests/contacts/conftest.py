import pytest


@pytest.fixture(autouse=True)
def _english_by_default(settings) -> None:
    # Assertions read English messages (the catalogue's Dutch is checked by test_i18n).
    settings.LANGUAGE_CODE = "en"
