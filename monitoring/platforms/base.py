"""What every platform client returns and raises. No Django, no Celery, no ORM."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class NormalizedPost:
    platform: str
    external_id: str
    text: str
    posted_at: datetime
    url: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_followers: int = 0
    language: str = ""
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    views: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    posts: list[NormalizedPost]
    next_cursor: dict[str, Any]


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
