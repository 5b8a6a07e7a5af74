"""Bluesky: post search (`app.bsky.feed.searchPosts`, sort=latest) over plain HTTP.

Settings `{"service": URL, "auth_service": "https://bsky.social", "lang": "nl", "timeout": 10,
"overlap_seconds": 60, "initial_lookback_seconds": 3600}`, all optional. Credentials
`{"identifier", "app_password"}` are optional but in practice needed: Bluesky's public AppView
has refused anonymous searches (and their `cursor`) at times. With them the client creates a
session at `auth_service` (`com.atproto.server.createSession`), searches there with the
accessJwt as Bearer, and keeps the token per process until it expires (createSession allows
only a few hundred calls a day). Without them it searches https://public.api.bsky.app.

Cursor `{"newest_seen": ISO, "paging": {"cursor": opaque, "top": ISO}}`. Results come newest
first, so each poll is a *sweep*: page older (opaque `cursor`) until a post older than
`newest_seen - overlap` shows up or the results end (an empty page or no cursor: a short page
is not the end, moderation can thin pages), then move `newest_seen` to the sweep's newest. A
sweep longer than `limit` keeps its page cursor and top in `paging` and goes on next call; posts
that arrive meanwhile are in the next sweep. Times are the AppView's sort time, min(createdAt,
indexedAt); `since` is sent too, so the server stops at the same place. The overlap catches
posts indexed late; it re-reads a minute of posts (duplicates are dropped by ingest). A first
poll sweeps back `initial_lookback_seconds`; a query new to a source that was polled before
(watch terms edited) sweeps back to the oldest `newest_seen` of its other queries
(`resume_cursor`).

`lookup` re-reads known posts (fresh counts) with `app.bsky.feed.getPosts`, LOOKUP_MAX a request.

Post text is plain text on Bluesky and is kept exactly. PostView carries no follower count:
the authors' counts are read with `app.bsky.actor.getProfiles` (PROFILES_MAX authors a
request, remembered per process for FOLLOWERS_TTL), for `fetch` and `lookup` alike. A failed
read leaves them at 0 and is logged: reach is worth a request, not the page.
"""

import base64
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from monitoring.platforms.base import (
    NormalizedPost,
    Page,
    PlatformAuthError,
    PlatformBadPayload,
    PlatformError,
    PlatformMalformedBody,
    PlatformRateLimited,
    PlatformUnavailable,
    RateLimit,
    RejectedItem,
    platform_count,
    setting_seconds,
    setting_string,
    setting_url,
)
from monitoring.platforms.sessions import public_only_session
from monitoring.platforms.text import language_code, unique_entities

PUBLIC_SERVICE = "https://public.api.bsky.app"
AUTH_SERVICE = "https://bsky.social"
DEFAULT_TIMEOUT = 10.0
OVERLAP_RANGE = (0, 86_400)  # seconds: up to a day
LOOKBACK_RANGE = (0, 30 * 86_400)  # seconds: up to 30 days
SETTINGS_KEYS = (
    "service",
    "auth_service",
    "lang",
    "timeout",
    "overlap_seconds",
    "initial_lookback_seconds",
)
PAGE_MAX = 100  # searchPosts caps `limit` at 100
LOOKUP_MAX = 25  # getPosts takes at most 25 `uris`
PROFILES_MAX = 25  # getProfiles takes at most 25 `actors`
FOLLOWERS_TTL = timedelta(hours=6)
FOLLOWERS_MAX = 50_000  # authors remembered (emptied when full)
USER_AGENT = "CrisisCenter/0.1 (+monitoring)"
# (auth service, identifier) -> (accessJwt, expires at); per process, shared by polls.
SESSIONS: dict[tuple[str, str], tuple[str, datetime]] = {}
# Author DID -> (followers, read at); per process, shared by polls.
FOLLOWERS: dict[str, tuple[int, datetime]] = {}

logger = logging.getLogger(__name__)


def _time(value: Any, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{field}: not an ISO datetime") from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _jwt_expiry(token: str, now: datetime) -> datetime:
    """The `exp` claim of an accessJwt (not verified: the server does that); else now + 15 min."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return now + timedelta(minutes=15)


class BlueskyClient:
    def __init__(self, settings: dict[str, Any], credentials: dict[str, str]) -> None:
        self.identifier = credentials.get("identifier", "")
        self.password = credentials.get("app_password", "")
        self.auth_service = setting_url(settings, "auth_service", default=AUTH_SERVICE).rstrip("/")
        default = self.auth_service if self.identifier else PUBLIC_SERVICE
        self.service = setting_url(settings, "service", default=default).rstrip("/")
        self.lang = setting_string(settings, "lang")
        self.timeout = setting_seconds(settings, "timeout", default=DEFAULT_TIMEOUT)
        self.overlap = timedelta(
            seconds=setting_seconds(settings, "overlap_seconds", default=60, bounds=OVERLAP_RANGE)
        )
        self.lookback = timedelta(
            seconds=setting_seconds(
                settings, "initial_lookback_seconds", default=3600, bounds=LOOKBACK_RANGE
            )
        )
        self.session = public_only_session(USER_AGENT)

    def fetch(
        self, *, cursor: dict[str, Any], now: datetime, limit: int = 100, query: str = ""
    ) -> Page:
        """Posts matching `query` since the last completed sweep (at most `limit`) and the
        cursor after them; raises PlatformError subclasses. No query: nothing to search."""
        if not query:
            return Page(posts=[], next_cursor=dict(cursor))
        seen, paging = cursor.get("newest_seen"), cursor.get("paging") or {}
        try:
            # Never past now: a post dated in the future (a server's clock, or a hostile one)
            # would otherwise lift the floor above every later post (and did, for good).
            mark = min(_time(seen, "cursor.newest_seen"), now) if seen else now - self.lookback
            top = _time(paging["top"], "cursor.paging.top") if paging.get("top") else None
        except ValueError as exc:
            raise PlatformBadPayload(str(exc)) from exc
        page_cursor = paging.get("cursor")
        floor = mark - self.overlap
        posts: list[NormalizedPost] = []
        rejected: list[RejectedItem] = []
        rate_limit = None
        while (budget := min(PAGE_MAX, limit - len(posts) - len(rejected))) > 0:
            body, rate_limit = self._search(query, budget, page_cursor, floor, now)
            reached_floor = False
            for item in body["posts"]:
                try:
                    post, sort_at = _post(item)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    rejected.append(_rejected(item, exc))
                    continue
                if sort_at < floor:  # older than this sweep: an earlier sweep returned it
                    reached_floor = True
                    continue
                top = max(top, min(sort_at, now)) if top else min(sort_at, now)
                posts.append(post)
            page_cursor = body.get("cursor")
            if reached_floor or not body["posts"] or not page_cursor:
                newest = max(mark, top) if top else mark
                next_cursor = {"newest_seen": newest.isoformat(), "paging": {}}
                return Page(self._with_followers(posts, now), next_cursor, rejected, rate_limit)
        paging = {"cursor": page_cursor, "top": top.isoformat() if top else None}
        next_cursor = {"newest_seen": mark.isoformat(), "paging": paging}
        return Page(self._with_followers(posts, now), next_cursor, rejected, rate_limit)

    @staticmethod
    def resume_cursor(cursors: list[dict[str, Any]]) -> dict[str, Any]:
        """The cursor for a new query that goes on where these cursors (of the queries it
        replaces) stopped: their oldest `newest_seen`; {} if none has a readable one."""
        seen = []
        for cursor in cursors:
            try:
                seen.append(_time(cursor["newest_seen"], "cursor.newest_seen"))
            except (KeyError, ValueError):
                continue
        return {"newest_seen": min(seen).isoformat(), "paging": {}} if seen else {}

    def _search(
        self, query: str, budget: int, page_cursor: str | None, floor: datetime, now: datetime
    ) -> tuple[dict[str, Any], RateLimit]:
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": budget}
        params["since"] = floor.isoformat().replace("+00:00", "Z")
        if page_cursor:
            params["cursor"] = page_cursor
        if self.lang:
            params["lang"] = self.lang
        response = self._query("feed.searchPosts", params, now, hint="searching")
        body = _json(response, "searchPosts")
        if not isinstance(body.get("posts"), list):
            raise PlatformBadPayload("searchPosts: missing `posts` array")
        if body.get("cursor") is not None and not isinstance(body["cursor"], str):
            raise PlatformBadPayload("searchPosts: `cursor` is not a string")
        return body, _rate_limit(response)

    def lookup(self, external_ids: list[str]) -> Page:
        """These posts (at:// URIs) as they are now, mapped as in `fetch`, LOOKUP_MAX a request.
        Deleted or hidden posts are absent; raises PlatformError subclasses as `fetch` does."""
        now, uris = datetime.now(UTC), list(dict.fromkeys(external_ids))
        posts: list[NormalizedPost] = []
        rejected: list[RejectedItem] = []
        rate_limit = None
        for start in range(0, len(uris), LOOKUP_MAX):
            params = {"uris": uris[start : start + LOOKUP_MAX]}
            response = self._query("feed.getPosts", params, now, hint="reading posts")
            body = _json(response, "getPosts")
            if not isinstance(body.get("posts"), list):
                raise PlatformBadPayload("getPosts: missing `posts` array")
            for item in body["posts"]:
                try:
                    posts.append(_post(item)[0])
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    rejected.append(_rejected(item, exc))
            rate_limit = _rate_limit(response)
        return Page(self._with_followers(posts, now), {}, rejected, rate_limit)

    def _with_followers(self, posts: list[NormalizedPost], now: datetime) -> list[NormalizedPost]:
        """The posts with their authors' follower counts (see the module docstring)."""
        if len(FOLLOWERS) > FOLLOWERS_MAX:
            FOLLOWERS.clear()
        dids = dict.fromkeys(str(p.raw["author"].get("did") or "") for p in posts)
        wanted = [
            did
            for did in dids
            if did and (did not in FOLLOWERS or now - FOLLOWERS[did][1] > FOLLOWERS_TTL)
        ]
        for start in range(0, len(wanted), PROFILES_MAX):
            params = {"actors": wanted[start : start + PROFILES_MAX]}
            try:
                response = self._query("actor.getProfiles", params, now, hint="reading profiles")
                profiles = _json(response, "getProfiles").get("profiles")
            except PlatformError as exc:
                logger.warning(
                    "monitoring.bluesky.profiles_failed", extra={"error": f"{exc}"[:300]}
                )
                break
            for profile in profiles if isinstance(profiles, list) else []:
                try:
                    count = platform_count(profile.get("followersCount"), "followersCount")
                    FOLLOWERS[str(profile["did"])] = (count, now)
                except (AttributeError, KeyError, ValueError):
                    continue  # one odd profile leaves its author's count at 0
        known = {did: FOLLOWERS[did][0] for did in dids if did in FOLLOWERS}
        return [
            replace(post, author_followers=known[did])
            if (did := post.raw["author"].get("did")) in known
            else post
            for post in posts
        ]

    def _query(
        self, method: str, params: dict[str, Any], now: datetime, *, hint: str
    ) -> requests.Response:
        """GET app.bsky.<method> ("feed.searchPosts") with our session, if any; `hint` names
        the refused action."""
        url = f"{self.service}/xrpc/app.bsky.{method}"
        method = method.rsplit(".", 1)[1]  # as errors name it
        cached = (self.auth_service, self.identifier) in SESSIONS
        try:
            return self._request(
                "GET", url, now, what=method, params=params, headers=self._auth(now)
            )
        except PlatformAuthError as exc:
            if not self.identifier:
                raise PlatformAuthError(f"{exc} ({hint} may need credentials)") from exc
            if not cached:
                raise
            # A cached token can be revoked or expire early: one retry with a fresh session.
            SESSIONS.pop((self.auth_service, self.identifier), None)
            return self._request(
                "GET", url, now, what=method, params=params, headers=self._auth(now)
            )

    def _auth(self, now: datetime) -> dict[str, str]:
        """The Authorization header (a cached or new session); empty without credentials."""
        if not self.identifier:
            return {}
        key = (self.auth_service, self.identifier)
        token, expires_at = SESSIONS.get(key, ("", now))
        if not token or expires_at - now < timedelta(minutes=1):
            response = self._request(
                "POST",
                f"{self.auth_service}/xrpc/com.atproto.server.createSession",
                now,
                what="createSession",
                json={"identifier": self.identifier, "password": self.password},
            )
            token = _json(response, "createSession").get("accessJwt")
            if not isinstance(token, str) or not token:
                raise PlatformBadPayload("createSession: missing `accessJwt`")
            SESSIONS[key] = (token, _jwt_expiry(token, now))
        return {"Authorization": f"Bearer {token}"}

    def _request(
        self, method: str, url: str, now: datetime, *, what: str, **kwargs: Any
    ) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise PlatformUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status < 400:
            return response
        try:
            error = response.json()
            detail = f"{error.get('error', '')}: {error.get('message', '')}"
        except (ValueError, AttributeError):
            error, detail = {}, response.text[:200]
        if status == 429:
            raise PlatformRateLimited(
                f"{what}: rate limited (429)", retry_after=_retry_after(response, now)
            )
        if status in (401, 403) or error.get("error") in ("ExpiredToken", "InvalidToken"):
            raise PlatformAuthError(f"{what}: HTTP {status}: {detail}")
        if status >= 500:
            raise PlatformUnavailable(f"{what}: HTTP {status}")
        raise PlatformBadPayload(f"{what}: HTTP {status}: {detail}")


def _post(item: dict[str, Any]) -> tuple[NormalizedPost, datetime]:
    """A PostView as a NormalizedPost plus its sort time; raises KeyError/ValueError if bad."""
    uri, author, record = item["uri"], item["author"], item["record"]
    if not str(uri).startswith("at://") or "/app.bsky.feed.post/" not in uri:
        raise ValueError("uri: not the at:// URI of a post")
    if not isinstance(record["text"], str):
        raise TypeError("record.text: not a string")
    created = _time(record["createdAt"], "record.createdAt")
    sort_at = min(created, _time(item["indexedAt"], "indexedAt"))
    handle = author["handle"]
    profile = author["did"] if handle == "handle.invalid" else handle
    reply = record.get("reply") or {}
    embed = record.get("embed") or {}
    embedded = embed.get("record") or {}
    quoted = str(embedded.get("uri") or (embedded.get("record") or {}).get("uri") or "")
    features = [f for facet in record.get("facets") or [] for f in facet.get("features") or []]
    links = [f["uri"] for f in features if f.get("$type") == "app.bsky.richtext.facet#link"]
    for external in (embed.get("external"), (embed.get("media") or {}).get("external")):
        if isinstance(external, dict) and external.get("uri"):
            links.append(external["uri"])
    tags = [f["tag"] for f in features if f.get("$type") == "app.bsky.richtext.facet#tag"]
    langs = record.get("langs") or [""]
    return (
        NormalizedPost(
            platform="bluesky",
            external_id=uri,
            text=record["text"],
            posted_at=sort_at,
            url=f"https://bsky.app/profile/{profile}/post/{uri.rsplit('/', 1)[1]}",
            author_handle=handle,
            author_name=(author.get("displayName") or "")[:200],  # may be 640 chars
            author_verified=(author.get("verification") or {}).get("verifiedStatus") == "valid",
            author_created_at=(
                _time(author["createdAt"], "author.createdAt") if author.get("createdAt") else None
            ),
            language=language_code(langs[0]),
            likes=platform_count(item.get("likeCount"), "likeCount"),
            reposts=platform_count(item.get("repostCount"), "repostCount"),
            replies=platform_count(item.get("replyCount"), "replyCount"),
            quotes=platform_count(item.get("quoteCount"), "quoteCount"),
            reply_to=str((reply.get("parent") or {}).get("uri") or ""),
            quote_of=quoted if "/app.bsky.feed.post/" in quoted else "",
            conversation_id=str((reply.get("root") or {}).get("uri") or uri),
            urls=unique_entities(links),
            hashtags=unique_entities([*tags, *(record.get("tags") or [])], hashtags=True),
            raw=item,
        ),
        sort_at,
    )


def _rejected(item: Any, exc: Exception) -> RejectedItem:
    problem = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else exc
    uri = item.get("uri") if isinstance(item, dict) else None
    return RejectedItem(reason=f"post {uri or '?'}: {problem}", raw=json.dumps(item, default=str))


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise PlatformMalformedBody(
            f"{what}: response body is not JSON", raw=response.text
        ) from exc
    if not isinstance(body, dict):
        raise PlatformBadPayload(f"{what}: response body is not a JSON object")
    return body


def _rate_limit(response: requests.Response) -> RateLimit:
    def number(name: str) -> int | None:
        value = response.headers.get(name, "")
        return int(value) if value.isdigit() else None

    reset = number("RateLimit-Reset")  # epoch seconds (atproto xrpc-server)
    reset_at = datetime.fromtimestamp(reset, tz=UTC) if reset is not None else None
    return RateLimit(
        remaining=number("RateLimit-Remaining"), limit=number("RateLimit-Limit"), reset_at=reset_at
    )


def _retry_after(response: requests.Response, now: datetime) -> float:
    """Seconds to wait: Retry-After if sent, else until RateLimit-Reset, else 60."""
    value = response.headers.get("Retry-After", "")
    if value.isdigit():
        return max(float(value), 1.0)
    reset_at = _rate_limit(response).reset_at
    return max((reset_at - now).total_seconds(), 1.0) if reset_at else 60.0


def build(settings: dict[str, Any], credentials: dict[str, str]) -> BlueskyClient:
    """The Bluesky client for a source; credentials need both identifier and app_password."""
    credentials = credentials or {}
    if bool(credentials.get("identifier")) != bool(credentials.get("app_password")):
        raise PlatformAuthError("credentials: give both `identifier` and `app_password`")
    return BlueskyClient(settings or {}, credentials)
