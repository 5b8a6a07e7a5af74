"""A worker killed in the middle of a poll loses nothing and duplicates nothing.

The poll fetches a news feed from a local HTTP server that holds the first request open; while
the worker waits on it, its pool process is SIGKILLed. acks_late + reject_on_worker_lost put
the message back, the redelivered task retakes its own lease, and the feed is stored once.
The second test kills it later: inside the ingest transaction, after the page's mentions were
written and before the source's cursor was (the test holds the source's row lock meanwhile).
"""

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from monitoring.models import Mention, Source, WatchTerm
from monitoring.tasks import poll_source
from tests.factories import SourceFactory, WorkspaceFactory
from tests.loopback import QuietHandler, loopback_server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEMS = 30
RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Nieuwsdienst</title>'
    + "".join(
        f"<item><title>Bank Noord storing bericht {i}</title><guid>item-{i}</guid>"
        f"<link>https://nieuws.example.org/{i}</link>"
        f"<pubDate>Wed, 25 Nov 2026 10:{i:02d}:00 GMT</pubDate></item>"
        for i in range(ITEMS)
    )
    + "</channel></rss>"
).encode()


class _Feed:
    def __init__(self) -> None:
        self.requests = 0
        self.first_arrived = threading.Event()
        self.release = threading.Event()


@pytest.fixture
def stalling_feed() -> Iterator[tuple[str, _Feed]]:
    feed = _Feed()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            feed.requests += 1
            if feed.requests == 1:
                feed.first_arrived.set()
                feed.release.wait(timeout=60)  # hold the worker inside fetch()
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(RSS)))
            self.end_headers()
            self.wfile.write(RSS)

    with loopback_server(Handler) as url:
        try:
            yield f"{url}/rss", feed
        finally:
            feed.release.set()  # a held request ends before the server stops


def _pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _news_source(url: str) -> Source:
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    return SourceFactory(workspace=workspace, platform="news", settings={"feeds": [url]})


def _kill_pool_process(celery_worker) -> int:
    """SIGKILL the worker's only pool process; its pid."""
    children = _pool_children(celery_worker.proc.pid)
    assert len(children) == 1
    os.kill(children[0], signal.SIGKILL)
    return children[0]


def _assert_stored_once_after_redelivery(celery_worker, task_id: str, source: Source, feed):
    _wait(lambda: Mention.objects.filter(source=source).count() == ITEMS, 60, "the redelivery")
    _wait(lambda: f"[{task_id}] succeeded" in celery_worker.output(), 30, "task success")
    assert "WorkerLostError" in celery_worker.output()
    assert feed.requests == 2  # fetched again after the crash, nothing skipped
    stored = Mention.objects.filter(source=source)
    assert stored.count() == ITEMS
    assert stored.values("external_id").distinct().count() == ITEMS
    source = Source.objects.get(pk=source.pk)
    assert source.lease_until is None
    assert source.health == Source.Health.OK
    assert source.cursor  # saved with the data


def test_worker_killed_mid_poll_loses_nothing_and_duplicates_nothing(celery_worker, stalling_feed):
    url, feed = stalling_feed
    source = _news_source(url)

    task_id = celery_worker.enqueue(poll_source, source.pk)
    assert feed.first_arrived.wait(timeout=30), "the worker never fetched the feed"
    _kill_pool_process(celery_worker)  # the pool process dies inside fetch()
    assert Mention.objects.filter(source=source).count() == 0

    _assert_stored_once_after_redelivery(celery_worker, task_id, source, feed)


def _backend_blocked_after_writing_mentions(locker: psycopg.Connection) -> int | None:
    """The pid of a backend waiting for a lock while its open transaction holds a write lock
    on monitoring_mention (it has written the page's mentions, not yet committed)."""
    row = locker.execute(
        """
        SELECT a.pid FROM pg_stat_activity a
        WHERE a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid()
          AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.granted
                      AND l.relation = 'monitoring_mention'::regclass
                      AND l.mode = 'RowExclusiveLock')
        """
    ).fetchone()
    return row[0] if row else None


def test_worker_killed_inside_the_ingest_transaction_loses_nothing(celery_worker, stalling_feed):
    url, feed = stalling_feed
    source = _news_source(url)
    params = connection.get_connection_params()
    conninfo = {k: params[k] for k in ("dbname", "user", "host", "port", "password") if k in params}

    task_id = celery_worker.enqueue(poll_source, source.pk)
    assert feed.first_arrived.wait(timeout=30), "the worker never fetched the feed"
    # The lease is taken; lock the source row so the page's cursor update has to wait.
    with psycopg.connect(**conninfo) as locker:
        locker.execute("SELECT 1 FROM monitoring_source WHERE id = %s FOR UPDATE", [source.pk])
        feed.release.set()
        backend: list[int | None] = [None]

        def blocked() -> bool:
            with psycopg.connect(**conninfo, autocommit=True) as probe:
                backend[0] = _backend_blocked_after_writing_mentions(probe)
            return backend[0] is not None

        _wait(blocked, 30, "the ingest transaction to write mentions and wait on the cursor")
        _kill_pool_process(celery_worker)  # dies with the mentions written, uncommitted
        # Its backend notices the closed socket once the lock is released: no COMMIT ever
        # came, so the page's mentions and its cursor are rolled back together.
        locker.rollback()
    _wait(lambda: not _still_running(conninfo, backend[0]), 30, "the backend to end")

    _assert_stored_once_after_redelivery(celery_worker, task_id, source, feed)


def _still_running(conninfo: dict, pid: int | None) -> bool:
    with psycopg.connect(**conninfo, autocommit=True) as probe:
        row = probe.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return row is not None
