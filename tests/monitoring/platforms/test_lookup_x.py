"""XClient.lookup (GET /2/tweets?ids=) at the HTTP boundary.

`REAL` is tweepy's own recording of `get_tweets([...])` (tests/cassettes/x/, PROVENANCE.md):
real ids, texts and rate-limit headers, but no fields, because tweepy asked for none.
`lookup_tweets.json` (tests/fixtures/platforms/x/) is the same two tweets in X's documented
lookup shape with the fields our client asks for: `data`, `includes.users` and, for an id that
no longer exists, an `errors` entry of type resource-not-found. Its counts and authors are
synthetic.
"""

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import vcr

from monitoring.platforms import x
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
    RateLimit,
)
from tests.monitoring.platforms import CASSETTES, recorded

REAL = "x/test_client_get_tweets.yaml"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "x"
LOOKUP_URL = "https://api.twitter.com/2/tweets"
LAUNCH, EARLY_ACCESS = "1293593516040269825", "1293595870563381249"
DELETED = "1578515564971970560"  # in the search recording, gone since: X answers "Not Found"


def make_client() -> x.XClient:
    return x.build({}, {"bearer_token": "test-token"})


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def sent_ids(call) -> list[str]:
    return call.request.params["ids"].split(",")


def _ids_matcher(r1, r2) -> None:
    ids = [parse_qs(urlsplit(r.uri).query).get("ids") for r in (r1, r2)]
    assert ids[0] == ids[1], "ids differ"


def real_vcr() -> vcr.VCR:
    # tweepy recorded the ids alone; we also send fields and expansions, so match on ids only.
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="none",
        decode_compressed_response=True,  # gzip bodies under urllib3 2 (kevin1024/vcrpy#719)
        match_on=["method", "scheme", "host", "path", "ids"],
    )
    recorder.register_matcher("ids", _ids_matcher)
    return recorder


def test_x_lookup_replays_the_real_recording_and_rejects_tweets_without_created_at():
    with real_vcr().use_cassette(REAL) as cassette:
        page = make_client().lookup([LAUNCH, EARLY_ACCESS])
    assert cassette.play_count == 1
    # tweepy asked for no fields, so created_at (which every post needs) is not there.
    assert page.posts == []
    assert [r.reason for r in page.rejected] == ["created_at: missing"] * 2
    first = json.loads(page.rejected[0].raw)
    assert first["id"] == LAUNCH
    assert first["text"].endswith(
        "only the beginning.\n\nhttps://t.co/32VrwpGaJw https://t.co/KaFSbjWUA8"
    )
    assert page.next_cursor == {}
    assert page.rate_limit == RateLimit(
        remaining=298, limit=300, reset_at=datetime(2022, 10, 7, 22, 53, 48, tzinfo=UTC)
    )


@responses.activate
def test_x_lookup_maps_a_recorded_tweet_whose_optional_fields_are_missing():
    real = recorded(REAL)
    body = real.json()
    for tweet, created_at in zip(
        body["data"], ["2020-08-12T17:01:42.000Z", "2020-08-12T17:11:04.000Z"], strict=True
    ):
        tweet["created_at"] = created_at  # the real time, decoded from the Snowflake id
    real.register(responses.mock, "GET", LOOKUP_URL, body=json.dumps(body))
    page = make_client().lookup([LAUNCH, EARLY_ACCESS])
    assert [p.external_id for p in page.posts] == [LAUNCH, EARLY_ACCESS]
    assert page.rejected == []
    launch = page.posts[0]
    assert launch.text == body["data"][0]["text"]
    assert launch.posted_at == datetime(2020, 8, 12, 17, 1, 42, tzinfo=UTC)
    assert launch.url == f"https://x.com/i/web/status/{LAUNCH}"  # no author expanded
    assert (launch.author_handle, launch.author_followers, launch.author_created_at) == (
        "",
        0,
        None,
    )
    assert (launch.likes, launch.reposts, launch.replies, launch.quotes) == (0, 0, 0, 0)
    assert launch.views is None
    assert (launch.language, launch.conversation_id, launch.hashtags, launch.urls) == (
        "",
        "",
        (),
        (),
    )
    assert page.rate_limit.remaining == 298


@responses.activate
def test_x_lookup_maps_fresh_counts_and_leaves_deleted_tweets_out():
    responses.add("GET", LOOKUP_URL, json=load("lookup_tweets.json"))
    page = make_client().lookup([LAUNCH, DELETED, EARLY_ACCESS])
    (call,) = responses.calls
    assert sent_ids(call) == [LAUNCH, DELETED, EARLY_ACCESS]
    # The fields and expansions of search, so the mapping is the same.
    assert call.request.params["expansions"] == "author_id,referenced_tweets.id"
    assert call.request.params["tweet.fields"] == ",".join(x.TWEET_FIELDS)
    assert call.request.params["user.fields"] == ",".join(x.USER_FIELDS)
    assert call.request.headers["Authorization"] == "Bearer test-token"
    assert call.request.req_kwargs["timeout"] == x.TIMEOUT_SECONDS
    assert [p.external_id for p in page.posts] == [LAUNCH, EARLY_ACCESS]
    assert page.rejected == []
    assert page.next_cursor == {}
    launch, early = page.posts
    assert (launch.likes, launch.reposts, launch.replies, launch.quotes, launch.views) == (
        9780,
        2311,
        412,
        655,
        1450233,
    )
    assert (launch.author_handle, launch.author_followers) == ("fixture_newsroom", 120871)
    assert launch.url == f"https://x.com/fixture_newsroom/status/{LAUNCH}"
    assert launch.hashtags == ("TwitterAPI",)
    assert launch.urls == ("https://developer.example/twitter-api-v2",)
    assert (early.likes, early.reposts, early.views) == (188, 40, 30120)
    assert early.quote_of == LAUNCH
    assert early.hashtags == ("TwitterAPI", "EarlyAccess", "VersionBump")


def _tweets_for_requested_ids(request):
    ids = parse_qs(urlsplit(request.url).query)["ids"][0].split(",")
    data = [{"id": i, "text": f"tweet {i}", "created_at": "2022-10-07T22:40:12.000Z"} for i in ids]
    return 200, {}, json.dumps({"data": data})


@responses.activate
def test_x_lookup_batches_ids_by_one_hundred():
    ids = [str(1578516068309794817 - n * 4096) for n in range(130)]
    responses.add_callback("GET", LOOKUP_URL, callback=_tweets_for_requested_ids)
    page = make_client().lookup([*ids, ids[0], ids[129]])  # repeats are asked for once
    first, second = responses.calls
    assert sent_ids(first) == ids[:100]
    assert sent_ids(second) == ids[100:]
    assert [p.external_id for p in page.posts] == ids


@responses.activate
def test_x_lookup_of_nothing_sends_nothing():
    page = make_client().lookup([])
    assert (page.posts, page.next_cursor, page.rejected) == ([], {}, [])
    assert len(responses.calls) == 0


@responses.activate
def test_x_lookup_when_every_id_is_gone_returns_an_empty_page():
    body = load("lookup_tweets.json")
    responses.add("GET", LOOKUP_URL, json={"errors": body["errors"]})
    page = make_client().lookup([DELETED])
    assert (page.posts, page.rejected) == ([], [])


@responses.activate
def test_x_lookup_rejects_a_malformed_tweet_and_keeps_the_rest():
    body = load("lookup_tweets.json")
    body["data"][0]["public_metrics"]["like_count"] = "9.7K"
    responses.add("GET", LOOKUP_URL, json=body)
    page = make_client().lookup([LAUNCH, EARLY_ACCESS])
    assert [p.external_id for p in page.posts] == [EARLY_ACCESS]
    assert [r.reason for r in page.rejected] == ["public_metrics.like_count: not a count ('9.7K')"]
    assert json.loads(page.rejected[0].raw)["id"] == LAUNCH


@responses.activate
def test_x_lookup_raises_rate_limited_with_retry_after_from_reset_header():
    reset = str(int(time.time()) + 630)
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
    responses.add("GET", LOOKUP_URL, status=429, headers=headers, json={"title": "Too Many"})
    with pytest.raises(PlatformRateLimited) as caught:
        make_client().lookup([LAUNCH])
    assert caught.value.retry_after == pytest.approx(630, abs=2)


@responses.activate
def test_x_lookup_rate_limited_on_a_later_batch_returns_no_half_page():
    ids = [str(1578516068309794817 - n * 4096) for n in range(101)]
    # When several registrations match, responses serves them in order: 200, then 429.
    responses.add_callback("GET", LOOKUP_URL, callback=_tweets_for_requested_ids)
    responses.add("GET", LOOKUP_URL, status=429, json={"title": "Too Many Requests"})
    with pytest.raises(PlatformRateLimited) as caught:
        make_client().lookup(ids)
    assert len(responses.calls) == 2
    assert caught.value.retry_after == x.DEFAULT_RETRY_AFTER


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "body": ""},
        {"status": 500, "body": ""},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.ConnectionError()},
    ],
)
@responses.activate
def test_x_lookup_raises_unavailable_on_server_error_or_timeout(failure):
    responses.add("GET", LOOKUP_URL, **failure)
    with pytest.raises(PlatformUnavailable):
        make_client().lookup([LAUNCH])


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_x_lookup_raises_auth_error_on_401_and_403(status):
    body = {"title": "Unauthorized", "status": status, "detail": "Unauthorized"}
    responses.add("GET", LOOKUP_URL, status=status, json=body)
    with pytest.raises(PlatformAuthError):
        make_client().lookup([LAUNCH])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("<html>upstream</html>", "body: not JSON"),
        ("[]", "body: not a JSON object"),
        ("{}", "data: missing"),
        ('{"data": {"id": "1"}}', "data: not a list"),
    ],
)
@responses.activate
def test_x_lookup_raises_bad_payload_when_the_envelope_is_wrong(body, field):
    responses.add("GET", LOOKUP_URL, body=body, content_type="application/json")
    with pytest.raises(PlatformBadPayload, match=field):
        make_client().lookup([LAUNCH])


@responses.activate
def test_x_lookup_bad_request_names_the_rejected_parameter():
    error = {
        "errors": [{"parameters": {"ids": ["not-an-id"]}, "message": "The `ids` is not valid"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
    }
    responses.add("GET", LOOKUP_URL, status=400, json=error)
    with pytest.raises(PlatformBadPayload, match=r"request\.ids"):
        make_client().lookup(["not-an-id"])


@pytest.mark.parametrize("code", ["und", "qme", "qht", "zxx"])
@responses.activate
def test_x_language_codes_naming_no_language_are_left_for_our_detection(code):
    body = load("lookup_tweets.json")
    body["data"][0]["lang"] = code
    body["data"][1]["lang"] = "nl"
    responses.add("GET", LOOKUP_URL, json=body)
    page = make_client().lookup([LAUNCH, EARLY_ACCESS])
    assert [p.language for p in page.posts] == ["", "nl"]
