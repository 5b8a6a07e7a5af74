"""Mastodon: hashtag timelines (public) and status search (needs an access token), plain HTTP.

Settings `{"instance": "https://mastodon.social", "hashtags": ["banknoord"], "search": true,
"timeout": 10}`; credentials `{"access_token": ...}` (optional unless `search` is on).

Cursor `{"since_id": {"tag:banknoord": id, "search": id}, "paging": {"search": {...}}}`:
`since_id` holds, per stream, the highest status id already returned.
- Hashtag timelines page forward with `min_id` ("results immediately newer than this id"), so
  every call continues exactly where the last stopped and nothing is skipped however busy the
  tag is. A first poll (no id yet) takes only the newest page.
- Search returns newest first (sorted by id desc; `min_id` is only a lower bound there), so a
  search sweep pages older with `max_id` until it reaches the stored id, keeping its state in
  `paging.search` between calls; only a finished sweep moves `since_id.search`.
A query new to a source that was polled before (watch terms edited) starts every stream at the
lowest id the other queries' cursors hold (`resume_cursor`), so the edit skips nothing.
Known limit: Mastodon gives federated statuses ids from their creation time, so one that
arrives later than statuses newer than it can land below the stored id and is not seen.
Status ids are local to the instance; `author_handle` is `user@host` also for local accounts.
`lookup` re-reads known statuses (fresh counts) by id, LOOKUP_MAX per request.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlparse

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
    setting_strings,
    setting_url,
)
from monitoring.platforms.sessions import public_only_session
from monitoring.platforms.text import (
    html_links_and_text,
    is_http_url,
    language_code,
    parse_time,
    unique_entities,
)

DEFAULT_TIMEOUT = 10.0
PAGE_MAX = 40  # Mastodon caps `limit` at 40 statuses per request
LOOKUP_MAX = 20  # GET /api/v1/statuses answers 422 above DEFAULT_STATUSES_LIMIT (20)
USER_AGENT = "CrisisCenter/0.1 (+monitoring)"


def _id_key(status_id: str) -> tuple[int, str]:
    # Ids are numeric strings on Mastodon; other servers use sortable strings of equal length.
    return (len(status_id), status_id)


def _rate_limit(response: requests.Response) -> RateLimit:
    headers = response.headers
    reset = headers.get("X-RateLimit-Reset")
    try:
        reset_at = parse_time(reset, "X-RateLimit-Reset") if reset else None
    except ValueError:
        reset_at = None
    remaining, limit = headers.get("X-RateLimit-Remaining"), headers.get("X-RateLimit-Limit")
    return RateLimit(
        remaining=int(remaining) if remaining and remaining.isdigit() else None,
        limit=int(limit) if limit and limit.isdigit() else None,
        reset_at=reset_at,
    )


class MastodonClient:
    def __init__(
        self, *, instance: str, hashtags: list[str], search: bool, token: str, timeout: float
    ) -> None:
        self.instance = instance.rstrip("/")
        self.host = urlparse(self.instance).netloc
        self.hashtags = [tag.lstrip("#") for tag in hashtags if tag.lstrip("#")]
        self.search = search
        self.timeout = timeout
        self.session = public_only_session(USER_AGENT)
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        # Hashtag timelines read whatever the query: once per poll, each with the id it
        # reached, which the poll's other queries take as theirs.
        self._poll_reads = PollReads()

    def fetch(
        self, *, cursor: dict[str, Any], now: datetime, limit: int = 100, query: str = ""
    ) -> Page:
        """New statuses of every hashtag (and of the search, if on and `query` is set), at most
        `limit`, shared round-robin; raises PlatformError subclasses on any failed request."""
        state = _State(
            marks=dict(cursor.get("since_id") or {}),
            paging=dict(cursor.get("paging") or {}),
            now=now,
            query=query,
        )
        read_before = self._poll_reads.of(now)
        tags = []  # the hashtag timelines this poll has not read yet
        for stream in (f"tag:{tag}" for tag in self.hashtags):
            if stream not in read_before:
                tags.append(stream)
            elif read_before[stream]:
                state.marks[stream] = read_before[stream]
        active = [*tags, "search"] if self.search and query else list(tags)
        while active and state.taken < limit:
            for stream in list(active):
                budget = min(PAGE_MAX, limit - state.taken)
                if budget <= 0:
                    break
                step = self._search_step if stream == "search" else self._tag_step
                if step(stream, state, budget):
                    active.remove(stream)
        read_before.update((stream, state.marks.get(stream)) for stream in tags)
        return Page(
            posts=state.posts,
            next_cursor={"since_id": state.marks, "paging": state.paging},
            rejected=state.rejected,
            rate_limit=state.rate_limit,
        )

    @staticmethod
    def resume_cursor(cursors: list[dict[str, Any]]) -> dict[str, Any]:
        """The cursor for a new query that goes on where these cursors (of the queries it
        replaces) stopped: per stream their lowest `since_id`. A search sweep in progress is
        not carried: the new query's sweep pages down to that id itself."""
        marks: dict[str, str] = {}
        for cursor in cursors:
            for stream, mark in (cursor.get("since_id") or {}).items():
                if mark and (stream not in marks or _id_key(mark) < _id_key(marks[stream])):
                    marks[stream] = mark
        return {"since_id": marks, "paging": {}} if marks else {}

    def lookup(self, external_ids: list[str]) -> Page:
        """These statuses as they are now, mapped as in `fetch`: LOOKUP_MAX per
        GET /api/v1/statuses?id[]= (Mastodon 4.3+), else one GET /api/v1/statuses/:id each.
        Deleted or hidden statuses are absent; raises PlatformError subclasses as `fetch`."""
        state = _State(marks={}, paging={}, now=datetime.now(UTC), query="")
        ids, batched = list(dict.fromkeys(external_ids)), True
        for start in range(0, len(ids), LOOKUP_MAX):
            batch = ids[start : start + LOOKUP_MAX]
            items = self._lookup_batch(batch, state) if batched else None
            if items is None:  # 404: a server before 4.3 has no batch endpoint; ask one by one
                batched = False
                items = [status for i in batch for status in self._lookup_one(i, state)]
            self._collect(items, state)
        return Page(state.posts, {}, state.rejected, state.rate_limit)

    def _lookup_batch(self, batch: list[str], state: "_State") -> list[Any] | None:
        """GET /api/v1/statuses?id[]=...; None if the server answers 404 (it predates 4.3)."""
        url = f"{self.instance}/api/v1/statuses"
        response = self._get(url, {"id[]": batch}, state, what="statuses", missing_ok=True)
        if response is None:
            return None
        items = _json(response, "statuses")
        if not isinstance(items, list):
            raise PlatformBadPayload("statuses: expected a JSON array of statuses")
        return items

    def _lookup_one(self, status_id: str, state: "_State") -> list[Any]:
        """The status as a one-item list; empty if the server answers 404 (deleted or hidden)."""
        url = f"{self.instance}/api/v1/statuses/{quote(status_id, safe='')}"
        response = self._get(url, {}, state, what=f"status {status_id}", missing_ok=True)
        return [] if response is None else [_json(response, f"status {status_id}")]

    def _tag_step(self, stream: str, state: "_State", budget: int) -> bool:
        """One forward page of a hashtag timeline; True when the tag has nothing newer."""
        tag = stream.removeprefix("tag:")
        params: dict[str, Any] = {"limit": budget}
        if state.marks.get(stream):
            params["min_id"] = state.marks[stream]
        url = f"{self.instance}/api/v1/timelines/tag/{quote(tag, safe='')}"
        response = self._get(url, params, state, what=f"hashtag #{tag}", missing_ok=True)
        if response is None:  # 404: the instance has never seen this tag
            return True
        items = _json(response, f"hashtag #{tag}")
        if not isinstance(items, list):
            raise PlatformBadPayload(f"hashtag #{tag}: expected a JSON array of statuses")
        ids = self._collect(items, state)
        if ids:
            state.marks[stream] = max([*ids, state.marks.get(stream) or ""], key=_id_key)
        # No stored id yet: the newest page is the starting point, not the first of a backlog.
        return len(items) < budget or "min_id" not in params

    def _search_step(self, stream: str, state: "_State", budget: int) -> bool:
        """One page of the current search sweep (newest first); True when the sweep is done."""
        mark, sweep = state.marks.get(stream), dict(state.paging.get(stream) or {})
        params: dict[str, Any] = {"q": state.query, "type": "statuses", "resolve": "false"}
        params["limit"] = budget
        if mark:
            params["min_id"] = mark
        if sweep.get("max_id"):
            params["max_id"] = sweep["max_id"]
        response = self._get(f"{self.instance}/api/v2/search", params, state, what="search")
        body = _json(response, "search")
        if not isinstance(body, dict) or not isinstance(body.get("statuses"), list):
            raise PlatformBadPayload("search: missing `statuses` array")
        # min_id is applied as a date filter there, so statuses at or below the mark can return.
        newer = [s for s in body["statuses"] if not _at_or_below(s, mark)]
        ids = self._collect(newer, state)
        if ids:
            sweep["top"] = max([*ids, sweep.get("top") or ""], key=_id_key)
            sweep["max_id"] = min(ids, key=_id_key)
        # The sweep ends at the mark or at an empty page; a short page is not the end, because
        # Mastodon drops filtered statuses after applying the limit.
        if not mark or not newer or len(newer) < len(body["statuses"]):
            if sweep.get("top"):
                state.marks[stream] = sweep["top"]
            state.paging.pop(stream, None)
            return True
        state.paging[stream] = sweep
        return False

    def _collect(self, items: list[Any], state: "_State") -> list[str]:
        """Map items into state.posts / state.rejected; returns the ids seen (even rejected)."""
        ids = []
        for item in items:
            item_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(item_id, str) and item_id:
                ids.append(item_id)
            try:
                state.posts.append(self._post(item))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problem = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else exc
                state.rejected.append(
                    RejectedItem(
                        reason=f"status {item_id or '?'}: {problem}",
                        raw=json.dumps(item, default=str),
                    )
                )
        return ids

    def _post(self, status: dict[str, Any]) -> NormalizedPost:
        account = status["account"]
        original = status.get("reblog") or status
        text, links = html_links_and_text(original["content"])
        if original.get("spoiler_text"):
            text = f"{original['spoiler_text']}\n\n{text}".strip()
        card_url = (original.get("card") or {}).get("url")
        quote_info = status.get("quote") or {}
        quoted = (quote_info.get("quoted_status") or {}).get("id") or quote_info.get(
            "quoted_status_id"
        )
        acct = account["acct"]
        return NormalizedPost(
            platform="mastodon",
            external_id=str(status["id"]),
            text=text,
            posted_at=parse_time(status["created_at"], "created_at"),
            url=_page_url(status),
            author_handle=acct if "@" in acct else f"{acct}@{self.host}",
            author_name=(account.get("display_name") or account.get("username") or "")[:200],
            author_followers=platform_count(
                account.get("followers_count"), "account.followers_count"
            ),
            author_verified=False,  # Mastodon has no verification
            author_created_at=(
                parse_time(account["created_at"], "account.created_at")
                if account.get("created_at")
                else None
            ),
            language=language_code(original.get("language")),
            likes=platform_count(status.get("favourites_count"), "favourites_count"),
            reposts=platform_count(status.get("reblogs_count"), "reblogs_count"),
            replies=platform_count(status.get("replies_count"), "replies_count"),
            quotes=platform_count(status.get("quotes_count"), "quotes_count"),
            reply_to=str(status.get("in_reply_to_id") or ""),
            quote_of=str(quoted or ""),
            repost_of=str(status["reblog"]["id"]) if status.get("reblog") else "",
            urls=unique_entities([*links, *([card_url] if card_url else [])]),
            hashtags=unique_entities(
                (tag["name"] for tag in original.get("tags") or []), hashtags=True
            ),
            raw=status,
        )

    def _get(
        self, url: str, params: dict[str, Any], state: "_State", *, what: str, missing_ok=False
    ) -> requests.Response | None:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PlatformUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status == 429:
            raise PlatformRateLimited(
                f"{what}: rate limited (429)", retry_after=_retry_after(response, state.now)
            )
        if status in (401, 403):
            raise PlatformAuthError(f"{what}: HTTP {status}: {response.text[:200]}")
        if status >= 500:
            raise PlatformUnavailable(f"{what}: HTTP {status}")
        if status >= 400:
            raise PlatformBadPayload(f"{what}: HTTP {status}: {response.text[:200]}")
        state.rate_limit = _rate_limit(response)
        return response


@dataclass
class _State:
    """What one fetch() accumulates: cursor parts, posts, rejects, the last rate-limit seen."""

    marks: dict[str, str]
    paging: dict[str, Any]
    now: datetime
    query: str
    posts: list[NormalizedPost] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)
    rate_limit: RateLimit | None = None

    @property
    def taken(self) -> int:
        return len(self.posts) + len(self.rejected)


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise PlatformMalformedBody(
            f"{what}: response body is not JSON", raw=response.text
        ) from exc


def _at_or_below(status: Any, mark: str | None) -> bool:
    if not mark or not isinstance(status, dict) or not isinstance(status.get("id"), str):
        return False
    return _id_key(status["id"]) <= _id_key(mark)


def _retry_after(response: requests.Response, now: datetime) -> float:
    """Seconds to wait: Retry-After if sent, else until X-RateLimit-Reset (ISO), else 60."""
    value = response.headers.get("Retry-After", "")
    if value.replace(".", "", 1).isdigit():
        return max(float(value), 1.0)
    reset = _rate_limit(response).reset_at
    if reset is not None:
        return max((reset - now).total_seconds(), 1.0)
    return 60.0


SETTINGS_KEYS = ("instance", "hashtags", "search", "timeout")


def _page_url(status: dict[str, Any]) -> str:
    """The status's web page (`url`, else its `uri`), if it is an http(s) URL: an instance
    may send anything there (a `javascript:` link), and the dashboard links to it."""
    for url in (status.get("url"), status.get("uri")):
        if isinstance(url, str) and is_http_url(url):
            return url
    return ""


def build(settings: dict[str, Any], credentials: dict[str, str]) -> MastodonClient:
    """The Mastodon client for a source; raises PlatformBadPayload/AuthError on bad config."""
    instance = setting_url(settings, "instance")
    if not instance:
        raise PlatformBadPayload("settings.instance: expected an http(s) URL")
    token = (credentials or {}).get("access_token", "")
    search = setting_bool(settings, "search")
    if search and not token:
        # Without a user token Mastodon answers status searches with an empty list, silently.
        raise PlatformAuthError("credentials.access_token: status search needs an access token")
    hashtags = setting_strings(settings, "hashtags")
    timeout = setting_seconds(settings, "timeout", default=DEFAULT_TIMEOUT)
    if not hashtags and not search:
        raise PlatformBadPayload("settings: give `hashtags` to follow, or `search`: true")
    return MastodonClient(
        instance=instance, hashtags=hashtags, search=search, token=token, timeout=timeout
    )
