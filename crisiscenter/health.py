"""/healthz: database, channel layer and broker, as JSON (200 all ok, 503 otherwise)."""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from crisiscenter.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


async def _channel_layer_publish() -> str:
    # A publish to a group nobody joins: proves the layer (Redis) takes messages without
    # subscribing anything (a receive() would leave a pub/sub subscription per call).
    await asyncio.wait_for(
        get_channel_layer().group_send("healthz", {"type": "healthz.ping"}), timeout=2
    )
    return "ok"


def _broker() -> str:
    if settings.EMBEDDED:
        return "in-process"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {}
    for name, check in (
        ("database", _database),
        ("channel_layer", async_to_sync(_channel_layer_publish)),
        ("broker", _broker),
    ):
        try:
            checks[name] = check()
        except Exception as exc:
            logger.warning("crisiscenter.healthz.failed", extra={"check": name, "error": repr(exc)})
            checks[name] = f"error: {type(exc).__name__}"
    ok = all(v in ("ok", "in-process") for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
