"""Dutch sentiment before/after check: a rewrite of the Dutch scorer must give identical results.

    .venv/bin/python bench/sentiment_equivalence.py save FILE      # with the old code checked out
    .venv/bin/python bench/sentiment_equivalence.py compare FILE   # with the new code
    .venv/bin/python bench/sentiment_equivalence.py live REF.py [--seed N] [--fuzz N]
    .venv/bin/python bench/sentiment_equivalence.py time [REF.py]
    .venv/bin/python bench/sentiment_equivalence.py english [--seed N] [--fuzz N]

`save` scores the corpus with `DutchAnalyzer().polarity_scores` and `score_text(t, "nl")` and
pickles the results; `compare` scores it again and reports every text whose dict or
SentimentScore differs (== on floats and equal reprs, so bit-identical, -0.0 included). `live`
compares against a reference copy of monitoring/sentiment.py
(`git show REV:monitoring/sentiment.py > REF.py`) on fresh fuzz with another seed, English
`score_text` included. `time` prints microseconds per Dutch bench text (bench/ingest.py's
posts), for the reference copy too when given, interleaved (best of 20; load shifts both).
`english` compares `EnglishAnalyzer` with vaderSentiment's own analyzer on the corpus's texts
and English fuzz (lexicon words, every booster, negator and idiom word, caps, punctuation, emoji
glued to words, odd whitespace), then prints microseconds per English bench text for both.

Corpus: every text in bench/data/*.tsv, the XED Dutch projections and CrisisLex tweets in
/work/shared/data (when present), the Dutch and English posts of bench/ingest.py's PostFactory,
every lexicon word alone, and seeded fuzz: Dutch lexicon words, negators, boosters, "maar",
"hou van", CAPS, punctuation, emoji with variation selectors and joiners glued to words,
emoticons, odd whitespace and non-ASCII letters.
"""

import csv
import importlib.util
import os
import pickle
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path("/work/shared/data")


def bench_posts(count: int = 20000) -> list[tuple[str, str]]:
    """(language, text) of bench/ingest.py's posts (Django set up on a throwaway SQLite)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisiscenter.settings")
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/sentiment_equivalence.db")
    os.environ.setdefault("SECRET_KEY", "x")
    from bench.ingest import make_pages

    pages, _, _ = make_pages(0, "reddit", count)
    return [(post.raw["lang"], post.text) for page in pages for post in page]


def file_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "bench" / "data").glob("*.tsv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        column = header.index("text") if "text" in header else 0
        texts += [line.split("\t")[column] for line in lines if "\t" in line]
        texts += lines  # whole lines too: tabs inside a text
    projections = SHARED / "dutch-xed-emotions" / "nl-projections.tsv"
    if projections.exists():
        texts += [line.split("\t")[0] for line in projections.read_text("utf-8").splitlines()]
    for path in sorted(SHARED.glob("crisislex-*/*/*.csv")):
        if "tweetids" in path.name:
            continue
        with path.open(encoding="utf-8", errors="replace", newline="") as f:
            texts += [row[1] for row in csv.reader(f) if len(row) > 1]
    return texts


def fuzz(analyzer, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    from monitoring.sentiment import _LOVE_VERBS, _NEVER_SO, DUTCH_BOOSTERS, DUTCH_NEGATORS

    dutch = sorted(analyzer.lexicon)
    english = sorted(analyzer.english)
    emoticons = [w for w in english if not any(c.isalpha() for c in w)]
    single = sorted(k for k in analyzer.emojis if len(k) == 1)
    multi = sorted(k for k in analyzer.emojis if len(k) > 1)
    special = [
        *sorted(DUTCH_NEGATORS),
        *sorted(DUTCH_BOOSTERS),
        *sorted(_LOVE_VERBS),
        *sorted(_NEVER_SO),
        "maar",
        "van",
        "alleen",
        "nooit",
        "eens",
        "even",
        "weer",
        "ja",
        "dan",
        "no",
        "not",
        "but",
        "very",
        "kind of",
        "'s",
        "zo'n",
    ]
    filler = "de het een en is was ik jij we die dat dit op in te voor met bij app bank".split()
    odd = list("éößİ\u0131Σǅﬁŉ\u216b½٣µẞ\u0301")
    punct = [*",.;:!?", "...", "!!!", "??", "?!", "'", '"', "(", ")", "-", "#", "@", "*"]
    spaces = [" "] * 12 + ["  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\x1c", "\u3000"]
    invisible = ["\ufe0f", "\u200d", "\ufe0e", "\u200b"]

    def emoji() -> str:
        e = rng.choice(single) if rng.random() < 0.8 else rng.choice(multi)
        r = rng.random()
        if r < 0.2:
            e += "\ufe0f"
        elif r < 0.3:
            e += "\u200d" + rng.choice(single)
        elif r < 0.35:
            e = "\u200d" + e
        return e * rng.choice((1, 1, 1, 2, 3))

    def word() -> str:
        r = rng.random()
        if r < 0.35:
            w = rng.choice(dutch)
        elif r < 0.6:
            w = rng.choice(special)
        elif r < 0.68:
            w = rng.choice(english)
        elif r < 0.73:
            w = rng.choice(emoticons)
        elif r < 0.85:
            w = rng.choice(filler)
        elif r < 0.9:
            w = "".join(rng.choices("abcdefghijklmnopqrstuvwxyzéëï'", k=rng.randint(1, 9)))
        elif r < 0.93:
            w = str(rng.randint(0, 9999))
        else:
            w = emoji()
        r = rng.random()
        if r < 0.12:
            w = w.upper()
        elif r < 0.2:
            w = w.capitalize()
        elif r < 0.22:
            w = w.swapcase()
        if rng.random() < 0.12:
            w += rng.choice(punct)
        if rng.random() < 0.04:
            w = rng.choice(punct) + w
        if rng.random() < 0.12:
            e = emoji()
            place = rng.random()
            if place < 0.5:
                w += e
            elif place < 0.8:
                w = e + w
            else:
                k = rng.randrange(len(w) + 1)
                w = w[:k] + e + w[k:]
        if rng.random() < 0.03:
            k = rng.randrange(len(w) + 1)
            w = w[:k] + rng.choice(odd + invisible) + w[k:]
        return w

    texts = []
    for _ in range(count):
        r = rng.random()
        n = (
            rng.randint(0, 4)
            if r < 0.15
            else rng.randint(5, 45)
            if r < 0.95
            else rng.randint(80, 260)
        )
        words = [word() for _ in range(n)]
        if words and rng.random() < 0.3:  # "hou van" at varying distance
            k = rng.randrange(len(words))
            words[k : k + 1] = (
                [rng.choice(sorted(_LOVE_VERBS))]
                + [rng.choice(filler) for _ in range(rng.randint(0, 4))]
                + [rng.choice(("van", "Van", "VAN", "van!", "van,"))]
            )
        if words and rng.random() < 0.3:
            k = rng.randrange(len(words))
            words.insert(k, rng.choice(("maar", "Maar", "MAAR", "maar,", "maar!")))
        if rng.random() < 0.1:
            words.append(rng.choice(punct))
        text = ""
        for w in words:
            text += w + rng.choice(spaces)
        if rng.random() < 0.5:
            text = text.rstrip()
        if rng.random() < 0.05:
            text = rng.choice(spaces) + text
        if rng.random() < 0.02:
            text = "".join(emoji() for _ in range(rng.randint(1, 150)))
        texts.append(text)
    return texts


def english_fuzz(vader, count: int, seed: int) -> list[str]:
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

    rng = random.Random(seed)
    lexicon = sorted(vader.lexicon)
    modifiers = [
        *BOOSTER_DICT,
        *NEGATE,
        *(w for key in SPECIAL_CASES for w in key.split()),
        *"no least at very but so this never without doubt or nor kind of sort just".split(),
    ]
    filler = "the a an is was i you we it that on in to for with app bank service".split()
    single = sorted(k for k in vader.emojis if len(k) == 1)
    punct = [*",.;:!?", "...", "!!!", "??", "?!", "'", '"', "(", ")", "-", "#", "@", "*"]
    spaces = [" "] * 12 + ["  ", "\t", "\n", "\u00a0", "\u3000"]

    pools = ((0.35, lexicon), (0.65, modifiers), (0.85, filler), (0.93, single))

    def word() -> str:
        r = rng.random()
        pool = next((pool for edge, pool in pools if r < edge), None)
        w = rng.choice(pool) if pool else "".join(rng.choices("abcdefgn't", k=rng.randint(1, 6)))
        w = rng.choice((w,) * 7 + (w.upper(), w.upper(), w.capitalize()))
        w += rng.choice(punct) if rng.random() < 0.12 else ""
        w = (rng.choice(punct) if rng.random() < 0.04 else "") + w
        if rng.random() < 0.1:
            e = rng.choice(single) * rng.choice((1, 1, 2))
            w = rng.choice((w + e, e + w))
        return w

    texts = []
    for _ in range(count):
        n = rng.choice(
            (rng.randint(0, 4), rng.randint(5, 40), rng.randint(5, 40), rng.randint(40, 99))
        )
        text = "".join(word() + rng.choice(spaces) for _ in range(n))
        texts.append(text.rstrip() if rng.random() < 0.5 else text)
    return texts


def english(seed: int, count: int) -> int:
    """EnglishAnalyzer against vaderSentiment itself: every dict equal, reprs included."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from monitoring.sentiment import EnglishAnalyzer

    vader, ours = SentimentIntensityAnalyzer(), EnglishAnalyzer()
    posts = bench_posts()
    texts = file_texts() + [text for _, text in posts]
    texts += sorted(vader.lexicon) + sorted(vader.emojis) + english_fuzz(vader, count, seed)
    bad = 0
    for text in texts:
        a, b = vader.polarity_scores(text), ours.polarity_scores(text)
        if a != b or repr(a) != repr(b):
            bad += 1
            if bad <= 10:
                print(f"DIFF {text!r}\n  vader {a}\n  ours  {b}")
    print(f"{len(texts)} texts (fuzz seed {seed}), {bad} differences")
    en = [text for lang, text in posts if lang == "en"]
    for name, fn in (
        ("vaderSentiment", vader.polarity_scores),
        ("EnglishAnalyzer", ours.polarity_scores),
    ):
        print(f"{name}: {best_us(fn, en, 10):.1f} µs per English bench text (best of 10)")
    return 1 if bad else 0


def best_us(fn, texts: list[str], rounds: int) -> float:
    """Microseconds per text of `fn` over `texts`, best of `rounds` passes."""
    best = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            fn(text)
        best.append((time.perf_counter() - start) / len(texts) * 1e6)
    return min(best)


def corpus(analyzer, fuzz_count: int = 80000, seed: int = 1) -> list[str]:
    texts = file_texts()
    texts += [text for _, text in bench_posts()]
    texts += sorted(analyzer.lexicon) + sorted(analyzer.english) + sorted(analyzer.emojis)
    texts += ["", " ", "\t\n", "maar", "hou van", "niet", "geen geen", "GOED", "goed GOED"]
    texts += fuzz(analyzer, fuzz_count, seed)
    return texts


def results(module, texts: list[str], english: bool = False) -> list[tuple]:
    """Per text: the Dutch analyzer's dict, score_text(nl) and, with `english`, score_text(en)."""
    analyzer = module.DutchAnalyzer()
    out = []
    for text in texts:
        scores = [module.score_text(text, lang) for lang in ("nl", "en")[: 1 + english]]
        fields = [(s.compound, s.pos, s.neu, s.neg, s.scorer) for s in scores]
        out.append((analyzer.polarity_scores(text), *fields))
    return out


def differences(texts, old, new) -> int:
    bad = 0
    for text, a, b in zip(texts, old, new, strict=True):
        if a != b or any(
            repr(x) != repr(y) for x, y in zip(a[0].items(), b[0].items(), strict=True)
        ):
            bad += 1
            if bad <= 10:
                print(f"DIFF {text!r}\n  old {a}\n  new {b}")
    return bad


def load_reference(path: str, current):
    spec = importlib.util.spec_from_file_location("sentiment_ref", path)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    reference.LEXICON_DIR = current.LEXICON_DIR  # the copy lives elsewhere
    return reference


def main() -> int:
    import monitoring.sentiment as current

    mode = sys.argv[1]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 2
    count = int(sys.argv[sys.argv.index("--fuzz") + 1]) if "--fuzz" in sys.argv else 50000
    if mode == "english":
        return english(seed, count)
    if mode == "time":  # [REF.py]: the reference copy too, interleaved
        texts = [text for lang, text in bench_posts(4000) if lang == "nl"]
        modules = [("current", current)]
        if len(sys.argv) > 2:
            modules.insert(0, ("reference", load_reference(sys.argv[2], current)))
        for name, module in modules * 2:
            analyzer = module.DutchAnalyzer()
            for label, fn in (
                ("polarity_scores", analyzer.polarity_scores),
                ("score_text(nl)", lambda t, m=module: m.score_text(t, "nl")),
            ):
                us = best_us(fn, texts, 20)
                print(f"{name} {label}: {us:.1f} µs per Dutch text (best of 20)")
        return 0
    if mode == "live":
        reference = load_reference(sys.argv[2], current)
        texts = fuzz(current.DutchAnalyzer(), count, seed)
        bad = differences(texts, results(reference, texts, True), results(current, texts, True))
        print(f"{len(texts)} fuzz texts (seed {seed}), {bad} differences")
        return 1 if bad else 0
    path = Path(sys.argv[2])
    if mode == "save":
        texts = corpus(current.DutchAnalyzer())
        path.write_bytes(pickle.dumps((texts, results(current, texts))))
        print(f"saved {len(texts)} texts to {path}")
        return 0
    texts, old = pickle.loads(path.read_bytes())  # noqa: S301 (our own file)
    bad = differences(texts, old, results(current, texts))
    print(f"{len(texts)} texts, {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
