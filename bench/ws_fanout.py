"""Websocket fan-out: N logged-in dashboards of one workspace on one uvicorn process.

    .venv/bin/python bench/ws_fanout.py [--clients 500] [--rate 5] [--seconds 20]

Runs the production web command on loopback (`python -m uvicorn crisiscenter.asgi:application
--lifespan on --ws-max-size 65536`, Redis pub/sub channel layer as in
crisiscenter/settings_parts/channels.py) against PostgreSQL database `crisiscenter_fanout`
(created and migrated here, then flushed) and Redis db 5.

1. Reconnect storm: N users of one workspace get a session each (created in the database, as
   a login would), then all N websocket clients connect at the same moment (no stagger, as
   browsers do after a deploy). Prints how many got in and the time until all were in.
2. Fan-out: this process drives updates through the real services at --rate per second for
   --seconds: mentions through `mention_ingest_batch` (the ingest service, which publishes on
   commit) and every fifth update an alert through `alert_raise` + `publish_on_commit`, as the
   rule evaluation does. Each client stamps every event on arrival; the bench prints delivery
   latency p50/p95/p99 from the service call (event creation) to client receipt, over every
   (event, client) pair, and the share of pairs delivered.

The clients run in a child process (asyncio + `websockets`, permessage-deflate offered as
browsers do) so their parsing does not share this process's GIL with the driver. Exits 1 if
not every client got in or not every event reached every client. Method and figures:
bench/README.md.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.alert_latency import (  # noqa: E402  (ROOT on sys.path first)
    Service,
    _free_port,
    _wait_healthy,
)

DB_NAME = "crisiscenter_fanout"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/5"
# Redis pub/sub channels ignore the db number: a workspace id nobody else uses.
WORKSPACE_ID = 980_001
SLUG = "fanout"
CONNECT_TIMEOUT = 120.0
GRACE_SECONDS = 3.0  # after the last update, for the last frames to arrive


# --- Client process -------------------------------------------------------------------------


def _clients_main(base: str, cookies: list[str], conn: Any) -> None:
    asyncio.run(_clients(base, cookies, conn))


async def _clients(base: str, cookies: list[str], conn: Any) -> None:
    url = base.replace("http://", "ws://", 1) + f"/ws/workspaces/{SLUG}/"
    inboxes: list[dict[str, float]] = [{} for _ in cookies]
    sockets: list[Any] = [None] * len(cookies)
    errors: list[str] = []
    start = asyncio.Event()
    stop = asyncio.Event()

    async def client(index: int, cookie: str) -> float | None:
        await start.wait()
        try:
            ws = await connect(
                url,
                origin=base,  # type: ignore[arg-type]
                additional_headers={"Cookie": cookie},
                max_size=None,
                proxy=None,
                open_timeout=CONNECT_TIMEOUT,
                ping_interval=None,
            )
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return None
        connected_at = time.time()
        sockets[index] = ws
        inbox = inboxes[index]
        asyncio.get_running_loop().create_task(_receive(ws, inbox, stop))
        return connected_at

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(client(i, c)) for i, c in enumerate(cookies)]
    await asyncio.sleep(0.5)  # every task is waiting on the same event
    t0 = time.time()
    start.set()
    times = await asyncio.gather(*tasks)
    connected = [t for t in times if t is not None]
    conn.send(
        {
            "connected": len(connected),
            "all_in_seconds": (max(connected) - t0) if connected else None,
            "p50_connect": statistics.median([t - t0 for t in connected]) if connected else None,
            "errors": errors[:5],
            "error_count": len(errors),
        }
    )
    # Wait for the driver to finish; then hand back what each client received.
    await loop.run_in_executor(None, conn.recv)
    stop.set()
    conn.send([inbox for inbox, ws in zip(inboxes, sockets, strict=True) if ws is not None])
    for ws in sockets:
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()


async def _receive(ws: Any, inbox: dict[str, float], stop: asyncio.Event) -> None:
    with contextlib.suppress(Exception):
        async for frame in ws:
            arrived = time.time()
            for event in json.loads(frame).get("events", []):
                kind = event.get("type")
                if kind == "mention.batch":
                    for m in event["mentions"]:
                        inbox.setdefault(f"m:{m['id']}", arrived)
                elif kind == "alert.created":
                    inbox.setdefault(f"a:{event['id']}:1", arrived)
                elif kind == "alert.updated":
                    inbox.setdefault(f"a:{event['id']}:{event['occurrences']}", arrived)
            if stop.is_set():
                return


# --- Setup ----------------------------------------------------------------------------------


def _django_setup(secret_key: str) -> None:
    os.environ.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secret_key,
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="crisiscenter.settings",
        LOG_LEVEL="WARNING",
        REALTIME_FLUSH_INTERVAL=os.environ.get("REALTIME_FLUSH_INTERVAL", "0.15"),
    )
    import django

    django.setup()


def _ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        found = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not found:
            db.execute(f'CREATE DATABASE "{DB_NAME}"')


def _create_world(clients: int) -> tuple[Any, list[str]]:
    """Flush the bench database; one workspace, a watch term, a source, N members with a
    session each. Returns the source and the session cookies."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from monitoring.models import Source, WatchTerm
    from workspaces.models import Membership, Workspace

    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False, allow_cascade=True)
    workspace = Workspace.objects.create(id=WORKSPACE_ID, name="Fan-out", slug=SLUG)
    WatchTerm.objects.create(workspace=workspace, query="northbank")
    source = Source.objects.create(
        workspace=workspace, name="Bench", platform="webhook", is_enabled=False
    )
    users = User.objects.bulk_create(
        [User(username=f"viewer{i}", password="!unusable") for i in range(clients)]  # noqa: S106
    )
    Membership.objects.bulk_create(
        [Membership(workspace=workspace, user=u, role=Membership.Role.CRISIS_TEAM) for u in users]
    )
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = []
    for user in users:
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return source, cookies


# --- Driver ---------------------------------------------------------------------------------


def _drive(source: Any, *, rate: float, seconds: float) -> dict[str, float]:
    """Updates through the real services at `rate`/s; returns event key -> creation time."""
    from django.db import transaction
    from django.utils import timezone

    from monitoring.platforms.base import NormalizedPost
    from monitoring.services import mention_ingest_batch
    from monitoring.services.rules import alert_raise
    from realtime import events
    from realtime.publisher import drain, publish_on_commit

    created: dict[str, float] = {}
    interval = 1.0 / rate
    n = int(rate * seconds)
    t_start = time.monotonic()
    last_mentions: list[int] = []
    for i in range(n):
        due = t_start + i * interval
        time.sleep(max(0.0, due - time.monotonic()))
        t = time.time()
        if i % 5 == 4:
            now = timezone.now()
            with transaction.atomic():
                raised = alert_raise(
                    workspace_id=source.workspace_id,
                    rule=None,
                    kind="negative_burst",
                    details={"observed": 5 + i, "threshold": 3, "window_minutes": 5},
                    mention_ids=last_mentions[-5:],
                    now=now,
                )
                if raised.created:
                    publish_on_commit(
                        workspace_id=source.workspace_id, event=events.alert_created(raised.alert)
                    )
            created[f"a:{raised.alert.pk}:{raised.alert.occurrences}"] = t
        else:
            post = NormalizedPost(
                platform="x",
                external_id=f"fan-{i}-{secrets.token_hex(4)}",
                text=f"northbank app storing weer, update {i} 😡",
                posted_at=timezone.now(),
                author_handle=f"author{i % 50}",
                author_followers=100 + i,
                language="nl",
            )
            result = mention_ingest_batch(source=source, posts=[post], cursor={})
            for mention in result.new:
                created[f"m:{mention.pk}"] = t
                last_mentions.append(mention.pk)
    drain(5.0)
    return created


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"{stamp}, load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0, help="updates per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if args.clients < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--clients, --rate and --seconds must be positive")

    secret_key = secrets.token_urlsafe(32)
    _ensure_database()
    _django_setup(secret_key)
    import redis

    redis.Redis.from_url(REDIS_URL).delete(
        f"crisiscenter:seq:workspace:{WORKSPACE_ID}", f"crisiscenter:log:workspace:{WORKSPACE_ID}"
    )
    source, cookies = _create_world(args.clients)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("LOG_LEVEL", None)
    log = Path(tempfile.mkdtemp(prefix="ws_fanout-")) / "uvicorn.log"
    argv = [
        *(sys.executable, "-m", "uvicorn", "crisiscenter.asgi:application"),
        *("--host", "127.0.0.1", "--port", str(port), "--lifespan", "on"),
        *("--ws-max-size", "65536", "--log-level", "warning"),
    ]
    server = Service("uvicorn", argv, env, log)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    viewers = ctx.Process(target=_clients_main, args=(base, cookies, child), daemon=True)
    try:
        _wait_healthy(base, server)
        print(f"load before: {_load()}")
        viewers.start()
        print(f"pids: uvicorn {server.proc.pid}, clients {viewers.pid}", flush=True)
        storm = parent.recv()
        print(
            f"reconnect storm: {storm['connected']}/{args.clients} connected at the same moment; "
            f"all in after {storm['all_in_seconds']:.2f} s "
            f"(median {storm['p50_connect']:.2f} s); errors: {storm['error_count']}"
            if storm["connected"]
            else f"reconnect storm: 0/{args.clients} connected; errors: {storm['errors']}"
        )
        if storm["errors"]:
            print(f"  first errors: {storm['errors']}")
        time.sleep(1.0)  # every group_add settled
        created = _drive(source, rate=args.rate, seconds=args.seconds)
        time.sleep(GRACE_SECONDS)
        load = _load()
        parent.send("stop")
        inboxes = parent.recv()
        server.check()
    finally:
        server.stop()
        viewers.join(timeout=10)
        if viewers.is_alive():
            viewers.terminate()

    connected = inboxes  # one per client that got in
    latencies = []
    missing = 0
    for inbox in connected:
        for key, t in created.items():
            arrived = inbox.get(key)
            if arrived is None:
                missing += 1
            else:
                latencies.append((arrived - t) * 1000)
    expected = len(created) * len(connected)
    delivered = len(latencies)
    ms = sorted(latencies)
    print(
        f"fan-out: {len(created)} events ({args.rate:g}/s for {args.seconds:g} s) to "
        f"{storm['connected']} clients: {delivered}/{expected} deliveries "
        f"({100 * delivered / max(expected, 1):.2f} %)"
    )
    if ms:
        print(
            f"latency event → client (ms): p50 {_percentile(ms, 50):.0f}  "
            f"p95 {_percentile(ms, 95):.0f}  p99 {_percentile(ms, 99):.0f}  max {ms[-1]:.0f}"
        )
        # The trend over the run: a growing backlog shows as rising medians.
        per_event = [
            statistics.median([(i[k] - t) * 1000 for i in connected if k in i] or [0.0])
            for k, t in sorted(created.items(), key=lambda kv: kv[1])
        ]
        tenth = max(1, len(per_event) // 10)
        trend = [
            statistics.median(per_event[j : j + tenth]) for j in range(0, len(per_event), tenth)
        ]
        print("median per tenth of the run (ms): " + " ".join(f"{v:.0f}" for v in trend))
    print(f"load after: {load}")
    ok = storm["connected"] == args.clients and delivered == expected and expected > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
