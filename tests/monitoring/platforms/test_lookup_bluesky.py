"""BlueskyClient.lookup (app.bsky.feed.getPosts?uris=…) at the HTTP boundary, with `responses`.

`lookup_get_posts.json` (tests/fixtures/platforms/bluesky/) is getPosts' output
(`{"posts": [postView]}`, lexicon `app/bsky/feed/getPosts.json`) for posts of
`search_page1.json` a while later, with higher counts. getPosts leaves out posts that no longer
exist, so the deleted reply in between is simply not there.
"""

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
PUBLIC_GET_POSTS = "https://public.api.bsky.app/xrpc/app.bsky.feed.getPosts"
AUTH_GET_POSTS = "https://bsky.social/xrpc/app.bsky.feed.getPosts"
CREATE_SESSION = "https://bsky.social/xrpc/com.atproto.server.createSession"
CREDENTIALS = {"identifier": "crisiscenter-monitor.bsky.social", "app_password": "abcd-efgh"}
NIEUWS = "at://did:plc:n4ws5rdq7lxkz3ubm2ahy6ce/app.bsky.feed.post/3mcx7aqkxp22k"
ANOUK = "at://did:plc:a7nkvq2b3yfm4xrl5tcd6pjw/app.bsky.feed.post/3mcx7a2hjdk2c"  # deleted
BRAM = "at://did:plc:br4mz6wq3nxk7hv2c5tdl4ye/app.bsky.feed.post/3mcx76r3wlc2v"
BANK_ROOT = "at://did:plc:bnkn00rdx2q5w7e3y4u6i8oa/app.bsky.feed.post/3mcx6tq2e4s2a"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def requested_uris(call) -> list[str]:
    return parse_qs(urlsplit(call.request.url).query).get("uris", [])


@pytest.fixture
def http():
    with bluesky_http() as mock:  # getProfiles answers from its fixture
        yield mock


def lookup(uris, *, credentials=None):
    return bluesky.build({}, credentials or {}).lookup(uris)


def test_bluesky_lookup_maps_fresh_counts_and_leaves_deleted_posts_out(http):
    headers = {
        "RateLimit-Limit": "3000",
        "RateLimit-Remaining": "2998",
        "RateLimit-Reset": "1795610100",
    }
    http.get(PUBLIC_GET_POSTS, json=load("lookup_get_posts.json"), headers=headers)

    page = lookup([NIEUWS, ANOUK, BRAM])

    call, profiles = http.calls  # the posts, then their authors' follower counts
    assert requested_uris(call) == [NIEUWS, ANOUK, BRAM]
    assert "app.bsky.actor.getProfiles" in profiles.request.url
    assert call.request.req_kwargs["timeout"] == bluesky.DEFAULT_TIMEOUT
    assert [p.external_id for p in page.posts] == [NIEUWS, BRAM]
    nieuws, bram = page.posts
    assert (nieuws.likes, nieuws.reposts, nieuws.replies, nieuws.quotes) == (312, 140, 57, 19)
    assert nieuws.posted_at == datetime(2026, 11, 25, 11, 55, 40, 120000, tzinfo=UTC)
    assert nieuws.url == "https://bsky.app/profile/nieuwsnoord.bsky.social/post/3mcx7aqkxp22k"
    assert nieuws.author_verified is True
    assert nieuws.hashtags == ("banknoord",)
    assert (bram.likes, bram.reposts, bram.replies, bram.quotes) == (26, 5, 3, 1)
    assert bram.quote_of == BANK_ROOT
    assert page.rejected == []
    assert page.next_cursor == {}
    assert (page.rate_limit.limit, page.rate_limit.remaining) == (3000, 2998)
    assert page.rate_limit.reset_at == datetime(2026, 11, 25, 12, 35, tzinfo=UTC)


def test_bluesky_lookup_uses_the_session_when_credentials_are_set(http):
    session = load("create_session.json")
    http.post(CREATE_SESSION, json=session)
    bearer = matchers.header_matcher({"Authorization": f"Bearer {session['accessJwt']}"})
    http.get(AUTH_GET_POSTS, json=load("lookup_get_posts.json"), match=[bearer])

    page = lookup([NIEUWS, BRAM], credentials=CREDENTIALS)

    assert [p.external_id for p in page.posts] == [NIEUWS, BRAM]


def _posts_for_requested_uris(request):
    nieuws = load("lookup_get_posts.json")["posts"][0]
    uris = parse_qs(urlsplit(request.url).query)["uris"]
    return 200, {}, json.dumps({"posts": [{**nieuws, "uri": uri} for uri in uris]})


def test_bluesky_lookup_batches_uris_by_twenty_five(http):
    uris = [
        f"at://did:plc:n4ws5rdq7lxkz3ubm2ahy6ce/app.bsky.feed.post/3mcx{n:09d}" for n in range(60)
    ]
    http.add_callback("GET", PUBLIC_GET_POSTS, callback=_posts_for_requested_uris)

    page = lookup([*uris, uris[7]])  # a repeat is asked for once

    reads = [call for call in http.calls if call.request.url.startswith(PUBLIC_GET_POSTS)]
    assert [requested_uris(call) for call in reads] == [uris[:25], uris[25:50], uris[50:]]
    assert [p.external_id for p in page.posts] == uris


def test_bluesky_lookup_of_nothing_sends_nothing(http):
    page = lookup([])

    assert (page.posts, page.next_cursor, page.rejected) == ([], {}, [])
    assert len(http.calls) == 0


def test_bluesky_lookup_rejects_a_malformed_post_and_keeps_the_rest(http):
    body = load("lookup_get_posts.json")
    del body["posts"][0]["author"]
    http.get(PUBLIC_GET_POSTS, json=body)

    page = lookup([NIEUWS, BRAM])

    assert [p.external_id for p in page.posts] == [BRAM]
    assert page.rejected[0].reason == f"post {NIEUWS}: missing field 'author'"
    assert json.loads(page.rejected[0].raw)["uri"] == NIEUWS


def test_bluesky_lookup_raises_rate_limited_until_ratelimit_reset(http):
    reset = str(int(datetime.now(UTC).timestamp()) + 90)
    headers = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": reset}
    error = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    http.get(PUBLIC_GET_POSTS, status=429, json=error, headers=headers)

    with pytest.raises(PlatformRateLimited) as caught:
        lookup([NIEUWS])

    assert caught.value.retry_after == pytest.approx(90, abs=2)


@pytest.mark.parametrize(
    "failure", [{"status": 503}, {"body": requests.exceptions.ConnectTimeout("timed out")}]
)
def test_bluesky_lookup_raises_unavailable_on_5xx_and_timeout(http, failure):
    http.get(PUBLIC_GET_POSTS, **failure)

    with pytest.raises(PlatformUnavailable, match="getPosts"):
        lookup([NIEUWS])


def test_bluesky_lookup_raises_auth_error_on_401(http):
    error = {"error": "AuthenticationRequired", "message": "Authentication Required"}
    http.get(PUBLIC_GET_POSTS, status=401, json=error)

    with pytest.raises(PlatformAuthError, match="reading posts may need credentials"):
        lookup([NIEUWS])


def test_bluesky_lookup_renews_a_refused_cached_session_once(http):
    session = load("create_session.json")
    key = ("https://bsky.social", CREDENTIALS["identifier"])
    bluesky.SESSIONS[key] = ("revoked.jwt.token", datetime(2100, 1, 1, tzinfo=UTC))
    http.get(AUTH_GET_POSTS, status=401, json={"error": "InvalidToken", "message": "Bad token"})
    http.post(CREATE_SESSION, json=session)
    http.get(AUTH_GET_POSTS, json=load("lookup_get_posts.json"))

    page = lookup([NIEUWS, BRAM], credentials=CREDENTIALS)

    assert len(page.posts) == 2
    assert http.calls[2].request.headers["Authorization"] == f"Bearer {session['accessJwt']}"


@pytest.mark.parametrize(
    ("reply", "field"),
    [
        ({"body": "<html>upstream error</html>"}, "not JSON"),
        ({"json": {"feed": []}}, "posts"),
        ({"json": []}, "not a JSON object"),
    ],
)
def test_bluesky_lookup_raises_bad_payload_for_a_garbage_response(http, reply, field):
    http.get(PUBLIC_GET_POSTS, **reply)

    with pytest.raises(PlatformBadPayload, match=field):
        lookup([NIEUWS])
