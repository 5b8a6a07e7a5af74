"""A page whose whole body is not JSON: its raw body is kept as a dead letter with the reason,
and the poll is retried after the backoff like an outage. Platforms answer through `responses`
at the HTTP boundary (Reddit's token from praw's recording)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import responses
from django.utils import timezone

from monitoring.credentials import credentials_encrypt
from monitoring.models import DeadLetter, Mention, Source, WatchTerm
from monitoring.platforms.base import PlatformBadPayload
from monitoring.services import source_poll
from tests.factories import SourceFactory, WorkspaceFactory
from tests.monitoring.platforms import recorded

pytestmark = pytest.mark.django_db(transaction=True)

KEPT = 100_000  # characters of a body kept in a dead letter
FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "platforms" / "news"

GATEWAY_PAGE = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
X_SEARCH = "https://api.twitter.com/2/tweets/search/recent"
MASTODON_TAG = "https://mastodon.example/api/v1/timelines/tag/banknoord"
BLUESKY_SEARCH = "https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts"
REDDIT_TOKEN = "https://www.reddit.com/api/v1/access_token"
REDDIT_SEARCH = "https://oauth.reddit.com/r/askreddit/search/"

PLATFORMS = {
    "x": ({}, {"bearer_token": "test-token"}, X_SEARCH),
    "mastodon": ({"instance": "https://mastodon.example", "hashtags": ["banknoord"]}, {}, None),
    "bluesky": ({}, {}, BLUESKY_SEARCH),
    "reddit": ({"subreddits": ["askreddit"]}, {"client_id": "i", "client_secret": "s"}, None),
}


def _source(platform: str) -> Source:
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query="Bank Noord")
    settings, credentials, _url = PLATFORMS[platform]
    return SourceFactory(
        workspace=workspace,
        platform=platform,
        settings=settings,
        credentials_encrypted=credentials_encrypt(credentials),
    )


def _serve(platform: str, body: str) -> None:
    if platform == "reddit":
        recorded("reddit/TestSubreddit.test_search.json", 0).register(
            responses.mock, "POST", REDDIT_TOKEN
        )
    url = {"mastodon": MASTODON_TAG, "reddit": REDDIT_SEARCH}.get(platform) or PLATFORMS[platform][
        2
    ]
    responses.add("GET", url, body=body, status=200, content_type="text/html")


@pytest.mark.parametrize("platform", list(PLATFORMS))
@responses.activate
def test_a_page_that_is_not_json_is_dead_lettered_and_retried_after_a_backoff(platform):
    source = _source(platform)
    _serve(platform, GATEWAY_PAGE)
    before = timezone.now()
    with pytest.raises(PlatformBadPayload, match="not JSON"):
        source_poll(source=source)
    letter = DeadLetter.objects.get(source=source)
    assert "not JSON" in letter.reason
    assert letter.raw == GATEWAY_PAGE
    assert (letter.workspace_id, letter.platform) == (source.workspace_id, platform)
    source.refresh_from_db()
    assert source.health == Source.Health.LAGGING
    assert source.consecutive_failures == 1
    assert source.next_poll_at >= before + timedelta(seconds=30)


@responses.activate
def test_a_huge_body_that_is_not_json_is_cut_and_stored_without_nuls():
    source = _source("x")
    body = "\x00<html>" + "x" * (KEPT * 3)
    _serve("x", body)
    with pytest.raises(PlatformBadPayload, match="not JSON"):
        source_poll(source=source)
    raw = DeadLetter.objects.get(source=source).raw
    assert raw.startswith("<html>xxx")
    assert KEPT < len(raw) < KEPT + 100
    assert raw.endswith(f"[… cut: {len(body) - 1:,} characters in all]")


def _news_source(feeds: list[str]) -> Source:
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query="Bank Noord")
    return SourceFactory(workspace=workspace, platform="news", settings={"feeds": feeds})


@responses.activate
def test_a_news_feed_that_is_no_feed_is_dead_lettered_with_its_body():
    feeds = ["https://news.example/rss", "https://news.example/atom"]
    source = _news_source(feeds)
    responses.add("GET", feeds[0], body=GATEWAY_PAGE, status=200, content_type="text/html")
    responses.add("GET", feeds[1], body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(PlatformBadPayload, match="all 2 feeds failed"):
        source_poll(source=source)
    letter = DeadLetter.objects.get(source=source)
    assert f"feed {feeds[0]}: not a readable feed" in letter.raw
    assert GATEWAY_PAGE in letter.raw
    assert "<html>maintenance</html>" in letter.raw
    assert letter.reason.startswith("all 2 feeds failed")
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures) == (Source.Health.LAGGING, 1)


@responses.activate
def test_a_binary_feed_beside_a_good_one_is_dead_lettered_without_nuls_and_the_rest_stored():
    feeds = ["https://news.example/logo.png", "https://news.example/rss"]
    source = _news_source(feeds)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    responses.add("GET", feeds[0], body=png, content_type="image/png")
    rss = (FEEDS / "dagblad_noord.rss").read_bytes()
    responses.add("GET", feeds[1], body=rss, content_type="application/rss+xml")
    source_poll(source=source)
    letter = DeadLetter.objects.get(source=source)
    assert letter.reason.startswith(f"feed {feeds[0]}: not a readable feed")
    assert letter.raw.startswith("\ufffdPNG")
    assert "\x00" not in letter.raw
    source.refresh_from_db()
    assert source.health == Source.Health.OK
    assert Mention.objects.filter(source=source).exists()


@responses.activate
def test_a_bad_status_that_several_searches_return_is_one_dead_letter_and_all_are_counted():
    # Mastodon search has no OR: this term is two searches, and the hashtag timeline comes with
    # the first. All three return the same broken status.
    instance = "https://mastodon.example"
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord" OR storing')
    source = SourceFactory(
        workspace=workspace,
        platform="mastodon",
        settings={"instance": instance, "hashtags": ["banknoord"], "search": True},
        credentials_encrypted=credentials_encrypt({"access_token": "token"}),
    )
    broken = {"id": "999", "content": "<p>Bank Noord</p>"}  # no account
    statuses = json.loads((FEEDS.parent / "mastodon/tag_banknoord.json").read_text())
    found = json.loads((FEEDS.parent / "mastodon/search_page1.json").read_text())
    responses.add("GET", f"{instance}/api/v1/timelines/tag/banknoord", json=[*statuses, broken])
    responses.add(
        "GET",
        f"{instance}/api/v2/search",
        json={**found, "statuses": [*found["statuses"], broken]},
    )
    source_poll(source=source)
    assert len(responses.calls) == 3  # the timeline, and one search per alternative
    (letter,) = DeadLetter.objects.filter(source=source)
    assert letter.reason == "status 999: missing field 'account'"
    source.refresh_from_db()
    # Every page of the poll (not the last search's alone), each post once: both searches
    # returned the same two statuses.
    assert source.last_item_count == len(statuses) + len(found["statuses"])
