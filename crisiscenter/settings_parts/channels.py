"""Channel layer: Redis pub/sub when REDIS_URL is set, in-memory otherwise.

The pub/sub layer held 500 clients in one process where the core layer failed with
"Too many connections" (see STYLE.md). https://github.com/django/channels_redis#usage
"""

import environ

env = environ.Env()
_REDIS_URL = env("REDIS_URL", default="")

if _REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_REDIS_URL]},
        }
    }
else:
    # Only valid inside one process: `make run` runs the scheduler in the web process.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Per-workspace push coalescing: at most one websocket message per workspace per interval.
REALTIME_FLUSH_INTERVAL = env.float("REALTIME_FLUSH_INTERVAL", default=0.15)

# The replay log behind gap fetches (realtime/replay_log.py): the last N messages per
# workspace, kept for at most this long.
REALTIME_REPLAY_MESSAGES = env.int("REALTIME_REPLAY_MESSAGES", default=1000)
REALTIME_REPLAY_SECONDS = env.int("REALTIME_REPLAY_SECONDS", default=3600)
