"""RedditClient.lookup (GET /api/info?id=t3_…,t1_…) at the HTTP boundary, with `responses`.

praw's recorded token response (tests/cassettes/reddit/) authenticates. `lookup_info.json`
(tests/fixtures/platforms/reddit/) is the Listing /api/info returns, built from items of praw's
recordings: a submission and a comment with newer counts, and the stubs Reddit returns for a
submission its author deleted (`[deleted]`, `removed_by_category: deleted`), one a moderator
removed (`[removed]`, `removed_by_category: moderator`) and a deleted comment (`[deleted]`).
/api/info leaves ids that never existed out of the listing.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses

from monitoring.platforms import reddit
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
)
from tests.monitoring.platforms import recorded

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "reddit"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
INFO_URL = "https://oauth.reddit.com/api/info/"
SUBMISSION, COMMENT = "t3_3x4kt2", "t1_d4y8bdp"
DELETED_SUBMISSION, REMOVED_SUBMISSION, DELETED_COMMENT = "t3_1qvzkd", "t3_3qc02b", "t1_d4y8bdo"
NEVER_EXISTED = "t3_zzzzzz"
ALL_IDS = [
    SUBMISSION,
    DELETED_SUBMISSION,
    REMOVED_SUBMISSION,
    COMMENT,
    DELETED_COMMENT,
    NEVER_EXISTED,
]


def make_client() -> reddit.RedditClient:
    return reddit.build({}, {"client_id": "id", "client_secret": "secret"})


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def http():
    with responses.RequestsMock() as mock:
        recorded("reddit/TestSubreddit.test_search.json", 0).register(mock, "POST", TOKEN_URL)
        yield mock


def info_calls(http) -> list:
    return [c for c in http.calls if c.request.url.startswith(INFO_URL)]


def test_reddit_lookup_maps_fresh_counts_and_leaves_deleted_items_out(http):
    rate = {"x-ratelimit-remaining": "575.0", "x-ratelimit-used": "25", "x-ratelimit-reset": "143"}
    http.get(INFO_URL, json=load("lookup_info.json"), headers=rate)

    before = datetime.now(UTC)
    page = make_client().lookup(ALL_IDS)

    (call,) = info_calls(http)
    assert call.request.params == {"id": ",".join(ALL_IDS), "limit": "100", "raw_json": "1"}
    assert call.request.headers["Authorization"] == "bearer <ACCESS_TOKEN>"
    assert sorted(p.external_id for p in page.posts) == sorted([SUBMISSION, COMMENT])
    submission = next(p for p in page.posts if p.external_id == SUBMISSION)
    assert (submission.likes, submission.replies, submission.reposts) == (14, 11, 1)
    assert submission.author_handle == "GrinningMouth38"
    assert submission.text.startswith("[PRAW] Is there an easy way of getting a list of t")
    assert submission.posted_at == datetime.fromtimestamp(
        submission.raw["data"]["created_utc"], UTC
    )
    comment = next(p for p in page.posts if p.external_id == COMMENT)
    assert (comment.likes, comment.author_handle) == (23, "preppypuppy")
    assert comment.conversation_id == "t3_4r4inc"
    assert page.rejected == []
    assert page.next_cursor == {}
    assert (page.rate_limit.remaining, page.rate_limit.limit) == (575, 600)
    assert before + timedelta(seconds=142) <= page.rate_limit.reset_at
    assert page.rate_limit.reset_at <= datetime.now(UTC) + timedelta(seconds=144)


def _listing_for_requested_ids(request):
    names = request.params["id"].split(",")
    children = [
        {"kind": "t3", "data": {"id": n[3:], "name": n, "title": n, "created_utc": 1467590690}}
        for n in names
    ]
    return 200, {}, json.dumps({"kind": "Listing", "data": {"children": children, "after": None}})


def test_reddit_lookup_batches_fullnames_by_one_hundred(http):
    names = [f"t3_{n:06d}" for n in range(130)]
    http.add_callback("GET", INFO_URL, callback=_listing_for_requested_ids)

    page = make_client().lookup([*names, names[5]])  # a repeat is asked for once

    first, second = info_calls(http)
    assert first.request.params["id"].split(",") == names[:100]
    assert second.request.params["id"].split(",") == names[100:]
    assert sorted(p.external_id for p in page.posts) == names


def test_reddit_lookup_of_nothing_sends_nothing(http):
    http.assert_all_requests_are_fired = False  # not even the token request

    page = make_client().lookup([])

    assert (page.posts, page.next_cursor, page.rejected) == ([], {}, [])
    assert len(http.calls) == 0


def test_reddit_lookup_rejects_a_malformed_item_and_keeps_the_rest(http):
    body = load("lookup_info.json")
    del body["data"]["children"][3]["data"]["created_utc"]  # the live comment
    http.get(INFO_URL, json=body)

    page = make_client().lookup(ALL_IDS)

    assert [p.external_id for p in page.posts] == [SUBMISSION]
    assert [r.reason for r in page.rejected] == ["created_utc: missing"]
    assert json.loads(page.rejected[0].raw)["data"]["name"] == COMMENT


def test_reddit_lookup_raises_rate_limited_on_429(http):
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "600", "x-ratelimit-reset": "143"}
    http.get(INFO_URL, status=429, headers=headers, body="Too Many Requests")

    with pytest.raises(PlatformRateLimited) as caught:
        make_client().lookup([SUBMISSION])

    assert caught.value.retry_after == 143.0


def test_reddit_lookup_raises_unavailable_on_503(http):
    # prawcore retries a 503 twice (sleeping 0-2 s, then 2-4 s) before giving up.
    http.get(INFO_URL, status=503, body="")

    with pytest.raises(PlatformUnavailable):
        make_client().lookup([SUBMISSION])

    assert len(info_calls(http)) == 3


def test_reddit_lookup_raises_unavailable_on_timeout(http):
    http.get(INFO_URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(PlatformUnavailable):
        make_client().lookup([SUBMISSION])


def test_reddit_lookup_raises_auth_error_on_401(http):
    # What Reddit sends for a token it no longer accepts; prawcore retries, then gives up.
    refused = {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}
    http.get(INFO_URL, status=401, headers=refused, json={"message": "Unauthorized", "error": 401})

    with pytest.raises(PlatformAuthError):
        make_client().lookup([SUBMISSION])


def test_reddit_lookup_raises_auth_error_on_403(http):
    http.get(INFO_URL, status=403, json={"message": "Forbidden", "error": 403})

    with pytest.raises(PlatformAuthError):
        make_client().lookup([SUBMISSION])


@pytest.mark.parametrize(
    ("reply", "field"),
    [({"body": "<html>"}, "body: not JSON"), ({"json": {"kind": "Listing"}}, r"data\.children")],
)
def test_reddit_lookup_raises_bad_payload_for_a_garbage_response(http, reply, field):
    http.get(INFO_URL, **reply)

    with pytest.raises(PlatformBadPayload, match=field):
        make_client().lookup([SUBMISSION])
