"""What every platform client returns and raises. No Django, no Celery, no ORM."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from monitoring.platforms.addresses import ALLOW_SETTING, host_is_plainly_private, private_allowed

MAX_COUNT = 2**63 - 1  # PostgreSQL's bigint, the type of the count columns
DEAD_LETTER_BODY_MAX = 100_000  # characters of a refused response body kept as a dead letter


@dataclass(frozen=True)
class NormalizedPost:
    """One post in the shape every platform maps to (the Mention row mirrors it)."""

    platform: str
    external_id: str
    text: str
    posted_at: datetime
    url: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_followers: int = 0
    author_verified: bool = False
    author_created_at: datetime | None = None
    # News outlets count as high-reach authors whatever their follower count.
    author_is_outlet: bool = False
    language: str = ""
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    views: int | None = None
    # Spread: the platform ids this post replies to, quotes or reposts, and its thread.
    reply_to: str = ""
    quote_of: str = ""
    repost_of: str = ""
    conversation_id: str = ""
    urls: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RejectedItem:
    """An item of an otherwise good page that could not be parsed (goes to dead letters)."""

    reason: str
    raw: str


@dataclass(frozen=True)
class RateLimit:
    """What the platform said about our budget (for source health)."""

    remaining: int | None = None
    limit: int | None = None
    reset_at: datetime | None = None


@dataclass(frozen=True)
class Page:
    """One fetched page: the posts, the cursor after them, items that failed to parse, and
    what failed without failing the page (one news feed of several), which the source shows
    as its last error while its health stays OK."""

    posts: list[NormalizedPost]
    next_cursor: dict[str, Any]
    rejected: list[RejectedItem] = field(default_factory=list)
    rate_limit: RateLimit | None = None
    warnings: list[str] = field(default_factory=list)


class PlatformError(Exception):
    """Base of every platform failure."""


class PlatformUnavailable(PlatformError):
    """Timeout, connection error or 5xx: transient, retry with backoff."""


class PlatformRateLimited(PlatformError):
    """HTTP 429: retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PlatformAuthError(PlatformError):
    """Credentials rejected: not transient."""


class PlatformBadPayload(PlatformError):
    """The response could not be understood; names the offending field."""


class PlatformAddressRefused(PlatformError):
    """A request we refuse to make: the source's URL (or a redirect) leads to a private
    address. Final until the settings change: never retried as an outage."""


class PlatformMalformedBody(PlatformBadPayload):
    """A whole response body that is not JSON (a proxy's error page, a cut-off response):
    retried like an outage; `raw` is the body, for the dead letters."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw


def platform_count(value: Any, name: str) -> int:
    """A count read from a platform's item (missing or null: 0). A negative count (a Reddit
    score after downvotes) is stored as 0, as the columns hold no negatives; anything but a
    whole number up to MAX_COUNT raises ValueError, which makes the item a dead letter instead
    of failing its page at the database."""
    value = value or 0
    if isinstance(value, bool) or not isinstance(value, int) or value > MAX_COUNT:
        raise ValueError(f"{name}: not a count ({str(value)[:40]!r})")
    return max(value, 0)


# Settings: what each client's `build` reads from a source's JSON settings. Each reader takes
# a missing key or null as its default and raises PlatformBadPayload naming the setting and
# what it expects, so a bad value is refused when the source is saved (the config check builds
# the client), not at every poll with an error that names nothing.
TIMEOUT_RANGE = (1, 300)  # seconds a request may take


def settings_unknown_check(settings: dict[str, Any], accepted: tuple[str, ...]) -> None:
    """Raise PlatformBadPayload for a key no client reads (a typo such as `timout`)."""
    unknown = sorted(set(settings) - set(accepted))
    if unknown:
        raise PlatformBadPayload(
            f"settings: unknown key {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(accepted)}"
        )


def setting_seconds(
    settings: dict[str, Any], key: str, *, default: float, bounds: tuple[int, int] = TIMEOUT_RANGE
) -> float:
    """A number of seconds within `bounds` (NaN, infinity, strings and booleans refused)."""
    value = settings.get(key)
    if value is None:
        return default
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise PlatformBadPayload(
            f"settings.{key}: expected a number of seconds from {low} to {high}"
        )
    return float(value)


def setting_bool(settings: dict[str, Any], key: str, *, default: bool = False) -> bool:
    """A JSON true or false (the string "false" is refused, not read as true)."""
    value = settings.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise PlatformBadPayload(f"settings.{key}: expected true or false")
    return value


def setting_string(settings: dict[str, Any], key: str, *, default: str = "") -> str:
    """A string (missing, null or empty: `default`)."""
    value = settings.get(key)
    if value is not None and not isinstance(value, str):
        raise PlatformBadPayload(f"settings.{key}: expected a string")
    return value or default


def setting_strings(settings: dict[str, Any], key: str) -> list[str]:
    """A list of strings (a lone string is refused, not split into its letters)."""
    value = settings.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PlatformBadPayload(f"settings.{key}: expected a list of strings")
    return value


def _http_host(value: Any) -> str:
    """The host of an http(s) URL; "" for anything else."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed address such as http://[::1
        return ""
    return (parts.hostname or "") if parts.scheme in ("http", "https") else ""


def _private_refused(key: str, hosts: list[str]) -> None:
    """Refuse a host that is plainly private (localhost, an IP literal) unless allowed; a name
    is checked at each request instead, as DNS can answer differently then."""
    private = [host for host in hosts if host_is_plainly_private(host)]
    if private and not private_allowed():
        raise PlatformAddressRefused(
            f"settings.{key}: {private[0]} is a private address ({ALLOW_SETTING} allows it)"
        )


def setting_url(settings: dict[str, Any], key: str, *, default: str = "") -> str:
    """An http(s) URL with a public host (missing, null or empty: `default`)."""
    value = settings.get(key)
    if value in (None, ""):
        return default
    host = _http_host(value)
    if not host:
        raise PlatformBadPayload(f"settings.{key}: expected an http(s) URL")
    _private_refused(key, [host])
    return value


def setting_urls(settings: dict[str, Any], key: str) -> list[str]:
    """A list of http(s) URLs with public hosts."""
    value = settings.get(key)
    if value is None:
        return []
    hosts = [_http_host(url) for url in value] if isinstance(value, list) else [""]
    if not all(hosts):
        raise PlatformBadPayload(f"settings.{key}: expected a list of http(s) URLs")
    _private_refused(key, hosts)
    return value


def dead_letter_raw(text: str) -> str:
    """A raw body or item as a dead letter keeps it: NULs dropped (PostgreSQL's text refuses
    them), cut at DEAD_LETTER_BODY_MAX characters with a note of its whole length."""
    raw = text.replace("\x00", "")
    if len(raw) > DEAD_LETTER_BODY_MAX:
        raw = f"{raw[:DEAD_LETTER_BODY_MAX]}\n[… cut: {len(raw):,} characters in all]"
    return raw


class PollReads:
    """What a client has read in the current poll that does not depend on the query (a feed,
    a hashtag timeline, a listing), so that the poll's other queries take it over instead of
    reading it again. A poll is known by its `now`: `source_poll` makes a client per poll and
    hands every query of it the same `now`."""

    def __init__(self) -> None:
        self._at: datetime | None = None
        self._read: dict[str, Any] = {}

    def of(self, now: datetime) -> dict[str, Any]:
        """The reads of the poll at `now` (empty for a new poll), to look up and fill."""
        if now != self._at:
            self._at, self._read = now, {}
        return self._read
