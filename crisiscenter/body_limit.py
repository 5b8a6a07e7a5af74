"""ASGI guard: a request body over its path's limit is answered 413 before Django reads it.

Django's ASGI handler copies the whole body (to disk past 2.5 MB) before any view runs, so a
view's own size check comes too late to protect the server: anyone could send gigabytes to the
unauthenticated webhook. The guard refuses a declared Content-Length over the limit at once and
stops reading a body sent without one (chunked) as soon as it passes the limit. Limits: the
webhook's (WEBHOOK_MAX_BODY_BYTES) under /api/ingest/, MAX_REQUEST_BODY_BYTES elsewhere (import
uploads of up to 50 MB, with the form around them). A reverse proxy may refuse earlier still.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from monitoring.services.imports import webhook_too_large

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

WEBHOOK_PREFIX = "/api/ingest/"


def body_limited(app: App) -> App:
    """`app` behind the body limit (HTTP only; other scopes pass untouched)."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        limit = _limit(scope["path"])
        if _declared_length(scope) > limit:
            await _refuse(scope, send, limit)
            return
        read = 0
        refused = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal read, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:  # sent without a Content-Length (or past it): stop here
                    refused = True
                    await _refuse(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def quiet_send(message: dict[str, Any]) -> None:
            if not refused:  # the 413 has been sent: the app's answer has nowhere to go
                await send(message)

        await app(scope, counted_receive, quiet_send)

    return guarded


def _limit(path: str) -> int:
    if path.startswith(WEBHOOK_PREFIX):
        return settings.WEBHOOK_MAX_BODY_BYTES
    return settings.MAX_REQUEST_BODY_BYTES


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # the server refuses a malformed length itself
    return 0


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    """413 with a JSON reason in the language the request asks for (as the API answers)."""
    with translation.override(_language(scope)):
        if scope["path"].startswith(WEBHOOK_PREFIX):
            detail = webhook_too_large()
        else:
            detail = _("Request body larger than %(limit)s.") % {"limit": filesizeformat(limit)}
    body = orjson.dumps({"detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _language(scope: Scope) -> str:
    """The first language of Accept-Language this site speaks, as LocaleMiddleware picks it."""
    accept = next((v for k, v in scope.get("headers", ()) if k == b"accept-language"), b"")
    for code, _quality in parse_accept_lang_header(accept.decode("latin-1")):
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
