"""Bluesky client against lexicon-shaped JSON in tests/fixtures/platforms/bluesky (responses)."""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from responses import matchers

from monitoring.platforms import bluesky
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
)
from tests.monitoring.platforms import bluesky_http

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "bluesky"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PUBLIC_SEARCH = "https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts"
AUTH_SEARCH = "https://bsky.social/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "https://bsky.social/xrpc/com.atproto.server.createSession"
CREDENTIALS = {
    "identifier": "crisiscenter-monitor.bsky.social",
    "app_password": "abcd-efgh-ijkl-mnop",
}
NIEUWS = "at://did:plc:n4ws5rdq7lxkz3ubm2ahy6ce/app.bsky.feed.post/3mcx7aqkxp22k"
ANOUK = "at://did:plc:a7nkvq2b3yfm4xrl5tcd6pjw/app.bsky.feed.post/3mcx7a2hjdk2c"
BRAM = "at://did:plc:br4mz6wq3nxk7hv2c5tdl4ye/app.bsky.feed.post/3mcx76r3wlc2v"
BANK_ROOT = "at://did:plc:bnkn00rdx2q5w7e3y4u6i8oa/app.bsky.feed.post/3mcx6tq2e4s2a"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def params(**expected):
    return [
        matchers.query_param_matcher(
            {"q": "bank noord", "sort": "latest", **{k: str(v) for k, v in expected.items()}}
        )
    ]


@pytest.fixture
def http():
    with bluesky_http() as mock:  # getProfiles answers from its fixture
        yield mock


def fetch(cursor=None, *, limit=100, credentials=None, settings=None):
    client = bluesky.build(settings or {}, credentials or {})
    return client.fetch(cursor=cursor or {}, now=NOW, limit=limit, query="bank noord")


def serve_page1_then_older(http):
    since = "2026-11-25T11:39:00Z"
    http.get(PUBLIC_SEARCH, json=load("search_page1.json"), match=params(limit=100, since=since))
    older = params(limit=97, since=since, cursor="3")  # its posts are older than the floor
    http.get(PUBLIC_SEARCH, json=load("search_page2.json"), match=older)


def test_bluesky_client_maps_search_results(http):
    serve_page1_then_older(http)

    page = fetch({"newest_seen": "2026-11-25T11:40:00+00:00"})

    nieuws, anouk, bram = page.posts
    assert nieuws.platform == "bluesky"
    assert nieuws.external_id == NIEUWS
    assert nieuws.url == "https://bsky.app/profile/nieuwsnoord.bsky.social/post/3mcx7aqkxp22k"
    assert nieuws.text == (
        "Bank Noord bevestigt storing: pinnen en iDEAL werken niet 😡 #banknoord nos.example/l/2611"
    )
    assert nieuws.posted_at == datetime(2026, 11, 25, 11, 55, 40, 120000, tzinfo=UTC)
    assert (nieuws.author_handle, nieuws.author_name) == ("nieuwsnoord.bsky.social", "Nieuws Noord")
    assert nieuws.author_verified is True
    # Not in PostView: read with getProfiles, one request for the page's three authors.
    assert [p.author_followers for p in page.posts] == [48213, 287, 1204]
    (profiles,) = [c for c in http.calls if "getProfiles" in c.request.url]
    assert sorted(parse_qs(urlsplit(profiles.request.url).query)["actors"]) == [
        "did:plc:a7nkvq2b3yfm4xrl5tcd6pjw",
        "did:plc:br4mz6wq3nxk7hv2c5tdl4ye",
        "did:plc:n4ws5rdq7lxkz3ubm2ahy6ce",
    ]
    assert nieuws.author_created_at == datetime(2023, 7, 3, 9, 12, 44, 201000, tzinfo=UTC)
    assert (nieuws.likes, nieuws.reposts, nieuws.replies, nieuws.quotes) == (48, 21, 9, 4)
    assert nieuws.language == "nl"
    assert nieuws.hashtags == ("banknoord",)
    assert nieuws.urls == (
        "https://nos.example/l/2611",
        "https://nos.example/artikel/2611-bank-noord",
    )
    assert nieuws.conversation_id == NIEUWS
    assert nieuws.raw["cid"] == "bafyreib2rxk3rybk3aobmv5msbssvpq7fayfv7ijdmpw7xkm3bmrx6zqke"
    assert (
        anouk.reply_to == "at://did:plc:n4ws5rdq7lxkz3ubm2ahy6ce/app.bsky.feed.post/3mcx6xwz2ts2p"
    )
    assert anouk.conversation_id == BANK_ROOT
    assert anouk.author_verified is False
    assert bram.quote_of == BANK_ROOT
    assert bram.reply_to == ""


def test_bluesky_client_keeps_post_text_exactly(http):
    serve_page1_then_older(http)

    bram = fetch({"newest_seen": "2026-11-25T11:40:00+00:00"}).posts[2]

    assert bram.text == (
        "<script>alert('bsky')</script> Zelfs de website van Bank Noord ligt eruit &amp; de app ook"
    )


def test_bluesky_client_sweeps_older_pages_until_newest_seen(http):
    since = "2026-11-25T11:09:00Z"  # newest_seen minus the 60 s overlap
    http.get(PUBLIC_SEARCH, json=load("search_page1.json"), match=params(limit=3, since=since))
    page2 = params(limit=3, since=since, cursor="3")
    http.get(PUBLIC_SEARCH, json=load("search_page2.json"), match=page2)
    page3 = params(limit=1, since=since, cursor="5")
    http.get(PUBLIC_SEARCH, json=load("search_page3.json"), match=page3)

    first = fetch({"newest_seen": "2026-11-25T11:10:00+00:00"}, limit=3)
    second = fetch(first.next_cursor, limit=3)

    assert [p.external_id for p in first.posts] == [NIEUWS, ANOUK, BRAM]
    assert first.next_cursor == {
        "newest_seen": "2026-11-25T11:10:00+00:00",  # not moved mid-sweep
        "paging": {"cursor": "3", "top": "2026-11-25T11:55:40.120000+00:00"},
    }
    assert [p.text for p in second.posts] == [
        "Pinautomaat slikt mijn pas in. Bank Noord??",
        "Bank Noord app start niet op. Iemand anders?",
    ]  # page 3's post (11:00) is older than the sweep floor: an earlier sweep had it
    assert second.next_cursor == {
        "newest_seen": "2026-11-25T11:55:40.120000+00:00",
        "paging": {},
    }


def test_bluesky_client_starts_the_next_sweep_from_newest_seen(http):
    match = params(limit=100, since="2026-11-25T11:54:40.120000Z")
    http.get(PUBLIC_SEARCH, json={"posts": []}, match=match)

    page = fetch({"newest_seen": "2026-11-25T11:55:40.120000+00:00", "paging": {}})

    assert page.posts == []
    assert page.next_cursor == {"newest_seen": "2026-11-25T11:55:40.120000+00:00", "paging": {}}


def test_bluesky_client_first_poll_looks_back_one_hour(http):
    match = params(limit=100, since="2026-11-25T10:59:00Z")
    http.get(PUBLIC_SEARCH, json=load("search_page3.json"), match=match)
    end = params(limit=99, since="2026-11-25T10:59:00Z", cursor="6")
    http.get(PUBLIC_SEARCH, json={"posts": []}, match=end)

    page = fetch()

    assert [p.text for p in page.posts] == ["Rustige ochtend bij de bank vandaag."]
    assert page.next_cursor["newest_seen"] == "2026-11-25T11:00:00+00:00"


def test_bluesky_client_without_a_query_fetches_nothing(http):
    client = bluesky.build({}, {})

    page = client.fetch(cursor={"newest_seen": "x"}, now=NOW, query="")

    assert (page.posts, page.next_cursor) == ([], {"newest_seen": "x"})


def test_bluesky_client_creates_a_session_once_and_searches_with_it(http):
    session = load("create_session.json")
    login = matchers.json_params_matcher(
        {"identifier": CREDENTIALS["identifier"], "password": CREDENTIALS["app_password"]}
    )
    http.post(CREATE_SESSION, json=session, match=[login])
    bearer = matchers.header_matcher({"Authorization": f"Bearer {session['accessJwt']}"})
    http.get(AUTH_SEARCH, json={"posts": []}, match=[bearer])
    http.get(AUTH_SEARCH, json={"posts": []}, match=[bearer])

    fetch(credentials=CREDENTIALS, settings={"timeout": 5})
    fetch(credentials=CREDENTIALS)

    assert [call.request.url.split("?")[0] for call in http.calls] == [
        CREATE_SESSION,
        AUTH_SEARCH,
        AUTH_SEARCH,
    ]
    assert http.calls[1].request.req_kwargs["timeout"] == 5


def test_bluesky_client_renews_an_expired_session_once(http):
    session = load("create_session.json")
    bluesky.SESSIONS[("https://bsky.social", CREDENTIALS["identifier"])] = (
        "stale.jwt.token",
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
    )
    expired = {"error": "ExpiredToken", "message": "Token has expired"}
    http.get(AUTH_SEARCH, status=400, json=expired)
    http.post(CREATE_SESSION, json=session)
    http.get(AUTH_SEARCH, json={"posts": load("search_page3.json")["posts"]})

    page = fetch(credentials=CREDENTIALS)

    assert len(page.posts) == 1
    assert http.calls[0].request.headers["Authorization"] == "Bearer stale.jwt.token"
    assert http.calls[2].request.headers["Authorization"] == f"Bearer {session['accessJwt']}"
    token, expires_at = bluesky.SESSIONS[("https://bsky.social", CREDENTIALS["identifier"])]
    assert token == session["accessJwt"]
    assert expires_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # the JWT's exp claim


def test_bluesky_client_raises_rate_limited_until_ratelimit_reset(http):
    reset = str(int(NOW.timestamp()) + 90)
    headers = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset}
    error = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    http.get(PUBLIC_SEARCH, status=429, json=error, headers=headers)

    with pytest.raises(PlatformRateLimited) as caught:
        fetch()

    assert caught.value.retry_after == 90.0


def test_bluesky_client_reports_rate_limit_headers(http):
    headers = {
        "RateLimit-Limit": "3000",
        "RateLimit-Remaining": "2999",
        "RateLimit-Reset": "1795608300",
    }
    http.get(PUBLIC_SEARCH, json={"posts": []}, headers=headers)

    rate_limit = fetch().rate_limit

    assert (rate_limit.limit, rate_limit.remaining) == (3000, 2999)
    assert rate_limit.reset_at == datetime(2026, 11, 25, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "failure", [{"status": 503}, {"body": requests.exceptions.ConnectTimeout("timed out")}]
)
def test_bluesky_client_raises_unavailable_on_5xx_and_timeout(http, failure):
    http.get(PUBLIC_SEARCH, **failure)

    with pytest.raises(PlatformUnavailable, match="searchPosts"):
        fetch()


def test_bluesky_client_raises_auth_error_on_a_rejected_login(http):
    error = {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    http.post(CREATE_SESSION, status=401, json=error)

    with pytest.raises(PlatformAuthError, match="Invalid identifier or password"):
        fetch(credentials=CREDENTIALS)


def test_bluesky_client_raises_auth_error_when_anonymous_search_is_refused(http):
    http.get(PUBLIC_SEARCH, status=403, body="<html><h1>403 Forbidden</h1></html>")

    with pytest.raises(PlatformAuthError, match="may need credentials"):
        fetch()


@pytest.mark.parametrize(
    ("reply", "field"),
    [
        ({"body": "<html>upstream error</html>"}, "not JSON"),
        ({"json": {"cursor": "3"}}, "posts"),
        ({"json": {"posts": [], "cursor": 3}}, "cursor"),
    ],
)
def test_bluesky_client_raises_bad_payload_for_a_garbage_page(http, reply, field):
    http.get(PUBLIC_SEARCH, **reply)

    with pytest.raises(PlatformBadPayload, match=field):
        fetch()


def test_bluesky_client_rejects_a_malformed_post_and_keeps_the_rest(http):
    http.get(PUBLIC_SEARCH, json=load("search_one_bad_post.json"))

    page = fetch({"newest_seen": "2026-11-25T11:40:00+00:00"})

    assert [p.external_id for p in page.posts] == [NIEUWS, BRAM]
    bad = "at://did:plc:a7nkvq2b3yfm4xrl5tcd6pjw/app.bsky.feed.post/3mcx79zzzzz2a"
    assert page.rejected[0].reason == f"post {bad}: missing field 'author'"
    assert json.loads(page.rejected[0].raw)["uri"] == bad
    assert page.next_cursor["newest_seen"] == "2026-11-25T11:55:40.120000+00:00"


def test_bluesky_build_requires_both_credentials():
    with pytest.raises(PlatformAuthError, match="app_password"):
        bluesky.build({}, {"identifier": "someone.bsky.social"})


@pytest.mark.parametrize(
    "settings",
    [{"initial_lookback_seconds": 1e13}, {"overlap_seconds": -1}, {"timeout": -1}],
)
def test_bluesky_build_refuses_a_setting_out_of_range_naming_it(settings):
    # A source saved with such a value before fails its polls with this error, not with an
    # OverflowError or a requests error that names no setting.
    (key,) = settings
    with pytest.raises(PlatformBadPayload, match=rf"settings\.{key}: expected a number"):
        bluesky.build(settings, {})


def test_bluesky_client_keeps_each_hashtag_and_http_link_once(http):
    body = load("search_page1.json")
    record = body["posts"][0]["record"]
    record["tags"] = ["BankNoord", "storing"]  # the facet already tags "banknoord"
    record["facets"].append(
        {"index": {"byteStart": 0, "byteEnd": 1}, "features": [{"uri": "at://did:plc:x/y"}]}
    )
    record["facets"].append(
        {
            "index": {"byteStart": 0, "byteEnd": 1},
            "features": [{"uri": "https://nos.example/l/2611"}],
        }
    )
    http.get(PUBLIC_SEARCH, json=body)

    post = fetch({"newest_seen": "2026-11-25T11:40:00+00:00"}).posts[0]

    assert post.hashtags == ("banknoord", "storing")
    assert post.urls == (
        "https://nos.example/l/2611",
        "https://nos.example/artikel/2611-bank-noord",
    )


def test_bluesky_client_remembers_follower_counts_between_polls(http):
    http.get(PUBLIC_SEARCH, json={**load("search_page1.json"), "cursor": None})
    client = bluesky.build({}, {})
    SEEN = {"newest_seen": "2026-11-25T11:00:00+00:00"}  # each poll sweeps back to 11:00
    client.fetch(cursor=SEEN, now=NOW, query="bank noord")
    later = NOW + bluesky.FOLLOWERS_TTL / 2
    again = client.fetch(cursor=SEEN, now=later, query="bank noord")
    assert [p.author_followers for p in again.posts] == [48213, 287, 1204]
    assert len([c for c in http.calls if "getProfiles" in c.request.url]) == 1
    client.fetch(cursor=SEEN, now=NOW + bluesky.FOLLOWERS_TTL * 2, query="bank noord")
    assert len([c for c in http.calls if "getProfiles" in c.request.url]) == 2  # read again


def test_bluesky_client_keeps_the_posts_when_profiles_cannot_be_read(http, caplog):
    serve_page1_then_older(http)
    http.replace("GET", "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfiles", status=503)
    page = fetch({"newest_seen": "2026-11-25T11:40:00+00:00"})
    assert len(page.posts) == 3
    assert [p.author_followers for p in page.posts] == [0, 0, 0]
    assert [r.msg for r in caplog.records] == ["monitoring.bluesky.profiles_failed"]


def test_bluesky_client_keeps_its_sweeps_at_now_past_a_post_dated_in_the_future(http):
    # A post dated in the year 9999 (ingest refuses it) lifted newest_seen to 9999, so every
    # later sweep started there and found nothing: the search was blind for good.
    future = load("search_page3.json")
    future["posts"][0]["record"]["createdAt"] = "9999-12-31T23:59:59Z"
    future["posts"][0]["indexedAt"] = "9999-12-31T23:59:59Z"
    future.pop("cursor")
    http.get(PUBLIC_SEARCH, json=future, match=params(limit=100, since="2026-11-25T10:59:00Z"))
    page = fetch()
    assert page.next_cursor["newest_seen"] == NOW.isoformat()

    # A cursor lifted so before this fix sweeps from now again.
    later = params(limit=100, since="2026-11-25T11:59:00Z")
    http.get(PUBLIC_SEARCH, json={"posts": []}, match=later)
    lifted = fetch({"newest_seen": "9999-12-31T23:59:59+00:00", "paging": {}})
    assert lifted.next_cursor == {"newest_seen": NOW.isoformat(), "paging": {}}
