import pytest

from monitoring.severity import SeverityInput, severity_compute, severity_level

QUIET = SeverityInput(
    followers=100, engagement=0, unique_authors=2, negative_share=0.5,
    mentions_per_minute=0.2, has_risk_term=False,
)  # fmt: skip


def test_severity_compute_quiet_grumble_is_level_1():
    severity = severity_compute(QUIET)
    assert severity.level == 1
    assert severity.parts["negativity"] == 0.5


def test_severity_compute_viral_data_leak_is_level_4():
    storm = SeverityInput(
        followers=2_000_000, engagement=50_000, unique_authors=900, negative_share=0.9,
        mentions_per_minute=40, has_risk_term=True,
    )  # fmt: skip
    severity = severity_compute(storm)
    assert severity.level == 4
    assert severity.score > 85


@pytest.mark.parametrize(
    "field",
    ["followers", "engagement", "unique_authors", "negative_share", "mentions_per_minute"],
)
def test_severity_compute_rises_with_each_factor(field):
    base = severity_compute(QUIET).score
    grown = dict(QUIET.__dict__)
    grown[field] = grown[field] * 10 + 1 if field != "negative_share" else 0.9
    assert severity_compute(SeverityInput(**grown)).score > base


def test_severity_compute_risk_term_adds_fifteen_points():
    with_risk = SeverityInput(**{**QUIET.__dict__, "has_risk_term": True})
    assert severity_compute(with_risk).score - severity_compute(QUIET).score == pytest.approx(15)


@pytest.mark.parametrize(
    ("score", "level"), [(0, 1), (24.9, 1), (25, 2), (49.9, 2), (50, 3), (74.9, 3), (75, 4)]
)
def test_severity_level_boundaries(score, level):
    assert severity_level(score) == level
