"""The dates a mention may carry. Pure (no Django).

Polled, pushed and imported posts all name their own dates, and any of them can be anything: a
Bluesky record's createdAt is what the author's app wrote. A date near datetime's limits
overflows when shown in a local time zone (DRF's DateTimeField, templates), which fails every
page of the list that holds it; one before 1900 is no post either. Ingest refuses a post
outside this range and stores a post dated later than now as now (`services/ingest._prepare`).
"""

from datetime import UTC, datetime

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
# A year before datetime's last, so that no time zone and no day's arithmetic overflows.
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def date_in_range(value: datetime) -> bool:
    """Whether `value` (aware) lies from EARLIEST up to, not including, LATEST."""
    return EARLIEST <= value < LATEST


def posted_at_stored(value: datetime, now: datetime) -> datetime | None:
    """The time a post dated `value` (aware) is stored with: `value`, or `now` for one dated
    later (a bad clock or time zone, or on purpose: it would head the newest-first stream for
    good); None when `value` is out of range (the post is refused)."""
    if EARLIEST <= value <= now:
        return value
    return now if date_in_range(value) else None
