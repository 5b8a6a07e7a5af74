"""The whole pipeline through real processes: Celery worker → PostgreSQL → Redis channel layer →
uvicorn's websocket consumer → Chromium's DOM.

The servers are started by tests/e2e/conftest.py with the commands docker-compose.yml runs.
The `page` fixture brings `transactional_db`: every write commits, so the servers see it.
"""

import json
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import timezone
from playwright.sync_api import Dialog, Page, expect

from monitoring.models import Alert, Mention, Source
from monitoring.platforms.base import NormalizedPost
from monitoring.platforms.demo import DemoClient
from monitoring.services import mention_ingest_batch, source_poll
from monitoring.tasks import poll_source
from realtime import publisher
from tests import factories
from tests.e2e.conftest import ARTIFACTS_DIR, AsgiServer, CeleryWorker
from workspaces.models import Membership, Workspace

PASSWORD = "pw-for-tests-123"  # tests/factories.py UserFactory
FIRST_EN_POST = "Just opened an account with North Bank"
IMG_TEXT = "<img src=x onerror=alert(1)>"
SCRIPT_TEXT = "<script>window.__xss=1</script>"
AUTHOR_HTML = "<img src=y onerror=alert(2)>"


def _crisis_team_member(workspace: Workspace) -> AbstractUser:
    return factories.MembershipFactory(workspace=workspace, role=Membership.Role.CRISIS_TEAM).user


def _open_dashboard(page: Page, server: AsgiServer, username: str, slug: str) -> None:
    """Log in through the real form, land on the workspace dashboard, wait for the websocket."""
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/w/{slug}/")
    _wait_live(page)


def _wait_live(page: Page) -> None:
    # dashboard.js loads the API lists first and connects afterwards, so live also means the
    # initial lists are rendered.
    expect(page.locator("#dashboard")).to_have_attribute("data-connection", "live")
    expect(page.locator("#live-status")).to_have_class(re.compile(r"\blive\b"))


def _record_pushed_mention_ids(page: Page) -> list[int]:
    """Every mention id the server pushes over the page's websockets, in arrival order."""
    pushed: list[int] = []

    def on_frame(payload: str | bytes) -> None:
        for event in json.loads(payload).get("events", []):
            if event.get("type") == "mention.batch":
                pushed.extend(m["id"] for m in event["mentions"])

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return pushed


def _dom_mention_ids(page: Page) -> list[int]:
    ids = page.eval_on_selector_all("#mention-stream > li", "els => els.map(e => e.dataset.id)")
    return [int(i) for i in ids]


def _demo_ids_fetched(source: Source, feed_cursor: dict) -> set[str]:
    # source_poll stamps last_polled_at with the `now` it fetched with, so the demo client
    # (pure, no I/O) tells exactly which posts the worker's poll saw.
    fetched = DemoClient("en").fetch(cursor=feed_cursor, now=source.last_polled_at)
    return {post.external_id for post in fetched.posts}


@pytest.mark.e2e
def test_mention_ingested_by_worker_reaches_browser(
    asgi_server: AsgiServer, celery_worker: CeleryWorker, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    source = factories.SourceFactory(workspace=workspace, settings={"scenario": "en"})
    # Start the English scenario 100 s ago, so its first posts (calm, then an outage) are due
    # now: a poll back then that takes nothing stores the cursor, in the shape source_poll
    # keeps it. `feed_cursor` is what the demo feed itself saw.
    started = timezone.now() - timedelta(seconds=100)
    source_poll(source=source, now=started, limit=0)
    source.refresh_from_db()
    start_cursor = source.cursor
    feed_cursor = {"started_at": started.isoformat(), "next": 0}
    factories.AlertRuleFactory(workspace=workspace, params={"threshold": 2, "window_minutes": 10})
    pushed = _record_pushed_mention_ids(page)
    stream = page.locator("#mention-stream > li")
    alerts = page.locator("#alert-feed > li")

    _open_dashboard(page, asgi_server, user.username, workspace.slug)
    expect(stream).to_have_count(0)
    expect(page.locator("#stream-empty")).to_be_visible()
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    first_poll = celery_worker.enqueue(poll_source, source.pk)
    expect(page.locator("#mention-stream")).to_contain_text(FIRST_EN_POST)
    expect(alerts).to_have_count(1)
    assert page.evaluate("window.__sameDocument") is True
    celery_worker.wait_for_task(first_poll)

    source.refresh_from_db()
    first_ids = _demo_ids_fetched(source, feed_cursor)
    stored = Mention.objects.filter(workspace=workspace)
    assert stored.count() > 0
    assert set(stored.values_list("external_id", flat=True)) == first_ids
    expect(stream).to_have_count(len(first_ids))
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / "dashboard.png", full_page=True)

    # Poll again from the same cursor: the page overlaps the first one entirely (platforms do
    # return overlapping pages) plus whatever fell due since. Only the new posts are stored
    # and pushed; the alert rule is in its cooldown.
    Source.objects.filter(pk=source.pk).update(cursor=start_cursor)
    celery_worker.wait_for_task(celery_worker.enqueue(poll_source, source.pk))
    source.refresh_from_db()
    replayed_ids = _demo_ids_fetched(source, feed_cursor)
    assert replayed_ids >= first_ids
    external_ids = list(stored.values_list("external_id", flat=True))
    assert sorted(external_ids) == sorted(replayed_ids)
    db_ids = sorted(stored.values_list("pk", flat=True))
    expect(stream).to_have_count(len(db_ids))
    page.wait_for_timeout(500)  # a duplicate push would arrive within the coalescing interval
    assert sorted(_dom_mention_ids(page)) == db_ids
    assert sorted(pushed) == db_ids, f"pushed (id, times): {Counter(pushed).most_common(3)}"
    assert Alert.objects.filter(workspace=workspace).count() == 1
    expect(alerts).to_have_count(1)


def _assert_rendered_as_text(page: Page, dialogs: list[str]) -> None:
    texts = page.locator("#mention-stream .mention-text").all_text_contents()
    assert AUTHOR_HTML in page.locator("#mention-stream .author").all_text_contents()
    assert IMG_TEXT in texts
    assert SCRIPT_TEXT in texts
    for tag in ("img", "script", "a"):  # `a`: the javascript: URL must not become a link
        expect(page.locator(f"#mention-stream {tag}")).to_have_count(0)
    page.wait_for_timeout(300)  # room for an injected onerror handler to fire
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []


@pytest.mark.e2e
def test_post_text_is_rendered_as_text_not_html(asgi_server: AsgiServer, page: Page) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    source = factories.SourceFactory(workspace=workspace, is_enabled=False)  # never polled
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    _open_dashboard(page, asgi_server, user.username, workspace.slug)

    now = timezone.now()
    posts = [
        NormalizedPost(
            platform="x",
            external_id="xss-img",
            text=IMG_TEXT,
            posted_at=now,
            author_handle=AUTHOR_HTML,
            url="javascript:alert(3)",
        ),
        NormalizedPost(platform="x", external_id="xss-script", text=SCRIPT_TEXT, posted_at=now),
    ]
    # The service publishes after commit from this process, through Redis, to uvicorn.
    mention_ingest_batch(source=source, posts=posts, cursor={})
    publisher.drain()

    expect(page.locator("#mention-stream > li")).to_have_count(2)
    _assert_rendered_as_text(page, dialogs)

    page.reload()  # the same mentions, now from the API's initial list
    _wait_live(page)
    expect(page.locator("#mention-stream > li")).to_have_count(2)
    _assert_rendered_as_text(page, dialogs)
