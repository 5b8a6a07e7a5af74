"""SSRF guard for sources: admins type news feeds, a Mastodon instance and a Bluesky service, and
no poll may reach a loopback or private address unless SOURCES_ALLOW_PRIVATE_URLS says so. A
real local server proves that a refused request never arrived."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import responses

from monitoring.credentials import credentials_encrypt
from monitoring.models import Source, WatchTerm
from monitoring.platforms import news
from monitoring.platforms.addresses import address_is_public, host_is_plainly_private
from monitoring.platforms.base import PlatformAddressRefused, PlatformUnavailable
from monitoring.services import source_poll
from tests.factories import SourceFactory, WorkspaceFactory
from tests.loopback import QuietHandler, loopback_server

pytestmark = pytest.mark.django_db

FEED = (Path(__file__).parent.parent / "fixtures/platforms/news/dagblad_noord.rss").read_bytes()


@pytest.fixture
def local_server() -> Iterator[tuple[int, list[str]]]:
    """(port, requests seen as "METHOD path") of a loopback server answering with a feed."""
    seen: list[str] = []

    class Handler(QuietHandler):
        def _answer(self) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)

        do_GET = do_POST = _answer

    with loopback_server(Handler) as url:
        yield urlsplit(url).port, seen


@pytest.fixture
def guarded(settings) -> None:
    settings.SOURCES_ALLOW_PRIVATE_URLS = False


def _source(platform: str, config: dict, credentials: dict | None = None) -> Source:
    """A source as stored (saved before the check on save, or under a name only DNS shows to
    be private), with a watch term to search for."""
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query="bank noord")
    return SourceFactory(
        workspace=workspace,
        platform=platform,
        settings=config,
        credentials_encrypted=credentials_encrypt(credentials or {}),
    )


PLATFORMS = [
    ("news", {"feeds": ["http://{host}:{port}/rss"]}, {}),
    ("mastodon", {"instance": "http://{host}:{port}", "hashtags": ["banknoord"]}, {}),
    (  # the app password must not be POSTed to an internal address
        "bluesky",
        {"auth_service": "http://{host}:{port}"},
        {"identifier": "bank.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"},
    ),
]


def _filled(value, **names):
    if isinstance(value, dict):
        return {k: _filled(v, **names) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, **names) for v in value]
    return value.format(**names) if isinstance(value, str) else value


@pytest.mark.parametrize(("platform", "config", "credentials"), PLATFORMS)
@pytest.mark.parametrize(
    ("host", "error"),
    [
        # Refused when the client is built (as on save): a literal needs no DNS.
        ("127.0.0.1", "127.0.0.1 is a private address"),
        # 127.1 is 127.0.0.1 to the resolver: refused right before the request.
        ("127.1", "refused: http://127.1:{port}/"),
    ],
)
def test_source_poll_refuses_a_private_url_without_a_request(
    local_server, guarded, platform, config, credentials, host, error
):
    port, seen = local_server
    source = _source(platform, _filled(config, host=host, port=port), credentials)
    with pytest.raises(PlatformAddressRefused):
        source_poll(source=source)
    source.refresh_from_db()
    assert error.format(port=port) in source.last_error
    assert "private address (SOURCES_ALLOW_PRIVATE_URLS allows it)" in source.last_error
    assert source.health == Source.Health.LAGGING  # a failed poll, shown on the source
    assert seen == []


@pytest.mark.django_db(transaction=True)  # ingest runs in a durable transaction
def test_source_poll_reaches_a_private_url_when_allowed(local_server, settings):
    settings.SOURCES_ALLOW_PRIVATE_URLS = True
    port, seen = local_server
    source = _source("news", {"feeds": [f"http://127.0.0.1:{port}/rss"]})
    source_poll(source=source)
    source.refresh_from_db()
    assert (source.health, source.last_error) == (Source.Health.OK, "")
    assert seen == ["GET /rss"]


@responses.activate
def test_news_client_refuses_a_redirect_to_a_private_address(local_server, guarded):
    port, seen = local_server
    public = "http://93.184.215.14/rss"  # a literal: no DNS needed
    target = f"http://127.0.0.1:{port}/rss?key=s3cr3t"
    responses.get(public, status=302, headers={"Location": target})
    with pytest.raises(
        PlatformAddressRefused, match=r"refused: http://127\.0\.0\.1:\d+/rss\?key=\*"
    ):
        news.build({"feeds": [public]}, {}).fetch(cursor={}, now=datetime.now(UTC))
    assert [call.request.url for call in responses.calls] == [public]
    assert seen == []


def test_a_name_that_does_not_resolve_is_an_outage_not_a_refusal(guarded):
    client = news.build({"feeds": ["http://no-such-host.invalid/rss"]}, {})
    with pytest.raises(PlatformUnavailable, match=r"DNS lookup failed for no-such-host\.invalid"):
        client.fetch(cursor={}, now=datetime.now(UTC))


@pytest.mark.parametrize(
    ("platform", "config", "key"),
    [
        ("news", {"feeds": ["https://example.org/rss", "http://127.0.0.1:8080/rss"]}, "feeds"),
        ("news", {"search_feeds": ["http://10.0.0.7/rss?q={query}"]}, "search_feeds"),
        ("mastodon", {"instance": "http://[::1]:3000"}, "instance"),
        ("bluesky", {"auth_service": "https://169.254.169.254"}, "auth_service"),
        ("bluesky", {"service": "http://localhost:2583"}, "service"),
    ],
)
def test_source_create_refuses_a_plainly_private_url(
    guarded, make_workspace, make_member, api_client_for, platform, config, key
):
    workspace = make_workspace(slug="alpha")
    client = api_client_for(make_member(workspace, role="admin"))
    payload = {"workspace": "alpha", "name": "S", "platform": platform, "settings": config}
    response = client.post("/api/sources/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert f"settings.{key}: " in response.json()["detail"]
    assert (
        "is a private address (SOURCES_ALLOW_PRIVATE_URLS allows it)" in response.json()["detail"]
    )
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("localhost", True),
        ("feeds.localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("192.168.1.10", True),
        ("::ffff:10.0.0.1", True),
        ("93.184.215.14", False),
        ("example.org", False),  # a name: checked when requested, not when saved
    ],
)
def test_host_is_plainly_private(host, private):
    assert host_is_plainly_private(host) is private


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254 (cloud metadata)
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:808:808::", True),  # 6to4 of 8.8.8.8
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo, client 10.0.0.1
        ("::ffff:127.0.0.1", False),
        ("2606:4700:4700::1111", True),
        ("10.0.0.1", False),
    ],
)
def test_an_ipv6_address_carrying_an_ipv4_one_is_judged_by_it(address, public):
    assert address_is_public(address) is public
