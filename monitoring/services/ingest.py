"""Storing pages of posts: score in memory, one short transaction, publish after commit.

Idempotent by the natural key (workspace, platform, external id): INSERT ... ON CONFLICT DO
NOTHING RETURNING tells which rows are new, and only those are published. Watch terms are
matched on the text's word runs (`_matcher`), with the result of `matching_terms` at a fifth of
its cost; throughput and profile: bench/README.md.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache, partial
from typing import Any

from django.db import DataError, transaction
from django.utils import timezone

from crisiscenter.db import insert_ignore_conflicts
from monitoring.models import DeadLetter, Mention, Source
from monitoring.platforms.base import NormalizedPost, RateLimit, RejectedItem
from monitoring.query import Query, compile_matcher
from monitoring.selectors import watch_term_queries
from monitoring.sentiment import detect_language, score_text
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)

MAX_EXTERNAL_ID = 200
# The query package's word: terms match whole runs of it (monitoring/query/__init__.py).


@dataclass(frozen=True)
class StoreResult:
    new: list[Mention] = field(default_factory=list)
    duplicates: int = 0
    not_matching: int = 0


def _no_nul(value: Any) -> Any:
    """PostgreSQL text and jsonb reject NUL characters, which platforms do send: drop them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_no_nul(k): _no_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nul(v) for v in value]
    return value


def _mention_from_post(
    *, workspace_id: int, source_id: int | None, post: NormalizedPost, now: datetime, terms: list
) -> Mention:
    text = _no_nul(post.text)
    language = post.language or detect_language(text)
    score = score_text(text, language)
    return _new_mention(
        workspace_id=workspace_id,
        source_id=source_id,
        platform=post.platform,
        external_id=post.external_id,
        # Clamp to the columns: one over-long value must not fail (and stall) a whole page.
        url=post.url[:1000],
        author_handle=_no_nul(post.author_handle)[:200],
        author_name=_no_nul(post.author_name)[:200],
        author_followers=post.author_followers,
        author_verified=post.author_verified,
        author_created_at=post.author_created_at,
        author_is_outlet=post.author_is_outlet,
        text=text,
        language=language[:10],
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
        reply_to=post.reply_to[:200],
        quote_of=post.quote_of[:200],
        repost_of=post.repost_of[:200],
        conversation_id=post.conversation_id[:200],
        urls=list(post.urls),
        hashtags=list(post.hashtags),
        matched_terms=terms,
        raw=post.raw,
    )


@cache
def _mention_fields() -> tuple:
    return tuple(Mention._meta.concrete_fields)


def _new_mention(**values: Any) -> Mention:
    """`Mention(**values)`, built positionally: Model.__init__ takes keywords 4x slower."""
    return Mention(
        *[values[f.attname] if f.attname in values else f.get_default() for f in _mention_fields()]
    )


@lru_cache(maxsize=64)
def _matcher(queries: tuple[tuple[int, Query], ...]) -> Callable[[str], list[int]]:
    # Watch terms rarely change: compile each workspace's set once per process, not per page.
    return compile_matcher(dict(queries))


def _prepare(
    *,
    workspace_id: int,
    source_id: int | None,
    posts: Sequence[NormalizedPost],
    queries: dict[int, Query],
    require_match: bool,
) -> tuple[list[Mention], int, list[RejectedItem]]:
    """Match and score in memory (no DB): mentions to store, non-matching count, rejects."""
    now = timezone.now()
    mentions, not_matching, rejects = [], 0, []
    matching_terms = _matcher(tuple(sorted(queries.items())))
    for post in posts:
        if not post.external_id or len(post.external_id) > MAX_EXTERNAL_ID:
            rejects.append(
                RejectedItem(reason="external_id: empty or too long", raw=repr(post.raw)[:100_000])
            )
            continue
        terms = matching_terms(post.text) if queries else []
        if require_match and not terms:
            not_matching += 1
            continue
        mentions.append(
            _mention_from_post(
                workspace_id=workspace_id, source_id=source_id, post=post, now=now, terms=terms
            )
        )
    return mentions, not_matching, rejects


def _dead_letters(
    *, workspace_id: int, source_id: int | None, platform: str, items: Sequence[RejectedItem]
) -> None:
    DeadLetter.objects.bulk_create(
        DeadLetter(
            workspace_id=workspace_id,
            source_id=source_id,
            platform=platform,
            reason=item.reason[:2000],
            raw=item.raw,
        )
        for item in items
    )


def _insert_and_publish(*, workspace_id: int, mentions: list[Mention]) -> list[Mention]:
    """Insert (skipping duplicates) inside the caller's transaction; publish the new ones."""
    insert = partial(
        insert_ignore_conflicts,
        mentions,
        conflict_fields=["workspace", "platform", "external_id"],
        returning=["id", "platform", "external_id"],
    )
    try:
        with transaction.atomic():  # a savepoint, so a rejected payload can be retried
            rows = insert()
    except DataError as exc:
        # jsonb refuses \u0000, which platforms do send inside raw payloads. Checking every
        # payload up front costs a JSON encoding per post; cleaning after a refusal is free.
        if "0000" not in str(exc) and "0x00" not in str(exc):
            raise
        for mention in mentions:
            mention.raw = _no_nul(mention.raw)
        rows = insert()
    ids = {(platform, external_id): pk for pk, platform, external_id in rows}
    new = []
    for mention in mentions:
        pk = ids.pop((mention.platform, mention.external_id), None)
        if pk is not None:
            mention.pk = pk
            new.append(mention)
    if new:
        publish_on_commit(
            workspace_id=workspace_id,
            event=events.MentionBatch(
                workspace_id=workspace_id, mentions=[events.mention_item(m) for m in new]
            ),
        )
    return new


def mention_ingest_batch(
    *,
    source: Source,
    posts: Sequence[NormalizedPost],
    cursor: dict[str, Any],
    rejected: Sequence[RejectedItem] = (),
    rate_limit: RateLimit | None = None,
) -> StoreResult:
    """Store a polled page: matching posts, dead letters and the source's cursor, atomically.

    Only posts matching a watch term are kept (polled sources). Idempotent. Publishes one
    `mention.batch` event with the new mentions after commit.
    """
    queries = watch_term_queries(workspace_id=source.workspace_id)
    mentions, not_matching, rejects = _prepare(
        workspace_id=source.workspace_id,
        source_id=source.pk,
        posts=posts,
        queries=queries,
        require_match=source.platform != "demo" or bool(queries),
    )
    now = timezone.now()
    with transaction.atomic(durable=True):
        new = _insert_and_publish(workspace_id=source.workspace_id, mentions=mentions)
        _dead_letters(
            workspace_id=source.workspace_id,
            source_id=source.pk,
            platform=source.platform,
            items=[*rejected, *rejects],
        )
        updates: dict[str, Any] = {
            "cursor": cursor,
            "last_success_at": now,
            "last_item_count": len(posts),
            "consecutive_failures": 0,
            "health": Source.Health.OK,
            "last_error": "",
        }
        if rate_limit is not None:
            updates["rate_limit"] = {
                "remaining": rate_limit.remaining,
                "limit": rate_limit.limit,
                "reset_at": rate_limit.reset_at.isoformat() if rate_limit.reset_at else None,
            }
        Source.objects.filter(pk=source.pk).update(**updates)
    source.cursor = cursor
    result = StoreResult(new=new, duplicates=len(mentions) - len(new), not_matching=not_matching)
    logger.info(
        "monitoring.ingest.stored",
        extra={
            "source_id": source.pk,
            "fetched": len(posts),
            "inserted": len(new),
            "rejected": len(rejected),
        },
    )
    return result


def mention_import_batch(
    *, workspace_id: int, source_id: int | None, posts: Sequence[NormalizedPost]
) -> StoreResult:
    """Store pushed or imported posts whether or not they match (matches are still recorded).

    Idempotent (re-importing creates nothing new). Publishes `mention.batch` after commit.
    """
    queries = watch_term_queries(workspace_id=workspace_id)
    mentions, _, rejects = _prepare(
        workspace_id=workspace_id,
        source_id=source_id,
        posts=posts,
        queries=queries,
        require_match=False,
    )
    with transaction.atomic(durable=True):
        new = _insert_and_publish(workspace_id=workspace_id, mentions=mentions)
        _dead_letters(
            workspace_id=workspace_id, source_id=source_id, platform="import", items=rejects
        )
        if source_id is not None:
            Source.objects.filter(pk=source_id).update(
                last_success_at=timezone.now(),
                last_item_count=len(posts),
                health=Source.Health.OK,
            )
    return StoreResult(new=new, duplicates=len(mentions) - len(new))
