"""A stored mention's row: built from a normalised post (strings cleaned, dates checked, the
language and score worked out, JSON encoded once) as a plain list in column order, and read
back as a Mention or as the values of its event item. The ingest hot path builds one per new
post (`services/ingest.py`); bench/README.md measures it.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.db.models.base import ModelState
from django.utils import timezone

from crisiscenter.db import EncodedJson
from crisiscenter.json_text import dumps
from monitoring.dates import date_in_range
from monitoring.models import Mention
from monitoring.platforms.base import NormalizedPost
from monitoring.platforms.text import storable_text
from monitoring.sentiment import detect_language, score_text

# How json.dumps writes a NUL: jsonb refuses it (urls, hashtags), and so do `->>` and ORM
# writes of the raw payload, so it is cleaned from every JSON column.
_NUL_ESCAPE = "\\u0000"


def _storable(value: Any) -> Any:
    """`value` (a decoded JSON payload) with every string, keys included, made storable
    (`storable_text`)."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def _json_list(values: Sequence[str]) -> list[str]:
    return [storable_text(v) for v in values]


def _encoded_raw(raw: dict[str, Any]) -> tuple[EncodedJson, dict[str, Any]]:
    """The raw payload as JSON text, and as stored, cleaned as `storable_text` cleans strings only
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


def raw_text(raw: dict[str, Any]) -> str:
    """A post's raw payload as the JSON text a stored row would keep (a dead letter's body)."""
    return str(_encoded_raw(raw)[0])


# Platforms whose language is the one the author's app declared (often its interface language,
# not the post's), not the platform's own detection as on X: checked against ours.
_AUTHOR_DECLARED = frozenset({"mastodon", "bluesky"})
_SCORED_LANGUAGES = frozenset({"nl", "en"})  # each has its own sentiment path


# Mention's columns in the order `row_of_post` builds them (checked against the model in
# `row_columns`).
ROW_COLUMNS = (
    *("workspace_id", "source_id", "platform", "external_id", "url", "author_handle"),
    *("author_name", "author_followers", "author_verified", "author_created_at"),
    *("author_is_outlet", "text", "language", "posted_at", "fetched_at", "sentiment_compound"),
    *("sentiment_pos", "sentiment_neu", "sentiment_neg", "sentiment_scorer", "likes", "reposts"),
    *("replies", "quotes", "views", "reply_to", "quote_of", "repost_of", "conversation_id"),
    *("urls", "hashtags", "matched_terms", "engagement_refreshed_at", "raw"),
)
_EMPTY_LIST = EncodedJson("[]")


@cache
def row_columns() -> tuple[str, ...]:
    """Mention's columns in insert order (all concrete fields but the primary key)."""
    names = tuple(f.attname for f in Mention._meta.concrete_fields if not f.primary_key)
    if names != ROW_COLUMNS:
        raise ImproperlyConfigured("Mention's columns changed: update row_of_post and ROW_COLUMNS")
    return names


def row_of_post(
    post: NormalizedPost,
    *,
    workspace_id: int,
    source_id: int | None,
    now: datetime,
    posted_at: datetime,
    terms: list,
) -> tuple[list[Any], dict[str, Any]]:
    """The row to insert (a list in `ROW_COLUMNS` order: no dict per row), and its JSON
    columns as objects. `posted_at` is the post's, checked by `_prepare`."""
    raw, decoded_raw = _encoded_raw(post.raw)
    text = storable_text(post.text)
    language = post_language(post, text)
    score = score_text(text, language)
    url, handle, name = post.url, post.author_handle, post.author_name
    reply_to, quote_of, repost_of = post.reply_to, post.quote_of, post.repost_of
    thread = post.conversation_id
    # One check for the short strings: most are plain ASCII, which `storable_text` leaves as
    # they are.
    short = f"{url}{handle}{name}{reply_to}{quote_of}{repost_of}{thread}"
    if not short.isascii() or "\x00" in short:
        url, handle, name = storable_text(url), storable_text(handle), storable_text(name)
        reply_to, quote_of, repost_of = (
            storable_text(reply_to),
            storable_text(quote_of),
            storable_text(repost_of),
        )
        thread = storable_text(thread)
    urls = _json_list(post.urls) if post.urls else []
    hashtags = _json_list(post.hashtags) if post.hashtags else []
    author_created_at = post.author_created_at
    if author_created_at is not None and not date_in_range(aware(author_created_at)):
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


def aware(value: datetime) -> datetime:
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


def mention_of_row(row: list[Any], pk: int, json_values: dict[str, Any], alias: str) -> Mention:
    """The stored row as a Mention, without Model.__init__ (several times the cost of this
    per row; no init signal listens to Mention and no field is deferred)."""
    mention = Mention.__new__(Mention)
    mention._state = ModelState()
    mention._state.adding, mention._state.db = False, alias
    mention.__dict__.update(zip(row_columns(), row, strict=True))
    mention.__dict__.update(json_values)
    mention.id = pk
    return mention


# A row's key (platform, external id); the values `events.mention_item_of` takes after the
# id, in its parameter order; and the compound score, the sentiment label's input. Positions in
# `ROW_COLUMNS`, which `row_columns()` checks before any row is inserted.
ROW_KEY = itemgetter(ROW_COLUMNS.index("platform"), ROW_COLUMNS.index("external_id"))
ITEM_COLUMNS = (
    *("platform", "external_id", "url", "author_handle", "author_followers", "author_is_outlet"),
    "text",
    *("language", "posted_at", "sentiment_compound", "sentiment_pos", "sentiment_neu"),
    "sentiment_neg",
)
ROW_ITEM_VALUES = itemgetter(*map(ROW_COLUMNS.index, ITEM_COLUMNS))
ROW_COMPOUND_AT = ROW_COLUMNS.index("sentiment_compound")
