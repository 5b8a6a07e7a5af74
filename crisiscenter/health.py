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


async def _channel_layer_roundtrip() -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    return "ok" if message.get("type") == "healthz.ping" else "bad reply"


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
        ("channel_layer", async_to_sync(_channel_layer_roundtrip)),
        ("broker", _broker),
    ):
        try:
            checks[name] = check()
        except Exception as exc:
            logger.warning("crisiscenter.healthz.failed", extra={"check": name, "error": repr(exc)})
            checks[name] = f"error: {type(exc).__name__}"
    ok = all(v in ("ok", "in-process") for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
