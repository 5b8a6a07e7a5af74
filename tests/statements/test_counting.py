import pytest

from statements.counting import count, platform_length, thread_split
from tests.statements.counting_cases import CASES


@pytest.mark.parametrize(("platform", "text", "expected"), CASES)
def test_platform_length_matches_the_platform_rules(platform, text, expected):
    assert platform_length(platform, text) == expected


def test_count_flags_over_limit_at_281_weighted():
    assert not count("x", "a" * 280).is_over
    assert count("x", "a" * 281).is_over
    assert count("x", "中" * 141).is_over  # 282 weighted
    assert not count("x", "中" * 140).is_over
    assert count("website", "a" * 100_000).maximum is None


def test_thread_split_returns_text_unchanged_when_it_fits():
    assert thread_split("x", "Kort bericht.") == ["Kort bericht."]


def test_thread_split_cuts_at_sentences_and_numbers_parts():
    sentences = [f"Zin nummer {i} gaat over de storing in de app." for i in range(20)]
    parts = thread_split("x", " ".join(sentences))
    assert len(parts) >= 3
    for i, part in enumerate(parts, start=1):
        assert part.endswith(f" {i}/{len(parts)}")
        assert platform_length("x", part) <= 280
        body = part.rsplit(" ", 1)[0]
        assert body.endswith(".")  # never cut inside a sentence
    joined = " ".join(p.rsplit(" ", 1)[0] for p in parts)
    assert joined == " ".join(sentences)


def test_thread_split_cuts_a_single_overlong_sentence_between_words():
    text = " ".join(["woord"] * 200)
    parts = thread_split("bluesky", text)
    assert len(parts) > 1
    assert all(platform_length("bluesky", p) <= 300 for p in parts)
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts) == text
