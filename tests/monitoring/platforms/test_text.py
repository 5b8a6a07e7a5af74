"""The shared extractor of links and hashtags written in a post's text (no platform entities)."""

from monitoring.platforms.text import MAX_ENTITIES, text_entities


def test_text_entities_finds_urls_and_hashtags_in_order_without_duplicates():
    text = (
        "Storing bij #BankNoord (zie https://www.banknoord.example/storing). "
        "Meer: https://nos.example/a?b=1&c=2#live, en nog eens #banknoord #Pinstoring!"
    )
    assert text_entities(text) == (
        ("https://www.banknoord.example/storing", "https://nos.example/a?b=1&c=2#live"),
        ("BankNoord", "Pinstoring"),
    )


def test_text_entities_ends_urls_at_a_parenthesis_they_did_not_open():
    text = (
        "[Comic](http://theoatmeal.com/comics/exposure) en "
        "https://nl.wikipedia.org/wiki/Storing_(techniek) en "
        "[uitleg](https://developer.mozilla.org/ja/docs/Tools)で閲覧中。https://example.org/日本。"
    )
    assert text_entities(text)[0] == (
        "http://theoatmeal.com/comics/exposure",
        "https://nl.wikipedia.org/wiki/Storing_(techniek)",
        "https://developer.mozilla.org/ja/docs/Tools",
        "https://example.org/日本",
    )


def test_text_entities_skips_what_only_looks_like_a_hashtag():
    # A URL fragment, C#, an HTML entity, a number and "# heading" are no hashtags.
    text = "https://x.example/p#frag C#dev &#39; #1 #2026 # kop #storing_2026"
    assert text_entities(text)[1] == ("storing_2026",)


def test_text_entities_keeps_given_entities_first_and_bounds_the_count():
    tags = " ".join(f"#tag{i}" for i in range(MAX_ENTITIES + 5))
    links = " ".join(f"https://example.org/{i}" for i in range(MAX_ENTITIES + 5))
    urls, hashtags = text_entities(
        f"{links} {tags}", urls=["https://given.example/", "/relative", ""], hashtags=["#Given"]
    )
    assert len(urls) == len(hashtags) == MAX_ENTITIES
    assert urls[:2] == ("https://given.example/", "https://example.org/0")
    assert hashtags[:2] == ("Given", "tag0")
