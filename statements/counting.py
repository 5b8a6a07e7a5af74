"""How each platform counts a text, and thread suggestions. Pure functions, no Django.

The same rules run in the editor (static/js/statement_counting.js); tests/statements/
test_counting_js.py runs both over one table of cases in Chromium, so keep them in step.

X follows the twitter-text v3 configuration (https://github.com/twitter/twitter-text,
config/v3.json): text is NFC-normalised; code points in 0-4351, 8192-8205, 8208-8223 and
8242-8247 weigh 1, all others 2; an emoji sequence weighs 2 whatever its length; every URL
weighs 23. Bluesky counts grapheme clusters (300). Mastodon counts characters with every URL
as 23 and a remote mention `@user@host` as `@user` (500).
"""

import re
import unicodedata
from dataclasses import dataclass

import regex

URL_WEIGHT = 23
X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

# URLs as the editor recognises them: with a scheme, or starting with www. Trailing
# punctuation belongs to the sentence, not the link (as twitter-text does).
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
URL_TRAILING = ".,;:!?)]}'\""
MASTODON_MENTION_RE = re.compile(r"(?<![\w@])(@\w+)@[\w.-]+\w", re.UNICODE)
GRAPHEME_RE = regex.compile(r"\X")
EMOJI_RE = regex.compile(
    r"\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\u20E3|\p{Regional_Indicator}"
)


@dataclass(frozen=True)
class Limit:
    platform: str
    maximum: int | None  # None: no hard limit (website, press release)
    unit: str  # "weighted" | "graphemes" | "characters"


LIMITS: dict[str, Limit] = {
    "x": Limit("x", 280, "weighted"),
    "bluesky": Limit("bluesky", 300, "graphemes"),
    "mastodon": Limit("mastodon", 500, "characters"),
    "linkedin": Limit("linkedin", 3000, "characters"),
    "instagram": Limit("instagram", 2200, "characters"),
    "facebook": Limit("facebook", 63206, "characters"),
    "website": Limit("website", None, "characters"),
    "press_release": Limit("press_release", None, "characters"),
}
THREADABLE = ("x", "bluesky", "mastodon")


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every URL in the text, trailing sentence punctuation excluded."""
    spans = []
    for match in URL_RE.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in URL_TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def _split_urls(text: str) -> tuple[list[str], int]:
    """The text between URLs, and how many URLs there were."""
    pieces, last, count = [], 0, 0
    for start, end in url_spans(text):
        pieces.append(text[last:start])
        last, count = end, count + 1
    pieces.append(text[last:])
    return pieces, count


def _code_point_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in X_LIGHT_RANGES) else 2


def x_weighted_length(text: str) -> int:
    """The length X counts for a post (limit 280)."""
    pieces, urls = _split_urls(unicodedata.normalize("NFC", text))
    total = urls * URL_WEIGHT
    for piece in pieces:
        if piece.isascii():  # the common case: every character weighs 1, no emoji possible
            total += len(piece)
            continue
        for cluster in GRAPHEME_RE.findall(piece):
            # A lone code point below U+1100 is never an emoji sequence (© and ® need U+FE0F).
            if len(cluster) == 1 and ord(cluster) <= 4351:
                total += 1
            elif EMOJI_RE.search(cluster):
                total += 2
            else:
                total += sum(_code_point_weight(char) for char in cluster)
    return total


def grapheme_length(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters)."""
    return len(GRAPHEME_RE.findall(text))


def mastodon_length(text: str) -> int:
    """Mastodon's count: URLs as 23, `@user@host` as `@user`, graphemes otherwise."""
    pieces, urls = _split_urls(text)
    return urls * URL_WEIGHT + sum(
        grapheme_length(MASTODON_MENTION_RE.sub(r"\1", piece)) for piece in pieces
    )


def platform_length(platform: str, text: str) -> int:
    """The length of `text` as `platform` counts it."""
    if platform == "x":
        return x_weighted_length(text)
    if platform == "bluesky":
        return grapheme_length(text)
    if platform == "mastodon":
        return mastodon_length(text)
    return len(text)  # code points


@dataclass(frozen=True)
class Count:
    platform: str
    length: int
    maximum: int | None

    @property
    def is_over(self) -> bool:
        return self.maximum is not None and self.length > self.maximum

    def as_dict(self) -> dict:
        return {
            "platform": self.platform,
            "length": self.length,
            "maximum": self.maximum,
            "is_over": self.is_over,
        }


def count(platform: str, text: str) -> Count:
    """Length and limit of the text on the platform."""
    return Count(platform, platform_length(platform, text), LIMITS[platform].maximum)


SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+")


def _units(text: str) -> list[str]:
    """Sentences, in order; paragraph breaks are sentence boundaries too."""
    units = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        units.extend(s.strip() for s in SENTENCE_END_RE.split(paragraph) if s.strip())
    return units


def _fit_words(sentence: str, fits) -> list[str]:
    """A sentence too long for one part, cut between words."""
    parts, current = [], ""
    for word in sentence.split():
        candidate = f"{current} {word}".strip()
        if current and not fits(candidate):
            parts.append(current)
            current = word
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def _pack(units: list[str], fits) -> list[str]:
    parts, current = [], ""
    for unit in units:
        candidate = f"{current} {unit}".strip()
        if fits(candidate):
            current = candidate
            continue
        if current:
            parts.append(current)
        if fits(unit):
            current = unit
        else:
            *whole, current = _fit_words(unit, fits)
            parts.extend(whole)
    if current:
        parts.append(current)
    return parts


def thread_split(platform: str, text: str) -> list[str]:
    """Split a too-long text at sentence boundaries into numbered parts (`… 1/3`).

    Returns [text] when it fits. Each part, its ` i/n` suffix included, fits the limit.
    """
    maximum = LIMITS[platform].maximum
    if maximum is None or platform_length(platform, text) <= maximum:
        return [text]
    units = _units(text)
    total = 2
    for _attempt in range(5):  # the suffix width depends on n: repeat until n is stable
        suffix = f" {total}/{total}"

        def fits(candidate: str, suffix: str = suffix) -> bool:
            return platform_length(platform, candidate + suffix) <= maximum

        parts = _pack(units, fits)
        if len(parts) <= total or len(str(len(parts))) == len(str(total)):
            break
        total = len(parts)
    n = len(parts)
    return [f"{part} {i}/{n}" for i, part in enumerate(parts, start=1)]
