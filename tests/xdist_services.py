"""Each pytest-xdist worker gets its own Redis database (`make test` runs the suite in two).

Loaded with `-p` (pyproject.toml), so it runs in each worker before Django reads its settings.
pytest-django already gives each worker its own PostgreSQL test database (test_<name>_gw0, ...).
Redis must be split too: the workers' test databases number their workspaces alike, so both
would publish to the same channel-layer groups and replay-log keys, and their Celery workers
would share queues. The channel layer's names carry the database number
(crisiscenter/settings_parts/channels.py), since Redis pub/sub ignores databases.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default `databases`


def _worker_redis_url(url: str, worker: str) -> str:
    """`url` with the database after its own, one per worker: gw0 -> +1, gw1 -> +2, ..."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    base = int(path) if path.isdigit() else 0
    database = (base + 1 + int(worker.removeprefix("gw"))) % REDIS_DATABASES
    return urlunsplit(parts._replace(path=f"/{database}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _worker_redis_url(os.environ["REDIS_URL"], _worker)
