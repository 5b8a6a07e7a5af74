"""Sentiment scoring and language guessing: pure functions, no Django (easy to bench).

English gets vaderSentiment's exact results (case, punctuation and emoji kept), computed by
`EnglishAnalyzer` at a fraction of vaderSentiment's cost: scorer `vader`.
Dutch goes through VADER's rules and constants with a Dutch lexicon (LUPJE + CLiPS Pattern, see
monitoring/lexicons/README.md) and Dutch negators, boosters and contrastive "maar": scorer
`vader-nl`. VADER's cost grows with the square of the token count, so texts past a bound are
scored in fixed-size chunks (the first MAX_CHUNKS), averaged. Method and accuracy:
docs/sentiment.md.
"""

import math
import re
from collections.abc import Callable
from functools import cache
from itertools import chain, compress, repeat
from operator import is_not
from pathlib import Path
from typing import Any, NamedTuple

from vaderSentiment.vaderSentiment import (
    B_DECR,
    B_INCR,
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
    normalize,
    scalar_inc_dec,
)

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
NEGATIVE_THRESHOLD = -0.05
POSITIVE_THRESHOLD = 0.05
CHUNK_TOKENS = 100
MAX_CHUNKS = 8

DUTCH_NEGATORS = frozenset(
    "niet geen nooit niks niets nergens noch zonder nie nimmer allerminst geeneens".split()
)
# Post-verbal negation ("het lukt niet", "dat helpt niks") in Dutch main clauses.
_POST_NEGATORS = frozenset({"niet", "nooit", "niks", "niets"})
_NEVER_SO = frozenset({"zo", "zo'n", "dit", "zulke", "zulk"})  # "nog nooit zo slecht" intensifies
DUTCH_BOOSTERS: dict[str, float] = {
    **dict.fromkeys(
        "heel hele erg erge zeer echt echte super enorm enorme ontzettend ontzettende vreselijk "
        "vreselijke verschrikkelijk verschrikkelijke ongelofelijk ongelofelijke ongelooflijk "
        "ongelooflijke hartstikke mega bere kei keihard totaal totale volledig compleet complete "
        "helemaal absoluut absolute extreem extreme uiterst uitermate bijzonder buitengewoon "
        "zwaar zware flink flinke fors forse gigantisch gigantische immens immense groot grote "
        "behoorlijk nogal zo zó veel belachelijk waanzinnig knettergek intens".split(),
        B_INCR,
    ),
    **dict.fromkeys(
        "beetje best vrij redelijk tamelijk enigszins ietwat iets bijna nauwelijks amper minder "
        "soms deels gedeeltelijk lichtelijk".split(),
        B_DECR,
    ),
}
_LOVE_VERBS = frozenset({"hou", "houd", "houdt", "houden", "hield", "hielden"})
_MAAR_PARTICLE_NEXT = frozenset("eens even net pas weer raak zo ja dan liefst door".split())
_CLAUSE_END = ",.;:!?"
_INVISIBLE = dict.fromkeys(map(ord, "\ufe0f\u200d"))  # emoji variation selector and joiner: dropped
_LETTERS_RE = re.compile(r"[^\W\d_]{2}")
_TOKEN_CACHE_SIZE = 20_000  # whitespace tokens remembered per analyzer (a few MB at most)
_CACHED_TOKEN_CHARS = 40  # longer tokens (links, base64) are tokenised each time, not remembered
# Token kinds, bits: what a token can do to its neighbours beyond its own valence.
_LOVE = 1  # a love verb with a valence: only with "van" close after it
_MODIFIER = 2  # a Dutch booster or negator (not an emoticon or emoji word)
_POST_NEGATOR = 4  # lower case is a post-verbal negator
_MAAR = 8  # lower case is "maar"


# A token is a plain tuple (built once per distinct whitespace token, read column-wise):
# (upper: the word is ALL CAPS, lower: lower case, english: an emoticon or a word of an emoji's
#  description, looked up in VADER's English lexicon, ends_clause: punctuation follows the word,
#  valence: from the lexicon or 0.0 (a love verb's needs "van" after it), kind: bits as above).
_Token = tuple[bool, str, bool, bool, float, int]


class SentimentScore(NamedTuple):
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


def _read_lexicon(name: str) -> dict[str, float]:
    out = {}
    for line in (LEXICON_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, value = line.split("\t")[:2]
            out[word.strip().lower()] = float(value)
    return out


def _tokens(cache: dict[str, Any], raw: list[str], make: Callable[[str], Any]) -> list[Any]:
    """`make(token)` for each whitespace token, remembered in `cache` for tokens up to
    _CACHED_TOKEN_CHARS long (posts repeat words; the cache is emptied when full)."""
    found = list(map(cache.get, raw))
    if None in found:
        for k, token in enumerate(raw):
            if found[k] is None:
                found[k] = made = make(token)
                if len(token) <= _CACHED_TOKEN_CHARS:
                    if len(cache) >= _TOKEN_CACHE_SIZE:
                        cache.clear()
                    cache[token] = made
    return found


class _FastScoring(SentimentIntensityAnalyzer):
    """What both analyzers share: the single-character emoji, a per-process token cache (see
    `_tokens`) and VADER's `score_valence` at less cost."""

    def __init__(self) -> None:
        super().__init__()
        self._emoji_chars = frozenset(ch for ch in self.emojis if len(ch) == 1)
        self._cache: dict[str, Any] = {}

    def score_valence(self, sentiments: list[float], text: str) -> dict[str, float]:
        """vaderSentiment's `score_valence`, the same floats: its positive and negative sums
        are taken over the non-zero sentiments only (most words score 0), in the same order."""
        if not sentiments:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
        sum_s = float(sum(sentiments))
        punctuation = self._punctuation_emphasis(text)
        if sum_s > 0:
            sum_s += punctuation
        elif sum_s < 0:
            sum_s -= punctuation
        compound = normalize(sum_s)
        scored = [s for s in sentiments if s]
        neu_count = len(sentiments) - len(scored)
        pos_sum = neg_sum = 0.0
        for s in scored:
            if s > 0:
                pos_sum += float(s) + 1  # VADER's compensation for neutral words counted as 1
            elif s < 0:
                neg_sum += float(s) - 1
        if pos_sum > math.fabs(neg_sum):
            pos_sum += punctuation
        elif pos_sum < math.fabs(neg_sum):
            neg_sum -= punctuation
        total = pos_sum + math.fabs(neg_sum) + neu_count
        return {
            "neg": round(math.fabs(neg_sum / total), 3),
            "neu": round(math.fabs(neu_count / total), 3),
            "pos": round(math.fabs(pos_sum / total), 3),
            "compound": round(compound, 4),
        }


class DutchAnalyzer(_FastScoring):
    """VADER's rules and constants over a Dutch lexicon, with Dutch negators, boosters and "maar".

    Emoji become their English descriptions, as in VADER; those words and emoticons (":)", "<3"),
    and only those, are looked up in VADER's English lexicon, so Dutch words such as "die" or
    "hand" never get English values. Dutch negators and boosters do not modify them.

    The rules, per token with a valence (a sentiment word):
    - Boosters and negators modify a sentiment word that follows within three words in the same
      clause. Words that are both ("erg", "vreselijk", "super"; "geen", "niks") keep their own
      valence when nothing follows to modify, like VADER's "no": "Dat is erg" vs "erg slecht".
    - VADER's sentiment_valence otherwise: ALL CAPS emphasis when only some words are in caps,
      boosters (damped with distance) and negators up to three words before, stopping at clause
      punctuation; a preceding sentiment word is no modifier. "nog nooit zo slecht" intensifies.
    - Post-verbal negation ("het lukt niet") up to two words after, in the same clause.
    - "hou van" is love, "hou vol" is not: a love verb counts only with "van" within three words.
    - VADER's "but" rule for the first contrastive "maar" (see `_maar_check`).
    Each whitespace token is tokenised once and remembered (`_raw_tokens`, up to
    _TOKEN_CACHE_SIZE tokens): posts repeat words. Change `lexicon` or `english` only before
    scoring.
    """

    def __init__(self, *, overrides: bool = True) -> None:
        super().__init__()
        self.english = self.lexicon
        lexicon = _read_lexicon("nl_vader_lexicon.tsv")
        if overrides:
            lexicon.update(_read_lexicon("nl_overrides.tsv"))
        self.lexicon = {word: value for word, value in lexicon.items() if value}
        self._emoji_tokens = {
            ch: tuple(
                (
                    w.isupper(),
                    w.lower(),
                    True,
                    False,
                    self.english.get(w.lower(), 0.0) or 0.0,
                    _POST_NEGATOR * (w.lower() in _POST_NEGATORS) | _MAAR * (w.lower() == "maar"),
                )
                for w in self.emojis[ch].split()
            )
            for ch in sorted(self._emoji_chars)
        }

    def polarity_scores(self, text: str) -> dict[str, float]:
        found = _tokens(self._cache, text.split(), self._raw_tokens)
        tokens = list(chain.from_iterable(found))
        if not tokens:
            return self.score_valence([], text)
        # The rules read columns; `kind` tells which of them the text needs at all.
        uppers, lowers, english, ends, valences, kinds = zip(*tokens, strict=True)
        n = len(tokens)
        own = list(valences)
        kind = 0
        for k in set(kinds):
            kind |= k
        if kind & _LOVE:  # "hou van" is love; "hou vol" is not
            for i in compress(range(n), map(_LOVE.__and__, kinds)):
                if "van" not in lowers[i + 1 : i + 4]:
                    own[i] = 0.0
        modifiers = _modifiers(kinds, own, ends) if kind & _MODIFIER else set()
        sentiments = _sentiments(
            own, modifiers, uppers, lowers, english, ends, kind & _POST_NEGATOR
        )
        if kind & _MAAR:
            sentiments = _maar_check(lowers, english, ends, sentiments)
        return self.score_valence(sentiments, text)

    def _raw_tokens(self, raw: str) -> tuple[_Token, ...]:
        """One whitespace token: its words, and each emoji (glued or not) as its description."""
        if raw.isascii():  # no emoji and no invisible characters: the token as it is
            return (self._word(raw),)
        if self._emoji_chars.isdisjoint(raw):
            part = raw.translate(_INVISIBLE)
            return (self._word(part),) if part else ()
        tokens: list[_Token] = []
        start = 0
        for i, ch in enumerate(raw):
            if ch in self._emoji_chars:  # the word glued before it, then its description
                part = raw[start:i].translate(_INVISIBLE)
                if part:
                    tokens.append(self._word(part))
                tokens += self._emoji_tokens[ch]
                start = i + 1
        part = raw[start:].translate(_INVISIBLE)
        if part:
            tokens.append(self._word(part))
        return tuple(tokens)

    def _word(self, part: str) -> _Token:
        word = SentiText._strip_punc_if_word(part)
        lower = word.lower()
        kind = _POST_NEGATOR * (lower in _POST_NEGATORS) | _MAAR * (lower == "maar")
        ends = part[-1] in _CLAUSE_END
        if lower in self.english and not _LETTERS_RE.search(lower):  # an emoticon
            return (word.isupper(), lower, True, ends, self.english[lower] or 0.0, kind)
        valence = self.lexicon.get(lower, 0.0)
        if lower in _LOVE_VERBS and valence:
            kind |= _LOVE
        if lower in DUTCH_BOOSTERS or lower in DUTCH_NEGATORS:
            kind |= _MODIFIER
        return (word.isupper(), lower, False, ends, valence, kind)


# What can change an English sentiment word's valence in vaderSentiment's `sentiment_valence`
# when it stands up to three words before it: a booster or dampener (`scalar_inc_dec`), a negator
# or "n't" (`_negation_check`), "no", "least" (`_least_check`), and "so"/"this" (the "never so"
# case; "never" and "without" are negators).
_EN_NEGATORS = frozenset(NEGATE)
_EN_TRIGGERS = frozenset(
    {*(w for w in BOOSTER_DICT if " " not in w), *NEGATE, "no", "least", "so", "this"}
)
_SO_THIS = ("so", "this")
# The first two words of every multi-word idiom (`_special_idioms_check`, "kind of"): a text
# holding one of these pairs goes through vaderSentiment whole.
_EN_IDIOM_PAIRS = frozenset(
    tuple(key.split()[:2]) for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key
)
_EN_IDIOM_FIRSTS = frozenset(first for first, _ in _EN_IDIOM_PAIRS)
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")

# An English token: (word as VADER strips it, lower case, ALL CAPS, lexicon valence or None when
# the word takes none (not in the lexicon, or a booster), can modify a following word, is in the
# lexicon).
_EnToken = tuple[str, str, bool, float | None, bool, bool]


def _en_negated(lower: str) -> bool:
    """vaderSentiment's `negated` for one lower-case word."""
    return lower in _EN_NEGATORS or "n't" in lower


class EnglishAnalyzer(_FastScoring):
    """vaderSentiment's `polarity_scores`, with the same results, at a fraction of its cost.

    vaderSentiment lower-cases the whole text several times for every sentiment word (the
    square of the length) and scans its negator list for every word before one. Here each
    whitespace token is stripped, lower-cased and looked up once per process (a capped cache);
    a sentiment word that nothing before it can change (no booster, negator, "no", "least",
    "so", "this" in the three words before it; not in caps among lower-case words; not "no"
    itself) takes its lexicon valence as it is, and the others go through `_valence`, VADER's
    rules in VADER's order (the same float operations, so the same floats). vaderSentiment's own
    `scalar_inc_dec` and `_but_check`, and `score_valence` (see `_FastScoring`) do the rest,
    and a text holding a multi-word idiom ("kind of", "the bomb", "yeah right") goes through
    vaderSentiment whole.
    Equivalence: tests/monitoring/test_sentiment.py and `bench/sentiment_equivalence.py english`
    (identical results on several hundred thousand texts).
    """

    def polarity_scores(self, text: str) -> dict[str, float]:
        plain = self._without_emoji(text)
        found = _tokens(self._cache, plain.split(), self._token)
        if not found:
            return self.score_valence([], plain)
        words, lowers, uppers, valences, triggers, in_lexicon = zip(*found, strict=True)
        if not _EN_IDIOM_FIRSTS.isdisjoint(lowers):
            for i in compress(range(len(lowers) - 1), map(_EN_IDIOM_FIRSTS.__contains__, lowers)):
                if (lowers[i], lowers[i + 1]) in _EN_IDIOM_PAIRS:
                    return super().polarity_scores(text)
        n = len(words)
        cap_diff = 0 < sum(uppers) < n  # vaderSentiment's allcap_differential
        sentiments = [0 if v is None else v for v in valences]
        if cap_diff or True in triggers:
            for i in compress(range(n), map(is_not, valences, repeat(None))):
                if (uppers[i] and cap_diff) or True in triggers[max(0, i - 3) : i + 1]:
                    sentiments[i] = _valence(
                        i, words, lowers, uppers, in_lexicon, cap_diff, valences
                    )
        if "but" in lowers:
            sentiments = self._but_check(list(words), sentiments)
        return self.score_valence(sentiments, plain)

    def _without_emoji(self, text: str) -> str:
        """vaderSentiment's emoji step: each emoji becomes its description, after a space unless
        a space (or the start of the text) comes before it; then the text is stripped."""
        if text.isascii() or self._emoji_chars.isdisjoint(text):  # emoji are never ASCII
            return text.strip()
        emoji_chars, parts, start = self._emoji_chars, [], 0
        for match in _NON_ASCII_RE.finditer(text):
            if match.group() not in emoji_chars:
                continue
            at = match.start()
            if at > start:
                parts.append(text[start:at])
                space_before = text[at - 1] == " "
            else:  # at the start of the text, or right after another emoji
                space_before = at == 0
            if not space_before:
                parts.append(" ")
            parts.append(self.emojis[match.group()])
            start = at + 1
        parts.append(text[start:])
        return "".join(parts).strip()

    def _token(self, token: str) -> _EnToken:
        word = SentiText._strip_punc_if_word(token)
        lower = word.lower()
        valence = None if lower in BOOSTER_DICT else self.lexicon.get(lower)
        trigger = lower in _EN_TRIGGERS or "n't" in lower
        return (word, lower, word.isupper(), valence, trigger, lower in self.lexicon)


def _valence(
    i: int,
    words: tuple[str, ...],
    lowers: tuple[str, ...],
    uppers: tuple[bool, ...],
    in_lexicon: tuple[bool, ...],
    cap_diff: bool,
    valences: tuple[float | None, ...],
) -> float:
    """vaderSentiment's `sentiment_valence` for the sentiment word at `i` (no idiom in the
    text): "no", caps, then per preceding word (up to three, skipping sentiment words) its
    booster scalar, damped with distance, and negation; then "least"."""
    own = valences[i]
    valence = own
    if lowers[i] == "no" and i != len(words) - 1 and in_lexicon[i + 1]:
        valence = 0.0  # "no" negates the next word instead of counting itself
    if (
        (i > 0 and lowers[i - 1] == "no")
        or (i > 1 and lowers[i - 2] == "no")
        or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
    ):
        valence = own * N_SCALAR
    if uppers[i] and cap_diff:
        valence = valence + C_INCR if valence > 0 else valence - C_INCR
    for start in range(3):
        j = i - (start + 1)
        if j < 0 or in_lexicon[j]:
            continue
        scalar = scalar_inc_dec(words[j], valence, cap_diff)
        if start == 1 and scalar != 0:
            scalar = scalar * 0.95
        if start == 2 and scalar != 0:
            scalar = scalar * 0.9
        valence = valence + scalar
        if start == 0:
            if _en_negated(lowers[i - 1]):
                valence = valence * N_SCALAR
        elif start == 1:
            if lowers[i - 2] == "never" and lowers[i - 1] in _SO_THIS:
                valence = valence * 1.25
            elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
                pass
            elif _en_negated(lowers[i - 2]):
                valence = valence * N_SCALAR
        elif (lowers[i - 3] == "never" and lowers[i - 2] in _SO_THIS) or lowers[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lowers[i - 3] == "without" and "doubt" in (lowers[i - 2], lowers[i - 1]):
            pass
        elif _en_negated(lowers[i - 3]):
            valence = valence * N_SCALAR
    if (
        i > 0
        and lowers[i - 1] == "least"
        and not in_lexicon[i - 1]
        and (i == 1 or lowers[i - 2] not in ("at", "very"))
    ):
        valence = valence * N_SCALAR
    return valence


def _sentiments(
    own: list[float],
    modifiers: set[int],
    uppers: tuple[bool, ...],
    lowers: tuple[str, ...],
    english: tuple[bool, ...],
    ends: tuple[bool, ...],
    post: int,
) -> list[float]:
    """VADER's sentiment_valence per word, with Dutch modifiers, stopping at clause punctuation.

    Only words with a valence up to three words after a modifier, up to two before a
    post-verbal negator (`post`: the text has one) or in caps change; a modifier scores nothing.
    """
    n = len(own)
    cap_diff = 0 < sum(uppers) < n  # VADER's allcap_differential: some words in caps, not all
    sentiments = own[:]
    for i in modifiers:
        sentiments[i] = 0.0
    if cap_diff or modifiers or post:
        for i in compress(range(n), own):
            if english[i] or i in modifiers:
                continue  # emoji and emoticons keep their valence; a modifier has none
            before = modifiers and (i - 1 in modifiers or i - 2 in modifiers or i - 3 in modifiers)
            after = post and not _POST_NEGATORS.isdisjoint(lowers[i + 1 : i + 3])
            if not (before or after or (uppers[i] and cap_diff)):
                continue  # nothing to change: the word's own valence
            valence = own[i]
            if uppers[i] and cap_diff:
                valence += C_INCR if valence > 0 else -C_INCR
            if before:
                for distance, damp in ((1, 1.0), (2, 0.95), (3, 0.9)):
                    j = i - distance
                    if j < 0 or ends[j]:
                        break
                    if j not in modifiers:
                        continue  # a preceding sentiment word is no modifier (VADER)
                    prev = lowers[j]
                    if prev in DUTCH_BOOSTERS:
                        scalar = DUTCH_BOOSTERS[prev] * (1 if valence > 0 else -1)
                        if uppers[j] and cap_diff:
                            scalar += C_INCR if valence > 0 else -C_INCR
                        valence += scalar * damp
                    if prev in DUTCH_NEGATORS:
                        never_so = prev == "nooit" and any(
                            lowers[k] in _NEVER_SO for k in range(j + 1, i)
                        )
                        valence *= 1.25 if never_so else N_SCALAR
            if after:
                for j in range(i + 1, min(i + 3, n)):
                    if ends[j - 1]:
                        break
                    if lowers[j] in _POST_NEGATORS:
                        valence = valence * N_SCALAR
                        break
            sentiments[i] = valence
    return sentiments


def _modifiers(kinds: tuple[int, ...], own: list[float], ends: tuple[bool, ...]) -> set[int]:
    """Boosters and negators modify a sentiment word that follows in the same clause.

    Words that are both ("erg", "vreselijk", "super"; "geen", "niks") keep their own valence
    when nothing follows to modify, like VADER's "no": "Dat is erg" vs "erg slecht".
    """
    out = set()
    n = len(kinds)
    for i in compress(range(n), map(_MODIFIER.__and__, kinds)):
        if not own[i]:
            out.add(i)
            continue
        for j in range(i + 1, min(i + 4, n)):
            if ends[j - 1]:
                break
            if own[j]:
                out.add(i)
                break
    return out


def _maar_check(
    lowers: tuple[str, ...],
    english: tuple[bool, ...],
    ends: tuple[bool, ...],
    sentiments: list[float],
) -> list[float]:
    """VADER's "but" rule for the first contrastive "maar": before x0.5, after x1.5.

    "maar" as a particle ("doe maar.", "alleen maar", "maar even", "maar weer") is skipped.
    """
    k = -1
    while "maar" in lowers[k + 1 : -1]:
        k = lowers.index("maar", k + 1)
        if ends[k] or english[k]:
            continue
        if lowers[k + 1] in _MAAR_PARTICLE_NEXT or (k and lowers[k - 1] == "alleen"):
            continue
        return (
            [s * 0.5 for s in sentiments[:k]]
            + [sentiments[k]]
            + [s * 1.5 for s in sentiments[k + 1 :]]
        )
    return sentiments


# Letter pairs that tell short Dutch from short English text when no function word does.
_CUES = {
    "nl": ("ij", "aa", "uu", "oe", "cht", "sch", "tje", "eu"),
    "en": ("th", "wh", "sh", "ght", "ea", "ow", "aw", "tion"),
}
_NOISE_RE = re.compile(r"https?://\S+|www\.\S+|@\w+")
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@cache
def _stopwords() -> dict[str, frozenset[str]]:
    lines = (LEXICON_DIR / "language_stopwords.tsv").read_text(encoding="utf-8").splitlines()
    return {
        lang: frozenset(words.split())
        for lang, _, words in (line.partition("\t") for line in lines if not line.startswith("#"))
    }


@cache
def _stopword_index() -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """The languages, and per function word the positions of those listing it: one lookup per
    word, not one per language. Only words `_WORD_RE` yields whole (others never occur)."""
    languages = tuple(_stopwords())
    index: dict[str, tuple[int, ...]] = {}
    for i, words in enumerate(_stopwords().values()):
        for word in words:
            if _WORD_RE.fullmatch(word):
                index[word] = (*index.get(word, ()), i)
    return languages, index


def detect_language(text: str) -> str:
    """Guess nl, en, de, fr, es, it or pt from function words (ignoring URLs and @handles);
    letter patterns and lexicon words break nl/en ties; `und` when nothing is evident."""
    text = text[:2000]
    if "http" in text or "www." in text or "@" in text:  # else there is nothing to remove
        text = _NOISE_RE.sub(" ", text)
    # Lower-casing the text first, not each word: the same words but for rare letters whose
    # lower case adds a combining mark ("İ"), which only shifts a guess.
    text = text.lower()
    languages, index = _stopword_index()
    tally = [0] * len(languages)
    # The words of `_WORD_RE.findall(text)`, a whitespace-separated token at a time (a match
    # never spans whitespace): most tokens are all letters, one word each, with no regex call.
    for token in text.split():
        if token.isalpha():
            for i in index.get(token, ()):
                tally[i] += 1
        else:
            for word in _WORD_RE.findall(token):
                for i in index.get(word, ()):
                    tally[i] += 1
    best = max(tally)
    if tally.count(best) == 1:
        return languages[tally.index(best)]
    # Tie-break between nl and en: letter patterns, and words only one sentiment lexicon knows.
    words = _WORD_RE.findall(text)
    nl_lex, en_lex = _analyzer("nl").lexicon, _analyzer("en").lexicon
    cues = {k: sum(c in w for w in words for c in v) for k, v in _CUES.items()}
    cues["nl"] += sum(w in nl_lex and w not in en_lex for w in words)
    cues["en"] += sum(w in en_lex and w not in nl_lex for w in words)
    winner = "nl" if cues["nl"] > cues["en"] else "en" if cues["en"] > cues["nl"] else "und"
    tied = {lang for lang, n in zip(languages, tally, strict=True) if n == best}
    return winner if winner in tied else "und"


@cache
def _analyzer(language: str) -> SentimentIntensityAnalyzer:
    return DutchAnalyzer() if language == "nl" else EnglishAnalyzer()


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


_ASCII = re.compile(r"[\x00-\x7f]+")


def _fits_whole(text: str, emojis: dict[str, str]) -> bool:
    """True when chunks_for_scoring would return one piece, without tokenizing in Python:
    the weight is the token count plus the emoji count, and emoji are never ASCII."""
    non_ascii = 0 if text.isascii() else len(text) - len(text.encode("ascii", "ignore"))
    # Most posts fit by their length alone: n characters hold at most (n + 1) // 2 tokens.
    if (len(text) + 1) // 2 + non_ascii <= CHUNK_TOKENS:
        return True
    tokens = len(text.split())
    if tokens > CHUNK_TOKENS:
        return False
    if tokens + non_ascii <= CHUNK_TOKENS:  # fits even if every non-ASCII character were emoji
        return True
    return tokens + sum(1 for ch in _ASCII.sub("", text) if ch in emojis) <= CHUNK_TOKENS


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
    """Score one text with the scorer for its language (`vader-nl` for nl, else `vader`)."""
    analyzer = _analyzer("nl" if language == "nl" else "en")
    scorer = "vader-nl" if language == "nl" else "vader"
    if _fits_whole(text, analyzer.emojis):
        s = analyzer.polarity_scores(text)
        return SentimentScore(s["compound"], s["pos"], s["neu"], s["neg"], scorer)
    pieces = chunks_for_scoring(text, analyzer.emojis)
    scores = [analyzer.polarity_scores(piece) for piece in pieces]
    n = len(scores)
    return SentimentScore(
        compound=round(sum(s["compound"] for s in scores) / n, 4),
        pos=round(sum(s["pos"] for s in scores) / n, 3),
        neu=round(sum(s["neu"] for s in scores) / n, 3),
        neg=round(sum(s["neg"] for s in scores) / n, 3),
        scorer=scorer,
    )
