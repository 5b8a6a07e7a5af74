"""Reddit through praw: new submissions and comments matching the watch terms.

Streams, each with its own cursor under its name in the source cursor:
- `submissions`: search sorted by new, site-wide (r/all) unless `settings["subreddits"]` names
  subreddits (then within them; `settings["site_wide"]` keeps r/all). With no query: the
  subreddits' /new listing; with neither: nothing.
- `comments`: all newest comments of the chosen subreddits (ingest re-checks watch terms).
- `site_comments`: when the search is site-wide (a query, and no subreddits or `site_wide`),
  the newest comments of r/all. Reddit's API searches submissions only (`/search` has no
  comment type), so these are read unfiltered and ingest keeps those matching a watch term.
  Site-wide, Reddit writes more comments between two polls than its listing holds (1,000):
  this stream is a sample of the newest, not every comment; chosen subreddits are complete.

Cursor per stream: `{"after_utc": float, "seen": [fullname, ...]}`. Listings are newest first
and timestamps are whole seconds, so several items can share a second:
- an item is new if `created_utc > after_utc`, or `== after_utc` and its fullname is not in `seen`;
- a fetch walks pages (`after=`) from the newest until a page holds an old item (at most
  MAX_PAGES: Reddit lists 1,000 items), sorts the new items oldest first and returns at most
  `limit` per stream;
- the cursor moves to the newest second returned; `seen` holds the fullnames returned at that
  second (plus the earlier `seen` if the second did not change).
What `limit` held back is newer than the cursor and comes next time: nothing is skipped. The
first poll (no cursor) reads one page and starts there: no backfill. The unfiltered streams
(`comments`, `site_comments`) are the same for every query: when long watch terms compile into
several queries, a poll (one `now` for all its fetches) reads them with its first query only,
and every query's cursor takes the position reached, so whichever query comes first next time
goes on from there. A query new to a source
that was polled before (watch terms edited) starts each stream at the earliest position its
other queries had reached (`resume_cursor`), so the edit loses nothing.

We call `Reddit.request` rather than praw's listing models: it keeps the raw JSON (dead letters
need it), pages explicitly, and avoids praw's lazy fetch of a missing attribute (an extra request).
"""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import praw
import prawcore
import requests

from monitoring.platforms.base import (
    NormalizedPost,
    Page,
    PlatformAuthError,
    PlatformBadPayload,
    PlatformMalformedBody,
    PlatformRateLimited,
    PlatformUnavailable,
    PollReads,
    RateLimit,
    RejectedItem,
    platform_count,
    setting_bool,
    setting_seconds,
    setting_string,
    setting_strings,
)
from monitoring.platforms.text import text_entities

TIMEOUT_SECONDS = 10.0
PAGE_SIZE = 100
MAX_PAGES = 10
DEFAULT_RETRY_AFTER = 60.0
USER_AGENT = "python:crisiscenter:0.1 (crisis dashboard poller)"
SUBREDDIT_NAME = re.compile(r"^[A-Za-z0-9_]{2,21}$")
# Search `t=` windows; the margin covers clock skew between us and Reddit.
TIME_FILTERS = (("hour", 3600), ("day", 86400), ("week", 7 * 86400), ("month", 31 * 86400))
TIME_FILTER_MARGIN = 600
# Listings read whole whatever the query: once per poll (see the module docstring).
UNFILTERED_STREAMS = frozenset({"comments", "site_comments"})
# /api/info returns deleted and removed items too, with this text (or a removal category).
GONE_TEXTS = {"[deleted]", "[removed]", "[ Removed by Reddit ]"}


class _Session(requests.Session):
    """Forces our timeout (prawcore sends its own 16 s with every API call, ignoring praw's
    `timeout` and `Requestor(timeout=...)`) and keeps the last rate-limit headers."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.rate_headers: Any = None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = self.timeout
        response = super().request(method, url, *args, **kwargs)
        if "x-ratelimit-remaining" in response.headers:
            self.rate_headers = response.headers
        return response


class RedditClient:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        user_agent: str,
        subreddits: list[str],
        site_wide: bool,
        timeout: float,
    ) -> None:
        self.subreddits = subreddits
        self.site_wide = site_wide
        self.session = _Session(timeout)
        # UNFILTERED_STREAMS read in this poll, with the position they reached.
        self._poll_reads = PollReads()
        self.reddit = praw.Reddit(
            client_id=client_id,
            client_secret=client_secret,
            user_agent=user_agent,
            check_for_updates=False,
            requestor_kwargs={"session": self.session},
        )

    def fetch(
        self, *, cursor: dict[str, Any], now: datetime, limit: int = 100, query: str = ""
    ) -> Page:
        """New items of every stream after the cursor (scheme in the module docstring).

        Raises PlatformUnavailable, PlatformRateLimited, PlatformAuthError, PlatformBadPayload.
        """
        self.session.rate_headers = None
        read_before = self._poll_reads.of(now)
        posts: list[NormalizedPost] = []
        rejected: list[RejectedItem] = []
        next_cursor = dict(cursor)
        returned: set[str] = set()
        for stream, path, params in self._streams(cursor, now, query):
            if stream in read_before:  # the same listing for this query: read once per poll
                next_cursor[stream] = dict(read_before[stream])
                continue
            state = cursor.get(stream) or {}
            fresh, bad = self._walk(path, params, state)
            taken = fresh[:limit]
            # A chosen subreddit's comment is in r/all's listing too: return it once.
            posts += [post for _, post in taken if post.external_id not in returned]
            returned.update(post.external_id for _, post in taken)
            rejected += bad
            next_cursor[stream] = _advance(state, taken)
            if stream in UNFILTERED_STREAMS:
                read_before[stream] = next_cursor[stream]
        rate_limit = _rate_limit(self.session.rate_headers, now)
        return Page(posts=posts, next_cursor=next_cursor, rejected=rejected, rate_limit=rate_limit)

    def lookup(self, external_ids: list[str]) -> Page:
        """These fullnames (t3_/t1_) as they are now, PAGE_SIZE per /api/info request, mapped as
        in `fetch`; deleted, removed or unknown ones are absent. Raises as `fetch` does."""
        self.session.rate_headers = None
        ids, posts, rejected = list(dict.fromkeys(external_ids)), [], []
        for start in range(0, len(ids), PAGE_SIZE):
            params = {"id": ",".join(ids[start : start + PAGE_SIZE])}
            found, bad = self._walk("api/info/", params, {})  # no cursor: one page, all of it
            posts += [post for _, post in found if not _gone(post.raw["data"])]
            rejected += bad
        rate_limit = _rate_limit(self.session.rate_headers, datetime.now(UTC))
        return Page(posts=posts, next_cursor={}, rejected=rejected, rate_limit=rate_limit)

    @staticmethod
    def resume_cursor(cursors: list[dict[str, Any]]) -> dict[str, Any]:
        """The cursor for a new query that goes on where these cursors (of the queries it
        replaces) stopped: per stream, the earliest position any of them had reached."""
        resumed = {}
        for stream in ("submissions", "comments", "site_comments"):
            states = [
                c[stream]
                for c in cursors
                if isinstance(c.get(stream), dict) and c[stream].get("after_utc") is not None
            ]
            if states:
                first = min(states, key=lambda state: state["after_utc"])
                resumed[stream] = {"after_utc": first["after_utc"], "seen": first.get("seen") or []}
        return resumed

    def _streams(
        self, cursor: dict[str, Any], now: datetime, query: str
    ) -> list[tuple[str, str, dict[str, Any]]]:
        subreddits = "+".join(self.subreddits)
        site_wide = self.site_wide or not subreddits
        streams = []
        if query.strip():
            target = "all" if site_wide else subreddits
            after_utc = (cursor.get("submissions") or {}).get("after_utc")
            params = {
                "q": query,
                "sort": "new",
                "syntax": "lucene",
                "restrict_sr": target != "all",
                "t": _time_filter(after_utc, now),
            }
            streams.append(("submissions", f"r/{target}/search/", params))
        elif subreddits:
            streams.append(("submissions", f"r/{subreddits}/new/", {}))
        if subreddits:
            streams.append(("comments", f"r/{subreddits}/comments/", {}))
        if query.strip() and site_wide:
            streams.append(("site_comments", "r/all/comments/", {}))
        return streams

    def _walk(
        self, path: str, params: dict[str, Any], state: dict[str, Any]
    ) -> tuple[list[tuple[float, NormalizedPost]], list[RejectedItem]]:
        after_utc = state.get("after_utc")
        seen = set(state.get("seen") or [])
        fresh: dict[str, tuple[float, NormalizedPost]] = {}
        rejected = []
        after = None
        for _ in range(MAX_PAGES if after_utc is not None else 1):
            page_params = {**params, "limit": PAGE_SIZE} | ({"after": after} if after else {})
            children, after = _listing(self._get(path, page_params))
            reached_old = False
            for child in children:
                try:
                    created, post = _entry(child)
                except (ValueError, TypeError, AttributeError, KeyError) as exc:
                    rejected.append(RejectedItem(reason=str(exc), raw=json.dumps(child)))
                    continue
                if after_utc is not None and (
                    created < after_utc or (created == after_utc and post.external_id in seen)
                ):
                    reached_old = True
                    continue
                # Items shift down between page requests: a fullname may come twice.
                fresh[post.external_id] = (created, post)
            if reached_old or not after:
                break
        ordered = sorted(fresh.values(), key=lambda entry: (entry[0], entry[1].external_id))
        return ordered, rejected

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        try:
            return self.reddit.request(method="GET", path=path, params=params)
        except prawcore.TooManyRequests as exc:
            retry_after = _retry_after(exc.response.headers)
            raise PlatformRateLimited(f"reddit: 429 on {path}", retry_after=retry_after) from exc
        except (prawcore.ServerError, prawcore.RequestException) as exc:
            raise PlatformUnavailable(f"reddit: {type(exc).__name__}: {exc}") from exc
        except prawcore.OAuthException as exc:
            raise PlatformAuthError(f"reddit: {exc}") from exc
        except prawcore.BadJSON as exc:
            raise PlatformMalformedBody("body: not JSON", raw=exc.response.text) from exc
        except (prawcore.Redirect, prawcore.NotFound) as exc:
            raise PlatformBadPayload(f"settings.subreddits: {path} does not exist") from exc
        except prawcore.ResponseException as exc:  # incl. Forbidden, InvalidToken (401/403)
            status = exc.response.status_code
            if status in (401, 403):
                raise PlatformAuthError(f"reddit: HTTP {status}") from exc
            if status >= 500:
                raise PlatformUnavailable(f"reddit: HTTP {status}") from exc
            raise PlatformBadPayload(f"request: HTTP {status} on {path}") from exc
        except praw.exceptions.PRAWException as exc:
            raise PlatformBadPayload(f"request: {exc}") from exc


def _listing(body: Any) -> tuple[list[Any], str | None]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise PlatformBadPayload("data.children: missing")
    return data["children"], data.get("after")


def _entry(child: Any) -> tuple[float, NormalizedPost]:
    data = child.get("data") if isinstance(child, dict) else None
    if not isinstance(data, dict):
        raise ValueError("data: missing")
    kind = child.get("kind")
    if kind not in ("t1", "t3"):
        raise ValueError(f"kind: unexpected {kind!r}")
    created = data.get("created_utc")
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise ValueError("created_utc: missing")
    text_field = "title" if kind == "t3" else "body"
    for name in ("id", "name", text_field):
        if not isinstance(data.get(name), str) or not data[name]:
            raise ValueError(f"{name}: missing")
    return float(created), _post(kind, data, datetime.fromtimestamp(created, UTC), child)


def _post(kind: str, data: dict[str, Any], posted_at: datetime, raw: dict) -> NormalizedPost:
    permalink = (data.get("permalink") or "").split("?")[0]
    common = {
        "platform": "reddit",
        "external_id": data["name"],
        "posted_at": posted_at,
        "author_handle": data.get("author") or "",
        "likes": _count(data, "score"),
        "raw": raw,
    }
    if kind == "t3":
        selftext = data.get("selftext") or ""
        text = f"{data['title']}\n\n{selftext}" if selftext else data["title"]
        link = data.get("url") if not data.get("is_self") else None
        if link and link.startswith("/"):  # a crosspost links to the original's permalink
            link = f"https://www.reddit.com{link}"
        urls, hashtags = text_entities(text, urls=[link] if link else [])
        return NormalizedPost(
            text=text,
            url=f"https://www.reddit.com{permalink}" if permalink else link or "",
            replies=_count(data, "num_comments"),
            reposts=_count(data, "num_crossposts"),
            repost_of=data.get("crosspost_parent") or "",
            conversation_id=data["name"],
            urls=urls,
            hashtags=hashtags,
            **common,
        )
    link_id = data.get("link_id") or ""
    fallback = f"/r/{data.get('subreddit')}/comments/{link_id[3:]}/_/{data['id']}/"
    urls, hashtags = text_entities(data["body"])
    return NormalizedPost(
        text=data["body"],
        url=f"https://www.reddit.com{permalink or fallback}",
        reply_to=data.get("parent_id") or "",
        conversation_id=link_id,
        urls=urls,
        hashtags=hashtags,
        **common,
    )


def _gone(data: dict[str, Any]) -> bool:
    text = data.get("body", data.get("selftext"))  # comments have a body, submissions selftext
    return text in GONE_TEXTS or bool(data.get("removed_by_category"))


def _count(data: dict[str, Any], name: str) -> int:
    return platform_count(data.get(name), name)


def _advance(state: dict[str, Any], taken: list[tuple[float, NormalizedPost]]) -> dict[str, Any]:
    if not taken:
        return dict(state)
    newest = taken[-1][0]
    seen = [post.external_id for created, post in taken if created == newest]
    if newest == state.get("after_utc"):
        seen += state.get("seen") or []
    return {"after_utc": newest, "seen": sorted(set(seen))}


def _time_filter(after_utc: float | None, now: datetime) -> str:
    if after_utc is None:
        return "day"
    age = now.timestamp() - after_utc + TIME_FILTER_MARGIN
    return next((name for name, seconds in TIME_FILTERS if age <= seconds), "all")


def _retry_after(headers: Any) -> float:
    # Both are seconds from now (Reddit's x-ratelimit-reset is not an epoch time).
    value = headers.get("retry-after") or headers.get("x-ratelimit-reset") or ""
    return max(float(value), 1.0) if value.replace(".", "", 1).isdigit() else DEFAULT_RETRY_AFTER


def _rate_limit(headers: Any, now: datetime) -> RateLimit | None:
    if headers is None:
        return None
    try:
        remaining = int(float(headers["x-ratelimit-remaining"]))
        used = int(float(headers.get("x-ratelimit-used", 0)))
        reset = headers.get("x-ratelimit-reset")
        reset_at = now + timedelta(seconds=float(reset)) if reset else None
    except (KeyError, ValueError):
        return None
    return RateLimit(remaining=remaining, limit=remaining + used, reset_at=reset_at)


def _subreddit(name: str) -> str:
    bare = str(name).strip().removeprefix("/").removeprefix("r/")
    if not SUBREDDIT_NAME.match(bare):
        raise PlatformBadPayload(f"settings.subreddits: invalid name {name!r}")
    return bare


SETTINGS_KEYS = ("subreddits", "site_wide", "user_agent", "timeout_seconds")


def build(settings: dict[str, Any], credentials: dict[str, str]) -> RedditClient:
    """The Reddit client for a source (`credentials`: client_id, client_secret[, user_agent]).

    Raises PlatformAuthError without credentials, PlatformBadPayload for a bad subreddit name.
    """
    credentials = credentials or {}
    for key in ("client_id", "client_secret"):
        if not credentials.get(key):
            raise PlatformAuthError(f"credentials.{key}: missing")
    return RedditClient(
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        user_agent=credentials.get("user_agent")
        or setting_string(settings, "user_agent", default=USER_AGENT),
        subreddits=[_subreddit(name) for name in setting_strings(settings, "subreddits")],
        site_wide=setting_bool(settings, "site_wide"),
        timeout=setting_seconds(settings, "timeout_seconds", default=TIMEOUT_SECONDS),
    )
