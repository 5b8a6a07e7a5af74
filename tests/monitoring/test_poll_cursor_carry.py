"""Editing watch terms changes the compiled query, and so the key of the source's cursor: the
new query must go on where the last poll stopped, not start again at the newest page.

Each test polls once, edits the watch term through the service, polls again, and checks what
the second poll asked the platform (`responses` at the HTTP boundary; X from its recording,
Mastodon and Bluesky from API-shaped fixtures, Reddit listings in Reddit's shape)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from monitoring.models import Mention, Source, WatchTerm
from monitoring.services import source_poll, watch_term_update
from tests.factories import searching_source
from tests.monitoring.platforms import recorded

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=30)


def _poll_edit_poll(source: Source, between=lambda: None) -> dict:
    """Poll at NOW, edit the watch term, run `between`, poll at LATER; the cursor after."""
    source_poll(source=source, now=NOW)
    old_keys = set(Source.objects.get(pk=source.pk).cursor)
    term = WatchTerm.objects.get(workspace=source.workspace)
    watch_term_update(term=term, query='"Bank Noord" OR storing')
    between()
    source_poll(source=Source.objects.get(pk=source.pk), now=LATER)
    cursor = Source.objects.get(pk=source.pk).cursor
    assert set(cursor) - old_keys  # the edit made a new query (X, Reddit: it replaced the old)
    return cursor


def _params(url: str) -> list[dict]:
    return [c.request.params for c in responses.calls if c.request.url.startswith(url)]


@responses.activate
def test_x_goes_on_from_the_since_id_the_old_query_had_reached():
    search = "https://api.twitter.com/2/tweets/search/recent"
    source = searching_source("x", {}, {"bearer_token": "test-token"})
    first = recorded("x/search_recent_expanded.yaml")
    first.register(responses.mock, "GET", search)
    newest = first.json()["meta"]["newest_id"]
    _poll_edit_poll(
        source, lambda: responses.replace("GET", search, json={"meta": {"result_count": 0}})
    )
    first_call, second_call = _params(search)
    assert "since_id" not in first_call
    assert second_call["since_id"] == newest
    assert second_call["query"] != first_call["query"]


@responses.activate
def test_mastodon_goes_on_from_the_ids_the_old_query_had_reached():
    instance = "https://mastodon.social"
    tag, search = f"{instance}/api/v1/timelines/tag/banknoord", f"{instance}/api/v2/search"
    source = searching_source(
        "mastodon",
        {"instance": instance, "hashtags": ["banknoord"], "search": True},
        {"access_token": "token"},
    )
    statuses = json.loads((FIXTURES / "mastodon/tag_banknoord.json").read_text())
    found = json.loads((FIXTURES / "mastodon/search_page1.json").read_text())
    responses.add("GET", tag, json=statuses)
    responses.add("GET", search, json=found)

    def nothing_new():
        responses.replace("GET", tag, json=[])
        responses.replace("GET", search, json={"accounts": [], "statuses": [], "hashtags": []})

    _poll_edit_poll(source, nothing_new)
    # Mastodon search has no OR: the edit added a query ("storing") beside the old one, and
    # the new one starts from the old one's ids too. The hashtag timeline, the same for every
    # query, is read once per poll.
    tag_calls, search_calls = _params(tag), _params(search)
    assert [p.get("min_id") for p in tag_calls] == [None, max(s["id"] for s in statuses)]
    newest_found = max(s["id"] for s in found["statuses"])
    assert [p.get("min_id") for p in search_calls] == [None, newest_found, newest_found]
    assert search_calls[2]["q"] == "storing"


@responses.activate
def test_bluesky_sweeps_back_to_the_newest_post_the_old_query_had_seen():
    search = "https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts"
    source = searching_source("bluesky", {}, {})
    page = json.loads((FIXTURES / "bluesky/search_page1.json").read_text())
    page.pop("cursor")
    responses.add("GET", search, json=page)
    _poll_edit_poll(source, lambda: responses.replace("GET", search, json={"posts": []}))
    newest = datetime.fromisoformat(
        Source.objects.get(pk=source.pk).cursor['"Bank Noord"']["newest_seen"]
    )
    first, *after_edit = _params(search)
    # Both queries (Bluesky has no OR, so "storing" joined the old one) sweep back to the old
    # query's newest post less the minute of overlap, not the hour of a first poll.
    assert datetime.fromisoformat(first["since"]) == NOW - timedelta(hours=1, minutes=1)
    assert [p["q"] for p in after_edit] == ['"Bank Noord"', "storing"]
    for params in after_edit:
        assert datetime.fromisoformat(params["since"]) == newest - timedelta(seconds=60)


def _listing(*items: tuple[str, float], after: str | None = None) -> dict:
    children = [
        {
            "kind": "t3",
            "data": {
                "id": name,
                "name": f"t3_{name}",
                "title": f"Storing bij Bank Noord ({name})",
                "created_utc": created,
                "permalink": f"/r/askreddit/comments/{name}/x/",
            },
        }
        for name, created in items
    ]
    return {"kind": "Listing", "data": {"children": children, "after": after}}


@responses.activate
def test_reddit_reads_back_to_where_the_old_query_had_got_and_loses_no_post():
    api = "https://oauth.reddit.com/r/askreddit"
    recorded("reddit/TestSubreddit.test_search.json", 0).register(
        responses.mock, "POST", "https://www.reddit.com/api/v1/access_token"
    )
    source = searching_source(
        "reddit", {"subreddits": ["askreddit"]}, {"client_id": "i", "client_secret": "s"}
    )
    stamp = NOW.timestamp()
    responses.add("GET", f"{api}/comments/", json=_listing())
    responses.add("GET", f"{api}/search/", json=_listing(("a", stamp - 60), ("b", stamp - 120)))

    def newer_posts_over_two_pages():
        responses.replace(
            "GET",
            f"{api}/search/",
            json=_listing(("e", stamp + 900), ("d", stamp + 600), after="t3_d"),
        )
        responses.add("GET", f"{api}/search/", json=_listing(("c", stamp + 300), ("a", stamp - 60)))

    _poll_edit_poll(source, newer_posts_over_two_pages)
    stored = set(Mention.objects.filter(source=source).values_list("external_id", flat=True))
    assert stored == {"t3_a", "t3_b", "t3_c", "t3_d", "t3_e"}


def test_reddit_resume_cursor_carries_every_stream_over_site_wide_comments_included():
    # A site-wide source's r/all comments (`site_comments`) go on from the earliest position
    # the replaced queries had reached, like submissions: no comment posted meanwhile is lost.
    from monitoring.platforms.reddit import RedditClient

    old_a = {
        "submissions": {"after_utc": 10.0, "seen": ["t3_a"]},
        "site_comments": {"after_utc": 7.0, "seen": ["t1_x"]},
    }
    old_b = {"site_comments": {"after_utc": 9.0, "seen": []}}
    assert RedditClient.resume_cursor([old_a, old_b]) == {
        "submissions": {"after_utc": 10.0, "seen": ["t3_a"]},
        "site_comments": {"after_utc": 7.0, "seen": ["t1_x"]},
    }
