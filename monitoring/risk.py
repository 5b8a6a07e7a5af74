"""Risk terms: Dutch and English words that make any mention more serious. Pure, no Django.

Matched on word boundaries with accents folded and case ignored, so `lek` matches "Lek!" and
"#lek" but not "lekker", and `data breach` matches "data-breach".
"""

import re
from functools import cache

from monitoring.query import fold

DEFAULT_RISK_TERMS = (
    # Dutch
    "datalek", "lek", "gelekt", "hack", "gehackt", "boycot", "fraude", "klacht", "oplichting",
    "oplichters", "storing", "rechtszaak", "aangifte", "persoonsgegevens", "schandaal",
    # English
    "data breach", "breach", "leak", "leaked", "hacked", "boycott", "fraud", "scam",
    "lawsuit", "outage", "scandal",
)  # fmt: skip


@cache
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for term in terms:
        words = re.findall(r"\w+", fold(term))
        if words:
            parts.append(r"[\W_]+".join(map(re.escape, words)))
    if not parts:
        return re.compile(r"(?!x)x")  # matches nothing
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def risk_terms_found(text: str, terms: tuple[str, ...] = DEFAULT_RISK_TERMS) -> list[str]:
    """The risk terms (folded, in order of appearance, unique) that occur in `text`."""
    found = _pattern(tuple(terms)).findall(fold(text))
    return list(dict.fromkeys(" ".join(re.findall(r"\w+", f)) for f in found))
