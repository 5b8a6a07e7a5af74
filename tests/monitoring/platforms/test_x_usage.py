"""X monthly read quota (GET /2/usage/tweets), at the HTTP boundary.

The fixture follows the documented response of X API v2 "Usage" (docs.x.com, GET
/2/usage/tweets: data.project_usage, data.project_cap, data.cap_reset_day); tweepy's own
cassettes have no recording of it.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from monitoring.platforms.base import PlatformBadPayload, PlatformRateLimited
from monitoring.platforms.x import build

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "platforms" / "x"
USAGE = "https://api.twitter.com/2/usage/tweets"
SEARCH = "https://api.twitter.com/2/tweets/search/recent"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _client():
    return build({}, {"bearer_token": "test-bearer"})


@responses.activate
def test_x_usage_reads_the_monthly_quota():
    responses.add(responses.GET, USAGE, body=(FIXTURE / "usage_tweets.json").read_text())
    quota = _client().usage(now=NOW)
    assert (quota.used, quota.cap, quota.reset_day) == (4321, 10000, 19)
    assert responses.calls[0].request.headers["Authorization"] == "Bearer test-bearer"


@responses.activate
def test_x_usage_errors_are_platform_errors():
    responses.add(responses.GET, USAGE, json={"data": {"project_cap": "10"}})
    with pytest.raises(PlatformBadPayload, match=r"usage\.data"):
        _client().usage(now=NOW)
    reset = int((NOW + timedelta(minutes=5)).timestamp())
    responses.replace(
        responses.GET, USAGE, status=429, json={}, headers={"x-rate-limit-reset": str(reset)}
    )
    with pytest.raises(PlatformRateLimited) as info:
        _client().usage(now=NOW)
    assert info.value.retry_after == pytest.approx(300, abs=1)


def _x_source_polled_once(ws):
    """An X source of `ws`, polled once at NOW: no posts, the usage fixture's quota."""
    from monitoring.services import source_create, source_poll

    source = source_create(
        workspace_id=ws.pk, name="X", platform="x", settings={}, interval=60,
        credentials={"bearer_token": "test-bearer"},
    )  # fmt: skip
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    responses.add(responses.GET, USAGE, body=(FIXTURE / "usage_tweets.json").read_text())
    source_poll(source=source, now=NOW)
    return source


@pytest.mark.django_db
@responses.activate
def test_x_source_poll_stores_the_quota_at_most_hourly():
    from monitoring.models import Source, WatchTerm
    from monitoring.services import source_poll
    from tests.factories import WorkspaceFactory

    ws = WorkspaceFactory()
    WatchTerm.objects.create(workspace=ws, query='"Bank Noord"')
    source = _x_source_polled_once(ws)
    source = Source.objects.get(pk=source.pk)
    assert source.quota["used"] == 4321
    assert source.quota["cap"] == 10000
    source_poll(source=source, now=NOW + timedelta(minutes=10))
    assert len([c for c in responses.calls if c.request.url.startswith(USAGE)]) == 1
    assert json.loads(json.dumps(source.quota))  # plain JSON for the API


@pytest.mark.django_db
@responses.activate
def test_sources_page_shows_the_monthly_read_quota(client, make_member):

    member = make_member(role="admin")
    ws = member.memberships.get().workspace
    _x_source_polled_once(ws)
    client.force_login(member)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/w/{ws.slug}/sources/").content.decode()
    assert "Monthly reads: 4321 of 10000 (resets on day 19)" in page
