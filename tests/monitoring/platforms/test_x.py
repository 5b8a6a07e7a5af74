"""XClient against recorded X API v2 responses (tests/cassettes/x/, see PROVENANCE.md).

`REAL` is tweepy's own recording of `search_recent_tweets("Tweepy")`: real ids, texts, meta and
rate-limit headers, but no fields (tweepy asked for none). `EXPANDED` is generated from it with
the fields our client asks for; its authors and counts are synthetic, its `created_at` values
are the tweets' real creation times decoded from their Snowflake ids.
"""

import json
from datetime import UTC, datetime

import pytest
import requests
import responses

from monitoring.platforms import x
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
    RateLimit,
)
from tests.monitoring.platforms import recorded, x_vcr

REAL = "x/test_client_search_recent_tweets.yaml"
EXPANDED = "x/search_recent_expanded.yaml"
SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent"
NOW = datetime(2022, 10, 7, 22, 43, 19, tzinfo=UTC)  # the recording's Date header
SINCE_ID = "1578510000000000000"
NEWEST_ID = "1578516068309794817"
NEXT_TOKEN = "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"
RECORDED_IDS = [
    "1578516068309794817",
    "1578515564971970560",
    "1578515061600964608",
    "1578514558372618243",
    "1578514055010324480",
    "1578513551664173057",
    "1578513048372797440",
    "1578512545039585281",
    "1578512041748627456",
    "1578511538419212288",
]


def make_client(**settings) -> x.XClient:
    return x.build(settings, {"bearer_token": "test-token"})


def test_x_client_maps_search_page_to_normalized_posts():
    with x_vcr(strict=True).use_cassette(EXPANDED) as cassette:
        page = make_client().fetch(cursor={"since_id": SINCE_ID}, now=NOW, limit=10, query="Tweepy")
    # Strict matching: the request carried exactly our fields, expansions and since_id.
    assert cassette.play_count == 1
    assert [p.external_id for p in page.posts] == RECORDED_IDS
    assert page.rejected == []
    first = page.posts[0]
    assert first.platform == "x"
    assert first.text == "2022-10-07 22:42:12.637103 tweepy #tweepy https://t.co/fixture01"
    assert first.posted_at == datetime(2022, 10, 7, 22, 42, 12, 752000, tzinfo=UTC)
    assert first.url == f"https://x.com/fixture_newsroom/status/{NEWEST_ID}"
    assert (first.author_handle, first.author_name) == ("fixture_newsroom", "Fixture Newsroom")
    assert (first.author_followers, first.author_verified) == (120345, True)
    assert first.author_created_at == datetime(2010, 3, 1, 9, 0, tzinfo=UTC)
    assert (first.likes, first.reposts, first.replies, first.quotes, first.views) == (
        3,
        0,
        0,
        0,
        40,
    )
    assert first.language == "en"
    assert first.urls == ("https://github.com/tweepy/tweepy",)
    assert first.hashtags == ("tweepy",)
    assert first.conversation_id == NEWEST_ID
    assert first.raw["id"] == NEWEST_ID
    reply = page.posts[1]
    assert reply.text == "2022-10-07 22:40:12.640354 tweepy"
    assert (reply.author_handle, reply.author_followers, reply.author_verified) == (
        "fixture_citizen",
        87,
        False,
    )
    assert (reply.likes, reply.reposts, reply.replies, reply.views) == (8, 2, 1, 140)
    assert reply.reply_to == reply.conversation_id == RECORDED_IDS[2]
    assert page.posts[3].quote_of == RECORDED_IDS[4]
    assert page.posts[5].repost_of == RECORDED_IDS[6]
    assert page.posts[9].language == ""  # X's "und": undetermined


def test_x_client_holds_since_id_until_every_page_of_the_run_is_read():
    client = make_client()
    with x_vcr(strict=True).use_cassette(EXPANDED) as cassette:
        first = client.fetch(cursor={"since_id": SINCE_ID}, now=NOW, limit=10, query="Tweepy")
        assert first.next_cursor == {
            "since_id": SINCE_ID,
            "next_token": NEXT_TOKEN,
            "pending_since_id": NEWEST_ID,
        }
        # Matches only if since_id and next_token both went out with the second request.
        second = client.fetch(cursor=first.next_cursor, now=NOW, limit=10, query="Tweepy")
    assert cassette.all_played
    assert second.posts == []
    assert second.next_cursor == {
        "since_id": NEWEST_ID,
        "next_token": None,
        "pending_since_id": None,
    }
    assert second.rate_limit.remaining == 447


def test_x_client_first_poll_starts_at_newest_page_without_paging():
    with x_vcr(strict=False).use_cassette(REAL) as cassette:
        page = make_client().fetch(cursor={}, now=NOW, limit=10, query="Tweepy")
    assert cassette.play_count == 1
    assert page.next_cursor == {"since_id": NEWEST_ID, "next_token": None, "pending_since_id": None}


def test_x_client_rejects_recorded_tweets_that_lack_requested_fields():
    with x_vcr(strict=False).use_cassette(REAL):
        page = make_client().fetch(cursor={}, now=NOW, limit=10, query="Tweepy")
    assert page.posts == []
    assert [r.reason for r in page.rejected] == ["created_at: missing"] * 10
    assert json.loads(page.rejected[0].raw) == {
        "edit_history_tweet_ids": [NEWEST_ID],
        "id": NEWEST_ID,
        "text": "2022-10-07 22:42:12.637103 tweepy",
    }


def test_x_client_reports_recorded_rate_limit_headers():
    with x_vcr(strict=False).use_cassette(REAL):
        page = make_client().fetch(cursor={}, now=NOW, limit=10, query="Tweepy")
    assert page.rate_limit == RateLimit(
        remaining=448, limit=450, reset_at=datetime(2022, 10, 7, 22, 53, 49, tzinfo=UTC)
    )


@responses.activate
def test_x_client_rejects_tweet_without_created_at_and_keeps_the_rest():
    page_one = recorded(EXPANDED)
    body = page_one.json()
    del body["data"][3]["created_at"]
    page_one.register(responses.mock, "GET", SEARCH_URL, body=json.dumps(body))
    page = make_client().fetch(cursor={"since_id": SINCE_ID}, now=NOW, limit=10, query="Tweepy")
    assert [p.external_id for p in page.posts] == RECORDED_IDS[:3] + RECORDED_IDS[4:]
    assert [r.reason for r in page.rejected] == ["created_at: missing"]
    assert json.loads(page.rejected[0].raw)["id"] == RECORDED_IDS[3]
    assert page.next_cursor["pending_since_id"] == NEWEST_ID


@responses.activate
def test_x_client_sends_since_id_bearer_token_and_timeout():
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL)
    cursor = {"since_id": SINCE_ID, "next_token": None, "pending_since_id": None}
    make_client().fetch(cursor=cursor, now=NOW, limit=100, query="Tweepy")
    (call,) = responses.calls
    assert call.request.params["query"] == "Tweepy"
    assert call.request.params["since_id"] == SINCE_ID
    assert call.request.params["max_results"] == "100"
    assert "next_token" not in call.request.params
    assert call.request.headers["Authorization"] == "Bearer test-token"
    assert call.request.req_kwargs["timeout"] == x.TIMEOUT_SECONDS


@pytest.mark.parametrize(("limit", "max_results"), [(5, "10"), (50, "50"), (500, "100")])
@responses.activate
def test_x_client_keeps_max_results_within_x_page_sizes(limit, max_results):
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL)
    make_client().fetch(cursor={}, now=NOW, limit=limit, query="Tweepy")
    assert responses.calls[0].request.params["max_results"] == max_results


@responses.activate
def test_x_client_wraps_query_in_parentheses_before_the_suffix():
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL)
    client = make_client(query_suffix=" -is:retweet lang:nl")
    client.fetch(cursor={}, now=NOW, query="brand OR merk")
    assert responses.calls[0].request.params["query"] == "(brand OR merk) -is:retweet lang:nl"


@responses.activate
def test_x_client_without_query_sends_nothing():
    cursor = {"since_id": NEWEST_ID, "next_token": None, "pending_since_id": None}
    page = make_client().fetch(cursor=cursor, now=NOW, query="")
    assert page.posts == []
    assert page.next_cursor == cursor
    assert len(responses.calls) == 0


@responses.activate
def test_x_client_accepts_empty_result_without_data():
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL, body='{"meta": {"result_count": 0}}')
    cursor = {"since_id": NEWEST_ID, "next_token": None, "pending_since_id": None}
    page = make_client().fetch(cursor=cursor, now=NOW, query="Tweepy")
    assert page.posts == []
    assert page.next_cursor == cursor


@responses.activate
def test_x_client_raises_rate_limited_with_retry_after_from_reset_header():
    too_many = '{"title":"Too Many Requests","detail":"Too Many Requests","status":429}'
    recorded(REAL).register(
        responses.mock,
        "GET",
        SEARCH_URL,
        status=429,
        headers={"x-rate-limit-remaining": "0"},
        body=too_many,
    )
    with pytest.raises(PlatformRateLimited) as caught:
        make_client().fetch(cursor={}, now=NOW, query="Tweepy")
    # x-rate-limit-reset 1665183229 is 630 s after the recording's Date (NOW).
    assert caught.value.retry_after == 630


@responses.activate
def test_x_client_rate_limited_without_reset_header_waits_the_default():
    responses.add("GET", SEARCH_URL, status=429, json={"title": "Too Many Requests"})
    with pytest.raises(PlatformRateLimited) as caught:
        make_client().fetch(cursor={}, now=NOW, query="Tweepy")
    assert caught.value.retry_after == x.DEFAULT_RETRY_AFTER


@pytest.mark.parametrize("status", [500, 503])
@responses.activate
def test_x_client_raises_unavailable_on_server_error(status):
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL, status=status, body="")
    with pytest.raises(PlatformUnavailable):
        make_client().fetch(cursor={}, now=NOW, query="Tweepy")


@pytest.mark.parametrize(
    "failure", [requests.exceptions.ReadTimeout("read timed out"), requests.ConnectionError()]
)
@responses.activate
def test_x_client_raises_unavailable_on_timeout_or_connection_error(failure):
    responses.add("GET", SEARCH_URL, body=failure)
    with pytest.raises(PlatformUnavailable):
        make_client().fetch(cursor={}, now=NOW, query="Tweepy")


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_x_client_raises_auth_error_on_401_and_403(status):
    body = json.dumps({"title": "Unauthorized", "status": status, "detail": "Unauthorized"})
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL, status=status, body=body)
    with pytest.raises(PlatformAuthError):
        make_client().fetch(cursor={}, now=NOW, query="Tweepy")


@responses.activate
def test_x_client_raises_bad_payload_on_body_that_is_not_json():
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL, body="<html>upstream</html>")
    with pytest.raises(PlatformBadPayload, match="body: not JSON"):
        make_client().fetch(cursor={}, now=NOW, query="Tweepy")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"meta": {"result_count": 10, "newest_id": NEWEST_ID}}, "data: missing"),
        ({"data": [{"id": NEWEST_ID, "text": "hi"}]}, "meta: missing"),
        ({"data": {"id": NEWEST_ID}, "meta": {"result_count": 1}}, "data: not a list"),
        ([], "body: not a JSON object"),
    ],
)
@responses.activate
def test_x_client_raises_bad_payload_when_the_envelope_is_wrong(body, field):
    recorded(REAL).register(responses.mock, "GET", SEARCH_URL, body=json.dumps(body))
    with pytest.raises(PlatformBadPayload, match=field):
        make_client().fetch(cursor={}, now=NOW, query="Tweepy")


@responses.activate
def test_x_client_bad_request_names_the_rejected_parameter():
    error = {
        "errors": [
            {
                "parameters": {"since_id": [SINCE_ID]},
                "message": "Invalid 'since_id': must be a tweet id created in the last 7 days",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
    }
    responses.add("GET", SEARCH_URL, status=400, json=error)
    with pytest.raises(PlatformBadPayload, match=r"request\.since_id"):
        make_client().fetch(cursor={"since_id": SINCE_ID}, now=NOW, query="Tweepy")


def test_x_build_requires_a_bearer_token():
    with pytest.raises(PlatformAuthError, match="bearer_token"):
        x.build({}, {})
