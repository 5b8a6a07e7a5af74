"""Polling one source: lease, fetch outside any transaction, ingest, health.

A source's cursor is a dict keyed by the compiled platform query, so every query (a workspace
may need several when its watch terms exceed a platform's query length) keeps its own
position; keys of queries that no longer exist are dropped. A query without a position yet,
because watch terms were edited, starts where the source's earlier queries had got to if its
platform client can carry a position over (`resume_cursor`), instead of at the newest page.
"""

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from monitoring.models import DeadLetter, Source
from monitoring.platforms import client_for
from monitoring.platforms.base import (
    PlatformError,
    PlatformMalformedBody,
    PlatformRateLimited,
    RejectedItem,
    dead_letter_raw,
)
from monitoring.query import Query, QuerySyntaxError, compile_terms
from monitoring.selectors import source_credentials, source_ids_due, watch_term_queries
from monitoring.services.ingest import mention_ingest_batch
from monitoring.services.poll_errors import (
    poll_error_scrub,
    poll_error_text,
    poll_text_masked,
)
from monitoring.services.rules import (
    alert_rules_evaluate,
    source_down_alert_raise,
    source_down_alerts_recover,
)
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120
# Down: at least DOWN_AFTER_FAILURES failed polls in a row AND failing for DOWN_AFTER since the
# first of them. With the backoff below (30 s, 60 s, 120 s, 240 s, then every 5 minutes, each
# plus jitter) that is the fourth failed poll, about 3.5 minutes into an outage; a shorter
# blip leaves the source Lagging and raises no alert.
DOWN_AFTER_FAILURES = 3
DOWN_AFTER = timedelta(minutes=3)
RETRY_BACKOFF_FIRST = 30.0
RETRY_BACKOFF_MAX = 300.0
# Platforms whose client searches: they need watch terms compiled into a query.
SEARCHING_PLATFORMS = frozenset({"x", "reddit", "mastodon", "bluesky", "news"})
X_MAX_QUERY = 512
QUOTA_EVERY = timedelta(hours=1)
# A 429 pauses the source until the platform's reset, at most this long (a garbled header
# must not silence a source for days); each wait gets up to a quarter more, at most
# JITTER_MAX_SECONDS, so sources sharing a token do not all come back at the same second.
RATE_LIMIT_MAX_WAIT = timedelta(hours=1)
JITTER_MAX_SECONDS = 30.0


@dataclass(frozen=True)
class PollResult:
    fetched: int
    inserted: int
    alert_ids: list[int]
    skipped: bool = False


def source_lease_acquire(*, source: Source, now: datetime, owner: str = "") -> bool:
    """Take the poll lease on the source (conditional UPDATE). False if another poll holds it
    or the source waits for its `next_poll_at` (a rate-limit reset), whoever asks.

    `owner` (the task id) may retake a lease it still holds: a message redelivered after a
    worker died mid-poll carries the same id.
    """
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    if owner:
        free |= Q(lease_owner=owner)
    got = (
        Source.objects.filter(pk=source.pk, is_enabled=True)
        .filter(free, Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .update(
            lease_until=now + timedelta(seconds=LEASE_SECONDS),
            lease_owner=owner,
            last_polled_at=now,
            next_poll_at=None,
        )
    )
    return got == 1


def sources_claim_due(*, now: datetime) -> list[int]:
    """The sources due for a poll, marked as polled now (and their `next_poll_at` used up), so
    that a lagging queue receives each source once per interval instead of once per beat tick."""
    due = source_ids_due(now=now)
    if due:
        Source.objects.filter(pk__in=due).update(last_polled_at=now, next_poll_at=None)
    return due


def _jittered(seconds: float) -> timedelta:
    """`seconds` plus up to a quarter more (at most JITTER_MAX_SECONDS)."""
    spread = min(seconds / 4, JITTER_MAX_SECONDS)
    return timedelta(seconds=seconds + random.uniform(0, spread))  # noqa: S311 - not security


def _search_max_length(platform: str, settings: dict[str, Any]) -> int:
    """The longest search the platform's client may send for the watch terms."""
    if platform != "x":
        return 1000
    # The X client sends "(query) <suffix>": leave room for the suffix.
    suffix = settings.get("query_suffix", "")
    return X_MAX_QUERY - (len(suffix) + 3 if suffix else 0)


def search_unfit(
    *, platform: str, settings: dict[str, Any], queries: list[Query]
) -> QuerySyntaxError | None:
    """Why the first of `queries` that cannot fit in the searches of a source with these
    settings does not, or None when all fit (the config services refuse such a term or such
    settings)."""
    if platform not in SEARCHING_PLATFORMS:
        return None
    for query in queries:
        try:
            compile_terms([query], platform, max_length=_search_max_length(platform, settings))
        except QuerySyntaxError as exc:
            return exc
    return None


def _queries_for(source: Source) -> list[str]:
    if source.platform not in SEARCHING_PLATFORMS:
        return [""]
    queries = watch_term_queries(workspace_id=source.workspace_id)
    if not queries:
        return [""]
    max_length = _search_max_length(source.platform, source.settings)
    try:
        return compile_terms(list(queries.values()), source.platform, max_length=max_length)
    except QuerySyntaxError:
        pass
    # A term too long for this source's searches (saved before the config services refused
    # such terms and settings): search for the others rather than for none. Local matching
    # still applies it to what the others bring in. With none left, the poll fails (visibly).
    fitting, unfit = [], None
    for term_id, query in queries.items():
        unfit_now = search_unfit(
            platform=source.platform, settings=source.settings, queries=[query]
        )
        if unfit_now is None:
            fitting.append(query)
            continue
        unfit = unfit_now
        logger.warning(
            "monitoring.source_poll.term_not_searched",
            extra={"source_id": source.pk, "watch_term_id": term_id, "error": str(unfit)},
        )
    if not fitting and unfit is not None:
        raise unfit
    return compile_terms(fitting, source.platform, max_length=max_length)


def _cursors_for(client: object, stored: dict[str, Any], queries: list[str]) -> dict[str, Any]:
    """Each query's cursor: its own; for a query new since the last poll, the position the
    stored queries had reached, where the client can carry one over; else none (newest page)."""
    cursors = {q: c for q, c in stored.items() if q in queries}
    resume = getattr(client, "resume_cursor", None)
    if resume is None or all(q in cursors for q in queries):
        return cursors
    carried = resume([c for c in stored.values() if isinstance(c, dict)])
    return {q: cursors.get(q) or dict(carried) for q in queries}


def source_poll(
    *, source: Source, now: datetime | None = None, limit: int = 100, owner: str = ""
) -> PollResult:
    """Fetch one page per compiled query for the source, ingest each, then evaluate rules.

    Returns the ids of NEW alerts, which the caller routes (incidents.services.alerts_route).
    Holds the source's lease during the poll (skips, returning `skipped`, while another poll
    holds it or the source waits for a rate-limit reset); records health on success and
    failure, and what failed in a poll that still read the rest (`Page.warnings`: one news
    feed of several) as the last error of a source that stays OK. Re-raises every error
    after recording it: a 429 pauses the source until the platform's reset (not a failure);
    anything else (platform errors, the soft time limit, a database error) counts as a
    failed poll.
    """
    now = now or timezone.now()
    health_before = source.health
    if not source_lease_acquire(source=source, now=now, owner=owner):
        logger.info("monitoring.source_poll.leased", extra={"source_id": source.pk})
        return PollResult(fetched=0, inserted=0, alert_ids=[], skipped=True)
    searched = _Searched()
    try:
        client = client_for(source.platform, source.settings, source_credentials(source=source))
        _search_each(source=source, client=client, now=now, limit=limit, into=searched)
        if searched.failed:
            raise searched.failed[0]
        warning = poll_text_masked("; ".join(dict.fromkeys(searched.warnings)), source=source)
        if warning:  # a part failed (a news feed), the rest was read: shown, health stays OK
            Source.objects.filter(pk=source.pk).update(last_error=warning, last_error_at=now)
    except PlatformRateLimited as exc:
        source_record_rate_limit(source=source, error=exc, now=now)
        poll_error_scrub(exc, source=source)
        raise
    except PlatformError as exc:
        for error in searched.failed or [exc]:
            if isinstance(error, PlatformMalformedBody):
                source_dead_letter_body(source=source, error=error)
        # Counted on from the state the poll started from: a search that worked before the
        # failing one has reset the count in the database (its page's health update).
        source_record_failure(source=source, error=exc, now=now, reread=False)
        poll_error_scrub(exc, source=source)
        raise
    except Exception as exc:
        # The soft time limit, a database error, a bug: CrisisCenter is just as blind.
        _record_failure_of_our_own(source=source, error=exc, now=now)
        poll_error_scrub(exc, source=source)
        raise
    finally:
        Source.objects.filter(pk=source.pk).update(lease_until=None, lease_owner="")
    if health_before != Source.Health.OK or warning != source.last_error:
        _publish_health(source.pk)  # back to live, or a part failing (or no longer) meanwhile
    if health_before == Source.Health.DOWN:
        source_down_alerts_recover(source=source, now=now)
    source_quota_refresh(source=source, client=client, now=now)
    alerts = alert_rules_evaluate(workspace_id=source.workspace_id, now=now)
    return PollResult(
        fetched=len(searched.seen), inserted=searched.inserted, alert_ids=[a.pk for a in alerts]
    )


@dataclass
class _Searched:
    """What a poll's searches brought: counts, warnings, and the errors of those that failed."""

    inserted: int = 0
    # The posts read, once each: several searches of a poll often return the same post.
    seen: set[tuple[str, str]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    failed: list[PlatformError] = field(default_factory=list)
    # Items set aside so far: one that several searches return (a Mastodon status both in a
    # hashtag timeline and a search) is kept as one dead letter, not one per search.
    rejected: set[tuple[str, str]] = field(default_factory=set)

    def rejected_new(self, items: Sequence[RejectedItem]) -> list[RejectedItem]:
        """The items not yet set aside in this poll, now noted."""
        new = []
        for item in items:
            if (item.reason, item.raw) not in self.rejected:
                self.rejected.add((item.reason, item.raw))
                new.append(item)
        return new


def _search_each(
    *, source: Source, client: Any, now: datetime, limit: int, into: _Searched
) -> None:
    """One page per compiled query, each stored with the cursor after it. A query that fails
    (but for a 429, which stops the poll) is noted in `into.failed` and the others are still
    read: one failing search must not keep the source blind to the rest."""
    queries = _queries_for(source)
    cursors = _cursors_for(client, source.cursor or {}, queries)
    for query in queries:
        try:
            page = client.fetch(cursor=cursors.get(query, {}), now=now, limit=limit, query=query)
        except PlatformRateLimited:
            raise
        except PlatformError as exc:
            into.failed.append(exc)
            continue
        cursors[query] = page.next_cursor
        into.warnings += page.warnings
        into.seen.update((post.platform, post.external_id) for post in page.posts)
        result = mention_ingest_batch(
            source=source,
            posts=page.posts,
            cursor=dict(cursors),
            rejected=into.rejected_new(page.rejected),
            rate_limit=page.rate_limit,
            fetched_in_poll=len(into.seen),
        )
        into.inserted += result.new_count


def retry_backoff(failures: int) -> float:
    """Seconds to wait after the `failures`-th failed poll in a row (before jitter): 30, 60,
    120, 240, then RETRY_BACKOFF_MAX."""
    return min(RETRY_BACKOFF_FIRST * 2 ** min(failures - 1, 10), RETRY_BACKOFF_MAX)


def _record_failure_of_our_own(*, source: Source, error: Exception, now: datetime) -> None:
    """Record a non-platform failure; if even that fails (the database is gone), log it (type
    only) and let the caller raise the original error."""
    try:
        source_record_failure(source=source, error=error, now=now)
    except Exception as record_error:
        logger.error(
            "monitoring.source_poll.failure_not_recorded",
            extra={
                "source_id": source.pk,
                "error": type(error).__name__,
                "record_error": type(record_error).__name__,
            },
        )


def source_record_failure(
    *, source: Source, error: Exception, now: datetime, reread: bool = True
) -> None:
    """Record a failed poll: error, failure count, health, and the next attempt after an
    exponential backoff with jitter (`next_poll_at`); frees the lease.

    `down` after DOWN_AFTER_FAILURES failures in a row spanning DOWN_AFTER, else `lagging`.
    On the poll that makes the source `down`, raises a `source_down` alert (once per outage).
    `reread=False` counts on from the failure state `source` holds as loaded.
    """
    if reread:
        source.refresh_from_db(fields=["consecutive_failures", "failing_since", "health"])
    failures = source.consecutive_failures + 1
    since = source.failing_since if failures > 1 and source.failing_since else now
    down = failures >= DOWN_AFTER_FAILURES and now - since >= DOWN_AFTER
    health = Source.Health.DOWN if down else Source.Health.LAGGING
    error_text = poll_error_text(error, source=source)
    backoff = now + _jittered(retry_backoff(failures))
    Source.objects.filter(pk=source.pk).update(
        consecutive_failures=failures,
        failing_since=since,
        last_error=error_text,
        last_error_at=now,
        health=health,
        # The lease emptied next_poll_at; one set since is an admin's edit meant to mend the
        # source (config._poll_soon): it stands if it comes before the backoff.
        next_poll_at=Least(Coalesce("next_poll_at", Value(backoff)), Value(backoff)),
        lease_until=None,
    )
    logger.warning(
        "monitoring.source_poll.failed",
        extra={"source_id": source.pk, "error": type(error).__name__, "failures": failures},
    )
    if health != source.health:
        _publish_health(source.pk)
    if down and source.health != Source.Health.DOWN:
        source_down_alert_raise(source=source, failures=failures, error=error_text, now=now)


def source_dead_letter_body(*, source: Source, error: PlatformMalformedBody) -> DeadLetter:
    """Keep a response body that was not JSON as a dead letter: the reason, and the body cut at
    DEAD_LETTER_BODY_MAX characters (NULs dropped: PostgreSQL text refuses them)."""
    return DeadLetter.objects.create(
        workspace_id=source.workspace_id,
        source=source,
        platform=source.platform,
        reason=str(error)[:2000],
        raw=dead_letter_raw(error.raw),
    )


def source_record_rate_limit(*, source: Source, error: PlatformRateLimited, now: datetime) -> None:
    """Record a 429: the platform asked us to wait, so this is no failure (health and failure
    count stay). The source is not polled before the reset time plus jitter (`next_poll_at`,
    at most RATE_LIMIT_MAX_WAIT away); `rate_limit` shows the budget spent and until when."""
    wait = min(max(error.retry_after, 1.0), RATE_LIMIT_MAX_WAIT.total_seconds())
    resume = now + _jittered(wait)
    source.refresh_from_db(fields=["rate_limit"])
    rate_limit = {
        **(source.rate_limit or {}),
        "remaining": 0,
        "reset_at": (now + timedelta(seconds=wait)).isoformat(),
        "limited_until": resume.isoformat(),
    }
    Source.objects.filter(pk=source.pk).update(
        next_poll_at=resume, rate_limit=rate_limit, lease_until=None, lease_owner=""
    )
    logger.info(
        "monitoring.source_poll.rate_limited",
        extra={"source_id": source.pk, "resume_at": resume.isoformat()},
    )
    _publish_health(source.pk)  # the dashboard says until when it waits


def _publish_health(source_id: int) -> None:
    source = Source.objects.get(pk=source_id)
    publish_on_commit(workspace_id=source.workspace_id, event=events.source_health_changed(source))


def source_quota_refresh(*, source: Source, client: object, now: datetime) -> None:
    """Store the platform's monthly read quota (X) at most once per QUOTA_EVERY.

    A failure here never fails the poll: the quota is information, the mentions matter more.
    """
    usage = getattr(client, "usage", None)
    checked = (source.quota or {}).get("checked_at")
    if usage is None or (checked and now - datetime.fromisoformat(checked) < QUOTA_EVERY):
        return
    try:
        quota = usage(now=now)
    except PlatformError as exc:
        logger.info(
            "monitoring.source_quota.failed",
            extra={"source_id": source.pk, "error": type(exc).__name__},
        )
        return
    source.quota = {
        "used": quota.used,
        "cap": quota.cap,
        "reset_day": quota.reset_day,
        "checked_at": now.isoformat(),
    }
    Source.objects.filter(pk=source.pk).update(quota=source.quota)
