"""The dashboard websocket: membership-checked join of one workspace group, then relay."""

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from realtime.groups import workspace_group
from realtime.publisher import MESSAGE_TYPE
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
    """Joins `workspace.<id>` if the session user is a member; refuses the handshake otherwise."""

    group: str | None = None

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        workspace_id = await _workspace_id_for(self.scope["user"], slug)
        if workspace_id is None:
            logger.info("realtime.dashboard.refused", extra={"slug": slug})
            await self.close()
            return
        self.group = workspace_group(workspace_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Client messages are limited to ping; every action goes through the REST API.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs close_old_connections in a worker thread before every handler. The
        # relay below touches no database, and that thread hop per message per viewer was a
        # third of the web process's CPU at 500 viewers (py-spy, bench/ws_fanout.py).
        if message.get("type") == MESSAGE_TYPE:
            await self.workspace_event(message)
            return
        await super().dispatch(message)

    async def workspace_event(self, message: dict[str, Any]) -> None:
        # Already JSON: {"seq": n, "events": [...]}, encoded once by the publisher.
        await self.send(text_data=message["text"])
