import pytest

from monitoring.risk import risk_terms_found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Groot DATALEK bij Bank Noord!", ["datalek"]),
        ("#lek in de app", ["lek"]),
        ("Wat een lekkere koffie", []),
        ("Massive data-breach at North Bank, possible lawsuit", ["data breach", "lawsuit"]),
        ("Oplichting én fraude", ["oplichting", "fraude"]),
        ("Frâude?", ["fraude"]),
        ("hackathon vandaag", []),
    ],
)
def test_risk_terms_found_word_boundaries_and_accents(text, found):
    assert risk_terms_found(text) == found


def test_risk_terms_found_custom_list():
    assert risk_terms_found("Boze klanten en storing", ("storing",)) == ["storing"]
    assert risk_terms_found("anything", ()) == []
