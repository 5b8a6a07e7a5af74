"""Channel layer: Redis pub/sub when REDIS_URL is set, in-memory otherwise.

The pub/sub layer held 500 clients in one process where the core layer failed with
"Too many connections" (see STYLE.md). https://github.com/django/channels_redis#usage
"""

import environ
from redis.connection import parse_url

env = environ.Env()


def channel_layers(redis_url: str) -> dict:
    """CHANNEL_LAYERS for this REDIS_URL ("": in-memory, one process only).

    Pub/sub channels are global to a Redis server, whatever database the URL names: the
    database number goes into the channel names, so that two deployments (or two test
    processes) on one Redis with different databases do not hear each other's groups."""
    if not redis_url:
        # Only valid inside one process: `make run` runs the scheduler in the web process.
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    db = int(parse_url(redis_url).get("db") or 0)
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "asgi" if db == 0 else f"asgi.db{db}"},
        }
    }


CHANNEL_LAYERS = channel_layers(env("REDIS_URL", default=""))

# Per-workspace push coalescing: at most one websocket message per workspace per interval.
REALTIME_FLUSH_INTERVAL = env.float("REALTIME_FLUSH_INTERVAL", default=0.15)

# The replay log behind gap fetches (realtime/replay_log.py): the last N messages per
# workspace, kept for at most this long.
REALTIME_REPLAY_MESSAGES = env.int("REALTIME_REPLAY_MESSAGES", default=1000)
REALTIME_REPLAY_SECONDS = env.int("REALTIME_REPLAY_SECONDS", default=3600)
