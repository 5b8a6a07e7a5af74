"""Platform clients: one module per platform, HTTP only, no ORM.

Each module exposes `build(settings, credentials) -> client`, where the client has
`fetch(*, cursor, now, limit, query) -> Page`. `query` is the workspace's watch terms compiled
into the platform's own syntax (monitoring/query/); clients that cannot search ignore it
(the ingest service re-checks every post locally anyway).
"""

from datetime import datetime
from importlib import import_module
from typing import Any, Protocol

from monitoring.platforms.base import Page, PlatformBadPayload

# platform -> module; imported lazily so a missing optional dependency only hurts its platform.
MODULES = {
    "demo": "monitoring.platforms.demo",
    "x": "monitoring.platforms.x",
    "reddit": "monitoring.platforms.reddit",
    "news": "monitoring.platforms.news",
    "mastodon": "monitoring.platforms.mastodon",
    "bluesky": "monitoring.platforms.bluesky",
}


class PlatformClient(Protocol):
    def fetch(
        self, *, cursor: dict[str, Any], now: datetime, limit: int = 100, query: str = ""
    ) -> Page: ...


def settings_keys(platform: str) -> tuple[str, ...]:
    """The settings keys the platform's client reads (a platform with a poller)."""
    return import_module(MODULES[platform]).SETTINGS_KEYS


def client_for(
    platform: str, settings: dict[str, Any], credentials: dict[str, str] | None = None
) -> PlatformClient:
    """The client for a source's platform; raises PlatformBadPayload if none polls it."""
    if platform not in MODULES:
        raise PlatformBadPayload(f"platform: no poller for {platform!r}")
    return import_module(MODULES[platform]).build(settings, credentials or {})
