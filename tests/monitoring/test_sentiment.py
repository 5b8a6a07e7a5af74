import importlib.util
from pathlib import Path

import pytest
from vaderSentiment import vaderSentiment
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitoring.sentiment import (
    CHUNK_TOKENS,
    LEXICON_DIR,
    MAX_CHUNKS,
    DutchAnalyzer,
    EnglishAnalyzer,
    chunks_for_scoring,
    detect_language,
    score_text,
    sentiment_label,
)

BENCH_DATA = Path(__file__).resolve().parents[2] / "bench" / "data"


def _load_script(path: Path):
    """A script of the repository that is no package module (a bench or build script)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nl(text: str) -> float:
    return score_text(text, "nl").compound


def load_sample(name: str) -> list[tuple[str, str]]:
    header, *rows = (BENCH_DATA / name).read_text(encoding="utf-8").splitlines()
    label, text = header.split("\t").index("label"), header.split("\t").index("text")
    return [(row.split("\t")[label], row.split("\t")[text]) for row in rows]


def macro_f1(rows: list[tuple[str, str]], language: str) -> float:
    pred = [score_text(text, language).label for _, text in rows]
    gold = [label for label, _ in rows]
    f1 = []
    for cls in ("positive", "negative"):
        tp = sum(p == g == cls for p, g in zip(pred, gold, strict=True))
        precision, recall = tp / max(1, pred.count(cls)), tp / max(1, gold.count(cls))
        f1.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(f1) / 2


@pytest.mark.parametrize(
    "text",
    [
        "The app is DOWN again!!! 😡",
        "Not bad at all :)",
        "I love North Bank's support.",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        "Dit is niet goed, maar echt heel erg slecht",
    ],
)
def test_score_text_english_matches_vader_exactly(text):
    DutchAnalyzer()  # building the Dutch scorer must not change English scoring
    expected = SentimentIntensityAnalyzer().polarity_scores(text)
    score = score_text(text, "en")
    assert score.scorer == "vader"
    assert (score.compound, score.pos, score.neu, score.neg) == (
        expected["compound"],
        expected["pos"],
        expected["neu"],
        expected["neg"],
    )


# Each of vaderSentiment's rules, at the edges of its reach (three words, the text's ends).
ENGLISH_RULE_CASES = [
    "",
    "   ",
    "good",
    "not good",
    "not very good",
    "not at all good",
    "good not",
    "isn't good",
    "ISN'T good",
    "it isn't really that good",
    "no good",
    "no",
    "no no no",
    "no, this is fine",
    "there is no way this is good",
    "no love or hate",
    "no love nor hate here",
    "least good",
    "the least good",
    "at least good",
    "very least good",
    "least",
    "never so good",
    "never this bad",
    "never really so bad",
    "so good",
    "this good",
    "it was this good",
    "never good",
    "without doubt good",
    "without any doubt good",
    "without good",
    "GOOD service and bad support",
    "GOOD BAD",
    "VERY good but not GREAT",
    "very GOOD",
    "VERY good",
    "extremely bad",
    "kinda bad",
    "barely good",
    "sort of good",
    "kind of bad",
    "kind",
    "the shit",
    "this is the bomb",
    "yeah right, great",
    "bad ass movie",
    "to die for",
    "the bus stop was nice",
    "just enough good",
    "good but bad",
    "Good, BUT bad, but good",
    "but",
    "good good but good good",
    "great!!!",
    "great??",
    "bad???",
    "bad!?!?!",
    ":) :( <3 :-D",
    "😀",
    "😀😀 good",
    "good😀",
    "good 😀bad",
    "a\t😀\nb 😀 ",
    "\u00a0😡 not 💔 happy\u3000",
    "Not bad at all :)",
]


@pytest.mark.parametrize("text", ENGLISH_RULE_CASES)
def test_english_analyzer_gives_vader_results_for_each_rule(text):
    expected = SentimentIntensityAnalyzer().polarity_scores(text)
    got = EnglishAnalyzer().polarity_scores(text)
    assert got == expected
    assert repr(got) == repr(expected)  # bit-identical, -0.0 included


def test_english_analyzer_gives_vader_results_on_random_texts():
    """Seeded fuzz (bench/sentiment_equivalence.py's English generator) over lexicon words,
    every modifier and idiom word, caps, punctuation, emoji glued to words and odd spaces; one
    analyzer for all (its token cache carries over)."""
    equivalence = _load_script(BENCH_DATA.parent / "sentiment_equivalence.py")
    vader, ours = SentimentIntensityAnalyzer(), EnglishAnalyzer()
    differences = [
        text
        for text in equivalence.english_fuzz(vader, 3000, seed=20261207)
        if vader.polarity_scores(text) != ours.polarity_scores(text)
    ]
    assert differences == []


def test_dutch_analyzer_leaves_vader_module_rules_alone():
    DutchAnalyzer()
    assert "erg" not in vaderSentiment.BOOSTER_DICT
    assert "niet" not in vaderSentiment.NEGATE


def test_score_text_dutch_uses_dutch_lexicon_and_negation():
    assert nl("Wat een geweldige hulp") > 0.05
    assert nl("Belachelijk slechte bank") < -0.05
    assert nl("niet goed") < 0 < nl("goed")
    assert score_text("goed", "nl").scorer == "vader-nl"
    assert score_text("goed", "und").scorer == "vader"


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("goed", "niet goed"),
        ("Dit is een goede service", "Dit is geen goede service"),
        ("De app is slecht", "De app is niet slecht"),
        ("Dat was leuk", "Dat was nooit leuk"),
        ("Het lukt", "Het lukt niet"),  # post-verbal negation
        ("Dat helpt", "Dat helpt niks"),
    ],
)
def test_score_text_dutch_negation_flips(plain, negated):
    assert nl(plain) * nl(negated) < 0


def test_score_text_dutch_negation_stays_within_three_words_and_the_clause():
    assert nl("niet echt heel goed") < 0
    assert nl("niet dat ik het ooit goed vond") > 0  # "niet" four words before "goed"
    assert nl("Het werkt niet. Goed dat jullie reageren") > 0
    assert nl("Nog nooit zo goed geholpen") > nl("goed geholpen") > 0  # "never so" intensifies


def test_score_text_dutch_boosters_and_dampeners_change_magnitude():
    assert nl("erg goed") > nl("goed") > nl("een beetje goed") > 0
    assert nl("echt heel slecht") < nl("slecht") < nl("vrij slecht") < 0
    assert nl("ERG goed") > nl("erg goed")  # ALL-CAPS booster
    assert nl("goed!!!") > nl("goed")  # exclamation marks, as in VADER


def test_score_text_dutch_booster_words_keep_their_own_sentiment_when_alone():
    assert nl("Dat is erg") < 0
    assert nl("erg goed") > 0
    assert nl("Vreselijk!") < 0 < nl("vreselijk leuk")


def test_score_text_dutch_maar_shifts_weight_to_the_second_clause():
    assert nl("De app is mooi maar traag") < 0 < nl("De app is traag maar mooi")
    assert nl("Goed maar duur") < nl("goed")
    # "alleen maar" is a particle, not a contrast
    assert nl("Het is alleen maar goed") == nl("Het is alleen goed")


@pytest.mark.parametrize(
    "text",
    [
        "service",
        "De service",
        "Ik ga naar huis",
        "altijd",
        "We houden u op de hoogte",
        "Hou je mond",
    ],
)
def test_score_text_dutch_overrides_neutralise_misleading_lexicon_words(text):
    assert nl(text) == 0


def test_score_text_dutch_overrides_change_the_lupje_values():
    plain = DutchAnalyzer(overrides=False)
    assert plain.polarity_scores("De service")["compound"] > 0  # LUPJE: service 2
    assert plain.polarity_scores("Altijd storing")["compound"] > nl("Altijd storing")
    assert nl("echt slecht") < nl("slecht") < 0  # LUPJE: echt 2; now a booster
    assert nl("Ik hou van jullie") > 0
    assert nl("Storing opgelost") > nl("Storing") < 0


def test_score_text_dutch_scores_emoji_like_vader_without_leaking_english_words():
    assert nl("😍") == score_text("😍", "en").compound > 0
    assert nl("Storing 😡 😭") < nl("Storing")
    assert nl("Goed :)") > nl("goed")  # emoticons from VADER's lexicon
    assert nl("niet :(") < 0  # Dutch negators do not flip an emoticon or emoji
    # Emoji descriptions hold words such as "die" (game die) and "hand": Dutch text must not.
    assert nl("Ik heb die app op mijn hand") == 0


@pytest.mark.parametrize(
    ("glued", "apart"),
    [
        ("Storing😡", "Storing 😡"),
        ("😡storing", "😡 storing"),
        ("goed😂😂slecht", "goed 😂 😂 slecht"),
        ("Top ❤️", "Top ❤"),  # the variation selector is no token of its own
        ("Top ❤️❤️", "Top ❤ ❤"),
        ("goed \ufe0f", "goed"),
        ("👨\u200d👩\u200d👧 goed", "👨 👩 👧 goed"),  # a joined family: its three emoji
        ("niet😡", "niet 😡"),
    ],
)
def test_score_text_dutch_emoji_glued_to_words_count_as_separate_tokens(glued, apart):
    assert score_text(glued, "nl") == score_text(apart, "nl")


def test_score_text_dutch_love_verb_needs_van_within_three_words():
    assert nl("Ik hou al jaren van jullie") > 0
    assert nl("Ik hou nu al jaren van jullie") == 0  # "van" four words on
    assert nl("Ik hou het vol") == nl("Ik het vol")  # "hou vol" is no love
    assert nl("hou") == 0


def test_dutch_analyzer_results_do_not_depend_on_what_it_scored_before(monkeypatch):
    texts = [
        "Ik hou van jullie",
        "hou vol",
        "Storing😡 😡 niet goed, maar wel snel opgelost!",
        "ERG goed erg",
        "Nog nooit zo slecht geholpen",
        "alleen maar goed 👍🏽",
    ] * 3
    forward, backward = DutchAnalyzer(), DutchAnalyzer()
    expected = [forward.polarity_scores(t) for t in texts]
    assert [backward.polarity_scores(t) for t in reversed(texts)] == expected[::-1]
    monkeypatch.setattr("monitoring.sentiment._TOKEN_CACHE_SIZE", 3)
    small = DutchAnalyzer()
    assert [small.polarity_scores(t) for t in texts] == expected
    assert len(small._cache) <= 3


def test_score_text_dutch_path_beats_english_vader_on_the_dutch_sample():
    rows = load_sample("xed_nl_test.tsv")
    subset = [r for r in rows if r[0] == "positive"][:150]
    subset += [r for r in rows if r[0] == "negative"][:150]
    dutch, english = macro_f1(subset, "nl"), macro_f1(subset, "en")
    # Measured on this subset: Dutch path 0.527, English VADER 0.138.
    assert dutch >= 0.50
    assert dutch - english >= 0.35


def test_score_text_dutch_path_beats_english_vader_on_handwritten_posts():
    rows = load_sample("nl_tweets_handwritten.tsv")
    # Measured: Dutch path 0.954, English VADER 0.221 (written by the scorer's author).
    assert macro_f1(rows, "nl") >= 0.92
    assert macro_f1(rows, "nl") - macro_f1(rows, "en") >= 0.6


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ik ben echt boos op de bank, dit is niet normaal", "nl"),
        ("I am really angry at the bank, this is not normal", "en"),
        ("12345 !!!", "und"),
        ("@NS_online alweer storing bij Utrecht https://t.co/x1y2z3 #ns", "nl"),
        ("@NS_online another outage near Utrecht https://t.co/x1y2z3 #ns", "en"),
        ("Storing?", "nl"),
        ("Outage again?!", "en"),
        ("Dank je wel @PostNL 👍", "nl"),
        ("Thanks @PostNL 👍", "en"),
        ("Geweldig!!", "nl"),
        ("@KLM #fail https://klm.com", "und"),
        ("RT @ING_news: Wij werken aan een oplossing voor de storing in de app", "nl"),
        ("Is there a problem with the app? Can't log in", "en"),
        ("No puedo creer lo que está pasando en Boston", "es"),
        # "de" and "en" are Dutch too: a tie is `und`, never a Spanish post scored as Dutch
        ("Terremoto de magnitud 7,9 en Costa Rica, alerta de tsunami", "und"),
        # words end at punctuation, digits, underscores; an apostrophe joins two letter runs
        ("Don't worry, it's (not) the end...", "en"),
        ("l'app? Het is: niet «de» bank!", "nl"),
        ("mail@bank.nl: de app werkt niet www.bank.nl/x", "nl"),
        ("the2 de_het 42de", "nl"),
        ("İT İS THE app", "en"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("compound", "label"),
    [(-0.05, "negative"), (-0.049, "neutral"), (0.049, "neutral"), (0.05, "positive")],
)
def test_sentiment_label_cutoffs(compound, label):
    assert sentiment_label(compound) == label


@pytest.mark.parametrize(
    "text",
    [
        " ".join(["word"] * 10_000),
        "😠" * 3000,
        " ".join(["😠😠😠 bad"] * 2000),
    ],
)
def test_chunks_for_scoring_bounds_what_vader_sees(text):
    # VADER's cost is quadratic in tokens: what it is given must be bounded whatever the input.
    emojis = SentimentIntensityAnalyzer().emojis
    pieces = chunks_for_scoring(text, emojis)
    assert 1 < len(pieces) <= MAX_CHUNKS
    for piece in pieces:
        tokens = piece.split()
        assert sum(1 + sum(ch in emojis for ch in t) for t in tokens) <= CHUNK_TOKENS


def test_chunks_for_scoring_keeps_short_text_whole():
    text = "The app is DOWN again!!! 😡 " * 5
    assert chunks_for_scoring(text, SentimentIntensityAnalyzer().emojis) == [" ".join(text.split())]


def test_score_text_long_negative_text_stays_negative():
    assert score_text("This is terrible and awful. " * 2000, "en").compound < -0.5
    assert score_text("Dit is vreselijk en waardeloos. " * 2000, "nl").compound < -0.5


PATTERN_XML = Path("/work/shared/data/dutch-pattern-lexicon/nl-sentiment.xml")


@pytest.mark.skipif(not PATTERN_XML.exists(), reason="source lexicon not on this machine")
def test_shipped_dutch_lexicon_matches_its_build_script():
    build = _load_script(LEXICON_DIR / "build_nl_lexicon.py")
    built = build.build(
        build.read_lupje(LEXICON_DIR / "LUPJE.txt"), build.read_pattern(PATTERN_XML)
    )
    shipped = (LEXICON_DIR / "nl_vader_lexicon.tsv").read_text(encoding="utf-8").splitlines()
    assert len(shipped) == sum(1 for value, _ in built.values() if round(value, 2))
    for line in shipped[::97]:
        word, value, source = line.split("\t")
        assert built[word] == (pytest.approx(float(value), abs=0.005), source)


@pytest.mark.parametrize(
    "text",
    [
        "short and sweet",
        " ".join(["word"] * 100),
        " ".join(["word"] * 101),
        "😠" * 99,
        "😠" * 100,
        " ".join(["boos 😠"] * 50),
        " ".join(["café"] * 100) + " 😠",
        " ".join(["ééé"] * 60),  # many non-ASCII characters, none of them emoji
        " ".join(["ééé😠"] * 50),
        "",
        # At the edges of the length-only shortcuts: the most tokens n characters can hold.
        " ".join(["a"] * 100),  # 199 characters, 100 tokens
        " ".join(["a"] * 101),  # 201, 101
        " ".join(["a"] * 99) + " 😠",  # 199 + 1 emoji: 101
        " ".join(["a"] * 98) + " 😠",  # 98 + 1 + 1 emoji: 100
        " ".join(["é"] * 67) + " 😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠😠",
    ],
)
def test_fits_whole_agrees_with_chunks_for_scoring(text):
    from monitoring.sentiment import _fits_whole

    emojis = SentimentIntensityAnalyzer().emojis
    assert _fits_whole(text, emojis) == (len(chunks_for_scoring(text, emojis)) <= 1)
