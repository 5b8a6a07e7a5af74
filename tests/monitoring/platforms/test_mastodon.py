"""Mastodon client against API-shaped JSON in tests/fixtures/platforms/mastodon (responses)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from monitoring.platforms import mastodon
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "mastodon"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)  # a later poll (one poll's queries share its `now`)
INSTANCE = "https://mastodon.social"
TAG_URL = f"{INSTANCE}/api/v1/timelines/tag/banknoord"
SEARCH_URL = f"{INSTANCE}/api/v2/search"
LIMITS = {
    "X-RateLimit-Limit": "300",
    "X-RateLimit-Remaining": "297",
    "X-RateLimit-Reset": "2026-11-25T12:05:00.000Z",
}
# Status ids of the fixtures (Mastodon snowflakes, newest first within a file).
A, B, C = "117676922363648555", "117676904939788843", "117676891669273131"
D, E = "117676948856511019", "117676935236819499"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def params(**expected):
    return [matchers.query_param_matcher({k: str(v) for k, v in expected.items()})]


@pytest.fixture
def http():
    with responses.RequestsMock() as mock:
        yield mock


def client(**settings):
    credentials = {"access_token": settings.pop("token")} if "token" in settings else {}
    return mastodon.build(
        {"instance": INSTANCE, "hashtags": ["banknoord"], **settings}, credentials
    )


def test_mastodon_client_maps_tag_timeline_statuses(http):
    http.get(TAG_URL, json=load("tag_banknoord.json"), headers=LIMITS, match=params(limit=40))

    page = client().fetch(cursor={}, now=NOW)

    assert [p.external_id for p in page.posts] == [A, B, C]
    lisa, redactie, jeroen = page.posts
    assert lisa.platform == "mastodon"
    assert lisa.text == (
        "Al een uur kan ik niet pinnen bij #BankNoord. De app geeft alleen een foutmelding.\n"
        "Iemand anders ook?\n\nhttps://www.banknoord.example/storingen"
    )
    assert lisa.url == f"https://mastodon.social/@lisa_devries/{A}"
    assert lisa.posted_at == datetime(2026, 11, 25, 11, 48, 55, 871000, tzinfo=UTC)
    assert (lisa.author_handle, lisa.author_name) == (
        "lisa_devries@mastodon.social",
        "Lisa de Vries 🌷",
    )
    assert lisa.author_followers == 1834
    assert lisa.author_verified is False
    assert lisa.author_created_at == datetime(2022, 11, 9, tzinfo=UTC)
    assert (lisa.likes, lisa.reposts, lisa.replies, lisa.quotes) == (12, 4, 3, 1)
    assert lisa.language == "nl"
    assert lisa.hashtags == ("banknoord",)
    assert lisa.urls == ("https://www.banknoord.example/storingen",)
    assert lisa.raw["id"] == A
    assert redactie.author_handle == "redactie@nieuws.social"
    assert redactie.text == "@jeroen Wij horen het ook van lezers en zoeken het uit. #banknoord"
    assert redactie.reply_to == C
    assert redactie.urls == ()  # mention and hashtag links are not content links
    assert jeroen.text == (
        "Storing Bank Noord\n\nWeer eens. Salaris staat er wel, maar ik kan er niet bij. #banknoord"
    )
    assert page.rate_limit.remaining == 297
    assert page.rate_limit.limit == 300
    assert page.rate_limit.reset_at == datetime(2026, 11, 25, 12, 5, tzinfo=UTC)


def test_mastodon_client_advances_min_id_and_sends_it_next_time(http):
    http.get(TAG_URL, json=load("tag_banknoord.json"), match=params(limit=40))
    newer = load("tag_banknoord_newer.json")
    http.get(TAG_URL, json=newer, match=params(limit=40, min_id=A))
    feed = client(timeout=3)

    first = feed.fetch(cursor={}, now=NOW)
    second = feed.fetch(cursor=first.next_cursor, now=LATER)  # the next poll

    assert first.next_cursor["since_id"] == {"tag:banknoord": A}
    assert [p.external_id for p in second.posts] == [D, E]
    assert second.next_cursor["since_id"] == {"tag:banknoord": D}
    assert http.calls[1].request.req_kwargs["timeout"] == 3


def test_mastodon_client_pages_forward_when_more_statuses_than_limit(http):
    a, b, c = load("tag_banknoord.json")
    older = "117676800000000000"
    # min_id returns the statuses immediately newer than it: the oldest `limit`, newest first.
    http.get(TAG_URL, json=[b, c], match=params(limit=2, min_id=older))
    http.get(TAG_URL, json=[a], match=params(limit=2, min_id=B))
    feed = client()

    first = feed.fetch(cursor={"since_id": {"tag:banknoord": older}}, now=NOW, limit=2)
    second = feed.fetch(cursor=first.next_cursor, now=LATER, limit=2)

    assert [p.external_id for p in first.posts + second.posts] == [B, C, A]
    assert second.next_cursor["since_id"] == {"tag:banknoord": A}


def test_mastodon_client_first_search_takes_the_newest_page(http):
    http.get(TAG_URL, json=[])
    search = params(q="bank noord", type="statuses", resolve="false", limit=40)
    http.get(SEARCH_URL, json=load("search_page1.json"), match=search)

    page = client(search=True, token="t0k").fetch(cursor={}, now=NOW, query="bank noord")

    assert [p.external_id for p in page.posts] == ["117676948856599999", "117676935236888888"]
    assert page.next_cursor == {"since_id": {"search": "117676948856599999"}, "paging": {}}
    assert http.calls[1].request.headers["Authorization"] == "Bearer t0k"


def test_mastodon_client_search_sweeps_older_until_the_stored_id(http):
    mark, top, page1_oldest = "117676808601606699", "117676948856599999", "117676935236888888"
    base = {"q": "bank noord", "type": "statuses", "resolve": "false", "limit": 2}
    http.get(SEARCH_URL, json=load("search_page1.json"), match=params(**base, min_id=mark))
    http.get(
        SEARCH_URL,
        json=load("search_page2.json"),
        match=params(**base, min_id=mark, max_id=page1_oldest),
    )
    feed = client(hashtags=[], search=True, token="t0k")

    first = feed.fetch(cursor={"since_id": {"search": mark}}, now=NOW, limit=2, query="bank noord")
    second = feed.fetch(cursor=first.next_cursor, now=NOW, limit=2, query="bank noord")

    assert first.next_cursor == {
        "since_id": {"search": mark},  # not moved until the sweep reaches it
        "paging": {"search": {"top": top, "max_id": page1_oldest}},
    }
    assert [p.external_id for p in second.posts] == ["117676847923206699"]  # mark itself: no
    assert second.next_cursor == {"since_id": {"search": top}, "paging": {}}


def test_mastodon_client_maps_quotes_and_reblogs(http):
    http.get(TAG_URL, json=load("status_reblog.json"))
    http.get(SEARCH_URL, json=load("search_page1.json"))

    page = client(search=True, token="t0k").fetch(cursor={}, now=NOW, query="bank noord")

    boost, quote, link = page.posts
    assert boost.repost_of == "117676930000000003"
    assert boost.text == "We onderzoeken een storing bij pinnen en de app. Meer informatie volgt."
    assert boost.author_handle == "redactie@nieuws.social"
    assert boost.url == boost.raw["uri"]  # a boost has no url of its own
    assert quote.quote_of == "117676900000000004"
    assert quote.text == 'Dit is dus hun "oplossing" 🙄'
    assert link.urls == ("https://nieuws.social/artikel/bank-noord-storing",)


def test_mastodon_client_turns_hostile_html_into_plain_text(http):
    http.get(TAG_URL, json=load("tag_hostile_html.json"))

    text = client().fetch(cursor={}, now=NOW).posts[0].text

    assert text == (
        "Let op phishing!\n\nKlik nooit op links in sms'jes <3 & blijf alert\n\nGroet\nJeroen"
    )
    for markup in ("<script", "<img", "onerror", 'alert("xss")', "display:none", "&lt;"):
        assert markup not in text


@pytest.mark.parametrize(
    ("url", "uri", "kept"),
    [
        (
            "javascript:alert(1)",
            "https://m.example/users/a/statuses/1",
            "https://m.example/users/a/statuses/1",
        ),
        ("javascript:alert(1)", "data:text/html,<script>", ""),
        ("https://m.example/@a/1", "javascript:alert(1)", "https://m.example/@a/1"),
    ],
)
def test_mastodon_client_keeps_only_an_http_link_to_the_status(http, url, uri, kept):
    # An instance may send anything as a status's address; the dashboard links to it.
    statuses = load("tag_banknoord.json")
    http.get(TAG_URL, json=[{**statuses[0], "url": url, "uri": uri}])

    (post,) = client().fetch(cursor={}, now=NOW).posts

    assert post.url == kept


def test_mastodon_client_rejects_a_malformed_status_and_keeps_the_rest(http):
    http.get(TAG_URL, json=load("tag_one_bad_status.json"))

    page = client().fetch(cursor={}, now=NOW)

    assert [p.external_id for p in page.posts] == [D, A]
    assert page.rejected[0].reason == "status 117676940000000001: missing field 'account'"
    assert json.loads(page.rejected[0].raw)["id"] == "117676940000000001"
    assert page.next_cursor["since_id"] == {"tag:banknoord": D}


def test_mastodon_client_treats_an_unknown_hashtag_as_empty(http):
    http.get(TAG_URL, status=404, json={"error": "Record not found"})

    page = client().fetch(cursor={}, now=NOW)

    assert page.posts == []
    assert page.next_cursor == {"since_id": {}, "paging": {}}


def test_mastodon_client_raises_rate_limited_until_the_reset_header(http):
    http.get(TAG_URL, status=429, json={"error": "Too many requests"}, headers=LIMITS)

    with pytest.raises(PlatformRateLimited) as caught:
        client().fetch(cursor={}, now=NOW)

    assert caught.value.retry_after == 300.0


@pytest.mark.parametrize(
    "failure", [{"status": 503}, {"body": requests.exceptions.ReadTimeout("read timed out")}]
)
def test_mastodon_client_raises_unavailable_on_5xx_and_timeout(http, failure):
    http.get(TAG_URL, **failure)

    with pytest.raises(PlatformUnavailable, match="hashtag #banknoord"):
        client().fetch(cursor={}, now=NOW)


def test_mastodon_client_raises_auth_error_on_401(http):
    http.get(SEARCH_URL, status=401, json={"error": "The access token is invalid"})

    with pytest.raises(PlatformAuthError, match="access token is invalid"):
        client(hashtags=[], search=True, token="old").fetch(cursor={}, now=NOW, query="x")


@pytest.mark.parametrize(
    ("url", "reply", "field"),
    [
        (TAG_URL, {"body": "<html>Bad gateway</html>"}, "not JSON"),
        (TAG_URL, {"json": {"error": "nope"}}, "JSON array"),
        (SEARCH_URL, {"json": {"accounts": []}}, "statuses"),
    ],
)
def test_mastodon_client_raises_bad_payload_for_a_garbage_page(http, url, reply, field):
    http.get(url, **reply)
    search = url == SEARCH_URL
    feed = client(hashtags=[] if search else ["banknoord"], search=search, token="t0k")

    with pytest.raises(PlatformBadPayload, match=field):
        feed.fetch(cursor={}, now=NOW, query="bank")


def test_mastodon_build_requires_a_token_for_search():
    with pytest.raises(PlatformAuthError, match="access_token"):
        mastodon.build({"instance": INSTANCE, "search": True}, {})
    with pytest.raises(PlatformBadPayload, match="instance"):
        mastodon.build({"instance": "mastodon.social"}, {})


def test_mastodon_client_keeps_each_hashtag_once_whatever_its_case(http):
    body = load("tag_banknoord.json")
    body[0]["tags"] = [{"name": "BankNoord"}, {"name": "banknoord"}, {"name": "storing"}]
    http.get(TAG_URL, json=body)

    post = next(p for p in client().fetch(cursor={}, now=NOW).posts if p.external_id == A)

    assert post.hashtags == ("BankNoord", "storing")


def test_mastodon_client_rejects_a_count_past_bigint_and_keeps_the_rest(http):
    a, b, c = load("tag_banknoord.json")
    b["favourites_count"] = 2**63  # PostgreSQL would refuse it, and with it the whole page
    c["reblogs_count"] = -2  # not a count Mastodon sends: stored as 0 (the columns hold no less)
    http.get(TAG_URL, json=[a, b, c])

    page = client().fetch(cursor={}, now=NOW)

    assert [p.external_id for p in page.posts] == [A, C]
    assert page.posts[1].reposts == 0
    assert [r.reason for r in page.rejected] == [
        f"status {B}: favourites_count: not a count ('9223372036854775808')"
    ]


def test_mastodon_client_reads_a_hashtag_once_per_poll_whatever_the_queries(http):
    http.get(TAG_URL, json=load("tag_banknoord.json"), match=params(limit=40))
    for query, found in (("bank noord", load("search_page1.json")), ("storing", {"statuses": []})):
        only_q = matchers.query_param_matcher({"q": query}, strict_match=False)
        http.get(SEARCH_URL, json=found, match=[only_q])
    feed = client(search=True, token="t0k")

    first = feed.fetch(cursor={}, now=NOW, query="bank noord")
    second = feed.fetch(cursor={}, now=NOW, query="storing")  # the same poll

    assert len([c for c in http.calls if c.request.url.startswith(TAG_URL)]) == 1
    assert second.next_cursor["since_id"]["tag:banknoord"] == A  # where the first read it to
    assert first.next_cursor["since_id"]["tag:banknoord"] == A
    assert [p.external_id for p in second.posts] == []
