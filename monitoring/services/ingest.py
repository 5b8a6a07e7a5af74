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
from datetime import datetime
from functools import cache, cached_property, lru_cache, partial
from itertools import islice
from operator import itemgetter
from typing import Any

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from crisiscenter.db import (
    EncodedJson,
    KeyExists,
    database_session,
    insert_rows_ignore_conflicts,
    update_by_pk,
)
from crisiscenter.json_text import dumps
from monitoring.dates import date_in_range, posted_at_stored
from monitoring.models import DeadLetter, Mention, Source
from monitoring.platforms.base import NormalizedPost, RateLimit, RejectedItem, dead_letter_raw
from monitoring.query import Query, compile_matcher
from monitoring.selectors import watch_term_queries
from monitoring.sentiment import detect_language, score_text, sentiment_label
from realtime import events
from realtime.publisher import publish_on_commit

logger = logging.getLogger(__name__)

MAX_EXTERNAL_ID = 200
# Keys remembered per source (re-sent posts come from recent pages), and sources remembered.
RECENT_KEYS_PER_SOURCE = 5000
RECENT_SOURCES = 256
# How json.dumps writes a NUL: jsonb refuses it (urls, hashtags), and so do `->>` and ORM
# writes of the raw payload, so it is cleaned from every JSON column.
_NUL_ESCAPE = "\\u0000"


# A stored row: its values (`_ROW_COLUMNS` order), its id, and its JSON columns as objects.
_Stored = tuple[list[Any], int, dict[str, Any]]


@dataclass(frozen=True)
class StoreResult:
    """What storing a page did. `new` makes the Mention objects when first read: polling and
    imports only count them (`new_count`), and making them cost more than sending the row."""

    stored: Sequence[_Stored] = ()
    duplicates: int = 0
    not_matching: int = 0

    @property
    def new_count(self) -> int:
        return len(self.stored)

    @cached_property
    def new(self) -> list[Mention]:
        alias = connection.alias
        return [_mention(row, pk, values, alias) for row, pk, values in self.stored]


@dataclass
class _Prepared:
    """Rows ready to insert (column order of `_columns()`), and what was set aside."""

    rows: list[list[Any]] = field(default_factory=list)
    # Each row's JSON columns as objects (the rows carry them encoded).
    json_values: list[dict[str, Any]] = field(default_factory=list)
    not_matching: int = 0
    known: int = 0  # already stored, by this process's memory of the source
    rejects: list[RejectedItem] = field(default_factory=list)


def _clean(value: str) -> str:
    """A platform string PostgreSQL accepts (`_row` also clamps it to its column): one bad or
    over-long value must not fail a page, and a failing page would be fetched and refused
    again forever.

    NULs are dropped; a lone surrogate (JSON can carry "\\ud800", UTF-8 cannot) becomes "?".
    """
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            value = value.encode(errors="replace").decode()
    return value


def _storable(value: Any) -> Any:
    """`value` (a decoded JSON payload) with every string, keys included, passed to `_clean`."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def _json_list(values: Sequence[str]) -> list[str]:
    return [_clean(v) for v in values]


def _encoded_raw(raw: dict[str, Any]) -> tuple[EncodedJson, dict[str, Any]]:
    """The raw payload as JSON text, and as stored, cleaned as `_clean` cleans strings only
    when needed: orjson refuses lone surrogates, and a NUL shows as an escape (an escaped
    backslash followed by "u0000" is text, not a NUL: the cleaned payload tells them apart)."""
    if not raw:
        return EncodedJson("{}"), raw
    try:
        text = orjson.dumps(raw).decode()
    except orjson.JSONEncodeError:
        try:
            raw = _storable(raw)
            text = dumps(raw)
        except RecursionError:  # nested deeper than JSON text can be written here: the post
            raw = {"raw_not_kept": "nested too deeply"}  # is kept, its payload cannot be
            text = orjson.dumps(raw).decode()
    if _NUL_ESCAPE in text and (cleaned := _storable(raw)) != raw:
        raw, text = cleaned, dumps(cleaned)
    return EncodedJson(text), raw


# Platforms whose language is the one the author's app declared (often its interface language,
# not the post's), not the platform's own detection as on X: checked against ours.
_AUTHOR_DECLARED = frozenset({"mastodon", "bluesky"})
_SCORED_LANGUAGES = frozenset({"nl", "en"})  # each has its own sentiment path


# Mention's columns in the order `_row` builds them (checked against the model in `_columns`).
_ROW_COLUMNS = (
    *("workspace_id", "source_id", "platform", "external_id", "url", "author_handle"),
    *("author_name", "author_followers", "author_verified", "author_created_at"),
    *("author_is_outlet", "text", "language", "posted_at", "fetched_at", "sentiment_compound"),
    *("sentiment_pos", "sentiment_neu", "sentiment_neg", "sentiment_scorer", "likes", "reposts"),
    *("replies", "quotes", "views", "reply_to", "quote_of", "repost_of", "conversation_id"),
    *("urls", "hashtags", "matched_terms", "engagement_refreshed_at", "raw"),
)
_EMPTY_LIST = EncodedJson("[]")


@cache
def _columns() -> tuple[str, ...]:
    """Mention's columns in insert order (all concrete fields but the primary key)."""
    names = tuple(f.attname for f in Mention._meta.concrete_fields if not f.primary_key)
    if names != _ROW_COLUMNS:
        raise ImproperlyConfigured("Mention's columns changed: update _row and _ROW_COLUMNS")
    return names


def _row(
    post: NormalizedPost,
    *,
    workspace_id: int,
    source_id: int | None,
    now: datetime,
    posted_at: datetime,
    terms: list,
) -> tuple[list[Any], dict[str, Any]]:
    """The row to insert (a list in `_ROW_COLUMNS` order: no dict per row), and its JSON
    columns as objects. `posted_at` is the post's, checked by `_prepare`."""
    raw, decoded_raw = _encoded_raw(post.raw)
    text = _clean(post.text)
    language = post_language(post, text)
    score = score_text(text, language)
    url, handle, name = post.url, post.author_handle, post.author_name
    reply_to, quote_of, repost_of = post.reply_to, post.quote_of, post.repost_of
    thread = post.conversation_id
    # One check for the short strings: most are plain ASCII, which `_clean` leaves as they are.
    short = f"{url}{handle}{name}{reply_to}{quote_of}{repost_of}{thread}"
    if not short.isascii() or "\x00" in short:
        url, handle, name = _clean(url), _clean(handle), _clean(name)
        reply_to, quote_of, repost_of = _clean(reply_to), _clean(quote_of), _clean(repost_of)
        thread = _clean(thread)
    urls = _json_list(post.urls) if post.urls else []
    hashtags = _json_list(post.hashtags) if post.hashtags else []
    author_created_at = post.author_created_at
    if author_created_at is not None and not date_in_range(_aware(author_created_at)):
        author_created_at = None  # see monitoring/dates.py; not worth refusing the post for
    row = [
        *(workspace_id, source_id, post.platform, post.external_id, url[:1000], handle[:200]),
        *(name[:200], post.author_followers, post.author_verified, author_created_at),
        *(post.author_is_outlet, text, language[:10], posted_at, now, score.compound),
        *(score.pos, score.neu, score.neg, score.scorer, post.likes, post.reposts),
        *(post.replies, post.quotes, post.views, reply_to[:200], quote_of[:200]),
        *(repost_of[:200], thread[:200]),
        EncodedJson(dumps(urls)) if urls else _EMPTY_LIST,
        EncodedJson(dumps(hashtags)) if hashtags else _EMPTY_LIST,
        *(EncodedJson(dumps(terms)), None, raw),
    ]
    return row, {"urls": urls, "hashtags": hashtags, "matched_terms": terms, "raw": decoded_raw}


def _aware(value: datetime) -> datetime:
    """`value`, or if naive, `value` in the default time zone (as the ORM reads it)."""
    return value if value.tzinfo is not None else timezone.make_aware(value)


def post_language(post: NormalizedPost, text: str) -> str:
    """The language a post is stored and scored in: the platform's, but where the author's app
    declared it, ours when it finds Dutch or English (each has its own sentiment path); ours
    where none is given. `text` is the post's text as stored."""
    language = post.language
    if not language or post.platform in _AUTHOR_DECLARED:
        detected = detect_language(text)
        if not language or detected in _SCORED_LANGUAGES:
            language = detected
    return language


def _mention(row: list[Any], pk: int, json_values: dict[str, Any], alias: str) -> Mention:
    """The stored row as a Mention, without Model.__init__ (several times the cost of this
    per row; no init signal listens to Mention and no field is deferred)."""
    mention = Mention.__new__(Mention)
    mention._state = ModelState()
    mention._state.adding, mention._state.db = False, alias
    mention.__dict__.update(zip(_columns(), row, strict=True))
    mention.__dict__.update(json_values)
    mention.id = pk
    return mention


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
                RejectedItem(reason="external_id: empty or too long", raw=repr(post.raw))
            )
            continue
        if (post.platform, post.external_id) in known:
            out.known += 1
            continue
        terms = matching_terms(post.text) if queries else []
        if require_match and not terms:
            out.not_matching += 1
            continue
        posted_at = posted_at_stored(_aware(post.posted_at), now)  # the raw payload keeps it
        if posted_at is None:
            reason = f"posted_at: out of range ({_aware(post.posted_at).isoformat()})"
            out.rejects.append(RejectedItem(reason=reason, raw=repr(post.raw)))
            continue
        row, json_values = _row(
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


# A row's key (platform, external id); the values `events.mention_item_of` takes after the
# id, in its parameter order; and the compound score, the sentiment label's input. Positions in
# `_ROW_COLUMNS`, which `_columns()` checks before any row is inserted.
_KEY = itemgetter(_ROW_COLUMNS.index("platform"), _ROW_COLUMNS.index("external_id"))
_ITEM_COLUMNS = (
    *("platform", "external_id", "url", "author_handle", "author_followers", "text"),
    *("language", "posted_at", "sentiment_compound", "sentiment_pos", "sentiment_neu"),
    "sentiment_neg",
)
_ITEM_VALUES = itemgetter(*map(_ROW_COLUMNS.index, _ITEM_COLUMNS))
_COMPOUND_AT = _ROW_COLUMNS.index("sentiment_compound")


def _insert_and_publish(
    *, workspace_id: int, prepared: _Prepared, expect_new: bool = False
) -> list[_Stored]:
    """Insert (skipping duplicates) inside the caller's transaction; publish the new ones."""
    inserted = insert_rows_ignore_conflicts(
        Mention,
        _columns(),
        prepared.rows,
        conflict_fields=["workspace", "platform", "external_id"],
        returning=["id", "platform", "external_id"],
        expect_new=expect_new,
    )
    ids = {(platform, external_id): pk for pk, platform, external_id in inserted}
    stored = []
    for row, json_values in zip(prepared.rows, prepared.json_values, strict=True):
        pk = ids.pop(_KEY(row), None)
        if pk is not None:
            stored.append((row, pk, json_values))
    if stored:
        items = [
            events.mention_item_of(
                pk,
                *_ITEM_VALUES(row),
                sentiment_label(row[_COMPOUND_AT]),
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
        seen = list(map(_KEY, prepared.rows))
        transaction.on_commit(lambda: _remember(known, seen))
    return stored


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
        updates=_health_updates(fetched=len(posts), rate_limit=rate_limit),
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
    return StoreResult(stored=stored, duplicates=len(prepared.rows) - len(stored))
