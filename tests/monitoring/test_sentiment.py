import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitoring.sentiment import (
    CHUNK_TOKENS,
    MAX_CHUNKS,
    chunks_for_scoring,
    detect_language,
    score_text,
    sentiment_label,
)


@pytest.mark.parametrize(
    "text",
    ["The app is DOWN again!!! 😡", "Not bad at all :)", "I love North Bank's support."],
)
def test_score_text_english_matches_vader_exactly(text):
    expected = SentimentIntensityAnalyzer().polarity_scores(text)
    score = score_text(text, "en")
    assert score.scorer == "vader"
    assert (score.compound, score.pos, score.neu, score.neg) == (
        expected["compound"],
        expected["pos"],
        expected["neu"],
        expected["neg"],
    )


def test_score_text_dutch_uses_dutch_lexicon_and_negation():
    assert score_text("Wat een geweldige hulp", "nl").compound > 0.05
    assert score_text("Belachelijk slechte bank", "nl").compound < -0.05
    assert score_text("niet goed", "nl").compound < 0 < score_text("goed", "nl").compound
    assert score_text("goed", "nl").scorer == "vader-nl"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ik ben echt boos op de bank, dit is niet normaal", "nl"),
        ("I am really angry at the bank, this is not normal", "en"),
        ("12345 !!!", "und"),
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
