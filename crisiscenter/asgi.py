"""ASGI entry point: HTTP (Django), websockets (Channels) and lifespan.

HTTP request bodies over their limit are refused before Django reads them (body_limit.py).
At lifespan startup the realtime publisher attaches to the server's loop, and in embedded mode
(no REDIS_URL) the in-process scheduler starts there too.
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisiscenter.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from crisiscenter import embedded  # noqa: E402
from crisiscenter.body_limit import body_limited  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": body_limited(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await embedded.lifespan(receive, send)
        return
    await router(scope, receive, send)
