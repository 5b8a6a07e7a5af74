"""The mention stream in Chromium: filters search every stored mention without losing what is
shown, older ones page in, pause keeps what arrives."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from monitoring.models import Source, WatchTerm
from monitoring.platforms.base import NormalizedPost, PlatformRateLimited, PlatformUnavailable
from monitoring.services import mention_ingest_batch, source_poll
from realtime import publisher
from tests import factories
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_pipeline_browser import _crisis_team_member, _open_dashboard
from tests.loopback import QuietHandler, loopback_server
from workspaces.services import user_language_set

pytestmark = pytest.mark.e2e


def _post(external_id: str, text: str, platform: str, followers: int = 10) -> NormalizedPost:
    return NormalizedPost(
        platform=platform,
        external_id=external_id,
        text=text,
        posted_at=timezone.now() - timedelta(seconds=5),
        author_handle=f"user_{external_id}",
        author_followers=followers,
        language="nl",
    )


def _watched_workspace():
    """A workspace watching "Bank Noord", its webhook source and a crisis team member."""
    workspace = factories.WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = factories.SourceFactory(workspace=workspace, platform="webhook")
    return workspace, source, _crisis_team_member(workspace)


def test_stream_filters_and_pause_lose_nothing(asgi_server: AsgiServer, page: Page) -> None:
    workspace, source, user = _watched_workspace()
    mention_ingest_batch(
        source=source,
        posts=[
            _post("a", "Bank Noord app ligt eruit, slecht!", "x", followers=90_000),
            _post("b", "Bank Noord heeft goede service", "reddit"),
        ],
        cursor={},
    )
    _open_dashboard(page, asgi_server, user.username, workspace.slug)
    stream = page.locator("#mention-stream li:not([hidden])")
    expect(stream).to_have_count(2)

    page.select_option("#stream-filters select[name=platform]", "reddit")
    expect(stream).to_have_count(1)
    expect(stream.first).to_contain_text("goede service")
    page.select_option("#stream-filters select[name=platform]", "")
    page.fill("#stream-filters input[name=min_followers]", "50000")
    expect(stream).to_have_count(1)
    expect(stream.first).to_contain_text("ligt eruit")
    page.fill("#stream-filters input[name=min_followers]", "")
    expect(stream).to_have_count(2)

    page.click("#pause-toggle")
    mention_ingest_batch(
        source=source, posts=[_post("c", "Nog steeds storing bij Bank Noord", "x")], cursor={}
    )
    publisher.drain()
    expect(page.locator("#paused-count")).to_contain_text("1")
    expect(stream).to_have_count(2)  # held back while paused...
    page.click("#pause-toggle")
    expect(stream).to_have_count(3)  # ...and shown, once, on resume
    expect(stream.first).to_contain_text("Nog steeds storing")


def test_stream_filters_search_every_stored_mention_and_older_ones_page_in(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace, source, user = _watched_workspace()
    now = timezone.now()
    old = replace(
        _post("old", "Gisteren al storing bij Bank Noord, <b>echt</b>", "reddit"),
        posted_at=now - timedelta(hours=3),
    )
    recent = [
        replace(
            _post(f"x{n}", f"Bank Noord melding {n}", "x"), posted_at=now - timedelta(seconds=n)
        )
        for n in range(1, 131)
    ]
    mention_ingest_batch(source=source, posts=[old, *recent], cursor={})
    _open_dashboard(page, asgi_server, user.username, workspace.slug)
    stream = page.locator("#mention-stream li:not([hidden])")
    count = page.locator("#mention-count")
    older = page.locator("#stream-older")
    expect(stream).to_have_count(100)  # the newest 100 of 131: the Reddit post is not loaded
    expect(count).to_have_text("(131)")
    expect(older).to_be_visible()

    # A filter searches all stored mentions, not only the loaded ones.
    page.select_option("#stream-filters select[name=platform]", "reddit")
    expect(stream).to_have_count(1)
    expect(stream.first).to_contain_text("Gisteren al storing bij Bank Noord, <b>echt</b>")
    expect(count).to_have_text("(1 matching)")
    expect(older).to_be_hidden()

    # Live: a matching mention joins at the top, another one stays out (the chart has both).
    mention_ingest_batch(
        source=source,
        posts=[
            _post("live-x", "Bank Noord x live", "x"),
            _post("live-r", "Bank Noord r", "reddit"),
        ],
        cursor={},
    )
    publisher.drain()
    expect(stream).to_have_count(2)
    expect(stream.first).to_contain_text("Bank Noord r")
    expect(count).to_have_text("(2 matching)")

    page.fill("#stream-filters input[name=text]", "nergens te vinden")
    expect(stream).to_have_count(0)
    expect(page.locator("#stream-empty")).to_have_text("No stored mention matches these filters.")

    # Filters cleared: the newest 100 again, and "Load older mentions" brings the rest.
    page.fill("#stream-filters input[name=text]", "")
    page.select_option("#stream-filters select[name=platform]", "")
    expect(count).to_have_text("(133)")
    expect(stream).to_have_count(100)
    older.click()
    expect(stream).to_have_count(133)
    expect(older).to_be_hidden()
    expect(stream.last).to_contain_text("Gisteren al storing")


def test_a_follower_filter_counts_a_news_outlet_with_its_reach_as_the_api_does(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace, source, user = _watched_workspace()
    factories.MentionFactory(
        workspace=workspace, platform="news", author_handle="nos.nl", author_followers=0,
        author_is_outlet=True, text="Storing bij Bank Noord", posted_at=timezone.now(),
    )  # fmt: skip
    factories.MentionFactory(workspace=workspace, author_followers=10, posted_at=timezone.now())
    _open_dashboard(page, asgi_server, user.username, workspace.slug)
    stream = page.locator("#mention-stream li:not([hidden])")
    expect(stream).to_have_count(2)
    page.fill("#stream-filters input[name=min_followers]", "50000")
    expect(page.locator("#mention-count")).to_have_text("(1 matching)")
    expect(stream).to_have_count(1)  # the API's match is shown, not hidden again
    expect(stream.first).to_contain_text("nos.nl")
    outlet = replace(
        _post("live-news", "Bank Noord ook bij RTL", "news"),
        author_is_outlet=True,
        author_followers=0,
    )
    mention_ingest_batch(
        source=source, posts=[outlet, _post("live-x", "Bank Noord", "x")], cursor={}
    )
    publisher.drain()
    expect(stream).to_have_count(2)  # the live outlet joins, the 10-follower post does not
    expect(stream.filter(has_text="Bank Noord ook bij RTL")).to_have_count(1)


def test_the_dutch_dashboard_writes_numbers_and_counts_the_dutch_way(
    asgi_server: AsgiServer, page: Page
) -> None:
    workspace = factories.WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    user = _crisis_team_member(workspace)
    user_language_set(user=user, language="nl")
    mention = factories.MentionFactory(workspace=workspace, sentiment_compound=-0.6)
    factories.AlertFactory(workspace=workspace, mention_ids=[mention.pk])
    _open_dashboard(page, asgi_server, user.username, workspace.slug)
    expect(page.locator("#mention-stream .sentiment-tag")).to_have_text("▼ negatief -0,60")
    expect(page.locator("#alert-feed .alert-mentions summary")).to_have_text(
        "1 vermelding achter dit alarm"
    )


Answer = Callable[[str], tuple[int, dict[str, str], bytes]]  # path -> status, headers, body


@contextmanager
def _feed_server(answer: Answer) -> Iterator[str]:
    """A feed server on loopback answering each GET with `answer(path)`; yields its base URL."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            status, headers, body = answer(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    with loopback_server(Handler) as url:
        yield url


def _news_source_on_dashboard(
    page: Page, asgi_server: AsgiServer, feeds: list[str]
) -> tuple[Source, Locator]:
    """A news source of a new workspace, and its line in the dashboard's source health."""
    workspace = factories.WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = factories.SourceFactory(
        workspace=workspace, name="Nieuwsfeed", platform="news", settings={"feeds": feeds}
    )
    _open_dashboard(page, asgi_server, _crisis_team_member(workspace).username, workspace.slug)
    item = page.locator(f'#source-health li[data-id="{source.pk}"]')
    expect(item).to_contain_text("Unknown")
    return source, item


def test_source_health_panel_shows_a_failing_source_live(asgi_server: AsgiServer, page: Page):
    with _feed_server(lambda path: (503, {}, b"")) as base:
        source, item = _news_source_on_dashboard(page, asgi_server, [f"{base}/rss"])
        with pytest.raises(PlatformUnavailable):
            source_poll(source=source)
        publisher.drain()
        expect(item).to_contain_text("Lagging")
        expect(item).to_have_class("health-lagging")


def test_source_health_panel_says_until_when_a_source_is_rate_limited(
    asgi_server: AsgiServer, page: Page
):
    with _feed_server(lambda path: (429, {"Retry-After": "600"}, b"")) as base:
        source, item = _news_source_on_dashboard(page, asgi_server, [f"{base}/rss"])
        expect(item.locator(".rate-limited")).to_have_count(0)
        with pytest.raises(PlatformRateLimited):
            source_poll(source=source)
        publisher.drain()
        # A 429 is a wait, not a failure: the health stays, and the panel says until when.
        expect(item.locator(".rate-limited")).to_contain_text("Rate-limited until")
        expect(item).to_have_class("health-unknown")


def test_source_health_panel_shows_a_live_source_with_a_failing_feed(
    asgi_server: AsgiServer, page: Page
):
    rss = Path(__file__).resolve().parents[1] / "fixtures/platforms/news/dagblad_noord.rss"
    pages = {"/rss": (rss.read_bytes(), "application/rss+xml"), "/broken": (b"<p>x", "text/html")}

    def answer(path: str) -> tuple[int, dict[str, str], bytes]:
        body, kind = pages[path]
        return 200, {"Content-Type": kind}, body

    with _feed_server(answer) as base:
        source, item = _news_source_on_dashboard(
            page, asgi_server, [f"{base}/rss", f"{base}/broken"]
        )
        source_poll(source=source)
        publisher.drain()
        # Live (one feed still delivers), and the panel names the feed that fails.
        expect(item).to_have_class("health-ok")
        expect(item.locator(".warning-cell")).to_contain_text(f"feed {base}/broken")

        pages["/broken"] = pages["/rss"]  # mended: the warning goes, live
        source_poll(source=Source.objects.get(pk=source.pk))
        publisher.drain()
        expect(item.locator(".warning-cell")).to_have_count(0)
