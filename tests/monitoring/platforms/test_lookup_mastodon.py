"""MastodonClient.lookup (GET /api/v1/statuses?id[]=, else /api/v1/statuses/:id) with `responses`.

`lookup_statuses.json` (tests/fixtures/platforms/mastodon/) is what the batch endpoint
(Mastodon 4.3+, https://docs.joinmastodon.org/methods/statuses/#index) returns for the
statuses of `tag_banknoord.json` a while later: an array of Status with higher counts. The
middle status of that file has been deleted since, so the array leaves it out; asked for one
by one, a deleted status is a 404 (https://docs.joinmastodon.org/methods/statuses/#get).
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from monitoring.platforms import mastodon
from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "mastodon"
INSTANCE = "https://mastodon.social"
STATUSES_URL = f"{INSTANCE}/api/v1/statuses"
LIMITS = {
    "X-RateLimit-Limit": "300",
    "X-RateLimit-Remaining": "296",
    "X-RateLimit-Reset": "2026-11-25T12:35:00.000Z",
}
# A and C still exist; B (a remote status) was deleted after it was first seen.
A, B, C = "117676922363648555", "117676904939788843", "117676891669273131"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def client(**credentials) -> mastodon.MastodonClient:
    return mastodon.build({"instance": INSTANCE, "hashtags": ["banknoord"]}, credentials)


def requested_ids(call) -> list[str]:
    return parse_qs(urlsplit(call.request.url).query).get("id[]", [])


@pytest.fixture
def http():
    with responses.RequestsMock() as mock:
        yield mock


def test_mastodon_lookup_maps_fresh_counts_and_leaves_deleted_statuses_out(http):
    http.get(STATUSES_URL, json=load("lookup_statuses.json"), headers=LIMITS)

    page = client(access_token="t0k").lookup([A, B, C])

    (call,) = http.calls
    assert requested_ids(call) == [A, B, C]
    assert call.request.headers["Authorization"] == "Bearer t0k"
    assert call.request.req_kwargs["timeout"] == mastodon.DEFAULT_TIMEOUT
    assert [p.external_id for p in page.posts] == [A, C]
    lisa, jeroen = page.posts
    assert (lisa.likes, lisa.reposts, lisa.replies, lisa.quotes) == (356, 187, 41, 22)
    assert (lisa.author_handle, lisa.author_followers) == ("lisa_devries@mastodon.social", 1902)
    assert lisa.url == f"https://mastodon.social/@lisa_devries/{A}"
    assert lisa.hashtags == ("banknoord",)
    assert (jeroen.likes, jeroen.reposts, jeroen.replies) == (64, 15, 9)
    assert page.rejected == []
    assert page.next_cursor == {}
    assert (page.rate_limit.remaining, page.rate_limit.limit) == (296, 300)
    assert page.rate_limit.reset_at == datetime(2026, 11, 25, 12, 35, tzinfo=UTC)


def _statuses_for_requested_ids(request):
    lisa = load("lookup_statuses.json")[0]
    ids = parse_qs(urlsplit(request.url).query)["id[]"]
    return 200, {}, json.dumps([{**lisa, "id": status_id} for status_id in ids])


def test_mastodon_lookup_batches_ids_by_twenty(http):
    ids = [str(117676800000000000 + n) for n in range(45)]
    http.add_callback("GET", STATUSES_URL, callback=_statuses_for_requested_ids)

    page = client().lookup([*ids, ids[0]])  # a repeat is asked for once

    assert [requested_ids(call) for call in http.calls] == [ids[:20], ids[20:40], ids[40:]]
    assert [p.external_id for p in page.posts] == ids


def test_mastodon_lookup_falls_back_to_one_request_per_status_before_4_3(http):
    others = [str(117676800000000000 + n) for n in range(19)]  # 22 ids: two batches
    http.get(STATUSES_URL, status=404, json={"error": "Record not found"})
    a, c = load("lookup_statuses.json")
    http.get(f"{STATUSES_URL}/{A}", json=a)
    http.get(f"{STATUSES_URL}/{C}", json=c)
    for status_id in [B, *others]:
        http.get(f"{STATUSES_URL}/{status_id}", status=404, json={"error": "Record not found"})

    page = client().lookup([A, B, C, *others])

    batch_calls = [call for call in http.calls if call.request.url.split("?")[0] == STATUSES_URL]
    assert len(batch_calls) == 1  # the server has no batch endpoint: not asked again
    assert len(http.calls) == 1 + 22
    assert [p.external_id for p in page.posts] == [A, C]
    assert page.posts[0].likes == 356
    assert page.rejected == []


def test_mastodon_lookup_of_nothing_sends_nothing(http):
    page = client().lookup([])

    assert (page.posts, page.next_cursor, page.rejected) == ([], {}, [])
    assert len(http.calls) == 0


def test_mastodon_lookup_rejects_a_malformed_status_and_keeps_the_rest(http):
    a, c = load("lookup_statuses.json")
    del c["account"]
    http.get(STATUSES_URL, json=[a, c])

    page = client().lookup([A, C])

    assert [p.external_id for p in page.posts] == [A]
    assert page.rejected[0].reason == f"status {C}: missing field 'account'"
    assert json.loads(page.rejected[0].raw)["id"] == C


def test_mastodon_lookup_raises_rate_limited_until_the_reset_header(http):
    reset = datetime.now(UTC) + timedelta(seconds=300)
    headers = {**LIMITS, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset.isoformat()}
    http.get(STATUSES_URL, status=429, json={"error": "Too many requests"}, headers=headers)

    with pytest.raises(PlatformRateLimited) as caught:
        client().lookup([A])

    assert caught.value.retry_after == pytest.approx(300, abs=2)


@pytest.mark.parametrize(
    "failure", [{"status": 503}, {"body": requests.exceptions.ReadTimeout("read timed out")}]
)
def test_mastodon_lookup_raises_unavailable_on_5xx_and_timeout(http, failure):
    http.get(STATUSES_URL, **failure)

    with pytest.raises(PlatformUnavailable, match="statuses"):
        client().lookup([A])


@pytest.mark.parametrize("status", [401, 403])
def test_mastodon_lookup_raises_auth_error_on_401_and_403(http, status):
    http.get(STATUSES_URL, status=status, json={"error": "The access token is invalid"})

    with pytest.raises(PlatformAuthError, match="access token is invalid"):
        client(access_token="old").lookup([A])


@pytest.mark.parametrize(
    ("reply", "field"),
    [
        ({"body": "<html>Bad gateway</html>"}, "not JSON"),
        ({"json": {"error": "nope"}}, "JSON array"),
    ],
)
def test_mastodon_lookup_raises_bad_payload_for_a_garbage_response(http, reply, field):
    http.get(STATUSES_URL, **reply)

    with pytest.raises(PlatformBadPayload, match=field):
        client().lookup([A])
