from datetime import UTC, datetime, timedelta

import pytest

from monitoring.platforms.base import PlatformBadPayload
from monitoring.platforms.demo import DemoClient

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_demo_client_returns_only_posts_due_and_advances_cursor():
    client = DemoClient("en")
    first = client.fetch(cursor={"started_at": START.isoformat(), "next": 0}, now=START)
    assert [p.external_id for p in first.posts] == ["demo-0-en001"]
    later = client.fetch(cursor=first.next_cursor, now=START + timedelta(seconds=30))
    assert all(p.posted_at <= START + timedelta(seconds=30) for p in later.posts)
    assert later.posts[0].external_id == "demo-0-en002"
    assert later.next_cursor["next"] == first.next_cursor["next"] + len(later.posts)


def test_demo_client_replaying_a_cursor_returns_the_same_posts():
    client = DemoClient("nl")
    cursor = {"started_at": START.isoformat(), "next": 3}
    now = START + timedelta(seconds=120)
    assert client.fetch(cursor=cursor, now=now) == client.fetch(cursor=cursor, now=now)


def test_demo_client_loops_with_fresh_ids():
    client = DemoClient("en")
    n = len(client.items)
    page = client.fetch(
        cursor={"started_at": START.isoformat(), "next": n - 1},
        now=START + timedelta(seconds=client.loop_seconds + 1),
    )
    ids = [p.external_id for p in page.posts]
    assert ids[0].startswith("demo-0-")
    assert ids[1] == "demo-1-en001"


def test_demo_client_skips_backlog_after_long_pause():
    client = DemoClient("en")
    page = client.fetch(
        cursor={"started_at": START.isoformat(), "next": 0}, now=START + timedelta(days=1)
    )
    assert len(page.posts) <= 2 * len(client.items)
    assert all(p.posted_at > START + timedelta(hours=23) for p in page.posts)


def test_demo_client_first_poll_starts_now():
    client = DemoClient("en")
    page = client.fetch(cursor={}, now=START)
    assert page.next_cursor["started_at"] == START.isoformat()


def test_demo_client_rejects_unknown_scenario():
    with pytest.raises(PlatformBadPayload, match="scenario"):
        DemoClient("../../etc/passwd")
