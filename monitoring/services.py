"""Writes for monitoring: polling, ingest, alert rules.

The ingest path follows STYLE 3.3: fetch outside any transaction, score in memory, then one
short durable transaction inserts (ON CONFLICT DO NOTHING on the natural key) and saves the
cursor, and only after commit is anything published.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crisiscenter.db import insert_ignore_conflicts
from monitoring.models import Alert, AlertRule, Mention, Source
from monitoring.platforms import client_for
from monitoring.platforms.base import NormalizedPost, PlatformError
from monitoring.sentiment import NEGATIVE_THRESHOLD, detect_language, score_text
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120
DOWN_AFTER_FAILURES = 3
ALERT_MENTION_LIMIT = 50


@dataclass(frozen=True)
class PollResult:
    fetched: int
    inserted: int
    alerts: int
    skipped: bool = False


def source_lease_acquire(*, source: Source, now: datetime) -> bool:
    """Take the poll lease on the source (conditional UPDATE). False if another poll holds it."""
    got = (
        Source.objects.filter(pk=source.pk, is_enabled=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=LEASE_SECONDS), last_polled_at=now)
    )
    return got == 1


def source_poll(*, source: Source, now: datetime | None = None, limit: int = 100) -> PollResult:
    """Fetch one page for the source, ingest it, then evaluate the workspace's alert rules.

    Holds the source's lease during the poll; records health on success and failure.
    Re-raises PlatformError after recording it (the task decides whether to retry).
    """
    now = now or timezone.now()
    if not source_lease_acquire(source=source, now=now):
        logger.info("monitoring.source_poll.leased", extra={"source_id": source.pk})
        return PollResult(fetched=0, inserted=0, alerts=0, skipped=True)
    try:
        client = client_for(source.platform, source.settings)
        page = client.fetch(cursor=source.cursor, now=now, limit=limit)
    except PlatformError as exc:
        source_record_failure(source=source, error=exc, now=now)
        raise
    inserted = mention_ingest_batch(source=source, posts=page.posts, cursor=page.next_cursor)
    alerts = alert_rules_evaluate(workspace_id=source.workspace_id, now=now)
    return PollResult(fetched=len(page.posts), inserted=len(inserted), alerts=len(alerts))


def source_record_failure(*, source: Source, error: Exception, now: datetime) -> None:
    """Record a failed poll: error text, failure count, health (down after 3); frees the lease."""
    failures = source.consecutive_failures + 1
    health = Source.Health.DOWN if failures >= DOWN_AFTER_FAILURES else Source.Health.LAGGING
    Source.objects.filter(pk=source.pk).update(
        consecutive_failures=failures,
        last_error=str(error)[:2000],
        last_error_at=now,
        health=health,
        lease_until=None,
    )
    logger.warning(
        "monitoring.source_poll.failed",
        extra={"source_id": source.pk, "error": type(error).__name__, "failures": failures},
    )


def _mention_from_post(*, source: Source, post: NormalizedPost, now: datetime) -> Mention:
    language = post.language or detect_language(post.text)
    score = score_text(post.text, language)
    return Mention(
        workspace_id=source.workspace_id,
        source_id=source.pk,
        platform=post.platform,
        external_id=post.external_id,
        url=post.url,
        author_handle=post.author_handle,
        author_name=post.author_name,
        author_followers=post.author_followers,
        author_verified=post.author_verified,
        author_created_at=post.author_created_at,
        author_is_outlet=post.author_is_outlet,
        text=post.text,
        language=language,
        posted_at=post.posted_at,
        fetched_at=now,
        sentiment_compound=score.compound,
        sentiment_pos=score.pos,
        sentiment_neu=score.neu,
        sentiment_neg=score.neg,
        sentiment_scorer=score.scorer,
        likes=post.likes,
        reposts=post.reposts,
        replies=post.replies,
        quotes=post.quotes,
        views=post.views,
        reply_to=post.reply_to,
        quote_of=post.quote_of,
        repost_of=post.repost_of,
        conversation_id=post.conversation_id,
        urls=list(post.urls),
        hashtags=list(post.hashtags),
        raw=post.raw,
    )


def mention_ingest_batch(
    *, source: Source, posts: list[NormalizedPost], cursor: dict[str, Any]
) -> list[Mention]:
    """Score and store a page of posts and save the source's cursor, in one transaction.

    Idempotent: duplicates (same workspace, platform, external id) are skipped. Publishes one
    `mention.batch` event with the new mentions after commit. Returns the new mentions.
    """
    now = timezone.now()
    mentions = [_mention_from_post(source=source, post=p, now=now) for p in posts]
    with transaction.atomic(durable=True):
        rows = insert_ignore_conflicts(
            mentions,
            conflict_fields=["workspace", "platform", "external_id"],
            returning=["id", "platform", "external_id"],
        )
        Source.objects.filter(pk=source.pk).update(
            cursor=cursor,
            last_success_at=now,
            last_item_count=len(posts),
            consecutive_failures=0,
            health=Source.Health.OK,
            last_error="",
            lease_until=None,
        )
        ids = {(platform, external_id): pk for pk, platform, external_id in rows}
        new = []
        for mention in mentions:
            pk = ids.pop((mention.platform, mention.external_id), None)
            if pk is not None:
                mention.pk = pk
                new.append(mention)
        if new:
            publish_on_commit(
                workspace_id=source.workspace_id,
                event=events.MentionBatch(
                    workspace_id=source.workspace_id,
                    mentions=[events.mention_item(m) for m in new],
                ),
            )
    source.cursor = cursor
    logger.info(
        "monitoring.ingest.stored",
        extra={"source_id": source.pk, "fetched": len(posts), "inserted": len(new)},
    )
    return new


def _severity(*, observed: int, threshold: int, reach: int) -> int:
    """1-4: how far past the threshold the burst is, one level up for a 100k+ follower reach."""
    ratio = observed / max(threshold, 1)
    level = 4 if ratio >= 4 else 3 if ratio >= 2 else 2
    return min(4, level + (1 if reach >= 100_000 else 0))


def alert_rule_evaluate(*, rule: AlertRule, now: datetime) -> Alert | None:
    """Evaluate one rule at `now`; create an Alert if it fires outside its cooldown.

    Locks the rule row, so concurrent evaluations fire at most once. Publishes `alert.created`.
    """
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
        if rule.last_fired_at and now - rule.last_fired_at < timedelta(
            minutes=rule.cooldown_minutes
        ):
            return None
        threshold = int(rule.params.get("threshold", 5))
        window = int(rule.params.get("window_minutes", 5))
        negatives = Mention.objects.filter(
            workspace_id=rule.workspace_id,
            posted_at__gt=now - timedelta(minutes=window),
            posted_at__lte=now,
            sentiment_compound__lte=NEGATIVE_THRESHOLD,
        ).order_by("-posted_at")
        found = list(negatives.values_list("id", "author_followers")[:ALERT_MENTION_LIMIT])
        observed = negatives.count() if len(found) == ALERT_MENTION_LIMIT else len(found)
        if observed < threshold:
            return None
        reach = sum(followers for _id, followers in found)
        alert = Alert.objects.create(
            workspace_id=rule.workspace_id,
            rule=rule,
            rule_kind=rule.kind,
            severity=_severity(observed=observed, threshold=threshold, reach=reach),
            details={"observed": observed, "threshold": threshold, "window_minutes": window},
            mention_ids=[pk for pk, _f in found],
            created_at=now,
        )
        rule.last_fired_at = now
        rule.save(update_fields=["last_fired_at"])
        publish_on_commit(workspace_id=rule.workspace_id, event=events.alert_created(alert))
    logger.info("monitoring.alert.created", extra={"alert_id": alert.pk, "rule_id": rule.pk})
    return alert


def alert_rules_evaluate(*, workspace_id: int, now: datetime) -> list[Alert]:
    """Evaluate every enabled rule of the workspace; returns the alerts raised."""
    rules = AlertRule.objects.filter(workspace_id=workspace_id, is_enabled=True)
    return [a for rule in rules if (a := alert_rule_evaluate(rule=rule, now=now))]


@transaction.atomic
def source_create(
    *, workspace_id: int, name: str, platform: str, settings: dict[str, Any], interval: int
) -> Source:
    """Create an enabled source (no cursor: it starts from now)."""
    return Source.objects.create(
        workspace_id=workspace_id,
        name=name,
        platform=platform,
        settings=settings,
        poll_interval_seconds=interval,
    )


@transaction.atomic
def alert_rule_create(
    *, workspace_id: int, name: str, kind: str, params: dict[str, Any], cooldown_minutes: int
) -> AlertRule:
    """Create an enabled alert rule."""
    return AlertRule.objects.create(
        workspace_id=workspace_id,
        name=name,
        kind=kind,
        params=params,
        cooldown_minutes=cooldown_minutes,
    )
