"""Severity of an alert or incident: one documented formula, pure (no Django).

    score = 100 * (0.25 R + 0.15 A + 0.25 N + 0.20 V + 0.15 K)

    R  reach        min(1, log10(1 + followers + engagement) / 7)      10 million → 1
    A  authors      min(1, log10(1 + unique authors) / 3)               1,000 → 1
    N  negativity   share of negative mentions                          0..1
    V  velocity     min(1, mentions per minute / 20)                    20/min → 1
    K  risk terms   1 if a risk term (datalek, hack, fraude …) matched, else 0

    level 1 (score < 25), 2 (< 50), 3 (< 75), 4 (≥ 75)

News outlets count as 100,000 followers at least (a hostile article reaches far).
"""

import math
from dataclasses import dataclass

OUTLET_MIN_REACH = 100_000


def author_reach(followers: int | None, is_outlet: bool) -> int:
    """An author's reach: the follower count, and at least OUTLET_MIN_REACH for a news outlet
    (`selectors.mention_author_reach` is the same rule in SQL)."""
    followers = followers or 0
    return max(followers, OUTLET_MIN_REACH) if is_outlet else followers


WEIGHTS = {"reach": 0.25, "authors": 0.15, "negativity": 0.25, "velocity": 0.20, "risk": 0.15}


@dataclass(frozen=True)
class SeverityInput:
    followers: int
    engagement: int
    unique_authors: int
    negative_share: float
    mentions_per_minute: float
    has_risk_term: bool


@dataclass(frozen=True)
class Severity:
    score: float
    level: int
    parts: dict[str, float]


def severity_level(score: float) -> int:
    """Map a 0-100 score to levels 1-4."""
    return 1 if score < 25 else 2 if score < 50 else 3 if score < 75 else 4


def severity_compute(data: SeverityInput) -> Severity:
    """Score and level from reach, authors, negativity, velocity and risk terms (see module)."""
    parts = {
        "reach": min(1.0, math.log10(1 + max(0, data.followers + data.engagement)) / 7),
        "authors": min(1.0, math.log10(1 + max(0, data.unique_authors)) / 3),
        "negativity": max(0.0, min(1.0, data.negative_share)),
        "velocity": max(0.0, min(1.0, data.mentions_per_minute / 20)),
        "risk": 1.0 if data.has_risk_term else 0.0,
    }
    score = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()), 1)
    return Severity(
        score=score, level=severity_level(score), parts={k: round(v, 3) for k, v in parts.items()}
    )
