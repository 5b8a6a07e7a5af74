"""Bluesky: createSession, then com.atproto.repo.createRecord of app.bsky.feed.post (reply refs
for threads, link facets with UTF-8 byte offsets); reactions from app.bsky.feed.getPostThread
(replies) and app.bsky.feed.getQuotes.

Idempotent by construction: each part gets a record key derived from the publication (a TID
built from its creation time and the part number), so a retried createRecord for a part the
server already stored is found with com.atproto.repo.getRecord instead of posting twice.
Docs: https://docs.bsky.app/docs/advanced-guides/posts, https://atproto.com/specs/record-key
"""

from datetime import UTC, datetime
from typing import Any

from monitoring.platforms.base import PlatformAuthError, PlatformBadPayload
from monitoring.platforms.bluesky import AUTH_SERVICE, BlueskyClient, _json, _post
from statements.counting import url_spans
from statements.publishing import Posted, Reaction

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def tid(micros: int, clock_id: int) -> str:
    """A record key in the TID format: 53 bits of microseconds, 10 bits of clock id."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 1023)
    out = ""
    for _ in range(13):
        out = TID_ALPHABET[value & 31] + out
        value >>= 5
    return out


def link_facets(text: str) -> list[dict[str, Any]]:
    """Link facets for the URLs in the text (byte offsets in UTF-8, as the lexicon wants)."""
    facets = []
    for start, end in url_spans(text):
        uri = text[start:end]
        if not uri.lower().startswith("http"):
            uri = "https://" + uri
        byte_start = len(text[:start].encode())
        facets.append(
            {
                "index": {
                    "byteStart": byte_start,
                    "byteEnd": byte_start + len(text[start:end].encode()),
                },
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
            }
        )
    return facets


class BlueskyPublisher(BlueskyClient):
    def __init__(self, settings: dict[str, Any], credentials: dict[str, str]) -> None:
        super().__init__(settings, credentials)
        self.did = ""
        self.token = ""
        self.handle = ""

    def _session(self, now: datetime) -> dict[str, str]:
        if not self.token:
            response = self._request(
                "POST",
                f"{self.auth_service}/xrpc/com.atproto.server.createSession",
                now,
                what="createSession",
                json={"identifier": self.identifier, "password": self.password},
            )
            body = _json(response, "createSession")
            for name in ("accessJwt", "did"):
                if not isinstance(body.get(name), str) or not body[name]:
                    raise PlatformBadPayload(f"createSession: missing `{name}`")
            self.token, self.did = body["accessJwt"], body["did"]
            self.handle = body.get("handle") or self.did
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, text: str, *, parent: Posted | None, root: Posted | None, key: str) -> Posted:
        """Create the post under the record key `key` (a TID); returns the existing one if the
        server already has it (a retry after a lost response)."""
        now = datetime.now(UTC)
        headers = self._session(now)
        existing = self._request(
            "GET",
            f"{self.auth_service}/xrpc/com.atproto.repo.getRecord",
            now,
            what="getRecord",
            params={"repo": self.did, "collection": "app.bsky.feed.post", "rkey": key},
            headers=headers,
            allow_missing=True,
        )
        if existing is not None:
            body = _json(existing, "getRecord")
            return self._posted(body.get("uri"), body.get("cid"), key)
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": now.isoformat().replace("+00:00", "Z"),
        }
        facets = link_facets(text)
        if facets:
            record["facets"] = facets
        if parent is not None and root is not None:
            record["reply"] = {
                "root": {"uri": root.uri, "cid": root.cid},
                "parent": {"uri": parent.uri, "cid": parent.cid},
            }
        response = self._request(
            "POST",
            f"{self.auth_service}/xrpc/com.atproto.repo.createRecord",
            now,
            what="createRecord",
            json={
                "repo": self.did,
                "collection": "app.bsky.feed.post",
                "rkey": key,
                "record": record,
            },
            headers=headers,
        )
        body = _json(response, "createRecord")
        return self._posted(body.get("uri"), body.get("cid"), key)

    def _posted(self, uri: Any, cid: Any, key: str) -> Posted:
        if not isinstance(uri, str) or not isinstance(cid, str):
            raise PlatformBadPayload("createRecord: missing `uri` or `cid`")
        return Posted(
            id=uri, url=f"https://bsky.app/profile/{self.handle}/post/{key}", uri=uri, cid=cid
        )

    def reactions(self, root: Posted) -> list[Reaction]:
        """Replies (the thread below the post) and quotes of a posted statement."""
        now = datetime.now(UTC)
        headers = self._session(now)
        thread = _json(
            self._request(
                "GET",
                f"{self.auth_service}/xrpc/app.bsky.feed.getPostThread",
                now,
                what="getPostThread",
                params={"uri": root.uri, "depth": 6},
                headers=headers,
            ),
            "getPostThread",
        ).get("thread")
        if not isinstance(thread, dict):
            raise PlatformBadPayload("getPostThread: missing `thread`")
        items = [("reply", view) for view in _thread_posts(thread)]
        quotes = _json(
            self._request(
                "GET",
                f"{self.auth_service}/xrpc/app.bsky.feed.getQuotes",
                now,
                what="getQuotes",
                params={"uri": root.uri, "limit": 100},
                headers=headers,
            ),
            "getQuotes",
        ).get("posts")
        items += [("quote", view) for view in quotes or []]
        reactions = []
        for kind, view in items:
            try:
                reactions.append(Reaction(kind, _post(view)[0]))
            except (KeyError, TypeError, ValueError):
                continue
        return reactions

    def _request(self, method: str, url: str, now: datetime, *, what: str, **kwargs: Any):
        allow_missing = kwargs.pop("allow_missing", False)
        if not allow_missing:
            return super()._request(method, url, now, what=what, **kwargs)
        try:
            return super()._request(method, url, now, what=what, **kwargs)
        except PlatformBadPayload as exc:
            if "RecordNotFound" in str(exc) or "HTTP 404" in str(exc):
                return None
            raise


def _thread_posts(thread: dict[str, Any]) -> list[dict[str, Any]]:
    """Every post view among the replies of a ThreadViewPost (depth first)."""
    found = []
    for reply in thread.get("replies") or []:
        if isinstance(reply, dict) and isinstance(reply.get("post"), dict):
            found.append(reply["post"])
            found.extend(_thread_posts(reply))
    return found


def build(settings: dict[str, Any], credentials: dict[str, str]) -> BlueskyPublisher:
    if not credentials.get("identifier") or not credentials.get("app_password"):
        raise PlatformAuthError("credentials: give both `identifier` and `app_password`")
    return BlueskyPublisher({"auth_service": AUTH_SERVICE, **settings}, credentials)
