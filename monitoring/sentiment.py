"""Sentiment scoring and language guessing: pure functions, no Django (easy to bench).

English goes through vaderSentiment unchanged (case, punctuation and emoji kept): scorer `vader`.
Dutch goes through VADER's rules and constants with a Dutch lexicon (LUPJE + CLiPS Pattern, see
monitoring/lexicons/README.md) and Dutch negators, boosters and contrastive "maar": scorer
`vader-nl`. VADER's cost grows with the square of the token count, so texts past a bound are
scored in fixed-size chunks (the first MAX_CHUNKS), averaged. Method and accuracy:
docs/sentiment.md.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from vaderSentiment.vaderSentiment import (
    B_DECR,
    B_INCR,
    C_INCR,
    N_SCALAR,
    SentimentIntensityAnalyzer,
    SentiText,
    allcap_differential,
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
_INVISIBLE = frozenset("\ufe0f\u200d")  # emoji variation selector and joiner
_LETTERS_RE = re.compile(r"[^\W\d_]{2}")


class _Token(NamedTuple):
    word: str
    lower: str
    english: bool  # an emoticon or a word of an emoji's description: VADER's English lexicon
    ends_clause: bool  # punctuation follows the word


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


def _read_lexicon(name: str) -> dict[str, float]:
    out = {}
    for line in (LEXICON_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, value = line.split("\t")[:2]
            out[word.strip().lower()] = float(value)
    return out


class DutchAnalyzer(SentimentIntensityAnalyzer):
    """VADER's rules and constants over a Dutch lexicon, with Dutch negators, boosters and "maar".

    Emoji become their English descriptions, as in VADER; those words and emoticons (":)", "<3"),
    and only those, are looked up in VADER's English lexicon, so Dutch words such as "die" or
    "hand" never get English values. Dutch negators and boosters do not modify them.
    """

    def __init__(self, *, overrides: bool = True) -> None:
        super().__init__()
        self.english = self.lexicon
        lexicon = _read_lexicon("nl_vader_lexicon.tsv")
        if overrides:
            lexicon.update(_read_lexicon("nl_overrides.tsv"))
        self.lexicon = {word: value for word, value in lexicon.items() if value}

    def polarity_scores(self, text: str) -> dict[str, float]:
        tokens = self._tokens(text)
        own = [self._own_valence(i, tokens) for i in range(len(tokens))]
        modifier = [self._is_modifier(i, tokens, own) for i in range(len(tokens))]
        cap_diff = allcap_differential([t.word for t in tokens])
        sentiments = [
            0.0 if modifier[i] or not own[i] else self._valence(i, tokens, own, modifier, cap_diff)
            for i in range(len(tokens))
        ]
        return self.score_valence(_maar_check(tokens, sentiments), text)

    def _tokens(self, text: str) -> list[_Token]:
        tokens = []
        for raw in text.split():
            if raw.isascii():  # no emoji and no invisible characters: the token as it is
                word = SentiText._strip_punc_if_word(raw)
                lower = word.lower()
                emoticon = lower in self.english and not _LETTERS_RE.search(lower)
                tokens.append(_Token(word, lower, emoticon, raw[-1] in _CLAUSE_END))
                continue
            part = ""
            for ch in raw + " ":
                if ch in self.emojis or ch == " ":
                    stripped = "".join(c for c in part if c not in _INVISIBLE)
                    if stripped:
                        word = SentiText._strip_punc_if_word(stripped)
                        lower, ends = word.lower(), stripped[-1] in _CLAUSE_END
                        emoticon = lower in self.english and not _LETTERS_RE.search(lower)
                        tokens.append(_Token(word, lower, emoticon, ends))
                    part = ""
                    if ch != " ":
                        tokens += [
                            _Token(w, w.lower(), True, False) for w in self.emojis[ch].split()
                        ]
                else:
                    part += ch
        return tokens

    def _own_valence(self, i: int, tokens: list[_Token]) -> float:
        t = tokens[i]
        if t.english:
            return self.english.get(t.lower, 0.0)
        near_van = any(u.lower == "van" for u in tokens[i + 1 : i + 4])
        if t.lower in _LOVE_VERBS and not near_van:  # "hou van" is love; "hou vol" is not
            return 0.0
        return self.lexicon.get(t.lower, 0.0)

    @staticmethod
    def _is_modifier(i: int, tokens: list[_Token], own: list[float]) -> bool:
        """Boosters and negators modify a sentiment word that follows in the same clause.

        Words that are both ("erg", "vreselijk", "super"; "geen", "niks") keep their own valence
        when nothing follows to modify, like VADER's "no": "Dat is erg" vs "erg slecht".
        """
        t = tokens[i]
        if t.english or (t.lower not in DUTCH_BOOSTERS and t.lower not in DUTCH_NEGATORS):
            return False
        if not own[i]:
            return True
        for j in range(i + 1, min(i + 4, len(tokens))):
            if tokens[j - 1].ends_clause:
                return False
            if own[j]:
                return True
        return False

    def _valence(
        self, i: int, tokens: list[_Token], own: list[float], modifier: list[bool], cap_diff: bool
    ) -> float:
        """VADER's sentiment_valence, with Dutch modifiers, stopping at clause punctuation."""
        valence = own[i]
        if tokens[i].english:
            return valence  # an emoji: Dutch words around it do not modify it
        if tokens[i].word.isupper() and cap_diff:
            valence += C_INCR if valence > 0 else -C_INCR
        for distance, damp in ((1, 1.0), (2, 0.95), (3, 0.9)):
            j = i - distance
            if j < 0 or tokens[j].ends_clause:
                break
            if own[j] and not modifier[j]:
                continue  # a preceding sentiment word is no modifier (VADER)
            prev = tokens[j]
            if prev.lower in DUTCH_BOOSTERS and not prev.english:
                scalar = DUTCH_BOOSTERS[prev.lower] * (1 if valence > 0 else -1)
                if prev.word.isupper() and cap_diff:
                    scalar += C_INCR if valence > 0 else -C_INCR
                valence += scalar * damp
            if prev.lower in DUTCH_NEGATORS and not prev.english:
                never_so = prev.lower == "nooit" and any(
                    tokens[k].lower in _NEVER_SO for k in range(j + 1, i)
                )
                valence *= 1.25 if never_so else N_SCALAR
        for j in range(i + 1, min(i + 3, len(tokens))):
            if tokens[j - 1].ends_clause:
                break
            if tokens[j].lower in _POST_NEGATORS:
                return valence * N_SCALAR
        return valence


def _maar_check(tokens: list[_Token], sentiments: list[float]) -> list[float]:
    """VADER's "but" rule for the first contrastive "maar": before x0.5, after x1.5.

    "maar" as a particle ("doe maar.", "alleen maar", "maar even", "maar weer") is skipped.
    """
    for k, t in enumerate(tokens[:-1]):
        if t.lower != "maar" or t.ends_clause or t.english:
            continue
        if tokens[k + 1].lower in _MAAR_PARTICLE_NEXT or (k and tokens[k - 1].lower == "alleen"):
            continue
        return [s * 0.5 if n < k else s * 1.5 if n > k else s for n, s in enumerate(sentiments)]
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
    return DutchAnalyzer() if language == "nl" else SentimentIntensityAnalyzer()


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
    tokens = len(text.split())
    if tokens > CHUNK_TOKENS:
        return False
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
