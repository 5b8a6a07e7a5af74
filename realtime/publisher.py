"""The only code that sends to the channel layer.

`publish_on_commit` queues an event once the surrounding transaction commits. Events are
coalesced per workspace: at most one channel-layer message per workspace per
REALTIME_FLUSH_INTERVAL (leading edge, so a quiet workspace gets its first event at once).
A synchronous `group_send` costs ~3.3 ms and one process manages ~1.7k of them per second, so
the push never happens once per mention.
"""

import asyncio
import atexit
import logging
import os
import threading
import time
from typing import Any, Protocol

import redis.asyncio
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from crisiscenter.json_text import dumps
from realtime import replay_log
from realtime.groups import workspace_group
from realtime.replay_log import message_text

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "workspace.event"  # handled by DashboardConsumer.workspace_event


class Event(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class _Coalescer:
    """Per-process buffer flushed on an event loop: the server's, or a private thread's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, list[dict[str, Any]]] = {}
        self._scheduled: set[int] = set()
        self._last_sent: dict[int, float] = {}
        self._in_flight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis: dict[asyncio.AbstractEventLoop, Any] = {}

    def reset(self) -> None:
        """Forget loop and buffer (after fork: the parent's thread does not exist here)."""
        self.__init__()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Flush on this running loop (the ASGI server's, so an in-memory layer works)."""
        with self._lock:
            self._loop = loop

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is not None and not self._loop.is_closed():
            return self._loop
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="realtime-publisher", daemon=True)
        thread.start()
        self._loop = loop
        return loop

    def add(self, workspace_id: int, event: dict[str, Any], *, urgent: bool = False) -> None:
        """Buffer the event; an urgent one (an alert) flushes the buffer without waiting."""
        interval = settings.REALTIME_FLUSH_INTERVAL
        with self._lock:
            self._pending.setdefault(workspace_id, []).append(event)
            if workspace_id in self._scheduled and not urgent:
                return
            self._scheduled.add(workspace_id)
            self._in_flight += 1
            delay = max(0.0, self._last_sent.get(workspace_id, 0.0) + interval - time.monotonic())
            loop = self._ensure_loop()
        # A flush already scheduled for later then finds an empty buffer and sends nothing.
        loop.call_soon_threadsafe(self._schedule, loop, workspace_id, 0.0 if urgent else delay)

    def _schedule(self, loop: asyncio.AbstractEventLoop, workspace_id: int, delay: float) -> None:
        loop.call_later(delay, lambda: loop.create_task(self._flush(workspace_id)))

    async def _flush(self, workspace_id: int) -> None:
        with self._lock:
            events = self._pending.pop(workspace_id, [])
            self._scheduled.discard(workspace_id)
            self._last_sent[workspace_id] = time.monotonic()
        try:
            if events:
                # Encoded once here, relayed as is by every consumer: with many viewers,
                # encoding per connection was most of the web process's work.
                events_json = dumps(events)
                seq = await self._record(workspace_id, events_json)
                text = message_text(seq, events_json)
                await get_channel_layer().group_send(
                    workspace_group(workspace_id), {"type": MESSAGE_TYPE, "text": text}
                )
        except Exception:
            # Events are a live view; the dashboard re-reads state through the API.
            logger.exception(
                "realtime.publish.failed",
                extra={"workspace_id": workspace_id, "events": len(events)},
            )
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _record(self, workspace_id: int, events_json: str) -> int:
        """Number the message per workspace and keep it in the replay log, atomically.

        The number is shared by every process through Redis (INCR), so a browser that sees a
        gap knows it missed something and asks `/api/events/` for exactly those messages."""
        if not settings.REDIS_URL:
            return replay_log.memory_append(workspace_id, events_json)
        loop = asyncio.get_running_loop()
        client = self._redis.get(loop)
        if client is None:
            client = self._redis[loop] = redis.asyncio.Redis.from_url(settings.REDIS_URL)
        return await replay_log.redis_append(client, workspace_id, events_json)

    def drain(self, timeout: float = 2.0) -> None:
        """Wait (bounded) until every queued event has been handed to the channel layer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._in_flight <= 0:
                    return
            time.sleep(0.01)


_coalescer = _Coalescer()
os.register_at_fork(after_in_child=_coalescer.reset)
atexit.register(_coalescer.drain)


# Event types that must not wait for the coalescing interval.
URGENT_TYPES = frozenset({"alert.created"})


def publish_on_commit(*, workspace_id: int, event: Event) -> None:
    """Send `event` to the workspace's dashboards after the current transaction commits.

    Outside a transaction it is queued at once. Delivery is best effort and coalesced; an
    `alert.created` goes out at once, with whatever else is buffered.
    """
    payload = event.as_dict()
    urgent = payload.get("type") in URGENT_TYPES
    transaction.on_commit(lambda: _coalescer.add(workspace_id, payload, urgent=urgent))


def attach_to_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Flush on the given running loop (called at ASGI lifespan startup)."""
    _coalescer.attach(loop)


def drain(timeout: float = 2.0) -> None:
    """Block until queued events are sent (management commands, tests, worker shutdown)."""
    _coalescer.drain(timeout)
