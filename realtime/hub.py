"""Per-process fan-out: one channel-layer subscription per workspace, relayed to every viewer.

With one group member per websocket, each message went through a channel-layer queue, a
dispatch task and a handler per viewer (Channels' `await_many_dispatch` re-arms two futures per
message per connection): at 500 viewers that, not the socket writes, used most of the web
process's CPU (py-spy, bench/ws_fanout.py). Here the process joins the workspace group once and
writes the already encoded frame to each local viewer in turn. uvicorn's websocket `send`
hands the frame to the transport without waiting for the peer, so a slow viewer does not hold
up the others.

State is per event loop: the test suite runs each scenario on a fresh loop.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer

from realtime.groups import workspace_group

logger = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[None]]


class _Hub:
    def __init__(self) -> None:
        self._viewers: dict[int, set[Send]] = {}
        self._relays: dict[int, asyncio.Task] = {}
        self._ready: dict[int, asyncio.Future] = {}

    async def join(self, workspace_id: int, send: Send) -> None:
        """Add a viewer; returns once the process receives the workspace's messages."""
        self._viewers.setdefault(workspace_id, set()).add(send)
        ready = self._ready.get(workspace_id)
        if ready is None:
            ready = self._ready[workspace_id] = asyncio.get_running_loop().create_future()
            self._relays[workspace_id] = asyncio.create_task(self._relay(workspace_id, ready))
        await asyncio.shield(ready)

    async def leave(self, workspace_id: int, send: Send) -> None:
        viewers = self._viewers.get(workspace_id)
        if viewers is None:
            return
        viewers.discard(send)
        if not viewers:
            del self._viewers[workspace_id]
            self._ready.pop(workspace_id, None)
            relay = self._relays.pop(workspace_id, None)
            if relay is not None:
                relay.cancel()

    async def _relay(self, workspace_id: int, ready: asyncio.Future) -> None:
        """Relay the workspace group to the local viewers while any remain. A failed
        subscription (e.g. Redis restarted) is renewed with backoff, so viewers never sit on a
        dead relay; what they missed meanwhile shows as a sequence gap, which the page fills
        from the replay API. Failing before the first subscription fails the joins waiting on
        it and forgets this relay, so the next viewer starts afresh."""
        layer = get_channel_layer()
        group = workspace_group(workspace_id)
        delay = 0.5
        while True:
            channel = await layer.new_channel()
            try:
                await layer.group_add(group, channel)
                if not ready.done():
                    ready.set_result(None)
                delay = 0.5
                await self._relay_messages(workspace_id, layer, channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.exception("realtime.hub.relay_failed", extra={"workspace_id": workspace_id})
                if not ready.done():
                    ready.set_exception(exc)
                    if self._ready.get(workspace_id) is ready:
                        del self._ready[workspace_id]
                        self._relays.pop(workspace_id, None)
                    return
            finally:
                try:
                    await asyncio.shield(layer.group_discard(group, channel))
                except Exception:
                    logger.debug("realtime.hub.discard_failed", exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _relay_messages(self, workspace_id: int, layer, channel: str) -> None:
        while True:
            message = await layer.receive(channel)
            text = message.get("text")
            if not isinstance(text, str):
                continue
            for send in list(self._viewers.get(workspace_id, ())):
                try:
                    await send(text)
                except Exception:  # a closing socket: its consumer leaves on disconnect
                    logger.debug("realtime.hub.send_failed", exc_info=True)


_hubs: dict[asyncio.AbstractEventLoop, _Hub] = {}


def hub() -> _Hub:
    """The running loop's hub."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        for old in [old for old in _hubs if old.is_closed()]:
            del _hubs[old]
        found = _hubs[loop] = _Hub()
    return found
