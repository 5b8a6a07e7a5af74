"""News: RSS/Atom feeds and news search feeds, fetched with requests, parsed by feedparser.

Settings `{"feeds": ["https://…/rss"], "search_feeds": ["https://news.google.com/rss/search?
q={query}&hl=nl&gl=NL&ceid=NL:nl"], "timeout": 10}`; `{query}` becomes the url-encoded `query`
(search feeds are skipped when it is empty). No credentials, but a private feed's URL can hold
a token: errors, dead letters, log lines and each mention's `raw["feed"]` show feed URLs through
`url_secrets_masked`.

Cursor `{"feeds": {url: {"etag": str, "modified": str, "seen": [hash, …], "failure": hash}}}`,
one entry per configured feed (entries of feeds no longer configured are dropped):
- `etag`/`modified` are sent back as If-None-Match / If-Modified-Since; a 304 returns nothing
  and leaves the feed's entry unchanged (but for `failure`, dropped as on any success).
- `seen` holds short hashes (sha256, 16 hex) of the external ids already returned that are still
  in the feed, so it is bounded by the feed's own length (capped at SEEN_MAX).
- More new entries than `limit` (shared round-robin over the feeds): the rest wait for the
  next call, and that feed's etag/modified are not stored, so the next request is
  unconditional and `seen` tells which entries were already returned. Nothing is skipped.
- A malformed (bozo) feed keeps whatever entries feedparser recovered, without storing its
  etag; with no entries it is a PlatformMalformedBody naming the feed and carrying the body.
One failing feed of several: the posts of the others are returned, the failure is one of the
page's `warnings` (the source shows it) and logged, and the failed feed's cursor entry is not
advanced. An unreadable body or a 4xx also becomes a RejectedItem (a dead letter) holding the
body, once per failure: the entry keeps `failure`, a short hash of the reason, until the feed
works again, so a feed that stays broken the same way is not dead-lettered on every poll.
Only when every feed failed does fetch raise: that error, or PlatformUnavailable if they differ.
A poll's later queries (same `now`) do not read the fixed feeds again: each takes over the cursor
entry the first query left for them, and whether they worked, failures included.

Every text is decoded exactly once, as its element's type says (`_text_and_links`), whether
feedparser read the body strictly or, as it does with XML that is not well-formed, loosely. A
mention's url is the entry's link, or else its id, only if that is an http(s) URL.
"""

import hashlib
import io
import json
import logging
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from itertools import zip_longest
from typing import Any
from urllib.parse import quote_plus, urlparse, urlsplit
from xml.sax import SAXException
from xml.sax.saxutils import unescape

import feedparser
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
    PollReads,
    RejectedItem,
    setting_seconds,
    setting_urls,
)
from monitoring.platforms.sessions import public_only_session
from monitoring.platforms.text import (
    html_links_and_text,
    is_http_url,
    language_code,
    text_entities,
    url_secrets_masked,
)

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
SEEN_MAX = 1000
USER_AGENT = "CrisisCenter/0.1 (+monitoring; feed reader)"
_EMAIL_WITH_NAME = re.compile(r"\S+@\S+\s*\((.+)\)")
# Where in a body the parser gave up ("<unknown>:2:18: mismatched tag"): left out of a failure's
# identity, as an error page that varies (a request id, a date) moves it on every poll.
_PARSE_POSITION = re.compile(r":\d+:\d+:")
# XML's own entities beyond the three `unescape` knows.
_XML_QUOTES = {"&quot;": '"', "&apos;": "'"}


def _hash(external_id: str) -> str:
    return hashlib.sha256(external_id.encode()).hexdigest()[:16]


class NewsClient:
    def __init__(self, *, feeds: list[str], search_feeds: list[str], timeout: float) -> None:
        self.feeds = feeds
        self.search_feeds = search_feeds
        self.timeout = timeout
        self.session = public_only_session(USER_AGENT)
        # Fixed feeds read whatever the query: once per poll, each with the cursor entry it
        # reached and whether it worked, which the poll's other queries take over as theirs.
        self._poll_reads = PollReads()

    def fetch(
        self, *, cursor: dict[str, Any], now: datetime, limit: int = 100, query: str = ""
    ) -> Page:
        """New entries of every feed (at most `limit`, shared round-robin) and the cursor after
        them; raises a PlatformError only when every feed failed."""
        urls = list(self.feeds)
        if query:
            urls += [
                template.replace("{query}", quote_plus(query)) for template in self.search_feeds
            ]
        urls = list(dict.fromkeys(urls))
        read_before = self._poll_reads.of(now)
        old = cursor.get("feeds") or {}
        states: dict[str, dict[str, Any]] = {}
        queues: dict[str, list[tuple[str, NormalizedPost | RejectedItem]]] = {}
        failures: dict[str, PlatformError] = {}
        fetched = [url for url in urls if url not in read_before]
        for url in urls:
            queues[url] = []
            if url not in fetched:  # a fixed feed this poll has read (or tried) already
                states[url] = _state(read_before[url][0])
                continue
            state = _state(old.get(url))
            try:
                states[url], queues[url] = self._fetch_feed(url, state, now)
            except PlatformError as exc:
                failures[url], states[url] = exc, state
        read_earlier = any(read_before[url][1] for url in urls if url not in fetched)
        if failures and len(failures) == len(fetched) and not read_earlier:
            raise _all_failed(failures)
        rejected = _failures_noted(failures, states)
        posts, taken = [], {url: 0 for url in urls}
        # Round-robin so one busy feed cannot starve the others of the shared limit.
        for row in zip_longest(*(queues[url] for url in urls)):
            for url, item in zip(urls, row, strict=True):
                if item is None or len(posts) + len(rejected) >= limit:
                    continue
                taken[url] += 1
                states[url]["seen"].append(item[0])
                (posts if isinstance(item[1], NormalizedPost) else rejected).append(item[1])
        for url in urls:
            if url in failures:
                continue
            if taken[url] < len(queues[url]):  # more waiting: fetch in full next time
                states[url].pop("etag", None)
                states[url].pop("modified", None)
            states[url]["seen"] = states[url]["seen"][-SEEN_MAX:]
        for url in set(fetched) & set(self.feeds):
            read_before[url] = (_state(states[url]), url not in failures)
        warnings = [str(exc) for exc in failures.values()]
        return Page(posts, next_cursor={"feeds": states}, rejected=rejected, warnings=warnings)

    def _fetch_feed(
        self, url: str, state: dict[str, Any], now: datetime
    ) -> tuple[dict[str, Any], list[tuple[str, NormalizedPost | RejectedItem]]]:
        """The feed's next cursor entry (before emitting) and its unseen entries in feed order;
        raises PlatformError for this feed."""
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("modified"):
            headers["If-Modified-Since"] = state["modified"]
        body, response_headers = self._get(url, headers, now)
        if body is None:  # 304 Not Modified: the feed works (again)
            return {k: v for k, v in state.items() if k != "failure"}, []
        # A stream, never bytes: feedparser would try to open a bytes body as a local file name.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=response_headers)
        if not parsed.entries and (parsed.bozo or not parsed.version):
            problem = parsed.get("bozo_exception") or "no RSS or Atom document"
            raise PlatformMalformedBody(
                f"feed {_shown(url)}: not a readable feed ({problem})",
                # A login or consent page can echo the URL it was asked for.
                raw=url_secrets_masked(body.decode("utf-8", errors="replace")),
            )
        seen = state["seen"]
        items = []
        loose = _loosely_parsed(parsed)
        for entry in parsed.entries:
            try:
                items.append(_entry(entry, parsed.feed, url, now, loose))
            except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
                raw = json.dumps(entry, default=str)
                reason = f"feed {_shown(url)}: unreadable entry ({exc})"
                items.append((_hash(raw), RejectedItem(reason=reason, raw=raw)))
        if not parsed.bozo:  # forget what left the feed; a truncated body tells us nothing
            present = {key for key, _ in items}
            seen = [key for key in seen if key in present]
        queue, known = [], set(seen)
        for key, item in items:
            if key not in known:  # also drops an entry the feed lists twice
                known.add(key)
                queue.append((key, item))
        new_state: dict[str, Any] = {"seen": seen}
        if not parsed.bozo:
            for name, header in (("etag", "ETag"), ("modified", "Last-Modified")):
                if response_headers.get(header.lower()):
                    new_state[name] = response_headers[header.lower()]
        return new_state, queue

    def _get(
        self, url: str, headers: dict[str, str], now: datetime
    ) -> tuple[bytes | None, dict[str, str]]:
        """The body and lower-cased headers of a 2xx, (None, {}) for a 304; raises otherwise."""
        try:
            response = self.session.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PlatformUnavailable(
                f"feed {_shown(url)}: {type(exc).__name__}: {_masked_error(exc, url)}"
            ) from exc
        status = response.status_code
        if status == 304:
            return None, {}
        if status == 429:
            retry_after = _retry_after(response.headers.get("Retry-After", ""), now)
            raise PlatformRateLimited(
                f"feed {_shown(url)}: rate limited (429)", retry_after=retry_after
            )
        if status in (401, 403):
            raise PlatformAuthError(f"feed {_shown(url)}: HTTP {status}")
        if status >= 500:
            raise PlatformUnavailable(f"feed {_shown(url)}: HTTP {status}")
        if status >= 400:
            raise PlatformBadPayload(f"feed {_shown(url)}: HTTP {status}")
        headers_out = {key.lower(): value for key, value in response.headers.items()}
        headers_out.setdefault("content-location", url)
        return response.content, headers_out


def _state(entry: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of a feed's cursor entry, always with a `seen` list of its own (a feed that has
    never been read has none, and the poll's later queries must not share this one's)."""
    return {**(entry or {}), "seen": list((entry or {}).get("seen") or [])}


@lru_cache(maxsize=256)
def _shown(url: str) -> str:
    """A feed's URL as errors, dead letters, logs and raw payloads show it (each entry's raw
    payload names its feed: masked once per feed, not per entry)."""
    return url_secrets_masked(url)


def _failures_noted(
    failures: dict[str, PlatformError], states: dict[str, dict[str, Any]]
) -> list[RejectedItem]:
    """Log each failed feed; the dead letters of those whose body was no feed or that answered
    a 4xx, once per failure: the feed's cursor entry keeps a hash of the reason, so a feed that
    stays broken the same way is not dead-lettered again on every poll (a changed reason is)."""
    rejected = []
    for url, exc in failures.items():
        logger.warning(
            "monitoring.news.feed_failed",
            extra={"feed": _shown(url), "error": f"{exc!r}"[:500]},
        )
        if not isinstance(exc, PlatformBadPayload):
            continue  # transient: only logged, the next poll tries again
        failure = _hash(_PARSE_POSITION.sub(":", str(exc)))
        if states[url].get("failure") != failure:
            states[url]["failure"] = failure
            raw = exc.raw if isinstance(exc, PlatformMalformedBody) else _shown(url)
            rejected.append(RejectedItem(reason=str(exc), raw=raw))
    return rejected


def _masked_error(exc: Exception, url: str) -> str:
    """The error's text with the feed's URL masked, and its path and query, which urllib3 names
    without the host ("Max retries exceeded with url: /feeds/<token>?k=<token>")."""
    text = str(exc).replace(url, _shown(url))
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(path) > 1:
        masked = urlsplit(_shown(url))
        text = text.replace(path, masked.path + (f"?{masked.query}" if masked.query else ""))
    return text


def _entry(
    entry: dict[str, Any], feed: dict[str, Any], url: str, now: datetime, loose: bool
) -> tuple[str, NormalizedPost | RejectedItem]:
    """(seen key, post) for one feed entry, or (seen key, RejectedItem) when it is unusable;
    `loose`: see `_loosely_parsed`."""
    fields = {k: v for k, v in entry.items() if not k.endswith("_parsed")}
    raw = json.loads(json.dumps(fields, default=str))  # FeedParserDict → plain JSON
    raw["feed"] = _shown(url)  # shown with the mention's raw payload
    entry_id = _unescaped(str(entry.get("id") or entry.get("link") or ""), loose)
    title = _text_and_links(entry, "title", loose)[0]
    summary, summary_links = _text_and_links(entry, "summary", loose)
    if not entry_id or not (title or summary):
        key = _hash(json.dumps(raw, sort_keys=True))
        missing = "id and link" if not entry_id else "title and summary"
        return key, RejectedItem(
            reason=f"feed {_shown(url)}: entry without {missing}", raw=json.dumps(raw)
        )
    external_id = entry_id if len(entry_id) <= 200 else "sha256:" + _hash(entry_id)
    outlet = (
        _text_and_links(entry.get("source") or {}, "title", loose)[0]
        or _text_and_links(feed, "title", loose)[0]
        or urlparse(url).netloc
    )
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    # Entries without a date are "now"; dates in the future (bad time zones) are clamped to now.
    posted_at = min(datetime(*stamp[:6], tzinfo=UTC), now) if stamp else now
    # Only http(s) is a link to open: never javascript:, data: or the like.
    link = next((u for u in (entry.get("link"), entry_id) if is_http_url(u or "")), "")
    # Google News descriptions only repeat the title and the outlet: keep one of them.
    repeated = _letters(summary) == _letters(title)
    text = f"{title} — {summary}" if title and summary and not repeated else title or summary
    urls, hashtags = text_entities(text, urls=[link, *summary_links])
    return _hash(external_id), NormalizedPost(
        platform="news",
        external_id=external_id,
        text=text,
        posted_at=posted_at,
        url=link,
        author_handle=outlet,
        author_name=(_author_name(_unescaped(entry.get("author") or "", loose)) or outlet)[:200],
        author_is_outlet=True,
        language=language_code(feed.get("language")),
        urls=urls,
        hashtags=hashtags,
        raw=raw,
    )


def _loosely_parsed(parsed: dict[str, Any]) -> bool:
    """Whether feedparser read the body with its loose parser (it falls back to it when the body
    is no well-formed XML, or of no known encoding), which leaves XML's own entities escaped
    in elements that are not text constructs: author names, ids, RSS's <source>."""
    return not parsed.get("encoding") or isinstance(parsed.get("bozo_exception"), SAXException)


def _unescaped(value: str, loose: bool) -> str:
    """An element's value as its text: what the loose parser left escaped, decoded once."""
    return unescape(value, _XML_QUOTES) if loose else value


def _text_and_links(item: dict[str, Any], key: str, loose: bool) -> tuple[str, tuple[str, ...]]:
    """Plain text (and the links) of an element. feedparser gives a text construct (title,
    summary) of type text/plain as the text itself, so it is not unescaped again (Atom's
    "&amp;lt;b&amp;gt;" is the text "&lt;b&gt;"), and (X)HTML, RSS's guess for markup or
    entities, as markup; other elements (RSS's <source>) as their XML text."""
    value = item.get(key) or ""
    detail = item.get(f"{key}_detail")
    if detail is None:
        return " ".join(_unescaped(value, loose).split()), ()
    if detail.get("type") == "text/plain":
        return " ".join(value.split()), ()
    return html_links_and_text(value)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _author_name(author: str) -> str:
    """RSS 2.0 <author> is "email (Name)": keep the name (white space folded)."""
    author = " ".join(author.split())
    match = _EMAIL_WITH_NAME.fullmatch(author)
    return match.group(1).strip() if match else author


def _retry_after(value: str, now: datetime) -> float:
    """Retry-After as seconds or an HTTP date; 60 s when absent or unreadable."""
    if value.strip().isdigit():
        return max(float(value), 1.0)
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 1.0)
    except (TypeError, ValueError):
        return 60.0


def _all_failed(failures: dict[str, PlatformError]) -> PlatformError:
    """One error for a fetch in which every feed failed."""
    errors = list(failures.values())
    if len(errors) == 1:
        return errors[0]
    summary = f"all {len(errors)} feeds failed: " + "; ".join(map(str, errors))[:1500]
    kinds = {type(error) for error in errors}
    if kinds == {PlatformRateLimited}:
        waits = [e.retry_after for e in errors if isinstance(e, PlatformRateLimited)]
        return PlatformRateLimited(summary, retry_after=max(waits))
    if kinds == {PlatformMalformedBody}:  # every body kept for the dead letter
        bodies = (f"{e}\n{e.raw}" for e in errors if isinstance(e, PlatformMalformedBody))
        return PlatformMalformedBody(summary, raw="\n\n".join(bodies))
    return kinds.pop()(summary) if len(kinds) == 1 else PlatformUnavailable(summary)


SETTINGS_KEYS = ("feeds", "search_feeds", "timeout")


def build(settings: dict[str, Any], credentials: dict[str, str]) -> NewsClient:
    """The news client for a source's settings (`feeds`, `search_feeds`, optional `timeout`)."""
    feeds, search_feeds = setting_urls(settings, "feeds"), setting_urls(settings, "search_feeds")
    timeout = setting_seconds(settings, "timeout", default=DEFAULT_TIMEOUT)
    if not feeds and not search_feeds:
        raise PlatformBadPayload("settings: give `feeds` or `search_feeds` (http(s) URLs)")
    return NewsClient(feeds=feeds, search_feeds=search_feeds, timeout=timeout)
