"""A worker killed in the middle of a poll loses nothing and duplicates nothing.

The poll fetches a news feed from a local HTTP server that holds the first request open; while
the worker waits on it, its pool process is SIGKILLed. acks_late + reject_on_worker_lost put
the message back, the redelivered task retakes its own lease, and the feed is stored once.
"""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitoring.models import Mention, Source, WatchTerm
from monitoring.tasks import poll_source
from tests.factories import SourceFactory, WorkspaceFactory

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

    class Handler(BaseHTTPRequestHandler):
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

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rss", feed
    finally:
        feed.release.set()
        server.shutdown()
        server.server_close()


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


def test_worker_killed_mid_poll_loses_nothing_and_duplicates_nothing(celery_worker, stalling_feed):
    url, feed = stalling_feed
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query='"Bank Noord"')
    source = SourceFactory(workspace=workspace, platform="news", settings={"feeds": [url]})

    task_id = celery_worker.enqueue(poll_source, source.pk)
    assert feed.first_arrived.wait(timeout=30), "the worker never fetched the feed"
    children = _pool_children(celery_worker.proc.pid)
    assert len(children) == 1
    import os
    import signal

    os.kill(children[0], signal.SIGKILL)  # the pool process dies inside fetch()
    assert Mention.objects.filter(source=source).count() == 0

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
