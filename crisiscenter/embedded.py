"""ASGI lifespan: attach the realtime publisher to the server loop and, in embedded mode,
run the beat schedule in-process.

Embedded mode (no REDIS_URL) has an in-memory channel layer that only works inside one
process, so the schedule runs here, calling the *same* Celery tasks (`Task.apply`, eager).
"""

import asyncio
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from realtime.publisher import attach_to_loop

logger = logging.getLogger(__name__)


def _run_task(name: str) -> None:
    from crisiscenter.celery import app

    app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
    app.tasks[name].apply()


async def _beat(entries: dict[str, dict[str, Any]]) -> None:
    """Run every schedule entry at its interval, forever; errors are logged, not fatal."""
    next_run = dict.fromkeys(entries, 0.0)
    loop = asyncio.get_running_loop()
    while True:
        for key, entry in entries.items():
            if loop.time() >= next_run[key]:
                next_run[key] = loop.time() + float(entry["schedule"])
                try:
                    # Own thread (not the request thread), so a poll never blocks a page.
                    await sync_to_async(_run_task, thread_sensitive=False)(entry["task"])
                except Exception:
                    logger.exception("crisiscenter.embedded_beat.failed", extra={"task": key})
        await asyncio.sleep(0.5)


async def lifespan(receive: Any, send: Any) -> None:
    """Handle the ASGI lifespan protocol for the whole application."""
    beat: asyncio.Task | None = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            attach_to_loop(asyncio.get_running_loop())
            if settings.EMBEDDED and settings.EMBEDDED_SCHEDULER:
                from crisiscenter.celery import BEAT_SCHEDULE

                beat = asyncio.get_running_loop().create_task(_beat(BEAT_SCHEDULE))
                logger.info("crisiscenter.embedded_beat.started")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if beat:
                beat.cancel()
            await send({"type": "lifespan.shutdown.complete"})
            return
