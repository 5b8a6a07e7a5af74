"""Mastodon: POST /api/v1/statuses (threads via in_reply_to_id, an Idempotency-Key per part),
reactions (replies) from GET /api/v1/statuses/:id/context (descendants).

Docs: https://docs.joinmastodon.org/methods/statuses/#create (Idempotency-Key: "prevent
duplicate submissions of the same status"), https://docs.joinmastodon.org/methods/statuses/#context
"""

from datetime import UTC, datetime
from typing import Any

import requests

from monitoring.platforms.base import (
    PlatformAuthError,
    PlatformBadPayload,
    PlatformRateLimited,
    PlatformUnavailable,
)
from monitoring.platforms.mastodon import MastodonClient, _retry_after
from statements.publishing import Posted, Reaction

TIMEOUT = 10.0


class MastodonPublisher:
    def __init__(self, *, instance: str, token: str, timeout: float = TIMEOUT) -> None:
        self.reader = MastodonClient(
            instance=instance, hashtags=[], search=False, token=token, timeout=timeout
        )
        self.instance = self.reader.instance
        self.session = self.reader.session
        self.timeout = timeout

    def post(self, text: str, *, parent: Posted | None, root: Posted | None, key: str) -> Posted:
        """Post one status (a reply to `parent` in a thread). Idempotent per `key` on the server."""
        data: dict[str, Any] = {"status": text, "visibility": "public"}
        if parent is not None:
            data["in_reply_to_id"] = parent.id
        response = self._send(
            "POST", "/api/v1/statuses", what="statuses", json=data, headers={"Idempotency-Key": key}
        )
        body = _object(response, "statuses")
        if not isinstance(body.get("id"), str):
            raise PlatformBadPayload("statuses: missing `id`")
        return Posted(id=body["id"], url=body.get("url") or body.get("uri") or "")

    def reactions(self, root: Posted) -> list[Reaction]:
        """Replies (the context's descendants) of a posted status."""
        response = self._send("GET", f"/api/v1/statuses/{root.id}/context", what="context")
        body = _object(response, "context")
        descendants = body.get("descendants")
        if not isinstance(descendants, list):
            raise PlatformBadPayload("context: missing `descendants`")
        reactions = []
        for status in descendants:
            try:
                reactions.append(Reaction("reply", self.reader._post(status)))
            except (KeyError, TypeError, ValueError):
                continue  # one malformed reply must not hide the others
        return reactions

    def _send(self, method: str, path: str, *, what: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(
                method, self.instance + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise PlatformUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 429:
            raise PlatformRateLimited(
                f"{what}: rate limited (429)", retry_after=_retry_after(response, datetime.now(UTC))
            )
        if status in (401, 403):
            raise PlatformAuthError(f"{what}: HTTP {status}: {response.text[:200]}")
        if status >= 500:
            raise PlatformUnavailable(f"{what}: HTTP {status}")
        if status >= 400:
            raise PlatformBadPayload(f"{what}: HTTP {status}: {response.text[:200]}")
        return response


def _object(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise PlatformBadPayload(f"{what}: response body is not JSON") from exc
    if not isinstance(body, dict):
        raise PlatformBadPayload(f"{what}: response body is not a JSON object")
    return body


def build(settings: dict[str, Any], credentials: dict[str, str]) -> MastodonPublisher:
    instance = str(settings.get("instance") or "")
    if not instance.startswith(("https://", "http://")):
        raise PlatformBadPayload("settings.instance: expected an https:// URL")
    token = credentials.get("access_token", "")
    if not token:
        raise PlatformAuthError("credentials.access_token: needed to post")
    return MastodonPublisher(instance=instance, token=token)
