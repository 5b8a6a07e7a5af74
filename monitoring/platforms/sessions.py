"""HTTP sessions for clients whose URLs admins type (news feeds, a Mastodon instance, a Bluesky
service): each request is checked right before it is sent, redirects included (requests sends
every hop through the session's adapter), on every address its host resolves to."""

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from monitoring.platforms.addresses import (
    ALLOW_SETTING,
    AddressRefused,
    AddressUnresolved,
    host_check,
    private_allowed,
)
from monitoring.platforms.base import PlatformAddressRefused
from monitoring.platforms.text import url_secrets_masked


class PublicOnlyAdapter(HTTPAdapter):
    """Refuses (PlatformAddressRefused) a request whose host is not public, unless private
    addresses are allowed; a name that does not resolve is a ConnectionError, as requests'
    own would be."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if not private_allowed():
            host = urlsplit(request.url or "").hostname or ""
            try:
                host_check(host)
            except AddressUnresolved as exc:
                raise requests.ConnectionError(str(exc), request=request) from exc
            except AddressRefused as exc:
                raise PlatformAddressRefused(
                    f"refused: {url_secrets_masked(request.url or '')} leads to a private "
                    f"address ({ALLOW_SETTING} allows it)"
                ) from exc
        return super().send(request, *args, **kwargs)


def public_only_session(user_agent: str) -> requests.Session:
    """A session whose every request (and redirect) goes through PublicOnlyAdapter."""
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    for prefix in ("https://", "http://"):
        session.mount(prefix, PublicOnlyAdapter())
    return session
