"""Platform clients: one module per platform, HTTP only, no ORM."""

from typing import Any, Protocol

from monitoring.platforms.base import Page, PlatformBadPayload


class PlatformClient(Protocol):
    def fetch(self, *, cursor: dict[str, Any], now: Any, limit: int = 100) -> Page: ...


def client_for(platform: str, settings: dict[str, Any]) -> PlatformClient:
    """The client for a source's platform and settings; raises PlatformBadPayload if unknown."""
    if platform == "demo":
        from monitoring.platforms.demo import DemoClient

        return DemoClient(scenario=settings.get("scenario", "nl"))
    raise PlatformBadPayload(f"platform: no poller for {platform!r}")
