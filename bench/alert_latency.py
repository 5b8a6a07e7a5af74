"""Alert latency through the real stack: a mention entering ingest → its alert on a websocket.

    .venv/bin/python bench/alert_latency.py [--probes 40] [--rate 1000] [--viewers 50]

Runs the production processes on loopback (uvicorn with the ASGI app, a Celery worker with
`--concurrency=2`), PostgreSQL database `crisiscenter_latency` (created and migrated here, then
flushed) and Redis db 5. A fake Mastodon server in this process serves hashtag timelines whose
statuses "arrive" at a set rate; the bench enqueues `monitoring.poll_source` itself, as beat's
`poll_due_sources` would. Each probe workspace has a `negative_burst` rule (threshold 1) and one
logged-in websocket client; a probe makes one negative status available, enqueues the poll and
times the `alert.created` frame. Reported twice: with no background load, then while the
background sources push --rate mentions/s through the worker to --viewers dashboards. Exits 1
if any probe alert did not arrive within PROBE_TIMEOUT. Method and figures: bench/README.md.

Django is imported inside functions only: the viewer process (multiprocessing, spawn) imports
this module and must stay a light websocket client.
"""

import argparse
import asyncio
import contextlib
import html
import json
import math
import multiprocessing as mp
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "crisiscenter_latency"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/5"
CELERY_QUEUE = "celery"  # the default queue: the worker runs without -Q, as in docker-compose
WATCH_TERM = "northbank"  # one word: compiles to one Mastodon query, so one fetch per poll
PROBE_TIMEOUT = 10.0
STARTUP_TIMEOUT = 60.0
# Workspace ids start here: Redis pub/sub channels ignore the db number, so a stack on another
# db (tests, a colleague's bench) uses the same group names for its own low workspace ids.
WORKSPACE_ID_START = 970_000
SEED = 20261126
PAGE_MAX = 40  # Mastodon's cap on `limit`
BG_ID_BASE = 10**17  # background status n of tag i: BG_ID_BASE + n * 1000 + i (18 digits)
PROBE_ID_BASE = 3 * 10**17
PROBE_TEXT = (
    "#northbank the app is down again and nobody answers. This is a disgrace, worst service ever 😡"
)
WARMUP_TEXTS = [
    ("en", "Great help from #northbank today, thanks a lot! 👍"),
    ("nl", "Super snel geholpen door #northbank vandaag, top service, dank jullie wel!"),
]

# --- Background posts: varied Dutch and English, mostly about the bank ----------------------
PHRASES = {
    "nl": """de app ligt er weer eens uit | ik kan al twee uur niet inloggen | storing bij het
    pinnen in de supermarkt | de geldautomaat slikt gewoon mijn pas | dit is echt belachelijk |
    de klantenservice neemt niet op | mijn betaling is twee keer afgeschreven | wat een slechte
    service zeg | is er nou een datalek of niet? | phishing mail ontvangen, pas op | niemand weet
    wat er aan de hand is | snel geholpen door de klantenservice | top service, dank jullie wel |
    de nieuwe app werkt echt fijn | hypotheek netjes geregeld | weet iemand of het kantoor morgen
    open is? | vandaag een afspraak gehad | volgende week verandert de rente""",
    "en": """the app is down again | I have not been able to log in for two hours | card
    declined at the ATM again | customer service is not answering | my payment went out twice |
    what a terrible service | was there a data breach or not? | got a phishing text, be careful |
    nobody knows what is going on | quick help from customer service today | great service,
    thank you | the new app is really nice | mortgage sorted in ten minutes | does anyone know if
    the branch is open tomorrow? | had an appointment today | new fees announced for small
    businesses""",
}
EMOJI = "😡 🙄 😤 👍 🙂 😂 ❤️ 💸 🏦 📱 😭 👏 ⚠️ 🤔".split()
NAMES = "anne bas chris daan eva femke gijs hanna jan kim lars lisa mark noor sam tom".split()


def _iso(t: float) -> str:
    """Mastodon's timestamp format: UTC, milliseconds, Z (truncated, so never after `t`)."""
    stamp = datetime.fromtimestamp(math.floor(t * 1000) / 1000, UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text_pool(rng: random.Random, size: int) -> list[tuple[str, str | None]]:
    """(text, language) pairs; a fifth carry no language, so ingest detects it."""
    phrases = {
        lang: [p.strip() for p in " ".join(t.split()).split("|")] for lang, t in PHRASES.items()
    }
    pool = []
    for _ in range(size):
        lang = "nl" if rng.random() < 0.6 else "en"
        parts = rng.sample(phrases[lang], rng.randint(1, 4))
        parts.insert(rng.randrange(len(parts) + 1), "#northbank")
        if rng.random() < 0.5:
            parts.append(rng.choice(EMOJI))
        pool.append((" ".join(parts), None if rng.random() < 0.2 else lang))
    return pool


def _accounts(rng: random.Random, host: str, size: int) -> list[dict[str, Any]]:
    accounts = []
    for i in range(size):
        first, last = rng.choice(NAMES), rng.choice(NAMES)
        username = f"{first}_{last}{i}"
        accounts.append(
            {
                "id": str(109_000_000_000_000_000 + i),
                "username": username,
                "acct": username,
                "display_name": f"{first} {last}".title(),
                "locked": False,
                "bot": False,
                "created_at": "2022-11-09T00:00:00.000Z",
                "url": f"{host}/@{username}",
                "followers_count": min(int(rng.paretovariate(1.1) * 40), 3_000_000),
                "following_count": rng.randint(10, 900),
                "statuses_count": rng.randint(10, 9000),
                "emojis": [],
                "fields": [],
            }
        )
    return accounts


class FakeMastodon:
    """Loopback Mastodon: `GET /api/v1/timelines/tag/:tag?min_id=&limit=` for two kinds of tag.

    Background tags: status n "arrives" at t0 + n / rate, so a request returns what arrived
    since its `min_id` (oldest first page, newest first inside it, as Mastodon pages forward).
    Probe tags: a list the bench appends to on demand.
    """

    def __init__(self) -> None:
        rng = random.Random(SEED)
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.fake = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.texts = _text_pool(rng, 600)
        self.accounts = _accounts(rng, self.url, 400)
        self.rate_tags: dict[str, dict[str, Any]] = {}  # tag -> {index, rate, t0, t_stop, served}
        self.probe_tags: dict[str, list[dict[str, Any]]] = {}
        self.probe_seq = 0
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_rate_tag(self, tag: str, index: int) -> None:
        self.rate_tags[tag] = {"index": index, "rate": 0.0, "t0": 0.0, "t_stop": 0.0, "served": 0}

    def start_rate(self, rate_per_tag: float) -> None:
        now = time.time()
        with self.lock:
            for tag in self.rate_tags.values():
                tag.update(rate=rate_per_tag, t0=now, t_stop=math.inf, served=0)

    def stop_rate(self) -> None:
        now = time.time()
        with self.lock:
            for tag in self.rate_tags.values():
                tag["t_stop"] = now

    def backlog(self) -> int:
        """Statuses arrived on background tags but not yet fetched by anyone."""
        now = time.time()
        with self.lock:
            return sum(self._arrived(t, now) - t["served"] for t in self.rate_tags.values())

    def add_probe(self, tag: str, text: str, lang: str) -> str:
        """Make one status available on a probe tag; returns its id."""
        with self.lock:
            self.probe_seq += 1
            status_id = str(PROBE_ID_BASE + self.probe_seq)
            account = self.accounts[self.probe_seq % len(self.accounts)]
            status = self._status(status_id, time.time(), text, lang, account, self.probe_seq)
            self.probe_tags.setdefault(tag, []).append(status)
        return status_id

    @staticmethod
    def _arrived(tag: dict[str, Any], now: float) -> int:
        if not tag["rate"]:
            return 0
        return int((min(now, tag["t_stop"]) - tag["t0"]) * tag["rate"])

    def page(self, tag: str, min_id: str | None, limit: int) -> list[dict[str, Any]] | None:
        """The statuses a request gets, newest first; None for an unknown tag (404)."""
        limit = max(1, min(limit, PAGE_MAX))
        with self.lock:
            if tag in self.probe_tags:
                newer = [
                    s for s in self.probe_tags[tag] if not min_id or int(s["id"]) > int(min_id)
                ]
                chosen = newer[:limit] if min_id else newer[-limit:]
                return list(reversed(chosen))
            info = self.rate_tags.get(tag)
            if info is None:
                return None
            arrived = self._arrived(info, time.time())
            if min_id:
                first = (int(min_id) - BG_ID_BASE) // 1000 + 1
                last = min(arrived, first + limit - 1)
            else:  # a first poll takes only the newest page
                first, last = max(1, arrived - limit + 1), arrived
            info["served"] = max(info["served"], last)
            index, rate, t0 = info["index"], info["rate"], info["t0"]
        statuses = []
        for n in range(last, first - 1, -1):
            text, lang = self.texts[(n * 7919 + index) % len(self.texts)]
            account = self.accounts[(n * 31 + index) % len(self.accounts)]
            status_id = str(BG_ID_BASE + n * 1000 + index)
            statuses.append(self._status(status_id, t0 + n / rate, text, lang, account, n))
        return statuses

    def _status(
        self, status_id: str, t: float, text: str, lang: str | None, account: dict, n: int
    ) -> dict[str, Any]:
        tag_link = (
            f'<a href="{self.url}/tags/northbank" class="mention hashtag" rel="tag">'
            "#<span>northbank</span></a>"
        )
        content = "<p>" + html.escape(text).replace("#northbank", tag_link) + "</p>"
        acct = account["acct"]
        return {
            "id": status_id,
            "created_at": _iso(t),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": lang,
            "uri": f"{self.url}/users/{acct}/statuses/{status_id}",
            "url": f"{self.url}/@{acct}/{status_id}",
            "replies_count": n % 4,
            "reblogs_count": n % 7,
            "favourites_count": n % 13,
            "quotes_count": 0,
            "edited_at": None,
            "content": content,
            "reblog": None,
            "account": account,
            "media_attachments": [],
            "mentions": [],
            "tags": [{"name": "northbank", "url": f"{self.url}/tags/northbank"}],
            "emojis": [],
            "card": None,
            "poll": None,
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: "FakeMastodon"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A poll cut off by the worker's shutdown resets its connection: not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's requests.Session expects

    def do_GET(self) -> None:
        url = urlparse(self.path)
        prefix = "/api/v1/timelines/tag/"
        query = parse_qs(url.query)
        statuses = None
        if url.path.startswith(prefix):
            statuses = self.server.fake.page(  # type: ignore[attr-defined] (our _Server)
                unquote(url.path[len(prefix) :]).lower(),
                (query.get("min_id") or [None])[0],
                int((query.get("limit") or ["20"])[0]),
            )
        body = json.dumps(statuses if statuses is not None else {"error": "Record not found"})
        data = body.encode()
        self.send_response(200 if statuses is not None else 404)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-RateLimit-Limit", "300")
        self.send_header("X-RateLimit-Remaining", "299")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- Websocket clients ----------------------------------------------------------------------


def _ws_url(base: str, slug: str) -> str:
    return base.replace("http://", "ws://", 1) + f"/ws/workspaces/{slug}/"


def _ws_connect(base: str, slug: str, cookie: str) -> Any:
    # Like a browser: same-origin Origin header, the session cookie, permessage-deflate on.
    return connect(
        _ws_url(base, slug),
        origin=base,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie},
        max_size=None,
        proxy=None,
        open_timeout=20,
    )


@dataclass
class ProbeInbox:
    """What one probe workspace's dashboard received, stamped on arrival (time.time())."""

    alerts: list[tuple[float, int]] = field(default_factory=list)  # (arrival, alert id)
    mentions: dict[str, float] = field(default_factory=dict)  # external id -> first arrival


class ProbeClients:
    """One logged-in dashboard websocket per probe workspace, on an asyncio loop of its own."""

    def __init__(self, base: str, cookie: str, slugs: dict[int, str]) -> None:
        self.base, self.cookie, self.slugs = base, cookie, slugs
        self.inbox = {wid: ProbeInbox() for wid in slugs}
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        """Connect all clients; raises if any handshake is refused."""
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._connect_all(), self.loop).result(timeout=60)

    async def _connect_all(self) -> None:
        ready = {wid: self.loop.create_future() for wid in self.slugs}
        self.tasks = [
            self.loop.create_task(self._client(wid, slug, ready[wid]))
            for wid, slug in self.slugs.items()
        ]
        await asyncio.gather(*ready.values())

    async def _client(self, wid: int, slug: str, ready: asyncio.Future) -> None:
        try:
            async with _ws_connect(self.base, slug, self.cookie) as ws:
                ready.set_result(True)
                async for message in ws:
                    arrived = time.time()
                    self._record(wid, arrived, json.loads(message))
        except Exception as exc:
            if not ready.done():
                ready.set_exception(exc)
            else:
                print(f"probe client {slug}: {type(exc).__name__}: {exc}", file=sys.stderr)

    def _record(self, wid: int, arrived: float, frame: dict[str, Any]) -> None:
        box = self.inbox[wid]
        with self.lock:
            for event in frame.get("events", []):
                if event.get("type") == "alert.created":
                    box.alerts.append((arrived, int(event["id"])))
                elif event.get("type") == "mention.batch":
                    for mention in event.get("mentions", []):
                        box.mentions.setdefault(str(mention["external_id"]), arrived)

    def snapshot(self, wid: int) -> ProbeInbox:
        with self.lock:
            box = self.inbox[wid]
            return ProbeInbox(alerts=list(box.alerts), mentions=dict(box.mentions))

    def stop(self) -> None:
        async def cancel() -> None:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(cancel(), self.loop).result(timeout=15)
        self.loop.call_soon_threadsafe(self.loop.stop)


def _viewers_main(base: str, slug: str, cookie: str, count: int, conn: Any) -> None:
    """Child process: `count` dashboards of the background workspace that only count frames.

    Protocol on `conn`: sends ("ready", connected, errors); answers "stats" with a dict; "stop"
    ends it.
    """
    asyncio.run(_viewers(base, slug, cookie, count, conn))


async def _viewers(base: str, slug: str, cookie: str, count: int, conn: Any) -> None:
    stats = {"frames": 0, "bytes": 0, "connected": 0, "dropped": 0}
    errors: list[str] = []
    loop = asyncio.get_running_loop()
    ready = [loop.create_future() for _ in range(count)]

    async def viewer(done: asyncio.Future) -> None:
        try:
            async with _ws_connect(base, slug, cookie) as ws:
                stats["connected"] += 1
                done.set_result(True)
                while True:
                    frame = await ws.recv(decode=False)  # bytes: no JSON work, as a counter
                    stats["frames"] += 1
                    stats["bytes"] += len(frame)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if done.done():
                stats["dropped"] += 1
            else:
                errors.append(f"{type(exc).__name__}: {exc}")
                done.set_result(False)

    tasks = [loop.create_task(viewer(done)) for done in ready]
    await asyncio.gather(*ready)
    conn.send(("ready", stats["connected"], errors[:3]))
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "stats":
            conn.send(dict(stats))
        else:
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- Processes ------------------------------------------------------------------------------


class Service:
    """A subprocess in its own process group (the worker's pool children go with it)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        with log.open("wb") as out:
            # Fixed argv (our interpreter, our module names): no shell, no user input.
            self.proc = subprocess.Popen(  # noqa: S603
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{tail}")

    def stop(self) -> None:
        """SIGTERM the group, SIGKILL what is left after 10 s."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # pool children outliving the parent
            os.killpg(self.proc.pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _service_env(secret_key: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "SOURCES_ALLOW_PRIVATE_URLS": "1",  # the fake Mastodon listens on loopback
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("LOG_LEVEL", None)  # the bench's own WARNING; the services log as production does
    return env


def _wait_healthy(url: str, server: Service) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        server.check()
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn: no 200 from /healthz within {STARTUP_TIMEOUT:.0f} s")


# --- CPU accounting (read-only /proc) -------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (state first), or None if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None if it is gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))):
            parents[int(entry.name)] = stat[0]
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        found += frontier
    return found


def _pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
    return pids


def _postgres_cpu() -> dict[int, float]:
    """CPU seconds of the PostgreSQL server: live processes plus the backends the postmaster
    has reaped (its children's time), so short-lived connections count too. All databases."""
    cpu = {}
    pids = _pids_named("postgres")
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is None:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
        if int(fields[1]) not in pids:  # the postmaster: add its reaped children
            cpu[-pid] = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return cpu


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    total = sum(values[:8])
    return (total - values[3] - values[4]) / CLK_TCK, total / CLK_TCK


def _cpu_snapshot(groups: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    snapshot = {
        name: {pid: stat[1] for pid in pids if (stat := _proc_stat(pid))}
        for name, pids in groups.items()
    }
    snapshot["postgres (whole server)"] = _postgres_cpu()
    return snapshot


# --- Django side: database, data, login, results --------------------------------------------


def _django_setup(secret_key: str) -> None:
    os.environ.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secret_key,
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="crisiscenter.settings",
        LOG_LEVEL="WARNING",
        SOURCES_ALLOW_PRIVATE_URLS="1",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        found = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not found:
            db.execute(f'CREATE DATABASE "{DB_NAME}"')


@dataclass
class Probe:
    workspace_id: int
    slug: str
    source_id: int
    tag: str
    status_id: str = ""
    t_enqueue: float = 0.0
    # Filled in after the phase:
    fetched_at: float | None = None
    mention_at: float | None = None
    alert_at: float | None = None


@dataclass
class World:
    bg_workspace_id: int
    bg_slug: str
    bg_source_ids: list[int]
    probes: dict[str, list[Probe]]
    password: str


def _create_world(fake: FakeMastodon, *, bg_sources: int, probes: int) -> World:
    """Flush the bench database and create the workspaces, users, sources and rules."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from monitoring.models import AlertRule
    from monitoring.services import alert_rule_create, source_create, watch_term_create
    from workspaces.services import membership_set, workspace_create

    call_command("migrate", verbosity=0, interactive=False)
    # CASCADE: a table from a newer checkout's migration may point at ours.
    call_command("flush", verbosity=0, interactive=False, allow_cascade=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('workspaces_workspace', 'id'), %s)",
            [WORKSPACE_ID_START],
        )
    password = secrets.token_urlsafe(16)
    users = get_user_model().objects
    viewer = users.create_user("lat-viewer", password=password)
    prober = users.create_user("lat-probe", password=password)

    def workspace(slug: str, user: Any) -> Any:
        ws = workspace_create(slug=slug, name=slug)
        membership_set(user=user, workspace=ws, role="crisis_team")
        watch_term_create(workspace_id=ws.pk, query=WATCH_TERM)
        return ws

    def mastodon_source(ws: Any, tag: str) -> Any:
        settings = {"instance": fake.url, "hashtags": [tag], "timeout": 5}
        return source_create(
            workspace_id=ws.pk, name=tag, platform="mastodon", settings=settings, interval=60
        )

    bg = workspace("lat-bg", viewer)
    bg_ids = []
    for i in range(bg_sources):
        fake.add_rate_tag(f"bg{i}", i)
        bg_ids.append(mastodon_source(bg, f"bg{i}").pk)
    phases: dict[str, list[Probe]] = {}
    for phase in ("idle", "loaded"):
        phases[phase] = []
        for i in range(probes):
            slug, tag = f"lat-{phase}-{i:03d}", f"{phase}{i}"
            ws = workspace(slug, prober)
            source = mastodon_source(ws, tag)
            alert_rule_create(
                workspace_id=ws.pk,
                name="probe",
                kind=AlertRule.Kind.NEGATIVE_BURST,
                params={"threshold": 1, "window_minutes": 5},
                cooldown_minutes=0,
            )
            for lang, text in WARMUP_TEXTS:  # positive: sets the cursor, fires nothing
                fake.add_probe(tag, text, lang)
            phases[phase].append(Probe(ws.pk, slug, source.pk, tag))
    return World(bg.pk, bg.slug, bg_ids, phases, password)


def _login(base: str, username: str, password: str) -> str:
    """Log in through the real login form; returns the Cookie header for websockets."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.get(f"{base}/accounts/login/", timeout=10).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=10,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login as {username} failed: HTTP {response.status_code}")
    return f"sessionid={session.cookies['sessionid']}"


def _enqueue_poll(source_id: int) -> None:
    from monitoring.tasks import poll_source

    poll_source.apply_async(args=[source_id])


def _wait_warm(world: World, worker: Service) -> None:
    """Poll every probe source once (positive statuses only): sets cursors, warms both pool
    processes (VADER lexicons, connections), proves the worker consumes the queue."""
    from monitoring.models import Source

    ids = [p.source_id for phase in world.probes.values() for p in phase]
    for source_id in ids:
        _enqueue_poll(source_id)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        worker.check()
        if not Source.objects.filter(pk__in=ids, last_success_at__isnull=True).exists():
            return
        time.sleep(0.2)
    raise RuntimeError("worker: probe sources not polled within the startup timeout")


def _fill_results(world: World, phase: str, clients: ProbeClients) -> None:
    """Join the websocket arrivals with the database: fetched_at and the alert's id."""
    from monitoring.models import Alert, Mention

    for probe in world.probes[phase]:
        box = clients.snapshot(probe.workspace_id)
        mention = Mention.objects.filter(
            workspace_id=probe.workspace_id, platform="mastodon", external_id=probe.status_id
        ).first()
        alert = Alert.objects.filter(workspace_id=probe.workspace_id).order_by("pk").first()
        probe.fetched_at = mention.fetched_at.timestamp() if mention else None
        probe.mention_at = box.mentions.get(probe.status_id)
        arrivals = [t for t, alert_id in box.alerts if alert and alert_id == alert.pk]
        probe.alert_at = min(arrivals) if arrivals else None


def _background_stored(world: World, since: float, until: float) -> int:
    """Background mentions whose ingest started in [since, until)."""
    from monitoring.models import Mention

    return Mention.objects.filter(
        workspace_id=world.bg_workspace_id,
        fetched_at__gte=datetime.fromtimestamp(since, UTC),
        fetched_at__lt=datetime.fromtimestamp(until, UTC),
    ).count()


# --- Background load ------------------------------------------------------------------------


class Poller(threading.Thread):
    """Enqueues poll_source for each background source every `interval` s, staggered, as beat
    would; skips a round-robin slot while the queue already holds a full round (the worker is
    behind), so the queue cannot grow without bound."""

    def __init__(self, source_ids: list[int], interval: float) -> None:
        super().__init__(daemon=True)
        import redis

        self.ids, self.interval = source_ids, interval
        self.redis = redis.Redis.from_url(REDIS_URL)
        self.halt = threading.Event()
        self.sent = self.skipped = self.max_depth = 0

    def run(self) -> None:
        step = self.interval / len(self.ids)
        next_at, i = time.monotonic(), 0
        while not self.halt.is_set():
            depth = self.redis.llen(CELERY_QUEUE)
            self.max_depth = max(self.max_depth, depth)
            if depth < len(self.ids):
                _enqueue_poll(self.ids[i % len(self.ids)])
                self.sent += 1
            else:
                self.skipped += 1
            i += 1
            next_at += step
            self.halt.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)


# --- Phases and report ----------------------------------------------------------------------


def _run_probes(
    probes: list[Probe], fake: FakeMastodon, clients: ProbeClients, spacing: float
) -> None:
    """Fire the probes `spacing` s apart (±30 % jitter), then wait for their alerts."""
    rng = random.Random(SEED)
    next_at = time.monotonic()
    for probe in probes:
        time.sleep(max(0.0, next_at - time.monotonic()))
        probe.status_id = fake.add_probe(probe.tag, PROBE_TEXT, "en")
        probe.t_enqueue = time.time()
        _enqueue_poll(probe.source_id)
        next_at += spacing * rng.uniform(0.7, 1.3)
    deadline = time.time() + PROBE_TIMEOUT
    while time.time() < deadline:
        pending = [p for p in probes if not clients.snapshot(p.workspace_id).alerts]
        if not pending or all(time.time() - p.t_enqueue > PROBE_TIMEOUT for p in pending):
            break
        time.sleep(0.05)


def _pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _fmt(values: list[float]) -> str:
    if not values:
        return f"{'-':>6} {'-':>6} {'-':>6}"
    ms = [v * 1000 for v in values]
    return f"{_pct(ms, 50):6.0f} {_pct(ms, 95):6.0f} {max(ms):6.0f}"


def _report_phase(name: str, probes: list[Probe]) -> tuple[list[float], int]:
    done = [p for p in probes if p.alert_at is not None and p.fetched_at is not None]
    late = [p for p in done if p.alert_at - p.t_enqueue > PROBE_TIMEOUT]  # type: ignore[operator]
    ok = [p for p in done if p not in late]
    ingest = [p.alert_at - p.fetched_at for p in ok]  # type: ignore[operator]
    enqueue = [p.alert_at - p.t_enqueue for p in ok]  # type: ignore[operator]
    pickup = [p.fetched_at - p.t_enqueue for p in ok]  # type: ignore[operator]
    batch = [p.mention_at - p.fetched_at for p in ok if p.mention_at]  # type: ignore[operator]
    gap = [p.alert_at - p.mention_at for p in ok if p.mention_at]  # type: ignore[operator]
    print(f"{name:<8} {len(ok):>3}/{len(probes):<3} {_fmt(ingest)}   {_fmt(enqueue)}")
    print(
        f"{'':<16}parts (p50 p95 max): enqueue→ingest start {_fmt(pickup).strip()} · "
        f"ingest→ws mention.batch {_fmt(batch).strip()} · "
        f"mention.batch→ws alert.created {_fmt(gap).strip()}"
    )
    return ingest, len(probes) - len(ok)


def _report_cpu(
    before: dict[str, dict[int, float]],
    after: dict[str, dict[int, float]],
    busy: float,
    window: float,
) -> None:
    """CPU per component over the window, and what the rest of the machine took."""
    parts, ours = [], 0.0
    for name, was in before.items():
        # A process started inside the window (a new backend) counts whole.
        used = sum(v - was.get(pid, 0.0) for pid, v in after[name].items())
        ours += used
        parts.append(f"{name} {used / window * 100:.0f}%")
    cores = os.cpu_count() or 1
    print(
        f"CPU in the window (100% = one core of {cores}): {', '.join(parts)}; "
        f"everything else on the machine {max(0.0, busy - ours) / window * 100:.0f}%, "
        f"idle {max(0.0, cores * window - busy) / window * 100:.0f}% (of {cores * 100}%)"
    )
    if busy - ours > 0.1 * window:
        print(
            "note: other processes on this machine took CPU during the window; the loaded "
            "figures are pessimistic (rerun on a quiet machine)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=40, help="probe alerts per phase")
    parser.add_argument("--rate", type=float, default=1000.0, help="background mentions/s")
    parser.add_argument("--viewers", type=int, default=50, help="dashboards on the background")
    parser.add_argument("--bg-sources", type=int, default=20, help="background sources")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="s between polls")
    parser.add_argument("--spacing", type=float, default=0.3, help="s between probes")
    parser.add_argument("--warmup", type=float, default=8.0, help="s of load before probing")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (compose: 2)")
    args = parser.parse_args()

    secret_key = secrets.token_urlsafe(50)
    _ensure_database()
    _django_setup(secret_key)
    import redis

    from crisiscenter.celery import app as celery_app  # noqa: F401 (binds the tasks to it)

    redis.Redis.from_url(REDIS_URL).flushdb()  # db 5 is the bench's: stale queue from a crash
    fake = FakeMastodon()
    fake.start()
    world = _create_world(fake, bg_sources=args.bg_sources, probes=args.probes)

    logs = Path(tempfile.mkdtemp(prefix="alert_latency-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _service_env(secret_key)
    py = sys.executable
    services = [
        Service(
            "uvicorn",
            [
                *(py, "-m", "uvicorn", "crisiscenter.asgi:application", "--host", "127.0.0.1"),
                *("--port", str(port), "--lifespan", "on", "--ws-max-size", "65536"),
            ],
            env,
            logs / "uvicorn.log",
        ),
        Service(
            "celery worker",
            [
                *(py, "-m", "celery", "-A", "crisiscenter", "worker", "-l", "warning"),
                f"--concurrency={args.concurrency}",
            ],
            env,
            logs / "worker.log",
        ),
    ]
    uvicorn, worker = services
    clients: ProbeClients | None = None
    viewers: Any = None
    parent_end: Any = None
    poller: Poller | None = None
    missing = 0
    try:
        _wait_healthy(base, uvicorn)
        probe_cookie = _login(base, "lat-probe", world.password)
        viewer_cookie = _login(base, "lat-viewer", world.password)
        slugs = {p.workspace_id: p.slug for phase in world.probes.values() for p in phase}
        clients = ProbeClients(base, probe_cookie, slugs)
        clients.start()
        ctx = mp.get_context("spawn")
        parent_end, child_end = ctx.Pipe()
        viewers = ctx.Process(
            target=_viewers_main,
            args=(base, world.bg_slug, viewer_cookie, args.viewers, child_end),
            daemon=True,
        )
        viewers.start()
        _, connected, errors = parent_end.recv()
        if connected != args.viewers:
            raise RuntimeError(f"viewers: {connected}/{args.viewers} connected: {errors}")
        _wait_warm(world, worker)

        per_tag = args.rate / args.bg_sources
        print(
            f"alert_latency: {args.probes} probes per phase, {len(slugs)} probe dashboards + "
            f"{args.viewers} viewers of the background workspace; worker "
            f"--concurrency={args.concurrency}\n"
            f"background: {args.bg_sources} Mastodon sources x {per_tag:g} statuses/s, each "
            f"polled every {args.poll_interval:g} s (offered {args.rate:,.0f} mentions/s)\n"
        )
        print(f"{'latency ms':<8} {'n':>7} {'ingest→ws alert':>20}   {'enqueue→ws alert':>20}")
        print(f"{'':<16} {'p50':>6} {'p95':>6} {'max':>6}   {'p50':>6} {'p95':>6} {'max':>6}")

        _run_probes(world.probes["idle"], fake, clients, args.spacing)
        time.sleep(0.5)
        _fill_results(world, "idle", clients)
        _, gone = _report_phase("idle", world.probes["idle"])
        missing += gone

        fake.start_rate(per_tag)
        poller = Poller(world.bg_source_ids, args.poll_interval)
        poller.start()
        time.sleep(args.warmup)
        groups = {
            "uvicorn": _descendants(uvicorn.proc.pid),
            f"celery worker ({args.concurrency + 1} processes)": _descendants(worker.proc.pid),
            "redis-server": _pids_named("redis-server"),
            "bench (fake Mastodon, probes)": [os.getpid()],
            "viewers process": [viewers.pid],
        }
        cpu_before, busy_before = _cpu_snapshot(groups), _machine_busy()
        parent_end.send("stats")
        frames_before = parent_end.recv()
        t_start, sent_before = time.time(), poller.sent
        _run_probes(world.probes["loaded"], fake, clients, args.spacing)
        t_end = time.time()
        cpu_after, busy_after = _cpu_snapshot(groups), _machine_busy()
        parent_end.send("stats")
        frames_after = parent_end.recv()
        backlog, polls = fake.backlog(), poller.sent - sent_before
        poller.stop()
        fake.stop_rate()
        time.sleep(1.5)  # polls that started inside the window commit
        _fill_results(world, "loaded", clients)
        loaded, gone = _report_phase("loaded", world.probes["loaded"])
        missing += gone

        window = t_end - t_start
        stored = _background_stored(world, t_start, t_end)
        print(
            f"\nbackground achieved: {stored / window:,.0f} mentions/s stored (ingest started "
            f"inside the {window:.1f} s probe window: {stored:,} rows); offered "
            f"{args.rate:,.0f}/s; backlog at window end {backlog:,} statuses\n"
            f"polls enqueued {polls / window:.1f}/s ({poller.skipped} skipped while the queue "
            f"held a full round), queue depth max {poller.max_depth}"
        )
        frames = frames_after["frames"] - frames_before["frames"]
        size = frames_after["bytes"] - frames_before["bytes"]
        print(
            f"viewers: {args.viewers} connected, {frames / window / max(args.viewers, 1):.1f} "
            f"frames/s each, {size / window / 1e6:.1f} MB/s received in total "
            f"(decompressed), {frames_after['dropped']} dropped"
        )
        _report_cpu(cpu_before, cpu_after, busy_after[0] - busy_before[0], window)
        if stored / window < 0.98 * args.rate:
            print(
                f"note: the stack stored {stored / window:,.0f}/s, below the offered "
                f"{args.rate:,.0f}/s: it did not keep up, so 'loaded' is at that rate"
            )
        if loaded:
            verdict = "met" if _pct(loaded, 95) < 0.3 else "NOT met"
            print(
                f"target p95 < 300 ms under load: {verdict} (p95 {_pct(loaded, 95) * 1000:.0f} ms)"
            )
        if missing:
            print(
                f"FAILED: {missing} probe alert(s) did not reach their websocket within "
                f"{PROBE_TIMEOUT:.0f} s (logs: {logs})"
            )
    finally:
        if poller is not None:
            poller.halt.set()
        if clients is not None:
            clients.stop()
        if viewers is not None:
            with contextlib.suppress(Exception):
                parent_end.send("stop")
            viewers.join(timeout=10)
            if viewers.is_alive():
                viewers.kill()
        for service in services:
            service.stop()
        fake.stop()
        redis.Redis.from_url(REDIS_URL).flushdb()
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
