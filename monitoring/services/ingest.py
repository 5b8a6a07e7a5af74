"""Storing pages of posts: score in memory, one short transaction, publish after commit.

Idempotent by the natural key (workspace, platform, external id): INSERT ... ON CONFLICT DO
NOTHING RETURNING tells which rows are new, and only those are published. The hot path builds
each row as a plain list in column order (Mention objects only when a caller reads them),
skips posts this process has already stored for the same source (re-sent pages are common)
before matching and scoring them, and sends each page with a fixed number of statements.
Throughput and profile: bench/README.md.
"""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from crisiscenter.db import (
    KeyExists,
    database_session,
    insert_rows_ignore_conflicts,
    update_by_pk,
)
from monitoring.dates import posted_at_stored
from monitoring.models import DeadLetter, Mention, Source
from monitoring.platforms.base import NormalizedPost, RateLimit, RejectedItem, dead_letter_raw
from monitoring.platforms.text import storable_as_is
from monitoring.query import Query, compile_matcher
from monitoring.selectors import watch_term_queries
from monitoring.sentiment import sentiment_label
from monitoring.services.rows import (
    ROW_COLUMNS,
    ROW_COMPOUND_AT,
    ROW_ITEM_VALUES,
    ROW_KEY,
    aware,
    mention_of_row,
    raw_text,
    row_columns,
    row_of_post,
)
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)

MAX_EXTERNAL_ID = 200
# Keys remembered per source (re-sent posts come from recent pages), and sources remembered.
RECENT_KEYS_PER_SOURCE = 5000
RECENT_SOURCES = 256


# A stored row: its values (`ROW_COLUMNS` order), its id, and its JSON columns as objects.
_Stored = tuple[list[Any], int, dict[str, Any]]


@dataclass(frozen=True)
class StoreResult:
    """What storing a page did. `new` makes the Mention objects when first read: polling and
    imports only count them (`new_count`), and making them cost more than sending the row."""

    stored: Sequence[_Stored] = ()
    duplicates: int = 0
    not_matching: int = 0
    # Of the duplicates (pushes and imports): how many came with another text than the one
    # stored. The stored mention is kept as it is; the sender is told.
    differing: int = 0

    @property
    def new_count(self) -> int:
        return len(self.stored)

    @cached_property
    def new(self) -> list[Mention]:
        alias = connection.alias
        return [mention_of_row(row, pk, values, alias) for row, pk, values in self.stored]


@dataclass
class _Prepared:
    """Rows ready to insert (column order of `row_columns()`), and what was set aside."""

    rows: list[list[Any]] = field(default_factory=list)
    # Each row's JSON columns as objects (the rows carry them encoded).
    json_values: list[dict[str, Any]] = field(default_factory=list)
    not_matching: int = 0
    known: int = 0  # already stored, by this process's memory of the source
    rejects: list[RejectedItem] = field(default_factory=list)


@lru_cache(maxsize=64)
def _matcher(queries: tuple[tuple[int, Query], ...]) -> Callable[[str], list[int]]:
    # Watch terms rarely change: compile each workspace's set once per process, not per page.
    return compile_matcher(dict(queries))


# (source id, source created, database session) -> external ids this process stored or found
# stored for that source.
_recent: OrderedDict[tuple, dict[tuple[str, str], None]] = OrderedDict()
_recent_lock = threading.Lock()


def _recent_keys(source: Source, session: object) -> dict[tuple[str, str], None]:
    """Keys (platform, external id) known to be stored for `source`, oldest first.

    Filled only after commit, so a key here is a committed row: re-sent posts (overlapping
    windows, RSS feeds re-listing their items) are counted as duplicates without being matched
    or scored. The creation time guards against a reused primary key (SQLite). `session` is
    `database_session()`: pages commit without waiting for the disk, so a database crash can
    undo the last ones (and their cursors, so they are fetched again). Such a crash ends every
    connection, and with a new connection this memory starts empty instead of skipping posts
    that are no longer stored.
    """
    key = (source.pk, source.created_at, session)
    with _recent_lock:
        keys = _recent.get(key)
        if keys is None:
            keys = _recent[key] = {}
            while len(_recent) > RECENT_SOURCES:
                _recent.popitem(last=False)
    return keys


def _remember(keys: dict[tuple[str, str], None], seen: list[tuple[str, str]]) -> None:
    with _recent_lock:  # embedded mode ingests in several threads
        for key in seen:
            keys[key] = None
        for stale in list(islice(keys, max(0, len(keys) - RECENT_KEYS_PER_SOURCE))):
            del keys[stale]


def _prepare(
    *,
    workspace_id: int,
    source_id: int | None,
    posts: Sequence[NormalizedPost],
    queries: dict[int, Query],
    require_match: bool,
    known: dict[tuple[str, str], None] | None = None,
) -> _Prepared:
    """Match and score in memory (no DB): rows to store, and what was set aside."""
    now = timezone.now()
    out = _Prepared()
    matching_terms = _matcher(tuple(sorted(queries.items())))
    known = known or {}
    for post in posts:
        if not post.external_id or len(post.external_id) > MAX_EXTERNAL_ID:
            out.rejects.append(
                RejectedItem(reason="external_id: empty or too long", raw=raw_text(post.raw))
            )
            continue
        if not storable_as_is(post.external_id):
            # Not cleaned (two ids must not become one), and not stored: it would fail the
            # page's insert, and the page would be fetched and refused again for ever.
            reason = "external_id: holds a NUL or a lone surrogate"
            out.rejects.append(RejectedItem(reason=reason, raw=raw_text(post.raw)))
            continue
        if (post.platform, post.external_id) in known:
            out.known += 1
            continue
        terms = matching_terms(post.text) if queries else []
        if require_match and not terms:
            out.not_matching += 1
            continue
        given = aware(post.posted_at)
        posted_at = posted_at_stored(given, now)  # the raw payload keeps the date given
        if posted_at is None:
            reason = f"posted_at: out of range ({given.isoformat()})"
            out.rejects.append(RejectedItem(reason=reason, raw=raw_text(post.raw)))
            continue
        row, json_values = row_of_post(
            post,
            workspace_id=workspace_id,
            source_id=source_id,
            now=now,
            posted_at=posted_at,
            terms=terms,
        )
        out.rows.append(row)
        out.json_values.append(json_values)
    return out


def dead_letters_create(
    *, workspace_id: int, source_id: int | None, platform: str, items: Sequence[RejectedItem]
) -> None:
    """Keep items that could not be stored, each with its reason and raw text."""
    if not items:
        return
    DeadLetter.objects.bulk_create(
        DeadLetter(
            workspace_id=workspace_id,
            source_id=source_id,
            platform=platform,
            reason=item.reason[:2000],
            raw=dead_letter_raw(item.raw),
        )
        for item in items
    )


def _insert_and_publish(
    *, workspace_id: int, prepared: _Prepared, expect_new: bool = False
) -> list[_Stored]:
    """Insert (skipping duplicates) inside the caller's transaction; publish the new ones."""
    inserted = insert_rows_ignore_conflicts(
        Mention,
        row_columns(),
        prepared.rows,
        conflict_fields=["workspace", "platform", "external_id"],
        returning=["id", "platform", "external_id"],
        expect_new=expect_new,
    )
    ids = {(platform, external_id): pk for pk, platform, external_id in inserted}
    stored = []
    for row, json_values in zip(prepared.rows, prepared.json_values, strict=True):
        pk = ids.pop(ROW_KEY(row), None)
        if pk is not None:
            stored.append((row, pk, json_values))
    if stored:
        items = [
            events.mention_item_of(
                pk,
                *ROW_ITEM_VALUES(row),
                sentiment_label(row[ROW_COMPOUND_AT]),
                json_values["matched_terms"],
            )
            for row, pk, json_values in stored
        ]
        publish_on_commit(
            workspace_id=workspace_id,
            event=events.MentionBatch(workspace_id=workspace_id, mentions=items),
        )
    return stored


def _health_updates(*, fetched: int, rate_limit: RateLimit | None) -> dict[str, Any]:
    updates: dict[str, Any] = {
        "last_success_at": timezone.now(),
        "last_item_count": fetched,
        "consecutive_failures": 0,
        "failing_since": None,
        "health": Source.Health.OK,
        "last_error": "",
    }
    if rate_limit is not None:
        updates["rate_limit"] = {
            "remaining": rate_limit.remaining,
            "limit": rate_limit.limit,
            "reset_at": rate_limit.reset_at.isoformat() if rate_limit.reset_at else None,
        }
    return updates


def _store_page(
    *,
    source: Source,
    prepared: _Prepared,
    cursor: dict[str, Any],
    rejected: Sequence[RejectedItem],
    updates: dict[str, Any],
    known: dict[tuple[str, str], None],
    expect_new: bool,
) -> list[_Stored]:
    """One transaction: the new mentions, dead letters, the cursor and the source's health.

    Its commit does not wait for the disk: if a database crash undoes it, the cursor goes back
    with the mentions and the next poll fetches the page again (see `_recent_keys`).
    """
    with transaction.atomic(durable=True):
        stored = _insert_and_publish(
            workspace_id=source.workspace_id, prepared=prepared, expect_new=expect_new
        )
        dead_letters_create(
            workspace_id=source.workspace_id,
            source_id=source.pk,
            platform=source.platform,
            items=[*rejected, *prepared.rejects],
        )
        update_by_pk(
            Source, source.pk, {"cursor": cursor, **updates}, commit_without_waiting_for_disk=True
        )
        seen = list(map(ROW_KEY, prepared.rows))
        transaction.on_commit(lambda: _remember(known, seen))
    return stored


def mention_ingest_batch(
    *,
    source: Source,
    posts: Sequence[NormalizedPost],
    cursor: dict[str, Any],
    rejected: Sequence[RejectedItem] = (),
    rate_limit: RateLimit | None = None,
    fetched_in_poll: int | None = None,
) -> StoreResult:
    """Store a polled page: matching posts, dead letters and the source's cursor, atomically.

    Only posts matching a watch term are kept (polled sources). Idempotent. Publishes one
    `mention.batch` event with the new mentions after commit. `fetched_in_poll`: the distinct
    items the poll has brought so far, this page's included (default: this page's), shown as
    "items in the last poll".
    """
    queries = watch_term_queries(workspace_id=source.workspace_id)
    known = _recent_keys(source, database_session())
    prepared = _prepare(
        workspace_id=source.workspace_id,
        source_id=source.pk,
        posts=posts,
        queries=queries,
        require_match=source.platform != "demo" or bool(queries),
        known=known,
    )
    # Posts re-sent from recent pages were skipped above: expect the rest to be new. One this
    # process could not know (stored by another worker, an import, before a restart) makes
    # the first attempt fail on the unique key; the second skips it.
    store = partial(
        _store_page,
        source=source,
        prepared=prepared,
        cursor=cursor,
        rejected=rejected,
        updates=_health_updates(
            fetched=len(posts) if fetched_in_poll is None else fetched_in_poll,
            rate_limit=rate_limit,
        ),
        known=known,
    )
    try:
        stored = store(expect_new=True)
    except KeyExists:
        stored = store(expect_new=False)
    source.cursor = cursor
    result = StoreResult(
        stored=stored,
        duplicates=len(prepared.rows) - len(stored) + prepared.known,
        not_matching=prepared.not_matching,
    )
    logger.info(
        "monitoring.ingest.stored",
        extra={
            "source_id": source.pk,
            "fetched": len(posts),
            "inserted": len(stored),
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
    prepared = _prepare(
        workspace_id=workspace_id,
        source_id=source_id,
        posts=posts,
        queries=watch_term_queries(workspace_id=workspace_id),
        require_match=False,
    )
    with transaction.atomic(durable=True):
        stored = _insert_and_publish(workspace_id=workspace_id, prepared=prepared)
        dead_letters_create(
            workspace_id=workspace_id,
            source_id=source_id,
            platform="import",
            items=prepared.rejects,
        )
        if source_id is not None:
            update_by_pk(Source, source_id, _health_updates(fetched=len(posts), rate_limit=None))
    inserted = {id(row) for row, _pk, _values in stored}
    present = [row for row in prepared.rows if id(row) not in inserted]
    return StoreResult(
        stored=stored,
        duplicates=len(present),
        differing=_differing_from_stored(workspace_id=workspace_id, rows=present),
    )


def _differing_from_stored(*, workspace_id: int, rows: list[list[Any]]) -> int:
    """How many of `rows` (already stored by their key) carry another text than the stored
    mention: one query, only when a batch repeats mentions."""
    if not rows:
        return 0
    text_at = ROW_COLUMNS.index("text")
    stored = {
        (platform, external_id): text
        for platform, external_id, text in Mention.objects.filter(
            workspace_id=workspace_id,
            platform__in={ROW_KEY(row)[0] for row in rows},
            external_id__in={ROW_KEY(row)[1] for row in rows},
        ).values_list("platform", "external_id", "text")
    }
    return sum(stored.get(ROW_KEY(row), row[text_at]) != row[text_at] for row in rows)
