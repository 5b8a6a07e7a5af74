"""Run the ASGI server (uvicorn) exactly as production does: `manage.py serve`."""

import uvicorn
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve CrisisCenter over HTTP and websockets with uvicorn (lifespan on)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host: str, port: int, **options) -> None:
        uvicorn.run(
            "crisiscenter.asgi:application",
            host=host,
            port=port,
            lifespan="on",
            ws_max_size=64 * 1024,
            log_level="info",
        )
