"""The dashboard stays truthful across a lost websocket, and its new panels work, in Chromium.

The reconnect test runs its own uvicorn (the production command) and stops it mid-test, as a
deploy or crash would: mentions ingested meanwhile reach Redis's replay log, and the page, once
the server is back, fetches exactly those through /api/events/ before it says "live" again.
"""

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from monitoring.models import Mention, WatchTerm
from monitoring.platforms.base import NormalizedPost
from monitoring.services import mention_ingest_batch
from realtime import events, publisher
from tests import factories
from tests.e2e.conftest import (
    ARTIFACTS_DIR,
    STARTUP_TIMEOUT,
    AsgiServer,
    _free_port,
    asgi_command,
)
from tests.e2e.test_pipeline_browser import _crisis_team_member, _open_dashboard, _wait_live

pytestmark = pytest.mark.e2e


class RestartableServer:
    """uvicorn on one fixed port that the test can stop and start again."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.starts = 0
        self.server: AsgiServer | None = None

    def start(self) -> None:
        self.starts += 1
        log = self.log_dir / f"uvicorn-{self.starts}.log"
        self.server = AsgiServer("uvicorn", asgi_command("127.0.0.1", self.port), self.env, log)
        self.server.url = self.url
        self.server.wait_until(self._healthy, timeout=STARTUP_TIMEOUT, what="200 from /healthz")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.server:
            self.server.stop()


@pytest.fixture
def restartable_server(service_env, tmp_path) -> Iterator[RestartableServer]:
    server = RestartableServer(service_env, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _posts(prefix: str, count: int, *, start_seconds_ago: int) -> list[NormalizedPost]:
    now = timezone.now()
    return [
        NormalizedPost(
            platform="x",
            external_id=f"{prefix}-{n}",
            text=f"{prefix} melding {n} over Bank Noord",
            posted_at=now - timedelta(seconds=start_seconds_ago - n),
            author_handle=f"user_{prefix}_{n}",
            language="nl",
        )
        for n in range(count)
    ]


def _dom_ids(page: Page) -> list[int]:
    ids = page.eval_on_selector_all("#mention-stream > li", "els => els.map(e => e.dataset.id)")
    return [int(i) for i in ids]


def test_lost_websocket_recovers_without_gaps_or_repeats(
    restartable_server: RestartableServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = factories.SourceFactory(workspace=workspace, platform="webhook", is_enabled=False)
    user = _crisis_team_member(workspace)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _open_dashboard(page, restartable_server, user.username, workspace.slug)
    page.evaluate(
        """() => {
          window.__states = [];
          new MutationObserver(() => window.__states.push(
            document.getElementById('dashboard').dataset.connection
          )).observe(document.getElementById('dashboard'), {attributes: true,
            attributeFilter: ['data-connection']});
          window.__sameDocument = true;
        }"""
    )
    stream = page.locator("#mention-stream > li")

    # Live before the drop; one post older than the rest arrives last, to test the order.
    mention_ingest_batch(source=source, posts=_posts("voor", 3, start_seconds_ago=60), cursor={})
    publisher.drain()
    expect(stream).to_have_count(3)

    restartable_server.stop()
    expect(page.locator("#dashboard")).to_have_attribute("data-connection", "reconnecting")
    expect(page.locator("#live-status")).to_contain_text("Reconnecting")
    # Published while no server holds the page's socket: separate messages, lost to the page.
    mention_ingest_batch(source=source, posts=_posts("tijdens", 4, start_seconds_ago=50), cursor={})
    publisher.drain()
    mention_ingest_batch(source=source, posts=_posts("oud", 1, start_seconds_ago=600), cursor={})
    publisher.drain()
    mention_ingest_batch(source=source, posts=_posts("laat", 2, start_seconds_ago=40), cursor={})
    publisher.drain()

    lists_before = len([u for u in requests if "/api/mentions/?" in u])
    restartable_server.start()
    _wait_live(page)
    expect(stream).to_have_count(10)
    # And live again after the catch-up.
    mention_ingest_batch(source=source, posts=_posts("na", 2, start_seconds_ago=20), cursor={})
    publisher.drain()
    expect(stream).to_have_count(12)
    page.wait_for_timeout(600)  # room for a duplicate to show up

    expected = list(
        Mention.objects.filter(workspace=workspace)
        .order_by("-posted_at", "-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 12
    assert _dom_ids(page) == expected  # every mention once, in the API's order
    assert page.evaluate("window.__sameDocument") is True  # recovered without a reload
    states = page.evaluate("window.__states")
    assert "reconnecting" in states
    assert states[-1] == "live"
    assert states.index("reconnecting") < len(states) - 1
    # The gap came from the replay log, not from re-reading the lists.
    assert any("/api/events/" in url and "after=" in url for url in requests)
    assert len([u for u in requests if "/api/mentions/?" in u]) == lists_before
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / "dashboard-reconnected.png", full_page=True)


def test_ranges_top_lists_sound_and_incidents_board(asgi_server, page: Page) -> None:
    workspace = factories.WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = factories.SourceFactory(workspace=workspace, platform="webhook", is_enabled=False)
    user = _crisis_team_member(workspace)
    now = timezone.now()
    hostile = "<img src=x onerror=window.__xss=1>"
    mention_ingest_batch(
        source=source,
        posts=[
            NormalizedPost(
                platform="x", external_id="big", text="Storing bij Bank Noord #storing",
                posted_at=now - timedelta(minutes=2), author_handle=hostile,
                author_followers=250_000, hashtags=["storing"],
            ),
            NormalizedPost(
                platform="x", external_id="old", text="Gisteren ook al #pinnen bij Bank Noord",
                posted_at=now - timedelta(hours=5), author_handle="gisteren",
                author_followers=10, hashtags=["pinnen"],
            ),
        ],
        cursor={},
    )  # fmt: skip
    overdue = factories.IncidentFactory(
        workspace=workspace, title="Storing app", severity=4, status="active",
        opened_at=now - timedelta(minutes=70), first_alert_at=now - timedelta(minutes=65),
    )  # fmt: skip
    fresh = factories.IncidentFactory(
        workspace=workspace, title="Phishing", severity=2, status="triage",
        opened_at=now - timedelta(minutes=5), first_alert_at=now - timedelta(minutes=5),
    )  # fmt: skip
    factories.IncidentFactory(workspace=workspace, title="Klaar", status="resolved")
    _open_dashboard(page, asgi_server, user.username, workspace.slug)

    # Incidents board: open ones only, the breached clock says so in words, not only in red.
    board = page.locator("#incident-board > li")
    expect(board).to_have_count(2)
    breached = page.locator(f'#incident-board li[data-id="{overdue.pk}"] .response-clock')
    expect(breached).to_contain_text("overdue")
    expect(breached).to_have_class(re.compile(r"\boverdue\b"))
    running = page.locator(f'#incident-board li[data-id="{fresh.pk}"] .response-clock')
    expect(running).to_contain_text(re.compile(r"5\d:\d\d left"))

    # Top lists over the last hour; author handles are text, never HTML.
    expect(page.locator("#top-hashtags")).to_contain_text("#storing")
    expect(page.locator("#top-hashtags")).not_to_contain_text("pinnen")
    expect(page.locator("#top-authors li").first).to_contain_text(hostile)
    expect(page.locator("#top-authors img")).to_have_count(0)
    assert page.evaluate("typeof window.__xss") == "undefined"

    # Live: new mentions reach the top lists without a reload, throttled (at most every 30 s).
    mention_ingest_batch(
        source=source,
        posts=[
            NormalizedPost(
                platform="x", external_id="live", text="Bank Noord weer plat #plat",
                posted_at=timezone.now(), author_handle="live_author", hashtags=["plat"],
            )
        ],
        cursor={},
    )  # fmt: skip
    publisher.drain()
    expect(page.locator("#top-hashtags")).to_contain_text("#plat", timeout=40_000)

    # Range: 24 hours takes in yesterday's post, and the choice survives a reload.
    page.get_by_role("button", name="24 hours").click()
    expect(page.get_by_role("button", name="24 hours")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#top-hashtags")).to_contain_text("#pinnen")
    expect(page.locator("#chart-h")).to_contain_text("24 hours")
    page.reload()
    _wait_live(page)
    expect(page.locator("#dashboard")).to_have_attribute("data-range", "24h")
    expect(page.get_by_role("button", name="Last hour")).to_have_attribute("aria-pressed", "false")

    # Statement markers hook: a list of {label, time} per type.
    page.evaluate(
        "window.crisisDashboard.setMarkers('statement', [{label: 'Holding statement', "
        "time: new Date().toISOString()}])"
    )
    expect(page.locator("#dashboard")).to_have_attribute(
        "data-markers", re.compile('"statement":1')
    )

    # Sound: off by default, toggled from the keyboard, remembered; a severity-4 alert beeps
    # and flashes.
    toggle = page.locator("#sound-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.reload()
    _wait_live(page)
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    toggle.click()  # a click (a user gesture) lets the page start audio
    expect(toggle).to_have_attribute("aria-pressed", "true")
    alert = factories.AlertFactory(workspace=workspace, severity=4, mention_ids=[])
    publisher.publish_on_commit(workspace_id=workspace.pk, event=events.alert_created(alert))
    publisher.drain()
    expect(page.locator(f'#alert-feed li[data-id="{alert.pk}"]')).to_have_class(
        re.compile(r"\bhigh-severity\b")
    )
    expect(page.locator("body")).to_have_class(re.compile(r"\balarm\b"))
    assert page.get_attribute("#dashboard", "data-last-beep")

    # Attach from the stream: a keyboard menu of open incidents; a failure shows its message.
    item = page.locator("#mention-stream > li").first
    item.get_by_role("button", name="Attach to incident").click()
    menu_items = item.get_by_role("menuitem")
    expect(menu_items).to_have_count(2)
    expect(menu_items.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu_items.nth(1)).to_be_focused()
    page.keyboard.press("Escape")
    expect(item.get_by_role("menuitem")).to_have_count(0)
    expect(item.get_by_role("button", name="Attach to incident")).to_be_focused()
    overdue_pk = overdue.pk
    overdue.delete()  # gone between render and click: the API answers 404
    page.keyboard.press("Enter")
    item.get_by_role("menuitem", name=re.compile("Storing app")).click()
    expect(page.locator("#toast")).to_contain_text("Attaching failed")
    assert overdue_pk


class _IncidentUpdatedAsAgreed:
    """`incident.updated` with the fields the incidents work adds (status, severity, commander,
    response_due_at, response_at, overdue_tasks, opened_at, title), sent through the real
    publisher: the contract the board renders."""

    def __init__(self, **payload) -> None:
        self.payload = {"type": "incident.updated", **payload}

    def as_dict(self) -> dict:
        return self.payload


def test_incidents_board_renders_the_agreed_incident_fields_live(asgi_server, page: Page) -> None:
    workspace = factories.WorkspaceFactory()
    user = _crisis_team_member(workspace)
    _open_dashboard(page, asgi_server, user.username, workspace.slug)
    expect(page.locator("#incidents-empty")).to_be_visible()
    now = timezone.now()
    base = {
        "workspace_id": workspace.pk, "id": 4242, "title": "<i>Datalek</i>", "severity": 3,
        "status": "active", "commander": "<b>Anna</b>",
        "opened_at": (now - timedelta(minutes=70)).isoformat(),
        "response_due_at": (now - timedelta(minutes=10)).isoformat(), "response_at": None,
        "overdue_tasks": 2,
    }  # fmt: skip
    publisher.publish_on_commit(workspace_id=workspace.pk, event=_IncidentUpdatedAsAgreed(**base))
    publisher.drain()
    item = page.locator('#incident-board li[data-id="4242"]')
    expect(item.locator(".incident-title")).to_have_text("<i>Datalek</i>")  # text, not HTML
    expect(item.locator(".commander")).to_have_text("Commander: <b>Anna</b>")
    expect(item.locator(".incident-status")).to_have_text("Active")
    expect(item.locator(".response-clock")).to_contain_text("⚠ first public response overdue")
    expect(item.locator(".overdue-tasks")).to_have_text("⚠ 2 overdue tasks")
    expect(item.locator("i, b")).to_have_count(0)

    answered = {**base, "commander": None, "response_at": now.isoformat(), "overdue_tasks": 0}
    publisher.publish_on_commit(
        workspace_id=workspace.pk, event=_IncidentUpdatedAsAgreed(**answered)
    )
    publisher.drain()
    expect(item.locator(".response-clock")).to_contain_text("First public response at")
    expect(item.locator(".response-clock")).not_to_have_class(re.compile(r"\boverdue\b"))
    expect(item.locator(".commander")).to_have_text("⚠ No commander yet")
    expect(item.locator(".overdue-tasks")).to_have_count(0)

    resolved = {**answered, "status": "resolved"}
    publisher.publish_on_commit(
        workspace_id=workspace.pk, event=_IncidentUpdatedAsAgreed(**resolved)
    )
    publisher.drain()
    expect(item).to_have_count(0)
    expect(page.locator("#incidents-empty")).to_be_visible()
