"""Facts in a statement text (numbers, amounts, percentages, dates, times with their context)
and contradictions between texts. Pure functions (no database).

A fact is (kind, key, value): "2.000 klanten" is (number, "klant", 2000); "€ 50" with "per
klant" after it is (amount, "klant", 50); "sinds 24 november" is (date, "sinds", "11-24").
Two texts contradict when they state the same kind and key with different values.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from statements.tone import ToneWarning

MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2,
    "maart": 3, "march": 3, "mrt": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "augustus": 8,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10,
    "okt": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
STOP = {
    "de", "het", "een", "van", "the", "a", "an", "of", "our", "onze", "ons", "uur", "en",
    "and", "ruim", "about", "ongeveer", "circa", "bijna", "almost", "meer", "more", "dan",
    "than", "per", "zijn", "are", "were", "waren", "is", "was", "op", "on", "om", "at", "in",
}  # fmt: skip

DATE_RE = re.compile(
    rf"(?<!\w)(\d{{1,2}})\s+({MONTH_NAMES})\b|(?<!\w)({MONTH_NAMES})\s+(\d{{1,2}})(?!\d)"
    r"|(?<![\w-])(\d{1,2})-(\d{1,2})-(\d{2,4})(?!\w)",
    re.IGNORECASE,
)
TIME_RE = re.compile(r"(?<![\w:.])([01]?\d|2[0-3])[:.]([0-5]\d)(?:\s*uur)?(?![\w:])")
NUMBER_RE = re.compile(
    r"(?P<cur>€|eur\b|euro\b|\$|£)?\s?(?P<num>\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)"
    r"\s?(?P<unit>%|procent|percent|miljoen|million|duizend|thousand|k\b)?",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"[^\W\d_][\w-]*")


@dataclass(frozen=True)
class Fact:
    kind: str  # number | amount | percent | date | time
    key: str
    value: str
    start: int
    end: int
    excerpt: str


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("en", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _word_after(text: str, end: int) -> str:
    for match in WORD_RE.finditer(text, end, min(len(text), end + 60)):
        word = match.group(0).lower()
        if word not in STOP and word not in MONTHS:
            return _stem(word)
    return ""


def _word_before(text: str, start: int) -> str:
    words = [m.group(0).lower() for m in WORD_RE.finditer(text, max(0, start - 40), start)]
    words = [w for w in words if w not in STOP]
    return _stem(words[-1]) if words else ""


def _number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return float(re.sub(r"[.,]", "", raw))
    return float(raw.replace(",", "."))


def _scale(unit: str) -> float:
    unit = unit.lower()
    return {"miljoen": 1e6, "million": 1e6, "duizend": 1e3, "thousand": 1e3, "k": 1e3}.get(unit, 1)


def facts_extract(text: str) -> list[Fact]:
    """Every number, amount, percentage, date and time with its context word."""
    facts, taken = [], []
    for match in DATE_RE.finditer(text):
        g = match.groups()
        if g[0]:
            value = f"{MONTHS[g[1].lower()]:02d}-{int(g[0]):02d}"
        elif g[2]:
            value = f"{MONTHS[g[2].lower()]:02d}-{int(g[3]):02d}"
        else:
            value = f"{int(g[5]):02d}-{int(g[4]):02d}"
        key = _word_before(text, match.start()) or "date"
        facts.append(Fact("date", key, value, *match.span(), match.group(0)))
        taken.append(match.span())
    for match in TIME_RE.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        value = f"{int(match.group(1)):02d}:{match.group(2)}"
        key = _word_before(text, match.start()) or "time"
        facts.append(Fact("time", key, value, *match.span(), match.group(0)))
        taken.append(match.span())
    for match in NUMBER_RE.finditer(text):
        start = match.start("num")
        if any(s <= start < e for s, e in taken):
            continue
        unit = match.group("unit") or ""
        value = _number(match.group("num")) * _scale(unit)
        if match.group("cur"):
            kind = "amount"
        elif unit.lower() in ("%", "procent", "percent"):
            kind = "percent"
        else:
            kind = "number"
        key = _word_after(text, match.end()) or _word_before(text, match.start()) or kind
        facts.append(Fact(kind, key, f"{value:g}", *match.span(), match.group(0).strip()))
    return sorted(facts, key=lambda f: f.start)


def contradictions(text: str, published: list[tuple[str, str]]) -> list[ToneWarning]:
    """Warnings where `text` states a fact differently from a published (label, text)."""
    known: dict[tuple[str, str], dict[str, str]] = {}
    for label, other in published:
        for fact in facts_extract(other):
            known.setdefault((fact.kind, fact.key), {}).setdefault(fact.value, label)
    warnings = []
    for fact in facts_extract(text):
        values = known.get((fact.kind, fact.key))
        if not values or fact.value in values:
            continue
        other_value, label = next(iter(values.items()))
        message = _(
            "Contradiction: “%(excerpt)s” differs from what was already published (%(label)s "
            "says %(other)s about “%(key)s”)."
        ) % {"excerpt": fact.excerpt, "label": label, "other": other_value, "key": fact.key}
        warnings.append(ToneWarning("contradiction", message, fact.start, fact.end, fact.excerpt))
    return warnings
