"""X (Twitter) recent search through tweepy's v2 `Client`, one HTTP request per `fetch`.

Cursor: `{"since_id": str | None, "next_token": str | None, "pending_since_id": str | None}`.

X returns a search newest first, in pages joined by `next_token`. A *run* is every page of one
search bounded below by `since_id`:
- the first page of a run records `meta.newest_id` as `pending_since_id` and, if X says more
  pages follow, keeps `next_token`; `since_id` stays where it was;
- later pages send the same `since_id` plus `next_token`;
- only the page without `next_token` ends the run: `since_id` becomes `pending_since_id`.
So a crash or a 429 in the middle of a run resumes at the stored `next_token` and never moves
`since_id` past tweets not yet returned. Posts that arrive during a run are newer than
`pending_since_id` and come with the next run.

`lookup` re-reads known tweets (GET /2/tweets, LOOKUP_MAX ids a request) for fresh counts.

The first poll of a source (no `since_id`) reads only the newest page and starts from there: no
backfill of X's seven-day window. A query new to a source that was polled before (watch terms
edited) starts a run from the lowest `since_id` its other queries had reached
(`resume_cursor`), so the edit loses no tweets. X pages hold 10-100 tweets, so `limit` below 10
still asks for 10 (a page cannot be cut without losing its `next_token` position).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import requests
import tweepy

from monitoring.platforms.base import (
    NormalizedPost,
    Page,
    PlatformAuthError,
    PlatformBadPayload,
    PlatformMalformedBody,
    PlatformRateLimited,
    PlatformUnavailable,
    RateLimit,
    RejectedItem,
    platform_count,
    setting_seconds,
    setting_string,
)
from monitoring.platforms.text import language_code, unique_entities

# X's `lang` codes that name no language (undetermined; only media, hashtags, mentions or
# cashtags; text too short; no linguistic content; "art", ISO 639's artificial languages):
# left empty, so that ours detects the language rather than the English path taking it.
X_NO_LANGUAGE = frozenset({"und", "qme", "qht", "qam", "qct", "qst", "zxx", "art"})

TIMEOUT_SECONDS = 10.0
# Used when a 429 carries no x-rate-limit-reset header.
DEFAULT_RETRY_AFTER = 60.0
LOOKUP_MAX = 100  # ids per GET /2/tweets
EXPANSIONS = ["author_id", "referenced_tweets.id"]
TWEET_FIELDS = [
    "created_at",
    "lang",
    "public_metrics",
    "conversation_id",
    "entities",
    "referenced_tweets",
    "in_reply_to_user_id",
]
USER_FIELDS = ["username", "name", "public_metrics", "verified", "created_at"]
REFERENCE_FIELDS = {"replied_to": "reply_to", "quoted": "quote_of", "retweeted": "repost_of"}


class _TimeoutSession(requests.Session):
    """tweepy sends every request through `Client.session` without a timeout: add ours."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


@dataclass(frozen=True)
class MonthlyQuota:
    """The X project's monthly post-read quota (GET /2/usage/tweets)."""

    used: int
    cap: int
    reset_day: int


class XClient:
    def __init__(self, *, bearer_token: str, query_suffix: str = "", timeout: float) -> None:
        self.query_suffix = query_suffix
        self.client = tweepy.Client(
            bearer_token=bearer_token, return_type=requests.Response, wait_on_rate_limit=False
        )
        self.client.session = _TimeoutSession(timeout)

    def fetch(
        self, *, cursor: dict[str, Any], now: datetime, limit: int = 100, query: str = ""
    ) -> Page:
        """One page of recent search after the cursor (scheme in the module docstring).

        Raises PlatformUnavailable, PlatformRateLimited, PlatformAuthError, PlatformBadPayload.
        """
        since_id = cursor.get("since_id") or None
        next_token = cursor.get("next_token") or None
        if not query.strip():
            return Page(posts=[], next_cursor=dict(cursor))
        params: dict[str, Any] = {
            "max_results": min(max(limit, 10), 100),
            "sort_order": "recency",
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if next_token:
            params["next_token"] = next_token
        response = self._search(self._full_query(query), params, now)
        body = _page_body(response)
        posts, rejected = _map_page(body)
        meta = body["meta"]
        pending = cursor.get("pending_since_id") if next_token else meta.get("newest_id")
        pending = pending or since_id
        more = meta.get("next_token") if since_id else None
        if more:
            next_cursor = {"since_id": since_id, "next_token": more, "pending_since_id": pending}
        else:
            next_cursor = {"since_id": pending, "next_token": None, "pending_since_id": None}
        return Page(
            posts=posts,
            next_cursor=next_cursor,
            rejected=rejected,
            rate_limit=_rate_limit(response.headers),
        )

    @staticmethod
    def resume_cursor(cursors: list[dict[str, Any]]) -> dict[str, Any]:
        """The cursor for a new query that goes on where these cursors (of the queries it
        replaces) stopped: a run from their lowest `since_id`; {} if none has one."""
        ids = [str(c["since_id"]) for c in cursors if c.get("since_id")]
        if not ids:
            return {}
        since_id = min(ids, key=lambda i: (len(i), i))
        return {"since_id": since_id, "next_token": None, "pending_since_id": None}

    def _full_query(self, query: str) -> str:
        if not self.query_suffix.strip():
            return query
        # X applies AND before OR: without parentheses the suffix binds to the last term only.
        return f"({query}) {self.query_suffix.strip()}"

    def lookup(self, external_ids: list[str]) -> Page:
        """These tweets as they are now (same fields and mapping as `fetch`), LOOKUP_MAX ids a
        request. Deleted, suspended or protected tweets are absent; `next_cursor` is empty.

        Raises PlatformUnavailable, PlatformRateLimited, PlatformAuthError, PlatformBadPayload.
        """
        ids = list(dict.fromkeys(external_ids))
        posts: list[NormalizedPost] = []
        rejected: list[RejectedItem] = []
        rate_limit = None
        for start in range(0, len(ids), LOOKUP_MAX):
            request = partial(
                self.client.get_tweets,
                ids[start : start + LOOKUP_MAX],
                expansions=EXPANSIONS,
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
            )
            response = self._send(request, datetime.now(UTC))
            found, bad = _map_page(_lookup_body(response))
            posts += found
            rejected += bad
            rate_limit = _rate_limit(response.headers)
        return Page(posts=posts, next_cursor={}, rejected=rejected, rate_limit=rate_limit)

    def usage(self, *, now: datetime | None = None) -> MonthlyQuota:
        """The monthly read quota: posts read this month, the cap, the day it resets.

        Raises the same Platform* errors as fetch; PlatformBadPayload names a missing field.
        """
        response = self._send(
            partial(self.client.request, "GET", "/2/usage/tweets"), now or datetime.now(UTC)
        )
        try:
            data = response.json()["data"]
            return MonthlyQuota(
                used=int(data["project_usage"]),
                cap=int(data["project_cap"]),
                reset_day=int(data.get("cap_reset_day") or 0),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise PlatformBadPayload(f"usage.data: {type(exc).__name__}: {exc}") from exc

    def _search(self, query: str, params: dict[str, Any], now: datetime) -> requests.Response:
        return self._send(partial(self.client.search_recent_tweets, query, **params), now)

    def _send(self, request: Callable[[], requests.Response], now: datetime) -> requests.Response:
        try:
            return request()
        except tweepy.TooManyRequests as exc:
            reset = exc.response.headers.get("x-rate-limit-reset", "")
            retry_after = (
                max(int(reset) - now.timestamp(), 1.0) if reset.isdigit() else DEFAULT_RETRY_AFTER
            )
            raise PlatformRateLimited(f"x: 429 until {reset}", retry_after=retry_after) from exc
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise PlatformAuthError(f"x: {exc}") from exc
        except tweepy.TwitterServerError as exc:
            raise PlatformUnavailable(f"x: {exc}") from exc
        except tweepy.HTTPException as exc:
            fields = [
                p for e in exc.api_errors if isinstance(e, dict) for p in e.get("parameters") or {}
            ]
            where = ",".join(f"request.{p}" for p in fields) or "request"
            raise PlatformBadPayload(f"{where}: {exc}") from exc
        except requests.RequestException as exc:
            raise PlatformUnavailable(f"x: {type(exc).__name__}: {exc}") from exc


def _page_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise PlatformMalformedBody("body: not JSON", raw=response.text) from exc
    if not isinstance(body, dict):
        raise PlatformBadPayload("body: not a JSON object")
    meta = body.get("meta")
    if not isinstance(meta, dict):
        raise PlatformBadPayload("meta: missing")
    # X leaves `data` out of an empty result; anything else without it is malformed.
    if "data" not in body and meta.get("result_count", 0) != 0:
        raise PlatformBadPayload("data: missing")
    if not isinstance(body.get("data", []), list):
        raise PlatformBadPayload("data: not a list")
    return body


def _lookup_body(response: requests.Response) -> dict[str, Any]:
    # GET /2/tweets has no `meta`; ids not found come back in `errors`, and `data` is left out
    # when none was found.
    try:
        body = response.json()
    except ValueError as exc:
        raise PlatformMalformedBody("body: not JSON", raw=response.text) from exc
    if not isinstance(body, dict):
        raise PlatformBadPayload("body: not a JSON object")
    if "data" not in body and "errors" not in body:
        raise PlatformBadPayload("data: missing")
    if not isinstance(body.get("data", []), list):
        raise PlatformBadPayload("data: not a list")
    return body


def _map_page(body: dict[str, Any]) -> tuple[list[NormalizedPost], list[RejectedItem]]:
    includes = body.get("includes") if isinstance(body.get("includes"), dict) else {}
    users = {
        str(user.get("id")): user for user in includes.get("users") or [] if isinstance(user, dict)
    }
    posts, rejected = [], []
    for tweet in body.get("data", []):
        try:
            posts.append(_post(tweet, users))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            rejected.append(RejectedItem(reason=str(exc), raw=json.dumps(tweet)))
    return posts, rejected


def _post(tweet: dict[str, Any], users: dict[str, dict[str, Any]]) -> NormalizedPost:
    if not isinstance(tweet, dict):
        raise TypeError("tweet: not an object")
    for name in ("id", "text", "created_at"):
        if not isinstance(tweet.get(name), str) or not tweet[name]:
            raise ValueError(f"{name}: missing")
    posted_at = _timestamp(tweet["created_at"], "created_at")
    metrics = tweet.get("public_metrics") or {}
    entities = tweet.get("entities") or {}
    references = {
        REFERENCE_FIELDS[ref["type"]]: str(ref.get("id", ""))
        for ref in tweet.get("referenced_tweets") or []
        if ref.get("type") in REFERENCE_FIELDS
    }
    author = users.get(str(tweet.get("author_id")), {})
    author_metrics = author.get("public_metrics") or {}
    handle = author.get("username", "")
    lang = tweet.get("lang") or ""
    views = metrics.get("impression_count")
    return NormalizedPost(
        platform="x",
        external_id=tweet["id"],
        text=tweet["text"],
        posted_at=posted_at,
        url=f"https://x.com/{handle or 'i/web'}/status/{tweet['id']}",
        author_handle=handle,
        author_name=author.get("name", ""),
        author_followers=_count(author_metrics, "followers_count"),
        author_verified=bool(author.get("verified", False)),
        author_created_at=_optional_timestamp(author.get("created_at")),
        language="" if lang in X_NO_LANGUAGE else language_code(lang),
        likes=_count(metrics, "like_count"),
        reposts=_count(metrics, "retweet_count"),
        replies=_count(metrics, "reply_count"),
        quotes=_count(metrics, "quote_count"),
        views=None if views is None else _count(metrics, "impression_count"),
        conversation_id=str(tweet.get("conversation_id") or ""),
        urls=_entity_values(entities, "urls", ("expanded_url", "url")),
        hashtags=_entity_values(entities, "hashtags", ("tag",)),
        raw=tweet,
        **references,
    )


def _entity_values(entities: dict[str, Any], kind: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    # An entity without its value is skipped: it should not cost us the whole post.
    found = (next((e[k] for k in keys if e.get(k)), None) for e in entities.get(kind) or [])
    return unique_entities((str(value) for value in found if value), hashtags=kind == "hashtags")


def _count(metrics: dict[str, Any], name: str) -> int:
    return platform_count(metrics.get(name), f"public_metrics.{name}")


def _timestamp(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{name}: not an ISO timestamp") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _optional_timestamp(value: Any) -> datetime | None:
    try:
        return _timestamp(value, "created_at") if isinstance(value, str) else None
    except ValueError:
        return None


def _rate_limit(headers: Any) -> RateLimit | None:
    if "x-rate-limit-remaining" not in headers:
        return None
    reset = headers.get("x-rate-limit-reset")
    try:
        return RateLimit(
            remaining=int(headers["x-rate-limit-remaining"]),
            limit=int(headers["x-rate-limit-limit"]) if "x-rate-limit-limit" in headers else None,
            reset_at=datetime.fromtimestamp(int(reset), UTC) if reset else None,
        )
    except ValueError:
        return None


SETTINGS_KEYS = ("query_suffix", "timeout_seconds")


def build(settings: dict[str, Any], credentials: dict[str, str]) -> XClient:
    """The X client for a source (`credentials["bearer_token"]`, `settings["query_suffix"]`).

    Raises PlatformAuthError when no bearer token is stored.
    """
    token = (credentials or {}).get("bearer_token", "")
    if not token:
        raise PlatformAuthError("credentials.bearer_token: missing")
    return XClient(
        bearer_token=token,
        query_suffix=setting_string(settings, "query_suffix"),
        timeout=setting_seconds(settings, "timeout_seconds", default=TIMEOUT_SECONDS),
    )
