"""The dashboard websocket: membership-checked join of one workspace group, then relay."""

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from realtime.hub import hub
from workspaces.exceptions import WorkspaceNotFound
from workspaces.selectors import workspace_get_for_user

logger = logging.getLogger(__name__)


@database_sync_to_async
def _workspace_id_for(user: Any, slug: str) -> int | None:
    try:
        return workspace_get_for_user(user=user, slug=slug).pk
    except WorkspaceNotFound:
        return None


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Joins the workspace's fan-out if the session user is a member; refuses otherwise.

    Messages reach the socket through `realtime.hub` (one subscription per process and
    workspace), not through a group membership per connection."""

    workspace_id: int | None = None

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        workspace_id = await _workspace_id_for(self.scope["user"], slug)
        if workspace_id is None:
            logger.info("realtime.dashboard.refused", extra={"slug": slug})
            await self.close()
            return
        # Subscribed before the handshake completes, as a group member was: what is published
        # once the browser is connected reaches it. Frames that arrive before the accept wait.
        self._early: list[str] | None = []
        self.workspace_id = workspace_id
        await hub().join(workspace_id, self.relay)
        await self.accept()
        # Channels' session wrapper inspects the lazy session on every send, to decide whether
        # to save it: a tenth of the process at 500 viewers. Frames after the handshake never
        # save a session, so relay beneath it (falling back to the wrapped send).
        wrapper = getattr(self.base_send, "__self__", None)
        self._raw_send = getattr(wrapper, "real_send", None) or self.base_send
        while self._early:
            await self._raw_send({"type": "websocket.send", "text": self._early.pop(0)})
        self._early = None  # no await since the loop's last check: order is kept

    async def disconnect(self, code: int) -> None:
        if self.workspace_id is not None:
            await hub().leave(self.workspace_id, self.relay)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Client messages are limited to ping; every action goes through the REST API.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def relay(self, text: str) -> None:
        # Already JSON: {"seq": n, "events": [...]}, encoded once by the publisher.
        if self._early is not None:
            self._early.append(text)
            return
        await self._raw_send({"type": "websocket.send", "text": text})
