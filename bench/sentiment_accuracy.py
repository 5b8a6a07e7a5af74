"""Accuracy and throughput of the sentiment scorers on the labelled samples in bench/data/.

    .venv/bin/python bench/sentiment_accuracy.py

Two classes: a text is predicted positive when compound >= POSITIVE_THRESHOLD (0.05), negative
when compound <= NEGATIVE_THRESHOLD (-0.05); a neutral prediction counts as wrong. Coverage is the
share predicted positive or negative; "polar acc." is the accuracy on those alone. Macro-F1
averages the F1 of the positive and the negative class. No Django needed.
"""

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from monitoring.sentiment import (  # noqa: E402
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    DutchAnalyzer,
    detect_language,
    score_text,
    sentiment_label,
)

DATA = ROOT / "bench" / "data"
SAMPLES = [  # file, language, what it is
    ("xed_nl_test.tsv", "nl", "XED Dutch subtitles (projected labels), 500+500"),
    ("nl_tweets_handwritten.tsv", "nl", "hand-written Dutch service/crisis posts"),
    ("xed_en_sample.tsv", "en", "XED English subtitles (human labels)"),
    ("en_tweets_handwritten.tsv", "en", "hand-written English service/crisis posts"),
]
Scorer = Callable[[str], float]


def load(name: str) -> list[tuple[str, str]]:
    header, *rows = (DATA / name).read_text(encoding="utf-8").splitlines()
    cols = header.split("\t")
    label, text = cols.index("label"), cols.index("text")
    return [(r.split("\t")[label], r.split("\t")[text]) for r in rows if r.strip()]


def evaluate(rows: list[tuple[str, str]], scorer: Scorer) -> dict[str, float]:
    pred = [sentiment_label(scorer(text)) for _, text in rows]
    gold = [label for label, _ in rows]
    right = sum(p == g for p, g in zip(pred, gold, strict=True))
    polar = sum(p != "neutral" for p in pred)
    f1 = []
    for cls in ("positive", "negative"):
        tp = sum(p == g == cls for p, g in zip(pred, gold, strict=True))
        precision = tp / max(1, pred.count(cls))
        recall = tp / max(1, gold.count(cls))
        f1.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return {
        "accuracy": right / len(rows),
        "macro_f1": sum(f1) / 2,
        "coverage": polar / len(rows),
        "polar_accuracy": right / polar if polar else 0.0,
    }


def throughput(texts: list[str], scorer: Scorer, seconds: float = 3.0) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            scorer(text)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main() -> None:
    english = SentimentIntensityAnalyzer()
    plain = DutchAnalyzer(overrides=False)
    scorers: dict[str, dict[str, Scorer]] = {
        "nl": {
            "vader-nl (Dutch path)": lambda t: score_text(t, "nl").compound,
            "vader-nl without nl_overrides.tsv": lambda t: plain.polarity_scores(t)["compound"],
            "vader (English VADER on Dutch text)": lambda t: english.polarity_scores(t)["compound"],
        },
        "en": {"vader (English path)": lambda t: score_text(t, "en").compound},
    }
    print(f"Threshold: positive >= {POSITIVE_THRESHOLD}, negative <= {NEGATIVE_THRESHOLD}.")
    print("Two classes; a neutral prediction counts as wrong.\n")
    print("| sample | n | scorer | accuracy | macro-F1 | coverage | polar acc. |")
    print("|---|---|---|---|---|---|---|")
    texts: dict[str, list[str]] = {"nl": [], "en": []}
    for name, language, what in SAMPLES:
        rows = load(name)
        texts[language] += [text for _, text in rows]
        for scorer_name, scorer in scorers[language].items():
            m = evaluate(rows, scorer)
            print(
                f"| {what} | {len(rows)} | {scorer_name} | {m['accuracy']:.3f} "
                f"| {m['macro_f1']:.3f} | {m['coverage']:.3f} | {m['polar_accuracy']:.3f} |"
            )
    print("\n| sample | detect_language returns its language | returns und |")
    print("|---|---|---|")
    for name, language, what in SAMPLES:
        guesses = [detect_language(text) for _, text in load(name)]
        n = len(guesses)
        print(f"| {what} | {guesses.count(language) / n:.3f} | {guesses.count('und') / n:.3f} |")
    print("\n| scorer | texts | texts/s (one core) |")
    print("|---|---|---|")
    # Long posts: every hand-written post of a language in one text (about 2,000 words).
    long = {
        lang: [" ".join(load(f"{lang}_tweets_handwritten.tsv")[i][1] for i in range(122))]
        for lang in ("nl", "en")
    }
    runs = [
        ("score_text(..., 'nl')", texts["nl"], scorers["nl"]["vader-nl (Dutch path)"], "short"),
        ("score_text(..., 'en')", texts["en"], scorers["en"]["vader (English path)"], "short"),
        ("detect_language", texts["nl"] + texts["en"], detect_language, "short"),
        ("score_text(..., 'nl')", long["nl"], scorers["nl"]["vader-nl (Dutch path)"], "long"),
        ("score_text(..., 'en')", long["en"], scorers["en"]["vader (English path)"], "long"),
    ]
    for label, sample, scorer, kind in runs:
        words = sum(len(t.split()) for t in sample) // len(sample)
        what = f"{len(sample)} {kind} text(s), {words} words on average"
        print(f"| {label} | {what} | {throughput(sample, scorer):,.0f} |")


if __name__ == "__main__":
    main()
