"""The per-workspace replay log: the last messages pushed to a workspace, by sequence number.

Every websocket message is `{"seq": n, "events": [...]}` with n numbered per workspace. The
publisher appends each message here in the same atomic step that numbers it (a Lua script:
INCR, then ZADD, then trim), so a message a browser can see is always in the log. A browser
that finds a gap (or reconnects) asks `GET /api/events/?workspace=<slug>&after=<last seq>` and
gets exactly the messages it missed, or `complete: false` when they are older than the log
holds, and then re-reads the lists.

Without Redis (the embedded dev mode) the log is an in-process deque: there the publisher runs
in the web process, so the API reads what it wrote.
"""

import threading
from collections import deque
from dataclasses import dataclass

import redis
from django.conf import settings

_APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, seq .. ':' .. ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return seq
"""
READ_LIMIT = 1000  # messages per replay answer; `more` says when to ask again


def _seq_key(workspace_id: int) -> str:
    return f"crisiscenter:seq:workspace:{int(workspace_id)}"


def _log_key(workspace_id: int) -> str:
    return f"crisiscenter:log:workspace:{int(workspace_id)}"


def message_text(seq: int, events_json: str) -> str:
    """The websocket frame: built by string, so the events are encoded once."""
    return f'{{"seq":{int(seq)},"events":{events_json}}}'


async def redis_append(client, workspace_id: int, events_json: str) -> int:
    """Number and log one message (async client: the publisher's loop)."""
    return int(
        await client.eval(
            _APPEND,
            2,
            _seq_key(workspace_id),
            _log_key(workspace_id),
            events_json,
            settings.REALTIME_REPLAY_MESSAGES,
            settings.REALTIME_REPLAY_SECONDS,
        )
    )


_memory_lock = threading.Lock()
_memory_seq: dict[int, int] = {}
_memory_log: dict[int, deque] = {}


def memory_append(workspace_id: int, events_json: str) -> int:
    with _memory_lock:
        seq = _memory_seq[workspace_id] = _memory_seq.get(workspace_id, 0) + 1
        log = _memory_log.setdefault(workspace_id, deque())
        log.append((seq, events_json))
        while len(log) > settings.REALTIME_REPLAY_MESSAGES:
            log.popleft()
        return seq


@dataclass(frozen=True)
class Replay:
    seq: int  # the workspace's latest message number
    complete: bool  # False: messages after `after` are gone from the log; re-read the lists
    more: bool  # True: more than READ_LIMIT messages; ask again after the last one
    messages: list[tuple[int, str]]  # (seq, events JSON), ascending


_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client


def replay_after(*, workspace_id: int, after: int | None) -> Replay:
    """Messages of the workspace numbered above `after` (None: just the latest number)."""
    if settings.REDIS_URL:
        client = _redis()
        seq = int(client.get(_seq_key(workspace_id)) or 0)
        if after is None or after >= seq:
            return Replay(seq=seq, complete=after is None or after == seq, more=False, messages=[])
        oldest = client.zrange(_log_key(workspace_id), 0, 0, withscores=True)
        rows = client.zrangebyscore(
            _log_key(workspace_id), f"({after}", "+inf", start=0, num=READ_LIMIT, withscores=True
        )
        messages = [(int(score), member.decode().split(":", 1)[1]) for member, score in rows]
        first_kept = int(oldest[0][1]) if oldest else seq + 1
    else:
        with _memory_lock:
            seq = _memory_seq.get(workspace_id, 0)
            log = list(_memory_log.get(workspace_id, ()))
        if after is None or after >= seq:
            return Replay(seq=seq, complete=after is None or after == seq, more=False, messages=[])
        messages = [(n, text) for n, text in log if n > after][:READ_LIMIT]
        first_kept = log[0][0] if log else seq + 1
    return Replay(
        seq=seq,
        complete=first_kept <= after + 1,
        more=bool(messages) and messages[-1][0] < seq and len(messages) >= READ_LIMIT,
        messages=messages,
    )
