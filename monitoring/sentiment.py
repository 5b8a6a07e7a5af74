"""Sentiment scoring and language guessing: pure functions, no Django (easy to bench).

English goes through vaderSentiment unchanged (case, punctuation and emoji kept). Dutch goes
through the same VADER rules with a Dutch valence lexicon (LUPJE, AFINN-style -5..+5 scaled to
VADER's -4..+4) and Dutch negators. VADER's cost grows with the square of the token count, so
texts past a bound are scored in fixed-size chunks (the first MAX_CHUNKS), averaged.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vaderSentiment.vaderSentiment import N_SCALAR, SentimentIntensityAnalyzer

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
NEGATIVE_THRESHOLD = -0.05
POSITIVE_THRESHOLD = 0.05
CHUNK_TOKENS = 100
MAX_CHUNKS = 8

DUTCH_NEGATORS = frozenset(
    {"niet", "geen", "nooit", "niks", "niets", "nergens", "noch", "zonder", "allerminst"}
)
# Frequent function words, for a cheap nl/en guess (whitespace-separated).
_DUTCH_STOPWORDS = frozenset(
    "de het een en van ik je jij niet dat die is op te zijn met voor maar wat er ook al bij "
    "nog naar heb heeft hebben wij we ze mijn jullie dit om uit als dan geen was wordt nu "
    "meer weer echt wel zo mij hun waar door over".split()
)
_ENGLISH_STOPWORDS = frozenset(
    "the a an and of i you not that this is on to be with for but what there also at "
    "still have has we they my your it was are been now more again really so me their "
    "where by about from just".split()
)
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class SentimentScore:
    compound: float
    pos: float
    neu: float
    neg: float
    scorer: str

    @property
    def label(self) -> str:
        return sentiment_label(self.compound)


def sentiment_label(compound: float) -> str:
    """VADER's customary cut-offs: negative ≤ -0.05 < neutral < 0.05 ≤ positive."""
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    return "neutral"


class _DutchAnalyzer(SentimentIntensityAnalyzer):
    """VADER's rules over a Dutch lexicon, with Dutch negators one to three words back."""

    def __init__(self) -> None:
        super().__init__()
        english = self.lexicon
        dutch: dict[str, float] = {}
        for line in (LEXICON_DIR / "LUPJE.txt").read_text(encoding="utf-8").splitlines():
            word, _, value = line.partition("\t")
            if word and value.strip():
                dutch[word.strip().lower()] = float(value) * 0.8
        # Emoji are translated to English descriptions before scoring; keep those words.
        emoji_words = {w for d in self.emojis.values() for w in d.lower().split()}
        for word in emoji_words & english.keys():
            dutch.setdefault(word, english[word])
        self.lexicon = dutch

    def _negation_check(self, valence, words_and_emoticons, start_i, i):
        previous = str(words_and_emoticons[i - (start_i + 1)]).lower()
        if previous in DUTCH_NEGATORS:
            return valence * N_SCALAR
        return valence


@cache
def _analyzer(language: str) -> SentimentIntensityAnalyzer:
    return _DutchAnalyzer() if language == "nl" else SentimentIntensityAnalyzer()


def detect_language(text: str) -> str:
    """Guess `nl` or `en` from stopword counts; `und` when neither is evident."""
    words = [w.lower() for w in _WORD_RE.findall(text[:2000])]
    nl = sum(w in _DUTCH_STOPWORDS for w in words)
    en = sum(w in _ENGLISH_STOPWORDS for w in words)
    if nl == en:
        return "und"
    return "nl" if nl > en else "en"


def _weighted_tokens(text: str, emojis: dict[str, str]) -> list[tuple[str, int]]:
    """Whitespace tokens with their cost (1 + emoji count); emoji runs are cut into parts."""
    out = []
    for token in text.split():
        weight = 1 + sum(1 for ch in token if ch in emojis)
        if weight <= CHUNK_TOKENS:
            out.append((token, weight))
            continue
        step = CHUNK_TOKENS // 2
        for start in range(0, len(token), step):
            part = token[start : start + step]
            out.append((part, 1 + sum(1 for ch in part if ch in emojis)))
    return out


def chunks_for_scoring(text: str, emojis: dict[str, str]) -> list[str]:
    """Pieces of at most CHUNK_TOKENS weighted tokens, at most MAX_CHUNKS of them."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for token, weight in _weighted_tokens(text, emojis):
        if current and count + weight > CHUNK_TOKENS:
            pieces.append(" ".join(current))
            current, count = [], 0
            if len(pieces) == MAX_CHUNKS:
                return pieces
        current.append(token)
        count += weight
    if current:
        pieces.append(" ".join(current))
    return pieces


def score_text(text: str, language: str) -> SentimentScore:
    """Score one text with the scorer for its language (`vader` or `vader-nl`), bounded cost."""
    analyzer = _analyzer("nl" if language == "nl" else "en")
    scorer = "vader-nl" if language == "nl" else "vader"
    pieces = chunks_for_scoring(text, analyzer.emojis)
    if len(pieces) <= 1:
        s = analyzer.polarity_scores(text)
        return SentimentScore(s["compound"], s["pos"], s["neu"], s["neg"], scorer)
    scores = [analyzer.polarity_scores(piece) for piece in pieces]
    n = len(scores)
    return SentimentScore(
        compound=round(sum(s["compound"] for s in scores) / n, 4),
        pos=round(sum(s["pos"] for s in scores) / n, 3),
        neu=round(sum(s["neu"] for s in scores) / n, 3),
        neg=round(sum(s["neg"] for s in scores) / n, 3),
        scorer=scorer,
    )
