"""ASGI lifespan: attach the realtime publisher to the server loop and, in embedded mode,
run the beat schedule in-process.

Embedded mode (no REDIS_URL) has an in-memory channel layer that only works inside one
process, so the schedule runs here, calling the *same* Celery tasks (`Task.apply`, eager).
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from realtime.publisher import attach_to_loop

logger = logging.getLogger(__name__)


def _run_task(name: str) -> None:
    from crisiscenter.celery import app

    app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
    app.tasks[name].apply()


async def _run_logged(key: str, task: str, executor: ThreadPoolExecutor) -> None:
    try:
        # A thread of the scheduler's own (not the request thread), so a task never blocks a
        # page, nor waits behind the server's other work.
        await sync_to_async(_run_task, thread_sensitive=False, executor=executor)(task)
    except Exception:
        logger.exception("crisiscenter.embedded_beat.failed", extra={"task": key})


async def _beat(entries: dict[str, dict[str, Any]]) -> None:
    """Run every schedule entry at its interval, forever; errors are logged, not fatal.

    Each entry runs on its own, as beat's tasks do on a worker's processes: a slow poll (a
    platform that takes its timeout to answer) does not hold back the escalation tick. An
    entry still running when it is due again waits for its previous run to end. On shutdown
    nothing new starts; a task already running finishes in its thread (a thread cannot be
    stopped), and the server does not wait for it."""
    next_run = dict.fromkeys(entries, 0.0)
    running: dict[str, asyncio.Task] = {}
    executor = ThreadPoolExecutor(max_workers=len(entries), thread_name_prefix="embedded-beat")
    loop = asyncio.get_running_loop()
    try:
        while True:
            for key, entry in entries.items():
                if key in running and not running[key].done():
                    continue
                if loop.time() >= next_run[key]:
                    next_run[key] = loop.time() + float(entry["schedule"])
                    running[key] = loop.create_task(_run_logged(key, entry["task"], executor))
            await asyncio.sleep(0.5)
    finally:
        for task in running.values():
            task.cancel()
        executor.shutdown(wait=False, cancel_futures=True)


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
