"""News client against feeds in tests/fixtures/platforms/news, replayed with responses."""

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses

from monitoring.platforms import news
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "news"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)  # a later poll (one poll's queries share its `now`)
FEED = "https://www.dagbladnoord.example/economie/rss"
ATOM = "https://www.omroepnoord.example/regio.atom"
SEARCH = "https://news.google.com/rss/search?q={query}&hl=nl&gl=NL&ceid=NL:nl"
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def http():
    with responses.RequestsMock() as mock:
        yield mock


def client(*feeds: str, search_feeds: tuple[str, ...] = (), timeout: float | None = None):
    settings = {"feeds": list(feeds), "search_feeds": list(search_feeds)}
    if timeout:
        settings["timeout"] = timeout
    return news.build(settings, {})


def test_news_client_maps_rss_entries(http):
    http.get(FEED, body=body("dagblad_noord.rss"), headers=RSS)

    page = client(FEED).fetch(cursor={}, now=NOW)

    assert [p.external_id for p in page.posts] == [
        "dagbladnoord-2611-8812",
        "dagbladnoord-2611-8807",
        "https://www.dagbladnoord.example/economie/liveblog-bankstoring",
    ]
    first = page.posts[0]
    assert first.platform == "news"
    assert first.text == (
        "Storing bij Bank Noord: pinnen en betalen via app onmogelijk — "
        "Klanten van Bank Noord kunnen sinds vanochtend niet pinnen.\n\n"
        'De bank spreekt van een "technisch probleem" & werkt aan een oplossing.'
    )
    assert first.posted_at == datetime(2026, 11, 25, 11, 41, tzinfo=UTC)
    assert first.url == "https://www.dagbladnoord.example/economie/2611-storing-bank-noord"
    assert first.urls == (first.url,)
    assert first.author_handle == "Dagblad Noord - Economie"
    assert first.author_name == "Sanne Bakker"
    assert first.author_is_outlet is True
    assert first.language == "nl"
    assert first.raw["feed"] == FEED
    json.dumps(first.raw)  # stored in a JSONField
    assert page.posts[1].text == (
        "Toezichthouder vraagt Bank Noord om uitleg — "
        "De toezichthouder wil vandaag nog weten hoe de storing kon ontstaan."
    )
    assert page.posts[1].author_name == "Dagblad Noord - Economie"
    assert page.rejected == []


def test_news_client_takes_links_and_hashtags_from_the_title_and_description(http):
    http.get(FEED, body=body("links_and_tags.rss"), headers=RSS)

    (post,) = client(FEED).fetch(cursor={}, now=NOW).posts

    # The article first, then the description's links and the URL written in its text, once.
    assert post.urls == (
        "https://www.stadsbladnoord.example/nieuws/bank-noord-excuses",
        "https://www.banknoord.example/verklaring",
        "https://allestoringen.example/banknoord",
    )
    assert post.hashtags == ("pinstoring", "BankNoord")


def test_news_client_strips_script_and_markup_from_text(http):
    http.get(FEED, body=body("dagblad_noord.rss"), headers=RSS)

    text = client(FEED).fetch(cursor={}, now=NOW).posts[0].text

    for markup in ("<", ">", "script", "document.write", "tracker", "onerror", "&quot;", "&amp;"):
        assert markup not in text


def test_news_client_gives_undated_entries_now_and_clamps_future_dates(http):
    http.get(FEED, body=body("dagblad_noord.rss"), headers=RSS)
    early = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # before the first entry's pubDate

    posts = client(FEED).fetch(cursor={}, now=early).posts

    assert posts[2].posted_at == early  # the liveblog has no pubDate
    assert posts[0].posted_at == early  # 11:41 UTC is in the future at 11:30


def test_news_client_maps_atom_and_search_feeds(http):
    http.get(ATOM, body=body("omroep_noord.atom"), headers={"Content-Type": "application/atom+xml"})
    search_url = "https://news.google.com/rss/search?q=%22Bank+Noord%22&hl=nl&gl=NL&ceid=NL:nl"
    http.get(search_url, body=body("google_news_search.rss"), headers=RSS)

    page = client(ATOM, search_feeds=(SEARCH,)).fetch(cursor={}, now=NOW, query='"Bank Noord"')

    atom, first_hit, _ = page.posts
    assert atom.external_id == "tag:omroepnoord.example,2026:artikel-44120"
    assert atom.text == (
        "Lange rijen bij geldautomaten in Groningen & Assen — "
        "Door de storing bij Bank Noord staan er lange rijen bij de automaten van andere banken."
    )
    assert atom.posted_at == datetime(2026, 11, 25, 10, 52, tzinfo=UTC)
    assert (atom.author_handle, atom.author_name) == ("Omroep Noord - Regio", "Pieter de Jong")
    assert atom.language == "nl"
    assert first_hit.author_handle == "RTV Voorbeeld"  # the outlet, not "Google Nieuws"
    # The description repeats title and outlet: not repeated in the text.
    assert first_hit.text == "Bank Noord: storing na twee uur grotendeels verholpen - RTV Voorbeeld"
    assert first_hit.posted_at == datetime(2026, 11, 25, 11, 50, tzinfo=UTC)
    assert set(page.next_cursor["feeds"]) == {ATOM, search_url}


def test_news_client_skips_search_feeds_without_query(http):
    page = client(search_feeds=(SEARCH,)).fetch(cursor={}, now=NOW, query="")

    assert page.posts == []
    assert page.next_cursor == {"feeds": {}}


def test_news_client_sends_validators_and_treats_304_as_no_news(http):
    validators = {"ETag": '"v1-8812"', "Last-Modified": "Wed, 25 Nov 2026 11:50:03 GMT"}
    http.get(FEED, body=body("dagblad_noord.rss"), headers={**RSS, **validators})
    http.get(FEED, status=304)
    feed = client(FEED, timeout=4)

    first = feed.fetch(cursor={}, now=NOW)
    state = first.next_cursor["feeds"][FEED]
    second = feed.fetch(cursor=first.next_cursor, now=LATER)  # the next poll

    assert (state["etag"], state["modified"]) == ('"v1-8812"', "Wed, 25 Nov 2026 11:50:03 GMT")
    assert len(state["seen"]) == 3
    sent = http.calls[1].request
    assert sent.headers["If-None-Match"] == '"v1-8812"'
    assert sent.headers["If-Modified-Since"] == "Wed, 25 Nov 2026 11:50:03 GMT"
    assert sent.req_kwargs["timeout"] == 4
    assert second.posts == []
    assert second.next_cursor == first.next_cursor


def test_news_client_does_not_return_an_entry_twice(http):
    http.get(FEED, body=body("dagblad_noord.rss"), headers=RSS)
    http.get(FEED, body=body("dagblad_noord.rss"), headers=RSS)
    feed = client(FEED)

    first = feed.fetch(cursor={}, now=NOW)
    second = feed.fetch(cursor=first.next_cursor, now=LATER)

    assert len(first.posts) == 3
    assert second.posts == []


def test_news_client_reads_a_fixed_feed_once_per_poll_whatever_the_queries(http):
    search = "https://news.example.org/rss/search?q={query}"
    http.get(FEED, body=body("dagblad_noord.rss"), headers={**RSS, "ETag": '"v1"'})
    for query in ("bank+noord", "storing"):
        http.get(search.format(query=query), body=body("omroep_noord.atom"))
    feed = client(FEED, search_feeds=(search,))

    first = feed.fetch(cursor={}, now=NOW, query="bank noord")
    second = feed.fetch(cursor={}, now=NOW, query="storing")  # the same poll

    assert [c.request.url for c in http.calls].count(FEED) == 1
    assert len(http.calls) == 3
    assert [p.platform for p in first.posts].count("news") == 4  # 3 from the feed, 1 searched
    assert {p.url for p in second.posts} <= {p.url for p in first.posts}
    assert len(second.posts) == 1  # the search feed's entry only
    assert second.next_cursor["feeds"][FEED] == first.next_cursor["feeds"][FEED]


def test_news_client_pages_entries_beyond_limit_into_the_next_call(http):
    validators = {"ETag": '"v1-8812"'}
    for _ in range(3):
        http.get(FEED, body=body("dagblad_noord.rss"), headers={**RSS, **validators})
    feed = client(FEED)

    first = feed.fetch(cursor={}, now=NOW, limit=2)
    second = feed.fetch(cursor=first.next_cursor, now=LATER, limit=2)
    feed.fetch(cursor=second.next_cursor, now=LATER + timedelta(minutes=1), limit=2)

    assert [p.external_id for p in first.posts] == [
        "dagbladnoord-2611-8812",
        "dagbladnoord-2611-8807",
    ]
    assert "etag" not in first.next_cursor["feeds"][FEED]  # the rest waits: refetch in full
    assert "If-None-Match" not in http.calls[1].request.headers
    assert [p.url for p in second.posts] == [
        "https://www.dagbladnoord.example/economie/liveblog-bankstoring"
    ]
    assert second.next_cursor["feeds"][FEED]["etag"] == '"v1-8812"'
    assert http.calls[2].request.headers["If-None-Match"] == '"v1-8812"'


@pytest.mark.parametrize(
    ("retry_after", "expected"), [("120", 120.0), ("Wed, 25 Nov 2026 12:05:00 GMT", 300.0)]
)
def test_news_client_raises_rate_limited_with_retry_after(http, retry_after, expected):
    http.get(FEED, status=429, headers={"Retry-After": retry_after})

    with pytest.raises(PlatformRateLimited) as caught:
        client(FEED).fetch(cursor={}, now=NOW)

    assert caught.value.retry_after == expected


@pytest.mark.parametrize(
    "failure", [{"status": 503}, {"body": requests.exceptions.ConnectTimeout("timed out")}]
)
def test_news_client_raises_unavailable_on_5xx_and_timeout(http, failure):
    http.get(FEED, **failure)

    with pytest.raises(PlatformUnavailable, match="dagbladnoord"):
        client(FEED).fetch(cursor={}, now=NOW)


def test_news_client_raises_auth_error_on_401(http):
    http.get(FEED, status=401)

    with pytest.raises(PlatformAuthError, match="401"):
        client(FEED).fetch(cursor={}, now=NOW)


def test_news_client_raises_bad_payload_naming_the_feed_for_a_non_feed(http):
    http.get(FEED, body=body("not_a_feed.html"), headers={"Content-Type": "text/html"})

    with pytest.raises(PlatformBadPayload, match=r"feed https://www\.dagbladnoord\.example"):
        client(FEED).fetch(cursor={}, now=NOW)


def test_news_client_never_reads_a_local_file_named_by_the_body(http):
    # feedparser opens a bytes/str argument as a file name; the body must go in as a stream.
    http.get(FEED, body=str(FIXTURES / "dagblad_noord.rss").encode())

    with pytest.raises(PlatformBadPayload):
        client(FEED).fetch(cursor={}, now=NOW)


def test_news_client_keeps_entries_of_a_truncated_feed_without_its_etag(http):
    http.get(FEED, body=body("truncated.rss"), headers={**RSS, "ETag": '"cut"'})

    page = client(FEED).fetch(cursor={}, now=NOW)

    assert [p.text.split(" — ")[0] for p in page.posts] == [
        "Storing bij Bank Noord: pinnen en betalen via app onmogelijk"
    ]
    assert "etag" not in page.next_cursor["feeds"][FEED]


def test_news_client_rejects_a_malformed_entry_and_keeps_the_rest(http):
    http.get(FEED, body=body("one_bad_item.rss"), headers=RSS)
    feed = client(FEED)

    page = feed.fetch(cursor={}, now=NOW)

    assert [p.external_id for p in page.posts] == [
        "dagbladnoord-2611-8830",
        "dagbladnoord-2611-8826",
    ]
    assert len(page.rejected) == 1
    assert "entry without id and link" in page.rejected[0].reason
    assert json.loads(page.rejected[0].raw)["feed"] == FEED
    assert len(page.next_cursor["feeds"][FEED]["seen"]) == 3  # dead-lettered once, not per poll


def test_news_client_returns_working_feeds_when_one_fails(http):
    http.get(FEED, status=503)
    http.get(ATOM, body=body("omroep_noord.atom"))
    old = {"etag": '"old"', "seen": ["0123456789abcdef"]}

    page = client(FEED, ATOM).fetch(cursor={"feeds": {FEED: old}}, now=NOW)

    assert [p.author_handle for p in page.posts] == ["Omroep Noord - Regio"]
    assert page.next_cursor["feeds"][FEED] == old
    assert page.rejected == []


def test_news_client_turns_a_broken_feed_among_good_ones_into_a_rejected_item(http):
    http.get(FEED, body=body("not_a_feed.html"))
    http.get(ATOM, body=body("omroep_noord.atom"))

    page = client(FEED, ATOM).fetch(cursor={}, now=NOW)

    assert len(page.posts) == 1
    assert page.rejected[0].raw == body("not_a_feed.html").decode()  # for the dead letters
    assert page.rejected[0].reason.startswith(f"feed {FEED}: not a readable feed")


def test_news_client_raises_unavailable_when_every_feed_fails_differently(http):
    http.get(FEED, status=502)
    http.get(ATOM, status=429, headers={"Retry-After": "30"})

    with pytest.raises(PlatformUnavailable, match="all 2 feeds failed"):
        client(FEED, ATOM).fetch(cursor={}, now=NOW)


def test_news_client_shares_the_limit_between_feeds(http):
    http.get(FEED, body=body("dagblad_noord.rss"))
    http.get(ATOM, body=body("omroep_noord.atom"))

    page = client(FEED, ATOM).fetch(cursor={}, now=NOW, limit=2)

    assert [p.author_handle for p in page.posts] == [
        "Dagblad Noord - Economie",
        "Omroep Noord - Regio",
    ]


def test_news_build_rejects_feeds_that_are_not_urls():
    with pytest.raises(PlatformBadPayload, match=r"settings\.feeds"):
        news.build({"feeds": ["file:///etc/passwd"]}, {})


PRIVATE = "https://alerts.example.org/feeds/9f8e7d6c5b4a39281716ab/rss?key=s3cr3t-v4lue"


def test_news_client_never_shows_a_private_feed_token(http, caplog):
    http.get(PRIVATE, body=body("dagblad_noord.rss"), headers=RSS)
    http.get(ATOM, status=404)
    broken = "https://user:pa55word@feeds.example.org/rss"
    http.get(broken, body=body("not_a_feed.html"))

    with caplog.at_level(logging.WARNING, logger="monitoring.platforms.news"):
        page = client(PRIVATE, ATOM, broken).fetch(cursor={}, now=NOW)

    shown = [p.raw["feed"] for p in page.posts] + [r.reason for r in page.rejected]
    shown += [getattr(r, "feed", "") for r in caplog.records]
    assert page.posts
    assert len(page.rejected) == 2
    assert page.posts[0].raw["feed"] == "https://alerts.example.org/feeds/***/rss?key=***"
    for text in shown:
        assert "9f8e7d6c5b4a39281716ab" not in text
        assert "s3cr3t" not in text
        assert "pa55word" not in text
    assert set(page.next_cursor["feeds"]) == {PRIVATE, ATOM, broken}  # the cursor keeps them


def test_news_client_counts_a_fixed_feed_read_earlier_in_the_poll_as_working(http):
    search = "https://news.example.org/rss/search?q={query}"
    http.get(FEED, body=body("dagblad_noord.rss"), headers=RSS)
    http.get(search.format(query="bank+noord"), status=503)
    http.get(search.format(query="storing"), status=503)
    feed = client(FEED, search_feeds=(search,))

    first = feed.fetch(cursor={}, now=NOW, query="bank noord")
    # Only the search feed is fetched now, and it fails; the fixed feed worked in this poll,
    # so not every feed failed: no error, the search feed's cursor entry stays as it was.
    second = feed.fetch(cursor={}, now=NOW, query="storing")

    assert second.posts == []
    assert second.next_cursor["feeds"] == {
        FEED: first.next_cursor["feeds"][FEED],
        search.format(query="storing"): {"seen": []},
    }


def test_news_client_masks_a_private_feed_token_in_a_connection_error(http):
    echoed = requests.ConnectionError(
        "HTTPSConnectionPool(host='alerts.example.org', port=443): Max retries exceeded with "
        "url: /feeds/9f8e7d6c5b4a39281716ab/rss?key=s3cr3t-v4lue (Caused by timeout)"
    )
    http.get(PRIVATE, body=echoed)

    with pytest.raises(PlatformUnavailable) as raised:
        client(PRIVATE).fetch(cursor={}, now=NOW)

    assert str(raised.value) == (
        "feed https://alerts.example.org/feeds/***/rss?key=***: ConnectionError: "
        "HTTPSConnectionPool(host='alerts.example.org', port=443): Max retries exceeded with "
        "url: /feeds/***/rss?key=*** (Caused by timeout)"
    )


def test_news_client_hands_a_fixed_feed_that_failed_to_the_poll_s_next_query(http):
    # The broken feed has no cursor entry yet (new, or failing since before this query existed).
    http.get(FEED, body=body("dagblad_noord.rss"), headers=RSS)
    http.get(ATOM, body=body("not_a_feed.html"), headers={"Content-Type": "text/html"})
    feed = client(FEED, ATOM)

    first = feed.fetch(cursor={}, now=NOW, query="bank noord")
    second = feed.fetch(cursor={}, now=NOW, query="storing")  # the same poll

    assert (len(first.posts), len(first.rejected)) == (3, 1)
    assert (second.posts, second.rejected) == ([], [])  # read and dead-lettered once per poll
    assert second.next_cursor == first.next_cursor
    assert len(http.calls) == 2


def test_news_client_keeps_only_http_links_as_a_mention_s_url(http):
    http.get(
        ATOM, body=body("hostile_links.atom"), headers={"Content-Type": "application/atom+xml"}
    )

    by_id, without = client(ATOM).fetch(cursor={}, now=NOW).posts

    # A javascript: link falls back to the entry's id where that is an http(s) URL, else none.
    assert by_id.url == "https://www.omroepnoord.example/regio/bank-noord-herstelt-storing"
    assert by_id.urls == (by_id.url,)
    assert (without.url, without.urls) == ("", ())


ENTITIES = {
    # Atom type="text" is the text itself: "&amp;lt;b&amp;gt;" there is the text "&lt;b&gt;".
    "entities.atom": {
        "external_id": "https://www.omroepnoord.example/regio/artikel?id=44140&src=atom",
        "text": "Jansen & Zn: storing &lt;b&gt; opgelost — "
        "Bij Jansen & Zn & Bank Noord werkt pinnen weer.",
        "author_name": "Jansen & Zn",
        "author_handle": "Dagblad & Co",
    },
    # RSS carries HTML: "&amp;lt;b&amp;gt;" there is the HTML "&lt;b&gt;", the text "<b>".
    "entities.rss": {
        "external_id": "https://www.dagbladnoord.example/artikel?id=8840&src=rss",
        "text": "Jansen & Zn: storing opgelost — "
        "Bij Jansen & Zn & Bank Noord werkt pinnen weer <b>.",
        "author_name": "Jansen & Zn",
        "author_handle": "Stadsblad & Co",
    },
}


@pytest.mark.parametrize("well_formed", [True, False], ids=["well-formed", "not-well-formed"])
@pytest.mark.parametrize("name", list(ENTITIES))
def test_news_client_decodes_each_text_of_a_feed_once(http, name, well_formed):
    feed = body(name)
    if not well_formed:  # no closing tag: feedparser falls back to its loose parser
        feed = feed.replace(b"</feed>", b"").replace(b"</rss>", b"")
    http.get(FEED, body=feed, headers=RSS)

    (post,) = client(FEED).fetch(cursor={}, now=NOW).posts

    expected = ENTITIES[name]
    assert {key: getattr(post, key) for key in expected} == expected
    assert post.url == expected["external_id"]


def test_news_client_forgets_a_feed_s_failure_once_it_answers_again(http):
    http.get(FEED, status=304)
    failed = {"etag": '"v1"', "seen": ["0123456789abcdef"], "failure": "fedcba9876543210"}

    page = client(FEED).fetch(cursor={"feeds": {FEED: failed}}, now=NOW)

    assert page.next_cursor["feeds"][FEED] == {"etag": '"v1"', "seen": ["0123456789abcdef"]}
    assert page.warnings == []
